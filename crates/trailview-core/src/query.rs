//! Query: read events back, always scoped to a tenant (or, explicitly, to all of them).
//!
//! Reads are pure functions of the log: the canonical fields come from their columns, the payload
//! is re-derived from `raw` by the same deterministic `normalize` that wrote them.

use std::collections::BTreeMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, OptionalExtension, Row};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::normalize::{self, Actor, Dialect, Reason};
use crate::rollup::{HOUR, MINUTE};
use crate::store::{key128, key64, Origin, Result, Store};
use crate::text::{self, TextQuery};
use crate::time::{self, Micros};

/// Which tenants a read covers. There is no default: every caller says which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantScope {
    /// One tenant (the empty string is personal events).
    One(String),
    /// Every tenant: an explicit, administrative choice.
    All,
}

/// A type pattern, after the Event Spine's wildcards.
///
/// - `code.analysis.complete`: exactly that type;
/// - `code.*`: every type under `code.` (any depth), `review.agent.*` likewise;
/// - `**`: everything;
/// - `*` inside a segment matches any characters there (`approval_*`, `Approval*`);
///   a `*` segment in the middle matches exactly one segment (`approval.*.approved`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypePattern(String);

impl TypePattern {
    /// Parse a pattern; an empty one is refused.
    pub fn new(p: &str) -> std::result::Result<TypePattern, String> {
        let p = p.trim();
        if p.is_empty() {
            return Err("a type pattern cannot be empty".into());
        }
        Ok(TypePattern(p.to_owned()))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `ty` matches.
    pub fn matches(&self, ty: &str) -> bool {
        let pat: Vec<&str> = self.0.split('.').collect();
        let segs: Vec<&str> = ty.split('.').collect();
        match_segments(&pat, &segs)
    }
}

fn match_segments(pat: &[&str], segs: &[&str]) -> bool {
    match (pat.first(), segs.first()) {
        (None, None) => true,
        (Some(&"**"), _) => (0..=segs.len()).any(|skip| match_segments(&pat[1..], &segs[skip..])),
        // A trailing `*` segment: everything under the prefix, at any depth.
        (Some(&"*"), Some(_)) if pat.len() == 1 => true,
        (Some(p), Some(s)) => glob(p, s) && match_segments(&pat[1..], &segs[1..]),
        _ => false,
    }
}

/// `*` within one segment.
fn glob(p: &str, s: &str) -> bool {
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// A filter over the events of a scope, in `(occurred_at, seq)` order.
#[derive(Debug, Clone)]
pub struct EventQuery {
    /// Which tenants.
    pub tenant: TenantScope,
    /// Type pattern.
    pub types: Option<TypePattern>,
    /// `occurred_at >= since`.
    pub since: Option<Micros>,
    /// `occurred_at < until`.
    pub until: Option<Micros>,
    /// Exact source / product.
    pub source: Option<String>,
    /// The person: a personal timeline.
    pub user_id: Option<String>,
    /// One correlation chain.
    pub correlation_id: Option<String>,
    /// One Aximo execution.
    pub execution_id: Option<String>,
    /// Free text: every word starts a word of the event's type, ids or payload text.
    pub text: Option<TextQuery>,
    /// Keyset cursor: only events after `(occurred_at, seq)`.
    pub after: Option<(Micros, i64)>,
    /// Keyset cursor: only events before `(occurred_at, seq)`.
    pub before: Option<(Micros, i64)>,
    /// Newest first instead of oldest first (paging backwards from `before`).
    pub descending: bool,
    /// At most this many.
    pub limit: Option<u64>,
}

impl EventQuery {
    /// Whether the query names only its tenant scope: no other filter, no time bounds.
    pub fn has_only_scope(&self) -> bool {
        self.types.is_none()
            && self.since.is_none()
            && self.until.is_none()
            && self.source.is_none()
            && self.user_id.is_none()
            && self.correlation_id.is_none()
            && self.execution_id.is_none()
            && self.text.is_none()
    }

    /// Everything in `tenant`.
    pub fn new(tenant: TenantScope) -> Self {
        EventQuery {
            tenant,
            types: None,
            since: None,
            until: None,
            source: None,
            user_id: None,
            correlation_id: None,
            execution_id: None,
            text: None,
            after: None,
            before: None,
            descending: false,
            limit: None,
        }
    }
}

/// A stored event as read back: the canonical event of PRODUCT.md, plus its raw envelope.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct StoredEvent {
    /// Position in the store's append order.
    #[ts(type = "number")]
    pub seq: i64,
    /// In a store opened from an audit bundle: the event's `seq` in the store that exported it
    /// (from the bundle's index). Absent in every other store.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub source_seq: Option<i64>,
    /// The envelope's id (or derived).
    pub id: String,
    /// The type, as written.
    #[serde(rename = "type")]
    pub kind: String,
    /// `event_version` / `eventVersion`.
    pub type_version: Option<String>,
    /// RFC 3339 UTC, microseconds.
    pub occurred_at: String,
    /// The same instant in µs since the epoch: with `seq`, the keyset cursor of the timeline.
    #[ts(type = "number")]
    pub occurred_at_us: Micros,
    /// RFC 3339 UTC, microseconds.
    pub received_at: String,
    /// The tenant; empty for personal events.
    pub tenant: String,
    /// Source / product.
    pub source: String,
    /// Who acted.
    pub actor: Option<Actor>,
    /// The person behind it.
    pub user_id: Option<String>,
    /// Correlation link.
    pub correlation_id: Option<String>,
    /// Causation link.
    pub causation_id: Option<String>,
    /// Parent link.
    pub parent_id: Option<String>,
    /// Trace id.
    pub trace_id: Option<String>,
    /// Dialect identity fields.
    #[ts(as = "BTreeMap<String, crate::api::wire::JsonValue>")]
    pub subject: BTreeMap<String, Value>,
    /// `data` / `payload`; `null` when the envelope has none.
    #[ts(as = "crate::api::wire::JsonValue")]
    pub payload: Value,
    /// The convention it came in.
    pub dialect: Dialect,
    /// Unusual-but-accepted notes.
    pub flags: Vec<&'static str>,
    /// The envelope exactly as received.
    pub raw: String,
    /// Hex SHA-256 of `raw`.
    pub raw_sha256: String,
    /// Where it came from.
    pub origin: Origin,
}

/// How a text filter's clause starts: indexed rows that FTS5 matches, or the unindexed tail
/// (`seq > text_seq`, checked in Rust). [`text_clause`] writes it.
const TEXT_HEAD: &str = "(e.seq > ? OR e.seq IN (SELECT ";
/// The same over indexed rows only ([`Store::indexed_only`]).
const TEXT_HEAD_INDEXED: &str = "(e.seq <= ? AND e.seq IN (SELECT ";

/// The text filter's clause and its arguments, for a query scoped to the tenant with id `tenant`
/// (`None`: every tenant). Scoped, FTS5 reads only the tenant's rowid range of each doclist
/// ([`text::rowid`]).
fn text_clause(text_seq: i64, tenant: Option<i64>, fts: String) -> (String, Vec<SqlValue>) {
    match tenant {
        Some(id) => {
            let (lo, hi) = text::tenant_rowids(id);
            (
                format!(
                    "{TEXT_HEAD}rowid - ? FROM events_text \
                     WHERE events_text MATCH ? AND rowid BETWEEN ? AND ?))"
                ),
                vec![text_seq.into(), lo.into(), fts.into(), lo.into(), hi.into()],
            )
        }
        None => (
            format!(
                "{TEXT_HEAD}rowid & {} FROM events_text WHERE events_text MATCH ?))",
                text::SEQ_MASK
            ),
            vec![text_seq.into(), fts.into()],
        ),
    }
}

/// A text page whose matches in its tenant are at most this many reads them by seq
/// ([`Store::text_matches`]); walking the tenant's timeline until a page has matched is, for a
/// rare word, the whole timeline (40 ms for a 500k-event tenant). Reading 4,096 events by seq
/// costs a few ms.
const FEW: usize = 4_096;

/// A text page collects at most this many matches of its tenant to walk the timeline against
/// (8 bytes each); past it, the usual plan answers.
const MAX_COLLECTED: usize = 4 << 20;

/// `q`'s order.
fn order_by(q: &EventQuery) -> &'static str {
    if q.descending {
        " ORDER BY e.occurred_at DESC, e.seq DESC"
    } else {
        " ORDER BY e.occurred_at, e.seq"
    }
}

/// A query's WHERE clauses without free text ([`Store::filter_but_text`]) and their arguments,
/// and the id of its tenant (`None`: every tenant), which scopes the text clause.
struct Filter {
    clauses: Vec<String>,
    args: Vec<SqlValue>,
    tenant: Option<i64>,
}

/// A tenant's matches of a text expression, as a walk of the timeline asks about them
/// ([`Store::walk_matches`]).
///
/// Ranged, they are read from the text index a span of seqs at a time, around the seqs the walk
/// has reached, each span twice the last: a page near the newest events reads the newest
/// matches, not the tenant's every match (at 10M events, 453k matches of `01m` cost 16 ms to
/// count and ≈ 35 ms to collect). Timeline order and seq order are the same when events
/// arrive in time order; when they are not, the spans grow to the whole tenant.
struct Matches<'s> {
    store: &'s Store,
    /// The FTS5 expression, seekable ([`Store::match_expr_seekable`]).
    expr: String,
    /// The tenant's first text rowid: a seq's rowid is `base + seq`.
    base: i64,
    /// The seqs `[lo, hi)` have been read.
    lo: i64,
    hi: i64,
    /// The matches in `[lo, hi)`, sorted.
    seqs: Vec<i64>,
}

/// The first span of seqs a ranged [`Matches`] reads.
const FIRST_SPAN: i64 = 8_192;

impl<'s> Matches<'s> {
    fn ranged(store: &'s Store, expr: String, tenant: i64) -> Self {
        Matches {
            store,
            expr,
            base: text::tenant_rowids(tenant).0,
            lo: 0,
            hi: 0,
            seqs: Vec::new(),
        }
    }

    /// Every match, already read (sorted).
    fn all(store: &'s Store, seqs: Vec<i64>) -> Self {
        Matches {
            store,
            expr: String::new(),
            base: 0,
            lo: 0,
            hi: i64::MAX,
            seqs,
        }
    }

    fn contains(&mut self, seq: i64) -> Result<bool> {
        if self.lo == self.hi {
            (self.lo, self.hi) = (seq, seq);
        }
        let span = (self.hi - self.lo).max(FIRST_SPAN);
        if seq < self.lo {
            let from = seq.min(self.lo - span).max(0);
            let mut before = self.read(from, self.lo)?;
            before.append(&mut self.seqs);
            (self.seqs, self.lo) = (before, from);
        } else if seq >= self.hi {
            let to = (seq + 1)
                .max(self.hi.saturating_add(span))
                .min(text::SEQ_MASK + 1);
            let mut after = self.read(self.hi, to)?;
            self.seqs.append(&mut after);
            self.hi = to;
        }
        Ok(self.seqs.binary_search(&seq).is_ok())
    }

    /// The first and the last seq that matches; `None`: none does.
    fn bounds(&self) -> Result<Option<(i64, i64)>> {
        if self.expr.is_empty() {
            return Ok(self
                .seqs
                .first()
                .zip(self.seqs.last())
                .map(|(a, b)| (*a, *b)));
        }
        let end = |descending| -> Result<Option<i64>> {
            let (lo, hi) = (self.base, self.base | text::SEQ_MASK);
            let seqs = self
                .store
                .text_matches_in(&self.expr, lo, hi, Some(1), descending)?;
            Ok(seqs.first().copied())
        };
        Ok(end(false)?.zip(end(true)?))
    }

    /// The matches among the seqs `[from, to)`.
    fn read(&self, from: i64, to: i64) -> Result<Vec<i64>> {
        self.store.text_matches_in(
            &self.expr,
            self.base + from,
            self.base + to - 1,
            None,
            false,
        )
    }
}

/// `q`'s keyset cursors as clauses.
fn push_keyset(q: &EventQuery, clauses: &mut Vec<String>, args: &mut Vec<SqlValue>) {
    if let Some((at, seq)) = q.after {
        clauses.push("(e.occurred_at, e.seq) > (?, ?)".into());
        args.push(at.into());
        args.push(seq.into());
    }
    if let Some((at, seq)) = q.before {
        clauses.push("(e.occurred_at, e.seq) < (?, ?)".into());
        args.push(at.into());
        args.push(seq.into());
    }
}

const SELECT: &str = "SELECT e.seq, e.received_at, t.name, o.name, e.origin_line,
        e.origin_index, e.origin_offset, e.raw
    FROM events e
    JOIN tenants t ON t.id = e.tenant
    JOIN origins o ON o.id = e.origin";

/// Build a [`StoredEvent`] from its row: the store's own columns, and every canonical field
/// re-derived from `raw` by the deterministic normalizer that wrote it.
fn row_to_event(r: &Row<'_>) -> rusqlite::Result<StoredEvent> {
    let raw: Vec<u8> = r.get(7)?;
    let u = |v: Option<i64>| v.map(|x| x as u64);
    let (event, payload) = match normalize::normalize(&raw) {
        Ok(n) => (
            n.event,
            n.payload
                .map(|p| normalize::parse_value(p.get()).unwrap_or(Value::Null))
                .unwrap_or(Value::Null),
        ),
        // Only a store edited behind its triggers gets here; `verify` says where.
        Err(rej) => {
            return Err(rusqlite::Error::InvalidColumnType(
                7,
                format!("raw no longer normalizes: {}", rej.message),
                rusqlite::types::Type::Blob,
            ))
        }
    };
    Ok(StoredEvent {
        seq: r.get(0)?,
        source_seq: None,
        id: event.id,
        kind: event.kind,
        type_version: event.type_version,
        occurred_at: time::format_us(event.occurred_at),
        occurred_at_us: event.occurred_at,
        received_at: time::format_us(r.get(1)?),
        tenant: r.get(2)?,
        source: event.source,
        actor: event.actor,
        user_id: event.user_id,
        correlation_id: event.correlation_id,
        causation_id: event.causation_id,
        parent_id: event.parent_id,
        trace_id: event.trace_id,
        subject: event.subject,
        payload,
        dialect: event.dialect,
        flags: event.flags.names(),
        origin: Origin {
            source: r.get::<_, String>(3)?.into(),
            line: u(r.get(4)?),
            index: u(r.get(5)?),
            offset: u(r.get(6)?),
        },
        raw_sha256: hex::encode(Sha256::digest(&raw)),
        raw: String::from_utf8_lossy(&raw).into_owned(),
    })
}

impl Store {
    /// The interned id of `tenant`, if it has any events.
    fn tenant_id(&self, tenant: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .query_row("SELECT id FROM tenants WHERE name = ?1", [tenant], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The WHERE clause of `q` (without keyset cursors), or `None` when nothing can match.
    pub(crate) fn filter(&self, q: &EventQuery) -> Result<Option<(Vec<String>, Vec<SqlValue>)>> {
        let Some(base) = self.filter_but_text(q)? else {
            return Ok(None);
        };
        let expr = q.text.as_ref().map(|t| self.match_expr(t)).transpose()?;
        Ok(Some(self.with_text(base, expr)?))
    }

    /// `base` ([`Store::filter_but_text`]) with the free-text clause of the FTS5 expression
    /// `expr` ([`Store::match_expr`]), if there is one: indexed rows through FTS5; the unindexed
    /// tail (normally empty) passes here and is checked row by row with the same rule (`text`
    /// module).
    fn with_text(
        &self,
        base: Filter,
        expr: Option<String>,
    ) -> Result<(Vec<String>, Vec<SqlValue>)> {
        let Filter {
            mut clauses,
            mut args,
            tenant,
        } = base;
        if let Some(expr) = expr {
            let (clause, text_args) = text_clause(self.text_seq()?, tenant, expr);
            clauses.push(clause);
            args.extend(text_args);
        }
        Ok((clauses, args))
    }

    /// [`Store::filter`] without the free-text clause.
    fn filter_but_text(&self, q: &EventQuery) -> Result<Option<Filter>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut args: Vec<SqlValue> = Vec::new();
        let mut tenant = None;
        if let TenantScope::One(t) = &q.tenant {
            match self.tenant_id(t)? {
                Some(id) => {
                    clauses.push("e.tenant = ?".into());
                    args.push(id.into());
                    tenant = Some(id);
                }
                None => return Ok(None),
            }
        }
        if let Some(p) = &q.types {
            let mut stmt = self.conn().prepare_cached("SELECT id, name FROM types")?;
            let ids: Vec<i64> = stmt
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
                .filter_map(std::result::Result::ok)
                .filter(|(_, name)| p.matches(name))
                .map(|(id, _)| id)
                .collect();
            if ids.is_empty() {
                return Ok(None);
            }
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            clauses.push(format!("e.type IN ({list})"));
        }
        if let Some(s) = q.since {
            clauses.push("e.occurred_at >= ?".into());
            args.push(s.into());
        }
        if let Some(u) = q.until {
            clauses.push("e.occurred_at < ?".into());
            args.push(u.into());
        }
        if let Some(src) = &q.source {
            clauses.push("e.source = (SELECT id FROM sources WHERE name = ?)".into());
            args.push(src.clone().into());
        }
        if let Some(u) = &q.user_id {
            clauses.push("e.user_id = ?".into());
            args.push(u.clone().into());
        }
        for (col, v) in [
            ("correlation_h", &q.correlation_id),
            ("execution_h", &q.execution_id),
        ] {
            if let Some(v) = v {
                // The compact key finds the rows through the index; `exact` re-checks the text,
                // so a 64-bit key collision can never let a stranger in.
                clauses.push(format!("e.{col} = ?"));
                args.push(key64(v).into());
            }
        }
        Ok(Some(Filter {
            clauses,
            args,
            tenant,
        }))
    }

    /// For a text query with an unindexed tail, the tail's matching events as
    /// `(occurred_at, seq)`; counts and histograms add them to what SQL counted of the rest.
    fn text_tail(
        &self,
        q: &EventQuery,
        clauses: &[String],
        args: &[SqlValue],
    ) -> Result<Option<Vec<Micros>>> {
        let Some(t) = &q.text else { return Ok(None) };
        let text_seq = self.text_seq()?;
        if text_seq >= self.last_seq() {
            return Ok(None);
        }
        let mut sql = format!("SELECT e.occurred_at, e.raw FROM events e WHERE e.seq > {text_seq}");
        for c in clauses {
            sql.push_str(" AND ");
            sql.push_str(c);
        }
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let raw: Vec<u8> = r.get(1)?;
            if t.matches_raw(&raw) {
                out.push(r.get(0)?);
            }
        }
        Ok(Some(out))
    }

    /// `clauses` with the text clause restricted to indexed rows, when there is a tail.
    fn indexed_only(clauses: &mut [String], tail: bool) {
        if tail {
            for c in clauses.iter_mut() {
                if let Some(rest) = c.strip_prefix(TEXT_HEAD) {
                    *c = format!("{TEXT_HEAD_INDEXED}{rest}");
                }
            }
        }
    }

    /// Call `f` with each event matching `q`, in `(occurred_at, seq)` order (or the reverse with
    /// `descending`), streaming.
    pub fn for_each_event(
        &self,
        q: &EventQuery,
        mut f: impl FnMut(StoredEvent) -> Result<()>,
    ) -> Result<()> {
        let text_seq = if q.text.is_some() {
            self.text_seq()?
        } else {
            i64::MAX
        };
        let filter = match &q.text {
            // With the whole log indexed, a text page is found from its tenant's matches.
            Some(t) if text_seq >= self.last_seq() => {
                let Some(base) = self.filter_but_text(q)? else {
                    return Ok(());
                };
                let (expr, seekable) = self.match_expr_seekable(t)?;
                match self.text_page(q, &expr, seekable, &base)? {
                    // The page's rows are among these: read them.
                    Some(seqs) => {
                        let Filter {
                            mut clauses, args, ..
                        } = base;
                        let list = seqs.iter().map(i64::to_string).collect::<Vec<_>>();
                        clauses.push(format!("e.seq IN ({})", list.join(",")));
                        Some((clauses, args))
                    }
                    None => Some(self.with_text(base, Some(expr))?),
                }
            }
            _ => self.filter(q)?,
        };
        let Some((mut clauses, mut args)) = filter else {
            return Ok(());
        };
        push_keyset(q, &mut clauses, &mut args);
        let mut sql = SELECT.to_owned();
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        sql.push_str(order_by(q));
        if let Some(l) = q.limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        let exact = |e: &StoredEvent| {
            q.correlation_id
                .as_ref()
                .is_none_or(|c| e.correlation_id.as_ref() == Some(c))
                && q.execution_id.as_ref().is_none_or(|x| {
                    e.subject.get("execution_id").and_then(Value::as_str) == Some(x)
                })
                && q.text
                    .as_ref()
                    .is_none_or(|t| e.seq <= text_seq || t.matches_raw(e.raw.as_bytes()))
        };
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        let from_bundle = self.is_from_bundle()?;
        while let Some(r) = rows.next()? {
            let mut e = row_to_event(r)?;
            if exact(&e) {
                if from_bundle {
                    e.source_seq = self.source_seq(e.seq)?;
                }
                f(e)?;
            }
        }
        Ok(())
    }

    /// Seqs among which `q`'s page of free text (the FTS5 expression `expr`, and whether it is
    /// seekable: [`Store::match_expr_seekable`]) is, when the text index has no tail: all of
    /// the tenant's matches when there are at most [`FEW`]; else, for a page (a limit), the
    /// page itself, walked ([`Store::walk_matches`]). `None`: the usual plan answers.
    fn text_page(
        &self,
        q: &EventQuery,
        expr: &str,
        seekable: bool,
        base: &Filter,
    ) -> Result<Option<Vec<i64>>> {
        // A seekable expression reads the tenant's matches span by span as the walk needs them;
        // another is collected once (every read would repeat FTS5's store-wide merge).
        let cap = if seekable { FEW } else { MAX_COLLECTED };
        let mut matches = match (self.text_matches(expr, base.tenant, cap)?, base.tenant) {
            (Some(all), _) if all.len() <= FEW => return Ok(Some(all)),
            (Some(all), _) => Matches::all(self, all),
            (None, Some(tenant)) if seekable => Matches::ranged(self, expr.to_owned(), tenant),
            (None, _) => return Ok(None),
        };
        let Some(limit) = q.limit else {
            return Ok(None);
        };
        Ok(Some(self.walk_matches(q, base, &mut matches, limit)?))
    }

    /// The seqs of `q`'s page of a free-text search: the first `limit` rows of the timeline, in
    /// the page's order, that are among `matches`.
    ///
    /// Where the tenant's matches are many, the page is among the rows the timeline reaches
    /// first: a word in 20% of the events fills a page of 200 in ≈ 1,000 rows. (The usual plan
    /// does the same walk in SQL, against every match FTS5 finds in the tenant.)
    fn walk_matches(
        &self,
        q: &EventQuery,
        base: &Filter,
        matches: &mut Matches<'_>,
        limit: u64,
    ) -> Result<Vec<i64>> {
        let (mut clauses, mut args) = (base.clauses.clone(), base.args.clone());
        push_keyset(q, &mut clauses, &mut args);
        let Some((first, last)) = matches.bounds()? else {
            return Ok(Vec::new());
        };
        // Rows outside the matches' seqs are passed over inside SQLite, without a trip to Rust
        // each (`+`: the timeline's index stays the plan). Matches clustered in time (the head
        // of a ULID is its timestamp) sit far from the newest events: at 10M events the newest
        // page of `01m6` walked ≈ 300k rows.
        clauses.push("+e.seq BETWEEN ? AND ?".into());
        args.push(first.into());
        args.push(last.into());
        let mut sql = "SELECT e.seq FROM events e WHERE ".to_owned();
        sql.push_str(&clauses.join(" AND "));
        sql.push_str(order_by(q));
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        let mut found = Vec::new();
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            if matches.contains(seq)? {
                found.push(seq);
                if found.len() as u64 >= limit {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// The seqs of the events the FTS5 expression `expr` ([`Store::match_expr`]) matches in the
    /// tenant with id `tenant` (every tenant: `None`), sorted, from the text index alone; `None`
    /// when there are more than `cap`. Only without an unindexed tail. In a tenant's rowid
    /// range this reads only that tenant's part of each doclist.
    fn text_matches(
        &self,
        expr: &str,
        tenant: Option<i64>,
        cap: usize,
    ) -> Result<Option<Vec<i64>>> {
        let (lo, hi) = tenant.map_or((0, i64::MAX), text::tenant_rowids);
        let mut seqs = self.text_matches_in(expr, lo, hi, Some(cap + 1), false)?;
        if seqs.len() > cap {
            return Ok(None);
        }
        // In one tenant's range the rowids are in seq order already; over all tenants they are
        // in tenant order.
        if tenant.is_none() {
            seqs.sort_unstable();
        }
        Ok(Some(seqs))
    }

    /// The seqs (a rowid's low bits) of the rowids in `[lo, hi]` that `expr` matches, in rowid
    /// order (the highest first when `descending`), at most `limit`.
    fn text_matches_in(
        &self,
        expr: &str,
        lo: i64,
        hi: i64,
        limit: Option<usize>,
        descending: bool,
    ) -> Result<Vec<i64>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT rowid & {} FROM events_text
             WHERE events_text MATCH ?1 AND rowid BETWEEN ?2 AND ?3
             ORDER BY rowid {} LIMIT ?4",
            text::SEQ_MASK,
            if descending { "DESC" } else { "ASC" }
        ))?;
        let limit = limit.map_or(-1, |l| l as i64);
        let seqs = stmt
            .query_map(params![expr, lo, hi, limit], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok(seqs)
    }

    /// Whether this store was opened from an audit bundle (its events carry the exporting
    /// store's seqs). A separate lookup rather than a join, so the timeline's query plans are
    /// the same in every store.
    fn is_from_bundle(&self) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM bundle_seqs)")?
            .query_row([], |r| r.get(0))?)
    }

    /// The exporting store's seq of the event at `seq`, in a store opened from a bundle.
    fn source_seq(&self, seq: i64) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT source_seq FROM bundle_seqs WHERE seq = ?1")?
            .query_row([seq], |r| r.get(0))
            .optional()?)
    }

    /// How many events match `q` (cursors and limit ignored).
    pub fn count(&self, q: &EventQuery) -> Result<u64> {
        if let Some(n) = self.count_text_only(q)? {
            return Ok(n);
        }
        let Some((mut clauses, args)) = self.filter(q)? else {
            return Ok(0);
        };
        let tail = self.text_tail(q, &clauses, &args)?;
        Self::indexed_only(&mut clauses, tail.is_some());
        let mut sql = "SELECT count(*) FROM events e".to_owned();
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        let n: i64 = self
            .conn()
            .query_row(&sql, params_from_iter(args), |r| r.get(0))?;
        Ok(n as u64 + tail.map_or(0, |t| t.len() as u64))
    }

    /// For a query of a tenant (or all) and free text alone, with the whole log indexed: its
    /// count from the text index alone, whose rowids are the tenant's range ([`text::rowid`]).
    /// The usual plan reads the tenant's whole timeline to count (40 ms for a 500k-event tenant).
    fn count_text_only(&self, q: &EventQuery) -> Result<Option<u64>> {
        let Some(t) = &q.text else { return Ok(None) };
        let rest = EventQuery {
            text: None,
            ..q.clone()
        };
        if !rest.has_only_scope() || self.text_seq()? < self.last_seq() {
            return Ok(None);
        }
        let (lo, hi) = match &q.tenant {
            TenantScope::One(name) => match self.tenant_id(name)? {
                Some(id) => text::tenant_rowids(id),
                None => return Ok(Some(0)),
            },
            TenantScope::All => (0, i64::MAX),
        };
        let n: i64 = self
            .conn()
            .prepare_cached(
                "SELECT count(*) FROM events_text
                 WHERE events_text MATCH ?1 AND rowid BETWEEN ?2 AND ?3",
            )?
            .query_row(params![self.match_expr(t)?, lo, hi], |r| r.get(0))?;
        Ok(Some(n as u64))
    }

    /// Events per time bucket over `[from, to)`: `buckets` equal-width bins (at least 1 µs
    /// wide), counting the events that match `q`'s filters. Bins with no events are included
    /// with a count of 0, so the result always has `buckets` entries.
    pub fn histogram(
        &self,
        q: &EventQuery,
        from: Micros,
        to: Micros,
        buckets: u32,
    ) -> Result<Vec<Bucket>> {
        let buckets = buckets.clamp(1, 10_000) as i64;
        // Round the width up, so the bins cover all of [from, to).
        let width = ((to - from + buckets - 1) / buckets).max(1);
        if q.has_only_scope() && width >= MINUTE {
            // The strip over a whole tenant: from the rollup, in whole-minute bins, or whole
            // hours when a bin is an hour or wider.
            let grain = if width >= HOUR { HOUR } else { MINUTE };
            let from = from.div_euclid(grain) * grain;
            let width = (width + grain - 1) / grain * grain;
            let tenant = match &q.tenant {
                TenantScope::One(t) => self.tenant_id(t)?,
                TenantScope::All => None,
            };
            let counts = match (&q.tenant, tenant) {
                (TenantScope::One(_), None) => vec![0; buckets as usize],
                _ => self.rolled_counts(tenant, from, width, buckets)?,
            };
            return Ok(counts
                .into_iter()
                .zip(0..)
                .map(|(count, i)| Bucket {
                    start: time::format_us(from + i * width),
                    start_us: from + i * width,
                    count,
                })
                .collect());
        }
        let mut out: Vec<Bucket> = (0..buckets)
            .map(|i| Bucket {
                start: time::format_us(from + i * width),
                start_us: from + i * width,
                count: 0,
            })
            .collect();
        let Some((mut clauses, mut args)) = self.filter(q)? else {
            return Ok(out);
        };
        let tail = self.text_tail(q, &clauses, &args)?;
        Self::indexed_only(&mut clauses, tail.is_some());
        let end = from + width * buckets;
        for at in tail.iter().flatten() {
            if (from..end).contains(at) {
                out[((at - from) / width) as usize].count += 1;
            }
        }
        clauses.push("e.occurred_at >= ? AND e.occurred_at < ?".into());
        args.push(from.into());
        args.push((from + width * buckets).into());
        let sql = format!(
            "SELECT (e.occurred_at - {from}) / {width}, count(*) FROM events e WHERE {} GROUP BY 1",
            clauses.join(" AND ")
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let (i, n): (i64, i64) = (r.get(0)?, r.get(1)?);
            if let Some(b) = out.get_mut(i as usize) {
                b.count += n as u64;
            }
        }
        Ok(out)
    }

    /// The events matching `q`, collected.
    pub fn events(&self, q: &EventQuery) -> Result<Vec<StoredEvent>> {
        let mut out = Vec::new();
        self.for_each_event(q, |e| {
            out.push(e);
            Ok(())
        })?;
        Ok(out)
    }

    /// One event by `(tenant, id)`.
    pub fn event(&self, tenant: &str, id: &str) -> Result<Option<StoredEvent>> {
        let Some(t) = self.tenant_id(tenant)? else {
            return Ok(None);
        };
        let mut stmt = self.conn().prepare_cached(&format!(
            "{SELECT} WHERE e.tenant = ?1 AND e.ident = ?2 ORDER BY e.seq"
        ))?;
        let mut rows = stmt.query(rusqlite::params![t, &key128(id)[..]])?;
        while let Some(r) = rows.next()? {
            let mut e = row_to_event(r)?;
            if e.id == id {
                e.source_seq = self.source_seq(e.seq)?;
                return Ok(Some(e));
            }
        }
        Ok(None)
    }

    /// Refused records, oldest first.
    pub fn quarantine(&self, limit: Option<u64>) -> Result<Vec<QuarantineRecord>> {
        let mut sql = "SELECT q.qseq, q.received_at, o.name, q.origin_line, q.origin_index,
                q.origin_offset, q.reason, q.message, q.tenant, q.event_id, q.raw_len,
                q.raw_sha256, q.raw IS NOT NULL
            FROM quarantine q JOIN origins o ON o.id = q.origin
            ORDER BY q.qseq"
            .to_owned();
        if let Some(l) = limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            let u = |v: Option<i64>| v.map(|x| x as u64);
            let reason: String = r.get(6)?;
            Ok(QuarantineRecord {
                qseq: r.get(0)?,
                received_at: time::format_us(r.get(1)?),
                origin: r.get(2)?,
                line: u(r.get(3)?),
                index: u(r.get(4)?),
                offset: u(r.get(5)?),
                reason: Reason::from_code(&reason).map_or(reason, |r| r.code().to_owned()),
                message: r.get(7)?,
                tenant: r.get(8)?,
                event_id: r.get(9)?,
                raw_len: r.get::<_, i64>(10)? as u64,
                raw_sha256: hex::encode(r.get::<_, Vec<u8>>(11)?),
                raw_kept: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The raw bytes of a quarantined record, when they were kept.
    pub fn quarantined_raw(&self, qseq: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn()
            .query_row("SELECT raw FROM quarantine WHERE qseq = ?1", [qseq], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    /// Counts and ranges.
    pub fn stats(&self) -> Result<Stats> {
        let c = self.conn();
        // Counts from the rollup plus the tail past its cursor (normally empty): a few rows
        // instead of every event. First and last times: two index seeks per tenant.
        let cursor = self.rollup_seq()?;
        let mut per_tenant: BTreeMap<i64, u64> = BTreeMap::new();
        let mut dialect_codes: BTreeMap<i64, u64> = BTreeMap::new();
        for (sql, into) in [
            (
                "SELECT tenant, sum(n) FROM event_minutes GROUP BY tenant",
                &mut per_tenant,
            ),
            (
                "SELECT dialect, sum(n) FROM event_dialects GROUP BY dialect",
                &mut dialect_codes,
            ),
        ] {
            let mut stmt = c.prepare(sql)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                *into.entry(r.get(0)?).or_default() += r.get::<_, i64>(1)? as u64;
            }
        }
        // The tail, counted here rather than by `GROUP BY`: SQLite's sorter (with
        // `temp_store = MEMORY`) took 0.7 s over 1M events, where reading the rows takes 60 ms
        // (a store whose rollup has not caught up yet is all tail).
        let mut stmt = c.prepare("SELECT tenant, dialect FROM events WHERE seq > ?1")?;
        let mut rows = stmt.query([cursor])?;
        while let Some(r) = rows.next()? {
            *per_tenant.entry(r.get(0)?).or_default() += 1;
            *dialect_codes.entry(r.get(1)?).or_default() += 1;
        }
        let mut tenants = Vec::new();
        let mut name = c.prepare_cached("SELECT name FROM tenants WHERE id = ?1")?;
        let mut first =
            c.prepare_cached("SELECT min(occurred_at) FROM events WHERE tenant = ?1")?;
        let mut last = c.prepare_cached("SELECT max(occurred_at) FROM events WHERE tenant = ?1")?;
        for (&t, &events) in per_tenant.iter().filter(|(_, &n)| n > 0) {
            tenants.push(TenantStats {
                tenant: name.query_row([t], |r| r.get(0))?,
                events,
                first_occurred_at: time::format_us(first.query_row([t], |r| r.get(0))?),
                last_occurred_at: time::format_us(last.query_row([t], |r| r.get(0))?),
            });
        }
        tenants.sort_by(|a, b| a.tenant.cmp(&b.tenant));
        let dialects: BTreeMap<String, u64> = dialect_codes
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .filter_map(|(d, n)| Dialect::from_code(d).map(|d| (d.as_str().to_owned(), n)))
            .collect();
        let mut quarantine = BTreeMap::new();
        let mut stmt = c.prepare("SELECT reason, count(*) FROM quarantine GROUP BY reason")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            quarantine.insert(r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64);
        }
        Ok(Stats {
            events: tenants.iter().map(|t| t.events).sum(),
            quarantined: quarantine.values().sum(),
            last_seq: self.last_seq(),
            head: hex::encode(self.head()),
            tenants,
            dialects,
            quarantine,
            path: self.path().display().to_string(),
        })
    }
}

/// One bin of a histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Bucket {
    /// Start of the bin, RFC 3339.
    pub start: String,
    /// Start of the bin, µs since the epoch.
    #[ts(type = "number")]
    pub start_us: Micros,
    /// Events in it.
    #[ts(type = "number")]
    pub count: u64,
}

/// One quarantined record, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct QuarantineRecord {
    /// Position in the quarantine.
    #[ts(type = "number")]
    pub qseq: i64,
    /// When it was refused.
    pub received_at: String,
    /// File, bundle or connection.
    pub origin: String,
    /// 1-based line.
    #[ts(as = "Option<f64>")]
    pub line: Option<u64>,
    /// Index in an enclosing array.
    #[ts(as = "Option<f64>")]
    pub index: Option<u64>,
    /// Byte offset.
    #[ts(as = "Option<f64>")]
    pub offset: Option<u64>,
    /// Reason code.
    pub reason: String,
    /// In words.
    pub message: String,
    /// For conflicts: the tenant of the identity.
    pub tenant: Option<String>,
    /// For conflicts: the id.
    pub event_id: Option<String>,
    /// Raw length in bytes.
    #[ts(type = "number")]
    pub raw_len: u64,
    /// Hex SHA-256 of the raw bytes.
    pub raw_sha256: String,
    /// Whether the raw bytes are kept (false past the size cap).
    pub raw_kept: bool,
}

/// Per-tenant counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct TenantStats {
    /// The tenant ("" = personal).
    pub tenant: String,
    /// Its events.
    #[ts(type = "number")]
    pub events: u64,
    /// Earliest `occurred_at`.
    pub first_occurred_at: String,
    /// Latest `occurred_at`.
    pub last_occurred_at: String,
}

/// What `stats` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Stats {
    /// The store file.
    pub path: String,
    /// Stored events.
    #[ts(type = "number")]
    pub events: u64,
    /// Quarantined records.
    #[ts(type = "number")]
    pub quarantined: u64,
    /// The last `seq`.
    #[ts(type = "number")]
    pub last_seq: i64,
    /// Hash-chain head, hex.
    pub head: String,
    /// Per tenant.
    pub tenants: Vec<TenantStats>,
    /// Per dialect.
    #[ts(as = "BTreeMap<String, f64>")]
    pub dialects: BTreeMap<String, u64>,
    /// Per quarantine reason.
    #[ts(as = "BTreeMap<String, f64>")]
    pub quarantine: BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::TypePattern;

    #[test]
    fn spine_wildcards() {
        let p = |s: &str| TypePattern::new(s).unwrap();
        assert!(p("code.analysis.complete").matches("code.analysis.complete"));
        assert!(!p("code.analysis.complete").matches("code.analysis.completed"));
        assert!(p("code.*").matches("code.analysis.complete"));
        assert!(p("code.*").matches("code.upload"));
        assert!(!p("code.*").matches("code"));
        assert!(!p("code.*").matches("codex.upload"));
        assert!(p("review.agent.*").matches("review.agent.complete"));
        assert!(!p("review.agent.*").matches("review.started"));
        assert!(p("**").matches("anything.at.all"));
        assert!(p("**").matches("ArtifactCreated"));
        assert!(p("approval_*").matches("approval_granted"));
        assert!(p("approval.*.approved").matches("approval.action.approved"));
        assert!(!p("approval.*.approved").matches("approval.action.denied"));
        assert!(p("**.approved").matches("approval.action.approved"));
        assert!(TypePattern::new("  ").is_err());
    }
}
