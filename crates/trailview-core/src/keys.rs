//! Keys: this installation's ed25519 signing key, and the public keys its user trusts.
//!
//! A bundle is signed with the exporting installation's key and checked against the reader's
//! trusted keys, so a bundle that verifies is either *trusted* (its signer is in the key ring) or
//! *valid but from an unknown signer* (anyone can make a self-consistent bundle; only trust says
//! who made it).
//!
//! ## Layout of the key directory (never inside a store: a store is data, a key is identity)
//! ```text
//! <dir>/signing.key        hex of the 32-byte ed25519 seed; mode 0600; created on first use
//! <dir>/signing.pub        "trailview-ed25519 <hex public key>", to hand to others
//! <dir>/trusted/<fp>.pub   public keys trusted by `trailview key trust FILE`
//! ```
//! The directory is `$TRAILVIEW_KEYS` when set, else `keys/` in the user's data directory; every
//! entry point also takes it explicitly, so tests never touch a real user's keys.
//!
//! A fingerprint is the first 16 bytes of SHA-256 of the public key, in hex: short enough to read
//! out over the phone, long enough that nobody can make a key to match one.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The first word of a public key file.
pub const PUBLIC_KEY_TAG: &str = "trailview-ed25519";

/// Errors of the key ring, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing a key file failed.
    #[error("{0}")]
    Io(String),
    /// A key file is not what it should be.
    #[error("{0}")]
    Malformed(String),
}

impl KeyError {
    /// Machine-readable code for the UI boundary.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::Io(_) => "key_io",
            KeyError::Malformed(_) => "key_malformed",
        }
    }
}

/// The key directory when none is given: `$TRAILVIEW_KEYS`, else `keys/` in the data directory.
pub fn default_keys_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("TRAILVIEW_KEYS").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    match directories::ProjectDirs::from("dev", "trailview", "trailview") {
        Some(dirs) => dirs.data_dir().join("keys"),
        None => PathBuf::from("trailview-keys"),
    }
}

/// The fingerprint of a public key: hex of the first 16 bytes of its SHA-256.
pub fn fingerprint(public_key: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(public_key)[..16])
}

/// Check `signature` over `message` by `public_key` (strict: no malleable encodings).
pub fn verify_signature(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    match VerifyingKey::from_bytes(public_key) {
        Ok(vk) => vk
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok(),
        Err(_) => false,
    }
}

/// Read a public key file (`trailview-ed25519 <hex>`; a bare hex key is accepted too).
pub fn parse_public_key(text: &str) -> Result<[u8; 32], KeyError> {
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or("");
    let hex_key = if first == PUBLIC_KEY_TAG {
        words.next().unwrap_or("")
    } else {
        first
    };
    let bytes = hex::decode(hex_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            KeyError::Malformed(format!(
                "not a Trailview public key (expected `{PUBLIC_KEY_TAG} <64 hex digits>`)"
            ))
        })?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| KeyError::Malformed("not a valid ed25519 public key".into()))?;
    Ok(bytes)
}

/// The text of a public key file for `public_key`.
pub fn public_key_text(public_key: &[u8; 32]) -> String {
    format!("{PUBLIC_KEY_TAG} {}\n", hex::encode(public_key))
}

/// This installation's signing key.
pub struct Identity {
    key: SigningKey,
}

impl Identity {
    /// The public half.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// Its fingerprint.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key())
    }

    /// Sign `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// A public key and what the key ring says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct KeyInfo {
    /// Hex fingerprint.
    pub fingerprint: String,
    /// Hex public key.
    pub public_key: String,
    /// Where its file is.
    pub path: String,
}

/// The key directory: this installation's identity and the keys it trusts.
#[derive(Debug, Clone)]
pub struct KeyRing {
    dir: PathBuf,
}

impl KeyRing {
    /// The key ring in `dir` (nothing is created until needed).
    pub fn new(dir: impl Into<PathBuf>) -> KeyRing {
        KeyRing { dir: dir.into() }
    }

    /// The key ring in [`default_keys_dir`].
    pub fn default_dir() -> KeyRing {
        KeyRing::new(default_keys_dir())
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn secret_path(&self) -> PathBuf {
        self.dir.join("signing.key")
    }

    fn public_path(&self) -> PathBuf {
        self.dir.join("signing.pub")
    }

    fn trusted_dir(&self) -> PathBuf {
        self.dir.join("trusted")
    }

    /// This installation's identity, if it has one yet.
    pub fn existing_identity(&self) -> Result<Option<Identity>, KeyError> {
        let path = self.secret_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(KeyError::Io(format!("cannot read {}: {e}", path.display()))),
        };
        let seed = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                KeyError::Malformed(format!("{} is not a Trailview signing key", path.display()))
            })?;
        Ok(Some(Identity {
            key: SigningKey::from_bytes(&seed),
        }))
    }

    /// This installation's identity, generated (from the OS's random source) on first use.
    pub fn identity(&self) -> Result<Identity, KeyError> {
        if let Some(id) = self.existing_identity()? {
            return Ok(id);
        }
        fs::create_dir_all(&self.dir)
            .map_err(|e| KeyError::Io(format!("cannot create {}: {e}", self.dir.display())))?;
        #[cfg(unix)]
        {
            // Only its owner lists the key directory (the key file itself is 0600 regardless).
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700));
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| KeyError::Io(format!("no randomness for a new key: {e}")))?;
        let key = SigningKey::from_bytes(&seed);
        let path = self.secret_path();
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&path) {
            Ok(mut f) => {
                f.write_all(format!("{}\n", hex::encode(seed)).as_bytes())
                    .and_then(|()| f.sync_all())
                    .map_err(|e| KeyError::Io(format!("cannot write {}: {e}", path.display())))?;
            }
            // Another process made one first: use it.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return self
                    .existing_identity()?
                    .ok_or_else(|| KeyError::Io(format!("{} vanished", path.display())));
            }
            Err(e) => {
                return Err(KeyError::Io(format!(
                    "cannot create {}: {e}",
                    path.display()
                )))
            }
        }
        let id = Identity { key };
        let pub_path = self.public_path();
        fs::write(&pub_path, public_key_text(&id.public_key()))
            .map_err(|e| KeyError::Io(format!("cannot write {}: {e}", pub_path.display())))?;
        Ok(id)
    }

    /// The identity's public key and fingerprint (creating the identity on first use).
    pub fn show(&self) -> Result<KeyInfo, KeyError> {
        let id = self.identity()?;
        let pk = id.public_key();
        let pub_path = self.public_path();
        if !pub_path.exists() {
            fs::write(&pub_path, public_key_text(&pk))
                .map_err(|e| KeyError::Io(format!("cannot write {}: {e}", pub_path.display())))?;
        }
        Ok(KeyInfo {
            fingerprint: fingerprint(&pk),
            public_key: hex::encode(pk),
            path: pub_path.display().to_string(),
        })
    }

    /// Trust the public key in `file` from now on; returns it.
    pub fn trust_file(&self, file: &Path) -> Result<KeyInfo, KeyError> {
        let text = fs::read_to_string(file)
            .map_err(|e| KeyError::Io(format!("cannot read {}: {e}", file.display())))?;
        let pk = parse_public_key(&text)
            .map_err(|e| KeyError::Malformed(format!("{}: {e}", file.display())))?;
        self.trust(&pk)
    }

    /// Trust `public_key` from now on.
    pub fn trust(&self, public_key: &[u8; 32]) -> Result<KeyInfo, KeyError> {
        let dir = self.trusted_dir();
        fs::create_dir_all(&dir)
            .map_err(|e| KeyError::Io(format!("cannot create {}: {e}", dir.display())))?;
        let fp = fingerprint(public_key);
        let path = dir.join(format!("{fp}.pub"));
        fs::write(&path, public_key_text(public_key))
            .map_err(|e| KeyError::Io(format!("cannot write {}: {e}", path.display())))?;
        Ok(KeyInfo {
            fingerprint: fp,
            public_key: hex::encode(public_key),
            path: path.display().to_string(),
        })
    }

    /// Every trusted key: this installation's own, and those trusted explicitly.
    pub fn trusted(&self) -> Result<Vec<KeyInfo>, KeyError> {
        let mut out = Vec::new();
        if let Some(id) = self.existing_identity()? {
            let pk = id.public_key();
            out.push(KeyInfo {
                fingerprint: fingerprint(&pk),
                public_key: hex::encode(pk),
                path: self.public_path().display().to_string(),
            });
        }
        let dir = self.trusted_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(KeyError::Io(format!("cannot read {}: {e}", dir.display()))),
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pub"))
            .collect();
        paths.sort();
        for path in paths {
            let text = fs::read_to_string(&path)
                .map_err(|e| KeyError::Io(format!("cannot read {}: {e}", path.display())))?;
            let pk = parse_public_key(&text)
                .map_err(|e| KeyError::Malformed(format!("{}: {e}", path.display())))?;
            out.push(KeyInfo {
                fingerprint: fingerprint(&pk),
                public_key: hex::encode(pk),
                path: path.display().to_string(),
            });
        }
        Ok(out)
    }

    /// Whether `public_key` is trusted.
    pub fn is_trusted(&self, public_key: &[u8; 32]) -> Result<bool, KeyError> {
        let hex_pk = hex::encode(public_key);
        Ok(self.trusted()?.iter().any(|k| k.public_key == hex_pk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_created_once_with_a_private_file_and_trusted_by_itself() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::new(dir.path().join("keys"));
        assert!(ring.existing_identity().unwrap().is_none());
        let a = ring.identity().unwrap();
        let b = ring.identity().unwrap();
        assert_eq!(a.public_key(), b.public_key(), "the key is made once");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("keys/signing.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(
                mode & 0o777,
                0o600,
                "the private key is readable by its owner only"
            );
        }
        assert!(ring.is_trusted(&a.public_key()).unwrap());
        let sig = a.sign(b"hello");
        assert!(verify_signature(&a.public_key(), b"hello", &sig));
        assert!(!verify_signature(&a.public_key(), b"hellO", &sig));
    }

    #[test]
    fn trusting_a_public_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let alice = KeyRing::new(dir.path().join("alice"));
        let bob = KeyRing::new(dir.path().join("bob"));
        let info = alice.show().unwrap();
        let apk = alice.identity().unwrap().public_key();
        assert!(!bob.is_trusted(&apk).unwrap());
        let trusted = bob.trust_file(Path::new(&info.path)).unwrap();
        assert_eq!(trusted.fingerprint, info.fingerprint);
        assert!(bob.is_trusted(&apk).unwrap());
        let bad = dir.path().join("bad.pub");
        fs::write(&bad, "ssh-ed25519 AAAA").unwrap();
        assert!(matches!(bob.trust_file(&bad), Err(KeyError::Malformed(_))));
    }
}
