//! The error shape that crosses from Rust to the UI.

use serde::Serialize;
use ts_rs::TS;

/// An error as the UI sees it: a stable machine-readable `code` to branch on and a human
/// `message` to show. Serialized as `{"code": "...", "message": "..."}` over both Tauri IPC and
/// the HTTP API.
///
/// Codes are `snake_case` and never change meaning once shipped. Core errors keep their own code
/// (their stage's `code()`); codes made by the shell itself:
/// - `store_unavailable`: the store could not be opened or created;
/// - `internal`: a bug in the shell (a blocking task panicked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../ui/src/bindings/")]
pub struct CommandError {
    /// Stable, machine-readable error kind, e.g. `store_unavailable`.
    pub code: String,
    /// What happened and, where possible, what to do about it.
    pub message: String,
}

impl CommandError {
    /// An error with the given code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message_only() {
        let error = CommandError::new("store_unavailable", "cannot open /x/trailview.db");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "store_unavailable", "message": "cannot open /x/trailview.db"})
        );
    }
}
