//! Runs kept in the data directory (`load-runs/{id}.json`), so that two runs can be compared —
//! the memory lesson's before and after.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::cost::Estimate;
use super::run::Plan;
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
    /// What the run is called beside others (`128 MB`); none for a run without a name.
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    pub summary: Summary,
    /// What the run would cost on AWS, when it could be priced.
    #[serde(default)]
    pub estimate: Option<Estimate>,
}

impl SavedRun {
    /// A run of `plan` that started at `id` (milliseconds since the epoch).
    pub fn new(id: u64, plan: &Plan, label: Option<String>, summary: Summary) -> Self {
        Self {
            id,
            method: plan.method.to_ascii_uppercase(),
            url: plan.url.clone(),
            vus: plan.vus,
            profile: plan.profile.to_string(),
            label,
            body: plan.body.clone(),
            headers: plan.headers.clone(),
            summary,
            estimate: None,
        }
    }

    /// Its label, or when it ran.
    pub fn name(&self) -> String {
        self.label
            .clone()
            .unwrap_or_else(|| format!("run {}", crate::load::report::timestamp(self.id)))
    }
}

/// Milliseconds since the epoch, now: a new run's id.
pub fn new_id() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
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

/// The kept run `id`.
pub fn get(data_dir: &Path, id: u64) -> Option<SavedRun> {
    let text = std::fs::read(runs_dir(data_dir).join(format!("{id}.json"))).ok()?;
    serde_json::from_slice(&text).ok()
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
            label: None,
            body: None,
            headers: Vec::new(),
            summary: Summary::default(),
            estimate: None,
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
