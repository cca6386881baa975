//! Normalize: one record's raw bytes → one canonical [`Event`], or a [`Rejection`] with a reason.
//!
//! This stage is pure and deterministic: no clock, no I/O, no randomness. The same bytes always
//! give the same event (an absent id is derived as a UUIDv5 of the raw bytes), so the store can be
//! rebuilt from `raw` alone and `verify` can re-derive every column.
//!
//! ## Dialects
//! Detection looks at each convention's *distinctive* fields, not at the look-alikes they share:
//!
//! | dialect | recognised by |
//! |---|---|
//! | `cloudevents` | `specversion` (CloudEvents 0.1's `cloudEventsVersion` is not 1.0: it lands in `other`) |
//! | `ecosystem` | `productId` / `sourceSurface`, or `eventName` with `occurredAt` |
//! | `connectsoft` | `eventType` with `eventId` / `tenantId` / `occurredAt` / `traceId` / `correlationId` / `causationId` / `projectId` / `moduleId` (CE 0.1's `eventID` is not `eventId`) |
//! | `aximo` | `event_type` with `customer_id` / `deployment_id` / `skill_id` / `skill_version` / `execution_id` / `approval_mode` / `risk_level` |
//! | `spectral` | `event_type` with `occurred_at` / `domain_id` / `idempotency_key` / `trace_context` / `event_version` / `target` |
//! | `spine` | `type` with `orgId` or `metadata` |
//! | `other` | any other object with a readable time-like field |
//!
//! Unknown fields are never dropped: the raw envelope is kept byte-exact beside the event.
//! A type that breaks its dialect's naming convention is accepted and flagged
//! ([`Flags::TYPE_CONVENTION`]); a type outside a dialect's published catalog is accepted and
//! flagged ([`Flags::UNKNOWN_TYPE`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use uuid::Uuid;

use crate::time::{self, EpochUnit, Micros, TimeError};

/// The largest record accepted, in bytes (4 MiB). Larger ones are quarantined by length and hash.
pub const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;
/// The deepest nesting accepted. Deeper documents are quarantined (`too_deep`).
pub const MAX_DEPTH: usize = 128;
/// The Event Spine's limit on `data` ("max 1MB"), taken as 1 MiB of JSON text.
pub const SPINE_DATA_LIMIT: usize = 1024 * 1024;

/// Namespace of derived ids: `uuid_v5(TRAILVIEW_NS, raw bytes)`. Fixed forever, or re-ingesting an
/// old file would stop being idempotent.
pub const TRAILVIEW_NS: Uuid = Uuid::from_u128(0x6f1c_9a2e_5b3d_4e7a_9c21_7d0e_4b8f_a315);

/// The convention an envelope came in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[ts(export_to = "../../ui/src/bindings/")]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// Event Spine (MeshOS / Axis / Smart Contracts).
    Spine,
    /// Aximo EVENT_MODEL v1.0.
    Aximo,
    /// Spectral EventEnvelope.
    Spectral,
    /// ConnectSoft envelope.
    Connectsoft,
    /// Ecosystem Event Taxonomy (ActionTrail).
    Ecosystem,
    /// CloudEvents 1.0, structured mode.
    Cloudevents,
    /// Any other JSON object with a readable time.
    Other,
}

impl Dialect {
    /// Every dialect, in code order.
    pub const ALL: [Dialect; 7] = [
        Dialect::Spine,
        Dialect::Aximo,
        Dialect::Spectral,
        Dialect::Connectsoft,
        Dialect::Ecosystem,
        Dialect::Cloudevents,
        Dialect::Other,
    ];

    /// The stable small integer stored in the database.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// Inverse of [`Dialect::code`].
    pub fn from_code(code: i64) -> Option<Dialect> {
        Dialect::ALL.get(usize::try_from(code).ok()?).copied()
    }

    /// The lowercase name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Spine => "spine",
            Dialect::Aximo => "aximo",
            Dialect::Spectral => "spectral",
            Dialect::Connectsoft => "connectsoft",
            Dialect::Ecosystem => "ecosystem",
            Dialect::Cloudevents => "cloudevents",
            Dialect::Other => "other",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Notes about an accepted event: it was kept, but something about it is unusual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Flags(pub u32);

impl Flags {
    /// The id was absent and derived from the raw bytes.
    pub const ID_DERIVED: u32 = 1;
    /// The type breaks the dialect's naming convention.
    pub const TYPE_CONVENTION: u32 = 1 << 1;
    /// The type is not in the dialect's published catalog.
    pub const UNKNOWN_TYPE: u32 = 1 << 2;
    /// A field the dialect requires is missing (but the event is still usable).
    pub const INCOMPLETE: u32 = 1 << 3;
    /// CloudEvents `specversion` other than 1.0.
    pub const SPEC_VERSION: u32 = 1 << 4;
    /// A field had an unexpected shape (e.g. an object where a string belongs) and was not mapped.
    pub const FIELD_SHAPE: u32 = 1 << 5;

    const NAMES: [(u32, &'static str); 6] = [
        (Self::ID_DERIVED, "id_derived"),
        (Self::TYPE_CONVENTION, "type_convention"),
        (Self::UNKNOWN_TYPE, "unknown_type"),
        (Self::INCOMPLETE, "incomplete"),
        (Self::SPEC_VERSION, "spec_version"),
        (Self::FIELD_SHAPE, "field_shape"),
    ];

    /// Whether `bit` is set.
    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    fn set(&mut self, bit: u32) {
        self.0 |= bit;
    }

    /// The names of the set flags, in a fixed order.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(bit, _)| self.has(*bit))
            .map(|(_, name)| *name)
            .collect()
    }
}

/// Who acted: `{type, id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Actor {
    /// `user`, `agent`, `system`, `device`, Aximo's `founder` / `operator` …, as written.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The actor's id where the envelope gives one.
    pub id: Option<String>,
}

/// The canonical event every dialect is normalized into (PRODUCT.md), minus what the store adds
/// (`seq`, `received_at`, `raw`).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The envelope's own id, or a UUIDv5 of the raw bytes.
    pub id: String,
    /// The type as written.
    pub kind: String,
    /// `event_version` / `eventVersion` where given.
    pub type_version: Option<String>,
    /// When it happened, µs since the epoch, UTC.
    pub occurred_at: Micros,
    /// The owning tenant; empty for personal events.
    pub tenant: String,
    /// Service / product that emitted it; may be empty.
    pub source: String,
    /// Who acted.
    pub actor: Option<Actor>,
    /// The person behind it.
    pub user_id: Option<String>,
    /// Correlation link.
    pub correlation_id: Option<String>,
    /// Causation link (the id of the event that caused this one).
    pub causation_id: Option<String>,
    /// Parent event link.
    pub parent_id: Option<String>,
    /// Trace id (W3C `traceparent` gives it).
    pub trace_id: Option<String>,
    /// Dialect identity fields kept as named attributes (`execution_id`, `session_id`, …).
    pub subject: BTreeMap<String, Value>,
    /// The convention it came in.
    pub dialect: Dialect,
    /// Unusual but accepted.
    pub flags: Flags,
}

impl Event {
    /// Aximo's `execution_id`, the key of execution traces.
    pub fn execution_id(&self) -> Option<&str> {
        self.subject.get("execution_id").and_then(Value::as_str)
    }
}

/// A normalized record: the event and, borrowed from the raw bytes, its payload.
#[derive(Debug)]
pub struct Normalized<'a> {
    /// The canonical event.
    pub event: Event,
    /// `data` / `payload` (for `other`, the whole document), unparsed.
    pub payload: Option<&'a RawValue>,
}

/// Why a record was refused. The code is stable and machine-readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not valid JSON.
    InvalidJson,
    /// Not valid UTF-8.
    InvalidUtf8,
    /// Contains a NUL byte.
    NulByte,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Larger than [`MAX_RECORD_BYTES`].
    TooLarge,
    /// Spine `data` larger than [`SPINE_DATA_LIMIT`].
    PayloadTooLarge,
    /// Valid JSON, but not an object.
    NotAnObject,
    /// The same envelope field twice: ambiguous, so refused.
    DuplicateKey,
    /// No time field.
    MissingTimestamp,
    /// A time field that cannot be read.
    BadTimestamp,
    /// The dialect requires a type and there is none.
    MissingType,
    /// The type is empty or not a string.
    BadType,
    /// The dialect requires a tenant and there is none.
    MissingTenant,
    /// Same `(tenant, id)` as a stored event, different content.
    Conflict,
    /// The input ended inside a record.
    Truncated,
    /// A record for a tenant the writer may not write.
    TenantNotAllowed,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 16] = [
        Reason::InvalidJson,
        Reason::InvalidUtf8,
        Reason::NulByte,
        Reason::TooDeep,
        Reason::TooLarge,
        Reason::PayloadTooLarge,
        Reason::NotAnObject,
        Reason::DuplicateKey,
        Reason::MissingTimestamp,
        Reason::BadTimestamp,
        Reason::MissingType,
        Reason::BadType,
        Reason::MissingTenant,
        Reason::Conflict,
        Reason::Truncated,
        Reason::TenantNotAllowed,
    ];

    /// The snake_case code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            Reason::InvalidJson => "invalid_json",
            Reason::InvalidUtf8 => "invalid_utf8",
            Reason::NulByte => "nul_byte",
            Reason::TooDeep => "too_deep",
            Reason::TooLarge => "too_large",
            Reason::PayloadTooLarge => "payload_too_large",
            Reason::NotAnObject => "not_an_object",
            Reason::DuplicateKey => "duplicate_key",
            Reason::MissingTimestamp => "missing_timestamp",
            Reason::BadTimestamp => "bad_timestamp",
            Reason::MissingType => "missing_type",
            Reason::BadType => "bad_type",
            Reason::MissingTenant => "missing_tenant",
            Reason::Conflict => "conflict",
            Reason::Truncated => "truncated",
            Reason::TenantNotAllowed => "tenant_not_allowed",
        }
    }

    /// Inverse of [`Reason::code`].
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.code() == code)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused record: why, in a code and in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Machine-readable reason.
    pub reason: Reason,
    /// A sentence for a person.
    pub message: String,
}

impl Rejection {
    /// A rejection with a reason and a message.
    pub fn new(reason: Reason, message: impl Into<String>) -> Self {
        Rejection {
            reason,
            message: message.into(),
        }
    }
}

/// The fields of every dialect's envelope, borrowed unparsed. Fields not listed are skipped (and
/// kept in `raw`); `null` reads as absent.
#[derive(Deserialize, Default)]
struct Probe<'a> {
    #[serde(borrow, rename = "eventId")]
    event_id_camel: Option<&'a RawValue>,
    #[serde(borrow)]
    event_id: Option<&'a RawValue>,
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow, rename = "type")]
    type_: Option<&'a RawValue>,
    #[serde(borrow, rename = "eventType")]
    event_type_camel: Option<&'a RawValue>,
    #[serde(borrow)]
    event_type: Option<&'a RawValue>,
    #[serde(borrow, rename = "eventName")]
    event_name: Option<&'a RawValue>,
    #[serde(borrow)]
    specversion: Option<&'a RawValue>,
    #[serde(borrow)]
    source: Option<&'a RawValue>,
    #[serde(borrow, rename = "orgId")]
    org_id: Option<&'a RawValue>,
    #[serde(borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    time: Option<&'a RawValue>,
    #[serde(borrow, rename = "occurredAt")]
    occurred_at_camel: Option<&'a RawValue>,
    #[serde(borrow)]
    occurred_at: Option<&'a RawValue>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    #[serde(borrow)]
    data_base64: Option<&'a RawValue>,
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(borrow)]
    customer_id: Option<&'a RawValue>,
    #[serde(borrow)]
    deployment_id: Option<&'a RawValue>,
    #[serde(borrow)]
    skill_id: Option<&'a RawValue>,
    #[serde(borrow)]
    skill_version: Option<&'a RawValue>,
    #[serde(borrow)]
    execution_id: Option<&'a RawValue>,
    #[serde(borrow)]
    risk_level: Option<&'a RawValue>,
    #[serde(borrow)]
    approval_mode: Option<&'a RawValue>,
    #[serde(borrow)]
    actor: Option<&'a RawValue>,
    #[serde(borrow)]
    correlation_id: Option<&'a RawValue>,
    #[serde(borrow)]
    channel_type: Option<&'a RawValue>,
    #[serde(borrow)]
    error_code: Option<&'a RawValue>,
    #[serde(borrow)]
    latency_ms: Option<&'a RawValue>,
    #[serde(borrow)]
    event_version: Option<&'a RawValue>,
    #[serde(borrow, rename = "eventVersion")]
    event_version_camel: Option<&'a RawValue>,
    #[serde(borrow)]
    target: Option<&'a RawValue>,
    #[serde(borrow)]
    domain_id: Option<&'a RawValue>,
    #[serde(borrow)]
    idempotency_key: Option<&'a RawValue>,
    #[serde(borrow)]
    trace_context: Option<&'a RawValue>,
    #[serde(borrow, rename = "tenantId")]
    tenant_id_camel: Option<&'a RawValue>,
    #[serde(borrow, rename = "projectId")]
    project_id: Option<&'a RawValue>,
    #[serde(borrow, rename = "moduleId")]
    module_id: Option<&'a RawValue>,
    #[serde(borrow, rename = "traceId")]
    trace_id_camel: Option<&'a RawValue>,
    #[serde(borrow, rename = "correlationId")]
    correlation_id_camel: Option<&'a RawValue>,
    #[serde(borrow, rename = "causationId")]
    causation_id_camel: Option<&'a RawValue>,
    #[serde(borrow, rename = "productId")]
    product_id: Option<&'a RawValue>,
    #[serde(borrow, rename = "sourceSurface")]
    source_surface: Option<&'a RawValue>,
    #[serde(borrow, rename = "userId")]
    user_id_camel: Option<&'a RawValue>,
    #[serde(borrow, rename = "sessionId")]
    session_id: Option<&'a RawValue>,
    #[serde(borrow, rename = "runId")]
    run_id: Option<&'a RawValue>,
    #[serde(borrow, rename = "artifactId")]
    artifact_id: Option<&'a RawValue>,
    #[serde(borrow)]
    trace: Option<&'a RawValue>,
    #[serde(borrow)]
    subject: Option<&'a RawValue>,
    #[serde(borrow)]
    datacontenttype: Option<&'a RawValue>,
    #[serde(borrow)]
    dataschema: Option<&'a RawValue>,
    #[serde(borrow)]
    tenantid: Option<&'a RawValue>,
    #[serde(borrow)]
    correlationid: Option<&'a RawValue>,
    #[serde(borrow)]
    causationid: Option<&'a RawValue>,
    #[serde(borrow)]
    traceparent: Option<&'a RawValue>,
    #[serde(borrow)]
    authid: Option<&'a RawValue>,
    #[serde(borrow)]
    authtype: Option<&'a RawValue>,
}

/// Normalize one record.
pub fn normalize(raw: &[u8]) -> Result<Normalized<'_>, Rejection> {
    if raw.len() > MAX_RECORD_BYTES {
        return Err(Rejection::new(
            Reason::TooLarge,
            format!(
                "record of {} bytes exceeds the {} byte limit",
                raw.len(),
                MAX_RECORD_BYTES
            ),
        ));
    }
    if let Some(at) = memchr::memchr(0, raw) {
        return Err(Rejection::new(
            Reason::NulByte,
            format!("NUL byte at byte {at} of the record"),
        ));
    }
    let text = std::str::from_utf8(raw).map_err(|e| {
        Rejection::new(
            Reason::InvalidUtf8,
            format!("invalid UTF-8 at byte {} of the record", e.valid_up_to()),
        )
    })?;
    if exceeds_depth(raw, MAX_DEPTH) {
        return Err(Rejection::new(
            Reason::TooDeep,
            format!("nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    let first = raw.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first != Some(b'{') {
        // Tell "not JSON at all" from "JSON, but not an object".
        return Err(match serde_json::from_str::<&RawValue>(text) {
            Ok(_) => Rejection::new(Reason::NotAnObject, "a record must be a JSON object"),
            Err(e) => invalid_json(&e),
        });
    }
    let probe: Probe<'_> = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        if msg.starts_with("duplicate field") {
            Rejection::new(Reason::DuplicateKey, format!("ambiguous envelope: {msg}"))
        } else {
            invalid_json(&e)
        }
    })?;
    let dialect = detect(&probe);
    let mut b = Builder::new(raw, dialect);
    match dialect {
        Dialect::Cloudevents => b.cloudevents(&probe)?,
        Dialect::Ecosystem => b.ecosystem(&probe)?,
        Dialect::Connectsoft => b.connectsoft(&probe)?,
        Dialect::Aximo => b.aximo(&probe)?,
        Dialect::Spectral => b.spectral(&probe)?,
        Dialect::Spine => b.spine(&probe)?,
        Dialect::Other => return other(raw, text),
    }
    Ok(b.finish())
}

fn invalid_json(e: &serde_json::Error) -> Rejection {
    if e.is_eof() {
        Rejection::new(Reason::Truncated, format!("record ends early: {e}"))
    } else {
        Rejection::new(Reason::InvalidJson, format!("not valid JSON: {e}"))
    }
}

fn detect(p: &Probe<'_>) -> Dialect {
    let any = |fields: &[&Option<&RawValue>]| fields.iter().any(|f| f.is_some());
    if p.specversion.is_some() {
        Dialect::Cloudevents
    } else if any(&[&p.product_id, &p.source_surface])
        || (p.event_name.is_some() && p.occurred_at_camel.is_some())
    {
        Dialect::Ecosystem
    } else if p.event_type_camel.is_some()
        && any(&[
            &p.event_id_camel,
            &p.tenant_id_camel,
            &p.occurred_at_camel,
            &p.trace_id_camel,
            &p.correlation_id_camel,
            &p.causation_id_camel,
            &p.project_id,
            &p.module_id,
        ])
    {
        Dialect::Connectsoft
    } else if p.event_type.is_some()
        && any(&[
            &p.customer_id,
            &p.deployment_id,
            &p.skill_id,
            &p.skill_version,
            &p.execution_id,
            &p.approval_mode,
            &p.risk_level,
        ])
    {
        Dialect::Aximo
    } else if p.event_type.is_some()
        && any(&[
            &p.occurred_at,
            &p.domain_id,
            &p.idempotency_key,
            &p.trace_context,
            &p.event_version,
            &p.target,
        ])
    {
        Dialect::Spectral
    } else if p.type_.is_some() && any(&[&p.org_id, &p.metadata]) {
        Dialect::Spine
    } else {
        Dialect::Other
    }
}

/// Whether `bytes` nests arrays/objects deeper than `limit`. Strings are skipped properly.
/// Fast path: with no more than `limit` opening brackets in total it cannot be deeper.
pub(crate) fn exceeds_depth(bytes: &[u8], limit: usize) -> bool {
    if memchr::memchr2_iter(b'{', b'[', bytes)
        .take(limit + 1)
        .count()
        <= limit
    {
        return false;
    }
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for &c in bytes {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Parse a JSON value whose depth [`exceeds_depth`] already bounded to [`MAX_DEPTH`]: serde_json's
/// own recursion limit (127 levels) is lifted, so a 128-deep document parses like any other.
pub fn parse_value(text: &str) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let v = Value::deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// The text of a scalar: strings decoded, numbers and booleans as written; `None` for null,
/// objects and arrays.
fn text(v: Option<&RawValue>) -> Option<String> {
    let s = v?.get();
    match s.as_bytes().first()? {
        b'"' => {
            let inner = &s[1..s.len() - 1];
            if inner.contains('\\') {
                serde_json::from_str::<String>(s).ok()
            } else {
                Some(inner.to_owned())
            }
        }
        b'{' | b'[' | b'n' => None,
        _ => Some(s.to_owned()),
    }
}

fn is_string(v: &RawValue) -> bool {
    v.get().starts_with('"')
}

fn is_object(v: &RawValue) -> bool {
    v.get().starts_with('{')
}

fn value(v: &RawValue) -> Value {
    parse_value(v.get()).unwrap_or(Value::Null)
}

/// Parse a dialect time field: RFC 3339 with offset, or an integer of epoch milliseconds.
fn envelope_time(field: &str, v: Option<&RawValue>) -> Result<Micros, Rejection> {
    let v = v.ok_or_else(|| {
        Rejection::new(
            Reason::MissingTimestamp,
            format!("no `{field}`: an event without a time cannot be placed"),
        )
    })?;
    let bad = |e: TimeError| Rejection::new(Reason::BadTimestamp, format!("`{field}`: {e}"));
    let s = v.get();
    match s.as_bytes()[0] {
        b'"' => {
            let t: Cow<'_, str> = serde_json::from_str(s)
                .map_err(|e| Rejection::new(Reason::BadTimestamp, format!("`{field}`: {e}")))?;
            time::parse_rfc3339(&t).map_err(bad)
        }
        b'-' | b'0'..=b'9' => match s.parse::<i128>() {
            Ok(n) => time::from_epoch_int(n, EpochUnit::Millis).map_err(bad),
            Err(_) => match s.parse::<f64>() {
                Ok(x) => time::from_epoch_float(x, EpochUnit::Millis).map_err(bad),
                Err(_) => Err(bad(TimeError::WrongShape("a number"))),
            },
        },
        b'{' => Err(bad(TimeError::WrongShape("an object"))),
        b'[' => Err(bad(TimeError::WrongShape("an array"))),
        _ => Err(bad(TimeError::WrongShape("a boolean"))),
    }
}

/// The type: required, a non-empty string.
fn envelope_type(field: &str, v: Option<&RawValue>) -> Result<String, Rejection> {
    let v = v.ok_or_else(|| Rejection::new(Reason::MissingType, format!("no `{field}`")))?;
    if !is_string(v) {
        return Err(Rejection::new(
            Reason::BadType,
            format!("`{field}` must be a string, found {}", shape(v.get())),
        ));
    }
    let t = text(Some(v)).unwrap_or_default();
    if t.trim().is_empty() {
        return Err(Rejection::new(
            Reason::BadType,
            format!("`{field}` is empty"),
        ));
    }
    Ok(t)
}

fn shape(json: &str) -> &'static str {
    match json.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// Parse W3C `traceparent` (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`) → trace id.
fn trace_id_from_traceparent(tp: &str) -> Option<String> {
    let mut parts = tp.trim().split('-');
    let (version, trace, span) = (parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(version, 2) && hex(trace, 32) && hex(span, 16)).then(|| trace.to_ascii_lowercase())
}

/// Builds an [`Event`] field by field for one dialect.
struct Builder<'a> {
    raw: &'a [u8],
    ev: Event,
    payload: Option<&'a RawValue>,
}

impl<'a> Builder<'a> {
    fn new(raw: &'a [u8], dialect: Dialect) -> Self {
        Builder {
            raw,
            ev: Event {
                id: String::new(),
                kind: String::new(),
                type_version: None,
                occurred_at: 0,
                tenant: String::new(),
                source: String::new(),
                actor: None,
                user_id: None,
                correlation_id: None,
                causation_id: None,
                parent_id: None,
                trace_id: None,
                subject: BTreeMap::new(),
                dialect,
                flags: Flags::default(),
            },
            payload: None,
        }
    }

    fn finish(mut self) -> Normalized<'a> {
        if self.ev.id.is_empty() {
            self.ev.id = derive_id(self.raw);
            self.ev.flags.set(Flags::ID_DERIVED);
        }
        Normalized {
            event: self.ev,
            payload: self.payload,
        }
    }

    fn id(&mut self, v: Option<&RawValue>) {
        if let Some(id) = text(v).filter(|s| !s.is_empty()) {
            self.ev.id = id;
        } else if v.is_some_and(|v| !is_string(v)) {
            self.ev.flags.set(Flags::FIELD_SHAPE);
        }
    }

    fn opt(&mut self, v: Option<&RawValue>) -> Option<String> {
        match v {
            Some(raw) if raw.get().starts_with(['{', '[']) => {
                self.ev.flags.set(Flags::FIELD_SHAPE);
                None
            }
            _ => text(v).filter(|s| !s.is_empty()),
        }
    }

    fn required(&mut self, v: Option<&RawValue>) -> Option<String> {
        let s = self.opt(v);
        if s.is_none() {
            self.ev.flags.set(Flags::INCOMPLETE);
        }
        s
    }

    fn tenant(&mut self, field: &str, v: Option<&RawValue>) -> Result<(), Rejection> {
        match self.opt(v) {
            Some(t) => {
                self.ev.tenant = t;
                Ok(())
            }
            None => Err(Rejection::new(
                Reason::MissingTenant,
                format!(
                    "{} events must name their tenant in `{field}`",
                    self.ev.dialect
                ),
            )),
        }
    }

    fn keep(&mut self, name: &str, v: Option<&RawValue>) {
        if let Some(v) = v {
            self.ev.subject.insert(name.to_owned(), value(v));
        }
    }

    fn version(&mut self, v: Option<&RawValue>) {
        self.ev.type_version = self.opt(v);
    }

    fn actor_from(&mut self, v: Option<&RawValue>) {
        let Some(v) = v else { return };
        #[derive(Deserialize)]
        struct ActorProbe {
            #[serde(rename = "actorType", alias = "type")]
            actor_type: Option<String>,
            #[serde(rename = "actorId", alias = "id")]
            actor_id: Option<String>,
        }
        if is_string(v) {
            self.ev.actor = Some(Actor {
                kind: text(Some(v)),
                id: None,
            });
        } else if let Ok(a) = serde_json::from_str::<ActorProbe>(v.get()) {
            if a.actor_type.is_some() || a.actor_id.is_some() {
                self.ev.actor = Some(Actor {
                    kind: a.actor_type,
                    id: a.actor_id,
                });
            }
        } else {
            self.ev.flags.set(Flags::FIELD_SHAPE);
        }
    }

    /// A user-typed actor names the person behind the event.
    fn user_from_actor(&mut self) {
        if self.ev.user_id.is_some() {
            return;
        }
        if let Some(Actor {
            kind: Some(k),
            id: Some(id),
        }) = &self.ev.actor
        {
            if matches!(k.as_str(), "user" | "app_user" | "external_user") {
                self.ev.user_id = Some(id.clone());
            }
        }
    }

    fn convention(&mut self, ok: bool) {
        if !ok {
            self.ev.flags.set(Flags::TYPE_CONVENTION);
        }
    }

    fn catalog(&mut self, catalog: &[&str]) {
        if !catalog.contains(&self.ev.kind.as_str()) {
            self.ev.flags.set(Flags::UNKNOWN_TYPE);
        }
    }

    fn cloudevents(&mut self, p: &Probe<'a>) -> Result<(), Rejection> {
        self.ev.kind = envelope_type("type", p.type_)?;
        self.ev.occurred_at = envelope_time("time", p.time)?;
        if text(p.specversion).as_deref() != Some("1.0") {
            self.ev.flags.set(Flags::SPEC_VERSION);
        }
        self.id(p.id);
        if self.ev.id.is_empty() || p.source.is_none() {
            self.ev.flags.set(Flags::INCOMPLETE);
        }
        self.ev.source = self.opt(p.source).unwrap_or_default();
        self.ev.tenant = self.opt(p.tenantid).unwrap_or_default();
        self.ev.correlation_id = self.opt(p.correlationid);
        self.ev.causation_id = self.opt(p.causationid);
        self.ev.trace_id = text(p.traceparent).and_then(|tp| trace_id_from_traceparent(&tp));
        let (kind, id) = (self.opt(p.authtype), self.opt(p.authid));
        if kind.is_some() || id.is_some() {
            self.ev.actor = Some(Actor { kind, id });
        }
        self.user_from_actor();
        self.keep("subject", p.subject);
        self.keep("datacontenttype", p.datacontenttype);
        self.keep("dataschema", p.dataschema);
        self.payload = p.data.or(p.data_base64);
        Ok(())
    }

    fn ecosystem(&mut self, p: &Probe<'a>) -> Result<(), Rejection> {
        self.ev.kind = envelope_type("eventName", p.event_name)?;
        self.ev.occurred_at = envelope_time("occurredAt", p.occurred_at_camel)?;
        self.id(p.event_id_camel);
        self.version(p.event_version_camel);
        let product = self.required(p.product_id);
        let surface = self.required(p.source_surface);
        self.ev.source = match (product, surface) {
            (Some(p), Some(s)) => format!("{p}/{s}"),
            (Some(p), None) => p,
            (None, Some(s)) => s,
            (None, None) => String::new(),
        };
        self.ev.tenant = self.opt(p.org_id).unwrap_or_default();
        self.ev.user_id = self.opt(p.user_id_camel);
        if p.actor.is_none() || p.trace.is_none() || p.event_version_camel.is_none() {
            self.ev.flags.set(Flags::INCOMPLETE);
        }
        self.actor_from(p.actor);
        self.user_from_actor();
        if let Some(t) = p.trace {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct Trace {
                correlation_id: Option<String>,
                causation_id: Option<String>,
                parent_event_id: Option<String>,
            }
            match serde_json::from_str::<Trace>(t.get()) {
                Ok(t) => {
                    self.ev.correlation_id = t.correlation_id.filter(|s| !s.is_empty());
                    self.ev.causation_id = t.causation_id.filter(|s| !s.is_empty());
                    self.ev.parent_id = t.parent_event_id.filter(|s| !s.is_empty());
                }
                Err(_) => self.ev.flags.set(Flags::FIELD_SHAPE),
            }
        }
        self.keep("session_id", p.session_id);
        self.keep("run_id", p.run_id);
        self.keep("artifact_id", p.artifact_id);
        let k = self.ev.kind.as_str();
        let ok = is_dotted_lowercase(k);
        self.convention(ok);
        self.catalog(ECOSYSTEM_CATALOG);
        self.payload = p.payload;
        Ok(())
    }

    fn connectsoft(&mut self, p: &Probe<'a>) -> Result<(), Rejection> {
        self.ev.kind = envelope_type("eventType", p.event_type_camel)?;
        self.ev.occurred_at = envelope_time("occurredAt", p.occurred_at_camel)?;
        self.tenant("tenantId", p.tenant_id_camel)?;
        self.id(p.event_id_camel);
        let project = self.opt(p.project_id);
        let module = self.opt(p.module_id);
        self.ev.source = [project.as_deref(), module.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("/");
        self.ev.trace_id = self.required(p.trace_id_camel);
        self.ev.correlation_id = self.required(p.correlation_id_camel);
        self.ev.causation_id = self.opt(p.causation_id_camel);
        self.keep("project_id", p.project_id);
        self.keep("module_id", p.module_id);
        let ok = is_noun_verb_past_tense(&self.ev.kind);
        self.convention(ok);
        self.payload = p.payload;
        Ok(())
    }

    fn aximo(&mut self, p: &Probe<'a>) -> Result<(), Rejection> {
        self.ev.kind = envelope_type("event_type", p.event_type)?;
        self.ev.occurred_at = envelope_time("timestamp", p.timestamp)?;
        self.tenant("customer_id", p.customer_id)?;
        self.id(p.event_id);
        self.ev.correlation_id = self.opt(p.correlation_id);
        self.actor_from(p.actor);
        self.user_from_actor();
        for (name, v) in [
            ("deployment_id", p.deployment_id),
            ("skill_id", p.skill_id),
            ("skill_version", p.skill_version),
        ] {
            if v.is_none() {
                self.ev.flags.set(Flags::INCOMPLETE);
            }
            self.keep(name, v);
        }
        for (name, v) in [
            ("execution_id", p.execution_id),
            ("risk_level", p.risk_level),
            ("approval_mode", p.approval_mode),
            ("channel_type", p.channel_type),
            ("error_code", p.error_code),
            ("latency_ms", p.latency_ms),
        ] {
            self.keep(name, v);
        }
        let ok = is_snake_case(&self.ev.kind);
        self.convention(ok);
        self.catalog(AXIMO_CATALOG);
        self.payload = p.payload;
        Ok(())
    }

    fn spectral(&mut self, p: &Probe<'a>) -> Result<(), Rejection> {
        self.ev.kind = envelope_type("event_type", p.event_type)?;
        self.ev.occurred_at = envelope_time("occurred_at", p.occurred_at)?;
        self.id(p.event_id);
        self.version(p.event_version);
        self.ev.source = self.opt(p.source).unwrap_or_default();
        #[derive(Deserialize, Default)]
        struct PayloadPeek {
            org_id: Option<Value>,
            user_id: Option<Value>,
        }
        let peek = p
            .payload
            .filter(|v| is_object(v))
            .and_then(|v| serde_json::from_str::<PayloadPeek>(v.get()).ok())
            .unwrap_or_default();
        let scalar = |v: Option<Value>| match v {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        self.ev.tenant = scalar(peek.org_id)
            .or_else(|| text(p.domain_id))
            .unwrap_or_default();
        self.ev.user_id = scalar(peek.user_id);
        if let Some(tc) = p.trace_context {
            self.trace_context(tc);
        }
        self.keep("target", p.target);
        self.keep("domain_id", p.domain_id);
        self.keep("idempotency_key", p.idempotency_key);
        let ok = is_dotted_lowercase(&self.ev.kind);
        self.convention(ok);
        self.payload = p.payload;
        Ok(())
    }

    fn trace_context(&mut self, tc: &RawValue) {
        if is_string(tc) {
            let s = text(Some(tc)).unwrap_or_default();
            self.ev.trace_id = trace_id_from_traceparent(&s).or(Some(s).filter(|s| !s.is_empty()));
            return;
        }
        let Ok(Value::Object(m)) = serde_json::from_str::<Value>(tc.get()) else {
            self.ev.flags.set(Flags::FIELD_SHAPE);
            return;
        };
        let get = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| m.get(*k).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        self.ev.trace_id = get(&["traceparent"])
            .and_then(|tp| trace_id_from_traceparent(&tp))
            .or_else(|| get(&["trace_id", "traceId"]));
        self.ev.correlation_id = get(&["correlation_id", "correlationId"]);
        self.ev.causation_id = get(&["causation_id", "causationId"]);
        self.ev.parent_id = get(&["parent_event_id", "parentEventId"]);
    }

    fn spine(&mut self, p: &Probe<'a>) -> Result<(), Rejection> {
        self.ev.kind = envelope_type("type", p.type_)?;
        self.ev.occurred_at = envelope_time("timestamp", p.timestamp)?;
        self.tenant("orgId", p.org_id)?;
        if let Some(d) = p.data {
            if d.get().len() > SPINE_DATA_LIMIT {
                return Err(Rejection::new(
                    Reason::PayloadTooLarge,
                    format!(
                        "`data` is {} bytes; the Event Spine allows {}",
                        d.get().len(),
                        SPINE_DATA_LIMIT
                    ),
                ));
            }
        }
        self.id(p.event_id_camel);
        self.ev.source = self.required(p.source).unwrap_or_default();
        if p.data.is_none() {
            self.ev.flags.set(Flags::INCOMPLETE);
        }
        if let Some(m) = p.metadata {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct Meta {
                correlation_id: Option<Value>,
                user_id: Option<Value>,
                tags: Option<Value>,
            }
            match serde_json::from_str::<Meta>(m.get()) {
                Ok(meta) => {
                    let s = |v: Option<Value>| match v {
                        Some(Value::String(s)) if !s.is_empty() => Some(s),
                        Some(Value::Number(n)) => Some(n.to_string()),
                        _ => None,
                    };
                    self.ev.correlation_id = s(meta.correlation_id);
                    self.ev.user_id = s(meta.user_id);
                    if let Some(tags) = meta.tags {
                        self.ev.subject.insert("tags".into(), tags);
                    }
                }
                Err(_) => self.ev.flags.set(Flags::FIELD_SHAPE),
            }
        }
        if let Some(u) = &self.ev.user_id {
            self.ev.actor = Some(Actor {
                kind: Some("user".into()),
                id: Some(u.clone()),
            });
        }
        let ok = is_dotted_lowercase(&self.ev.kind);
        self.convention(ok);
        self.payload = p.data;
        Ok(())
    }
}

/// `uuid_v5(TRAILVIEW_NS, raw)`: the id of an envelope that has none.
pub fn derive_id(raw: &[u8]) -> String {
    Uuid::new_v5(&TRAILVIEW_NS, raw).to_string()
}

/// Time-like field names of the `other` dialect, in order of preference.
const OTHER_TIME_KEYS: &[&str] = &[
    "time",
    "timestamp",
    "@timestamp",
    "eventTime",
    "occurredAt",
    "occurred_at",
    "created_at",
    "createdAt",
    "timeUnixNano",
    "time_unix_nano",
    "observedTimeUnixNano",
];
const OTHER_ID_KEYS: &[&str] = &["id", "eventId", "eventID", "event_id", "auditID", "uuid"];
const OTHER_TYPE_KEYS: &[&str] = &[
    "type",
    "eventName",
    "eventType",
    "event_type",
    "event_name",
    "action",
    "verb",
];
const OTHER_TENANT_KEYS: &[&str] = &[
    "tenant",
    "tenantId",
    "tenant_id",
    "tenantid",
    "orgId",
    "org_id",
];
const OTHER_SOURCE_KEYS: &[&str] = &["source", "eventSource", "service", "producer"];

/// The `other` dialect: any JSON object with a readable time-like field, found at the top level
/// or, failing that, nested (OpenTelemetry's `resourceLogs[].scopeLogs[].logRecords[].timeUnixNano`).
fn other<'a>(raw: &'a [u8], text_: &'a str) -> Result<Normalized<'a>, Rejection> {
    let doc = match parse_value(text_).map_err(|e| invalid_json(&e))? {
        Value::Object(m) => m,
        _ => {
            return Err(Rejection::new(
                Reason::NotAnObject,
                "a record must be a JSON object",
            ))
        }
    };
    let (key, t) = find_time(&doc, 0).ok_or_else(|| {
        Rejection::new(
            Reason::MissingTimestamp,
            "not a known dialect and no time-like field (time, timestamp, @timestamp, eventTime, occurredAt, created_at, …)",
        )
    })?;
    let occurred_at = other_time(key, t)
        .map_err(|e| Rejection::new(Reason::BadTimestamp, format!("`{key}`: {e}")))?;
    let first_str = |keys: &[&str]| {
        keys.iter().find_map(|k| match doc.get(*k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    let mut b = Builder::new(raw, Dialect::Other);
    b.ev.occurred_at = occurred_at;
    b.ev.id = first_str(OTHER_ID_KEYS).unwrap_or_default();
    b.ev.kind = OTHER_TYPE_KEYS
        .iter()
        .find_map(|k| {
            doc.get(*k)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        })
        .unwrap_or_default()
        .to_owned();
    b.ev.type_version = first_str(&["eventVersion", "event_version"]);
    b.ev.tenant = first_str(OTHER_TENANT_KEYS).unwrap_or_default();
    b.ev.source = first_str(OTHER_SOURCE_KEYS).unwrap_or_default();
    b.ev.correlation_id = first_str(&["correlationId", "correlation_id", "correlationid"]);
    b.ev.causation_id = first_str(&["causationId", "causation_id", "causationid"]);
    b.ev.parent_id = first_str(&["parentEventId", "parent_event_id", "parentId"]);
    b.ev.trace_id = first_str(&["traceparent"])
        .and_then(|tp| trace_id_from_traceparent(&tp))
        .or_else(|| first_str(&["traceId", "trace_id"]));
    b.ev.user_id = first_str(&["userId", "user_id"]);
    b.ev.actor = other_actor(&doc);
    if b.ev.user_id.is_none() {
        b.ev.user_id =
            b.ev.actor
                .as_ref()
                .filter(|a| {
                    a.kind
                        .as_deref()
                        .is_some_and(|k| matches!(k, "user" | "IAMUser" | "Root"))
                })
                .and_then(|a| a.id.clone());
    }
    let mut n = b.finish();
    n.payload = serde_json::from_str::<&RawValue>(text_).ok();
    Ok(n)
}

/// The actor of an unknown envelope: `actor`, CloudTrail's `userIdentity`, Kubernetes' `user`.
fn other_actor(doc: &serde_json::Map<String, Value>) -> Option<Actor> {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    match (doc.get("actor"), doc.get("userIdentity"), doc.get("user")) {
        (Some(Value::String(a)), _, _) => Some(Actor {
            kind: Some(a.clone()),
            id: None,
        }),
        (Some(Value::Object(a)), _, _) => Some(Actor {
            kind: s(a.get("actorType").or(a.get("type"))),
            id: s(a.get("actorId").or(a.get("id"))),
        }),
        (_, Some(Value::Object(u)), _) => Some(Actor {
            kind: s(u.get("type")),
            id: s(u.get("userName").or(u.get("arn")).or(u.get("principalId"))),
        }),
        (_, _, Some(Value::Object(u))) => Some(Actor {
            kind: Some("user".into()),
            id: s(u.get("username")),
        }),
        (_, _, Some(Value::String(u))) => Some(Actor {
            kind: Some("user".into()),
            id: Some(u.clone()),
        }),
        _ => None,
    }
}

/// Depth-first search for a time-like key: this object's keys in preference order, then its
/// children. Bounded depth; deterministic (maps iterate in key order).
fn find_time(m: &serde_json::Map<String, Value>, depth: usize) -> Option<(&'static str, &Value)> {
    for key in OTHER_TIME_KEYS {
        if let Some(v) = m.get(*key).filter(|v| !v.is_null()) {
            return Some((key, v));
        }
    }
    if depth >= 6 {
        return None;
    }
    for v in m.values() {
        let found = match v {
            Value::Object(child) => find_time(child, depth + 1),
            Value::Array(items) => items.iter().find_map(|item| match item {
                Value::Object(child) => find_time(child, depth + 1),
                _ => None,
            }),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn other_time(key: &str, v: &Value) -> Result<Micros, TimeError> {
    let named = if key.ends_with("Nano") || key.ends_with("_nano") {
        Some(EpochUnit::Nanos)
    } else {
        None
    };
    let int = |n: i128| {
        let unit = named.unwrap_or_else(|| EpochUnit::from_magnitude(n as f64));
        time::from_epoch_int(n, unit)
    };
    match v {
        Value::String(s) => match s.trim().parse::<i128>() {
            Ok(n) => int(n),
            Err(_) => time::parse_rfc3339(s),
        },
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                int(i as i128)
            } else if let Some(u) = n.as_u64() {
                int(u as i128)
            } else {
                let x = n.as_f64().unwrap_or(f64::NAN);
                time::from_epoch_float(x, named.unwrap_or_else(|| EpochUnit::from_magnitude(x)))
            }
        }
        Value::Bool(_) => Err(TimeError::WrongShape("a boolean")),
        Value::Array(_) => Err(TimeError::WrongShape("an array")),
        Value::Object(_) => Err(TimeError::WrongShape("an object")),
        Value::Null => Err(TimeError::WrongShape("null")),
    }
}

/// `resource.action[.qualifier]`: two or more dot-separated lowercase segments.
fn is_dotted_lowercase(t: &str) -> bool {
    let mut segments = 0;
    for seg in t.split('.') {
        let ok = !seg.is_empty()
            && seg.as_bytes()[0].is_ascii_lowercase()
            && seg
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return false;
        }
        segments += 1;
    }
    segments >= 2
}

/// Aximo's `snake_case`.
fn is_snake_case(t: &str) -> bool {
    !t.is_empty()
        && t.as_bytes()[0].is_ascii_lowercase()
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !t.contains("__")
        && !t.ends_with('_')
}

/// ConnectSoft's `NounVerbPastTense`: PascalCase whose last word is a past participle
/// (`ArtifactCreated`, `AgentTaskCompleted`, `ArtifactCreatedV2`).
fn is_noun_verb_past_tense(t: &str) -> bool {
    let pascal = t.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && t.bytes().all(|b| b.is_ascii_alphanumeric());
    if !pascal {
        return false;
    }
    // Drop a version suffix (`V2`), then take the last capitalised word.
    let base = match t.rfind('V') {
        Some(i) if i > 0 && t[i + 1..].bytes().all(|b| b.is_ascii_digit()) && i + 1 < t.len() => {
            &t[..i]
        }
        _ => t,
    };
    let last_word_start = base.rfind(|c: char| c.is_ascii_uppercase()).unwrap_or(0);
    if last_word_start == 0 {
        return false; // a single word has no noun before the verb
    }
    let verb = &base[last_word_start..];
    verb.ends_with("ed") || IRREGULAR_PAST.contains(&verb)
}

const IRREGULAR_PAST: &[&str] = &[
    "Begun",
    "Bound",
    "Brought",
    "Built",
    "Bought",
    "Caught",
    "Chosen",
    "Cut",
    "Done",
    "Drawn",
    "Found",
    "Frozen",
    "Given",
    "Held",
    "Hidden",
    "Kept",
    "Known",
    "Left",
    "Lost",
    "Made",
    "Met",
    "Paid",
    "Put",
    "Read",
    "Run",
    "Sent",
    "Set",
    "Shown",
    "Shut",
    "Sold",
    "Spent",
    "Split",
    "Taken",
    "Thrown",
    "Told",
    "Undone",
    "Withdrawn",
    "Won",
    "Written",
];

/// Aximo EVENT_MODEL v1.0 §3: the catalog of Aximo event types.
pub const AXIMO_CATALOG: &[&str] = &[
    "execution_triggered",
    "execution_processing",
    "execution_completed",
    "execution_failed",
    "action_prepared",
    "action_dispatched",
    "action_failed",
    "approval_requested",
    "approval_granted",
    "approval_rejected",
    "approval_timeout",
    "sla_breached",
    "escalation_triggered",
    "pressure_invoked",
    "deployment_suspended",
    "deployment_created",
    "deployment_configured",
    "deployment_activated",
    "deployment_updated",
    "deployment_terminated",
    "version_upgraded",
    "version_rolled_back",
];

/// Ecosystem Event Taxonomy §5.
const ECOSYSTEM_CATALOG: &[&str] = &[
    "capture.transcript.created",
    "capture.voice_note.created",
    "capture.browser_clip.created",
    "capture.document.ingested",
    "capture.image.ingested",
    "artifact.created",
    "artifact.updated",
    "artifact.deleted",
    "artifact.linked",
    "artifact.visibility_changed",
    "artifact.promoted",
    "memory.entry.created",
    "memory.entry.refined",
    "memory.entry.accepted",
    "note.block.created",
    "note.block.updated",
    "note.block.linked",
    "plan.created",
    "plan.updated",
    "plan.task.generated",
    "plan.routine.generated",
    "plan.habit.generated",
    "routine.started",
    "routine.completed",
    "agent.session.created",
    "agent.session.resumed",
    "agent.task.created",
    "agent.todo.updated",
    "agent.run.started",
    "agent.run.paused",
    "agent.run.completed",
    "agent.run.failed",
    "agent.dispatch.received",
    "agent.dispatch.accepted",
    "approval.action.requested",
    "approval.action.approved",
    "approval.action.denied",
    "approval.action.expired",
    "trust.identity.level_changed",
    "trust.device.level_changed",
    "trust.device.degraded",
    "trust.device.blocked",
    "audit.action.logged",
    "safety.injection.detected",
    "safety.unattended_action.blocked",
    "safety.policy.violation_detected",
    "usage.metered",
    "usage.limit_reached",
    "entitlement.granted",
    "entitlement.revoked",
];
