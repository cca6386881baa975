//! Deterministic generator of realistic mixed-dialect events.
//!
//! Used for the demo data set, the ingest benchmark (1,000,000 events) and tests. It writes NDJSON:
//! one JSON object per line, each line `'\n'`-terminated, mixing the six dialects Trailview reads
//! (Event Spine, Aximo, Spectral, ConnectSoft, Ecosystem and CloudEvents 1.0 structured mode) with
//! the field names exactly as the seed documents define them.
//!
//! What the output looks like:
//! - **Correlation chains** of 3–12 events. A chain stays in one dialect and one tenant; its events
//!   share a correlation id (in each dialect's own correlation field) and carry causation links
//!   where the dialect has them (causation = the previous event of the chain; Ecosystem also sets
//!   `trace.parentEventId` to the chain's first event). Several chains run at once, so their events
//!   interleave in time. Steps inside a chain are 0.5–3 s apart, except where a person is waited on
//!   (approval decisions, timeouts, SLA breaches), which take seconds to hours.
//! - **Timestamps** never decrease from line to line and start at [`GenConfig::start_us`].
//! - **Tenants** (`acme`, `globex`, `initech`, …) appear in each dialect's tenant field; about ten
//!   users per tenant (`user_100`, `user_101`, …) whose ids are shared across products, so one
//!   person's timeline spans dialects. About 30% of Ecosystem chains are personal (`orgId: null`).
//! - **Approval flows** are about 10% of chains (Aximo, Ecosystem, ConnectSoft); about 2% of those
//!   carry an anomaly an auditor must see: a decision without a request, a request decided twice,
//!   an action taken without approval, or a decision made after the request expired.
//! - **Aximo deployment lifecycles** occasionally (created → configured → activated, upgrades with
//!   an increasing `skill_version`, sometimes rolled back); executions pin the version that was
//!   live when they were triggered.
//! - Lines average roughly 600 bytes, so 1,000,000 events are roughly 600 MB.
//!
//! Determinism: the same [`GenConfig`] gives byte-identical output on any machine and with any
//! dependency versions. All randomness comes from a hand-written SplitMix64 (the `rand` crate's
//! streams are not a stable contract and change between versions); there is no clock, no OS
//! randomness, no floating point and no hash-map iteration; JSON is formatted by hand (so not even
//! a serde_json feature such as `preserve_order` can change key order).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::io::{self, BufWriter, Write};

/// Settings; `Default` gives events=1000, seed=42, tenants=20, start = 2026-11-01T00:00:00Z as µs
/// since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenConfig {
    /// Exactly how many events (lines) to write.
    pub events: u64,
    /// Seed of the pseudo-random stream; the same seed gives the same bytes.
    pub seed: u64,
    /// Number of tenants (at least one is used even when 0).
    pub tenants: u32,
    /// Timestamp of the first event, in microseconds since the Unix epoch (UTC).
    pub start_us: i64,
}

/// 2026-11-01T00:00:00Z in microseconds since the Unix epoch.
const DEFAULT_START_US: i64 = 1_793_491_200_000_000;

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            events: 1000,
            seed: 42,
            tenants: 20,
            start_us: DEFAULT_START_US,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenSummary {
    /// Number of events (lines) written.
    pub events: u64,
    /// Number of bytes written, newlines included.
    pub bytes: u64,
    /// Events written per dialect (`spine`, `aximo`, `spectral`, `connectsoft`, `ecosystem`,
    /// `cloudevents`); dialects with no event are absent.
    pub by_dialect: BTreeMap<&'static str, u64>,
}

/// Writes exactly `cfg.events` NDJSON lines (each a JSON object, `'\n'`-terminated) to `out`.
///
/// Memory stays flat whatever the count: lines are built one at a time into a reused buffer and
/// streamed through a `BufWriter`; only the few chains in flight are kept.
pub fn generate<W: Write>(cfg: &GenConfig, out: W) -> io::Result<GenSummary> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    let mut g = Gen::new(cfg);
    let mut summary = GenSummary::default();
    while g.emitted < cfg.events {
        g.start_chains();
        let Some(Reverse((ts, _serial, slot))) = g.heap.pop() else {
            break; // unreachable: start_chains always leaves work while events remain
        };
        let mut ch = g.slab[slot].take().expect("scheduled chain is present");
        g.emit(&mut ch, ts);
        w.write_all(&g.j.b)?;
        summary.events += 1;
        summary.bytes += g.j.b.len() as u64;
        *summary.by_dialect.entry(ch.dialect.name()).or_insert(0) += 1;
        g.emitted += 1;
        g.now = ts;
        if ch.pos < ch.steps.len() {
            let next = g.next_time(&ch, ts);
            let waiting = next - ts > HOT_LIMIT_US;
            if waiting != ch.waiting {
                if waiting {
                    g.hot -= 1;
                } else {
                    g.hot += 1;
                }
                ch.waiting = waiting;
            }
            g.heap.push(Reverse((next, ch.serial, slot)));
            g.slab[slot] = Some(ch);
        } else {
            g.finish(ch, slot);
        }
    }
    w.flush()?;
    Ok(summary)
}

// ---------------------------------------------------------------------------------------------
// Pseudo-random numbers
// ---------------------------------------------------------------------------------------------

/// SplitMix64 (Steele, Lea & Flood 2014; the reference `splitmix64.c`). Hand-written on purpose:
/// the output must stay byte-identical across machines and dependency updates, and `rand`'s
/// generators and distributions do not promise stable streams between versions.
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-high (Lemire); the tiny bias is irrelevant here.
    fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-written JSON
// ---------------------------------------------------------------------------------------------

/// Builds one JSON line. `comma` says whether the next member or element needs a separator.
struct J {
    b: Vec<u8>,
    comma: bool,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes the body of a JSON string (without quotes), escaping what RFC 8259 requires.
fn escape_into(b: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let short: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        b.extend_from_slice(&bytes[start..i]);
        if short.is_empty() {
            b.extend_from_slice(b"\\u00");
            b.push(HEX[(c >> 4) as usize]);
            b.push(HEX[(c & 15) as usize]);
        } else {
            b.extend_from_slice(short);
        }
        start = i + 1;
    }
    b.extend_from_slice(&bytes[start..]);
}

/// `fmt::Write` adapter that JSON-escapes everything written through it.
struct Esc<'a>(&'a mut Vec<u8>);

impl fmt::Write for Esc<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(self.0, s);
        Ok(())
    }
}

fn push_u64(b: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

fn push_i64(b: &mut Vec<u8>, v: i64) {
    if v < 0 {
        b.push(b'-');
    }
    push_u64(b, v.unsigned_abs());
}

fn push_padded(b: &mut Vec<u8>, v: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut x = v;
    let mut i = tmp.len();
    while x > 0 {
        i -= 1;
        tmp[i] = b'0' + (x % 10) as u8;
        x /= 10;
    }
    let len = (tmp.len() - i).max(width);
    b.extend_from_slice(&tmp[tmp.len() - len..]);
}

/// Timestamp precision of a dialect.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Prec {
    Millis,
    Micros,
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u64, u64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m as u64, d as u64)
}

/// RFC 3339 UTC (`2026-11-01T00:00:01.234Z` / `…01.234567Z`), without quotes.
fn push_ts(b: &mut Vec<u8>, us: i64, prec: Prec) {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000) as u64;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400) as u64;
    if y < 0 {
        b.push(b'-');
    }
    push_padded(b, y.unsigned_abs(), 4);
    b.push(b'-');
    push_padded(b, mo, 2);
    b.push(b'-');
    push_padded(b, d, 2);
    b.push(b'T');
    push_padded(b, sod / 3600, 2);
    b.push(b':');
    push_padded(b, sod / 60 % 60, 2);
    b.push(b':');
    push_padded(b, sod % 60, 2);
    b.push(b'.');
    match prec {
        Prec::Millis => push_padded(b, frac / 1000, 3),
        Prec::Micros => push_padded(b, frac, 6),
    }
    b.push(b'Z');
}

impl J {
    fn new() -> Self {
        J {
            b: Vec::with_capacity(2048),
            comma: false,
        }
    }

    fn begin_line(&mut self) {
        self.b.clear();
        self.b.push(b'{');
        self.comma = false;
    }

    fn end_line(&mut self) {
        self.b.extend_from_slice(b"}\n");
    }

    fn sep(&mut self) {
        if self.comma {
            self.b.push(b',');
        }
    }

    /// Writes `"key":`. Keys are ASCII identifiers written by this module: no escaping needed.
    fn key(&mut self, k: &str) {
        debug_assert!(k.bytes().all(|c| c != b'"' && c != b'\\' && c >= 0x20));
        self.sep();
        self.b.push(b'"');
        self.b.extend_from_slice(k.as_bytes());
        self.b.extend_from_slice(b"\":");
        self.comma = false;
    }

    fn obj(&mut self, k: &str) {
        self.key(k);
        self.b.push(b'{');
    }

    fn arr(&mut self, k: &str) {
        self.key(k);
        self.b.push(b'[');
    }

    fn end(&mut self) {
        self.b.push(b'}');
        self.comma = true;
    }

    fn end_arr(&mut self) {
        self.b.push(b']');
        self.comma = true;
    }

    fn item_obj(&mut self) {
        self.sep();
        self.b.push(b'{');
        self.comma = false;
    }

    fn item(&mut self, v: &str) {
        self.sep();
        self.b.push(b'"');
        escape_into(&mut self.b, v);
        self.b.push(b'"');
        self.comma = true;
    }

    fn s(&mut self, k: &str, v: &str) {
        self.key(k);
        self.b.push(b'"');
        escape_into(&mut self.b, v);
        self.b.push(b'"');
        self.comma = true;
    }

    /// A string value built from format arguments (escaped).
    fn f(&mut self, k: &str, args: fmt::Arguments<'_>) {
        self.key(k);
        self.b.push(b'"');
        let _ = fmt::write(&mut Esc(&mut self.b), args);
        self.b.push(b'"');
        self.comma = true;
    }

    fn os(&mut self, k: &str, v: Option<&str>) {
        match v {
            Some(v) => self.s(k, v),
            None => self.null(k),
        }
    }

    fn i(&mut self, k: &str, v: i64) {
        self.key(k);
        push_i64(&mut self.b, v);
        self.comma = true;
    }

    /// A decimal number with two fraction digits from an integer count of hundredths.
    fn d2(&mut self, k: &str, hundredths: i64) {
        self.key(k);
        if hundredths < 0 {
            self.b.push(b'-');
        }
        let h = hundredths.unsigned_abs();
        push_u64(&mut self.b, h / 100);
        self.b.push(b'.');
        push_padded(&mut self.b, h % 100, 2);
        self.comma = true;
    }

    fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.b
            .extend_from_slice(if v { b"true" as &[u8] } else { b"false" });
        self.comma = true;
    }

    fn null(&mut self, k: &str) {
        self.key(k);
        self.b.extend_from_slice(b"null");
        self.comma = true;
    }

    fn ts(&mut self, k: &str, us: i64, prec: Prec) {
        self.key(k);
        self.b.push(b'"');
        push_ts(&mut self.b, us, prec);
        self.b.push(b'"');
        self.comma = true;
    }
}

// ---------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------

fn hex_into(s: &mut String, v: u64, nibbles: u32) {
    for i in (0..nibbles).rev() {
        s.push(HEX[((v >> (i * 4)) & 15) as usize] as char);
    }
}

fn uuid_string(hi: u64, lo: u64) -> String {
    let mut s = String::with_capacity(36);
    hex_into(&mut s, hi >> 32, 8);
    s.push('-');
    hex_into(&mut s, (hi >> 16) & 0xFFFF, 4);
    s.push('-');
    hex_into(&mut s, hi & 0xFFFF, 4);
    s.push('-');
    hex_into(&mut s, lo >> 48, 4);
    s.push('-');
    hex_into(&mut s, lo & 0xFFFF_FFFF_FFFF, 12);
    s
}

/// Random (version 4) UUID from the generator's stream.
fn uuid4(rng: &mut SplitMix64) -> String {
    let hi = (rng.next_u64() & !0xF000) | 0x4000;
    let lo = (rng.next_u64() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    uuid_string(hi, lo)
}

/// Time-ordered (version 7) UUID: 48-bit Unix milliseconds, then random bits.
fn uuid7(rng: &mut SplitMix64, us: i64) -> String {
    let ms = (us.div_euclid(1000) as u64) & 0xFFFF_FFFF_FFFF;
    let hi = (ms << 16) | 0x7000 | (rng.next_u64() & 0x0FFF);
    let lo = (rng.next_u64() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    uuid_string(hi, lo)
}

/// `prefix` + ULID (26 Crockford base32 characters: 48-bit Unix milliseconds, 80 random bits).
fn ulid(rng: &mut SplitMix64, prefix: &str, us: i64) -> String {
    const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let ms = u128::from((us.div_euclid(1000) as u64) & 0xFFFF_FFFF_FFFF);
    let rand = (u128::from(rng.next_u64()) << 16) | u128::from(rng.next_u64() & 0xFFFF);
    let v = (ms << 80) | rand;
    let mut s = String::with_capacity(prefix.len() + 26);
    s.push_str(prefix);
    for i in 0..26 {
        let shift = 125 - 5 * i;
        s.push(CROCKFORD[((v >> shift) & 31) as usize] as char);
    }
    s
}

/// `prefix` + `nibbles` random lowercase hex digits (at most 32).
fn hexid(rng: &mut SplitMix64, prefix: &str, nibbles: u32) -> String {
    let mut s = String::with_capacity(prefix.len() + nibbles as usize);
    s.push_str(prefix);
    let mut left = nibbles;
    while left > 0 {
        let n = left.min(16);
        hex_into(&mut s, rng.next_u64(), n);
        left -= n;
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

const TENANTS: &[&str] = &[
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark-industries",
    "wayne-enterprises",
    "wonka",
    "cyberdyne",
    "soylent",
    "tyrell",
    "oscorp",
    "massive-dynamic",
    "vandelay",
    "aperture",
    "black-mesa",
    "pied-piper",
    "dunder-mifflin",
    "monarch",
    "gringotts",
    "contoso",
    "fabrikam",
    "northwind",
    "tailspin",
];

const USERS_PER_TENANT: usize = 10;

const FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Aisha", "Kenji", "Sofia", "Liam", "Chloé", "Mateo", "Priya", "Noah",
    "Ingrid", "Tomás", "Amara", "Lukas", "Yuki", "Olivia", "Rafael", "Zanele", "Henrik", "Mei",
    "Dana", "Omar", "Elena",
];

const LAST_NAMES: &[&str] = &[
    "Garcia", "O'Connor", "Okafor", "Tanaka", "Rossi", "Novak", "Müller", "Silva", "Patel", "Kim",
    "Larsen", "Haddad", "Nguyen", "Kowalski", "Dubois", "Santos", "Byrne", "Ivanova", "Mensah",
];

const CUSTOMERS: &[&str] = &[
    "Rivera Plumbing",
    "Müller Bäckerei GmbH",
    "O'Brien & Sons",
    "Nguyen Dental Care",
    "Café Lumière",
    "Okafor Logistics",
    "Sato Design Studio",
    "Kowalski Auto Repair",
    "Patel Family Pharmacy",
    "Björk Outdoor AB",
    "Haddad Law Group",
    "Silva Fitness",
    "Bright Smile Orthodontics",
    "Northside Veterinary Clinic",
];

const CITIES: &[&str] = &[
    "Austin",
    "Zürich",
    "Lisbon",
    "Osaka",
    "Toronto",
    "Nairobi",
    "Kraków",
    "São Paulo",
    "Melbourne",
    "Dublin",
    "München",
    "Seattle",
];

const REPOS: &[&str] = &[
    "payments-api",
    "web-checkout",
    "identity-service",
    "mobile-app",
    "data-pipeline",
    "notification-worker",
    "admin-portal",
    "search-indexer",
];

const COMMIT_MESSAGES: &[&str] = &[
    "fix: handle \"null\" customer ids in invoice export",
    "feat(search): add fuzzy matching for SKU lookups",
    "refactor: split OrderService into read/write paths",
    "chore(deps): bump tokio from 1.38 to 1.41",
    "fix: escape backslashes in C:\\exports paths on Windows",
    "perf: cache tenant settings for 30s",
    "feat: expose /healthz with build info",
    "fix(auth): reject expired refresh tokens\n\nCloses #4821",
];

const REVIEW_AGENTS: &[&str] = &[
    "security",
    "performance",
    "correctness",
    "style",
    "architecture",
    "test-coverage",
    "dependency-risk",
];

const LANGUAGES: &[&str] = &["typescript", "rust", "python", "go", "java", "csharp"];

/// (skill id, action type, channel, what an action does, what it targets).
const SKILLS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "lead-intake",
        "lead_capture",
        "web_form",
        "Create CRM contact and tag as warm lead",
        "crm:hubspot/contacts",
    ),
    (
        "appointment-booker",
        "calendar_booking",
        "sms",
        "Book a 30-minute consultation and send SMS confirmation",
        "calendar:google/primary",
    ),
    (
        "invoice-chaser",
        "invoice_reminder",
        "email",
        "Send second reminder for overdue invoice with payment link",
        "billing:stripe/invoices",
    ),
    (
        "review-responder",
        "review_reply",
        "web",
        "Publish a reply to a 2-star public review",
        "reviews:google-business/locations",
    ),
    (
        "support-triage",
        "ticket_create",
        "email",
        "Open a priority support ticket and notify on-call",
        "helpdesk:zendesk/tickets",
    ),
    (
        "quote-builder",
        "quote_send",
        "whatsapp",
        "Send a priced quote PDF to the prospect",
        "docs:pandadoc/quotes",
    ),
];

const AXIMO_TRIGGERS: &[&str] = &[
    "inbound_email",
    "web_form_submission",
    "scheduled_run",
    "webhook",
    "missed_call",
];

const INTENTS: &[&str] = &[
    "new_inquiry",
    "book_appointment",
    "payment_question",
    "complaint",
    "quote_request",
    "reschedule",
];

const PROJECTS: &[&str] = &[
    "proj-booking-saas",
    "proj-billing-portal",
    "proj-fleet-tracker",
    "proj-claims-intake",
    "proj-hr-onboarding",
    "proj-inventory-hub",
];

const MODULES: &[&str] = &[
    "module-reservations-api",
    "module-notifications-worker",
    "module-web-ui",
    "module-identity-service",
    "module-payments-api",
    "module-reporting-worker",
];

const CS_AGENTS: &[&str] = &[
    "agent-backend-developer",
    "agent-frontend-developer",
    "agent-solution-architect",
    "agent-qa-engineer",
    "agent-devops-engineer",
];

const DECISION_ACTIONS: &[&str] = &[
    "approve_refund",
    "escalate_claim",
    "grant_credit_limit_increase",
    "flag_transaction",
    "route_to_specialist",
    "waive_late_fee",
];

const DECISION_STATUSES: &[&str] = &[
    "allowed",
    "allowed",
    "allowed",
    "denied",
    "escalated",
    "deferred",
];

const ECO_ACTIONS: &[(&str, &str)] = &[
    ("send_email", "Send follow-up email to 3 meeting attendees"),
    (
        "create_calendar_event",
        "Create recurring 1:1 on Thursdays at 10:00",
    ),
    (
        "delete_files",
        "Delete 14 duplicate recordings older than 90 days",
    ),
    (
        "submit_expense",
        "Submit expense report \"Q4 offsite\" for 412.80 EUR",
    ),
    ("post_message", "Post weekly summary to #team-updates"),
    (
        "share_artifact",
        "Share note \"Roadmap draft\" with the whole org",
    ),
];

// ---------------------------------------------------------------------------------------------
// Dialects, steps and chain shapes
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dialect {
    Spine,
    Aximo,
    Spectral,
    ConnectSoft,
    Ecosystem,
    CloudEvents,
}

impl Dialect {
    const ALL: [Dialect; 6] = [
        Dialect::Spine,
        Dialect::Aximo,
        Dialect::Spectral,
        Dialect::ConnectSoft,
        Dialect::Ecosystem,
        Dialect::CloudEvents,
    ];

    fn name(self) -> &'static str {
        match self {
            Dialect::Spine => "spine",
            Dialect::Aximo => "aximo",
            Dialect::Spectral => "spectral",
            Dialect::ConnectSoft => "connectsoft",
            Dialect::Ecosystem => "ecosystem",
            Dialect::CloudEvents => "cloudevents",
        }
    }

    fn idx(self) -> usize {
        self as usize
    }

    /// Precision of the dialect's timestamps.
    fn prec(self) -> Prec {
        match self {
            Dialect::Spine | Dialect::ConnectSoft | Dialect::Ecosystem => Prec::Millis,
            Dialect::Aximo | Dialect::Spectral | Dialect::CloudEvents => Prec::Micros,
        }
    }

    /// Rounds `us` up to what the dialect can express, so that the written timestamps (not just
    /// the internal ones) never decrease from line to line.
    fn align(self, us: i64) -> i64 {
        match self.prec() {
            Prec::Millis => (us + 999).div_euclid(1000) * 1000,
            Prec::Micros => us,
        }
    }
}

/// What a step means for timing and for approval payloads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Plain,
    /// An approval request.
    Request,
    /// The (first) decision on a request, before it expires.
    Decision,
    /// A second decision on an already decided request (anomaly).
    SecondDecision,
    /// A decision made after the request expired (anomaly).
    LateDecision,
    /// The request expired / timed out.
    Expiry,
    /// An SLA breach while waiting for a decision.
    Sla,
    /// An action taken while the request is still undecided (anomaly).
    ActUndecided,
    /// A reaction that takes minutes (a rollback after watching error rates).
    Later,
}

#[derive(Clone, Copy, Debug)]
struct Step {
    ty: &'static str,
    role: Role,
}

fn plain(ty: &'static str) -> Step {
    Step {
        ty,
        role: Role::Plain,
    }
}

fn step(ty: &'static str, role: Role) -> Step {
    Step { ty, role }
}

/// A chain template: `prefix`, then the first `m` optional `middle` steps, with `repeat` inserted
/// at `repeat_at` as often as needed when `m` exceeds the middle, then `suffix`.
struct Shape {
    prefix: &'static [&'static str],
    middle: &'static [&'static str],
    repeat: &'static str,
    repeat_at: usize,
    suffix: &'static [&'static str],
}

impl Shape {
    fn steps(&self, n: usize) -> Vec<Step> {
        let fixed = self.prefix.len() + self.suffix.len();
        if n < fixed {
            // Only for outputs of one or two events in total.
            return self
                .prefix
                .iter()
                .chain(self.suffix)
                .take(n)
                .copied()
                .map(plain)
                .collect();
        }
        let m = n - fixed;
        let mut mid: Vec<&'static str> = self.middle.iter().copied().take(m).collect();
        if m > self.middle.len() {
            let at = self.repeat_at.min(mid.len());
            for _ in 0..m - self.middle.len() {
                mid.insert(at, self.repeat);
            }
        }
        self.prefix
            .iter()
            .copied()
            .chain(mid)
            .chain(self.suffix.iter().copied())
            .map(plain)
            .collect()
    }
}

const SPINE_SHAPES: &[Shape] = &[
    Shape {
        prefix: &["code.upload.complete", "code.analysis.complete"],
        middle: &[
            "review.started",
            "review.agent.complete",
            "review.agent.complete",
            "review.agent.complete",
            "review.complete",
            "readiness.score.changed",
            "component.promoted",
        ],
        repeat: "review.agent.complete",
        repeat_at: 4,
        suffix: &[],
    },
    Shape {
        prefix: &["lead.created", "lead.enriched"],
        middle: &[
            "lead.qualified",
            "compliance.check.passed",
            "outreach.queued",
            "outreach.sent",
            "outreach.delivered",
            "outreach.opened",
            "outreach.replied",
            "meeting.booked",
        ],
        repeat: "lead.enriched",
        repeat_at: 0,
        suffix: &[],
    },
    Shape {
        prefix: &["lead.created", "lead.enriched"],
        middle: &[
            "lead.qualified",
            "compliance.check.blocked",
            "outreach.suppressed",
            "campaign.suppression.applied",
        ],
        repeat: "lead.enriched",
        repeat_at: 0,
        suffix: &[],
    },
    Shape {
        prefix: &["contract.compiled"],
        middle: &[
            "contract.audit.complete",
            "contract.deployment.requested",
            "contract.deployed",
            "transaction.executed",
            "transaction.executed",
            "anomaly.detected",
            "transaction.executed",
        ],
        repeat: "transaction.executed",
        repeat_at: 5,
        suffix: &[],
    },
    Shape {
        prefix: &["contract.compiled"],
        middle: &[
            "contract.deployment.requested",
            "contract.failed",
            "contract.deployment.requested",
            "contract.deployed",
            "transaction.executed",
        ],
        repeat: "transaction.executed",
        repeat_at: 5,
        suffix: &[],
    },
];

const CE_SHAPES: &[Shape] = &[
    Shape {
        prefix: &["com.example.order.created"],
        middle: &[
            "com.example.payment.authorized",
            "com.example.inventory.reserved",
            "com.example.order.confirmed",
            "com.example.invoice.issued",
            "com.example.shipment.created",
            "com.example.shipment.dispatched",
            "com.example.shipment.delivered",
        ],
        repeat: "com.example.notification.sent",
        repeat_at: 7,
        suffix: &[],
    },
    Shape {
        prefix: &["com.example.user.signed_up"],
        middle: &[
            "com.example.user.email_verified",
            "com.example.session.started",
            "com.example.user.profile_updated",
            "com.example.user.mfa_enabled",
            "com.example.subscription.upgraded",
            "com.example.session.ended",
        ],
        repeat: "com.example.session.refreshed",
        repeat_at: 3,
        suffix: &[],
    },
    Shape {
        prefix: &["com.example.storage.object.created"],
        middle: &[
            "com.example.storage.object.scanned",
            "com.example.storage.object.thumbnailed",
            "com.example.storage.object.indexed",
            "com.example.storage.object.shared",
            "com.example.storage.object.archived",
        ],
        repeat: "com.example.storage.object.accessed",
        repeat_at: 4,
        suffix: &[],
    },
];

const CS_SHAPES: &[Shape] = &[
    Shape {
        prefix: &["AgentTaskStarted"],
        middle: &[
            "ArtifactCreated",
            "ArtifactValidated",
            "CommitPushed",
            "BuildSucceeded",
            "TestRunCompleted",
            "PullRequestOpened",
            "PullRequestMerged",
            "DeploymentStarted",
            "DeploymentCompleted",
        ],
        repeat: "ArtifactUpdated",
        repeat_at: 1,
        suffix: &["AgentTaskCompleted"],
    },
    Shape {
        prefix: &["AgentTaskStarted"],
        middle: &[
            "ArtifactCreated",
            "CommitPushed",
            "BuildFailed",
            "ArtifactUpdated",
            "CommitPushed",
            "BuildSucceeded",
            "TestRunCompleted",
        ],
        repeat: "ArtifactUpdated",
        repeat_at: 4,
        suffix: &["AgentTaskCompleted"],
    },
    Shape {
        prefix: &["ContextPackageRequested"],
        middle: &["KnowledgeDocumentIndexed", "KnowledgeDocumentIndexed"],
        repeat: "KnowledgeDocumentIndexed",
        repeat_at: 0,
        suffix: &["ContextPackageBuilt"],
    },
];

/// Ecosystem shapes with the product that emits them.
const ECO_SHAPES: &[(&str, Shape)] = &[
    (
        "lysnrai",
        Shape {
            prefix: &["capture.transcript.created"],
            middle: &[
                "artifact.created",
                "memory.entry.created",
                "memory.entry.refined",
                "memory.entry.accepted",
                "artifact.linked",
            ],
            repeat: "note.block.created",
            repeat_at: 1,
            suffix: &[],
        },
    ),
    (
        "notelett",
        Shape {
            prefix: &["capture.browser_clip.created"],
            middle: &[
                "artifact.created",
                "note.block.created",
                "note.block.updated",
                "note.block.linked",
                "memory.entry.created",
                "memory.entry.accepted",
            ],
            repeat: "note.block.updated",
            repeat_at: 3,
            suffix: &[],
        },
    ),
    (
        "notelett",
        Shape {
            prefix: &["capture.document.ingested"],
            middle: &[
                "artifact.created",
                "artifact.updated",
                "artifact.promoted",
                "artifact.visibility_changed",
            ],
            repeat: "artifact.updated",
            repeat_at: 2,
            suffix: &[],
        },
    ),
    (
        "lysnrai",
        Shape {
            prefix: &["capture.voice_note.created"],
            middle: &[
                "artifact.created",
                "note.block.created",
                "memory.entry.created",
                "memory.entry.accepted",
            ],
            repeat: "note.block.created",
            repeat_at: 2,
            suffix: &[],
        },
    ),
    (
        "flowmonk",
        Shape {
            prefix: &["plan.created"],
            middle: &[
                "artifact.created",
                "plan.task.generated",
                "plan.routine.generated",
                "plan.habit.generated",
                "artifact.linked",
                "routine.started",
                "routine.completed",
            ],
            repeat: "plan.task.generated",
            repeat_at: 2,
            suffix: &[],
        },
    ),
    (
        "cowork",
        Shape {
            prefix: &["agent.session.created", "agent.task.created"],
            middle: &[
                "agent.run.started",
                "agent.todo.updated",
                "agent.dispatch.received",
                "agent.dispatch.accepted",
                "agent.run.completed",
                "artifact.created",
                "usage.metered",
            ],
            repeat: "agent.todo.updated",
            repeat_at: 2,
            suffix: &[],
        },
    ),
    (
        "actiontrail",
        Shape {
            prefix: &["trust.device.level_changed"],
            middle: &["audit.action.logged", "audit.action.logged"],
            repeat: "audit.action.logged",
            repeat_at: 0,
            suffix: &["artifact.created"],
        },
    ),
];

const SPECTRAL_SHAPES: &[Shape] = &[
    Shape {
        prefix: &["agent_task.created"],
        middle: &[],
        repeat: "decision.recorded",
        repeat_at: 0,
        suffix: &[],
    },
    Shape {
        prefix: &["agent_task.created"],
        middle: &[],
        repeat: "decision.recorded",
        repeat_at: 0,
        suffix: &["override_pattern_signal.aggregated"],
    },
    Shape {
        prefix: &["worlds.world_model_card.published"],
        middle: &[],
        repeat: "decision.recorded",
        repeat_at: 0,
        suffix: &[],
    },
];

/// The auditors' anomalies carried by about 2% of approval flows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Anomaly {
    DecisionWithoutRequest,
    DecidedTwice,
    ActedWithoutApproval,
    DecidedAfterExpiry,
}

/// How an approval flow ends.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    Approved,
    Rejected,
    Expired,
    Pending,
}

/// Aximo chain kinds.
const AX_EXEC: u8 = 0;
const AX_APPROVAL: u8 = 1;
const AX_LIFECYCLE: u8 = 2;
/// Generic (non-approval) chain kind for the other dialects; approval kinds use this value.
const APPROVAL: u8 = 100;

// ---------------------------------------------------------------------------------------------
// World state
// ---------------------------------------------------------------------------------------------

type Version = (u32, u32, u32);

struct Deployment {
    id: String,
    skill: usize,
    version: Version,
    max_minor: u32,
    active: bool,
    busy: bool,
    name: String,
}

struct Domain {
    id: String,
    world_id: String,
    version: u32,
}

struct Tenant {
    slug: String,
    deployments: Vec<Deployment>,
    domains: Vec<Domain>,
}

struct User {
    id: String,
    first: &'static str,
    last: &'static str,
}

/// One correlation chain in flight.
struct Chain {
    serial: u64,
    dialect: Dialect,
    kind: u8,
    steps: Vec<Step>,
    pos: usize,
    tenant: usize,
    user: usize,
    approver: usize,
    personal: bool,
    corr: String,
    /// 32 lowercase hex digits (W3C trace id).
    trace: String,
    /// Ids of the events emitted so far, in order.
    ids: Vec<String>,
    /// Main subject id (execution, run, task, order, review …).
    key: String,
    /// Secondary subject id (session, approval, artifact …).
    key2: String,
    /// Deployment / domain / shape index, depending on the dialect.
    aux: usize,
    /// Vocabulary pick (customer, project, module …) kept for the whole chain.
    pick: usize,
    product: &'static str,
    surface: &'static str,
    anomaly: Option<Anomaly>,
    outcome: Outcome,
    /// Planned delay from request to first decision, µs.
    decide_after_us: i64,
    /// Request lifetime (expiry / timeout), µs.
    ttl_us: i64,
    /// SLA on a decision, µs (Aximo).
    sla_us: i64,
    request_us: Option<i64>,
    request_id: Option<String>,
    first_us: i64,
    version: Version,
    ver_before: Version,
    decisions: Vec<String>,
    /// Ecosystem artifact id of the chain.
    artifact: String,
    /// Approval id of an approval flow.
    approval: String,
    waiting: bool,
    fail: bool,
    counter: u32,
}

/// Chains that are not waiting longer than this on a person count as "hot".
const HOT_LIMIT_US: i64 = 60_000_000;
/// How many hot chains run at once.
const HOT_CHAINS: usize = 8;
/// When this few events remain unplanned, chains are sized to fit exactly.
const ENDGAME: u64 = 30;

struct Gen {
    total: u64,
    rng: SplitMix64,
    tenants: Vec<Tenant>,
    users: Vec<User>,
    j: J,
    slab: Vec<Option<Chain>>,
    free_slots: Vec<usize>,
    heap: BinaryHeap<Reverse<(i64, u64, usize)>>,
    planned: [u64; 6],
    planned_total: u64,
    emitted: u64,
    serial: u64,
    hot: usize,
    now: i64,
}

fn fmt_version(v: Version) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}

impl Gen {
    fn new(cfg: &GenConfig) -> Gen {
        let mut rng = SplitMix64::new(cfg.seed);
        let n_tenants = cfg.tenants.max(1) as usize;
        let mut tenants = Vec::with_capacity(n_tenants);
        for t in 0..n_tenants {
            let base = TENANTS[t % TENANTS.len()];
            let slug = if t < TENANTS.len() {
                base.to_string()
            } else {
                format!("{}-{}", base, t / TENANTS.len() + 1)
            };
            let mut deployments = Vec::new();
            for _ in 0..2 {
                let skill = rng.index(SKILLS.len());
                let minor = rng.range(1, 6) as u32;
                let patch = rng.range(0, 3) as u32;
                deployments.push(Deployment {
                    id: hexid(&mut rng, "dep_", 16),
                    skill,
                    version: (1, minor, patch),
                    max_minor: minor,
                    active: true,
                    busy: false,
                    name: format!("{} – {}", SKILLS[skill].0, slug),
                });
            }
            let mut domains = Vec::new();
            for _ in 0..2 {
                domains.push(Domain {
                    id: uuid4(&mut rng),
                    world_id: uuid4(&mut rng),
                    version: rng.range(3, 14) as u32,
                });
            }
            tenants.push(Tenant {
                slug,
                deployments,
                domains,
            });
        }
        let n_users = n_tenants * USERS_PER_TENANT;
        let users = (0..n_users)
            .map(|i| User {
                id: format!("user_{}", 100 + i),
                first: FIRST_NAMES[i % FIRST_NAMES.len()],
                last: LAST_NAMES[(i * 7 + i / FIRST_NAMES.len()) % LAST_NAMES.len()],
            })
            .collect();
        Gen {
            total: cfg.events,
            rng,
            tenants,
            users,
            j: J::new(),
            slab: Vec::new(),
            free_slots: Vec::new(),
            heap: BinaryHeap::new(),
            planned: [0; 6],
            planned_total: 0,
            emitted: 0,
            serial: 0,
            hot: 0,
            now: cfg.start_us,
        }
    }

    fn n_tenants(&self) -> usize {
        self.tenants.len()
    }

    /// A user of tenant `t`.
    fn user_of(&mut self, t: usize) -> usize {
        t + self.n_tenants() * self.rng.index(USERS_PER_TENANT)
    }

    /// Another user of the same tenant as `u`.
    fn colleague(&mut self, u: usize) -> usize {
        let n = self.n_tenants();
        let k = u / n;
        let other = (k + 1 + self.rng.index(USERS_PER_TENANT - 1)) % USERS_PER_TENANT;
        u % n + n * other
    }

    /// Keeps `HOT_CHAINS` chains running while events remain unplanned.
    fn start_chains(&mut self) {
        while self.hot < HOT_CHAINS && self.planned_total < self.total {
            let start = if self.serial == 0 {
                self.now
            } else {
                self.now + self.rng.range(0, 2_000_000)
            };
            let mut ch = self.plan(start);
            let start = ch.dialect.align(start);
            ch.first_us = start;
            ch.serial = self.serial;
            self.serial += 1;
            let len = ch.steps.len() as u64;
            debug_assert!(len > 0 && self.planned_total + len <= self.total);
            self.planned_total += len;
            self.planned[ch.dialect.idx()] += len;
            self.hot += 1;
            let slot = match self.free_slots.pop() {
                Some(s) => s,
                None => {
                    self.slab.push(None);
                    self.slab.len() - 1
                }
            };
            self.heap.push(Reverse((start, ch.serial, slot)));
            self.slab[slot] = Some(ch);
        }
    }

    fn finish(&mut self, ch: Chain, slot: usize) {
        if !ch.waiting {
            self.hot -= 1;
        }
        if ch.dialect == Dialect::Aximo && ch.kind == AX_LIFECYCLE {
            self.tenants[ch.tenant].deployments[ch.aux].busy = false;
        }
        self.free_slots.push(slot);
    }

    /// Chain length wanted by a flexible chain: 3..=12, mean 7.5.
    fn want_len(&mut self) -> usize {
        3 + self.rng.index(6) + self.rng.index(5)
    }

    /// Among `cands`, the dialect with the fewest planned events (or the runner-up, by coin flip),
    /// so shares stay even whatever the chain lengths.
    fn balanced(&mut self, cands: &[Dialect]) -> Dialect {
        let mut sorted: Vec<Dialect> = cands.to_vec();
        sorted.sort_by_key(|d| self.planned[d.idx()]);
        if sorted.len() > 1 && self.rng.chance(350) {
            sorted[1]
        } else {
            sorted[0]
        }
    }

    fn blank(&mut self, dialect: Dialect, kind: u8, start: i64) -> Chain {
        let tenant = self.rng.index(self.n_tenants());
        let user = self.user_of(tenant);
        let approver = self.colleague(user);
        let trace = hexid(&mut self.rng, "", 32);
        Chain {
            serial: 0,
            dialect,
            kind,
            steps: Vec::new(),
            pos: 0,
            tenant,
            user,
            approver,
            personal: false,
            corr: String::new(),
            trace,
            ids: Vec::with_capacity(12),
            key: String::new(),
            key2: String::new(),
            aux: 0,
            pick: self.rng.index(1 << 16),
            product: "",
            surface: "",
            anomaly: None,
            outcome: Outcome::Approved,
            decide_after_us: 0,
            ttl_us: 0,
            sla_us: 0,
            request_us: None,
            request_id: None,
            first_us: start,
            version: (1, 0, 0),
            ver_before: (1, 0, 0),
            decisions: Vec::new(),
            artifact: String::new(),
            approval: String::new(),
            waiting: false,
            fail: false,
            counter: 0,
        }
    }

    fn plan(&mut self, start: i64) -> Chain {
        let free = self.total - self.planned_total;
        if free <= ENDGAME {
            // Size the chain so that what is left is 0 or a whole chain (>= 3) again.
            let n = if free <= 12 {
                free as usize
            } else {
                self.rng.range(3, (free - 3).min(12) as i64) as usize
            };
            let d = self.balanced(&[
                Dialect::Spine,
                Dialect::Spectral,
                Dialect::ConnectSoft,
                Dialect::Ecosystem,
                Dialect::CloudEvents,
            ]);
            return self.plan_flexible(d, n, start);
        }
        if self.rng.chance(100) {
            let d = self.balanced(&[Dialect::Aximo, Dialect::Ecosystem, Dialect::ConnectSoft]);
            let anomaly = if self.rng.chance(20) {
                Some(self.rng.pick(&[
                    Anomaly::DecisionWithoutRequest,
                    Anomaly::DecidedTwice,
                    Anomaly::ActedWithoutApproval,
                    Anomaly::DecidedAfterExpiry,
                ]))
            } else {
                None
            };
            let mut ch = match d {
                Dialect::Aximo => self.plan_aximo_approval(anomaly, start),
                Dialect::Ecosystem => self.plan_eco_approval(anomaly, start),
                _ => self.plan_cs_approval(anomaly, start),
            };
            ch.anomaly = anomaly;
            return ch;
        }
        let d = self.balanced(&Dialect::ALL);
        let n = self.want_len();
        if d == Dialect::Aximo {
            if self.rng.chance(100) {
                if let Some(ch) = self.plan_aximo_lifecycle(start) {
                    return ch;
                }
            }
            return self.plan_aximo_exec(n, start);
        }
        self.plan_flexible(d, n, start)
    }

    /// A non-approval chain of exactly `n` events (any `n` from 1 to 12).
    fn plan_flexible(&mut self, d: Dialect, n: usize, start: i64) -> Chain {
        let mut ch = self.blank(d, 0, start);
        match d {
            Dialect::Spine => {
                let mut s = self.rng.index(SPINE_SHAPES.len());
                if s == 2 && n > 6 {
                    s = 1;
                }
                ch.aux = s;
                ch.steps = SPINE_SHAPES[s].steps(n);
                ch.corr = uuid4(&mut self.rng);
                ch.key = hexid(&mut self.rng, "", 10);
            }
            Dialect::Spectral => {
                let s = if self.rng.chance(150) {
                    1
                } else if self.rng.chance(200) {
                    2
                } else {
                    0
                };
                ch.aux = self.rng.index(2);
                ch.steps = SPECTRAL_SHAPES[s].steps(n);
                ch.corr = uuid4(&mut self.rng);
                ch.key = uuid4(&mut self.rng); // task id
                ch.key2 = uuid4(&mut self.rng); // conversation id
            }
            Dialect::ConnectSoft => {
                let s = self.rng.pick(&[0usize, 0, 0, 1, 1, 2]);
                ch.aux = s;
                ch.steps = CS_SHAPES[s].steps(n);
                self.cs_ids(&mut ch);
            }
            Dialect::Ecosystem => {
                let s = self.rng.index(ECO_SHAPES.len());
                ch.aux = s;
                ch.product = ECO_SHAPES[s].0;
                ch.steps = ECO_SHAPES[s].1.steps(n);
                self.eco_ids(&mut ch);
            }
            Dialect::CloudEvents => {
                let s = self.rng.index(CE_SHAPES.len());
                ch.aux = s;
                ch.steps = CE_SHAPES[s].steps(n);
                ch.corr = uuid4(&mut self.rng);
                ch.key = hexid(&mut self.rng, "", 8);
            }
            Dialect::Aximo => unreachable!("Aximo chains are planned by plan_aximo_*"),
        }
        ch
    }

    fn cs_ids(&mut self, ch: &mut Chain) {
        ch.corr = hexid(&mut self.rng, "corr-", 12);
        ch.key = hexid(&mut self.rng, "task-", 12);
        ch.key2 = hexid(&mut self.rng, "wf-", 10);
    }

    fn eco_ids(&mut self, ch: &mut Chain) {
        ch.personal = self.rng.chance(300);
        ch.surface = match ch.product {
            "lysnrai" => self.rng.pick(&["desktop", "desktop", "mobile"]),
            "notelett" => self.rng.pick(&["web", "desktop", "mobile"]),
            "cowork" => self.rng.pick(&["desktop", "cli"]),
            "flowmonk" => self.rng.pick(&["web", "mobile"]),
            _ => self.rng.pick(&["desktop", "web"]),
        };
        ch.corr = hexid(&mut self.rng, "corr_", 16);
        let t = ch.first_us;
        ch.key = ulid(&mut self.rng, "ses_", t);
        ch.key2 = ulid(&mut self.rng, "run_", t);
        ch.artifact = ulid(&mut self.rng, "art_", t);
    }

    // ---- Aximo ---------------------------------------------------------------------------

    fn aximo_base(&mut self, kind: u8, start: i64) -> Chain {
        let mut ch = self.blank(Dialect::Aximo, kind, start);
        let deps = &self.tenants[ch.tenant].deployments;
        let active: Vec<usize> = (0..deps.len()).filter(|&i| deps[i].active).collect();
        ch.aux = active[self.rng.index(active.len())];
        ch.version = self.tenants[ch.tenant].deployments[ch.aux].version;
        ch.corr = uuid4(&mut self.rng);
        ch.key = uuid4(&mut self.rng); // execution id
        ch.approval = hexid(&mut self.rng, "apr_", 12);
        ch
    }

    fn plan_aximo_exec(&mut self, n: usize, start: i64) -> Chain {
        let mut ch = self.aximo_base(AX_EXEC, start);
        let n = if n == 4 { 5 } else { n };
        ch.fail = n == 3 || self.rng.chance(70);
        let mut steps = vec![plain("execution_triggered"), plain("execution_processing")];
        if n == 3 {
            steps.push(plain("execution_failed"));
        } else {
            let body = n - 3;
            let pairs = body / 2;
            for p in 0..pairs {
                steps.push(plain("action_prepared"));
                if ch.fail && p + 1 == pairs {
                    steps.push(plain("action_failed"));
                } else {
                    steps.push(plain("action_dispatched"));
                }
            }
            if body % 2 == 1 {
                steps.push(plain("sla_breached"));
            }
            steps.push(plain(if ch.fail {
                "execution_failed"
            } else {
                "execution_completed"
            }));
        }
        ch.steps = steps;
        ch
    }

    fn plan_aximo_approval(&mut self, anomaly: Option<Anomaly>, start: i64) -> Chain {
        let mut ch = self.aximo_base(AX_APPROVAL, start);
        ch.ttl_us = 30 * 60_000_000;
        ch.sla_us = 15 * 60_000_000;
        let r = self.rng.below(100);
        ch.outcome = if r < 72 {
            Outcome::Approved
        } else if r < 90 {
            Outcome::Rejected
        } else {
            Outcome::Expired
        };
        ch.decide_after_us = if self.rng.chance(750) {
            self.rng.range(20_000_000, 5 * 60_000_000)
        } else {
            self.rng.range(5 * 60_000_000, 27 * 60_000_000)
        };
        let mut s = vec![plain("execution_triggered"), plain("execution_processing")];
        if self.rng.chance(500) {
            s.push(plain("action_prepared"));
        }
        let sla = |s: &mut Vec<Step>| {
            s.push(step("sla_breached", Role::Sla));
            s.push(plain("escalation_triggered"));
        };
        match anomaly {
            Some(Anomaly::DecisionWithoutRequest) => {
                ch.outcome = Outcome::Approved;
                s.push(step("approval_granted", Role::Decision));
                s.push(plain("action_dispatched"));
                s.push(plain("execution_completed"));
            }
            Some(Anomaly::DecidedTwice) => {
                ch.outcome = Outcome::Approved;
                ch.decide_after_us = ch.decide_after_us.min(10 * 60_000_000);
                s.push(step("approval_requested", Role::Request));
                s.push(step("approval_granted", Role::Decision));
                s.push(step("approval_rejected", Role::SecondDecision));
                s.push(plain("action_dispatched"));
                s.push(plain("execution_completed"));
            }
            Some(Anomaly::ActedWithoutApproval) => {
                ch.outcome = Outcome::Pending;
                s.push(step("approval_requested", Role::Request));
                s.push(step("action_dispatched", Role::ActUndecided));
                s.push(plain("execution_completed"));
            }
            Some(Anomaly::DecidedAfterExpiry) => {
                ch.outcome = Outcome::Approved;
                s.push(step("approval_requested", Role::Request));
                sla(&mut s);
                s.push(step("approval_timeout", Role::Expiry));
                s.push(step("approval_granted", Role::LateDecision));
                s.push(plain("action_dispatched"));
                s.push(plain("execution_completed"));
            }
            None => {
                s.push(step("approval_requested", Role::Request));
                if ch.outcome == Outcome::Expired || ch.decide_after_us > ch.sla_us {
                    ch.decide_after_us = ch.decide_after_us.max(ch.sla_us + 60_000_000);
                    sla(&mut s);
                }
                match ch.outcome {
                    Outcome::Approved => {
                        s.push(step("approval_granted", Role::Decision));
                        s.push(plain("action_dispatched"));
                        s.push(plain("execution_completed"));
                    }
                    Outcome::Rejected => {
                        s.push(step("approval_rejected", Role::Decision));
                        s.push(plain("execution_completed"));
                    }
                    _ => {
                        s.push(step("approval_timeout", Role::Expiry));
                        s.push(plain("execution_failed"));
                    }
                }
            }
        }
        ch.fail = ch.outcome == Outcome::Expired;
        ch.steps = s;
        ch
    }

    fn plan_aximo_lifecycle(&mut self, start: i64) -> Option<Chain> {
        let mut ch = self.blank(Dialect::Aximo, AX_LIFECYCLE, start);
        ch.corr = uuid4(&mut self.rng);
        let t = ch.tenant;
        let can_create = self.tenants[t].deployments.len() < 6;
        if can_create && self.rng.chance(350) {
            let skill = self.rng.index(SKILLS.len());
            let id = hexid(&mut self.rng, "dep_", 16);
            let name = format!("{} – {}", SKILLS[skill].0, self.tenants[t].slug);
            self.tenants[t].deployments.push(Deployment {
                id,
                skill,
                version: (1, 0, 0),
                max_minor: 0,
                active: false,
                busy: true,
                name,
            });
            ch.aux = self.tenants[t].deployments.len() - 1;
            ch.steps = vec![
                plain("deployment_created"),
                plain("deployment_configured"),
                plain("deployment_activated"),
            ];
            if self.rng.chance(300) {
                ch.steps.push(plain("version_upgraded"));
            }
        } else {
            let deps = &self.tenants[t].deployments;
            let idle: Vec<usize> = (0..deps.len())
                .filter(|&i| deps[i].active && !deps[i].busy)
                .collect();
            if idle.is_empty() {
                return None;
            }
            ch.aux = idle[self.rng.index(idle.len())];
            self.tenants[t].deployments[ch.aux].busy = true;
            ch.steps = vec![plain("deployment_updated"), plain("version_upgraded")];
            if self.rng.chance(250) {
                ch.steps.push(step("version_rolled_back", Role::Later));
            }
            ch.steps.push(plain("deployment_activated"));
        }
        ch.version = self.tenants[t].deployments[ch.aux].version;
        Some(ch)
    }

    // ---- Approval flows in Ecosystem and ConnectSoft ---------------------------------------

    fn approval_outcome(&mut self, pending_per_mille: u64) -> Outcome {
        let r = self.rng.below(1000);
        if r < pending_per_mille {
            Outcome::Pending
        } else if r < pending_per_mille + 700 {
            Outcome::Approved
        } else if r < pending_per_mille + 880 {
            Outcome::Rejected
        } else {
            Outcome::Expired
        }
    }

    fn plan_eco_approval(&mut self, anomaly: Option<Anomaly>, start: i64) -> Chain {
        let mut ch = self.blank(Dialect::Ecosystem, APPROVAL, start);
        ch.product = self.rng.pick(&["actiontrail", "cowork", "cowork"]);
        self.eco_ids(&mut ch);
        ch.approval = hexid(&mut self.rng, "apr_", 16);
        ch.ttl_us = self.rng.pick(&[15i64, 15, 30, 60]) * 60_000_000;
        ch.decide_after_us = self.rng.range(10_000_000, ch.ttl_us / 2);
        ch.outcome = self.approval_outcome(50);
        let mut s = vec![plain("agent.run.started")];
        if self.rng.chance(500) {
            s.push(plain("agent.todo.updated"));
        }
        match anomaly {
            Some(Anomaly::DecisionWithoutRequest) => {
                ch.outcome = Outcome::Approved;
                s.push(step("approval.action.approved", Role::Decision));
                s.push(plain("audit.action.logged"));
                s.push(plain("agent.run.completed"));
            }
            Some(Anomaly::DecidedTwice) => {
                ch.outcome = Outcome::Approved;
                s.push(step("approval.action.requested", Role::Request));
                s.push(step("approval.action.approved", Role::Decision));
                s.push(step(
                    self.rng
                        .pick(&["approval.action.denied", "approval.action.approved"]),
                    Role::SecondDecision,
                ));
                s.push(plain("audit.action.logged"));
                s.push(plain("agent.run.completed"));
            }
            Some(Anomaly::ActedWithoutApproval) => {
                ch.outcome = Outcome::Pending;
                s.push(step("approval.action.requested", Role::Request));
                s.push(step("audit.action.logged", Role::ActUndecided));
                s.push(plain("agent.run.completed"));
            }
            Some(Anomaly::DecidedAfterExpiry) => {
                ch.outcome = Outcome::Approved;
                s.push(step("approval.action.requested", Role::Request));
                s.push(step("approval.action.expired", Role::Expiry));
                s.push(step("approval.action.approved", Role::LateDecision));
                s.push(plain("audit.action.logged"));
                s.push(plain("agent.run.completed"));
            }
            None => {
                s.push(step("approval.action.requested", Role::Request));
                match ch.outcome {
                    Outcome::Approved => {
                        s.push(step("approval.action.approved", Role::Decision));
                        s.push(plain("audit.action.logged"));
                        s.push(plain("agent.run.completed"));
                    }
                    Outcome::Rejected => {
                        s.push(step("approval.action.denied", Role::Decision));
                        s.push(plain("agent.run.completed"));
                    }
                    Outcome::Expired => {
                        s.push(step("approval.action.expired", Role::Expiry));
                        s.push(plain("agent.run.failed"));
                    }
                    Outcome::Pending => s.push(plain("agent.run.paused")),
                }
            }
        }
        ch.steps = s;
        ch
    }

    fn plan_cs_approval(&mut self, anomaly: Option<Anomaly>, start: i64) -> Chain {
        let mut ch = self.blank(Dialect::ConnectSoft, APPROVAL, start);
        self.cs_ids(&mut ch);
        ch.approval = hexid(&mut self.rng, "apr-", 12);
        ch.ttl_us = 4 * 3_600_000_000;
        ch.decide_after_us = if self.rng.chance(700) {
            self.rng.range(60_000_000, 20 * 60_000_000)
        } else {
            self.rng.range(20 * 60_000_000, 90 * 60_000_000)
        };
        ch.outcome = match self.approval_outcome(50) {
            Outcome::Expired => Outcome::Rejected,
            o => o,
        };
        let mut s = vec![plain("AgentTaskStarted"), plain("ArtifactCreated")];
        if self.rng.chance(400) {
            s.push(plain("BuildSucceeded"));
        }
        let deploy = |s: &mut Vec<Step>| {
            s.push(plain("DeploymentStarted"));
            s.push(plain("DeploymentCompleted"));
        };
        match anomaly {
            Some(Anomaly::DecisionWithoutRequest) => {
                ch.outcome = Outcome::Approved;
                s.push(step("ApprovalGranted", Role::Decision));
                deploy(&mut s);
            }
            Some(Anomaly::DecidedTwice) => {
                ch.outcome = Outcome::Approved;
                s.push(step("ApprovalRequested", Role::Request));
                s.push(step("ApprovalGranted", Role::Decision));
                s.push(step("ApprovalRejected", Role::SecondDecision));
                deploy(&mut s);
            }
            Some(Anomaly::ActedWithoutApproval) => {
                ch.outcome = Outcome::Pending;
                s.push(step("ApprovalRequested", Role::Request));
                s.push(step("DeploymentStarted", Role::ActUndecided));
                s.push(plain("DeploymentCompleted"));
            }
            Some(Anomaly::DecidedAfterExpiry) => {
                ch.outcome = Outcome::Approved;
                s.push(step("ApprovalRequested", Role::Request));
                s.push(step("ApprovalGranted", Role::LateDecision));
                deploy(&mut s);
            }
            None => {
                s.push(step("ApprovalRequested", Role::Request));
                match ch.outcome {
                    Outcome::Approved => {
                        s.push(step("ApprovalGranted", Role::Decision));
                        deploy(&mut s);
                        s.push(plain("AgentTaskCompleted"));
                    }
                    Outcome::Rejected | Outcome::Expired => {
                        s.push(step("ApprovalRejected", Role::Decision));
                        s.push(plain("AgentTaskCompleted"));
                    }
                    Outcome::Pending => {}
                }
            }
        }
        ch.steps = s;
        ch
    }

    // ---- Timing ----------------------------------------------------------------------------

    /// When the chain's next step happens, given that the previous one happened at `ts`.
    fn next_time(&mut self, ch: &Chain, ts: i64) -> i64 {
        let next = ch.steps[ch.pos];
        let t = match (next.role, ch.request_us) {
            (Role::Decision, Some(r)) => r + ch.decide_after_us,
            (Role::Decision, None) => ts + self.rng.range(20_000_000, 4 * 60_000_000),
            (Role::SecondDecision, _) => ts + self.rng.range(10_000_000, 8 * 60_000_000),
            (Role::LateDecision, Some(r)) => {
                r + ch.ttl_us + self.rng.range(2 * 60_000_000, 45 * 60_000_000)
            }
            (Role::Expiry, Some(r)) => r + ch.ttl_us + self.rng.range(0, 2_000_000),
            (Role::Sla, Some(r)) => r + ch.sla_us + self.rng.range(0, 3_000_000),
            (Role::ActUndecided, _) => ts + self.rng.range(30_000_000, 3 * 60_000_000),
            (Role::Later, _) => ts + self.rng.range(3 * 60_000_000, 15 * 60_000_000),
            _ => ts + self.rng.range(500_000, 3_000_000),
        };
        ch.dialect.align(t.max(ts + 1_000))
    }

    // ---- Emission --------------------------------------------------------------------------

    fn emit(&mut self, ch: &mut Chain, ts: i64) {
        let st = ch.steps[ch.pos];
        let id = match ch.dialect {
            Dialect::Spine | Dialect::Aximo | Dialect::CloudEvents => uuid4(&mut self.rng),
            Dialect::Spectral => uuid7(&mut self.rng, ts),
            Dialect::ConnectSoft => {
                let mut s = String::with_capacity(40);
                s.push_str("evt-");
                s.push_str(&uuid4(&mut self.rng));
                s
            }
            Dialect::Ecosystem => {
                if ch.product == "flowmonk" {
                    uuid4(&mut self.rng)
                } else {
                    ulid(&mut self.rng, "evt_", ts)
                }
            }
        };
        if st.role == Role::Request {
            ch.request_us = Some(ts);
        }
        self.j.begin_line();
        match ch.dialect {
            Dialect::Spine => self.spine(ch, st, ts, &id),
            Dialect::Aximo => self.aximo(ch, st, ts, &id),
            Dialect::Spectral => self.spectral(ch, st, ts, &id),
            Dialect::ConnectSoft => self.connectsoft(ch, st, ts, &id),
            Dialect::Ecosystem => self.ecosystem(ch, st, ts, &id),
            Dialect::CloudEvents => self.cloudevents(ch, st, ts, &id),
        }
        self.j.end_line();
        if st.role == Role::Request {
            ch.request_id = Some(id.clone());
        }
        ch.ids.push(id);
        ch.pos += 1;
        ch.counter += 1;
    }

    fn user(&self, u: usize) -> &User {
        &self.users[u]
    }

    // ---- Event Spine (seed 000) ------------------------------------------------------------

    fn spine(&mut self, ch: &mut Chain, st: Step, ts: i64, id: &str) {
        let ty = st.ty;
        let source = if ty.starts_with("code.upload") {
            "meshos.upload-gateway"
        } else if ty.starts_with("code.") {
            "meshos.analysis-worker"
        } else if ty.starts_with("review.") {
            "meshos.review-service"
        } else if ty.starts_with("readiness.") || ty.starts_with("component.") {
            "meshos.registry"
        } else if ty.starts_with("lead.enriched") {
            "axis.enrichment"
        } else if ty.starts_with("lead.") {
            "axis.leads"
        } else if ty.starts_with("compliance.") || ty.starts_with("campaign.") {
            "axis.compliance"
        } else if ty.starts_with("outreach.") || ty.starts_with("meeting.") {
            "axis.outreach"
        } else if ty.starts_with("contract.compiled") || ty.starts_with("contract.audit") {
            "contracts.compiler"
        } else if ty.starts_with("contract.") {
            "contracts.deployer"
        } else {
            "contracts.monitor"
        };
        let tenant = self.tenants[ch.tenant].slug.clone();
        let uid = self.users[ch.user].id.clone();
        let j = &mut self.j;
        j.s("eventId", id);
        j.s("type", ty);
        j.s("source", source);
        j.s("orgId", &tenant);
        j.ts("timestamp", ts, Prec::Millis);
        j.obj("data");
        let rng = &mut self.rng;
        let repo = REPOS[ch.pick % REPOS.len()];
        let n = ch.counter as usize;
        match ty {
            "code.upload.complete" => {
                j.f("uploadId", format_args!("upl_{}", ch.key));
                j.s("repository", repo);
                j.s(
                    "branch",
                    rng.pick(&[
                        "main",
                        "develop",
                        "feature/checkout-v2",
                        "fix/token-refresh",
                    ]),
                );
                j.f(
                    "commitSha",
                    format_args!("{}", hexid(rng, "", 32) + &hexid(rng, "", 8)),
                );
                j.s("commitMessage", rng.pick(COMMIT_MESSAGES));
                j.i("fileCount", rng.range(3, 480));
                j.i("sizeBytes", rng.range(12_000, 48_000_000));
                j.s(
                    "uploadedVia",
                    rng.pick(&["github-app", "cli", "gitlab-webhook"]),
                );
            }
            "code.analysis.complete" => {
                j.f("analysisId", format_args!("ana_{}", ch.key));
                j.s("language", LANGUAGES[ch.pick % LANGUAGES.len()]);
                j.i("linesOfCode", rng.range(800, 240_000));
                j.obj("issues");
                j.i("critical", rng.range(0, 3));
                j.i("major", rng.range(0, 25));
                j.i("minor", rng.range(0, 140));
                j.end();
                j.i("durationMs", rng.range(4_000, 380_000));
                j.f(
                    "reportUrl",
                    format_args!("https://meshos.app/{}/analyses/ana_{}", tenant, ch.key),
                );
            }
            "review.started" => {
                j.f("reviewId", format_args!("rev_{}", ch.key));
                j.arr("agents");
                for a in &REVIEW_AGENTS[..5] {
                    j.item(a);
                }
                j.end_arr();
                j.f(
                    "pullRequest",
                    format_args!(
                        "https://github.com/{}/{}/pull/{}",
                        tenant,
                        repo,
                        1000 + ch.pick % 9000
                    ),
                );
                j.s("trigger", "pull_request.synchronize");
            }
            "review.agent.complete" => {
                j.f("reviewId", format_args!("rev_{}", ch.key));
                j.s("agent", REVIEW_AGENTS[(n + ch.pick) % REVIEW_AGENTS.len()]);
                j.i("score", rng.range(52, 99));
                j.i("findings", rng.range(0, 14));
                j.i("durationMs", rng.range(6_000, 95_000));
                j.s(
                    "model",
                    rng.pick(&["review-large-2026-09", "review-fast-2026-10"]),
                );
                j.s(
                    "summary",
                    rng.pick(&[
                        "No blocking issues; two suggestions on error handling in retry loop.",
                        "Possible N+1 query in OrderRepository.list_for_customer().",
                        "Input to `render_template` is not escaped; see finding #3.",
                        "Test coverage for the new branch is 41% (threshold 60%).",
                    ]),
                );
            }
            "review.complete" => {
                j.f("reviewId", format_args!("rev_{}", ch.key));
                j.i("readinessScore", rng.range(55, 98));
                j.s(
                    "verdict",
                    rng.pick(&["approve", "approve", "request_changes", "comment"]),
                );
                j.i("agentsCompleted", 5);
                j.i("totalFindings", rng.range(0, 40));
                j.i("durationMs", rng.range(60_000, 600_000));
            }
            "readiness.score.changed" => {
                j.f("componentId", format_args!("cmp_{}", repo));
                j.i("previousScore", rng.range(40, 80));
                j.i("score", rng.range(60, 99));
                j.s("reason", "review.complete");
                j.s("stage", "staging");
            }
            "component.promoted" => {
                j.f("componentId", format_args!("cmp_{}", repo));
                j.s("fromStage", "staging");
                j.s("toStage", "production");
                j.f("version", format_args!("2.{}.{}", ch.pick % 30, n));
                j.s("promotedBy", &uid);
            }
            "lead.created" | "lead.enriched" | "lead.qualified" => {
                let company = CUSTOMERS[ch.pick % CUSTOMERS.len()];
                j.f("leadId", format_args!("lead_{}", ch.key));
                j.f("campaignId", format_args!("cmp_{}", ch.pick % 97));
                j.s("company", company);
                j.f(
                    "website",
                    format_args!("https://{}.example", slugify(company)),
                );
                j.s("city", CITIES[ch.pick % CITIES.len()]);
                j.s("assignedTo", &uid);
                if ty == "lead.enriched" {
                    j.s(
                        "provider",
                        rng.pick(&["clearbit", "apollo", "people-data-labs", "zoominfo"]),
                    );
                    j.s(
                        "industry",
                        rng.pick(&["dental", "legal", "home services", "retail", "logistics"]),
                    );
                    j.s("employeeRange", rng.pick(&["1-10", "11-50", "51-200"]));
                    j.i("confidence", rng.range(55, 99));
                    j.i("fieldsAdded", rng.range(2, 14));
                } else if ty == "lead.qualified" {
                    j.i("score", rng.range(61, 97));
                    j.s(
                        "reason",
                        "fits ICP: SMB, uses online booking, replied to previous campaign",
                    );
                } else {
                    j.s(
                        "sourceChannel",
                        rng.pick(&["landing_page", "csv_import", "partner_referral"]),
                    );
                }
            }
            "outreach.queued" | "outreach.sent" | "outreach.delivered" | "outreach.opened"
            | "outreach.replied" => {
                let company = CUSTOMERS[ch.pick % CUSTOMERS.len()];
                j.f("messageId", format_args!("msg_{}", ch.key));
                j.f("leadId", format_args!("lead_{}", ch.key));
                j.f("campaignId", format_args!("cmp_{}", ch.pick % 97));
                j.s(
                    "channel",
                    if ch.pick % 3 == 0 {
                        "linkedin"
                    } else {
                        "email"
                    },
                );
                j.f(
                    "subject",
                    format_args!("Quick question about {company}'s online booking"),
                );
                j.f(
                    "idempotencyKey",
                    format_args!("outreach:lead_{}:step-1", ch.key),
                );
                j.i(
                    "attempt",
                    if ty == "outreach.sent" {
                        rng.range(1, 3)
                    } else {
                        1
                    },
                );
                j.s(
                    "provider",
                    rng.pick(&["postmark", "sendgrid", "linkedin-api"]),
                );
                if ty == "outreach.replied" {
                    j.s(
                        "sentiment",
                        rng.pick(&["positive", "neutral", "not_interested"]),
                    );
                }
            }
            "meeting.booked" => {
                j.f("leadId", format_args!("lead_{}", ch.key));
                j.f("meetingId", format_args!("mtg_{}", hexid(rng, "", 10)));
                j.ts(
                    "startsAt",
                    ts + rng.range(1, 14) * 86_400_000_000,
                    Prec::Millis,
                );
                j.i("durationMinutes", rng.pick(&[15, 30, 45]));
                j.s("calendar", "google");
                j.s("bookedWith", &uid);
            }
            "contract.deployment.requested" => {
                j.s(
                    "contractName",
                    rng.pick(&["EscrowVault", "RevenueSplitter", "LoyaltyPoints"]),
                );
                j.s(
                    "network",
                    rng.pick(&["ethereum-mainnet", "base", "polygon-pos", "sepolia"]),
                );
                j.f("deployer", format_args!("0x{}", hexid(rng, "", 40)));
                j.i("gasLimit", rng.range(800_000, 6_000_000));
                j.s("requestedBy", &uid);
                j.s("approvalPolicy", "two-person-rule");
            }
            "compliance.check.passed" | "compliance.check.blocked" => {
                j.f("leadId", format_args!("lead_{}", ch.key));
                j.s(
                    "jurisdiction",
                    rng.pick(&["EU-GDPR", "US-CAN-SPAM", "CA-CASL", "UK-PECR"]),
                );
                j.s(
                    "rule",
                    rng.pick(&["consent_on_record", "do_not_contact_list", "quiet_hours"]),
                );
                j.bool("blocked", ty.ends_with("blocked"));
                j.s("checkedBy", "axis-compliance-engine 3.4.1");
            }
            "outreach.suppressed" | "campaign.suppression.applied" => {
                j.f("leadId", format_args!("lead_{}", ch.key));
                j.f("campaignId", format_args!("cmp_{}", ch.pick % 97));
                j.s(
                    "reason",
                    "compliance.check.blocked: recipient is on the do-not-contact list",
                );
                j.i("suppressedRecipients", rng.range(1, 40));
            }
            "contract.compiled" | "contract.audit.complete" => {
                j.s(
                    "contractName",
                    rng.pick(&[
                        "EscrowVault",
                        "RevenueSplitter",
                        "LoyaltyPoints",
                        "VestingWallet",
                    ]),
                );
                j.s("compilerVersion", "solc 0.8.28+commit.7893614a");
                j.i("bytecodeSize", rng.range(4_000, 24_000));
                j.i("warnings", rng.range(0, 6));
                j.f("sourceHash", format_args!("0x{}", hexid(rng, "", 32)));
            }
            _ => {
                // deployments, transactions and anomalies
                j.s(
                    "network",
                    rng.pick(&["ethereum-mainnet", "base", "polygon-pos", "sepolia"]),
                );
                j.f(
                    "txHash",
                    format_args!("0x{}{}", hexid(rng, "", 32), hexid(rng, "", 32)),
                );
                j.f("contractAddress", format_args!("0x{}", hexid(rng, "", 40)));
                j.i("blockNumber", 21_000_000 + (ts / 12_000_000) % 1_000_000);
                j.i("gasUsed", rng.range(21_000, 2_400_000));
                if ty == "contract.failed" {
                    j.s("revertReason", "Ownable: caller is not the owner");
                } else if ty == "anomaly.detected" {
                    j.s(
                        "kind",
                        rng.pick(&["unusual_gas_spike", "large_outflow", "repeated_reverts"]),
                    );
                    j.s("severity", rng.pick(&["medium", "high"]));
                } else if ty == "transaction.executed" {
                    j.s(
                        "method",
                        rng.pick(&["release(uint256)", "deposit()", "claim(address)"]),
                    );
                }
            }
        }
        j.end();
        j.obj("metadata");
        j.s("correlationId", &ch.corr);
        j.s("userId", &uid);
        j.arr("tags");
        let platform = source.split('.').next().unwrap_or("meshos");
        j.item(platform);
        j.item(ty.split('.').next().unwrap_or(ty));
        j.item(if ch.pick % 3 == 0 {
            "env:production"
        } else {
            "env:staging"
        });
        j.item(
            [
                "region:eu-west-1",
                "region:us-east-1",
                "region:ap-northeast-1",
            ][ch.pick % 3],
        );
        j.end_arr();
        j.end();
    }

    // ---- Aximo (seed 001) ------------------------------------------------------------------

    fn aximo(&mut self, ch: &mut Chain, st: Step, ts: i64, id: &str) {
        let ty = st.ty;
        let t = ch.tenant;
        let lifecycle = ch.kind == AX_LIFECYCLE;
        // Lifecycle events change the deployment as they are emitted.
        if lifecycle {
            let dep = &mut self.tenants[t].deployments[ch.aux];
            match ty {
                "version_upgraded" => {
                    ch.ver_before = dep.version;
                    dep.max_minor += 1;
                    dep.version = (dep.version.0, dep.max_minor, 0);
                }
                "version_rolled_back" => {
                    // Back to the version before the upgrade; remember the bad one for `from`.
                    std::mem::swap(&mut dep.version, &mut ch.ver_before);
                }
                "deployment_activated" => dep.active = true,
                _ => {}
            }
            ch.version = dep.version;
        }
        let dep = &self.tenants[t].deployments[ch.aux];
        let (skill_id, action_type, channel, action_desc, target) = SKILLS[dep.skill];
        let dep_id = dep.id.clone();
        let dep_name = dep.name.clone();
        let tenant = self.tenants[t].slug.clone();
        let approval_flow = ch.kind == AX_APPROVAL;
        let risk = if lifecycle {
            None
        } else if approval_flow {
            Some(if ch.pick % 3 == 0 { "high" } else { "medium" })
        } else {
            Some(if ch.pick % 4 == 0 { "medium" } else { "low" })
        };
        let mode = if lifecycle {
            None
        } else if approval_flow {
            Some("required")
        } else {
            Some(if ch.pick % 5 == 0 {
                "conditional"
            } else {
                "auto"
            })
        };
        let actor = match (ty, st.role) {
            ("execution_triggered", _) => {
                if ch.pick % 4 == 0 {
                    "system"
                } else {
                    "external_user"
                }
            }
            (_, Role::Decision | Role::SecondDecision | Role::LateDecision) => {
                if ch.pick % 2 == 0 {
                    "founder"
                } else {
                    "operator"
                }
            }
            ("escalation_triggered", _) | ("sla_breached", _) => "system",
            _ if lifecycle => {
                if ch.pick % 3 == 0 {
                    "founder"
                } else {
                    "operator"
                }
            }
            _ => "system",
        };
        let decider = self.users[ch.approver].id.clone();
        let elapsed_ms = (ts - ch.first_us) / 1000;
        let version = fmt_version(ch.version);
        let j = &mut self.j;
        let rng = &mut self.rng;
        j.s("event_id", id);
        j.s("event_type", ty);
        j.ts("timestamp", ts, Prec::Micros);
        j.s("customer_id", &tenant);
        j.s("deployment_id", &dep_id);
        j.s("skill_id", skill_id);
        j.s("skill_version", &version);
        if lifecycle {
            j.null("execution_id");
        } else {
            j.s("execution_id", &ch.key);
        }
        j.os("risk_level", risk);
        j.os("approval_mode", mode);
        j.s("actor", actor);
        j.obj("payload");
        let mut error_code: Option<&str> = None;
        let mut latency: Option<i64> = None;
        let customer = CUSTOMERS[ch.pick % CUSTOMERS.len()];
        // Same id for an action's `action_prepared` and its `action_dispatched` / `action_failed`.
        let action_no = ch.steps[..=ch.pos]
            .iter()
            .filter(|s| s.ty == "action_prepared")
            .count()
            .max(1);
        let action_id = format!("act_{}_{}", ch.key.get(..8).unwrap_or("none"), action_no);
        match ty {
            "execution_triggered" => {
                j.s("trigger", AXIMO_TRIGGERS[ch.pick % AXIMO_TRIGGERS.len()]);
                j.f(
                    "input_summary",
                    format_args!(
                        "Inbound request from {} ({}) via {}",
                        customer,
                        CITIES[ch.pick % CITIES.len()],
                        channel
                    ),
                );
                j.i("attempt", 1);
                j.s(
                    "locale",
                    rng.pick(&["en-US", "de-CH", "pt-BR", "en-GB", "ja-JP"]),
                );
            }
            "execution_processing" => {
                j.s("stage", "intent_classification");
                j.s("intent", INTENTS[ch.pick % INTENTS.len()]);
                j.d2("confidence", rng.range(71, 99));
                j.i("tokens_in", rng.range(300, 4_200));
                j.i("tokens_out", rng.range(40, 900));
                latency = Some(rng.range(180, 4_500));
            }
            "action_prepared" => {
                j.s("action_type", action_type);
                j.s("action_id", &action_id);
                j.s("target", target);
                j.f("preview", format_args!("{} for {}", action_desc, customer));
                j.bool("requires_approval", approval_flow);
            }
            "action_dispatched" | "action_failed" => {
                j.s("action_type", action_type);
                j.s("action_id", &action_id);
                j.s("target", target);
                j.i("attempt", if ty == "action_failed" { 3 } else { 1 });
                if ty == "action_failed" {
                    j.i("http_status", rng.pick(&[502, 503, 429, 401]));
                    j.bool("retryable", false);
                    j.s(
                        "message",
                        "provider returned an error after 3 attempts; giving up",
                    );
                    error_code = Some("PROVIDER_UNAVAILABLE");
                } else {
                    j.i("http_status", rng.pick(&[200, 201, 202]));
                    j.f("provider_ref", format_args!("{}", hexid(rng, "ext_", 14)));
                    match st.role {
                        Role::ActUndecided => j.null("approval_id"),
                        _ if approval_flow => j.s("approval_id", &ch.approval),
                        _ => {}
                    }
                }
                latency = Some(rng.range(90, 2_800));
            }
            "execution_completed" | "execution_failed" => {
                let outcome = match ch.outcome {
                    _ if ty == "execution_failed" => "failed",
                    Outcome::Rejected if approval_flow => "rejected_by_approver",
                    _ => "success",
                };
                j.s("outcome", outcome);
                let dispatched = ch.steps[..ch.pos]
                    .iter()
                    .filter(|s| s.ty == "action_dispatched")
                    .count();
                j.i("actions_dispatched", dispatched as i64);
                j.i("duration_ms", elapsed_ms);
                j.i("billable_units", dispatched as i64 + 1);
                if ty == "execution_failed" {
                    if approval_flow {
                        j.s(
                            "message",
                            "approval not granted before timeout; nothing was dispatched",
                        );
                        error_code = Some("APPROVAL_TIMEOUT");
                    } else if ch.steps.len() == 3 {
                        j.s(
                            "message",
                            "input failed validation: missing required field \"email\"",
                        );
                        error_code = Some("INVALID_INPUT");
                    } else {
                        j.s(
                            "message",
                            "action could not be dispatched; customer notified by fallback email",
                        );
                        error_code = Some("ACTION_DISPATCH_FAILED");
                    }
                }
                latency = Some(elapsed_ms);
            }
            "approval_requested" => {
                let timeout_at = ts + ch.ttl_us;
                j.s("approval_id", &ch.approval);
                j.s("action_type", action_type);
                j.f(
                    "action_summary",
                    format_args!("{} for {}", action_desc, customer),
                );
                j.s("requested_from", "founder");
                j.s("policy", "risk_medium_or_above_requires_human");
                j.ts("timeout_at", timeout_at, Prec::Micros);
                j.arr("notified_via");
                j.item("email");
                j.item("mobile_push");
                j.end_arr();
            }
            "approval_granted" | "approval_rejected" => {
                j.s("approval_id", &ch.approval);
                j.s("decided_by", &decider);
                let lat = ch.request_us.map(|r| (ts - r) / 1000);
                match lat {
                    Some(l) => j.i("decision_latency_ms", l),
                    None => j.null("decision_latency_ms"),
                }
                if ty == "approval_granted" {
                    j.s(
                        "comment",
                        rng.pick(&[
                            "ok, go ahead",
                            "Approved — customer confirmed by phone",
                            "fine",
                        ]),
                    );
                } else {
                    j.s(
                        "reason",
                        rng.pick(&[
                            "Wrong recipient",
                            "Price in quote is outdated",
                            "Customer asked us not to contact them",
                        ]),
                    );
                }
                j.s(
                    "decided_via",
                    rng.pick(&["mobile_app", "email_link", "dashboard"]),
                );
            }
            "approval_timeout" => {
                j.s("approval_id", &ch.approval);
                j.i("timeout_after_ms", ch.ttl_us / 1000);
                j.s("fallback", "do_not_dispatch");
                j.s("notified", "founder,operator");
            }
            "sla_breached" => {
                if approval_flow {
                    j.s("sla", "approval_response");
                    j.i("threshold_ms", ch.sla_us / 1000);
                } else {
                    j.s("sla", "execution_duration");
                    j.i("threshold_ms", 30_000);
                }
                j.i("elapsed_ms", elapsed_ms);
                j.s("tier", "standard");
            }
            "escalation_triggered" => {
                j.s("escalated_to", "operator");
                j.i("escalation_level", 1);
                j.s("reason", "approval pending beyond SLA");
                j.s("channel", "pagerduty");
            }
            "deployment_created" => {
                j.s("deployment_name", &dep_name);
                j.s("initial_version", "1.0.0");
                j.s("environment", "production");
                j.s("created_by", &decider);
                j.s("template", "smb-standard-v4");
            }
            "deployment_configured" => {
                j.arr("settings_changed");
                j.item("business_hours");
                j.item("channels");
                j.item("approval_mode");
                j.end_arr();
                j.arr("channels");
                j.item(channel);
                j.item("email");
                j.end_arr();
                j.s("approval_mode", "conditional");
                j.s("configured_by", &decider);
            }
            "deployment_activated" => {
                j.s("version", &version);
                j.s("activated_by", &decider);
                j.s(
                    "previous_state",
                    if ch.counter == 2 {
                        "configured"
                    } else {
                        "updating"
                    },
                );
                j.i("channels_live", rng.range(1, 3));
            }
            "deployment_updated" => {
                j.arr("changed_fields");
                j.item("prompt_pack");
                j.item("escalation_contacts");
                j.end_arr();
                j.f(
                    "change_ticket",
                    format_args!("CHG-{}", 1000 + ch.pick % 9000),
                );
                j.s("updated_by", &decider);
            }
            "version_upgraded" => {
                j.s("from_version", &fmt_version(ch.ver_before));
                j.s("to_version", &version);
                j.f(
                    "release_notes_url",
                    format_args!(
                        "https://docs.aximo.works/skills/{}/releases/{}",
                        skill_id, version
                    ),
                );
                j.s(
                    "changelog",
                    "Improved intent detection for rescheduling; new fallback template",
                );
            }
            "version_rolled_back" => {
                j.s("from_version", &fmt_version(ch.ver_before));
                j.s("to_version", &version);
                j.s("reason", "error rate above 5% after the upgrade");
                j.d2("error_rate_pct", rng.range(520, 1900));
                error_code = Some("ROLLBACK_ERROR_RATE");
            }
            _ => {}
        }
        j.end();
        j.s("correlation_id", &ch.corr);
        if !lifecycle {
            j.s("channel_type", channel);
        }
        if let Some(e) = error_code {
            j.s("error_code", e);
        }
        if let Some(l) = latency {
            j.i("latency_ms", l);
        }
    }

    // ---- Spectral (seed 002) ---------------------------------------------------------------

    fn spectral(&mut self, ch: &mut Chain, st: Step, ts: i64, id: &str) {
        let ty = st.ty;
        let t = ch.tenant;
        if ty == "worlds.world_model_card.published" {
            self.tenants[t].domains[ch.aux].version += 1;
        }
        let dom = &self.tenants[t].domains[ch.aux];
        let domain_id = dom.id.clone();
        let world_id = dom.world_id.clone();
        let wmv = dom.version;
        let tenant = self.tenants[t].slug.clone();
        let uid = self.users[ch.user].id.clone();
        let releaser = self.users[ch.approver].id.clone();
        let rng = &mut self.rng;
        let decision_id = if ty == "decision.recorded" {
            let d = uuid4(rng);
            ch.decisions.push(d.clone());
            d
        } else {
            String::new()
        };
        let (source, target) = match ty {
            "worlds.world_model_card.published" => ("spectral.worlds", "spectral.platform"),
            "override_pattern_signal.aggregated" => ("spectral.platform", "spectral.worlds"),
            _ => ("spectral.platform", "spectral.platform"),
        };
        let j = &mut self.j;
        j.s("event_id", id);
        j.s("event_type", ty);
        j.i("event_version", 1);
        j.ts("occurred_at", ts, Prec::Micros);
        j.s("source", source);
        j.s("target", target);
        j.s("domain_id", &domain_id);
        j.obj("payload");
        j.s("org_id", &tenant);
        j.s("domain_id", &domain_id);
        let idem: String = match ty {
            "agent_task.created" => {
                j.s("task_id", &ch.key);
                j.s("conversation_id", &ch.key2);
                j.s("user_id", &uid);
                j.s(
                    "title",
                    rng.pick(&[
                        "Review refund request #48213 against policy R-7",
                        "Assess credit-limit increase for account 7781-22",
                        "Triage claim CLM-20931 (water damage, \"urgent\")",
                        "Check whether late fee can be waived for long-time customer",
                    ]),
                );
                j.s("channel", rng.pick(&["web", "api", "slack"]));
                j.s("priority", rng.pick(&["normal", "high"]));
                format!("agent_task.created:{}", ch.key)
            }
            "decision.recorded" => {
                j.s(
                    "action",
                    DECISION_ACTIONS[(ch.pick + ch.counter as usize) % DECISION_ACTIONS.len()],
                );
                j.s("decision_id", &decision_id);
                j.s("status", rng.pick(DECISION_STATUSES));
                j.i("world_model_version", i64::from(wmv));
                j.ts("recorded_at", ts - rng.range(1_000, 400_000), Prec::Micros);
                j.bool("flagged", rng.chance(120));
                decision_id.clone()
            }
            "worlds.world_model_card.published" => {
                j.i("world_model_version", i64::from(wmv));
                j.f(
                    "authority_summary",
                    format_args!(
                        "{} may approve refunds up to 500 EUR; above that requires a human",
                        tenant
                    ),
                );
                j.s(
                    "provenance_summary",
                    "3 policy documents, 1,204 historical decisions",
                );
                j.obj("configuration_snapshot");
                j.s("risk_appetite", rng.pick(&["conservative", "balanced"]));
                j.i("max_auto_amount_eur", 500);
                j.end();
                j.s("action_registry_summary", "6 actions");
                j.s(
                    "restatement_summary",
                    "2 rules restated after override review",
                );
                j.ts("published_at", ts, Prec::Micros);
                j.s("released_by", &releaser);
                format!("worlds.world_model_card.published:{}:{}", domain_id, wmv)
            }
            _ => {
                let cluster = hexid(rng, "cl_", 12);
                j.s("event_id", id);
                j.s("world_id", &world_id);
                j.s("pattern_type", "repeated_override");
                j.f(
                    "pattern_key",
                    format_args!(
                        "action={};status=denied->allowed",
                        DECISION_ACTIONS[ch.pick % DECISION_ACTIONS.len()]
                    ),
                );
                j.i("signal_count", rng.range(12, 180));
                j.arr("representative_decision_ids");
                for d in ch.decisions.iter().rev().take(3) {
                    j.item_obj();
                    j.s("org_id", &tenant);
                    j.s("domain_id", &domain_id);
                    j.s("decision_id", d);
                    j.end();
                }
                j.end_arr();
                j.s("cluster_id", &cluster);
                j.ts("observed_at", ts, Prec::Micros);
                format!("override_pattern_signal.aggregated:{}", cluster)
            }
        };
        j.end();
        j.s("idempotency_key", &idem);
        j.obj("trace_context");
        j.f(
            "traceparent",
            format_args!("00-{}-{}-01", ch.trace, hexid(rng, "", 16)),
        );
        j.s("correlation_id", &ch.corr);
        j.end();
    }

    // ---- ConnectSoft (seed 003) ------------------------------------------------------------

    fn connectsoft(&mut self, ch: &mut Chain, st: Step, ts: i64, id: &str) {
        let ty = st.ty;
        let tenant = self.tenants[ch.tenant].slug.clone();
        let uid = self.users[ch.user].id.clone();
        let approver = self.users[ch.approver].id.clone();
        let project = PROJECTS[ch.pick % PROJECTS.len()];
        let module = MODULES[(ch.pick / 7) % MODULES.len()];
        let agent = CS_AGENTS[(ch.pick / 3) % CS_AGENTS.len()];
        let causation = match st.role {
            Role::Decision | Role::SecondDecision | Role::LateDecision
                if ch.request_id.is_some() =>
            {
                ch.request_id.clone()
            }
            _ => ch.ids.last().cloned(),
        };
        let j = &mut self.j;
        let rng = &mut self.rng;
        j.s("eventId", id);
        j.s("eventType", ty);
        j.s("tenantId", &tenant);
        j.s("projectId", project);
        j.s("moduleId", module);
        j.f("traceId", format_args!("trace-{}", &ch.trace[..16]));
        j.s("correlationId", &ch.corr);
        j.os("causationId", causation.as_deref());
        j.ts("occurredAt", ts, Prec::Millis);
        j.obj("payload");
        let short = &project[5..];
        let artifact = format!("art-{}-{}", &ch.key[5..13], ch.counter.min(3));
        match ty {
            "AgentTaskStarted" => {
                j.s("agentId", agent);
                j.s("taskId", &ch.key);
                j.s("workflowId", &ch.key2);
                j.s(
                    "skillId",
                    rng.pick(&[
                        "generate-rest-api",
                        "write-unit-tests",
                        "design-domain-model",
                        "create-pipeline",
                    ]),
                );
                j.s("requestedBy", &uid);
                j.f(
                    "goal",
                    format_args!("Implement booking cancellation endpoint for {}", short),
                );
                j.i("maxTokens", 64_000);
            }
            "AgentTaskCompleted" => {
                j.s("agentId", agent);
                j.s("taskId", &ch.key);
                j.s(
                    "status",
                    match ch.outcome {
                        Outcome::Rejected if ch.kind == APPROVAL => "cancelled",
                        _ => "succeeded",
                    },
                );
                j.i("durationMs", (ts - ch.first_us) / 1000);
                j.i("tokensUsed", rng.range(8_000, 60_000));
                j.i("artifactsProduced", i64::from(ch.counter.min(6)));
                j.s("environment", "dev");
            }
            "ArtifactCreated" | "ArtifactUpdated" | "ArtifactValidated" => {
                j.s("artifactId", &artifact);
                j.s(
                    "artifactType",
                    rng.pick(&[
                        "csharp-source",
                        "openapi-spec",
                        "bicep-template",
                        "test-suite",
                    ]),
                );
                j.f(
                    "path",
                    format_args!("src/{}/Controllers/BookingController.cs", module),
                );
                if ty == "ArtifactValidated" {
                    j.s("validator", "spectral-openapi-lint 6.11");
                    j.i("warnings", rng.range(0, 9));
                    j.i("errors", 0);
                } else {
                    j.i("sizeBytes", rng.range(900, 64_000));
                    j.f(
                        "contentHash",
                        format_args!("sha256:{}{}", hexid(rng, "", 32), hexid(rng, "", 32)),
                    );
                    j.s("agentId", agent);
                }
            }
            "CommitPushed" => {
                j.f(
                    "repository",
                    format_args!("https://dev.azure.com/{}/{}/_git/{}", tenant, short, module),
                );
                j.s("branch", &format!("agent/{}", &ch.key[5..13]));
                j.s("commitSha", &(hexid(rng, "", 32) + &hexid(rng, "", 8)));
                j.s("message", rng.pick(COMMIT_MESSAGES));
                j.i("filesChanged", rng.range(1, 18));
            }
            "BuildSucceeded" | "BuildFailed" | "TestRunCompleted" => {
                let run = rng.range(1_000, 99_999);
                j.i("pipelineId", 40 + (ch.pick % 20) as i64);
                j.f("runNumber", format_args!("2026.11.{}", run));
                j.i("durationMs", rng.range(45_000, 900_000));
                j.f(
                    "url",
                    format_args!(
                        "https://dev.azure.com/{}/{}/_build/results?buildId={}",
                        tenant, short, run
                    ),
                );
                if ty == "BuildFailed" {
                    j.s("failedStep", "dotnet test");
                    j.s("error", "error CS0246: The type or namespace name 'BookingPolicy' could not be found");
                } else if ty == "TestRunCompleted" {
                    j.i("passed", rng.range(120, 900));
                    j.i("failed", 0);
                    j.d2("coveragePct", rng.range(6_100, 9_400));
                }
            }
            "PullRequestOpened" | "PullRequestMerged" => {
                let pr = 100 + (ch.pick % 900) as i64;
                j.i("pullRequestId", pr);
                j.s(
                    "title",
                    "Add booking cancellation endpoint with refund policy",
                );
                j.f(
                    "url",
                    format_args!(
                        "https://dev.azure.com/{}/{}/_git/{}/pullrequest/{}",
                        tenant, short, module, pr
                    ),
                );
                j.s("reviewer", &approver);
            }
            "DeploymentStarted" | "DeploymentCompleted" => {
                j.s(
                    "environment",
                    if ch.kind == APPROVAL {
                        "production"
                    } else {
                        "staging"
                    },
                );
                j.f("version", format_args!("1.{}.{}", ch.pick % 20, ch.counter));
                j.f("releaseId", format_args!("rel-{}", 500 + ch.pick % 4000));
                j.s(
                    "region",
                    rng.pick(&["westeurope", "eastus2", "northeurope"]),
                );
                j.s("strategy", "blue-green");
                j.f(
                    "pipelineUrl",
                    format_args!(
                        "https://dev.azure.com/{}/{}/_release?releaseId={}",
                        tenant,
                        short,
                        500 + ch.pick % 4000
                    ),
                );
                if st.role == Role::ActUndecided {
                    j.s("approvalId", &ch.approval);
                    j.s("approvalStatus", "pending");
                }
            }
            "ApprovalRequested" => {
                j.s("approvalId", &ch.approval);
                j.s("gate", "production-deployment");
                j.s("requestedBy", agent);
                j.s("approverGroup", "release-managers");
                j.ts("expiresAt", ts + ch.ttl_us, Prec::Millis);
                j.f(
                    "summary",
                    format_args!("Deploy {} to production (blue-green, westeurope)", module),
                );
            }
            "ApprovalGranted" | "ApprovalRejected" => {
                j.s("approvalId", &ch.approval);
                if ty == "ApprovalGranted" {
                    j.s("approvedBy", &approver);
                    j.s(
                        "comment",
                        rng.pick(&[
                            "LGTM, change window confirmed",
                            "Approved after smoke tests",
                            "ok",
                        ]),
                    );
                } else {
                    j.s("rejectedBy", &approver);
                    j.s(
                        "reason",
                        rng.pick(&[
                            "Change freeze until Monday",
                            "Missing rollback plan",
                            "Load test results not attached",
                        ]),
                    );
                }
                j.s("gate", "production-deployment");
                j.s(
                    "decidedVia",
                    rng.pick(&["azure-devops-checks", "teams-adaptive-card"]),
                );
            }
            "ContextPackageRequested" | "ContextPackageBuilt" => {
                j.s("packageId", &ch.key2);
                j.s("agentId", agent);
                j.arr("sources");
                j.item("adr");
                j.item("openapi");
                j.item("runbooks");
                j.end_arr();
                if ty == "ContextPackageBuilt" {
                    j.i("documents", i64::from(ch.counter));
                    j.i("tokens", rng.range(4_000, 120_000));
                } else {
                    j.f(
                        "query",
                        format_args!("booking cancellation rules for {}", short),
                    );
                }
            }
            _ => {
                j.s("packageId", &ch.key2);
                j.f("documentId", format_args!("doc-{}", hexid(rng, "", 10)));
                j.s(
                    "title",
                    rng.pick(&[
                        "ADR-012: Use outbox for booking events",
                        "Runbook: refund failures",
                        "OpenAPI: reservations v3",
                    ]),
                );
                j.i("chunks", rng.range(3, 80));
                j.f(
                    "uri",
                    format_args!(
                        "https://kb.connectsoft.io/{}/{}/docs/{}",
                        tenant, short, ch.counter
                    ),
                );
                j.s("embeddingModel", "text-embedding-3-large");
            }
        }
        j.end();
    }

    // ---- Ecosystem (seed 004) --------------------------------------------------------------

    fn ecosystem(&mut self, ch: &mut Chain, st: Step, ts: i64, id: &str) {
        let ty = st.ty;
        let tenant = self.tenants[ch.tenant].slug.clone();
        let user = self.user(ch.user);
        let uid = user.id.clone();
        let display = format!("{} {}", user.first, user.last);
        let approver = if ch.personal {
            uid.clone()
        } else {
            self.users[ch.approver].id.clone()
        };
        let causation = match st.role {
            Role::Decision | Role::SecondDecision | Role::LateDecision
                if ch.request_id.is_some() =>
            {
                ch.request_id.clone()
            }
            _ => ch.ids.last().cloned(),
        };
        let parent = if ch.ids.is_empty() {
            None
        } else {
            ch.ids.first().cloned()
        };
        let rng = &mut self.rng;
        let agent_id = format!("agent_{}_planner", ch.product);
        let (actor_type, actor_id) = if ty.starts_with("capture.")
            || ty.starts_with("note.")
            || ty == "memory.entry.accepted"
            || ty == "trust.device.level_changed"
            || matches!(
                st.role,
                Role::Decision | Role::SecondDecision | Role::LateDecision
            ) {
            if ty == "trust.device.level_changed" {
                ("device", format!("dev_{}", &ch.trace[..12]))
            } else if st.role == Role::Plain {
                ("user", uid.clone())
            } else {
                ("user", approver.clone())
            }
        } else if ty.starts_with("agent.") || st.role == Role::Request {
            ("agent", agent_id.clone())
        } else {
            ("system", format!("{}-worker", ch.product))
        };
        let needs_run = ty.starts_with("agent.run")
            || ty.starts_with("approval.")
            || ty.starts_with("audit.")
            || ty.starts_with("agent.todo")
            || ty.starts_with("agent.dispatch");
        let needs_session = ch.product == "cowork" || ch.product == "actiontrail";
        let artifact = if ty.starts_with("artifact.")
            || ty.starts_with("capture.")
            || ty.starts_with("note.")
            || ty.starts_with("memory.")
        {
            Some(ch.artifact.as_str())
        } else {
            None
        };
        let j = &mut self.j;
        j.s("eventId", id);
        j.s("eventName", ty);
        j.i("eventVersion", 1);
        j.ts("occurredAt", ts, Prec::Millis);
        j.s("productId", ch.product);
        j.s("sourceSurface", ch.surface);
        j.s("userId", &uid);
        if ch.personal {
            j.null("orgId");
        } else {
            j.s("orgId", &tenant);
        }
        let terse = matches!(ch.product, "lysnrai" | "notelett" | "flowmonk");
        if needs_session || !terse {
            j.os("sessionId", needs_session.then_some(ch.key.as_str()));
        }
        if needs_run || !terse {
            j.os("runId", needs_run.then_some(ch.key2.as_str()));
        }
        if artifact.is_some() || !terse {
            j.os("artifactId", artifact);
        }
        j.obj("actor");
        j.s("actorType", actor_type);
        j.s("actorId", &actor_id);
        j.end();
        j.obj("trace");
        j.os("correlationId", Some(ch.corr.as_str()));
        j.os("causationId", causation.as_deref());
        j.os("parentEventId", parent.as_deref());
        j.end();
        j.obj("payload");
        let (action_type, action_summary) = ECO_ACTIONS[ch.pick % ECO_ACTIONS.len()];
        match ty {
            "capture.transcript.created" | "capture.voice_note.created" => {
                j.i("durationMs", rng.range(8_000, 3_600_000));
                j.s("language", rng.pick(&["en", "en", "de", "es", "ja", "pt"]));
                j.s(
                    "transcriptSource",
                    rng.pick(&["microphone", "system_audio", "meeting_bot"]),
                );
                j.i("wordCount", rng.range(40, 9_000));
                j.i("speakerCount", rng.range(1, 6));
                j.s(
                    "title",
                    rng.pick(&[
                        "Weekly sync – design review",
                        "Call with Café Lumière about catering",
                        "Voice memo: ideas for Q1",
                        "1:1 with \"Sam\" (notes)",
                    ]),
                );
            }
            "capture.browser_clip.created" => {
                j.f(
                    "url",
                    format_args!(
                        "https://news.example.org/articles/{}?utm_source=notelett",
                        10_000 + ch.pick
                    ),
                );
                j.s(
                    "pageTitle",
                    "How small teams run async planning – a field guide",
                );
                j.i("selectionChars", rng.range(120, 6_000));
                j.s("browser", rng.pick(&["chrome", "firefox", "safari"]));
            }
            "capture.document.ingested" => {
                j.s(
                    "fileName",
                    rng.pick(&[
                        "Q4 budget (final) v3.xlsx",
                        "Lease_Agreement_2026.pdf",
                        "Überweisungsbeleg.pdf",
                    ]),
                );
                j.s("mimeType", "application/pdf");
                j.i("pages", rng.range(1, 60));
                j.i("sizeBytes", rng.range(20_000, 18_000_000));
                j.f(
                    "localPath",
                    format_args!("C:\\Users\\{}\\Documents\\Inbox", user_dir(&display)),
                );
            }
            t if t.starts_with("artifact.") => {
                j.s(
                    "artifactType",
                    match ch.product {
                        "flowmonk" => "plan",
                        "actiontrail" => "trail-report",
                        "cowork" => "document",
                        _ => "note",
                    },
                );
                j.s(
                    "title",
                    rng.pick(&[
                        "Meeting notes – vendor shortlist",
                        "Plan: get back to running 3x a week",
                        "Trail report: weekly approvals",
                        "Draft: onboarding checklist",
                    ]),
                );
                j.s("visibility", if ch.personal { "private" } else { "org" });
                j.i("wordCount", rng.range(30, 4_000));
                if t == "artifact.linked" {
                    j.s("linkType", "derived_from");
                }
            }
            t if t.starts_with("memory.") || t.starts_with("note.") => {
                j.f("blockId", format_args!("blk_{}", hexid(rng, "", 10)));
                j.s(
                    "kind",
                    rng.pick(&["fact", "preference", "task", "decision"]),
                );
                j.s(
                    "text",
                    rng.pick(&[
                        "Prefers morning meetings before 10:00",
                        "Vendor B quoted 12% less but ships in 6 weeks",
                        "Follow up with legal on clause 7.2",
                        "Use \"Project Falcon\" as working title",
                    ]),
                );
                j.d2("confidence", rng.range(60, 99));
            }
            t if t.starts_with("plan.") || t.starts_with("routine.") => {
                j.f("planId", format_args!("pln_{}", &ch.corr[5..17]));
                j.s(
                    "goal",
                    rng.pick(&[
                        "Run a half marathon in April",
                        "Ship the portfolio site",
                        "Read 20 books this year",
                    ]),
                );
                j.s("horizon", rng.pick(&["week", "month", "quarter"]));
                j.i("taskCount", rng.range(3, 24));
                j.s(
                    "timezone",
                    rng.pick(&["Europe/Zurich", "America/Chicago", "Asia/Tokyo"]),
                );
            }
            "approval.action.requested" => {
                j.s("approvalId", &ch.approval);
                j.s("actionType", action_type);
                j.s("actionSummary", action_summary);
                j.s("riskLevel", rng.pick(&["medium", "high"]));
                j.s("policyId", "pol_external_side_effects");
                j.ts("expiresAt", ts + ch.ttl_us, Prec::Millis);
                j.s("requestedBy", &agent_id);
            }
            "approval.action.approved" | "approval.action.denied" => {
                j.s("approvalId", &ch.approval);
                j.s("actionType", action_type);
                j.s("decidedBy", &approver);
                match ch.request_us {
                    Some(r) => j.i("decisionLatencyMs", (ts - r) / 1000),
                    None => j.null("decisionLatencyMs"),
                }
                j.s(
                    "channel",
                    rng.pick(&["desktop_notification", "mobile_push", "web_inbox"]),
                );
                if ty.ends_with("denied") {
                    j.s("reason", "Not now – recipients list is wrong");
                }
            }
            "approval.action.expired" => {
                j.s("approvalId", &ch.approval);
                j.s("actionType", action_type);
                j.i("ttlMs", ch.ttl_us / 1000);
                j.s("resolution", "auto_denied");
            }
            "audit.action.logged" => {
                j.s("actionType", action_type);
                j.s("actionSummary", action_summary);
                j.s("result", "executed");
                if ch.kind == APPROVAL {
                    match st.role {
                        Role::ActUndecided => j.null("approvalId"),
                        _ => j.s("approvalId", &ch.approval),
                    }
                }
                j.i("durationMs", rng.range(200, 9_000));
            }
            "trust.device.level_changed" => {
                j.s(
                    "deviceName",
                    rng.pick(&["MacBook Pro (work)", "Pixel 9", "ThinkPad X1"]),
                );
                j.s("fromLevel", "standard");
                j.s("toLevel", rng.pick(&["trusted", "restricted"]));
                j.s("reason", "attestation renewed");
            }
            "usage.metered" => {
                j.s("meter", "agent_run_minutes");
                j.i("quantity", rng.range(1, 45));
                j.s("period", "2026-11");
            }
            _ => {
                // agent.session / task / run / todo / dispatch
                match ty {
                    "agent.session.created" => {
                        j.s(
                            "workspace",
                            rng.pick(&["~/projects/site", "~/work/reports", "C:\\dev\\invoices"]),
                        );
                        j.s("model", "cowork-large-2026-10");
                    }
                    "agent.task.created" | "agent.todo.updated" => {
                        j.s(
                            "title",
                            rng.pick(&[
                                "Summarize this week's meetings",
                                "Draft replies to 5 unread emails",
                                "Reconcile October expenses",
                            ]),
                        );
                        j.s("status", rng.pick(&["pending", "in_progress", "done"]));
                        j.i("position", i64::from(ch.counter));
                    }
                    "agent.run.started" => {
                        j.s(
                            "trigger",
                            rng.pick(&["user_request", "schedule", "dispatch"]),
                        );
                        j.arr("toolset");
                        j.item("calendar");
                        j.item("mail");
                        j.item("files");
                        j.end_arr();
                    }
                    "agent.dispatch.received" | "agent.dispatch.accepted" => {
                        j.f("dispatchId", format_args!("dsp_{}", &ch.corr[5..15]));
                        j.s("targetDevice", rng.pick(&["desktop", "mobile"]));
                    }
                    _ => {
                        let status = match ty {
                            "agent.run.failed" => "failed",
                            "agent.run.paused" => "awaiting_approval",
                            _ => "succeeded",
                        };
                        j.s("status", status);
                        j.i("durationMs", (ts - ch.first_us) / 1000);
                        j.i("stepsExecuted", i64::from(ch.counter) + 1);
                        j.i("tokensUsed", rng.range(2_000, 90_000));
                        if ty == "agent.run.failed" {
                            j.s("error", "approval expired before the action could run");
                        }
                    }
                }
            }
        }
        j.end();
    }

    // ---- CloudEvents 1.0 -------------------------------------------------------------------

    fn cloudevents(&mut self, ch: &mut Chain, st: Step, ts: i64, id: &str) {
        let ty = st.ty;
        let tenant = self.tenants[ch.tenant].slug.clone();
        let uid = self.users[ch.user].id.clone();
        let causation = ch.ids.last().cloned();
        let rng = &mut self.rng;
        let (source, subject) = match ch.aux {
            0 => (
                "/orders/v2".to_string(),
                (ch.pick % 2 == 0).then(|| format!("orders/ord_{}", ch.key)),
            ),
            1 => (
                "/identity/accounts".to_string(),
                (ch.pick % 2 == 0).then(|| format!("accounts/{}", uid)),
            ),
            _ => (
                format!("//storage.example.com/buckets/{}-uploads", tenant),
                Some(format!("objects/reports/2026/11/export-{}.csv", ch.key)),
            ),
        };
        let (authtype, authid) = match (ch.aux, ch.counter) {
            (_, 0) => ("user", uid.clone()),
            (0, _) => ("service_account", format!("svc-orders@{}", tenant)),
            (1, _) => ("user", uid.clone()),
            _ => ("system", "storage-events".to_string()),
        };
        let span = hexid(rng, "", 16);
        let j = &mut self.j;
        j.s("specversion", "1.0");
        j.s("id", id);
        j.s("source", &source);
        j.s("type", ty);
        j.ts("time", ts, Prec::Micros);
        if let Some(s) = &subject {
            j.s("subject", s);
        }
        j.s("datacontenttype", "application/json");
        j.s("tenantid", &tenant);
        j.s("correlationid", &ch.corr);
        if let Some(c) = &causation {
            j.s("causationid", c);
        }
        j.f("traceparent", format_args!("00-{}-{}-01", ch.trace, span));
        j.s("authtype", authtype);
        j.s("authid", &authid);
        j.obj("data");
        match ch.aux {
            0 => {
                j.f("orderId", format_args!("ord_{}", ch.key));
                j.s("customerId", &uid);
                j.s("currency", rng.pick(&["EUR", "USD", "CHF", "JPY"]));
                j.d2("total", rng.range(1_299, 189_900));
                j.i("items", rng.range(1, 9));
                match ty {
                    "com.example.payment.authorized" => {
                        j.s("paymentMethod", rng.pick(&["card", "sepa_debit", "paypal"]));
                        j.f(
                            "authorizationCode",
                            format_args!("{}", hexid(rng, "AUTH-", 8)),
                        );
                    }
                    "com.example.shipment.created"
                    | "com.example.shipment.dispatched"
                    | "com.example.shipment.delivered" => {
                        j.s("carrier", rng.pick(&["DHL", "UPS", "La Poste", "Yamato"]));
                        j.f(
                            "trackingUrl",
                            format_args!("https://track.example.com/{}", hexid(rng, "", 14)),
                        );
                        j.s("destinationCity", CITIES[ch.pick % CITIES.len()]);
                    }
                    "com.example.notification.sent" => {
                        j.s(
                            "template",
                            rng.pick(&["order_update", "delivery_eta", "review_request"]),
                        );
                        j.s("channel", rng.pick(&["email", "sms", "push"]));
                    }
                    _ => {
                        j.s("warehouse", rng.pick(&["ZRH-1", "AMS-2", "AUS-1"]));
                        if ch.pick % 4 == 0 {
                            j.s("note", "Gift wrap requested – \"Happy birthday, Jo!\"");
                        }
                    }
                }
            }
            1 => {
                j.s("accountId", &uid);
                j.s("plan", rng.pick(&["free", "pro", "team"]));
                j.s("ipCountry", rng.pick(&["CH", "US", "BR", "JP", "DE", "KE"]));
                if ty.ends_with("signed_up") || ty.ends_with("session.started") {
                    j.s(
                        "userAgent",
                        rng.pick(&[
                            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) Safari/17.6",
                            "Mozilla/5.0 (Windows NT 10.0) Chrome/130.0",
                            "demo-cli/0.9 (linux)",
                        ]),
                    );
                }
                if ty.contains("mfa") {
                    j.s("factor", rng.pick(&["totp", "webauthn"]));
                }
            }
            _ => {
                j.s("bucket", &format!("{}-uploads", tenant));
                j.f(
                    "name",
                    format_args!("reports/2026/11/export-{}.csv", ch.key),
                );
                j.i("size", rng.range(2_000, 80_000_000));
                j.s("contentType", "text/csv");
                if ty.ends_with("created") {
                    j.f("md5Hash", format_args!("{}", hexid(rng, "", 32)));
                }
                if ty.ends_with("scanned") {
                    j.s("scanResult", "clean");
                    j.s("scanner", "clamav 1.4.1");
                }
            }
        }
        j.end();
    }
}

/// A host-name-like slug of a company name (`O'Brien & Sons` → `o-brien-sons`).
fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// A Windows-style profile folder name from a display name (`Chloé Müller` → `chloe.muller`-ish).
fn user_dir(display: &str) -> String {
    display
        .chars()
        .map(|c| match c {
            ' ' => '.',
            'é' => 'e',
            'ü' => 'u',
            'á' => 'a',
            '\'' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::{BTreeMap, BTreeSet};

    fn gen(cfg: &GenConfig) -> (Vec<u8>, GenSummary) {
        let mut out = Vec::new();
        let summary = generate(cfg, &mut out).expect("writing to a Vec cannot fail");
        (out, summary)
    }

    fn cfg(events: u64) -> GenConfig {
        GenConfig {
            events,
            ..GenConfig::default()
        }
    }

    fn lines(bytes: &[u8]) -> Vec<&[u8]> {
        bytes.split_inclusive(|&b| b == b'\n').collect()
    }

    fn parse(bytes: &[u8]) -> Vec<Value> {
        lines(bytes)
            .into_iter()
            .map(|l| serde_json::from_slice(l).expect("every line is JSON"))
            .collect()
    }

    fn dialect_of(v: &Value) -> &'static str {
        if v.get("specversion").is_some() {
            "cloudevents"
        } else if v.get("eventName").is_some() {
            "ecosystem"
        } else if v.get("eventType").is_some() {
            "connectsoft"
        } else if v.get("customer_id").is_some() {
            "aximo"
        } else if v.get("trace_context").is_some() {
            "spectral"
        } else if v.get("metadata").is_some() {
            "spine"
        } else {
            panic!("unknown dialect: {v}")
        }
    }

    fn s(v: &Value) -> Option<String> {
        v.as_str().map(str::to_string)
    }

    /// (dialect, correlation id, tenant, type, id, causation id, time).
    struct Ev {
        dialect: &'static str,
        corr: String,
        tenant: Option<String>,
        ty: String,
        id: String,
        causation: Option<String>,
        time: String,
    }

    fn canon(v: &Value) -> Ev {
        let d = dialect_of(v);
        let (corr, tenant, ty, id, causation, time) = match d {
            "spine" => (
                &v["metadata"]["correlationId"],
                s(&v["orgId"]),
                &v["type"],
                &v["eventId"],
                None,
                &v["timestamp"],
            ),
            "aximo" => (
                &v["correlation_id"],
                s(&v["customer_id"]),
                &v["event_type"],
                &v["event_id"],
                None,
                &v["timestamp"],
            ),
            "spectral" => (
                &v["trace_context"]["correlation_id"],
                s(&v["payload"]["org_id"]),
                &v["event_type"],
                &v["event_id"],
                None,
                &v["occurred_at"],
            ),
            "connectsoft" => (
                &v["correlationId"],
                s(&v["tenantId"]),
                &v["eventType"],
                &v["eventId"],
                s(&v["causationId"]),
                &v["occurredAt"],
            ),
            "ecosystem" => (
                &v["trace"]["correlationId"],
                s(&v["orgId"]),
                &v["eventName"],
                &v["eventId"],
                s(&v["trace"]["causationId"]),
                &v["occurredAt"],
            ),
            _ => (
                &v["correlationid"],
                s(&v["tenantid"]),
                &v["type"],
                &v["id"],
                s(&v["causationid"]),
                &v["time"],
            ),
        };
        Ev {
            dialect: d,
            corr: s(corr).expect("correlation id"),
            tenant,
            ty: s(ty).expect("type"),
            id: s(id).expect("id"),
            causation,
            time: s(time).expect("time"),
        }
    }

    const DECISIONS: [&str; 6] = [
        "approval_granted",
        "approval_rejected",
        "approval.action.approved",
        "approval.action.denied",
        "ApprovalGranted",
        "ApprovalRejected",
    ];

    /// Substring test through `str::contains` (std is optimized even in debug builds).
    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        let hay = std::str::from_utf8(hay).expect("lines are UTF-8");
        hay.contains(std::str::from_utf8(needle).unwrap())
    }

    fn is_approval(ty: &str) -> bool {
        ty.starts_with("approval") || ty.starts_with("Approval")
    }

    fn chains(events: &[Ev]) -> BTreeMap<(&'static str, String), Vec<&Ev>> {
        let mut m: BTreeMap<(&'static str, String), Vec<&Ev>> = BTreeMap::new();
        for e in events {
            m.entry((e.dialect, e.corr.clone())).or_default().push(e);
        }
        m
    }

    #[test]
    fn splitmix64_matches_reference_vector() {
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(r.next_u64(), 9_817_491_932_198_370_423);
    }

    #[test]
    fn default_config() {
        let c = GenConfig::default();
        assert_eq!((c.events, c.seed, c.tenants), (1000, 42, 20));
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap();
        assert_eq!(c.start_us, start.timestamp_micros());
    }

    #[test]
    fn timestamps_match_chrono() {
        let mut r = SplitMix64::new(7);
        for _ in 0..2000 {
            let us = r.range(-5_000_000_000_000_000, 8_000_000_000_000_000);
            let dt = chrono::DateTime::from_timestamp_micros(us).unwrap();
            let mut b = Vec::new();
            push_ts(&mut b, us, Prec::Micros);
            assert_eq!(
                String::from_utf8(b).unwrap(),
                dt.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
            );
            let mut b = Vec::new();
            push_ts(&mut b, us, Prec::Millis);
            assert_eq!(
                String::from_utf8(b).unwrap(),
                dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            );
        }
    }

    #[test]
    fn escaping_round_trips() {
        for text in [
            "plain",
            "quote \" backslash \\ slash /",
            "C:\\Users\\dana",
            "line\nbreak\ttab\r\u{0}\u{1f}",
            "Zürich – café ✓ 🚀",
        ] {
            let mut j = J::new();
            j.begin_line();
            j.s("k", text);
            j.f("f", format_args!("<{text}>"));
            j.end_line();
            let v: Value = serde_json::from_slice(&j.b).unwrap();
            assert_eq!(v["k"], text);
            assert_eq!(v["f"], format!("<{text}>"));
        }
    }

    #[test]
    fn same_config_gives_identical_bytes() {
        let c = cfg(3000);
        let (a, sa) = gen(&c);
        let (b, sb) = gen(&c);
        assert_eq!(a, b);
        assert_eq!(sa, sb);
    }

    #[test]
    fn different_seed_gives_different_bytes() {
        let (a, _) = gen(&cfg(500));
        let (b, _) = gen(&GenConfig {
            seed: 43,
            ..cfg(500)
        });
        assert_ne!(a, b);
    }

    #[test]
    fn every_line_is_a_json_object_and_counts_are_exact() {
        for n in [0u64, 1, 2, 3, 4, 5, 7, 13, 29, 30, 31, 45, 1000] {
            let (out, summary) = gen(&cfg(n));
            let ls = lines(&out);
            assert_eq!(ls.len() as u64, n, "events={n}");
            assert_eq!(summary.events, n);
            assert_eq!(summary.bytes, out.len() as u64);
            assert_eq!(summary.by_dialect.values().sum::<u64>(), n);
            for l in ls {
                assert_eq!(l.last(), Some(&b'\n'));
                assert!(!l[..l.len() - 1].contains(&b'\n'));
                let v: Value = serde_json::from_slice(l).unwrap();
                assert!(v.is_object());
            }
        }
    }

    #[test]
    fn all_six_dialects_in_even_shares() {
        let (out, summary) = gen(&cfg(1000));
        let mut counted: BTreeMap<&'static str, u64> = BTreeMap::new();
        for v in parse(&out) {
            *counted.entry(dialect_of(&v)).or_default() += 1;
        }
        assert_eq!(counted, summary.by_dialect);
        assert_eq!(counted.len(), 6, "{counted:?}");
        for (d, n) in &counted {
            assert!((100..=250).contains(n), "{d}: {n} of 1000");
        }
    }

    #[test]
    fn average_line_length_is_realistic() {
        let (out, summary) = gen(&cfg(10_000));
        let avg = summary.bytes / summary.events;
        assert!((520..=680).contains(&avg), "average line length {avg}");
        assert_eq!(out.len() as u64, summary.bytes);
    }

    #[test]
    fn chains_are_3_to_12_events_in_one_tenant_with_causation_links() {
        let (out, _) = gen(&GenConfig {
            events: 10_000,
            seed: 7,
            ..GenConfig::default()
        });
        let events: Vec<Ev> = parse(&out).iter().map(canon).collect();
        // Timestamps never decrease (all dialects use UTC `Z`).
        let mut last = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        for e in &events {
            let t = chrono::DateTime::parse_from_rfc3339(&e.time)
                .unwrap()
                .with_timezone(&chrono::Utc);
            assert!(t >= last, "{} before {}", e.time, last);
            last = t;
        }
        let ids: BTreeSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), events.len(), "event ids are unique");
        let cs = chains(&events);
        assert!(cs.len() > 1000);
        for ((d, corr), evs) in &cs {
            assert!(
                (3..=12).contains(&evs.len()),
                "{d} chain {corr}: {}",
                evs.len()
            );
            let tenants: BTreeSet<&Option<String>> = evs.iter().map(|e| &e.tenant).collect();
            assert_eq!(tenants.len(), 1, "{d} chain {corr} spans tenants");
            let seen: Vec<&str> = evs.iter().map(|e| e.id.as_str()).collect();
            for (i, e) in evs.iter().enumerate() {
                if let Some(c) = &e.causation {
                    assert!(
                        seen[..i].contains(&c.as_str()),
                        "{d} {corr}: dangling causation"
                    );
                } else if matches!(*d, "connectsoft" | "ecosystem" | "cloudevents") {
                    assert_eq!(i, 0, "{d} {corr}: only the first event lacks a cause");
                }
            }
        }
    }

    #[test]
    fn approval_flows_are_about_ten_percent_of_chains() {
        let (out, _) = gen(&cfg(10_000));
        let events: Vec<Ev> = parse(&out).iter().map(canon).collect();
        let cs = chains(&events);
        let approvals = cs
            .values()
            .filter(|evs| evs.iter().any(|e| is_approval(&e.ty)))
            .count();
        let share = approvals as f64 / cs.len() as f64;
        assert!(
            (0.06..=0.14).contains(&share),
            "{approvals} of {} chains",
            cs.len()
        );
        for ((d, _), evs) in &cs {
            if evs.iter().any(|e| is_approval(&e.ty)) {
                assert!(matches!(*d, "aximo" | "ecosystem" | "connectsoft"));
            }
        }
    }

    #[test]
    fn ecosystem_and_connectsoft_decisions_are_caused_by_their_request() {
        let (out, _) = gen(&cfg(20_000));
        let events: Vec<Ev> = parse(&out).iter().map(canon).collect();
        let mut checked = 0;
        for ((d, _), evs) in &chains(&events) {
            if *d == "aximo" || *d == "spectral" {
                continue;
            }
            let request = evs
                .iter()
                .find(|e| e.ty == "approval.action.requested" || e.ty == "ApprovalRequested");
            for e in evs {
                let decision = matches!(
                    e.ty.as_str(),
                    "approval.action.approved"
                        | "approval.action.denied"
                        | "ApprovalGranted"
                        | "ApprovalRejected"
                );
                if let (true, Some(r)) = (decision, request) {
                    assert_eq!(e.causation.as_deref(), Some(r.id.as_str()));
                    checked += 1;
                }
            }
        }
        assert!(checked > 20, "only {checked} decisions checked");
    }

    #[test]
    fn field_names_follow_the_seeds() {
        let (out, _) = gen(&cfg(2000));
        let keys = |d: &str| -> Vec<&str> {
            match d {
                "spine" => vec![
                    "eventId",
                    "type",
                    "source",
                    "orgId",
                    "timestamp",
                    "data",
                    "metadata",
                ],
                "aximo" => vec![
                    "event_id",
                    "event_type",
                    "timestamp",
                    "customer_id",
                    "deployment_id",
                    "skill_id",
                    "skill_version",
                    "execution_id",
                    "risk_level",
                    "approval_mode",
                    "actor",
                    "payload",
                ],
                "spectral" => vec![
                    "event_id",
                    "event_type",
                    "event_version",
                    "occurred_at",
                    "source",
                    "target",
                    "domain_id",
                    "payload",
                    "idempotency_key",
                    "trace_context",
                ],
                "connectsoft" => vec![
                    "eventId",
                    "eventType",
                    "tenantId",
                    "projectId",
                    "moduleId",
                    "traceId",
                    "correlationId",
                    "causationId",
                    "occurredAt",
                    "payload",
                ],
                "ecosystem" => vec![
                    "eventId",
                    "eventName",
                    "eventVersion",
                    "occurredAt",
                    "productId",
                    "sourceSurface",
                    "userId",
                    "orgId",
                    "actor",
                    "trace",
                    "payload",
                ],
                _ => vec![
                    "specversion",
                    "id",
                    "source",
                    "type",
                    "time",
                    "datacontenttype",
                    "data",
                    "tenantid",
                    "correlationid",
                    "traceparent",
                    "authtype",
                    "authid",
                ],
            }
        };
        let mut personal = 0;
        let mut eco = 0;
        for v in parse(&out) {
            let d = dialect_of(&v);
            for k in keys(d) {
                assert!(v.get(k).is_some(), "{d} lacks {k}: {v}");
            }
            match d {
                "spine" => {
                    assert!(v["metadata"]["tags"].is_array());
                    assert!(v["metadata"]["userId"]
                        .as_str()
                        .unwrap()
                        .starts_with("user_"));
                }
                "aximo" => {
                    let actor = v["actor"].as_str().unwrap();
                    assert!(["system", "founder", "operator", "external_user"].contains(&actor));
                    if v["event_type"] == "action_dispatched" {
                        assert!(v["payload"]["action_type"].is_string());
                    }
                    let lifecycle = v["event_type"].as_str().unwrap().starts_with("deployment_")
                        || v["event_type"].as_str().unwrap().starts_with("version_");
                    assert_eq!(v["execution_id"].is_null(), lifecycle);
                }
                "spectral" => {
                    let tp = v["trace_context"]["traceparent"].as_str().unwrap();
                    let parts: Vec<&str> = tp.split('-').collect();
                    assert_eq!(parts.len(), 4);
                    assert_eq!(
                        (parts[0], parts[1].len(), parts[2].len(), parts[3]),
                        ("00", 32, 16, "01")
                    );
                    assert!(v["payload"]["org_id"].is_string());
                }
                "connectsoft" => {
                    assert!(v["eventId"].as_str().unwrap().starts_with("evt-"));
                    let ty = v["eventType"].as_str().unwrap();
                    assert!(ty.chars().next().unwrap().is_ascii_uppercase());
                    assert!(
                        ty.ends_with('d') || ty.ends_with("Built"),
                        "{ty} is past tense"
                    );
                }
                "ecosystem" => {
                    eco += 1;
                    personal += usize::from(v["orgId"].is_null());
                    assert_eq!(v["eventVersion"], 1);
                    for k in ["correlationId", "causationId", "parentEventId"] {
                        assert!(v["trace"].get(k).is_some());
                    }
                    let at = v["actor"]["actorType"].as_str().unwrap();
                    assert!(["user", "agent", "system", "device"].contains(&at));
                    assert_eq!(
                        v["occurredAt"].as_str().unwrap().len(),
                        24,
                        "millisecond precision"
                    );
                }
                _ => {
                    assert_eq!(v["specversion"], "1.0");
                    assert_eq!(v["datacontenttype"], "application/json");
                    assert!(v["type"].as_str().unwrap().starts_with("com.example."));
                    let at = v["authtype"].as_str().unwrap();
                    assert!(["user", "service_account", "system"].contains(&at));
                }
            }
        }
        let share = personal as f64 / eco as f64;
        assert!((0.15..=0.45).contains(&share), "personal share {share}");
    }

    #[test]
    fn users_span_dialects_and_tenants_are_named() {
        let (out, _) = gen(&cfg(5000));
        let mut dialects_of_user: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
        let mut tenants = BTreeSet::new();
        for v in parse(&out) {
            let d = dialect_of(&v);
            let user = match d {
                "spine" => s(&v["metadata"]["userId"]),
                "ecosystem" => s(&v["userId"]),
                "cloudevents" if v["authtype"] == "user" => s(&v["authid"]),
                _ => None,
            };
            if let Some(u) = user {
                dialects_of_user.entry(u).or_default().insert(d);
            }
            if let Some(t) = canon(&v).tenant {
                tenants.insert(t);
            }
        }
        assert!(dialects_of_user.values().any(|ds| ds.len() == 3));
        assert!(tenants.contains("acme") && tenants.contains("globex"));
        assert_eq!(tenants.len(), 20);
    }

    #[test]
    fn more_tenants_than_names_get_suffixes() {
        let (out, _) = gen(&GenConfig {
            events: 3000,
            tenants: 60,
            ..GenConfig::default()
        });
        let tenants: BTreeSet<String> =
            parse(&out).iter().filter_map(|v| canon(v).tenant).collect();
        assert!(tenants.iter().any(|t| t.ends_with("-2")));
        assert!(tenants.len() > 40);
        let (one, _) = gen(&GenConfig {
            events: 200,
            tenants: 0,
            ..GenConfig::default()
        });
        let tenants: BTreeSet<String> =
            parse(&one).iter().filter_map(|v| canon(v).tenant).collect();
        assert_eq!(
            tenants.into_iter().collect::<Vec<_>>(),
            vec!["acme".to_string()]
        );
    }

    #[test]
    fn aximo_versions_increase_and_executions_follow_seed_sequences() {
        let (out, _) = gen(&GenConfig {
            events: 60_000,
            seed: 11,
            ..GenConfig::default()
        });
        // Parse only the Aximo lines (the rest is covered elsewhere; debug-mode parsing is slow).
        let vs: Vec<Value> = lines(&out)
            .into_iter()
            .filter(|l| contains(l, b"\"customer_id\""))
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        let mut upgrades = 0;
        let mut rollbacks = 0;
        let mut max_minor: BTreeMap<String, u64> = BTreeMap::new();
        let mut execs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for v in vs.iter().filter(|v| dialect_of(v) == "aximo") {
            let ty = v["event_type"].as_str().unwrap();
            let dep = v["deployment_id"].as_str().unwrap().to_string();
            if ty == "version_upgraded" {
                upgrades += 1;
                let to = v["payload"]["to_version"].as_str().unwrap();
                let minor: u64 = to.split('.').nth(1).unwrap().parse().unwrap();
                let prev = max_minor.insert(dep, minor).unwrap_or(0);
                assert!(minor > prev, "versions only increase");
                assert_eq!(v["skill_version"], to);
            } else if ty == "version_rolled_back" {
                rollbacks += 1;
            }
            if let Some(e) = v["execution_id"].as_str() {
                execs.entry(e.to_string()).or_default().push(ty.to_string());
            }
        }
        assert!(
            upgrades > 3 && rollbacks > 0,
            "{upgrades} upgrades, {rollbacks} rollbacks"
        );
        for seq in execs.values() {
            assert_eq!(seq[0], "execution_triggered");
            assert_eq!(seq[1], "execution_processing");
            let last = seq.last().unwrap();
            assert!(
                last == "execution_completed" || last == "execution_failed",
                "{seq:?}"
            );
            let p = |t: &str| seq.iter().position(|x| x == t);
            if let (Some(req), Some(dec)) = (p("approval_requested"), p("approval_granted")) {
                assert!(req < dec);
                assert!(p("action_dispatched").unwrap() > dec);
            }
        }
    }

    fn plan_of(anomaly: Option<Anomaly>, d: Dialect) -> Vec<&'static str> {
        let mut g = Gen::new(&cfg(1000));
        let ch = match d {
            Dialect::Aximo => g.plan_aximo_approval(anomaly, 0),
            Dialect::Ecosystem => g.plan_eco_approval(anomaly, 0),
            _ => g.plan_cs_approval(anomaly, 0),
        };
        ch.steps.iter().map(|s| s.ty).collect()
    }

    #[test]
    fn anomalies_have_the_auditors_shapes() {
        for d in [Dialect::Aximo, Dialect::Ecosystem, Dialect::ConnectSoft] {
            let no_req = plan_of(Some(Anomaly::DecisionWithoutRequest), d);
            assert!(!no_req.iter().any(|t| t.contains("equest")), "{no_req:?}");
            assert!(no_req.iter().any(|t| is_approval(t)));
            let twice = plan_of(Some(Anomaly::DecidedTwice), d);
            assert_eq!(
                twice.iter().filter(|t| is_approval(t)).count(),
                3,
                "{twice:?}"
            );
            let acted = plan_of(Some(Anomaly::ActedWithoutApproval), d);
            assert_eq!(
                acted.iter().filter(|t| is_approval(t)).count(),
                1,
                "{acted:?}"
            );
            let late = plan_of(Some(Anomaly::DecidedAfterExpiry), d);
            assert!(late.len() >= 3 && late.len() <= 12);
        }
        // An anomalous flow really shows up in a long enough stream.
        let (out, _) = gen(&GenConfig {
            events: 40_000,
            seed: 3,
            ..GenConfig::default()
        });
        let decisions: Vec<Ev> = lines(&out)
            .into_iter()
            .filter(|l| DECISIONS.iter().any(|d| contains(l, d.as_bytes())))
            .map(|l| canon(&serde_json::from_slice(l).unwrap()))
            .collect();
        let twice = chains(&decisions)
            .values()
            .filter(|evs| {
                evs.iter()
                    .filter(|e| DECISIONS.contains(&e.ty.as_str()))
                    .count()
                    > 1
            })
            .count();
        assert!(twice > 0);
    }

    /// `cargo test --release -p trailview-core generate::tests::million -- --ignored --nocapture`
    #[test]
    #[ignore = "benchmark: run in release mode"]
    fn million_events_to_sink() {
        let started = std::time::Instant::now();
        let summary = generate(
            &GenConfig {
                events: 1_000_000,
                ..GenConfig::default()
            },
            io::sink(),
        )
        .unwrap();
        let took = started.elapsed();
        eprintln!(
            "{} events, {} bytes (avg {} B/line) in {:.2?}; {:?}",
            summary.events,
            summary.bytes,
            summary.bytes / summary.events,
            took,
            summary.by_dialect
        );
        assert_eq!(summary.events, 1_000_000);
    }
}
