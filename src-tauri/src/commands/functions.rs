//! The Rust sources of the lab's Lambda functions, for the source viewer.

use lab_contract::{ErrorCode, ErrorDto, FunctionSources, SourceFileView};
use lab_functions::Function;

/// The sources of the lab function `name` (a crate under `lambda/`): its own files and the
/// shared kit's.
#[tauri::command]
pub fn function_sources(name: String) -> Result<FunctionSources, ErrorDto> {
    let function = Function::named(&name)
        .map_err(|error| ErrorDto::new(ErrorCode::InvalidInput, error.to_string()))?;
    Ok(FunctionSources {
        name: function.name().to_owned(),
        description: function.description().to_owned(),
        files: function
            .sources()
            .into_iter()
            .map(|file| SourceFileView {
                path: file.path.to_owned(),
                text: file.text.to_owned(),
            })
            .collect(),
    })
}
