//! Alert rules, evaluated over windows of a tenant's events.
//!
//! The Event Spine's God Mode has "configurable alert rules (e.g., alert if
//! `review.agent.complete` error rate > 5%)"; Aximo §8 defines its rates as ratios of event
//! types. A rule here is one of those, judged in tumbling windows (aligned to the epoch, so the
//! same store always gives the same windows); each window where it holds is a **firing**, listed
//! with the events behind it. Like the metrics, nothing is stored: rules are read from a small
//! file (TOML, or JSON) or from the UI, and evaluated against the log on every call.
//!
//! ## Rule file (docs/ALERTS.md has the full reference)
//! ```toml
//! [[rules]]
//! name = "review agents failing"     # unique
//! metric = "error_rate"              # error_rate | ratio | count
//! type = "review.agent.complete"     # type pattern, Spine wildcards (`review.agent.*`)
//! above = "5%"                       # or below = …; a number (0.05) or a percentage
//! window = "1h"                      # s, m, h or d
//! min_events = 20                    # judge a window only with this many (denominator) events
//! # over = "execution_triggered"     # ratio: the denominator's type pattern
//! # source = "meshos.review-service" # only events of this source
//! ```
//! The same as JSON: `{"rules": [{"name": …, "metric": "error_rate", …}]}`.
//!
//! ## Metrics
//! - `error_rate`: of the events matching `type`, the share that are errors (see [`is_error`]);
//! - `ratio`: events matching `type` per event matching `over` (Aximo: `execution_failed` over
//!   `execution_triggered`; `sla_breached` over `execution_completed`);
//! - `count`: events matching `type` in the window (`below` rules also judge empty windows).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::metrics::tenant_key;
use crate::normalize;
use crate::query::TypePattern;
use crate::store::{Store, StoreError};
use crate::time::{self, Micros};

/// The rules used when none are given: the seeds' own examples.
pub const DEFAULT_RULES: &str = r#"# Trailview's default alert rules: the examples of the seeds.

# Event Spine, God Mode: "alert if review.agent.complete error rate > 5%".
[[rules]]
name = "review agents failing"
metric = "error_rate"
type = "review.agent.complete"
above = "5%"
window = "1h"
min_events = 5

# Aximo §8: error rate = execution_failed / execution_triggered.
[[rules]]
name = "executions failing"
metric = "ratio"
type = "execution_failed"
over = "execution_triggered"
above = "5%"
window = "1h"
min_events = 5

# Aximo §8: SLA breach rate = sla_breached / execution_completed.
[[rules]]
name = "SLA breaches"
metric = "ratio"
type = "sla_breached"
over = "execution_completed"
above = "10%"
window = "1d"
min_events = 5
"#;

/// Evidence events listed per firing.
pub const EVIDENCE_PER_FIRING: usize = 20;
/// The most windows one rule may judge.
pub const MAX_WINDOWS: i64 = 100_000;

/// Errors of alerting, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The rules cannot be read or make no sense.
    #[error("{0}")]
    BadRules(String),
}

impl From<rusqlite::Error> for AlertError {
    fn from(e: rusqlite::Error) -> Self {
        AlertError::Store(e.into())
    }
}

/// What a rule measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
#[serde(rename_all = "snake_case")]
pub enum RuleMetric {
    /// Share of errors among the events of `type`.
    ErrorRate,
    /// Events of `type` per event of `over`.
    Ratio,
    /// Events of `type`.
    Count,
}

/// A threshold: a number, or a percentage string (`"5%"` is 0.05).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum Threshold {
    Number(f64),
    Text(String),
}

impl Threshold {
    fn value(&self, rule: &str) -> Result<f64, AlertError> {
        let v = match self {
            Threshold::Number(n) => *n,
            Threshold::Text(s) => {
                let t = s.trim();
                let (num, scale) = match t.strip_suffix('%') {
                    Some(p) => (p.trim(), 0.01),
                    None => (t, 1.0),
                };
                num.parse::<f64>().map(|n| n * scale).map_err(|_| {
                    AlertError::BadRules(format!(
                        "rule {rule:?}: threshold {s:?} is not a number or a percentage"
                    ))
                })?
            }
        };
        if v.is_finite() {
            Ok(v)
        } else {
            Err(AlertError::BadRules(format!(
                "rule {rule:?}: the threshold must be a finite number"
            )))
        }
    }
}

/// One rule as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    name: String,
    metric: RuleMetric,
    #[serde(rename = "type")]
    types: String,
    over: Option<String>,
    source: Option<String>,
    above: Option<Threshold>,
    below: Option<Threshold>,
    window: String,
    min_events: Option<u64>,
    description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<RuleSpec>,
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Rule {
    /// Unique name.
    pub name: String,
    /// What it measures.
    pub metric: RuleMetric,
    /// The events counted (numerator / population), a type pattern.
    #[serde(rename = "type")]
    pub types: String,
    /// `ratio`: the denominator's type pattern.
    pub over: Option<String>,
    /// Only events of this source.
    pub source: Option<String>,
    /// `above` or `below`.
    pub comparison: Comparison,
    /// The threshold (a fraction for rates).
    pub threshold: f64,
    /// Window length, µs.
    #[ts(type = "number")]
    pub window_us: Micros,
    /// The window as written (`1h`).
    pub window: String,
    /// Rates only: a window is judged only when its denominator (population) has this many
    /// events (default 1). A count is its own measure.
    #[ts(type = "number")]
    pub min_events: u64,
    /// Free text.
    pub description: Option<String>,
}

/// Which side of the threshold fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// Fires when the value is greater than the threshold.
    Above,
    /// Fires when the value is less than the threshold.
    Below,
}

/// Parse a rule file: JSON when it starts with `{`, else TOML.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, AlertError> {
    let file: RuleFile = if text.trim_start().starts_with('{') {
        serde_json::from_str(text)
            .map_err(|e| AlertError::BadRules(format!("rules (JSON): {e}")))?
    } else {
        toml::from_str(text).map_err(|e| {
            // One line: where, then what (the crate's own Display draws a multi-line excerpt).
            let at = e.span().map_or(String::new(), |s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!(" at line {line}, column {col}")
            });
            AlertError::BadRules(format!("rules (TOML){at}: {}", e.message().trim()))
        })?
    };
    if file.rules.is_empty() {
        return Err(AlertError::BadRules("the rule file has no rules".into()));
    }
    let mut out: Vec<Rule> = Vec::new();
    for s in file.rules {
        let bad = |m: String| AlertError::BadRules(format!("rule {:?}: {m}", s.name));
        if s.name.trim().is_empty() {
            return Err(AlertError::BadRules("every rule needs a name".into()));
        }
        if out.iter().any(|r| r.name == s.name) {
            return Err(bad("two rules have this name".into()));
        }
        TypePattern::new(&s.types).map_err(|e| bad(format!("type: {e}")))?;
        match (s.metric, &s.over) {
            (RuleMetric::Ratio, None) => {
                return Err(bad("a ratio needs `over`: the denominator's type".into()))
            }
            (RuleMetric::Ratio, Some(o)) => {
                TypePattern::new(o).map_err(|e| bad(format!("over: {e}")))?;
            }
            (_, Some(_)) => return Err(bad("`over` is only for ratio rules".into())),
            (_, None) => {}
        }
        let (comparison, threshold) = match (&s.above, &s.below) {
            (Some(t), None) => (Comparison::Above, t.value(&s.name)?),
            (None, Some(t)) => (Comparison::Below, t.value(&s.name)?),
            _ => return Err(bad("give exactly one of `above` and `below`".into())),
        };
        let window_us = parse_window(&s.window).map_err(bad)?;
        out.push(Rule {
            min_events: s.min_events.unwrap_or(1).max(1),
            name: s.name,
            metric: s.metric,
            types: s.types,
            over: s.over,
            source: s.source,
            comparison,
            threshold,
            window_us,
            window: s.window,
            description: s.description,
        });
    }
    Ok(out)
}

/// `30s`, `15m`, `1h`, `7d` → µs; between one second and 366 days.
pub fn parse_window(s: &str) -> Result<Micros, String> {
    let t = s.trim();
    let unit = t.chars().last().unwrap_or(' ');
    let scale: i64 = match unit {
        's' => 1_000_000,
        'm' => 60_000_000,
        'h' => 3_600_000_000,
        'd' => 86_400_000_000,
        _ => {
            return Err(format!(
                "window {s:?}: write a number and s, m, h or d (\"1h\")"
            ))
        }
    };
    let n: i64 = t[..t.len() - 1]
        .trim()
        .parse()
        .map_err(|_| format!("window {s:?}: write a whole number and s, m, h or d (\"1h\")"))?;
    if n <= 0 || n.saturating_mul(scale) > 366 * 86_400_000_000 {
        return Err(format!("window {s:?}: between 1s and 366d"));
    }
    Ok(n * scale)
}

/// Whether an event is an error, for `error_rate`: its type's last word is `failed`,
/// `failure`, `error` or `errored` (`execution_failed`, `contract.failed`, `BuildFailed`); or
/// the envelope or its payload carries an `error`, `error_code`, `errorCode` or
/// `errorMessage` that is not null, false or empty; or a `status` / `outcome` / `result` that
/// says `failed`, `failure`, `error` or `errored`.
pub fn is_error(kind: &str, raw: &[u8]) -> bool {
    const WORDS: [&str; 4] = ["failed", "failure", "error", "errored"];
    let last_word = {
        let tail = kind
            .rsplit(['.', '_', '-', ':', '/'])
            .next()
            .unwrap_or(kind);
        // CamelCase: the last word starts at the last lower → upper boundary (`BuildFailed`);
        // an all-capitals tail (`JOB_ERROR`) is one word.
        let chars: Vec<(usize, char)> = tail.char_indices().collect();
        let start = chars
            .windows(2)
            .filter(|w| w[0].1.is_lowercase() && w[1].1.is_uppercase())
            .map(|w| w[1].0)
            .next_back()
            .unwrap_or(0);
        tail[start..].to_ascii_lowercase()
    };
    if WORDS.contains(&last_word.as_str()) {
        return true;
    }
    let Ok(n) = normalize::normalize(raw) else {
        return false;
    };
    let top: Option<Value> = std::str::from_utf8(raw)
        .ok()
        .and_then(|t| normalize::parse_value(t).ok());
    let payload: Option<Value> = n.payload.and_then(|p| normalize::parse_value(p.get()).ok());
    let says_error = |v: &Value| -> bool {
        let Some(o) = v.as_object() else { return false };
        let flagged = ["error", "error_code", "errorCode", "errorMessage"]
            .iter()
            .any(|k| match o.get(*k) {
                None | Some(Value::Null) | Some(Value::Bool(false)) => false,
                Some(Value::String(s)) => !s.trim().is_empty(),
                Some(Value::Array(a)) => !a.is_empty(),
                Some(Value::Object(m)) => !m.is_empty(),
                Some(_) => true,
            });
        let status = ["status", "outcome", "result"].iter().any(|k| {
            o.get(*k)
                .and_then(Value::as_str)
                .is_some_and(|s| WORDS.contains(&s.trim().to_ascii_lowercase().as_str()))
        });
        flagged || status
    };
    top.as_ref().is_some_and(says_error) || payload.as_ref().is_some_and(says_error)
}

/// An event behind a firing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct EvidenceEvent {
    /// Store position.
    #[ts(type = "number")]
    pub seq: i64,
    /// The event's id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339 UTC.
    pub occurred_at: String,
}

/// One window where a rule held.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Firing {
    /// The rule's name.
    pub rule: String,
    /// Window start, RFC 3339.
    pub window_start: String,
    /// Window start, µs.
    #[ts(type = "number")]
    pub window_start_us: Micros,
    /// Window end (exclusive), RFC 3339.
    pub window_end: String,
    /// The measured value (a fraction for rates).
    pub value: f64,
    /// Errors (`error_rate`), numerator events (`ratio`), or events (`count`).
    #[ts(type = "number")]
    pub numerator: u64,
    /// The population (`error_rate`), denominator events (`ratio`); `null` for `count`.
    #[ts(as = "Option<f64>")]
    pub denominator: Option<u64>,
    /// The threshold crossed.
    pub threshold: f64,
    /// Which side.
    pub comparison: Comparison,
    /// The events behind it (errors, numerator events, or counted events), the first
    /// [`EVIDENCE_PER_FIRING`].
    pub evidence: Vec<EvidenceEvent>,
    /// How many events are behind it in all.
    #[ts(type = "number")]
    pub evidence_total: u64,
}

/// How one rule fared.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct RuleOutcome {
    /// The rule.
    pub rule: Rule,
    /// Windows with enough events to judge.
    #[ts(type = "number")]
    pub windows_judged: u64,
    /// Windows where it fired.
    #[ts(type = "number")]
    pub firings: u64,
}

/// Every rule's outcome and every firing.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct AlertReport {
    /// The tenant.
    pub tenant: String,
    /// `occurred_at >= since`, when given.
    pub since: Option<String>,
    /// `occurred_at < until`, when given.
    pub until: Option<String>,
    /// Per rule, in file order.
    pub rules: Vec<RuleOutcome>,
    /// Firings, by window start then rule order.
    pub firings: Vec<Firing>,
}

/// One row of a rule's events: (seq, occurred_at, is it in the numerator).
struct Row {
    seq: i64,
    at: Micros,
    counted: bool,
    in_den: bool,
}

/// Evaluate `rules` over `tenant`'s events in `[since, until)`.
pub fn evaluate(
    store: &Store,
    tenant: &str,
    rules: &[Rule],
    since: Option<Micros>,
    until: Option<Micros>,
) -> Result<AlertReport, AlertError> {
    let mut report = AlertReport {
        tenant: tenant.to_owned(),
        since: since.map(time::format_us),
        until: until.map(time::format_us),
        rules: Vec::new(),
        firings: Vec::new(),
    };
    let tid = tenant_key(store, tenant)?;
    let types: Vec<(i64, String)> = {
        let mut stmt = store.conn().prepare_cached("SELECT id, name FROM types")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut order: Vec<(Micros, usize, Firing)> = Vec::new();
    for (ri, rule) in rules.iter().enumerate() {
        let mut outcome = RuleOutcome {
            rule: rule.clone(),
            windows_judged: 0,
            firings: 0,
        };
        let ids_of = |p: &str| -> Vec<i64> {
            let p = TypePattern::new(p).expect("checked by parse_rules");
            types
                .iter()
                .filter(|(_, n)| p.matches(n))
                .map(|(i, _)| *i)
                .collect()
        };
        let num_ids = ids_of(&rule.types);
        let den_ids = rule.over.as_deref().map(ids_of).unwrap_or_default();
        let rows = match tid {
            Some(tid) => load_rows(store, tid, rule, &num_ids, &den_ids, since, until)?,
            None => Vec::new(),
        };
        // Per window: (numerator, denominator, numerator seqs).
        let w = rule.window_us;
        let mut windows: BTreeMap<i64, (u64, u64, Vec<i64>)> = BTreeMap::new();
        if rule.metric == RuleMetric::Count && rule.comparison == Comparison::Below {
            // Empty windows count too: every window of the range is judged.
            let first = since.or(rows.first().map(|r| r.at));
            let last = until.map(|u| u - 1).or(rows.last().map(|r| r.at));
            if let (Some(a), Some(b)) = (first, last) {
                let (a, b) = (a.div_euclid(w), b.div_euclid(w));
                if b - a >= MAX_WINDOWS {
                    return Err(AlertError::BadRules(format!(
                        "rule {:?}: window {} over this range makes more than {MAX_WINDOWS} windows; use a longer window or a narrower range",
                        rule.name, rule.window
                    )));
                }
                for k in a..=b {
                    windows.entry(k).or_default();
                }
            }
        }
        for r in &rows {
            let slot = windows.entry(r.at.div_euclid(w)).or_default();
            if r.counted {
                slot.0 += 1;
                slot.2.push(r.seq);
            }
            if r.in_den {
                slot.1 += 1;
            }
        }
        for (k, (num, den, seqs)) in windows {
            let (value, denominator) = match rule.metric {
                RuleMetric::Count => (num as f64, None),
                RuleMetric::ErrorRate | RuleMetric::Ratio => {
                    if den < rule.min_events {
                        continue;
                    }
                    (num as f64 / den as f64, Some(den))
                }
            };
            outcome.windows_judged += 1;
            let fires = match rule.comparison {
                Comparison::Above => value > rule.threshold,
                Comparison::Below => value < rule.threshold,
            };
            if !fires {
                continue;
            }
            outcome.firings += 1;
            let start = k * w;
            let evidence = evidence(store, &seqs[..seqs.len().min(EVIDENCE_PER_FIRING)])?;
            order.push((
                start,
                ri,
                Firing {
                    rule: rule.name.clone(),
                    window_start: time::format_us(start),
                    window_start_us: start,
                    window_end: time::format_us(start + w),
                    value,
                    numerator: num,
                    denominator,
                    threshold: rule.threshold,
                    comparison: rule.comparison,
                    evidence,
                    evidence_total: seqs.len() as u64,
                },
            ));
        }
        report.rules.push(outcome);
    }
    order.sort_by_key(|(at, ri, _)| (*at, *ri));
    report.firings = order.into_iter().map(|(_, _, f)| f).collect();
    Ok(report)
}

/// The events a rule looks at, in time order, marked numerator / denominator.
fn load_rows(
    store: &Store,
    tid: i64,
    rule: &Rule,
    num_ids: &[i64],
    den_ids: &[i64],
    since: Option<Micros>,
    until: Option<Micros>,
) -> Result<Vec<Row>, AlertError> {
    let mut ids: Vec<i64> = num_ids.iter().chain(den_ids).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let need_raw = rule.metric == RuleMetric::ErrorRate;
    let mut sql = format!(
        "SELECT e.seq, e.occurred_at, e.type, {}, ty.name FROM events e JOIN types ty ON ty.id = e.type
         WHERE e.tenant = ?1 AND e.type IN ({list}) AND e.occurred_at >= ?2 AND e.occurred_at < ?3",
        if need_raw { "e.raw" } else { "NULL" }
    );
    if rule.source.is_some() {
        sql.push_str(" AND e.source = (SELECT id FROM sources WHERE name = ?4)");
    }
    sql.push_str(" ORDER BY e.occurred_at, e.seq");
    let mut stmt = store.conn().prepare(&sql)?;
    let lo = since.unwrap_or(i64::MIN);
    let hi = until.unwrap_or(i64::MAX);
    let mut rows = match &rule.source {
        Some(s) => stmt.query(rusqlite::params![tid, lo, hi, s])?,
        None => stmt.query(rusqlite::params![tid, lo, hi])?,
    };
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let ty: i64 = r.get(2)?;
        let in_num = num_ids.contains(&ty);
        let in_den = den_ids.contains(&ty);
        let (counted, in_den) = match rule.metric {
            RuleMetric::ErrorRate => {
                let kind: String = r.get(4)?;
                let raw = r.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?;
                (is_error(&kind, raw), true)
            }
            RuleMetric::Ratio => (in_num, in_den),
            RuleMetric::Count => (in_num, false),
        };
        out.push(Row {
            seq: r.get(0)?,
            at: r.get(1)?,
            counted,
            in_den,
        });
    }
    Ok(out)
}

/// Id, type and time of the events at `seqs`.
fn evidence(store: &Store, seqs: &[i64]) -> Result<Vec<EvidenceEvent>, AlertError> {
    let mut stmt = store
        .conn()
        .prepare_cached("SELECT raw FROM events WHERE seq = ?1")?;
    let mut out = Vec::with_capacity(seqs.len());
    for &seq in seqs {
        let raw: Vec<u8> = stmt.query_row([seq], |r| r.get(0))?;
        if let Ok(n) = normalize::normalize(&raw) {
            out.push(EvidenceEvent {
                seq,
                id: n.event.id,
                kind: n.event.kind,
                occurred_at: time::format_us(n.event.occurred_at),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rules_parse() {
        let rules = parse_rules(DEFAULT_RULES).unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].threshold, 0.05);
        assert_eq!(rules[0].window_us, 3_600_000_000);
        assert_eq!(rules[1].over.as_deref(), Some("execution_triggered"));
    }

    #[test]
    fn bad_rules_are_explained() {
        let e = |t: &str| parse_rules(t).unwrap_err().to_string();
        assert!(e("").contains("rules"));
        assert!(e(r#"{"rules": []}"#).contains("no rules"));
        let base = r#"[[rules]]
name = "r"
metric = "ratio"
type = "a"
window = "1h"
"#;
        assert!(e(&format!("{base}above = 1\n")).contains("over"));
        assert!(e(&format!("{base}over = \"b\"\n")).contains("exactly one"));
        assert!(e(&format!("{base}over = \"b\"\nabove = \"x%\"\n")).contains("percentage"));
        assert!(e(&format!("{base}over = \"b\"\nabove = 1\nbogus = 2\n")).contains("bogus"));
        assert!(parse_window("0h").is_err());
        assert!(parse_window("1w").is_err());
        assert!(parse_window("400d").is_err());
        assert_eq!(parse_window("15m"), Ok(900_000_000));
    }

    #[test]
    fn what_counts_as_an_error() {
        assert!(is_error("execution_failed", b"{}"));
        assert!(is_error("contract.failed", b"{}"));
        assert!(is_error("BuildFailed", b"{}"));
        assert!(is_error("JOB_ERROR", b"{}"));
        assert!(is_error("deploy.FAILED", b"{}"));
        assert!(!is_error("FailedLoginReported", b"{}"));
        assert!(!is_error("execution_completed", b"{}"));
        let spine = |data: &str| {
            format!(
                r#"{{"eventId":"e1","type":"review.agent.complete","source":"meshos","orgId":"o","timestamp":"2026-05-04T09:00:00Z","data":{data}}}"#
            )
        };
        assert!(is_error(
            "review.agent.complete",
            spine(r#"{"status":"failed"}"#).as_bytes()
        ));
        assert!(is_error(
            "review.agent.complete",
            spine(r#"{"error":"model timeout"}"#).as_bytes()
        ));
        assert!(!is_error(
            "review.agent.complete",
            spine(r#"{"error":null,"score":80}"#).as_bytes()
        ));
        assert!(!is_error(
            "review.agent.complete",
            spine(r#"{"status":"ok"}"#).as_bytes()
        ));
    }
}
