//! The live wire protocol (docs/PROTOCOL.md): NDJSON in, one JSON ack line out per record.
//!
//! A connection starts with a *hello* line — `{"token":"tv_…"}` on TCP (required), optional on
//! the Unix socket — answered by `{"status":"ready",…}` or `{"status":"error",…}`. Then every
//! non-blank line is a record (a line holding a JSON array is a batch: one record per element,
//! acked with its `index`). Acks come in order, after the record's transaction committed:
//!
//! ```text
//! {"line":2,"status":"accepted","id":"evt-1","seq":41}
//! {"line":3,"status":"duplicate","id":"evt-1","seq":41}
//! {"line":4,"status":"rejected","reason":"tenant_not_allowed","message":"…","id":"evt-9"}
//! ```
//!
//! Lines are numbered from the hello's `first_line` (default: the hello is line 1, so records
//! start at 2; without a hello, at 1). A client that resumes a stream after a reconnect names
//! the same `stream` and the `first_line`/`first_offset` of the first record it sends again,
//! so a record keeps one origin however often it is sent (the quarantine keeps one row per
//! origin and content).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::framing::{Frame, Framer};
use crate::ingest;
use crate::normalize::{Reason, MAX_RECORD_BYTES};
use crate::store::{Item, Origin, Outcome, Refused};
use crate::time::Micros;

use super::tokens::Grant;

/// The first line of a connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    /// A write token (`tv_…`); required on TCP.
    pub token: Option<String>,
    /// A name for this stream of records: the records' origin in the store (and the
    /// quarantine) is `<transport>:<stream>`. Default: the peer's address and a connection
    /// number.
    pub stream: Option<String>,
    /// The line number of the first record after the hello (default: 2, the hello being 1).
    pub first_line: Option<u64>,
    /// The stream byte offset of the first record after the hello (default: the bytes of the
    /// connection so far).
    pub first_offset: Option<u64>,
}

/// A hello, if `line` is one: a JSON object with only the hello's keys, naming a token or a
/// stream. (An event always has more: a time field at least.)
pub fn parse_hello(line: &[u8]) -> Option<Hello> {
    let h: Hello = serde_json::from_slice(line).ok()?;
    (h.token.is_some() || h.stream.is_some()).then_some(h)
}

/// What became of a record, as the client sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    /// Stored, at `seq`.
    Accepted,
    /// Already stored, at `seq`.
    Duplicate,
    /// Refused and quarantined, for `reason`.
    Rejected,
}

/// One ack line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The record's line in the stream.
    pub line: u64,
    /// Its index in the line's JSON array, when the line was a batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// What became of it.
    pub status: AckStatus,
    /// The event's id, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its position in the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// Why it was refused (a normalize reason code, or `tenant_not_allowed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The refusal in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A connection-level line: `ready` after the hello, or an `error` before the server closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// `ready` or `error`.
    pub status: String,
    /// The error's code (`unauthorized`, `line_too_long`, `idle_timeout`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `ready`: the tenants this connection may write (absent: every tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenants: Option<Vec<String>>,
    /// `ready`: the longest line accepted, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_line_bytes: Option<u64>,
}

impl Notice {
    /// `{"status":"ready",…}`.
    pub fn ready(grant: &Grant) -> Notice {
        Notice {
            status: "ready".into(),
            code: None,
            message: None,
            tenants: grant.tenant_list(),
            max_line_bytes: Some(MAX_RECORD_BYTES as u64),
        }
    }

    /// `{"status":"error","code":…,"message":…}`.
    pub fn error(code: &str, message: impl Into<String>) -> Notice {
        Notice {
            status: "error".into(),
            code: Some(code.into()),
            message: Some(message.into()),
            tenants: None,
            max_line_bytes: None,
        }
    }

    /// As one line, with its newline.
    pub fn to_line(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(self).expect("a notice serializes");
        v.push(b'\n');
        v
    }
}

/// A record ready for the writer, with what its ack needs.
#[derive(Debug)]
pub struct Record {
    /// What to append or quarantine.
    pub item: Item,
    /// Its ack's `line`, `index` and `id`.
    pub meta: AckMeta,
}

/// What an ack says besides the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckMeta {
    /// The record's line.
    pub line: u64,
    /// Its index in a batch line.
    pub index: Option<u64>,
    /// The event's id, when normalize found one.
    pub id: Option<String>,
}

impl AckMeta {
    /// The ack for `outcome`.
    pub fn ack(self, outcome: Outcome) -> Ack {
        let (status, seq, reason, message) = match outcome {
            Outcome::Accepted { seq } => (AckStatus::Accepted, Some(seq), None, None),
            Outcome::Duplicate { seq } => (AckStatus::Duplicate, Some(seq), None, None),
            Outcome::Rejected { reason, message } => (
                AckStatus::Rejected,
                None,
                Some(reason.code().to_owned()),
                Some(message),
            ),
        };
        Ack {
            line: self.line,
            index: self.index,
            status,
            id: self.id,
            seq,
            reason,
            message,
        }
    }
}

/// Refuse an event of a tenant `grant` does not cover; pass everything else through.
pub fn scope(item: Item, grant: &Grant) -> Item {
    match item {
        Item::Event(p) if !grant.allows(&p.event.tenant) => {
            let allowed = grant.tenant_list().unwrap_or_default();
            Item::Refused(Box::new(Refused {
                raw_len: p.raw.len() as u64,
                raw_sha256: p.raw_sha256,
                message: format!(
                    "this token may write tenant(s) {allowed:?}, not {:?}; nothing of the event \
                     was stored",
                    p.event.tenant
                ),
                identity: Some((p.event.tenant.clone(), p.event.id.clone())),
                raw: Some(p.raw),
                origin: p.origin,
                reason: Reason::TenantNotAllowed,
                received_at: p.received_at,
            }))
        }
        other => other,
    }
}

fn meta_of(item: &Item, line: u64, index: Option<u64>) -> AckMeta {
    let id = match item {
        Item::Event(p) => Some(p.event.id.clone()),
        Item::Refused(r) => r.identity.as_ref().map(|(_, id)| id.clone()),
    };
    AckMeta { line, index, id }
}

/// The records of one received line (without its line terminator): one, or one per element
/// when the line is a JSON array (a batch). `offset` is the line's offset in the stream.
pub fn line_records(
    bytes: Vec<u8>,
    source: &Arc<str>,
    line: u64,
    offset: u64,
    received_at: Micros,
    grant: &Grant,
) -> Vec<Record> {
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let origin = |index: Option<u64>, offset: u64| Origin {
        source: source.clone(),
        line: Some(line),
        index,
        offset: Some(offset),
    };
    if first.is_some_and(|i| bytes[i] == b'[') {
        let mut out = Vec::new();
        for frame in Framer::new(&bytes[..]) {
            let frame = match frame {
                Ok(f) => f,
                Err(_) => break, // a slice cannot fail to read
            };
            let o = frame.origin();
            let index = o.index;
            let item = match frame {
                Frame::Record { bytes, .. } => {
                    ingest::prepare_bytes(bytes, origin(index, offset + o.offset), received_at)
                }
                other => ingest::prepare(other, source, received_at),
            };
            let item = scope(item, grant);
            let meta = meta_of(&item, line, index);
            out.push(Record { item, meta });
        }
        return out;
    }
    let item = scope(
        ingest::prepare_bytes(bytes, origin(None, offset), received_at),
        grant,
    );
    let meta = meta_of(&item, line, None);
    vec![Record { item, meta }]
}

/// A line longer than [`MAX_RECORD_BYTES`]: refused as `too_large`, kept as length + SHA-256.
pub fn oversized_record(
    len: u64,
    sha256: [u8; 32],
    source: &Arc<str>,
    line: u64,
    offset: u64,
    received_at: Micros,
) -> Record {
    Record {
        item: Item::Refused(Box::new(Refused {
            raw: None,
            raw_len: len,
            raw_sha256: sha256,
            origin: Origin {
                source: source.clone(),
                line: Some(line),
                index: None,
                offset: Some(offset),
            },
            reason: Reason::TooLarge,
            message: format!(
                "line of {len} bytes exceeds the {MAX_RECORD_BYTES} byte limit; kept as length + \
                 SHA-256 only (line_too_long)"
            ),
            identity: None,
            received_at,
        })),
        meta: AckMeta {
            line,
            index: None,
            id: None,
        },
    }
}

/// A line the connection ended inside of: refused as `truncated`, bytes kept.
pub fn truncated_record(
    bytes: Vec<u8>,
    source: &Arc<str>,
    line: u64,
    offset: u64,
    received_at: Micros,
) -> Record {
    Record {
        item: Item::Refused(Box::new(Refused::new(
            bytes,
            Origin {
                source: source.clone(),
                line: Some(line),
                index: None,
                offset: Some(offset),
            },
            Reason::Truncated,
            "the connection closed inside this line (no final newline); send it again".into(),
            received_at,
        ))),
        meta: AckMeta {
            line,
            index: None,
            id: None,
        },
    }
}

/// Incremental SHA-256 of an oversized line, as its bytes stream past.
pub type LineHasher = Sha256;
