//! The Merkle tree of RFC 9162 §2.1 (as RFC 6962 §2.1): SHA-256, leaf hash `H(0x00 ‖ d)`, node
//! hash `H(0x01 ‖ left ‖ right)`, and the split of `n` leaves at the largest power of two
//! smaller than `n`. The tree's size is part of its shape, so a root signed for `n` leaves does
//! not match any prefix of them: deleting the newest events is detected, unlike with a bare hash
//! chain whose head is simply an earlier link.
//!
//! Following the RFC exactly (checked against its published test vectors below) means any
//! Certificate Transparency tooling can check a Trailview proof.

use sha2::{Digest, Sha256};

/// A 32-byte hash.
pub type Hash = [u8; 32];

/// `H(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `H(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `H()`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The root of a tree grown one leaf at a time, in O(log n) memory: the roots of its complete
/// subtrees, largest first. RFC 9162's split puts the largest complete subtree on the left, so
/// folding them from the right gives the RFC's root.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    stack: Vec<(Hash, u64)>,
    size: u64,
}

impl Frontier {
    /// An empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// Add the next leaf, by its leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut cur = (leaf, 1u64);
        while let Some(&(top, n)) = self.stack.last() {
            if n != cur.1 {
                break;
            }
            self.stack.pop();
            cur = (node_hash(&top, &cur.0), n * 2);
        }
        self.stack.push(cur);
        self.size += 1;
    }

    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of the leaves so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(&(mut acc, _)) = it.next() else {
            return empty_root();
        };
        for (left, _) in it {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// MTH(D[n]) over leaf hashes.
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// PATH(m, D[n]): the audit path of leaf `m`, bottom up.
pub fn inclusion_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 || m >= n {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = inclusion_path(m, &leaves[..k]);
        p.push(root_of(&leaves[k..]));
        p
    } else {
        let mut p = inclusion_path(m - k, &leaves[k..]);
        p.push(root_of(&leaves[..k]));
        p
    }
}

/// Verify an inclusion proof (RFC 9162 §2.1.3.2): does `leaf` sit at `index` in the tree of
/// `size` leaves whose root is `root`?
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == root
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A hash from its hex.
    pub(crate) fn h(s: &str) -> Hash {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    /// The test vectors of RFC 6962's reference implementation (certificate-transparency).
    pub(crate) const LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn leaves() -> Vec<Hash> {
        LEAVES
            .iter()
            .map(|l| leaf_hash(&hex::decode(l).unwrap()))
            .collect()
    }

    #[test]
    fn roots_match_the_rfc_reference_vectors_for_every_size() {
        let all = leaves();
        let mut f = Frontier::new();
        assert_eq!(f.root(), h(ROOTS[0]));
        for n in 1..=8 {
            f.push(all[n - 1]);
            assert_eq!(root_of(&all[..n]), h(ROOTS[n]), "recursive root, size {n}");
            assert_eq!(f.root(), h(ROOTS[n]), "streaming root, size {n}");
        }
    }

    #[test]
    fn audit_path_matches_the_rfc_reference_vector() {
        let path = inclusion_path(0, &leaves());
        let want = [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ];
        assert_eq!(path, want.map(h).to_vec());
    }

    #[test]
    fn every_proof_verifies_in_every_tree_size_and_forgeries_do_not() {
        for n in 1..=37usize {
            let all: Vec<Hash> = (0..n).map(|i| leaf_hash(&[i as u8, 7])).collect();
            let root = root_of(&all);
            let mut f = Frontier::new();
            all.iter().for_each(|l| f.push(*l));
            assert_eq!(f.root(), root, "size {n}");
            for m in 0..n {
                let p = inclusion_path(m, &all);
                let (mi, ni) = (m as u64, n as u64);
                assert!(verify_inclusion(mi, ni, &all[m], &p, &root), "{m} of {n}");
                // (A path can fit two tree sizes of the same shape; the size a root belongs to
                // is fixed by the signed manifest, which the bundle's proof check compares.)
                if m + 1 < n {
                    assert!(!verify_inclusion(mi + 1, ni, &all[m], &p, &root));
                }
                assert!(!verify_inclusion(mi, ni, &leaf_hash(b"forged"), &p, &root));
                assert!(!verify_inclusion(ni, ni, &all[m], &p, &root));
                if !p.is_empty() {
                    let mut short = p.clone();
                    short.pop();
                    assert!(!verify_inclusion(mi, ni, &all[m], &short, &root));
                    let mut flipped = p.clone();
                    flipped[0][0] ^= 1;
                    assert!(!verify_inclusion(mi, ni, &all[m], &flipped, &root));
                }
                let mut long = p.clone();
                long.push(root);
                assert!(!verify_inclusion(mi, ni, &all[m], &long, &root));
            }
        }
    }
}
