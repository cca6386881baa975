//! `trailview emit --to http://…`: placeholder until the server's POST /v1/events exists.

use std::time::Duration;

use anyhow::{bail, Result};

use crate::emit::{EmitArgs, EmitSummary};

pub fn emit_http(_a: &EmitArgs, _host: &str, _retry_for: Duration) -> Result<EmitSummary> {
    bail!("http:// is not supported yet")
}
