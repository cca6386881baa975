//! Pre-aggregated counts for the histogram strip, events per (tenant, minute) and per (tenant,
//! hour), and for `stats`, events per (tenant, dialect).
//!
//! The strip over a tenant's whole history is the first thing the timeline draws. Counting it
//! from the events index reads every event (15 ms at 1M, so ≈150 ms at 10M); `event_minutes`
//! reads one row per minute that has events, whatever their number.
//!
//! Like the text index it is derived from the log after ingest commits, never on the per-row
//! path, with a cursor (`meta.rollup_seq`); a read adds the events past the cursor (normally none)
//! straight from `events`, so it is never stale. Only a histogram of a tenant's events with no
//! other filter, in bins of a minute or more, uses it; those bins start on whole minutes, or on
//! whole hours when they are an hour or wider (read from `event_hours`: a long range is then a
//! few hundred rows, not tens of thousands); the returned buckets carry their start, so callers
//! draw what they got.

use rusqlite::OptionalExtension;

use crate::store::{Result, Store};
use crate::time::Micros;

/// Events folded per statement by [`Store::roll_up`].
const SLICE: i64 = 50_000;

/// The rollup's grain.
pub const MINUTE: Micros = 60_000_000;

/// The coarse grain.
pub const HOUR: Micros = 60 * MINUTE;

/// `occurred_at` floored to its minute, in SQL (`%` truncates towards zero; events before 1970
/// floor too).
const MINUTE_OF: &str =
    "((occurred_at - ((occurred_at % 60000000) + 60000000) % 60000000) / 60000000)";

/// `occurred_at` floored to its hour, in SQL.
const HOUR_OF: &str =
    "((occurred_at - ((occurred_at % 3600000000) + 3600000000) % 3600000000) / 3600000000)";

impl Store {
    /// The last `seq` the rollup covers.
    pub fn rollup_seq(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'rollup_seq'", [], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(0))
    }

    /// Fold the events past the cursor into `event_minutes`, in one transaction; returns how many
    /// events it folded. Idempotent; a no-op on a read-only store.
    pub fn roll_up(&mut self) -> Result<u64> {
        let done = self.rollup_seq()?;
        let last = self.last_seq();
        if self.is_read_only() || done >= last {
            return Ok(0);
        }
        let tx = self.conn().unchecked_transaction()?;
        // In slices of the log: the GROUP BY sorts its rows, so a slice bounds that memory (one
        // statement over 1M events raised ingest's peak RSS from 196 to 246 MB).
        let mut from = done;
        while from < last {
            let to = (from + SLICE).min(last);
            for (table, key, of) in [
                ("event_minutes", "minute", MINUTE_OF),
                ("event_hours", "hour", HOUR_OF),
                ("event_dialects", "dialect", "dialect"),
            ] {
                tx.execute(
                    &format!(
                        "INSERT INTO {table} (tenant, {key}, n)
                         SELECT tenant, {of}, count(*) FROM events
                         WHERE seq > ?1 AND seq <= ?2 GROUP BY 1, 2
                         ON CONFLICT (tenant, {key}) DO UPDATE SET n = n + excluded.n"
                    ),
                    [from, to],
                )?;
            }
            from = to;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('rollup_seq', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [last],
        )?;
        tx.commit()?;
        Ok((last - done) as u64)
    }

    /// Per-bin counts of `tenant`'s events (all tenants when `None`) over `buckets` bins of
    /// `width` µs from `from`; both multiples of [`MINUTE`], and read per hour when both are
    /// multiples of [`HOUR`].
    pub(crate) fn rolled_counts(
        &self,
        tenant: Option<i64>,
        from: Micros,
        width: Micros,
        buckets: i64,
    ) -> Result<Vec<u64>> {
        debug_assert!(from % MINUTE == 0 && width % MINUTE == 0);
        let mut out = vec![0u64; buckets as usize];
        let end = from + width * buckets;
        let cursor = self.rollup_seq()?;
        let tenant_clause = tenant.map_or(String::new(), |t| format!("tenant = {t} AND "));
        let (table, key, grain) = if from % HOUR == 0 && width % HOUR == 0 {
            ("event_hours", "hour", HOUR)
        } else {
            ("event_minutes", "minute", MINUTE)
        };
        // What the rollup folded, binned here: one row per minute (or hour) read in key order.
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {key}, n FROM {table} WHERE {tenant_clause} {key} >= ?1 AND {key} < ?2"
        ))?;
        let mut rows = stmt.query([from / grain, end / grain])?;
        while let Some(r) = rows.next()? {
            let (at, n): (i64, i64) = (r.get(0)?, r.get(1)?);
            if let Some(b) = out.get_mut(((at * grain - from) / width) as usize) {
                *b += n as u64;
            }
        }
        // The events past its cursor (normally none), found by their seqs: `+` keeps SQLite from
        // taking the (tenant, occurred_at) index instead, which read a whole tenant's range to
        // find no row (≈ 20 ms for a 500k-event tenant).
        let tenant_clause = tenant.map_or(String::new(), |t| format!("+tenant = {t} AND "));
        let mut stmt = self.conn().prepare(&format!(
            "SELECT occurred_at FROM events
             WHERE seq > ?1 AND {tenant_clause} +occurred_at >= ?2 AND +occurred_at < ?3"
        ))?;
        let mut rows = stmt.query([cursor, from, end])?;
        while let Some(r) = rows.next()? {
            let at: i64 = r.get(0)?;
            if let Some(b) = out.get_mut(((at - from) / width) as usize) {
                *b += 1;
            }
        }
        Ok(out)
    }
}
