//! [`Regional`]: a service's state, one value per account and region, each behind its own lock so
//! regions never wait for each other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use crate::store::Scope;

#[derive(Debug, Default)]
pub struct Regional<T> {
    regions: Mutex<HashMap<Scope, Arc<RwLock<T>>>>,
}

impl<T: Default> Regional<T> {
    pub fn new(regions: HashMap<Scope, T>) -> Self {
        Self {
            regions: Mutex::new(
                regions
                    .into_iter()
                    .map(|(scope, state)| (scope, Arc::new(RwLock::new(state))))
                    .collect(),
            ),
        }
    }

    /// The state of `scope`, created empty on first use.
    pub fn get(&self, scope: &Scope) -> Arc<RwLock<T>> {
        let mut regions = self
            .regions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        regions.entry(scope.clone()).or_default().clone()
    }

    /// Every region that has state.
    pub fn all(&self) -> Vec<(Scope, Arc<RwLock<T>>)> {
        let regions = self
            .regions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        regions
            .iter()
            .map(|(scope, state)| (scope.clone(), state.clone()))
            .collect()
    }
}
