//! Aximo deployments and their version history (seed 001 §3.5, §7 "deployment version
//! history"), folded from [`Fact`]s.
//!
//! A deployment's lifecycle status follows its lifecycle events (`created → configured →
//! active → updating → … → terminated`, `suspended`); its version is the `skill_version` its
//! lifecycle events carry, moved by `version_upgraded` / `version_rolled_back` (`to_version`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Ev, Fact};
use crate::normalize::Dialect;

/// One version change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChange {
    /// `version_upgraded` / `version_rolled_back` (or the creating event).
    pub event: Ev,
    /// The version before.
    pub from: Option<String>,
    /// The version after.
    pub to: Option<String>,
}

/// One deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// `deployment_id`.
    pub deployment_id: String,
    /// `skill_id`.
    pub skill_id: Option<String>,
    /// Lifecycle status: `created`, `configured`, `active`, `updating`, `suspended`,
    /// `terminated`; `seen` when only executions name it.
    pub status: String,
    /// The live version.
    pub version: Option<String>,
    /// Every version change, in `seq` order.
    pub history: Vec<VersionChange>,
    /// Lifecycle events, in `seq` order.
    pub lifecycle: Vec<Ev>,
}

/// A tenant's deployments.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Deployments {
    /// In the order they first appear in the log.
    pub list: Vec<Arc<Deployment>>,
    #[serde(skip)]
    index: super::KeyIndex,
}

impl PartialEq for Deployments {
    /// The index is derived from the list.
    fn eq(&self, other: &Self) -> bool {
        self.list == other.list
    }
}

impl Deployments {
    /// Fold one fact in: Aximo events with a `deployment_id`.
    pub fn apply(&mut self, f: &Fact) {
        if f.dialect != Some(Dialect::Aximo) {
            return;
        }
        let Some(d) = f.deployment_id.as_deref() else {
            return;
        };
        let i = super::slot(
            &mut self.list,
            &mut self.index,
            d,
            |e| &e.deployment_id,
            || Deployment {
                deployment_id: d.to_owned(),
                skill_id: f.skill_id.clone(),
                status: "seen".into(),
                version: None,
                history: Vec::new(),
                lifecycle: Vec::new(),
            },
        );
        let dep = Arc::make_mut(&mut self.list[i]);
        let status = match f.kind.as_str() {
            "deployment_created" => Some("created"),
            "deployment_configured" => Some("configured"),
            "deployment_activated" | "deployment_resumed" => Some("active"),
            "deployment_updated" => Some("updating"),
            "deployment_suspended" => Some("suspended"),
            "deployment_terminated" => Some("terminated"),
            "version_upgraded" | "version_rolled_back" => None,
            _ => {
                // Executions say which version ran; they do not change the deployment.
                if dep.version.is_none() {
                    dep.version = f.skill_version.clone();
                }
                return;
            }
        };
        dep.lifecycle.push(Ev::of(f));
        if let Some(s) = status {
            dep.status = s.into();
        }
        match f.kind.as_str() {
            "version_upgraded" | "version_rolled_back" => {
                let to = f.to_version.clone().or_else(|| f.skill_version.clone());
                dep.history.push(VersionChange {
                    event: Ev::of(f),
                    from: f.from_version.clone().or_else(|| dep.version.clone()),
                    to: to.clone(),
                });
                dep.version = to;
            }
            "deployment_created" => {
                dep.history.push(VersionChange {
                    event: Ev::of(f),
                    from: None,
                    to: f.skill_version.clone(),
                });
                dep.version = f.skill_version.clone();
            }
            _ => {
                if f.skill_version.is_some() {
                    dep.version = f.skill_version.clone();
                }
            }
        }
    }
}
