//! The directory holding the app's own data: sandbox state, lesson journals, saved answers.
//!
//! It follows the platform's convention (`~/.local/share/serverless-lab` on Linux) unless
//! `SERVERLESS_LAB_DATA_DIR` names another place, which tests and instructors' machines use.

use std::path::{Path, PathBuf};

use crate::Error;

/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "SERVERLESS_LAB_DATA_DIR";

/// A data directory that exists on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    path: PathBuf,
}

impl DataDir {
    /// Resolves the data directory from the environment and the platform, creating it if needed.
    pub fn resolve() -> Result<Self, Error> {
        let path = match std::env::var_os(DATA_DIR_ENV) {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => directories::ProjectDirs::from("dev", "serverless-lab", "serverless-lab")
                .ok_or(Error::NoHomeDir)?
                .data_dir()
                .to_path_buf(),
        };
        Self::at(path)
    }

    /// Uses `path` as the data directory, creating it if needed.
    pub fn at(path: impl Into<PathBuf>) -> Result<Self, Error> {
        let path = path.into();
        std::fs::create_dir_all(&path).map_err(|source| Error::CreateDataDir {
            path: path.clone(),
            source,
        })?;
        Ok(Self { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_missing_directories() {
        let root = tempfile::tempdir().unwrap();
        let wanted = root.path().join("a/b/c");
        let dir = DataDir::at(&wanted).unwrap();
        assert!(dir.path().is_dir());
        assert_eq!(dir.path(), wanted);
    }

    #[test]
    fn reports_the_path_it_could_not_create() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("occupied");
        std::fs::write(&file, b"not a directory").unwrap();
        let error = DataDir::at(file.join("data")).unwrap_err();
        assert!(
            matches!(&error, Error::CreateDataDir { path, .. } if path.ends_with("occupied/data")),
            "{error:?}"
        );
    }
}
