//! Inclusion proofs: one event, provable against the signed root alone.
//!
//! A proof carries the signed `manifest.json` (exact text) and its signature, the event's index
//! line (the Merkle leaf) and raw envelope, and the RFC 9162 audit path. Checking it needs
//! nothing else: the envelope hashes to the SHA-256 in the index line, the line's leaf hash and
//! the path give the root at the given position and tree size, the manifest states that root
//! and size, and the signature covers the manifest. So an auditor can cite one approval without
//! shipping the bundle, and a forged proof — another event, another position, another size, a
//! shortened path, a root of the forger's own — fails one of those steps, which the report names.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::merkle::{self, Hash};
use super::verify::{check_signature, read_manifest, Problem, ProblemCode, Signer, TrustStatus};
use super::{BundleError, IndexEntry, SignatureFile};
use crate::keys::KeyRing;

/// `proof.json`'s `format`.
pub const PROOF_FORMAT: &str = "trailview-inclusion-proof";

/// An inclusion proof for one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// Always [`PROOF_FORMAT`].
    pub format: String,
    /// 1.
    pub version: u32,
    /// The bundle's `manifest.json`, exactly (the signature is over these bytes).
    pub manifest: String,
    /// The bundle's `manifest.sig`.
    pub signature: SignatureFile,
    /// The leaf's position.
    pub leaf_index: u64,
    /// The tree's size.
    pub tree_size: u64,
    /// The event's `index.ndjson` line, exactly: the Merkle leaf.
    pub entry: String,
    /// The raw envelope, exactly.
    pub event: String,
    /// Hex sibling hashes, bottom up (RFC 9162 §2.1.3).
    pub audit_path: Vec<String>,
}

/// What `verify-proof` found: the CLI's `--json` contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ProofReport {
    /// The badge: trusted, valid from an unknown signer, or broken.
    pub status: TrustStatus,
    /// Who signed the manifest.
    pub signer: Option<Signer>,
    /// The bundle's tenant.
    pub tenant: Option<String>,
    /// The proven event's id.
    pub event_id: Option<String>,
    /// Its seq in the exporting store.
    #[ts(type = "number | null")]
    pub seq: Option<i64>,
    /// Its position.
    #[ts(type = "number")]
    pub leaf_index: u64,
    /// The tree's size.
    #[ts(type = "number")]
    pub tree_size: u64,
    /// The signed root.
    pub merkle_root: Option<String>,
    /// What is wrong; empty when the proof holds.
    pub problems: Vec<Problem>,
}

/// Make a proof that the event `event_id` is in the bundle at `bundle`. Refused when the bundle
/// is broken: a proof from it would prove nothing.
pub fn prove(bundle: &Path, event_id: &str, ring: &KeyRing) -> Result<InclusionProof, BundleError> {
    let mut leaves: Vec<Hash> = Vec::new();
    let mut found: Option<(u64, String, String)> = None;
    let report = super::verify::walk(bundle, ring, &mut |e, line, raw| {
        leaves.push(merkle::leaf_hash(line));
        if found.is_none() && e.id == event_id {
            let text = |b: &[u8], what: &str| {
                String::from_utf8(b.to_vec())
                    .map_err(|_| BundleError::Malformed(format!("the event's {what} is not UTF-8")))
            };
            found = Some((e.n, text(line, "index line")?, text(raw, "envelope")?));
        }
        Ok(())
    })?;
    if let Some(p) = report.first_break() {
        return Err(BundleError::Broken(format!(
            "{} is broken ({}); no proof can come from it",
            bundle.display(),
            p.message
        )));
    }
    let (leaf_index, entry, event) = found.ok_or_else(|| {
        BundleError::NotFound(format!("no event {event_id:?} in {}", bundle.display()))
    })?;
    let mut zip = super::verify::open_zip(bundle)?.map_err(BundleError::Malformed)?;
    let manifest = super::verify::read_part(&mut zip, super::names::MANIFEST)?
        .ok_or_else(|| BundleError::Malformed("no manifest.json".into()))?;
    let sig = super::verify::read_part(&mut zip, super::names::SIGNATURE)?
        .ok_or_else(|| BundleError::Malformed("no manifest.sig".into()))?;
    Ok(InclusionProof {
        format: PROOF_FORMAT.into(),
        version: 1,
        manifest: String::from_utf8(manifest)
            .map_err(|_| BundleError::Malformed("manifest.json is not UTF-8".into()))?,
        signature: serde_json::from_slice(&sig)
            .map_err(|e| BundleError::Malformed(format!("manifest.sig: {e}")))?,
        leaf_index,
        tree_size: leaves.len() as u64,
        audit_path: merkle::inclusion_path(leaf_index as usize, &leaves)
            .iter()
            .map(hex::encode)
            .collect(),
        entry,
        event,
    })
}

/// Check a proof against its signed root, and the signer against `ring`.
pub fn verify_proof(proof: &InclusionProof, ring: &KeyRing) -> Result<ProofReport, BundleError> {
    let mut problems = Vec::new();
    let bad = |code: ProblemCode, m: String| Problem::new(code, m);
    if proof.format != PROOF_FORMAT || proof.version != 1 {
        problems.push(bad(
            ProblemCode::UnsupportedFormat,
            format!(
                "not a Trailview inclusion proof ({:?} v{})",
                proof.format, proof.version
            ),
        ));
    }
    let sig_bytes = serde_json::to_vec(&proof.signature)
        .map_err(|e| BundleError::Malformed(format!("signature: {e}")))?;
    let signer = check_signature(proof.manifest.as_bytes(), &sig_bytes, ring, &mut problems)?;
    let manifest = read_manifest(proof.manifest.as_bytes(), &mut problems);
    let entry: Option<IndexEntry> = serde_json::from_str(&proof.entry).ok();
    if entry.is_none() {
        problems.push(bad(
            ProblemCode::IndexChanged,
            "the proof's index entry cannot be read".into(),
        ));
    }
    if let Some(e) = &entry {
        if hex::encode(Sha256::digest(proof.event.as_bytes())) != e.sha256 {
            problems.push(bad(
                ProblemCode::EventChanged,
                format!(
                    "the event's bytes do not match its index entry (seq {}, id {})",
                    e.seq, e.id
                ),
            ));
        }
        if e.n != proof.leaf_index {
            problems.push(bad(
                ProblemCode::IndexChanged,
                format!(
                    "the index entry is position {}, the proof claims position {}",
                    e.n, proof.leaf_index
                ),
            ));
        }
    }
    let root: Option<Hash> = manifest
        .as_ref()
        .and_then(|m| hex::decode(&m.merkle.root).ok())
        .and_then(|b| b.try_into().ok());
    if let Some(m) = &manifest {
        if m.merkle.tree_size != proof.tree_size {
            problems.push(bad(
                ProblemCode::MerkleRootMismatch,
                format!(
                    "the proof is for a tree of {} events; the signed manifest has {}",
                    proof.tree_size, m.merkle.tree_size
                ),
            ));
        }
    }
    let path: Option<Vec<Hash>> = proof
        .audit_path
        .iter()
        .map(|h| hex::decode(h).ok().and_then(|b| b.try_into().ok()))
        .collect();
    match (root, path) {
        (Some(root), Some(path)) => {
            let leaf = merkle::leaf_hash(proof.entry.as_bytes());
            let size = manifest
                .as_ref()
                .map_or(proof.tree_size, |m| m.merkle.tree_size);
            if !merkle::verify_inclusion(proof.leaf_index, size, &leaf, &path, &root) {
                problems.push(bad(
                    ProblemCode::MerkleRootMismatch,
                    format!(
                        "the audit path does not lead from this entry at position {} to the \
                         signed root over {size} events",
                        proof.leaf_index
                    ),
                ));
            }
        }
        (_, None) => problems.push(bad(
            ProblemCode::Malformed,
            "the audit path holds something other than 32-byte hex hashes".into(),
        )),
        (None, _) => {}
    }
    let status = if problems.iter().any(|p| p.code.breaks()) {
        TrustStatus::Broken
    } else if signer.as_ref().is_some_and(|s| s.trusted) {
        TrustStatus::Trusted
    } else {
        TrustStatus::UnknownSigner
    };
    Ok(ProofReport {
        status,
        signer,
        tenant: manifest.as_ref().map(|m| m.tenant.clone()),
        event_id: entry.as_ref().map(|e| e.id.clone()),
        seq: entry.as_ref().map(|e| e.seq),
        leaf_index: proof.leaf_index,
        tree_size: proof.tree_size,
        merkle_root: manifest.map(|m| m.merkle.root),
        problems,
    })
}
