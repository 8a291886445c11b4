//! Packaged functions: `<dir>/<name>/bootstrap.zip`, the layout `make lambdas` (cargo-lambda)
//! writes, with the executable `bootstrap` at the zip's root as `provided.al2023` expects. A
//! Python function needs no build: its package is its source files, zipped when asked for.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// Names the one directory to look in, instead of the defaults.
pub const DIR_VARIABLE: &str = "SERVERLESS_LAB_LAMBDA_DIR";

/// Where `make lambdas` writes, relative to the repository root.
const SOURCE_TREE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../target/lambda");

/// A packaged function could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error(
        "the Lambda function \"{name}\" is not built (no {name}/bootstrap.zip in {searched}): \
         run `make lambdas` in the source tree, or set {DIR_VARIABLE} to the directory holding \
         the built zips"
    )]
    NotBuilt { name: String, searched: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a usable function package: {reason}; rebuild it with `make lambdas`")]
    Malformed { path: PathBuf, reason: String },
}

/// A function's zip, read and checked.
#[derive(Debug, Clone)]
pub struct Package {
    /// Where it was found.
    pub path: PathBuf,
    /// The zip's bytes, ready for Lambda's `CreateFunction`.
    pub zip: Vec<u8>,
}

impl Package {
    /// The `bootstrap` executable inside.
    pub fn bootstrap(&self) -> Result<Vec<u8>, ArtifactError> {
        let malformed = |reason: String| ArtifactError::Malformed {
            path: self.path.clone(),
            reason,
        };
        let mut archive = zip::ZipArchive::new(Cursor::new(&self.zip))
            .map_err(|error| malformed(format!("not a zip archive ({error})")))?;
        let mut entry = archive
            .by_name("bootstrap")
            .map_err(|_| malformed("it has no `bootstrap` at its root".to_owned()))?;
        let mode = entry.unix_mode().unwrap_or(0);
        if mode & 0o111 == 0 {
            return Err(malformed(format!(
                "its `bootstrap` is not executable (mode {:o})",
                mode & 0o777
            )));
        }
        let mut bootstrap = Vec::new();
        entry
            .read_to_end(&mut bootstrap)
            .map_err(|error| malformed(format!("its `bootstrap` cannot be read ({error})")))?;
        Ok(bootstrap)
    }
}

/// The directories packaged functions are looked for in, in order.
#[derive(Debug, Clone)]
pub struct Artifacts {
    dirs: Vec<PathBuf>,
}

impl Artifacts {
    /// `$SERVERLESS_LAB_LAMBDA_DIR` alone when it is set. Otherwise `lambda/` beside the
    /// running executable (an installed app's resources), then the source tree's
    /// `target/lambda` this crate was built in.
    pub fn discover() -> Self {
        if let Some(dir) = std::env::var_os(DIR_VARIABLE) {
            return Self::in_dirs(vec![PathBuf::from(dir)]);
        }
        let mut dirs = Vec::new();
        if let Some(exe_dir) = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
        {
            dirs.push(exe_dir.join("lambda"));
        }
        let source_tree = PathBuf::from(SOURCE_TREE_DIR);
        dirs.push(source_tree.canonicalize().unwrap_or(source_tree));
        Self { dirs }
    }

    /// Only `dirs`, in order.
    pub fn in_dirs(dirs: Vec<PathBuf>) -> Self {
        Self { dirs }
    }

    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// The first `<dir>/<name>/bootstrap.zip`, read and checked; a Python function's sources,
    /// zipped.
    pub fn load(&self, name: &str) -> Result<Package, ArtifactError> {
        if let Ok(function) = crate::Function::named(name)
            && function.is_python()
        {
            return python_package(&function);
        }
        let Some(path) = self
            .dirs
            .iter()
            .map(|dir| dir.join(name).join("bootstrap.zip"))
            .find(|path| path.is_file())
        else {
            return Err(ArtifactError::NotBuilt {
                name: name.to_owned(),
                searched: self
                    .dirs
                    .iter()
                    .map(|dir| dir.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let zip = std::fs::read(&path).map_err(|source| ArtifactError::Read {
            path: path.clone(),
            source,
        })?;
        let package = Package { path, zip };
        package.bootstrap()?;
        Ok(package)
    }
}

/// A Python function's files at the zip's root, as Lambda's console saves them.
fn python_package(function: &crate::Function) -> Result<Package, ArtifactError> {
    use std::io::Write as _;
    let path = PathBuf::from(format!("lambda/python/{}", function.name()));
    let failed = |error: &dyn std::fmt::Display| ArtifactError::Malformed {
        path: path.clone(),
        reason: format!("zipping its sources failed ({error})"),
    };
    let mut out = Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o644);
    for file in function.sources() {
        let name = file.path.rsplit('/').next().unwrap_or(file.path);
        writer
            .start_file(name, options)
            .map_err(|error| failed(&error))?;
        writer
            .write_all(file.text.as_bytes())
            .map_err(|error| failed(&error))?;
    }
    writer.finish().map_err(|error| failed(&error))?;
    Ok(Package {
        path,
        zip: out.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_with(name: &str, mode: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().unix_permissions(mode);
        writer.start_file(name, options).unwrap();
        writer.write_all(b"#!/bin/sh\n").unwrap();
        writer.finish().unwrap();
        out.into_inner()
    }

    fn artifacts_with(name: &str, zip: &[u8]) -> (tempfile::TempDir, Artifacts) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
        std::fs::write(dir.path().join(name).join("bootstrap.zip"), zip).unwrap();
        let artifacts =
            Artifacts::in_dirs(vec![dir.path().join("empty"), dir.path().to_path_buf()]);
        (dir, artifacts)
    }

    #[test]
    fn finds_the_first_package_with_an_executable_bootstrap() {
        let (dir, artifacts) = artifacts_with("crud", &zip_with("bootstrap", 0o755));
        let package = artifacts.load("crud").unwrap();
        assert_eq!(package.path, dir.path().join("crud/bootstrap.zip"));
        assert_eq!(package.bootstrap().unwrap(), b"#!/bin/sh\n");
    }

    #[test]
    fn a_python_function_is_its_sources_zipped_without_a_build() {
        let package = Artifacts::in_dirs(Vec::new())
            .load("ddb-manager-py")
            .unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(&package.zip)).unwrap();
        let mut handler = String::new();
        archive
            .by_name("lambda_function.py")
            .unwrap()
            .read_to_string(&mut handler)
            .unwrap();
        assert!(handler.contains("def lambda_handler(event, context):"));
    }

    #[test]
    fn a_missing_package_says_how_to_build_it() {
        let artifacts = Artifacts::in_dirs(vec![PathBuf::from("/nowhere/a"), PathBuf::from("/b")]);
        let message = artifacts.load("crud").unwrap_err().to_string();
        assert!(
            message.starts_with(
                "the Lambda function \"crud\" is not built (no crud/bootstrap.zip in /nowhere/a, /b): \
                 run `make lambdas`"
            ),
            "{message}"
        );
    }

    #[test]
    fn unusable_packages_are_refused_with_the_reason() {
        let cases = [
            (
                zip_with("bootstrap", 0o644),
                "its `bootstrap` is not executable (mode 644)",
            ),
            (
                zip_with("crud/bootstrap", 0o755),
                "it has no `bootstrap` at its root",
            ),
            (b"not a zip".to_vec(), "not a zip archive"),
        ];
        for (zip, reason) in cases {
            let (_dir, artifacts) = artifacts_with("crud", &zip);
            let message = artifacts.load("crud").unwrap_err().to_string();
            assert!(message.contains(reason), "{message}");
        }
    }
}
