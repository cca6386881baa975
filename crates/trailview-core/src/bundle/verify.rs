//! Verify: recompute everything a bundle claims and name what is wrong.
//!
//! One streaming pass over `index.ndjson` and `events.ndjson` side by side (two readers of the
//! same zip): every raw envelope is hashed and compared with its index line, every index line
//! is a Merkle leaf, and at the end the root and size are compared with the signed manifest.
//!
//! Detection rests on the root and the signature: any change to the events, their order or
//! their number changes the root. *Naming* what changed uses what the index lines say about
//! themselves (`n` is the leaf position, `seq` rises strictly), so a bundle edited with ordinary
//! tools — a line deleted, two lines swapped, one added — is reported as exactly that, with the
//! position and seq. Someone who also rewrites the positions still fails the root check; the
//! report then says what it can.
//!
//! The parts' whole-file digests in the manifest are for people with `sha256sum`; this pass does
//! not need them for `events.ndjson` and `index.ndjson`: each envelope's hash, the separators,
//! the absence of trailing bytes and the authenticated leaves pin those files byte for byte.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;
use zip::ZipArchive;

use super::merkle::{leaf_hash, Frontier};
use super::{names, BundleError, IndexEntry, Manifest, SignatureFile, FORMAT, FORMAT_VERSION};
use crate::keys::{self, KeyRing};

/// What kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../ui/src/bindings/")]
pub enum ProblemCode {
    /// Not a zip, or a part is missing.
    Malformed,
    /// A format this build does not read.
    UnsupportedFormat,
    /// `manifest.json` is not the one that was signed.
    ManifestEdited,
    /// The signature does not verify.
    BadSignature,
    /// The signature is valid, by a key not in the user's trusted keys.
    UntrustedKey,
    /// An event's bytes differ from what the index says.
    EventChanged,
    /// Events are missing.
    EventRemoved,
    /// Events were added.
    EventAdded,
    /// Events are out of order.
    EventsReordered,
    /// The index was edited (its lines no longer give the signed root).
    IndexChanged,
    /// The Merkle root or size differs from the signed one.
    MerkleRootMismatch,
    /// A part's digest differs from the manifest's.
    FileChanged,
    /// An event's envelope names another tenant than the bundle's.
    ForeignTenant,
    /// Reviewer notes are broken.
    NotesBroken,
    /// Two bundles are not one log's earlier and later state (consistency proofs).
    Inconsistent,
}

impl ProblemCode {
    /// Whether this problem breaks the bundle (everything but an untrusted signer does).
    pub fn breaks(self) -> bool {
        self != ProblemCode::UntrustedKey
    }
}

/// One thing wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Problem {
    /// What kind.
    pub code: ProblemCode,
    /// In words, with where.
    pub message: String,
    /// The part of the bundle.
    pub part: Option<String>,
    /// Position in the bundle (leaf index), from 0.
    #[ts(type = "number | null")]
    pub position: Option<u64>,
    /// seq in the exporting store.
    #[ts(type = "number | null")]
    pub seq: Option<i64>,
    /// The event's id.
    pub event_id: Option<String>,
}

impl Problem {
    pub(crate) fn new(code: ProblemCode, message: impl Into<String>) -> Problem {
        Problem {
            code,
            message: message.into(),
            part: None,
            position: None,
            seq: None,
            event_id: None,
        }
    }

    fn part(mut self, p: &str) -> Problem {
        self.part = Some(p.into());
        self
    }

    fn at(mut self, position: u64, seq: Option<i64>, id: Option<&str>) -> Problem {
        self.position = Some(position);
        self.seq = seq;
        self.event_id = id.map(str::to_owned);
        self
    }
}

/// The trust badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../ui/src/bindings/")]
pub enum TrustStatus {
    /// Intact, signed by a trusted key.
    Trusted,
    /// Intact, signed by a key the user has not trusted.
    UnknownSigner,
    /// Something is wrong; the problems say what and where.
    Broken,
}

/// Who signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Signer {
    /// Hex fingerprint.
    pub fingerprint: String,
    /// Hex public key.
    pub public_key: String,
    /// In the user's trusted keys?
    pub trusted: bool,
}

/// What `verify` found: the CLI's `--json` contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct BundleReport {
    /// The badge.
    pub status: TrustStatus,
    /// Who signed (as the signature file says; see `problems` for whether it holds).
    pub signer: Option<Signer>,
    /// The manifest, as found.
    pub manifest: Option<Manifest>,
    /// Events checked.
    #[ts(type = "number")]
    pub events: u64,
    /// The Merkle root recomputed from the bundle.
    pub merkle_root: String,
    /// Everything wrong, most telling first; empty when trusted.
    pub problems: Vec<Problem>,
    /// Reviewer notes in a derived bundle (0 otherwise).
    #[ts(type = "number")]
    pub notes: u64,
}

impl BundleReport {
    /// Set `status` from the problems.
    pub(crate) fn settle(&mut self) {
        self.status = if self.problems.iter().any(|p| p.code.breaks()) {
            TrustStatus::Broken
        } else if self.signer.as_ref().is_some_and(|s| s.trusted) {
            TrustStatus::Trusted
        } else {
            TrustStatus::UnknownSigner
        };
    }

    /// Re-judge the signer's trust against `ring` (a cached report, the keys may have changed).
    pub fn retrust(&mut self, ring: &KeyRing) -> Result<(), BundleError> {
        self.problems
            .retain(|p| p.code != ProblemCode::UntrustedKey);
        if let Some(s) = &mut self.signer {
            let pk: Option<[u8; 32]> = hex::decode(&s.public_key)
                .ok()
                .and_then(|b| b.try_into().ok());
            s.trusted = match pk {
                Some(pk) => ring.is_trusted(&pk)?,
                None => false,
            };
            if !s.trusted {
                self.problems.push(untrusted(&s.fingerprint));
            }
        }
        self.settle();
        Ok(())
    }

    /// The first problem that breaks the bundle, in words.
    pub fn first_break(&self) -> Option<&Problem> {
        self.problems.iter().find(|p| p.code.breaks())
    }
}

fn untrusted(fp: &str) -> Problem {
    Problem::new(
        ProblemCode::UntrustedKey,
        format!(
            "signed by key {fp}, which is not in your trusted keys (`trailview key trust FILE` \
             once you know whose it is)"
        ),
    )
    .part(names::SIGNATURE)
}

/// Verify the bundle at `path` against the trusted keys of `ring`.
pub fn verify(path: &Path, ring: &KeyRing) -> Result<BundleReport, BundleError> {
    walk(path, ring, &mut |_, _, _| Ok(()))
}

/// The longest index line read (real ones are a few hundred bytes).
const MAX_INDEX_LINE: u64 = 64 * 1024;

/// At most this many event-level problems are listed one by one.
const MAX_LISTED: usize = 20;

/// Called for every event the walk reads: its index entry, index line (the leaf) and raw bytes.
pub(crate) type OnEvent<'a> = dyn FnMut(&IndexEntry, &[u8], &[u8]) -> Result<(), BundleError> + 'a;

pub(crate) fn open_zip(
    path: &Path,
) -> Result<Result<ZipArchive<BufReader<File>>, String>, BundleError> {
    let f = File::open(path)
        .map_err(|e| BundleError::io(format!("cannot read {}", path.display()), e))?;
    Ok(ZipArchive::new(BufReader::new(f)).map_err(|e| format!("not a bundle (zip: {e})")))
}

/// The largest small part read whole (manifest, signatures: a few KiB; notes: text).
pub(crate) const MAX_SMALL_PART: u64 = 64 * 1024 * 1024;

/// A small part, whole; `None` when absent. Refused past [`MAX_SMALL_PART`] (a zip bomb).
pub(crate) fn read_part(
    zip: &mut ZipArchive<BufReader<File>>,
    name: &str,
) -> Result<Option<Vec<u8>>, BundleError> {
    match zip.by_name(name) {
        Ok(f) => {
            let mut v = Vec::new();
            f.take(MAX_SMALL_PART + 1)
                .read_to_end(&mut v)
                .map_err(|e| BundleError::io(format!("cannot read {name}"), e))?;
            if v.len() as u64 > MAX_SMALL_PART {
                return Err(BundleError::Malformed(format!(
                    "{name} is larger than {MAX_SMALL_PART} bytes: not a Trailview bundle"
                )));
            }
            Ok(Some(v))
        }
        Err(zip::result::ZipError::FileNotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Check `sig` over `manifest`; the signer, and problems found.
pub(crate) fn check_signature(
    manifest: &[u8],
    sig_bytes: &[u8],
    ring: &KeyRing,
    problems: &mut Vec<Problem>,
) -> Result<Option<Signer>, BundleError> {
    let sig: SignatureFile = match serde_json::from_slice(sig_bytes) {
        Ok(s) => s,
        Err(e) => {
            problems.push(
                Problem::new(
                    ProblemCode::BadSignature,
                    format!("the signature file cannot be read: {e}"),
                )
                .part(names::SIGNATURE),
            );
            return Ok(None);
        }
    };
    let pk: Option<[u8; 32]> = hex::decode(&sig.public_key)
        .ok()
        .and_then(|b| b.try_into().ok());
    let signature: Option<[u8; 64]> = hex::decode(&sig.signature)
        .ok()
        .and_then(|b| b.try_into().ok());
    let Some(pk) = pk.filter(|_| sig.algorithm == "ed25519") else {
        problems.push(
            Problem::new(
                ProblemCode::BadSignature,
                "the signature file names no ed25519 public key",
            )
            .part(names::SIGNATURE),
        );
        return Ok(None);
    };
    let fp = keys::fingerprint(&pk);
    let trusted = ring.is_trusted(&pk)?;
    if hex::encode(Sha256::digest(manifest)) != sig.manifest_sha256 {
        problems.push(
            Problem::new(
                ProblemCode::ManifestEdited,
                "manifest.json is not the manifest that was signed: it was edited after export",
            )
            .part(names::MANIFEST),
        );
    } else if !signature.is_some_and(|s| keys::verify_signature(&pk, manifest, &s)) {
        problems.push(
            Problem::new(
                ProblemCode::BadSignature,
                format!("the signature over manifest.json does not verify with key {fp}"),
            )
            .part(names::SIGNATURE),
        );
    }
    if !trusted {
        problems.push(untrusted(&fp));
    }
    Ok(Some(Signer {
        fingerprint: fp,
        public_key: hex::encode(pk),
        trusted,
    }))
}

/// Check a manifest's format; the manifest when readable.
pub(crate) fn read_manifest(bytes: &[u8], problems: &mut Vec<Problem>) -> Option<Manifest> {
    match serde_json::from_slice::<Manifest>(bytes) {
        Ok(m) if m.format != FORMAT || m.format_version > FORMAT_VERSION => {
            problems.push(
                Problem::new(
                    ProblemCode::UnsupportedFormat,
                    format!(
                        "format {:?} version {} (this build reads {FORMAT:?} up to version \
                         {FORMAT_VERSION})",
                        m.format, m.format_version
                    ),
                )
                .part(names::MANIFEST),
            );
            None
        }
        Ok(m) => Some(m),
        Err(e) => {
            problems.push(
                Problem::new(
                    ProblemCode::Malformed,
                    format!("manifest.json cannot be read: {e}"),
                )
                .part(names::MANIFEST),
            );
            None
        }
    }
}

/// The verification pass, calling `on_event` for each event read.
pub(crate) fn walk(
    path: &Path,
    ring: &KeyRing,
    on_event: &mut OnEvent<'_>,
) -> Result<BundleReport, BundleError> {
    let mut report = BundleReport {
        status: TrustStatus::Broken,
        signer: None,
        manifest: None,
        events: 0,
        merkle_root: String::new(),
        problems: Vec::new(),
        notes: 0,
    };
    let mut zip = match open_zip(path)? {
        Ok(z) => z,
        Err(m) => {
            report
                .problems
                .push(Problem::new(ProblemCode::Malformed, m));
            return Ok(report);
        }
    };
    let manifest_bytes = read_part(&mut zip, names::MANIFEST)?;
    let sig_bytes = read_part(&mut zip, names::SIGNATURE)?;
    let problems = &mut report.problems;
    match (&manifest_bytes, &sig_bytes) {
        (None, _) => problems.push(
            Problem::new(ProblemCode::Malformed, "the bundle has no manifest.json")
                .part(names::MANIFEST),
        ),
        (Some(_), None) => problems.push(
            Problem::new(
                ProblemCode::BadSignature,
                "the bundle is not signed (no manifest.sig)",
            )
            .part(names::SIGNATURE),
        ),
        (Some(m), Some(s)) => report.signer = check_signature(m, s, ring, problems)?,
    }
    let manifest = manifest_bytes
        .as_deref()
        .and_then(|b| read_manifest(b, problems));

    // Events and index side by side, each inflated on its own thread (inflating is a third of
    // the work; on two cores the hashing here and the two inflaters overlap).
    let has = |zip: &mut ZipArchive<BufReader<File>>, name: &str| match zip.by_name(name) {
        Ok(_) => Ok(true),
        Err(zip::result::ZipError::FileNotFound) => Ok(false),
        Err(e) => Err(BundleError::from(e)),
    };
    if !(has(&mut zip, names::INDEX)? && has(&mut zip, names::EVENTS)?) {
        problems.push(Problem::new(
            ProblemCode::Malformed,
            "the bundle lacks events.ndjson or index.ndjson",
        ));
        report.manifest = manifest;
        report.settle();
        return Ok(report);
    }
    let targets = super::notes::targets(&mut zip3(path)?)?;
    let mut found = std::collections::HashSet::new();
    let mut index = Inflated::spawn(path, names::INDEX);
    let mut events = Inflated::spawn(path, names::EVENTS);
    let mut frontier = Frontier::new();
    let mut line = Vec::with_capacity(512);
    let mut raw = Vec::with_capacity(4096);
    let mut listed = 0usize;
    let mut unlisted = 0u64;
    let mut note = |problems: &mut Vec<Problem>, p: Problem| {
        if listed < MAX_LISTED {
            problems.push(p);
            listed += 1;
        } else {
            unlisted += 1;
        }
    };
    let mut position = 0u64;
    let mut prev: Option<(i64, String)> = None;
    // The first entry whose `n` is not its position: (position, n, seq before, seq here).
    let mut first_gap: Option<(u64, u64, Option<i64>, i64)> = None;
    let mut order_break: Option<Problem> = None;
    let mut events_ok = true; // events.ndjson still in step with the index
    let (mut first_seq, mut last_seq) = (None, None);
    loop {
        line.clear();
        // Bounded reads throughout: a crafted bundle (a zip bomb, a line without end, an entry
        // claiming a huge length) gets a problem, never unbounded memory.
        let k = (&mut index)
            .take(MAX_INDEX_LINE)
            .read_until(b'\n', &mut line)
            .map_err(|e| BundleError::io("cannot read index.ndjson", e))?;
        if k == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if k as u64 == MAX_INDEX_LINE {
            note(
                problems,
                Problem::new(
                    ProblemCode::IndexChanged,
                    format!(
                        "index line {} is longer than {MAX_INDEX_LINE} bytes: not an index",
                        position + 1
                    ),
                )
                .part(names::INDEX)
                .at(position, None, None),
            );
            events_ok = false;
            break;
        }
        let entry: IndexEntry = match serde_json::from_slice(&line) {
            Ok(e) => e,
            Err(e) => {
                note(
                    problems,
                    Problem::new(
                        ProblemCode::IndexChanged,
                        format!("index line {} cannot be read: {e}", position + 1),
                    )
                    .part(names::INDEX)
                    .at(position, None, None),
                );
                events_ok = false;
                frontier.push(leaf_hash(&line));
                position += 1;
                continue;
            }
        };
        frontier.push(leaf_hash(&line));
        first_seq.get_or_insert(entry.seq);
        last_seq = Some(entry.seq);
        if entry.n != position && first_gap.is_none() {
            first_gap = Some((position, entry.n, prev.as_ref().map(|p| p.0), entry.seq));
        }
        if let Some((pseq, pid)) = &prev {
            if order_break.is_none() && entry.seq <= *pseq {
                order_break = Some(
                    if entry.seq == *pseq {
                        Problem::new(
                            ProblemCode::EventAdded,
                            format!(
                                "position {position}: seq {} appears twice (an event was added)",
                                entry.seq
                            ),
                        )
                    } else {
                        Problem::new(
                            ProblemCode::EventsReordered,
                            format!(
                                "position {position}: seq {} ({}) comes after seq {pseq} ({pid}): \
                             events are out of order",
                                entry.seq, entry.id
                            ),
                        )
                    }
                    .part(names::INDEX)
                    .at(position, Some(entry.seq), Some(&entry.id)),
                );
            }
        }
        if events_ok && entry.len > crate::normalize::MAX_RECORD_BYTES as u64 {
            note(
                problems,
                Problem::new(
                    ProblemCode::IndexChanged,
                    format!(
                        "position {position}, seq {}: the index claims {} bytes, more than any \
                         stored event can have",
                        entry.seq, entry.len
                    ),
                )
                .part(names::INDEX)
                .at(position, Some(entry.seq), Some(&entry.id)),
            );
            events_ok = false;
        }
        if events_ok {
            raw.clear();
            let got = (&mut events)
                .take(entry.len)
                .read_to_end(&mut raw)
                .map_err(|e| BundleError::io("cannot read events.ndjson", e))?;
            let short_read = (got as u64) < entry.len;
            let mut sep = [0u8; 1];
            let sep_ok = !short_read
                && events
                    .read(&mut sep)
                    .map_err(|e| BundleError::io("cannot read events.ndjson", e))?
                    == 1
                && sep[0] == b'\n';
            if short_read {
                note(
                    problems,
                    Problem::new(
                        ProblemCode::EventRemoved,
                        format!(
                            "events.ndjson ends before the event at position {position} (seq {}, \
                             id {})",
                            entry.seq, entry.id
                        ),
                    )
                    .part(names::EVENTS)
                    .at(position, Some(entry.seq), Some(&entry.id)),
                );
                events_ok = false;
            } else if !same_digest(&raw, &entry.sha256) {
                note(
                    problems,
                    Problem::new(
                        ProblemCode::EventChanged,
                        format!(
                            "position {position}, seq {}, id {}: the event's bytes are not the \
                             ones exported (SHA-256 differs from the index)",
                            entry.seq, entry.id
                        ),
                    )
                    .part(names::EVENTS)
                    .at(position, Some(entry.seq), Some(&entry.id)),
                );
                if !sep_ok {
                    events_ok = false;
                }
            } else if !sep_ok {
                note(
                    problems,
                    Problem::new(
                        ProblemCode::FileChanged,
                        format!(
                            "events.ndjson is out of step with the index after position \
                             {position} (seq {})",
                            entry.seq
                        ),
                    )
                    .part(names::EVENTS)
                    .at(position, Some(entry.seq), Some(&entry.id)),
                );
                events_ok = false;
            } else {
                if !targets.is_empty() && targets.contains(&(entry.seq, entry.id.clone())) {
                    found.insert((entry.seq, entry.id.clone()));
                }
                on_event(&entry, &line, &raw)?;
            }
        }
        prev = Some((entry.seq, entry.id));
        position += 1;
    }
    if events_ok {
        let mut rest = Vec::new();
        (&mut events)
            .take(1 << 20)
            .read_to_end(&mut rest)
            .map_err(|e| BundleError::io("cannot read events.ndjson", e))?;
        if !rest.is_empty() {
            note(
                problems,
                Problem::new(
                    ProblemCode::EventAdded,
                    format!(
                        "events.ndjson has {}{} bytes after the last indexed event: something \
                         was added",
                        rest.len(),
                        if rest.len() == 1 << 20 { "+" } else { "" }
                    ),
                )
                .part(names::EVENTS)
                .at(position, None, None),
            );
        }
    }
    drop(index);
    drop(events);
    let root = frontier.root();
    report.events = position;
    report.merkle_root = hex::encode(root);
    if let Some(m) = &manifest {
        let size = m.merkle.tree_size;
        let mut structural = Vec::new();
        if let Some(p) = order_break {
            structural.push(p);
        } else if position > size {
            let at = first_gap.map_or(size, |g| g.0);
            structural.push(
                Problem::new(
                    ProblemCode::EventAdded,
                    format!(
                        "{} event(s) added: the signed manifest commits to {size}, the bundle \
                         has {position} (first unexpected at position {at})",
                        position - size
                    ),
                )
                .part(names::INDEX)
                .at(at, None, None),
            );
        } else if position < size {
            let missing = size - position;
            structural.push(match first_gap {
                Some((at, n, before, after)) => {
                    let where_ = match before {
                        None => format!("the first event(s), before seq {after}"),
                        Some(b) => format!("between seq {b} and seq {after}"),
                    };
                    Problem::new(
                        ProblemCode::EventRemoved,
                        format!(
                            "{missing} event(s) removed at position {at}: {where_} (the next \
                             entry says it is position {n}); the signed manifest commits to \
                             {size} events"
                        ),
                    )
                    .part(names::INDEX)
                    .at(at, Some(after), None)
                }
                None if last_seq.is_some() && last_seq < m.last_seq => Problem::new(
                    ProblemCode::EventRemoved,
                    format!(
                        "the last {missing} event(s) are missing: the bundle ends at seq {}, \
                         the signed manifest at seq {} with {size} events",
                        last_seq.unwrap_or(0),
                        m.last_seq.unwrap_or(0)
                    ),
                )
                .part(names::INDEX)
                .at(position, m.last_seq, None),
                None if first_seq > m.first_seq => Problem::new(
                    ProblemCode::EventRemoved,
                    format!(
                        "the first {missing} event(s) are missing: the bundle starts at seq \
                         {}, the signed manifest at seq {}",
                        first_seq.unwrap_or(0),
                        m.first_seq.unwrap_or(0)
                    ),
                )
                .part(names::INDEX)
                .at(0, m.first_seq, None),
                None => Problem::new(
                    ProblemCode::EventRemoved,
                    format!(
                        "{missing} event(s) removed: the signed manifest commits to {size}, the \
                         bundle has {position}"
                    ),
                )
                .part(names::INDEX),
            });
        } else if let Some((at, n, _, seq)) = first_gap {
            structural.push(
                Problem::new(
                    ProblemCode::IndexChanged,
                    format!("index line at position {at} says it is position {n}"),
                )
                .part(names::INDEX)
                .at(at, Some(seq), None),
            );
        }
        if hex::encode(root) != m.merkle.root || position != size {
            let nothing_named = structural.is_empty()
                && !problems.iter().any(|p| {
                    matches!(
                        p.code,
                        ProblemCode::EventChanged | ProblemCode::IndexChanged
                    )
                });
            structural.push(
                Problem::new(
                    if nothing_named {
                        ProblemCode::IndexChanged
                    } else {
                        ProblemCode::MerkleRootMismatch
                    },
                    format!(
                        "the events give Merkle root {} over {position} leaves; the signed \
                         manifest says {} over {size}{}",
                        short(&report.merkle_root),
                        short(&m.merkle.root),
                        if nothing_named {
                            " (an index entry was edited)"
                        } else {
                            ""
                        }
                    ),
                )
                .part(names::INDEX),
            );
        }
        // Most telling first: what happened to the events, then the rest.
        let tail = std::mem::take(problems);
        problems.extend(structural);
        problems.extend(tail);
        if let Some(q) = &m.files.quarantine {
            // Streamed: the quarantine may hold large envelopes.
            let digest = match zip.by_name(names::QUARANTINE) {
                Ok(mut f) => {
                    let mut h = Sha256::new();
                    std::io::copy(&mut f, &mut h)
                        .map_err(|e| BundleError::io("cannot read quarantine.ndjson", e))?;
                    Some(hex::encode(h.finalize()))
                }
                Err(zip::result::ZipError::FileNotFound) => None,
                Err(e) => return Err(e.into()),
            };
            match digest {
                None => problems.push(
                    Problem::new(
                        ProblemCode::FileChanged,
                        "quarantine.ndjson is listed in the manifest but missing",
                    )
                    .part(names::QUARANTINE),
                ),
                Some(d) if d != q.sha256 => problems.push(
                    Problem::new(
                        ProblemCode::FileChanged,
                        "quarantine.ndjson differs from the signed manifest's digest",
                    )
                    .part(names::QUARANTINE),
                ),
                Some(_) => {}
            }
        }
    }
    if unlisted > 0 {
        let code = problems
            .iter()
            .rev()
            .find(|p| p.code.breaks())
            .map_or(ProblemCode::EventChanged, |p| p.code);
        problems.push(Problem::new(
            code,
            format!("… and {unlisted} more problems of the same kinds"),
        ));
    }
    report.notes =
        super::notes::check(&mut zip, manifest_bytes.as_deref(), &found, ring, problems)?;
    report.manifest = manifest;
    report.settle();
    Ok(report)
}

/// Whether `bytes` hash to the hex digest `want` (compared as bytes: no string per event).
fn same_digest(bytes: &[u8], want: &str) -> bool {
    let mut w = [0u8; 32];
    hex::decode_to_slice(want, &mut w).is_ok() && Sha256::digest(bytes)[..] == w[..]
}

/// A part of a zip, inflated on its own thread and read through a channel of 1 MiB buffers.
struct Inflated {
    rx: Receiver<std::io::Result<Vec<u8>>>,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl Inflated {
    fn spawn(path: &Path, name: &'static str) -> Inflated {
        let (tx, rx) = sync_channel::<std::io::Result<Vec<u8>>>(4);
        let path = path.to_owned();
        std::thread::spawn(move || {
            let run = || -> std::io::Result<()> {
                let f = File::open(&path)?;
                let mut zip = ZipArchive::new(BufReader::new(f)).map_err(std::io::Error::other)?;
                let mut part = zip.by_name(name).map_err(std::io::Error::other)?;
                loop {
                    let mut chunk = Vec::with_capacity(1 << 20);
                    (&mut part).take(1 << 20).read_to_end(&mut chunk)?;
                    if chunk.is_empty() {
                        return Ok(());
                    }
                    if tx.send(Ok(chunk)).is_err() {
                        return Ok(()); // the reader stopped early
                    }
                }
            };
            if let Err(e) = run() {
                let _ = tx.send(Err(e));
            }
        });
        Inflated {
            rx,
            buf: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for Inflated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Inflated {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.pos == self.buf.len() && !self.done {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

/// A third reader, for the notes (the other two are busy streaming).
fn zip3(path: &Path) -> Result<ZipArchive<BufReader<File>>, BundleError> {
    open_zip(path)?.map_err(BundleError::Malformed)
}

fn short(h: &str) -> &str {
    &h[..h.len().min(16)]
}
