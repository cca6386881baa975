//! Issue #6 — audit bundles through the real binary: `export`, `verify BUNDLE`, `open`, `prove`,
//! `verify-proof`, `key`, `note`; their `--json` shapes and exit codes (0 trusted, 1 broken,
//! 3 unknown signer, 2 could not run). Keys and the bundle cache live in a temporary directory
//! (`--keys`, `$TRAILVIEW_KEYS`, `$TRAILVIEW_CACHE`): a test never touches a real user's keys.

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
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// `trailview --db store.db args…` with this environment's keys and cache.
    fn run(&self, args: &[&str]) -> Output {
        self.run_keys("keys", args)
    }

    fn run_keys(&self, keys: &str, args: &[&str]) -> Output {
        Command::new(EXE)
            .arg("--db")
            .arg(self.path("store.db"))
            .args(args)
            .env_remove("TRAILVIEW_DB")
            .env("TRAILVIEW_KEYS", self.path(keys))
            .env("TRAILVIEW_CACHE", self.path("cache"))
            .output()
            .unwrap()
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        out(o),
        String::from_utf8_lossy(&o.stderr)
    );
    out(o)
}

fn json(o: &Output) -> Value {
    serde_json::from_str(out(o).trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out(o)))
}

/// A store with two tenants' events; returns the environment.
fn setup() -> Env {
    let env = Env::new();
    let mut f = std::fs::File::create(env.path("in.ndjson")).unwrap();
    for i in 0..40 {
        let org = if i % 2 == 0 { "acme" } else { "globex" };
        writeln!(
            f,
            r#"{{"eventId":"e{i}","type":"approval.{}","source":"app","orgId":"{org}","timestamp":"2026-11-01T00:00:{:02}Z","data":{{"n":{i}}}}}"#,
            if i % 4 == 0 { "requested" } else { "granted" },
            i
        )
        .unwrap();
    }
    drop(f);
    ok(&env.run(&["ingest", env.path("in.ndjson").to_str().unwrap()]));
    env
}

fn export(env: &Env, tenant: &str, name: &str) -> Value {
    let b = env.path(name);
    json(&env.run(&[
        "export",
        "--tenant",
        tenant,
        "-o",
        b.to_str().unwrap(),
        "--json",
    ]))
}

#[test]
fn export_writes_a_signed_bundle_of_one_tenant_and_verify_says_trusted() {
    let env = setup();
    let s = export(&env, "acme", "case.trail");
    assert_eq!(s["manifest"]["tenant"], "acme");
    assert_eq!(s["manifest"]["counts"]["events"], 20);
    assert_eq!(s["manifest"]["merkle"]["tree_size"], 20);
    assert_eq!(s["manifest"]["merkle"]["algorithm"], "rfc9162-sha256");
    assert_eq!(s["fingerprint"].as_str().unwrap().len(), 32);
    let b = env.path("case.trail");
    let bs = b.to_str().unwrap();
    let r = env.run(&["verify", bs, "--json"]);
    assert_eq!(r.status.code(), Some(0));
    let r = json(&r);
    assert_eq!(r["status"], "trusted");
    assert_eq!(r["events"], 20);
    assert_eq!(r["problems"], serde_json::json!([]));
    // Human output says so too.
    assert!(ok(&env.run(&["verify", bs])).starts_with("trusted: "));
    // A store verify still works as before (no BUNDLE argument).
    assert_eq!(json(&env.run(&["verify", "--json"]))["ok"], true);
    // Not a byte of the other tenant.
    let bytes = std::fs::read(&b).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    for i in 0..zip.len() {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_index(i).unwrap(), &mut text).unwrap();
        assert!(!text.contains("globex"));
    }
}

#[test]
fn the_key_is_made_on_first_use_private_and_shown_by_key_show() {
    let env = setup();
    let k = json(&env.run(&["key", "show", "--json"]));
    let fp = k["fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(fp.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.path("keys/signing.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The same key again, and the export is signed with it.
    assert_eq!(
        json(&env.run(&["key", "show", "--json"]))["fingerprint"],
        fp.as_str()
    );
    assert_eq!(export(&env, "acme", "a.trail")["fingerprint"], fp.as_str());
    // `--keys DIR` overrides the environment.
    let other = env.path("elsewhere");
    let k2 = json(&env.run(&["key", "show", "--json", "--keys", other.to_str().unwrap()]));
    assert_ne!(k2["fingerprint"], fp.as_str());
}

#[test]
fn an_unknown_signer_exits_3_until_trusted_and_a_broken_bundle_exits_1() {
    let env = setup();
    export(&env, "acme", "case.trail");
    let bs = env.path("case.trail");
    let bs = bs.to_str().unwrap();
    // The auditor has their own keys.
    let r = env.run_keys("auditor", &["verify", bs, "--json"]);
    assert_eq!(r.status.code(), Some(3));
    let v = json(&r);
    assert_eq!(v["status"], "unknown_signer");
    assert_eq!(v["problems"][0]["code"], "untrusted_key");
    let pubkey = env.path("keys/signing.pub");
    let t = json(&env.run_keys(
        "auditor",
        &["key", "trust", pubkey.to_str().unwrap(), "--json"],
    ));
    assert_eq!(t["fingerprint"], v["signer"]["fingerprint"]);
    assert_eq!(
        env.run_keys("auditor", &["verify", bs]).status.code(),
        Some(0)
    );
    let list = json(&env.run_keys("auditor", &["key", "list", "--json"]));
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["fingerprint"] == t["fingerprint"]));

    // Flip one byte of one event inside the zip (stored copy, so the byte is findable).
    let tampered = env.path("tampered.trail");
    rewrite(Path::new(bs), &tampered, |name, bytes| {
        if name == "events.ndjson" {
            let at = bytes.iter().position(|&b| b == b'n').unwrap();
            bytes[at + 3] ^= 0x01;
        }
    });
    let r = env.run(&["verify", tampered.to_str().unwrap(), "--json"]);
    assert_eq!(r.status.code(), Some(1));
    let v = json(&r);
    assert_eq!(v["status"], "broken");
    assert_eq!(v["problems"][0]["code"], "event_changed");
    assert_eq!(v["problems"][0]["seq"], 1);
    let human = out(&env.run(&["verify", tampered.to_str().unwrap()]));
    assert!(
        human.starts_with("BROKEN: ") && human.contains("event_changed"),
        "{human}"
    );
}

/// Unpack, edit each part, pack again.
fn rewrite(src: &Path, dst: &Path, mut edit: impl FnMut(&str, &mut Vec<u8>)) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().to_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        edit(&name, &mut bytes);
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&bytes).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn open_imports_into_a_cache_store_that_every_command_reads_and_the_second_open_is_cached() {
    let env = setup();
    export(&env, "acme", "case.trail");
    let b = env.path("case.trail");
    let before = std::fs::read(&b).unwrap();
    let o = json(&env.run(&["open", b.to_str().unwrap(), "--json"]));
    assert_eq!(o["cached"], false);
    assert_eq!(o["info"]["report"]["status"], "trusted");
    assert_eq!(o["info"]["imported"], 20);
    let store = o["store"].as_str().unwrap().to_owned();
    assert!(store.starts_with(env.path("cache").to_str().unwrap()));
    // The cache store answers like the source (ids and order of acme's events).
    let ids = |db: &str| -> Vec<String> {
        let o = Command::new(EXE)
            .args(["--db", db, "events", "--tenant", "acme", "--json"])
            .output()
            .unwrap();
        out(&o)
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(ids(&store), ids(env.path("store.db").to_str().unwrap()));
    let globex = Command::new(EXE)
        .args(["--db", &store, "events", "--tenant", "globex", "--json"])
        .output()
        .unwrap();
    assert_eq!(out(&globex), "", "nothing of the other tenant");
    let again = json(&env.run(&["open", b.to_str().unwrap(), "--json"]));
    assert_eq!(again["cached"], true);
    assert_eq!(again["store"], store.as_str());
    assert_eq!(
        std::fs::read(&b).unwrap(),
        before,
        "the bundle is never modified"
    );
    // Human output names the store and how to query it.
    let h = ok(&env.run(&["open", b.to_str().unwrap()]));
    assert!(h.contains("already imported") && h.contains(&store), "{h}");
}

#[test]
fn prove_and_verify_proof_round_trip_and_a_forged_proof_exits_1() {
    let env = setup();
    export(&env, "acme", "case.trail");
    let b = env.path("case.trail");
    let p = env.run(&["prove", b.to_str().unwrap(), "e8"]);
    let proof_text = ok(&p);
    let proof_path = env.path("proof.json");
    std::fs::write(&proof_path, &proof_text).unwrap();
    let r = env.run(&["verify-proof", proof_path.to_str().unwrap(), "--json"]);
    assert_eq!(r.status.code(), Some(0), "{}", out(&r));
    let v = json(&r);
    assert_eq!(
        (v["status"].as_str(), v["event_id"].as_str()),
        (Some("trusted"), Some("e8"))
    );
    assert_eq!(v["seq"], 9);
    assert!(ok(&env.run(&["verify-proof", proof_path.to_str().unwrap()])).starts_with("proven: "));
    // Forged: the event's payload changed.
    let mut proof: Value = serde_json::from_str(&proof_text).unwrap();
    let ev = proof["event"]
        .as_str()
        .unwrap()
        .replace("\"n\":8", "\"n\":9");
    proof["event"] = ev.into();
    std::fs::write(&proof_path, serde_json::to_vec(&proof).unwrap()).unwrap();
    let r = env.run(&["verify-proof", proof_path.to_str().unwrap(), "--json"]);
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(json(&r)["problems"][0]["code"], "event_changed");
    // An event of the other tenant is not in the bundle.
    let r = env.run(&["prove", b.to_str().unwrap(), "e9"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("no event \"e9\""));
}

#[test]
fn notes_are_added_into_a_new_bundle_and_listed() {
    let env = setup();
    export(&env, "acme", "case.trail");
    let b = env.path("case.trail");
    let before = std::fs::read(&b).unwrap();
    let n = env.path("case-notes.trail");
    let s = json(&env.run(&[
        "note",
        "add",
        b.to_str().unwrap(),
        "--event",
        "e4",
        "--text",
        "granted without request?",
        "-o",
        n.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(s["notes"], 1);
    assert_eq!(s["note"]["event_id"], "e4");
    assert_eq!(std::fs::read(&b).unwrap(), before);
    let v = json(&env.run(&["verify", n.to_str().unwrap(), "--json"]));
    assert_eq!(
        (v["status"].as_str(), v["notes"].as_u64()),
        (Some("trusted"), Some(1))
    );
    let l = json(&env.run(&["note", "list", n.to_str().unwrap(), "--json"]));
    assert_eq!(l[0]["text"], "granted without request?");
    // Writing into the original is refused.
    let r = env.run(&[
        "note",
        "add",
        b.to_str().unwrap(),
        "--event",
        "e4",
        "--text",
        "x",
        "-o",
        b.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(std::fs::read(&b).unwrap(), before);
}

#[test]
fn bad_input_gets_one_clear_line() {
    let env = setup();
    for (args, needle) in [
        (
            vec!["export", "--tenant", "nobody", "-o", "x.trail"],
            "no tenant \"nobody\"",
        ),
        (
            vec!["verify", "/no/such.trail"],
            "cannot read /no/such.trail",
        ),
        (vec!["open", "/no/such.trail"], "cannot read /no/such.trail"),
        (
            vec![
                "export",
                "--tenant",
                "acme",
                "--since",
                "yesterday",
                "-o",
                "x.trail",
            ],
            "since",
        ),
    ] {
        let r = env.run(&args);
        assert_eq!(r.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert!(!env.path("x.trail").exists(), "no half-written bundle");
}

/// A bundle handed to `ingest` (or dropped on the window) is named for what it is, and nothing
/// of it lands in the store or its quarantine.
#[test]
fn ingesting_a_bundle_says_to_open_it_and_writes_nothing() {
    let env = setup();
    export(&env, "acme", "case.trail");
    let before = json(&env.run(&["stats", "--json"]));
    let o = env.run(&["ingest", env.path("case.trail").to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is an audit bundle") && err.contains("trailview open"),
        "{err}"
    );
    assert_eq!(
        json(&env.run(&["stats", "--json"])),
        before,
        "nothing stored, nothing quarantined"
    );
}
