//! Consistency proofs (RFC 9162 §2.1.4): a later bundle extends an earlier one.
//!
//! Two bundles of the same tenant and filter, exported at two times from one append-only store,
//! hold Merkle trees where the older one's leaves (index lines) are exactly the first leaves of
//! the newer one. A consistency proof shows that from the two signed roots alone: the
//! auditor who kept `case-1234.trail` from March can check that June's bundle changed, dropped
//! and reordered nothing of it, and only appended, without re-reading March's events.
//!
//! The proof file (`trailview prove --consistency OLD NEW`) carries both signed manifests
//! (exact text) with their signatures, the two tree sizes and the RFC 9162 consistency path.
//! Checking it ([`verify_consistency_proof`]) needs nothing else: both signatures, the same
//! tenant and filter, the sizes the manifests sign, and the path leading to both signed roots.
//! A forged proof — other sizes, an altered hash, swapped bundles, a shortened path, an edited
//! manifest or a bad signature — fails one of those steps, and the report names which.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::merkle::{self, empty_root, node_hash, root_of, Hash};
use super::verify::{check_signature, read_manifest, Problem, ProblemCode, Signer, TrustStatus};
use super::{BundleError, Manifest, SignatureFile};
use crate::keys::KeyRing;

/// A consistency proof's `format`.
pub const CONSISTENCY_FORMAT: &str = "trailview-consistency-proof";

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// PROOF(m, D[n]) of RFC 9162 §2.1.4.1 over leaf hashes: empty when `m` is 0 or `m ≥ n`.
pub fn consistency_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    if m == 0 || m >= leaves.len() {
        return Vec::new();
    }
    subproof(m, leaves, true)
}

fn subproof(m: usize, d: &[Hash], complete: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if complete {
            Vec::new()
        } else {
            vec![root_of(d)]
        };
    }
    let k = split(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], complete);
        p.push(root_of(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(root_of(&d[..k]));
        p
    }
}

/// Why a consistency path does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsistencyFailure {
    /// The old tree is larger than the new one.
    OldLarger,
    /// Equal sizes need equal roots and an empty path.
    SameSizeDiffers,
    /// From the empty tree: the path must be empty and the old root the empty root.
    EmptyOld,
    /// The path is empty, shorter or longer than the sizes need.
    PathLength,
    /// The path does not lead to the old root.
    OldRoot,
    /// The path does not lead to the new root.
    NewRoot,
}

impl std::fmt::Display for ConsistencyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConsistencyFailure::OldLarger => "the older tree is larger than the newer one",
            ConsistencyFailure::SameSizeDiffers => {
                "trees of the same size must have the same root and an empty path"
            }
            ConsistencyFailure::EmptyOld => {
                "from an empty tree the path must be empty and the old root the empty root"
            }
            ConsistencyFailure::PathLength => "the path has the wrong length for these sizes",
            ConsistencyFailure::OldRoot => "the path does not lead to the older signed root",
            ConsistencyFailure::NewRoot => "the path does not lead to the newer signed root",
        })
    }
}

/// Verify a consistency path (RFC 9162 §2.1.4.2): is the tree of `m` leaves with root
/// `old_root` a prefix of the tree of `n` leaves with root `new_root`?
pub fn verify_consistency(
    m: u64,
    n: u64,
    old_root: &Hash,
    new_root: &Hash,
    path: &[Hash],
) -> Result<(), ConsistencyFailure> {
    if m > n {
        return Err(ConsistencyFailure::OldLarger);
    }
    if m == n {
        return if path.is_empty() && old_root == new_root {
            Ok(())
        } else {
            Err(ConsistencyFailure::SameSizeDiffers)
        };
    }
    if m == 0 {
        return if path.is_empty() && *old_root == empty_root() {
            Ok(())
        } else {
            Err(ConsistencyFailure::EmptyOld)
        };
    }
    if path.is_empty() {
        return Err(ConsistencyFailure::PathLength);
    }
    let mut full: Vec<Hash> = Vec::with_capacity(path.len() + 1);
    if m.is_power_of_two() {
        full.push(*old_root);
    }
    full.extend_from_slice(path);
    let (mut fn_, mut sn) = (m - 1, n - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (full[0], full[0]);
    for c in &full[1..] {
        if sn == 0 {
            return Err(ConsistencyFailure::PathLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ConsistencyFailure::PathLength);
    }
    if &fr != old_root {
        return Err(ConsistencyFailure::OldRoot);
    }
    if &sr != new_root {
        return Err(ConsistencyFailure::NewRoot);
    }
    Ok(())
}

/// One bundle's signed head, as it was in the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHead {
    /// `manifest.json`, exactly (the signature is over these bytes).
    pub manifest: String,
    /// `manifest.sig`.
    pub signature: SignatureFile,
}

/// `trailview prove --consistency OLD NEW`'s output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// Always [`CONSISTENCY_FORMAT`].
    pub format: String,
    /// 1.
    pub version: u32,
    /// The older bundle's signed head.
    pub old: SignedHead,
    /// The newer bundle's signed head.
    pub new: SignedHead,
    /// Leaves of the older tree.
    pub old_size: u64,
    /// Leaves of the newer tree.
    pub new_size: u64,
    /// Hex hashes of RFC 9162's PROOF(old_size, D[new_size]).
    pub consistency_path: Vec<String>,
}

/// What `verify-proof` found in a consistency proof: the CLI's `--json` contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ConsistencyReport {
    /// `consistency`, to tell it from an inclusion proof's report.
    pub kind: String,
    /// Trusted (both signers trusted), unknown signer (either not), or broken.
    pub status: TrustStatus,
    /// Who signed the older manifest.
    pub old_signer: Option<Signer>,
    /// Who signed the newer one.
    pub new_signer: Option<Signer>,
    /// The tenant of both.
    pub tenant: Option<String>,
    /// The older tree's signed size.
    #[ts(type = "number")]
    pub old_size: u64,
    /// The newer tree's signed size.
    #[ts(type = "number")]
    pub new_size: u64,
    /// The older signed root.
    pub old_root: Option<String>,
    /// The newer signed root.
    pub new_root: Option<String>,
    /// What is wrong; empty when the newer bundle extends the older one.
    pub problems: Vec<Problem>,
}

/// Leaves and the signed head of an intact bundle.
fn read_tree(
    bundle: &Path,
    ring: &KeyRing,
    what: &str,
) -> Result<(Vec<Hash>, Vec<i64>, Manifest, SignedHead), BundleError> {
    let mut leaves = Vec::new();
    let mut seqs = Vec::new();
    let report = super::verify::walk(bundle, ring, &mut |e, line, _| {
        leaves.push(merkle::leaf_hash(line));
        seqs.push(e.seq);
        Ok(())
    })?;
    if let Some(p) = report.first_break() {
        return Err(BundleError::Broken(format!(
            "the {what} bundle {} is broken ({}); no proof can come from it",
            bundle.display(),
            p.message
        )));
    }
    let manifest = report
        .manifest
        .ok_or_else(|| BundleError::Malformed(format!("{}: no manifest", bundle.display())))?;
    let mut zip = super::verify::open_zip(bundle)?.map_err(BundleError::Malformed)?;
    let text = super::verify::read_part(&mut zip, super::names::MANIFEST)?
        .ok_or_else(|| BundleError::Malformed("no manifest.json".into()))?;
    let sig = super::verify::read_part(&mut zip, super::names::SIGNATURE)?
        .ok_or_else(|| BundleError::Malformed("no manifest.sig".into()))?;
    let head = SignedHead {
        manifest: String::from_utf8(text)
            .map_err(|_| BundleError::Malformed("manifest.json is not UTF-8".into()))?,
        signature: serde_json::from_slice(&sig)
            .map_err(|e| BundleError::Malformed(format!("manifest.sig: {e}")))?,
    };
    Ok((leaves, seqs, manifest, head))
}

/// Prove that the bundle `new` extends the bundle `old`. Refused (`bundle_inconsistent`) when
/// it does not: another tenant or filter, more events in `old`, or an event of `old` that `new`
/// does not hold at the same position (named); refused (`bundle_broken`) when either is broken.
pub fn prove_consistency(
    old: &Path,
    new: &Path,
    ring: &KeyRing,
) -> Result<ConsistencyProof, BundleError> {
    let (old_leaves, old_seqs, om, old_head) = read_tree(old, ring, "older")?;
    let (new_leaves, new_seqs, nm, new_head) = read_tree(new, ring, "newer")?;
    let refuse = |why: String| {
        Err(BundleError::Inconsistent(format!(
            "{} is not a prefix of {}: {why}",
            old.display(),
            new.display()
        )))
    };
    if om.tenant != nm.tenant {
        return refuse(format!(
            "they are bundles of different tenants ({:?} and {:?})",
            om.tenant, nm.tenant
        ));
    }
    if om.filter != nm.filter {
        return refuse(format!(
            "they select different events (filters {} and {})",
            serde_json::to_string(&om.filter).unwrap_or_default(),
            serde_json::to_string(&nm.filter).unwrap_or_default()
        ));
    }
    if old_leaves.len() > new_leaves.len() {
        return refuse(format!(
            "it holds {} events, the newer bundle only {}",
            old_leaves.len(),
            new_leaves.len()
        ));
    }
    if let Some(i) = (0..old_leaves.len()).find(|&i| old_leaves[i] != new_leaves[i]) {
        return refuse(format!(
            "the events diverge at position {i} (seq {} in the older bundle, seq {} in the \
             newer one)",
            old_seqs[i], new_seqs[i]
        ));
    }
    let m = old_leaves.len();
    Ok(ConsistencyProof {
        format: CONSISTENCY_FORMAT.into(),
        version: 1,
        old: old_head,
        new: new_head,
        old_size: m as u64,
        new_size: new_leaves.len() as u64,
        consistency_path: consistency_path(m, &new_leaves)
            .iter()
            .map(hex::encode)
            .collect(),
    })
}

fn check_head(
    head: &SignedHead,
    which: &str,
    ring: &KeyRing,
    problems: &mut Vec<Problem>,
) -> Result<(Option<Signer>, Option<Manifest>), BundleError> {
    let mut own = Vec::new();
    let sig = serde_json::to_vec(&head.signature)
        .map_err(|e| BundleError::Malformed(format!("signature: {e}")))?;
    let signer = check_signature(head.manifest.as_bytes(), &sig, ring, &mut own)?;
    let manifest = read_manifest(head.manifest.as_bytes(), &mut own);
    for mut p in own {
        p.message = format!("{which} bundle: {}", p.message);
        problems.push(p);
    }
    Ok((signer, manifest))
}

/// Check a consistency proof against its two signed manifests, and the signers against `ring`.
pub fn verify_consistency_proof(
    proof: &ConsistencyProof,
    ring: &KeyRing,
) -> Result<ConsistencyReport, BundleError> {
    let mut problems = Vec::new();
    let bad = |code: ProblemCode, m: String| Problem::new(code, m);
    if proof.format != CONSISTENCY_FORMAT || proof.version != 1 {
        problems.push(bad(
            ProblemCode::UnsupportedFormat,
            format!(
                "not a Trailview consistency proof ({:?} v{})",
                proof.format, proof.version
            ),
        ));
    }
    let (old_signer, om) = check_head(&proof.old, "older", ring, &mut problems)?;
    let (new_signer, nm) = check_head(&proof.new, "newer", ring, &mut problems)?;
    let root = |m: &Option<Manifest>| -> Option<Hash> {
        m.as_ref()
            .and_then(|m| hex::decode(&m.merkle.root).ok())
            .and_then(|b| b.try_into().ok())
    };
    if let (Some(o), Some(n)) = (&om, &nm) {
        if o.tenant != n.tenant {
            problems.push(bad(
                ProblemCode::Inconsistent,
                format!(
                    "the bundles are of different tenants ({:?} and {:?})",
                    o.tenant, n.tenant
                ),
            ));
        }
        if o.filter != n.filter {
            problems.push(bad(
                ProblemCode::Inconsistent,
                "the bundles select different events (their filters differ)".into(),
            ));
        }
    }
    for (which, claimed, m) in [
        ("older", proof.old_size, &om),
        ("newer", proof.new_size, &nm),
    ] {
        if let Some(m) = m {
            if m.merkle.tree_size != claimed {
                problems.push(bad(
                    ProblemCode::MerkleRootMismatch,
                    format!(
                        "the proof claims {claimed} events for the {which} bundle; its signed \
                         manifest has {}",
                        m.merkle.tree_size
                    ),
                ));
            }
        }
    }
    let path: Option<Vec<Hash>> = proof
        .consistency_path
        .iter()
        .map(|h| hex::decode(h).ok().and_then(|b| b.try_into().ok()))
        .collect();
    match (&om, &nm, root(&om), root(&nm), path) {
        (Some(o), Some(n), Some(or), Some(nr), Some(path)) => {
            // The signed sizes, never the claimed ones.
            let (m, size) = (o.merkle.tree_size, n.merkle.tree_size);
            if let Err(f) = verify_consistency(m, size, &or, &nr, &path) {
                problems.push(bad(
                    ProblemCode::Inconsistent,
                    format!(
                        "the newer bundle ({size} events) is not shown to extend the older one \
                         ({m} events): {f}"
                    ),
                ));
            }
        }
        (_, _, _, _, None) => problems.push(bad(
            ProblemCode::Malformed,
            "the consistency path holds something other than 32-byte hex hashes".into(),
        )),
        _ => {}
    }
    let status = if problems.iter().any(|p| p.code.breaks()) {
        TrustStatus::Broken
    } else if old_signer.as_ref().is_some_and(|s| s.trusted)
        && new_signer.as_ref().is_some_and(|s| s.trusted)
    {
        TrustStatus::Trusted
    } else {
        TrustStatus::UnknownSigner
    };
    Ok(ConsistencyReport {
        kind: "consistency".into(),
        status,
        old_signer,
        new_signer,
        tenant: om.as_ref().map(|m| m.tenant.clone()),
        old_size: om.as_ref().map_or(proof.old_size, |m| m.merkle.tree_size),
        new_size: nm.as_ref().map_or(proof.new_size, |m| m.merkle.tree_size),
        old_root: om.map(|m| m.merkle.root),
        new_root: nm.map(|m| m.merkle.root),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::merkle::leaf_hash;

    // The leaves of RFC 6962's reference implementation's tests (certificate-transparency's
    // merkle_tree_test), shared with merkle.rs's tests.
    use crate::bundle::merkle::tests::{h, LEAVES};

    /// Its consistency vectors (old size, new size, proof), as published there and repeated by
    /// Go's transparency-dev/merkle and other CT implementations.
    fn vectors() -> Vec<(usize, usize, Vec<Hash>)> {
        vec![
            (1, 1, vec![]),
            (
                1,
                8,
                vec![
                    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
                ],
            ),
            (
                6,
                8,
                vec![
                    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
            (
                2,
                5,
                vec![
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                ],
            ),
        ]
    }

    fn leaves() -> Vec<Hash> {
        LEAVES
            .iter()
            .map(|l| leaf_hash(&hex::decode(l).unwrap()))
            .collect()
    }

    #[test]
    fn paths_match_the_rfc_reference_vectors_and_verify() {
        let all = leaves();
        for (m, n, want) in vectors() {
            assert_eq!(consistency_path(m, &all[..n]), want, "PROOF({m}, D[{n}])");
            let (or, nr) = (root_of(&all[..m]), root_of(&all[..n]));
            assert_eq!(
                verify_consistency(m as u64, n as u64, &or, &nr, &want),
                Ok(()),
                "{m} → {n}"
            );
        }
    }

    #[test]
    fn every_pair_of_sizes_verifies_and_every_forgery_fails() {
        let all: Vec<Hash> = (0..33u8).map(|i| leaf_hash(&[i, 3])).collect();
        for n in 1..=all.len() {
            let nr = root_of(&all[..n]);
            for m in 0..=n {
                let or = root_of(&all[..m]);
                let p = consistency_path(m, &all[..n]);
                let (mu, nu) = (m as u64, n as u64);
                assert_eq!(verify_consistency(mu, nu, &or, &nr, &p), Ok(()), "{m}→{n}");
                // Swapped roots and sizes.
                if m < n {
                    assert!(verify_consistency(nu, mu, &nr, &or, &p).is_err());
                    assert!(verify_consistency(mu, nu, &nr, &or, &p).is_err(), "{m}→{n}");
                }
                if m == 0 || m == n {
                    assert!(verify_consistency(mu, nu, &or, &nr, &[nr]).is_err());
                    continue;
                }
                // (Like an audit path, a consistency path can fit two sizes of the same shape; the
                // sizes a proof is checked at are the signed manifests', never the claimed ones.
                // tests/consistency.rs of the CLI forges the sizes.)
                // An altered hash, anywhere in the path.
                for i in 0..p.len() {
                    let mut q = p.clone();
                    q[i][7] ^= 0x20;
                    assert!(
                        verify_consistency(mu, nu, &or, &nr, &q).is_err(),
                        "{m}→{n} @{i}"
                    );
                }
                // Truncated, extended.
                let mut short = p.clone();
                short.pop();
                assert!(verify_consistency(mu, nu, &or, &nr, &short).is_err());
                let mut long = p.clone();
                long.push(nr);
                assert!(verify_consistency(mu, nu, &or, &nr, &long).is_err());
                // A diverging old tree: the same size, one leaf changed.
                let mut other = all[..m].to_vec();
                other[m / 2] = leaf_hash(b"changed");
                assert!(verify_consistency(mu, nu, &root_of(&other), &nr, &p).is_err());
            }
        }
    }
}
