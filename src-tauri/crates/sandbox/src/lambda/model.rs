//! Lambda's model: a function's `$LATEST`, its published versions and aliases, its resource
//! policy and reserved concurrency — what the store saves as the function's definition.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use serde::{Deserialize, Serialize};

use super::function::Configuration;
use super::policy::Statement;
use super::pool::Pool;

/// `$LATEST` or a published version: a configuration with its code.
#[derive(Debug, Serialize, Deserialize)]
pub struct Deployed {
    pub configuration: Configuration,
    pub code_dir: PathBuf,
    pub zip_path: PathBuf,
    #[serde(skip)]
    pub pool: Arc<Pool>,
}

/// A named pointer to a version, optionally splitting traffic with another version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alias {
    pub name: String,
    pub function_version: String,
    pub description: String,
    pub weights: BTreeMap<String, f64>,
    pub revision_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Function {
    pub latest: Deployed,
    pub versions: BTreeMap<u32, Deployed>,
    pub next_version: u32,
    pub aliases: BTreeMap<String, Alias>,
    pub policy: Vec<Statement>,
    pub reserved_concurrency: Option<u32>,
    /// Invocations running now, counted against the reserved concurrency.
    #[serde(skip)]
    pub busy: Arc<AtomicUsize>,
}

/// A region's functions by name.
pub type Functions = BTreeMap<String, Function>;
