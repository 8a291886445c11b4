//! What the Resources panel shows: the journal's resources, teardown's plan and its outcome.

use lab_contract::{RemovalView, ResourceView};

use crate::journal::Resource;
use crate::teardown::{Kept, Outcome, Planned, Removal};

pub fn resource(resource: &Resource, journaled: bool) -> ResourceView {
    ResourceView {
        kind: resource.kind.as_str().to_owned(),
        name: resource
            .physical_id
            .clone()
            .unwrap_or_else(|| resource.label.clone()),
        lesson: resource.lesson.clone(),
        step: resource.step.clone(),
        state: resource.state.as_str().to_owned(),
        journaled,
        kept: false,
        holds: None,
    }
}

pub fn planned(planned: &Planned) -> ResourceView {
    resource(&planned.resource, planned.journaled)
}

pub fn kept(kept: &Kept) -> ResourceView {
    ResourceView {
        kept: true,
        holds: kept.holds.clone(),
        ..resource(&kept.resource, true)
    }
}

pub fn removal(removal: &Removal) -> RemovalView {
    let (outcome, reason) = match &removal.outcome {
        Outcome::Deleted => ("deleted", None),
        Outcome::AlreadyGone => ("already-gone", None),
        Outcome::Failed(reason) => ("failed", Some(reason.clone())),
    };
    RemovalView {
        resource: planned(&removal.planned),
        outcome: outcome.to_owned(),
        reason,
    }
}
