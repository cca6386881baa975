//! Reviewer notes: an auditor's annotations on events, as signed, append-only records in a new
//! bundle derived from the original — never inside the original.
//!
//! A derived bundle holds the original's parts copied byte for byte (the zip's compressed data
//! itself, so the original signature still verifies) plus `notes.ndjson`. Each line is
//!
//! ```json
//! {"note":{"n":0,"base_manifest_sha256":"…","prev":"…","seq":42,"event_id":"…",
//!          "author":"<fingerprint>","public_key":"…","created_at":"…","text":"…"},
//!  "signature":"…"}
//! ```
//!
//! - `signature` is the author's ed25519 signature over `trailview-note-v1\n` followed by the
//!   exact bytes of the `note` object (the prefix keeps a note signature from ever passing for a
//!   manifest signature);
//! - `base_manifest_sha256` binds the note to the original bundle's signed manifest, so notes
//!   cannot be moved to another bundle;
//! - `prev` is the SHA-256 of the previous line (zeros for the first): notes are a chain, so an
//!   edited, removed or reordered note breaks every later one;
//! - `notes.sig` is the latest author's signature over `{count, head}`, so dropping the newest
//!   notes is detected too (unless someone re-signs the shorter chain, whose key then shows).
//!
//! Adding a note writes a new derived bundle with the notes so far plus the new one; the input
//! bundle is only read.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use ts_rs::TS;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::verify::{read_part, Problem, ProblemCode};
use super::{names, BundleError};
use crate::keys::{self, Identity, KeyRing};
use crate::time::{self, Micros};

/// The notes' head signature.
pub const NOTES_SIG: &str = "notes.sig";
const DOMAIN: &[u8] = b"trailview-note-v1\n";
const HEAD_DOMAIN: &[u8] = b"trailview-notes-head-v1\n";

/// One reviewer note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Note {
    /// Position in the notes, from 0.
    #[ts(type = "number")]
    pub n: u64,
    /// Hex SHA-256 of the original bundle's `manifest.json`.
    pub base_manifest_sha256: String,
    /// Hex SHA-256 of the previous note line (zeros for the first).
    pub prev: String,
    /// The event's seq in the exporting store.
    #[ts(type = "number")]
    pub seq: i64,
    /// The event's id.
    pub event_id: String,
    /// The author's key fingerprint.
    pub author: String,
    /// The author's hex public key.
    pub public_key: String,
    /// When, RFC 3339 UTC.
    pub created_at: String,
    /// The annotation.
    pub text: String,
}

#[derive(Serialize)]
struct LineOut<'a> {
    note: &'a RawValue,
    signature: String,
}

#[derive(Deserialize)]
struct LineIn<'a> {
    #[serde(borrow)]
    note: &'a RawValue,
    signature: String,
}

#[derive(Serialize, Deserialize)]
struct HeadSig {
    count: u64,
    head: String,
    public_key: String,
    signature: String,
}

fn head_message(count: u64, head: &str) -> Vec<u8> {
    let mut m = HEAD_DOMAIN.to_vec();
    m.extend_from_slice(format!("{count} {head}").as_bytes());
    m
}

/// The `(seq, id)` of every event a bundle's notes name (empty without notes).
pub(crate) fn targets<R: Read + std::io::Seek>(
    zip: &mut ZipArchive<R>,
) -> Result<HashSet<(i64, String)>, BundleError> {
    let mut out = HashSet::new();
    if let Some(text) = part(zip, names::NOTES)? {
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            if let Some(n) = serde_json::from_slice::<LineIn<'_>>(line)
                .ok()
                .and_then(|l| serde_json::from_str::<Note>(l.note.get()).ok())
            {
                out.insert((n.seq, n.event_id));
            }
        }
    }
    Ok(out)
}

fn part<R: Read + std::io::Seek>(
    zip: &mut ZipArchive<R>,
    name: &str,
) -> Result<Option<Vec<u8>>, BundleError> {
    match zip.by_name(name) {
        Ok(mut f) => {
            let mut v = Vec::new();
            f.read_to_end(&mut v)
                .map_err(|e| BundleError::io(format!("cannot read {name}"), e))?;
            Ok(Some(v))
        }
        Err(zip::result::ZipError::FileNotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Check a bundle's notes; how many there are. `found` holds the note targets the walk saw.
pub(crate) fn check(
    zip: &mut ZipArchive<BufReader<File>>,
    manifest: Option<&[u8]>,
    found: &HashSet<(i64, String)>,
    ring: &KeyRing,
    problems: &mut Vec<Problem>,
) -> Result<u64, BundleError> {
    let Some(text) = read_part(zip, names::NOTES)? else {
        return Ok(0);
    };
    let base = manifest.map(|m| hex::encode(Sha256::digest(m)));
    let mut bad = |m: String| {
        problems.push(Problem {
            code: ProblemCode::NotesBroken,
            message: m,
            part: Some(names::NOTES.into()),
            position: None,
            seq: None,
            event_id: None,
        })
    };
    let mut prev = hex::encode([0u8; 32]);
    let mut count = 0u64;
    let mut untrusted: Vec<String> = Vec::new();
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let i = count;
        count += 1;
        let parsed = serde_json::from_slice::<LineIn<'_>>(line)
            .ok()
            .and_then(|l| {
                serde_json::from_str::<Note>(l.note.get())
                    .ok()
                    .map(|n| (l, n))
            });
        let Some((l, n)) = parsed else {
            bad(format!("note {i} cannot be read"));
            prev = hex::encode(Sha256::digest(line));
            continue;
        };
        let pk: Option<[u8; 32]> = hex::decode(&n.public_key)
            .ok()
            .and_then(|b| b.try_into().ok());
        let sig: Option<[u8; 64]> = hex::decode(&l.signature)
            .ok()
            .and_then(|b| b.try_into().ok());
        let mut msg = DOMAIN.to_vec();
        msg.extend_from_slice(l.note.get().as_bytes());
        match (pk, sig) {
            (Some(pk), Some(sig)) if keys::verify_signature(&pk, &msg, &sig) => {
                if keys::fingerprint(&pk) != n.author {
                    bad(format!("note {i}: the author field does not match its key"));
                }
                if !ring.is_trusted(&pk)? && !untrusted.contains(&n.author) {
                    untrusted.push(n.author.clone());
                }
            }
            _ => bad(format!("note {i} (on event {}): bad signature", n.event_id)),
        }
        if n.n != i {
            bad(format!(
                "note {i} says it is note {}: notes were removed or reordered",
                n.n
            ));
        }
        if n.prev != prev {
            bad(format!(
                "note {i} does not follow note {}: notes were edited, removed or reordered",
                i.saturating_sub(1)
            ));
        }
        if base.as_deref() != Some(n.base_manifest_sha256.as_str()) {
            bad(format!("note {i} was written for another bundle"));
        }
        if !found.contains(&(n.seq, n.event_id.clone())) {
            bad(format!(
                "note {i} is on seq {} id {}, which this bundle does not hold",
                n.seq, n.event_id
            ));
        }
        prev = hex::encode(Sha256::digest(line));
    }
    match read_part(zip, NOTES_SIG)?.and_then(|b| serde_json::from_slice::<HeadSig>(&b).ok()) {
        None => bad("the notes have no head signature (notes.sig)".into()),
        Some(h) => {
            let pk: Option<[u8; 32]> = hex::decode(&h.public_key)
                .ok()
                .and_then(|b| b.try_into().ok());
            let sig: Option<[u8; 64]> = hex::decode(&h.signature)
                .ok()
                .and_then(|b| b.try_into().ok());
            let ok = matches!((pk, sig), (Some(pk), Some(s))
                if keys::verify_signature(&pk, &head_message(h.count, &h.head), &s));
            if !ok {
                bad("the notes' head signature does not verify".into());
            } else if h.count != count || h.head != prev {
                bad(format!(
                    "the signed notes head says {} notes, the bundle has {count}: notes were \
                     removed or added",
                    h.count
                ));
            }
        }
    }
    for fp in untrusted {
        problems.push(Problem {
            code: ProblemCode::UntrustedKey,
            message: format!("a reviewer note is signed by key {fp}, not in your trusted keys"),
            part: Some(names::NOTES.into()),
            position: None,
            seq: None,
            event_id: None,
        });
    }
    Ok(count)
}

/// What `note` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct NoteSummary {
    /// The derived bundle.
    pub path: String,
    /// The note added.
    pub note: Note,
    /// Notes in the derived bundle.
    pub notes: u64,
}

/// Write a new bundle at `out`: `base` (an original or derived bundle) plus a note by
/// `identity` on event `event_id`. `base` is only read.
pub fn add_note(
    base: &Path,
    out: &Path,
    identity: &Identity,
    ring: &KeyRing,
    event_id: &str,
    text: &str,
    created_at: Micros,
) -> Result<NoteSummary, BundleError> {
    if text.trim().is_empty() {
        return Err(BundleError::BadRequest("a note needs some text".into()));
    }
    if out.exists() {
        let same = std::fs::canonicalize(out).ok() == std::fs::canonicalize(base).ok();
        return Err(BundleError::BadRequest(if same {
            "a note is never written into the bundle it is on: name a new file".into()
        } else {
            format!("{} exists; name a new file", out.display())
        }));
    }
    let mut target = None;
    let report = super::verify::walk(base, ring, &mut |e, _, _| {
        if target.is_none() && e.id == event_id {
            target = Some(e.seq);
        }
        Ok(())
    })?;
    if let Some(p) = report.first_break() {
        return Err(BundleError::Broken(format!(
            "{} is broken ({}), so a note on it would vouch for nothing",
            base.display(),
            p.message
        )));
    }
    let seq = target.ok_or_else(|| {
        BundleError::NotFound(format!("no event {event_id:?} in {}", base.display()))
    })?;
    let f = File::open(base)
        .map_err(|e| BundleError::io(format!("cannot read {}", base.display()), e))?;
    let mut zip = ZipArchive::new(BufReader::new(f))?;
    let manifest = part(&mut zip, names::MANIFEST)?
        .ok_or_else(|| BundleError::Malformed("no manifest.json".into()))?;
    let mut notes = part(&mut zip, names::NOTES)?.unwrap_or_default();
    if !notes.is_empty() && notes.last() != Some(&b'\n') {
        notes.push(b'\n');
    }
    let lines: Vec<&[u8]> = notes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let prev = lines
        .last()
        .map_or(hex::encode([0u8; 32]), |l| hex::encode(Sha256::digest(l)));
    let pk = identity.public_key();
    let note = Note {
        n: lines.len() as u64,
        base_manifest_sha256: hex::encode(Sha256::digest(&manifest)),
        prev,
        seq,
        event_id: event_id.to_owned(),
        author: keys::fingerprint(&pk),
        public_key: hex::encode(pk),
        created_at: time::format_us(created_at),
        text: text.to_owned(),
    };
    let note_json =
        serde_json::to_string(&note).map_err(|e| BundleError::Malformed(format!("note: {e}")))?;
    let raw = RawValue::from_string(note_json)
        .map_err(|e| BundleError::Malformed(format!("note: {e}")))?;
    let mut msg = DOMAIN.to_vec();
    msg.extend_from_slice(raw.get().as_bytes());
    let line = serde_json::to_vec(&LineOut {
        note: &raw,
        signature: hex::encode(identity.sign(&msg)),
    })
    .map_err(|e| BundleError::Malformed(format!("note: {e}")))?;
    let count = lines.len() as u64 + 1;
    let head = hex::encode(Sha256::digest(&line));
    notes.extend_from_slice(&line);
    notes.push(b'\n');
    let head_sig = HeadSig {
        count,
        head: head.clone(),
        public_key: hex::encode(pk),
        signature: hex::encode(identity.sign(&head_message(count, &head))),
    };

    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".trailview-note-")
        .suffix(".partial")
        .tempfile_in(&dir)
        .map_err(|e| BundleError::io(format!("cannot write in {}", dir.display()), e))?;
    let file = tmp
        .reopen()
        .map_err(|e| BundleError::io("cannot reopen the temporary bundle", e))?;
    let mut w = ZipWriter::new(std::io::BufWriter::new(file));
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i)?;
        let name = f.name().to_owned();
        if name == names::NOTES || name == NOTES_SIG {
            continue;
        }
        // The compressed bytes as they are: the original parts stay exactly the original.
        w.raw_copy_file(f)?;
    }
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    w.start_file(names::NOTES, opts)?;
    w.write_all(&notes)
        .map_err(|e| BundleError::io("cannot write the bundle", e))?;
    w.start_file(NOTES_SIG, opts)?;
    let mut hs = serde_json::to_vec_pretty(&head_sig)
        .map_err(|e| BundleError::Malformed(format!("notes head: {e}")))?;
    hs.push(b'\n');
    w.write_all(&hs)
        .map_err(|e| BundleError::io("cannot write the bundle", e))?;
    let mut inner = w.finish()?;
    inner
        .flush()
        .map_err(|e| BundleError::io("cannot write the bundle", e))?;
    drop(inner);
    tmp.persist_noclobber(out)
        .map_err(|e| BundleError::io(format!("cannot write {}", out.display()), e.error))?;
    Ok(NoteSummary {
        path: out.display().to_string(),
        note,
        notes: count,
    })
}

/// The notes of a bundle (none for an original), as written; `verify` says whether they hold.
pub fn list_notes(bundle: &Path) -> Result<Vec<Note>, BundleError> {
    let f = File::open(bundle)
        .map_err(|e| BundleError::io(format!("cannot read {}", bundle.display()), e))?;
    let mut zip = ZipArchive::new(BufReader::new(f))?;
    let Some(text) = part(&mut zip, names::NOTES)? else {
        return Ok(Vec::new());
    };
    text.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|line| {
            serde_json::from_slice::<LineIn<'_>>(line)
                .ok()
                .and_then(|l| serde_json::from_str::<Note>(l.note.get()).ok())
                .ok_or_else(|| BundleError::Malformed("a note line cannot be read".into()))
        })
        .collect()
}
