//! Consistency proofs through the real binary (issue #6, RFC 9162 §2.1.4):
//! `trailview prove --consistency OLD NEW > c.json`, `trailview verify-proof c.json`. A bundle
//! exported later from the same store extends the earlier one; forged proofs (wrong sizes, an
//! altered hash, swapped bundles, a truncated path, an edited manifest, a bad signature) are
//! each refused with a named problem; bundles that are not one log's earlier and later state
//! (another tenant, another filter, diverging events) cannot be proven at all.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

const EXE: &str = env!("CARGO_BIN_EXE_trailview");

struct Env {
    dir: TempDir,
}

impl Env {
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn run_in(&self, db: &str, keys: &str, args: &[&str]) -> Output {
        Command::new(EXE)
            .arg("--db")
            .arg(self.path(db))
            .args(args)
            .env_remove("TRAILVIEW_DB")
            .env("TRAILVIEW_KEYS", self.path(keys))
            .env("TRAILVIEW_CACHE", self.path("cache"))
            .output()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in("store.db", "keys", args)
    }

    /// Appends events `from..to` (tenant `acme` for even i, `globex` for odd) to `db`.
    fn ingest(&self, db: &str, from: u32, to: u32, salt: &str) {
        let file = self.path(&format!("in-{db}-{from}.ndjson"));
        let mut f = std::fs::File::create(&file).unwrap();
        for i in from..to {
            let org = if i % 2 == 0 { "acme" } else { "globex" };
            writeln!(
                f,
                r#"{{"eventId":"e{i}{salt}","type":"approval.granted","source":"app","orgId":"{org}","timestamp":"2026-11-01T00:{:02}:{:02}Z","data":{{"n":{i}}}}}"#,
                i / 60,
                i % 60
            )
            .unwrap();
        }
        drop(f);
        ok(&self.run_in(db, "keys", &["ingest", file.to_str().unwrap()]));
    }

    fn export(&self, db: &str, tenant: &str, extra: &[&str], out: &str) -> PathBuf {
        let p = self.path(out);
        let mut args = vec!["export", "--tenant", tenant, "-o", p.to_str().unwrap()];
        args.extend_from_slice(extra);
        ok(&self.run_in(db, "keys", &args));
        p
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        out(o),
        err(o)
    );
    out(o)
}

/// Two bundles of `acme`: 10 events, then 10 + 13 more after further ingest.
fn two_bundles() -> (Env, PathBuf, PathBuf) {
    let env = Env {
        dir: tempfile::tempdir().unwrap(),
    };
    env.ingest("store.db", 0, 20, "");
    let old = env.export("store.db", "acme", &[], "march.trail");
    env.ingest("store.db", 20, 46, "");
    let new = env.export("store.db", "acme", &[], "june.trail");
    (env, old, new)
}

fn prove(env: &Env, old: &Path, new: &Path) -> Output {
    env.run(&[
        "prove",
        "--consistency",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ])
}

fn verify(env: &Env, keys: &str, proof: &Value) -> (i32, Value) {
    let p = env.path("c.json");
    std::fs::write(&p, serde_json::to_vec(proof).unwrap()).unwrap();
    let o = env.run_in(
        "store.db",
        keys,
        &["verify-proof", p.to_str().unwrap(), "--json"],
    );
    let v: Value = serde_json::from_str(out(&o).trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", out(&o), err(&o)));
    (o.status.code().unwrap(), v)
}

fn codes(v: &Value) -> Vec<String> {
    v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect()
}

fn messages(v: &Value) -> String {
    v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn a_later_bundle_is_proven_to_extend_an_earlier_one() {
    let (env, old, new) = two_bundles();
    let proof: Value = serde_json::from_str(&ok(&prove(&env, &old, &new))).unwrap();
    assert_eq!(proof["format"], "trailview-consistency-proof");
    assert_eq!(
        (proof["old_size"].as_u64(), proof["new_size"].as_u64()),
        (Some(10), Some(23))
    );
    assert!(!proof["consistency_path"].as_array().unwrap().is_empty());
    let (code, r) = verify(&env, "keys", &proof);
    assert_eq!((code, &r["status"]), (0, &Value::from("trusted")), "{r}");
    assert_eq!(r["kind"], "consistency");
    assert_eq!(r["tenant"], "acme");
    // Human output says so.
    let p = env.path("c.json");
    let o = env.run(&["verify-proof", p.to_str().unwrap()]);
    assert!(ok(&o).starts_with("consistent: the bundle of 23 events extends the bundle of 10"));
    // Another installation: intact, signer unknown (exit 3), named.
    let (code, r) = verify(&env, "other-keys", &proof);
    assert_eq!(
        (code, &r["status"]),
        (3, &Value::from("unknown_signer")),
        "{r}"
    );
    assert!(codes(&r).iter().all(|c| c == "untrusted_key"), "{r}");
    // A bundle extends itself (empty path), and proving the wrong way round is refused.
    let same: Value = serde_json::from_str(&ok(&prove(&env, &new, &new))).unwrap();
    assert_eq!(verify(&env, "keys", &same).0, 0);
    let o = prove(&env, &new, &old);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("holds 23 events, the newer bundle only 10"),
        "{}",
        err(&o)
    );
}

/// An edit of a proof.
type Forgery = Box<dyn Fn(&mut Value)>;

#[test]
fn forged_consistency_proofs_are_each_refused_with_a_named_problem() {
    let (env, old, new) = two_bundles();
    let proof: Value = serde_json::from_str(&ok(&prove(&env, &old, &new))).unwrap();
    let forge = |edit: &dyn Fn(&mut Value)| {
        let mut p = proof.clone();
        edit(&mut p);
        verify(&env, "keys", &p)
    };
    let cases: Vec<(&str, Forgery, &str, &str)> = vec![
        (
            "wrong old size",
            Box::new(|p| p["old_size"] = Value::from(9)),
            "merkle_root_mismatch",
            "claims 9 events for the older bundle",
        ),
        (
            "wrong new size",
            Box::new(|p| p["new_size"] = Value::from(30)),
            "merkle_root_mismatch",
            "claims 30 events for the newer bundle",
        ),
        (
            "altered hash",
            Box::new(|p| {
                let h = p["consistency_path"][0].as_str().unwrap().to_owned();
                let flipped = if h.starts_with('0') { "1" } else { "0" };
                p["consistency_path"][0] = Value::from(format!("{flipped}{}", &h[1..]));
            }),
            "inconsistent",
            "does not lead to",
        ),
        (
            "swapped bundles",
            Box::new(|p| {
                let (o, n) = (p["old"].clone(), p["new"].clone());
                p["old"] = n;
                p["new"] = o;
                p["old_size"] = Value::from(23);
                p["new_size"] = Value::from(10);
            }),
            "inconsistent",
            "the older tree is larger than the newer one",
        ),
        (
            "truncated path",
            Box::new(|p| {
                p["consistency_path"].as_array_mut().unwrap().pop();
            }),
            "inconsistent",
            "",
        ),
        (
            "path that is not hashes",
            Box::new(|p| p["consistency_path"][0] = Value::from("zz")),
            "malformed",
            "32-byte hex",
        ),
        (
            "edited newer manifest",
            Box::new(|p| {
                let m = p["new"]["manifest"]
                    .as_str()
                    .unwrap()
                    .replace("\"acme\"", "\"acmf\"");
                p["new"]["manifest"] = Value::from(m);
            }),
            "manifest_edited",
            "newer bundle: manifest.json is not the manifest that was signed",
        ),
        (
            "bad signature on the older manifest",
            Box::new(|p| {
                let s = p["old"]["signature"]["signature"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let flipped = if s.starts_with('0') { "1" } else { "0" };
                p["old"]["signature"]["signature"] = Value::from(format!("{flipped}{}", &s[1..]));
            }),
            "bad_signature",
            "older bundle: the signature over manifest.json does not verify",
        ),
        (
            "not this format",
            Box::new(|p| p["version"] = Value::from(2)),
            "unsupported_format",
            "not a Trailview consistency proof",
        ),
    ];
    for (name, edit, code, says) in cases {
        let (exit, r) = forge(&*edit);
        assert_eq!(
            (exit, &r["status"]),
            (1, &Value::from("broken")),
            "{name}: {r}"
        );
        assert!(codes(&r).contains(&code.to_owned()), "{name}: {r}");
        assert!(messages(&r).contains(says), "{name}: {}", messages(&r));
    }
}

#[test]
fn bundles_that_are_not_one_logs_prefix_and_extension_cannot_be_proven() {
    let (env, old, new) = two_bundles();
    // Another tenant.
    let globex = env.export("store.db", "globex", &[], "globex.trail");
    let o = prove(&env, &old, &globex);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("different tenants"), "{}", err(&o));
    // Another filter.
    let narrow = env.export(
        "store.db",
        "acme",
        &["--type", "approval.*"],
        "narrow.trail",
    );
    let o = prove(&env, &old, &narrow);
    assert!(err(&o).contains("select different events"), "{}", err(&o));
    // Diverging events: another store whose acme events differ from the first one on.
    env.ingest("other.db", 0, 46, "x");
    let other = env.export("other.db", "acme", &[], "other.trail");
    let o = prove(&env, &old, &other);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("diverge at position 0 (seq 1 in the older bundle"),
        "{}",
        err(&o)
    );
    // A broken bundle proves nothing.
    let mut bytes = std::fs::read(&new).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    let broken = env.path("broken.trail");
    std::fs::write(&broken, bytes).unwrap();
    let o = prove(&env, &old, &broken);
    assert_eq!(o.status.code(), Some(2));
}
