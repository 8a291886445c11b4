//! Runs kept in the data directory (`load-runs/{id}.json`), so that two runs can be compared —
//! the memory lesson's before and after.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::stats::Summary;

/// A run as it is kept: what was run, when, and what it measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    /// Milliseconds since the epoch at the start; also the file's name.
    pub id: u64,
    pub method: String,
    pub url: String,
    pub vus: usize,
    pub profile: String,
    pub summary: Summary,
}

/// Why runs could not be kept or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
}

fn runs_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("load-runs")
}

/// Keeps `run`; its path.
pub fn save(data_dir: &Path, run: &SavedRun) -> Result<PathBuf, StoreError> {
    let dir = runs_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
        path: dir.clone(),
        source,
    })?;
    let path = dir.join(format!("{}.json", run.id));
    let text = serde_json::to_vec_pretty(run).map_err(|source| StoreError::Json {
        path: path.clone(),
        source,
    })?;
    std::fs::write(&path, text).map_err(|source| StoreError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Every kept run, oldest first; files that do not read are left out.
pub fn list(data_dir: &Path) -> Vec<SavedRun> {
    let Ok(entries) = std::fs::read_dir(runs_dir(data_dir)) else {
        return Vec::new();
    };
    let mut runs: Vec<SavedRun> = entries
        .flatten()
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "json"))
        .filter_map(|entry| {
            let text = std::fs::read(entry.path()).ok()?;
            serde_json::from_slice(&text)
                .map_err(|error| tracing::warn!(path = %entry.path().display(), %error, "a kept load run does not read"))
                .ok()
        })
        .collect();
    runs.sort_by_key(|run| run.id);
    runs
}

/// The latest kept run of `method url` before `id`: what a new run is compared with.
pub fn previous(data_dir: &Path, method: &str, url: &str, id: u64) -> Option<SavedRun> {
    list(data_dir)
        .into_iter()
        .rfind(|run| run.id < id && run.method.eq_ignore_ascii_case(method) && run.url == url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: u64, url: &str) -> SavedRun {
        SavedRun {
            id,
            method: "POST".into(),
            url: url.into(),
            vus: 2,
            profile: "fixed".into(),
            summary: Summary::default(),
        }
    }

    #[test]
    fn the_previous_run_is_the_latest_of_the_same_request() {
        let dir = tempfile::tempdir().unwrap();
        for saved in [
            run(1, "http://a/x"),
            run(2, "http://a/y"),
            run(3, "http://a/x"),
        ] {
            save(dir.path(), &saved).unwrap();
        }
        std::fs::write(dir.path().join("load-runs/9.json"), "not json").unwrap();
        assert_eq!(list(dir.path()).len(), 3);
        assert_eq!(
            previous(dir.path(), "post", "http://a/x", 4).map(|r| r.id),
            Some(3)
        );
        assert_eq!(
            previous(dir.path(), "POST", "http://a/x", 3).map(|r| r.id),
            Some(1)
        );
        assert_eq!(previous(dir.path(), "POST", "http://a/z", 4), None);
    }
}
