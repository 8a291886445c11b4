//! The lessons directory: `lessons/<id>/lesson.md`, each read and checked, every problem of
//! every file reported together.

use std::path::{Path, PathBuf};

use super::{Lesson, Problem, Problems, parse};

/// Names the lessons directory to use instead of the source tree's.
pub const LESSONS_DIR_VARIABLE: &str = "SERVERLESS_LAB_LESSONS_DIR";

/// The source tree's `lessons/`.
const SOURCE_TREE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../lessons");

/// The lessons could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the lessons in {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Invalid(#[from] Problems),
}

/// The most files a lesson's web page may have, and their most bytes together.
const MAX_SITE_FILES: usize = 200;
const MAX_SITE_BYTES: u64 = 5 * 1024 * 1024;

/// The files under a lesson's `site/` folder (none when it has no such folder), by path.
fn read_site(root: &Path) -> Result<Vec<super::SiteFile>, String> {
    let mut files = Vec::new();
    if !root.is_dir() {
        return Ok(files);
    }
    let mut total = 0;
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .map_err(|error| format!("cannot read {}: {error}", folder.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let bytes = std::fs::read(&path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            total += bytes.len() as u64;
            let relative = path
                .strip_prefix(root)
                .map_err(|error| error.to_string())?
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push(super::SiteFile {
                path: relative,
                bytes,
            });
        }
        if files.len() > MAX_SITE_FILES || total > MAX_SITE_BYTES {
            return Err(format!(
                "the web page in {} is too big: at most {MAX_SITE_FILES} files and \
                 {MAX_SITE_BYTES} bytes",
                root.display()
            ));
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Every lesson, in directory-name order.
#[derive(Debug, Clone)]
pub struct Library {
    pub lessons: Vec<Lesson>,
}

impl Library {
    /// `$SERVERLESS_LAB_LESSONS_DIR` when set, else the source tree's `lessons/`.
    pub fn default_dir() -> PathBuf {
        match std::env::var_os(LESSONS_DIR_VARIABLE) {
            Some(dir) => PathBuf::from(dir),
            None => {
                let dir = PathBuf::from(SOURCE_TREE_DIR);
                dir.canonicalize().unwrap_or(dir)
            }
        }
    }

    /// Reads every `<dir>/<id>/lesson.md`.
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        let read_error = |source| LoadError::Read {
            path: dir.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_error)? {
            let path = entry.map_err(read_error)?.path().join("lesson.md");
            if path.is_file() {
                files.push(path);
            }
        }
        files.sort();

        let mut lessons = Vec::new();
        let mut problems = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|source| LoadError::Read {
                path: file.clone(),
                source,
            })?;
            let dir_name = file
                .parent()
                .and_then(Path::file_name)
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            match parse::parse(&file, &text) {
                Ok(lesson) if lesson.id != dir_name => problems.push(Problem {
                    file: file.clone(),
                    line: 1,
                    message: format!(
                        "the lesson's id \"{}\" differs from its directory \"{dir_name}\"",
                        lesson.id
                    ),
                }),
                Ok(mut lesson) => match read_site(&file.with_file_name("site")) {
                    Ok(site) => {
                        lesson.site = site;
                        lessons.push(lesson);
                    }
                    Err(message) => problems.push(Problem {
                        file: file.clone(),
                        line: 1,
                        message,
                    }),
                },
                Err(Problems(found)) => problems.extend(found),
            }
        }
        if problems.is_empty() {
            Ok(Self { lessons })
        } else {
            Err(Problems(problems).into())
        }
    }

    /// The lesson with this id.
    pub fn get(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|lesson| lesson.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lessons_load_without_problems() {
        let library =
            Library::load(Path::new(SOURCE_TREE_DIR)).unwrap_or_else(|error| panic!("{error}"));
        let crud = library.get("crud-http-api").expect("lesson 1 ships");
        let ids: Vec<&str> = crud.steps.iter().map(|step| step.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "table",
                "role",
                "function",
                "permission",
                "api",
                "integration",
                "routes",
                "stage",
                "deploy",
                "try-it",
                "site-bucket",
                "site-hosting",
                "site-policy",
                "site-upload",
                "logs",
                "questions"
            ]
        );
        let site: Vec<&str> = crud.site.iter().map(|file| file.path.as_str()).collect();
        assert_eq!(site, ["app.js", "index.html", "style.css"]);
    }

    #[test]
    fn problems_of_every_file_come_together_and_ids_match_directories() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["one", "two"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        std::fs::write(dir.path().join("one/lesson.md"), "no lesson here\n").unwrap();
        let misnamed = "# T\n\n```lesson\nid = \"other\"\nsummary = \"s\"\n```\n\n## S\n\n```step\nid = \"s\"\n```\n";
        std::fs::write(dir.path().join("two/lesson.md"), misnamed).unwrap();
        let LoadError::Invalid(Problems(problems)) = Library::load(dir.path()).unwrap_err() else {
            panic!("expected problems");
        };
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(
            problems[3]
                .message
                .contains("differs from its directory \"two\"")
        );
    }
}
