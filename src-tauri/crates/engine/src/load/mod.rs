//! The load tester: virtual users sending one request template in a loop under a load profile
//! ([`profile`]), their latencies in HDR histograms gathered each second ([`stats`]), thresholds
//! that pass or fail a run ([`threshold`]), and runs kept for comparison ([`store`]). Plain HTTP
//! goes over one raw keep-alive connection per user ([`client`]), so the tester is not what
//! limits a measurement on loopback; `make bench` measures it beside `wrk`.

pub mod client;
pub mod profile;
pub mod run;
pub mod stats;
pub mod store;
pub mod template;
pub mod threshold;

pub use profile::Profile;
pub use run::{MAX_DURATION, MAX_VUS, Plan, PlanError, check, run};
pub use stats::{Latencies, Snapshot, Summary};
pub use store::SavedRun;
pub use threshold::Threshold;
