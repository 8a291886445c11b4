//! Where object and part bytes live: one file per blob under `s3/blobs/` in the data directory,
//! named by a random id. A blob is written under `s3/incoming/`, flushed to disk, then moved into
//! place; only then is the metadata naming it committed. A crash in between leaves a file nobody
//! names, which the next start removes ([`Blobs::sweep`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Blobs {
    dir: PathBuf,
    incoming: PathBuf,
}

impl Blobs {
    /// The blob directories under `data_dir`, created as needed.
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let root = data_dir.join("s3");
        let blobs = Self {
            dir: root.join("blobs"),
            incoming: root.join("incoming"),
        };
        std::fs::create_dir_all(&blobs.dir)?;
        std::fs::create_dir_all(&blobs.incoming)?;
        Ok(blobs)
    }

    /// A new blob's id and the path to write it at before [`Blobs::keep`].
    pub fn incoming(&self) -> (String, PathBuf) {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let path = self.incoming.join(&id);
        (id, path)
    }

    /// Moves a written (and synced) incoming blob into place, durably.
    pub fn keep(&self, id: &str) -> std::io::Result<()> {
        std::fs::rename(self.incoming.join(id), self.path(id))?;
        std::fs::File::open(&self.dir)?.sync_all()
    }

    pub fn path(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Removes blobs no metadata names any more; a missing one is already gone.
    pub fn remove(&self, ids: impl IntoIterator<Item = String>) {
        for id in ids {
            if let Err(error) = std::fs::remove_file(self.path(&id))
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(%id, %error, "could not remove an S3 blob");
            }
        }
    }

    /// Removes an incoming blob that will not be kept.
    pub fn discard(&self, id: &str) {
        let _ = std::fs::remove_file(self.incoming.join(id));
    }

    /// At start: removes every incoming blob and every blob that `named` does not hold.
    pub fn sweep(&self, named: &HashSet<String>) -> usize {
        let mut removed = 0;
        for dir in [&self.incoming, &self.dir] {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if (dir == &self.incoming || !named.contains(&name))
                    && std::fs::remove_file(entry.path()).is_ok()
                {
                    removed += 1;
                }
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_named_blobs_survive_a_sweep() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open(dir.path()).unwrap();
        let (kept, path) = blobs.incoming();
        std::fs::write(path, b"kept").unwrap();
        blobs.keep(&kept).unwrap();
        let (orphan, path) = blobs.incoming();
        std::fs::write(path, b"orphan").unwrap();
        blobs.keep(&orphan).unwrap();
        let (_, unfinished) = blobs.incoming();
        std::fs::write(unfinished, b"half").unwrap();
        let removed = blobs.sweep(&HashSet::from([kept.clone()]));
        assert_eq!(removed, 2);
        assert_eq!(std::fs::read(blobs.path(&kept)).unwrap(), b"kept");
        assert!(!blobs.path(&orphan).exists());
    }
}
