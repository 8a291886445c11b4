//! Deployment packages: a function's zip, checked and unpacked once per code version into a
//! directory its processes run from (`LAMBDA_TASK_ROOT`).

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

/// The largest unzipped package AWS accepts (250 MB).
const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;

/// Why a package cannot be used; the messages are what AWS says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageError {
    #[error("Could not unzip uploaded file. Please check your file, then try to upload again.")]
    NotAZip,
    #[error("Unzipped size must be smaller than 262144000 bytes")]
    TooLarge,
    #[error("{0}")]
    Unpack(String),
}

/// A checked, unpacked package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub dir: PathBuf,
    /// Base64 of the SHA-256 of the zip, as `CodeSha256`.
    pub sha256: String,
    pub size: u64,
}

/// The base64 SHA-256 of `bytes`, as AWS reports `CodeSha256`.
pub fn code_sha256(bytes: &[u8]) -> String {
    BASE64.encode(Sha256::digest(bytes))
}

/// Unpacks `zip` into `dir` (created fresh), keeping the files' Unix modes.
///
/// The sizes an archive declares are checked with checked arithmetic and never allocated from;
/// each entry is streamed to its file against what is left of the 250 MB budget, so an archive
/// that lies about its sizes is refused once it has written that much, not before.
pub fn unpack(zip: &[u8], dir: &Path) -> Result<Package, PackageError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(|_| PackageError::NotAZip)?;
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let size = archive
            .by_index(i)
            .map_err(|_| PackageError::NotAZip)?
            .size();
        declared = declared
            .checked_add(size)
            .filter(|total| *total <= MAX_UNZIPPED_BYTES)
            .ok_or(PackageError::TooLarge)?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|error| PackageError::Unpack(error.to_string()))?;
    }
    std::fs::create_dir_all(dir).map_err(|error| PackageError::Unpack(error.to_string()))?;
    let mut budget = MAX_UNZIPPED_BYTES;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|_| PackageError::NotAZip)?;
        // `enclosed_name` refuses absolute paths and `..`, so nothing lands outside `dir`.
        let Some(relative) = file.enclosed_name() else {
            continue;
        };
        let target = dir.join(relative);
        if file.is_dir() {
            std::fs::create_dir_all(&target)
                .map_err(|error| PackageError::Unpack(error.to_string()))?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|error| PackageError::Unpack(error.to_string()))?;
        }
        let mut out = std::fs::File::create(&target)
            .map_err(|error| PackageError::Unpack(error.to_string()))?;
        // One byte past the budget tells an entry that is bigger than it said.
        let written = std::io::copy(&mut (&mut file).take(budget + 1), &mut out)
            .map_err(|_| PackageError::NotAZip)?;
        budget = budget.checked_sub(written).ok_or(PackageError::TooLarge)?;
        #[cfg(unix)]
        if let Some(mode) = file.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode & 0o7777))
                .map_err(|error| PackageError::Unpack(error.to_string()))?;
        }
    }
    Ok(Package {
        dir: dir.to_path_buf(),
        sha256: code_sha256(zip),
        size: zip.len() as u64,
    })
}

/// Builds a zip in memory from `(name, contents, mode)` entries — for tests and tools.
pub fn zip_files(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut out);
        for (name, contents, mode) in files {
            let options = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            if writer.start_file(*name, options).is_ok() {
                let _ = writer.write_all(contents);
            }
        }
        let _ = writer.finish();
    }
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacks_with_modes_and_reports_the_digest() {
        let zip = zip_files(&[
            ("bootstrap", b"#!/bin/sh\necho hi\n", 0o755),
            ("lib/data.txt", b"x", 0o644),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let package = unpack(&zip, &dir.path().join("code")).unwrap();
        assert_eq!(package.size, zip.len() as u64);
        assert_eq!(package.sha256, code_sha256(&zip));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(package.dir.join("bootstrap"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o755);
        }
        assert!(package.dir.join("lib/data.txt").is_file());
    }

    #[test]
    fn refuses_what_is_not_a_zip() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(unpack(b"not a zip", dir.path()), Err(PackageError::NotAZip));
    }
}
