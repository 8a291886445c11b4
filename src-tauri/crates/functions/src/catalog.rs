//! Which functions exist and what their sources say. A function's sources are its own crate
//! plus the library crates under `lambda/` it builds on, as a reader would open them.

/// One file of a function's sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceFile {
    /// The path from the repository root, e.g. `lambda/crud/src/handler.rs`.
    pub path: &'static str,
    /// The file's text.
    pub text: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CrateKind {
    Function,
    Library,
    /// A Python function, deployed as its source files.
    Python,
}

#[derive(Debug)]
struct CrateSources {
    name: &'static str,
    description: &'static str,
    kind: CrateKind,
    files: &'static [SourceFile],
}

include!(concat!(env!("OUT_DIR"), "/sources.rs"));

/// A Lambda function of the lab.
#[derive(Debug, Clone, Copy)]
pub struct Function {
    sources: &'static CrateSources,
}

/// No function of that name exists.
#[derive(Debug, thiserror::Error)]
#[error("there is no Lambda function \"{name}\" in the lab (there are: {known})")]
pub struct UnknownFunction {
    pub name: String,
    pub known: String,
}

impl Function {
    /// Every function, by name.
    pub fn all() -> impl Iterator<Item = Function> {
        CRATES
            .iter()
            .filter(|sources| sources.kind != CrateKind::Library)
            .map(|sources| Function { sources })
    }

    /// The function called `name` (its crate's and binary's name, e.g. `crud`).
    pub fn named(name: &str) -> Result<Function, UnknownFunction> {
        Self::all()
            .find(|function| function.name() == name)
            .ok_or_else(|| UnknownFunction {
                name: name.to_owned(),
                known: Self::all()
                    .map(|function| function.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    pub fn name(&self) -> &'static str {
        self.sources.name
    }

    /// One sentence on what it does (its crate's description).
    pub fn description(&self) -> &'static str {
        self.sources.description
    }

    /// The Lambda runtime it runs on: Rust functions are `bootstrap` executables for
    /// `provided.al2023`; Python ones run on `python3.12`.
    pub fn runtime(&self) -> &'static str {
        match self.sources.kind {
            CrateKind::Python => "python3.12",
            CrateKind::Function | CrateKind::Library => "provided.al2023",
        }
    }

    /// Its handler, as Lambda's configuration names it.
    pub fn handler(&self) -> &'static str {
        match self.sources.kind {
            CrateKind::Python => "lambda_function.lambda_handler",
            CrateKind::Function | CrateKind::Library => "bootstrap",
        }
    }

    /// Whether it is deployed as its sources (nothing to build).
    pub fn is_python(&self) -> bool {
        self.sources.kind == CrateKind::Python
    }

    /// Its crate's files, then those of the shared libraries it depends on (directly or
    /// through another of them), each crate's in path order.
    pub fn sources(&self) -> Vec<SourceFile> {
        let mut crates = vec![self.sources];
        let mut next = 0;
        while let Some(current) = crates.get(next).copied() {
            next += 1;
            for library in CRATES.iter().filter(|sources| {
                sources.kind == CrateKind::Library && depends_on(current, sources.name)
            }) {
                if !crates.iter().any(|listed| listed.name == library.name) {
                    crates.push(library);
                }
            }
        }
        crates
            .into_iter()
            .flat_map(|sources| sources.files.iter().copied())
            .collect()
    }
}

/// Whether the crate's manifest names `library` among its dependencies.
fn depends_on(sources: &CrateSources, library: &str) -> bool {
    let manifest = sources
        .files
        .iter()
        .find(|file| file.path.ends_with("/Cargo.toml"))
        .map_or("", |file| file.text);
    manifest.lines().any(|line| {
        line.trim_start().starts_with(&format!("{library}."))
            || line.trim_start().starts_with(&format!("{library} ="))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_functions_are_listed_with_their_descriptions() {
        let names: Vec<_> = Function::all().map(|function| function.name()).collect();
        assert_eq!(
            names,
            [
                "crud",
                "ddb-manager",
                "ws-broadcast",
                "ws-connect",
                "ws-default",
                "ws-disconnect",
                "ddb-manager-py"
            ]
        );
        let python = Function::named("ddb-manager-py").unwrap();
        assert!(python.is_python());
        assert_eq!(
            (python.runtime(), python.handler()),
            ("python3.12", "lambda_function.lambda_handler")
        );
        assert!(python.description().starts_with("DynamoDBManager as the"));
        assert_eq!(
            python.sources().iter().map(|f| f.path).collect::<Vec<_>>(),
            ["lambda/python/ddb-manager-py/lambda_function.py"]
        );
        let crud = Function::named("crud").unwrap();
        assert!(crud.description().starts_with("LambdaCRUD"));
    }

    #[test]
    fn sources_hold_the_function_and_the_shared_library() {
        let sources = Function::named("crud").unwrap().sources();
        let paths: Vec<_> = sources.iter().map(|file| file.path).collect();
        assert!(paths.contains(&"lambda/crud/Cargo.toml"));
        assert!(paths.contains(&"lambda/crud/src/handler.rs"));
        assert!(paths.contains(&"lambda/kit/src/table.rs"));
        assert!(
            paths.contains(&"lambda/notation/src/lib.rs"),
            "the library the kit builds on is shown too"
        );
        assert!(
            !paths.iter().any(
                |path| path.starts_with("lambda/ddb-manager") || path.starts_with("lambda/ws-")
            )
        );
        let main = sources
            .iter()
            .find(|file| file.path == "lambda/crud/src/main.rs")
            .unwrap();
        assert!(main.text.contains("lambda_runtime::run"));
    }

    #[test]
    fn websocket_functions_come_with_their_own_library_only() {
        let sources = Function::named("ws-default").unwrap().sources();
        let paths: Vec<_> = sources.iter().map(|file| file.path).collect();
        assert!(paths.contains(&"lambda/ws-default/src/handler.rs"));
        assert!(paths.contains(&"lambda/ws-kit/src/push.rs"));
        assert!(!paths.iter().any(|path| path.starts_with("lambda/kit/")
            || path.starts_with("lambda/notation/")));
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let error = Function::named("crud2").unwrap_err();
        assert_eq!(
            error.to_string(),
            "there is no Lambda function \"crud2\" in the lab (there are: crud, ddb-manager, ws-broadcast, ws-connect, ws-default, ws-disconnect, ddb-manager-py)"
        );
    }
}
