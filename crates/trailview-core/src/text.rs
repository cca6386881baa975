//! Free-text search: an SQLite FTS5 index over each event's type, ids and payload text.
//!
//! The index is *derived*: a contentless FTS5 table (`events_text`) holding only the token index,
//! built from `raw` by the same `normalize` that wrote the row, and rebuildable from the log at
//! any time. Its rowid is [`rowid`]`(tenant, seq)`: the tenant in the high bits, so each tenant's
//! documents are one rowid range and a search scoped to a tenant reads only that tenant's part of
//! each doclist (FTS5 seeks to a rowid bound) instead of every match in the store.
//!
//! It is kept off the ingest path — indexing costs more per event than storing it — and caught
//! up afterwards by [`Store::index_text`] (the CLI after `ingest`, the app and `serve` in the
//! background). Its cursor, `meta.text_seq`, is the last `seq` indexed.
//!
//! Reads never wait for it and are never stale: a text filter matches indexed rows through FTS5
//! and checks the unindexed tail (`seq > text_seq`, normally empty) in Rust with the same rule,
//! [`TextQuery::matches`].
//!
//! The rule: the query's words are lower-cased and split on anything that is not a letter or a
//! digit; an event matches when every query word is the *start* of one of its words. So `alice`
//! finds `alice@example.com`, `7f3a` finds the trace `7f3a9c…`, and `approval gran` finds
//! `approval_granted` (whose words are `approval` and `granted`).

use rusqlite::OptionalExtension;
use serde_json::Value;

use crate::normalize::{self, Event};
use crate::store::{Result, Store, StoreError};

/// At most this much text of one event is indexed (payloads can be 1 MB): the head of a huge
/// payload stays searchable, the index stays proportionate.
pub const MAX_INDEXED_BYTES: usize = 64 * 1024;

/// Rows indexed per step of the background catch-up ([`Store::index_text_batch`]): it holds the
/// writer, so its steps stay short.
const BATCH: i64 = 20_000;

/// Rows per transaction of a whole catch-up ([`Store::index_text`]): every commit flushes FTS5's
/// pending terms into a new segment, and segments mean merges later.
const BULK_BATCH: i64 = 100_000;

/// FTS5's budget for pending terms (`hashsize`; default 1 MiB), past which it flushes a
/// segment. With the prefix indexes each word adds up to five terms, and at 1 MiB the flushes
/// and their merges were most of the build. Measured on 300k events (docs/BENCHMARKS.md): 14.0 s
/// at 1 MiB and 20k-row commits, 8.8 s at 16 MiB and 100k-row commits.
const HASH_SIZE: i64 = 16 * 1024 * 1024;

/// The writer's page cache while it builds the index, in KiB (instead of the store's 150 MB):
/// FTS5 appends segments and needs few pages cached, and the pending terms above need the room
/// within ingest's 200 MB.
const INDEXING_CACHE_KIB: i64 = 100 * 1024;

/// Rows of the log the document thread reads per statement (and read transaction), a few MB
/// of documents.
const READ_WINDOW: i64 = 4_096;

/// Most bytes of documents one transaction of the build holds (they are sorted by rowid before
/// FTS5 sees them), besides its [`BULK_BATCH`] / [`BATCH`] rows: documents of 64 KiB each would
/// otherwise make a 100k-row batch 6 GB. Up to three are in memory: one written, one handed
/// over, one being built.
const BATCH_BYTES: usize = 32 << 20;

/// The longest prefix, in characters, FTS5 keeps an index of (`prefix = '1 2 3 4'`, migration 8).
const PREFIX_INDEXED: usize = 4;

/// At most this many terms replace a longer word ([`Store::match_expr`]); a word that starts
/// more (the head of a time-ordered id) stays a prefix query.
const MAX_EXPANSION: usize = 32;

/// Bits of a text rowid that hold the event's `seq`; the tenant's id is above them.
pub const SEQ_BITS: u32 = 40;

/// The `seq` bits of a text rowid.
pub const SEQ_MASK: i64 = (1 << SEQ_BITS) - 1;

/// The text index's rowid of the event at `seq` in the tenant with id `tenant` (`tenants.id`);
/// `None` past 2^40 events or 2^23 tenants.
pub fn rowid(tenant: i64, seq: i64) -> Option<i64> {
    ((0..1 << (63 - SEQ_BITS)).contains(&tenant) && (0..=SEQ_MASK).contains(&seq))
        .then_some(tenant << SEQ_BITS | seq)
}

/// The first and last text rowid of the tenant with id `tenant`.
pub fn tenant_rowids(tenant: i64) -> (i64, i64) {
    (tenant << SEQ_BITS, tenant << SEQ_BITS | SEQ_MASK)
}

/// One transaction's worth of documents, as the thread that builds them hands them over.
#[derive(Default)]
struct Batch {
    /// (text rowid, document), in rowid order.
    docs: Vec<(i64, String)>,
    /// The documents' bytes.
    bytes: usize,
    /// Rows of the log it covers (rows that no longer normalize have no document).
    rows: i64,
    /// The last `seq` it covers: the cursor once it is committed.
    last: i64,
}

/// A parsed free-text query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextQuery {
    words: Vec<String>,
}

impl TextQuery {
    /// Parse what the user typed; `None` when it has no words (only punctuation, or empty).
    pub fn parse(text: &str) -> Option<TextQuery> {
        let words: Vec<String> = words(text).map(str::to_lowercase).collect();
        (!words.is_empty()).then_some(TextQuery { words })
    }

    /// The query's words, lower-cased.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(String::as_str)
    }

    /// The FTS5 MATCH expression: each word a quoted prefix query, all required. Quoting makes
    /// every word a literal (no FTS5 operators, column filters or syntax errors from user text).
    /// Searches use [`Store::match_expr`], which answers the same faster.
    pub fn fts5(&self) -> String {
        self.words
            .iter()
            .map(|w| format!("{}*", quoted(w)))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Whether `text` matches: every query word starts one of its words (case-insensitive).
    pub fn matches(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        let mine: Vec<&str> = words(&lower).collect();
        self.words
            .iter()
            .all(|q| mine.iter().any(|w| w.starts_with(q.as_str())))
    }

    /// Whether the event stored as `raw` matches.
    pub fn matches_raw(&self, raw: &[u8]) -> bool {
        document(raw).is_some_and(|d| self.matches(&d))
    }
}

/// `w` as an FTS5 string: a literal, whatever it holds.
fn quoted(w: &str) -> String {
    format!("\"{}\"", w.replace('"', "\"\""))
}

/// The words of `text`: maximal runs of letters and digits (FTS5's `unicode61` tokenizer splits
/// the same way).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The searchable text of the event stored as `raw`: type, id, source, actor, user, links,
/// subject values and every string and number in the payload, capped at [`MAX_INDEXED_BYTES`].
/// `None` when `raw` no longer normalizes (only a store edited behind its triggers).
pub fn document(raw: &[u8]) -> Option<String> {
    let n = normalize::normalize(raw).ok()?;
    let mut doc = Doc::default();
    let Event {
        id,
        kind,
        source,
        actor,
        user_id,
        correlation_id,
        causation_id,
        parent_id,
        trace_id,
        subject,
        ..
    } = &n.event;
    for s in [id, kind, source] {
        doc.push(s);
    }
    if let Some(a) = actor {
        for s in [&a.kind, &a.id].into_iter().flatten() {
            doc.push(s);
        }
    }
    for s in [user_id, correlation_id, causation_id, parent_id, trace_id]
        .into_iter()
        .flatten()
    {
        doc.push(s);
    }
    for v in subject.values() {
        doc.value(v);
    }
    if let Some(p) = n.payload {
        if let Ok(v) = normalize::parse_value(p.get()) {
            doc.value(&v);
        }
    }
    Some(doc.text)
}

#[derive(Default)]
struct Doc {
    text: String,
}

impl Doc {
    fn full(&self) -> bool {
        self.text.len() >= MAX_INDEXED_BYTES
    }

    fn push(&mut self, s: &str) {
        if self.full() || s.is_empty() {
            return;
        }
        let room = MAX_INDEXED_BYTES - self.text.len();
        let mut end = s.len().min(room);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.text.push_str(&s[..end]);
        self.text.push('\n');
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::String(s) => self.push(s),
            Value::Number(n) => self.push(&n.to_string()),
            Value::Array(items) => {
                for i in items {
                    if self.full() {
                        break;
                    }
                    self.value(i);
                }
            }
            Value::Object(map) => {
                for i in map.values() {
                    if self.full() {
                        break;
                    }
                    self.value(i);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
}

/// What [`Store::index_text`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextIndexReport {
    /// Events indexed by this call.
    pub indexed: u64,
    /// The last `seq` now indexed.
    pub text_seq: i64,
}

impl Store {
    /// The FTS5 MATCH expression of `t`, as [`TextQuery::fts5`] but with each word longer than
    /// [`PREFIX_INDEXED`] characters replaced by the terms it starts, when there are at most
    /// [`MAX_EXPANSION`]: `complet` becomes `("complete" OR "completed")`.
    ///
    /// FTS5 answers a prefix query its prefix indexes do not hold by merging the doclists of
    /// every term the prefix starts, over the whole store, before it applies a rowid range: at
    /// 10M events `"completed"*` cost 51 ms in one tenant's range, and the term `"completed"`
    /// 1.4 ms (docs/BENCHMARKS.md). The same events match either way.
    pub fn match_expr(&self, t: &TextQuery) -> Result<String> {
        Ok(self.match_expr_seekable(t)?.0)
    }

    /// [`Store::match_expr`], and whether each of its words is a prefix index's or a list of
    /// terms: then FTS5 seeks to a rowid range in each doclist, and a range of one tenant's
    /// seqs costs in proportion to its matches. (A longer prefix merges its terms' doclists
    /// over the whole store first, on every query.)
    pub(crate) fn match_expr_seekable(&self, t: &TextQuery) -> Result<(String, bool)> {
        let mut parts = Vec::new();
        let mut seekable = true;
        for w in t.words() {
            let terms = if w.chars().count() > PREFIX_INDEXED {
                self.terms_starting(w)?
            } else {
                None
            };
            parts.push(match terms {
                Some(terms) if !terms.is_empty() => {
                    let terms: Vec<String> = terms.iter().map(|t| quoted(t)).collect();
                    format!("({})", terms.join(" OR "))
                }
                _ => {
                    seekable &= w.chars().count() <= PREFIX_INDEXED;
                    format!("{}*", quoted(w))
                }
            });
        }
        Ok((parts.join(" AND "), seekable))
    }

    /// The terms of the text index that start with `prefix`, in order; `None` when there are
    /// more than [`MAX_EXPANSION`]. One seek per term through FTS5's vocabulary table (its
    /// `instance` form: the `row` form counts every term's documents).
    fn terms_starting(&self, prefix: &str) -> Result<Option<Vec<String>>> {
        let conn = self.conn();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.events_text_terms
             USING fts5vocab(main, events_text, instance)",
        )?;
        let mut next = conn.prepare_cached(
            "SELECT term FROM temp.events_text_terms WHERE term >= ?1 ORDER BY term LIMIT 1",
        )?;
        let mut terms: Vec<String> = Vec::new();
        let mut from = prefix.to_owned();
        while let Some(term) = next
            .query_row([&from], |r| r.get::<_, String>(0))
            .optional()?
            .filter(|t| t.starts_with(prefix))
        {
            if terms.len() == MAX_EXPANSION {
                return Ok(None);
            }
            // The least string after `term`: the tokenizer keeps no control characters.
            from = format!("{term}\u{1}");
            terms.push(term);
        }
        Ok(Some(terms))
    }

    /// The last `seq` the text index covers.
    pub fn text_seq(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'text_seq'", [], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(0))
    }

    /// Bring the text index up to the end of the log, calling `progress(indexed so far, to
    /// index in all)` after each committed batch. Idempotent; a no-op on a read-only store.
    ///
    /// Two threads, as ingest does: one reads `raw` on its own read-only connection and builds
    /// a transaction's documents in rowid order (re-normalizing is half the work), this one feeds
    /// them to FTS5 and commits every [`BULK_BATCH`] rows with the cursor, so an interruption
    /// loses at most one batch of work and never indexes a row twice.
    pub fn index_text(&mut self, progress: impl FnMut(u64, u64)) -> Result<TextIndexReport> {
        if self.is_read_only() || self.text_seq()? >= self.last_seq() {
            return self.index_text_upto(self.last_seq(), BULK_BATCH, progress);
        }
        let conn = self.conn();
        conn.execute(
            "INSERT INTO events_text (events_text, rank) VALUES ('hashsize', ?1)",
            [HASH_SIZE],
        )?;
        conn.pragma_update(None, "cache_size", -INDEXING_CACHE_KIB)?;
        let report = self.index_text_upto(self.last_seq(), BULK_BATCH, progress);
        self.conn()
            .pragma_update(None, "cache_size", -crate::store::CACHE_KIB)?;
        report
    }

    /// [`Store::index_text`] up to `seq = end`.
    fn index_text_upto(
        &mut self,
        end: i64,
        rows_per_commit: i64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<TextIndexReport> {
        let start = self.text_seq()?;
        if self.is_read_only() || start >= end {
            return Ok(TextIndexReport {
                indexed: 0,
                text_seq: start,
            });
        }
        let total = (end - start) as u64;
        let path = self.path().to_owned();
        // One message per transaction, so the next batch is built while this one is written.
        let (send, receive) = std::sync::mpsc::sync_channel::<Result<Batch>>(1);
        let reader = std::thread::Builder::new()
            .name("trailview-text".into())
            .spawn(move || {
                let read = || -> Result<()> {
                    let conn = rusqlite::Connection::open_with_flags(
                        &path,
                        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    let mut stmt = conn.prepare(
                        "SELECT seq, tenant, raw FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
                    )?;
                    let mut batch = Batch::default();
                    // A window of the log per statement, read whole before the next: no read
                    // transaction is open while this thread waits for the writer, so the
                    // writer's checkpoints can fold the WAL back into the file and start it over
                    // as the index grows. (One statement over the whole log held its snapshot for
                    // the whole build: at 10M events the WAL grew past 5 GB, slowing every read.)
                    let mut from = start;
                    while from < end {
                        let to = end.min(from + READ_WINDOW.min(rows_per_commit - batch.rows));
                        let mut rows = stmt.query([from, to])?;
                        while let Some(r) = rows.next()? {
                            let (seq, tenant): (i64, i64) = (r.get(0)?, r.get(1)?);
                            let key = rowid(tenant, seq).ok_or_else(|| {
                                StoreError::Io(format!(
                                    "event {seq} (tenant id {tenant}) is past what the text \
                                     index can number (2^40 events, 2^23 tenants)"
                                ))
                            })?;
                            let raw = r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
                            // A row that no longer normalizes (edited behind the triggers)
                            // gets no text; `verify` names it.
                            if let Some(doc) = document(raw) {
                                batch.bytes += doc.len();
                                batch.docs.push((key, doc));
                            }
                            batch.last = seq;
                            batch.rows += 1;
                        }
                        drop(rows);
                        from = to;
                        if batch.rows >= rows_per_commit || batch.bytes >= BATCH_BYTES || from >= end
                        {
                            // FTS5 flushes its pending terms into a new segment whenever a rowid
                            // is lower than the one before, and the log interleaves tenants.
                            batch.docs.sort_unstable_by_key(|(key, _)| *key);
                            if send.send(Ok(std::mem::take(&mut batch))).is_err() {
                                return Ok(()); // the writer stopped: its error is the one to report
                            }
                        }
                    }
                    Ok(())
                };
                if let Err(e) = read() {
                    let _ = send.send(Err(e));
                }
            })
            .map_err(|e| StoreError::Io(format!("cannot start the text indexing thread: {e}")))?;

        let mut indexed = 0u64;
        let mut batches = receive.into_iter();
        let result = (|| -> Result<()> {
            for batch in batches.by_ref() {
                let batch = batch?;
                let tx = self.conn().unchecked_transaction()?;
                {
                    let mut insert =
                        tx.prepare_cached("INSERT INTO events_text (rowid, body) VALUES (?1, ?2)")?;
                    for (key, doc) in &batch.docs {
                        insert.execute(rusqlite::params![key, doc])?;
                    }
                }
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('text_seq', ?1)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [batch.last],
                )?;
                tx.commit()?;
                indexed += batch.rows as u64;
                progress(indexed, total);
            }
            Ok(())
        })();
        // On an error the receiver goes first, so a reader blocked on a full channel wakes up.
        drop(batches);
        let _ = reader.join();
        result?;
        Ok(TextIndexReport {
            indexed,
            text_seq: self.text_seq()?,
        })
    }

    /// Index the next batch of unindexed events (at most [`BATCH`]) in one transaction;
    /// returns how many (0 when the index is complete, or the store is read-only). The
    /// background catch-up calls this between other writes.
    pub fn index_text_batch(&mut self) -> Result<u64> {
        let end = self.last_seq().min(self.text_seq()?.saturating_add(BATCH));
        Ok(self.index_text_upto(end, BATCH, |_, _| {})?.indexed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_prefixes_and_case_free() {
        let q = TextQuery::parse("Alice gran").unwrap();
        assert!(q.matches("approval_granted by alice@example.com"));
        assert!(!q.matches("approval_granted by bob"));
        assert!(
            !q.matches("alice regranted"),
            "prefix of a word, not a substring"
        );
    }

    #[test]
    fn a_text_rowid_is_its_tenants_range_and_its_seq() {
        let r = rowid(3, 77).unwrap();
        let (lo, hi) = tenant_rowids(3);
        assert!((lo..=hi).contains(&r));
        assert_eq!(r & SEQ_MASK, 77);
        assert!(tenant_rowids(2).1 < lo && hi < tenant_rowids(4).0);
        // Past what 63 bits can number: refused, never wrapped into another tenant's range.
        assert_eq!(rowid(3, 1 << SEQ_BITS), None);
        assert_eq!(rowid(1 << (63 - SEQ_BITS), 1), None);
        assert_eq!(rowid(-1, 1), None);
    }

    #[test]
    fn punctuation_only_is_no_query() {
        assert_eq!(TextQuery::parse("  ..-/ "), None);
        assert_eq!(TextQuery::parse(""), None);
    }

    #[test]
    fn user_text_cannot_inject_fts5_syntax() {
        let q = TextQuery::parse("a\" OR body:* NEAR(x").unwrap();
        // Only words survive, each quoted.
        assert_eq!(
            q.fts5(),
            "\"a\"* AND \"or\"* AND \"body\"* AND \"near\"* AND \"x\"*"
        );
    }

    #[test]
    fn document_holds_ids_type_and_payload_strings() {
        let raw = r#"{"event_id":"e-1","event_type":"approval.action.approved","timestamp":"2026-01-01T00:00:00Z","tenant_id":"acme","source":"ecosystem.gate","correlation_id":"corr-77","payload":{"note":"ship <b>it</b>","n":42,"nested":{"who":"Zoë"}}}"#;
        let d = document(raw.as_bytes()).unwrap();
        for w in [
            "e-1",
            "approval.action.approved",
            "corr-77",
            "ship",
            "42",
            "Zoë",
        ] {
            assert!(d.contains(w), "{w} missing from {d:?}");
        }
    }

    #[test]
    fn a_huge_payload_is_capped_on_a_char_boundary() {
        let big = "é".repeat(MAX_INDEXED_BYTES);
        let raw = format!(
            r#"{{"id":"x","type":"t.a","time":"2026-01-01T00:00:00Z","data":{{"s":"{big}"}}}}"#
        );
        let d = document(raw.as_bytes()).unwrap();
        assert!(d.len() <= MAX_INDEXED_BYTES + 1);
    }
}
