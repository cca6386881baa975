//! Audit bundles (issue #6): export, verify (the tamper matrix), open, proofs, reviewer notes.
//!
//! Tampering is done the way a person would do it with `unzip`, an editor and `zip`: the parts
//! are unpacked, edited as text and packed again. Every case must be detected *and named*.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rstest::rstest;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use trailview_core::bundle::{
    self, notes, ExportFilter, ExportOptions, InclusionProof, ProblemCode, TrustStatus,
};
use trailview_core::generate::{self, GenConfig};
use trailview_core::keys::KeyRing;
use trailview_core::normalize;
use trailview_core::query::{EventQuery, TenantScope, TypePattern};
use trailview_core::store::Store;

use common::*;

const CREATED_AT: i64 = 1_793_577_600_000_000; // 2026-11-02T00:00:00Z

/// A store with generated events of several tenants plus a pretty-printed (multi-line) document,
/// the key rings of an exporter and an auditor, and a bundle of one tenant.
struct Fixture {
    dir: TempDir,
    store: Store,
    exporter: KeyRing,
    auditor: KeyRing,
    tenant: String,
    bundle: PathBuf,
}

fn fixture() -> Fixture {
    let (dir, mut store) = temp_store();
    let mut data = Vec::new();
    generate::generate(
        &GenConfig {
            events: 1200,
            tenants: 4,
            ..GenConfig::default()
        },
        &mut data,
    )
    .unwrap();
    ingest_bytes(&mut store, &data, "gen.ndjson");
    let tenant = busiest_tenant(&store);
    let exporter = KeyRing::new(dir.path().join("exporter-keys"));
    let auditor = KeyRing::new(dir.path().join("auditor-keys"));
    // The auditor trusts the exporter's key (as `trailview key trust FILE` does).
    let info = exporter.show().unwrap();
    auditor.trust_file(Path::new(&info.path)).unwrap();
    let bundle = dir.path().join("case.trail");
    export(&store, &exporter, &tenant, ExportFilter::default(), &bundle);
    Fixture {
        dir,
        store,
        exporter,
        auditor,
        tenant,
        bundle,
    }
}

fn busiest_tenant(store: &Store) -> String {
    let stats = store.stats().unwrap();
    let t = stats
        .tenants
        .iter()
        .filter(|t| !t.tenant.is_empty())
        .max_by_key(|t| t.events)
        .unwrap();
    t.tenant.clone()
}

fn export(
    store: &Store,
    ring: &KeyRing,
    tenant: &str,
    filter: ExportFilter,
    out: &Path,
) -> bundle::ExportSummary {
    let opts = ExportOptions {
        tenant: tenant.into(),
        filter,
        with_quarantine: true,
        producer: "trailview test".into(),
        created_at: CREATED_AT,
    };
    bundle::export(store, &opts, &ring.identity().unwrap(), out, &mut |_| {}).unwrap()
}

/// The parts of a bundle, in order, uncompressed.
fn unpack(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().to_owned(), v)
        })
        .collect()
}

fn pack(path: &Path, parts: &[(String, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// Unpack, let `edit` change the parts, pack into a new file.
fn tamper(src: &Path, edit: impl FnOnce(&mut BTreeMap<String, Vec<u8>>)) -> PathBuf {
    let parts = unpack(src);
    let order: Vec<String> = parts.iter().map(|p| p.0.clone()).collect();
    let mut map: BTreeMap<String, Vec<u8>> = parts.into_iter().collect();
    edit(&mut map);
    let out = src.with_file_name(format!(
        "tampered-{}.trail",
        hex::encode(&Sha256::digest(format!("{map:?}"))[..6])
    ));
    let mut parts: Vec<(String, Vec<u8>)> = order
        .iter()
        .filter_map(|n| map.remove(n).map(|b| (n.clone(), b)))
        .collect();
    parts.extend(map);
    pack(&out, &parts);
    out
}

/// The lines of an NDJSON part (index lines are one per event).
fn lines(b: &[u8]) -> Vec<Vec<u8>> {
    b.split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

/// The events of `events.ndjson`, delimited by the index.
fn split_events(parts: &BTreeMap<String, Vec<u8>>) -> Vec<Vec<u8>> {
    let ev = &parts["events.ndjson"];
    lines(&parts["index.ndjson"])
        .iter()
        .map(|l| {
            let e: bundle::IndexEntry = serde_json::from_slice(l).unwrap();
            ev[e.offset as usize..(e.offset + e.len) as usize].to_vec()
        })
        .collect()
}

/// Replace both parts with `events` and `index` (kept in step, as a careful forger would).
fn set_events(parts: &mut BTreeMap<String, Vec<u8>>, events: &[Vec<u8>], index: &[Vec<u8>]) {
    parts.insert("events.ndjson".into(), join(events));
    parts.insert("index.ndjson".into(), join(index));
}

fn codes(r: &bundle::BundleReport) -> Vec<ProblemCode> {
    r.problems.iter().map(|p| p.code).collect()
}

fn file_sha(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).unwrap()))
}

#[test]
fn an_intact_bundle_is_trusted_by_whoever_trusts_the_exporter() {
    let f = fixture();
    let r = bundle::verify(&f.bundle, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Trusted, "{:?}", r.problems);
    assert!(r.problems.is_empty());
    let m = r.manifest.unwrap();
    assert_eq!(m.tenant, f.tenant);
    assert_eq!(r.events, m.counts.events);
    assert_eq!(m.merkle.tree_size, m.counts.events);
    assert_eq!(r.merkle_root, m.merkle.root);
    let q = EventQuery::new(TenantScope::One(f.tenant.clone()));
    assert_eq!(m.counts.events, f.store.count(&q).unwrap());
    assert_eq!(m.store.last_seq, f.store.last_seq());
    assert_eq!(m.store.chain_head, hex::encode(f.store.head()));
    // The exporter trusts its own key without being told.
    assert_eq!(
        bundle::verify(&f.bundle, &f.exporter).unwrap().status,
        TrustStatus::Trusted
    );
}

#[test]
fn the_parts_are_what_the_manifest_says_readable_with_standard_tools() {
    let f = fixture();
    let parts: BTreeMap<String, Vec<u8>> = unpack(&f.bundle).into_iter().collect();
    let m: bundle::Manifest = serde_json::from_slice(&parts["manifest.json"]).unwrap();
    for (name, d) in [
        ("events.ndjson", &m.files.events),
        ("index.ndjson", &m.files.index),
    ] {
        assert_eq!(parts[name].len() as u64, d.bytes, "{name}");
        assert_eq!(
            hex::encode(Sha256::digest(&parts[name])),
            d.sha256,
            "{name}"
        );
    }
    // Events are the raw envelopes, byte-exact, in seq order.
    let mut seqs = Vec::new();
    for (raw, line) in split_events(&parts)
        .iter()
        .zip(lines(&parts["index.ndjson"]))
    {
        let e: bundle::IndexEntry = serde_json::from_slice(&line).unwrap();
        let stored = f.store.event(&f.tenant, &e.id).unwrap().unwrap();
        assert_eq!(stored.raw.as_bytes(), &raw[..], "seq {}", e.seq);
        assert_eq!(stored.seq, e.seq);
        assert_eq!(stored.received_at, e.received_at);
        assert_eq!(stored.origin.source.as_ref(), e.origin.source);
        seqs.push(e.seq);
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq order");
    assert_eq!(m.first_seq, seqs.first().copied());
    assert_eq!(m.last_seq, seqs.last().copied());
}

#[test]
fn a_bundle_of_one_tenant_holds_nothing_of_another() {
    let f = fixture();
    let parts: BTreeMap<String, Vec<u8>> = unpack(&f.bundle).into_iter().collect();
    let events = split_events(&parts);
    assert!(!events.is_empty());
    for raw in &events {
        let e = normalize::normalize(raw).unwrap().event;
        assert_eq!(e.tenant, f.tenant);
    }
    // No other tenant's name appears anywhere in the bundle.
    let stats = f.store.stats().unwrap();
    for other in stats
        .tenants
        .iter()
        .filter(|t| t.tenant != f.tenant && !t.tenant.is_empty())
    {
        let needle = format!("\"{}\"", other.tenant);
        for (name, bytes) in &parts {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains(&needle),
                "{name} mentions tenant {}",
                other.tenant
            );
        }
    }
}

#[test]
fn the_quarantine_part_holds_only_the_tenants_own_conflicts() {
    let (dir, mut store) = temp_store();
    let a1 = br#"{"eventId":"e1","type":"x.y","source":"s","orgId":"acme","timestamp":"2026-01-01T00:00:00Z","data":{"v":1}}"#;
    let a2 = br#"{"eventId":"e1","type":"x.y","source":"s","orgId":"acme","timestamp":"2026-01-01T00:00:00Z","data":{"v":2}}"#;
    let b1 = br#"{"eventId":"e1","type":"x.y","source":"s","orgId":"other","timestamp":"2026-01-01T00:00:00Z","data":{"v":1}}"#;
    let b2 = br#"{"eventId":"e1","type":"x.y","source":"s","orgId":"other","timestamp":"2026-01-01T00:00:00Z","data":{"v":3}}"#;
    let mut input = Vec::new();
    for l in [&a1[..], a2, b1, b2, b"not json at all"] {
        input.extend_from_slice(l);
        input.push(b'\n');
    }
    ingest_bytes(&mut store, &input, "mixed.ndjson");
    assert_eq!(store.quarantine(None).unwrap().len(), 3);
    let ring = KeyRing::new(dir.path().join("keys"));
    let out = dir.path().join("acme.trail");
    let s = export(&store, &ring, "acme", ExportFilter::default(), &out);
    assert_eq!(s.manifest.counts.quarantined, 1, "only acme's conflict");
    let parts: BTreeMap<String, Vec<u8>> = unpack(&out).into_iter().collect();
    let q: Vec<bundle::QuarantineLine> = lines(&parts["quarantine.ndjson"])
        .iter()
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].raw.as_deref().map(str::as_bytes), Some(&a2[..]));
    assert_eq!(q[0].tenant.as_deref(), Some("acme"));
    assert_eq!(
        bundle::verify(&out, &ring).unwrap().status,
        TrustStatus::Trusted
    );
}

// ---------------------------------------------------------------------------------------------
// The tamper matrix
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Where {
    First,
    Middle,
    Last,
}

fn pick(n: usize, w: Where) -> usize {
    match w {
        Where::First => 0,
        Where::Middle => n / 2,
        Where::Last => n - 1,
    }
}

#[rstest]
fn a_changed_byte_in_any_event_is_named_with_its_seq(
    #[values(Where::First, Where::Middle, Where::Last)] w: Where,
) {
    let f = fixture();
    let mut target = None;
    let t = tamper(&f.bundle, |p| {
        let idx = lines(&p["index.ndjson"]);
        let k = pick(idx.len(), w);
        let e: bundle::IndexEntry = serde_json::from_slice(&idx[k]).unwrap();
        // One byte inside the envelope, e.g. a digit of a timestamp or a letter of a value.
        let at = (e.offset + e.len / 2) as usize;
        let ev = p.get_mut("events.ndjson").unwrap();
        ev[at] = if ev[at] == b'a' { b'b' } else { b'a' };
        target = Some(e);
    });
    let e = target.unwrap();
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Broken);
    let p = &r.problems[0];
    assert_eq!(p.code, ProblemCode::EventChanged, "{:?}", r.problems);
    assert_eq!(
        (p.seq, p.event_id.as_deref()),
        (Some(e.seq), Some(e.id.as_str()))
    );
}

#[rstest]
fn a_removed_event_is_named_first_middle_and_last(
    #[values(Where::First, Where::Middle, Where::Last)] w: Where,
) {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let mut ev = split_events(p);
        let mut idx = lines(&p["index.ndjson"]);
        let k = pick(idx.len(), w);
        ev.remove(k);
        idx.remove(k);
        set_events(p, &ev, &idx);
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Broken);
    let p = &r.problems[0];
    assert_eq!(p.code, ProblemCode::EventRemoved, "{:?}", r.problems);
    let m = r.manifest.unwrap();
    match w {
        Where::First => assert!(p.message.contains("first"), "{}", p.message),
        Where::Middle => assert_eq!(p.position, Some(m.counts.events / 2)),
        Where::Last => assert!(p.message.contains("last"), "{}", p.message),
    }
    assert!(codes_of(&r.problems).contains(&ProblemCode::MerkleRootMismatch));
}

fn codes_of(p: &[bundle::Problem]) -> Vec<ProblemCode> {
    p.iter().map(|p| p.code).collect()
}

#[test]
fn removing_the_last_event_and_renumbering_everything_is_still_caught() {
    // A bare hash chain would accept its shorter prefix; the signed tree size does not.
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let mut ev = split_events(p);
        let mut idx = lines(&p["index.ndjson"]);
        ev.pop();
        idx.pop();
        set_events(p, &ev, &idx);
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(r.problems[0].code, ProblemCode::EventRemoved);
    assert!(
        r.problems[0].message.contains("last 1 event"),
        "{}",
        r.problems[0].message
    );
}

#[test]
fn reordered_events_are_named() {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let mut ev = split_events(p);
        let mut idx = lines(&p["index.ndjson"]);
        ev.swap(10, 11);
        idx.swap(10, 11);
        set_events(p, &ev, &idx);
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Broken);
    assert_eq!(
        r.problems[0].code,
        ProblemCode::EventsReordered,
        "{:?}",
        r.problems
    );
    assert_eq!(r.problems[0].position, Some(11));
}

#[rstest]
fn an_added_event_is_named(#[values(Where::Middle, Where::Last)] w: Where) {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let mut ev = split_events(p);
        let mut idx = lines(&p["index.ndjson"]);
        let forged = br#"{"eventId":"forged-1","type":"approval.granted","source":"x","orgId":"TENANT","timestamp":"2026-11-01T00:00:00Z","data":{}}"#;
        let k = match w {
            Where::Last => idx.len(),
            _ => idx.len() / 2,
        };
        let prev: bundle::IndexEntry = serde_json::from_slice(&idx[k - 1]).unwrap();
        let raw = String::from_utf8(forged.to_vec())
            .unwrap()
            .replace("TENANT", &f.tenant)
            .into_bytes();
        let entry = bundle::IndexEntry {
            n: k as u64,
            seq: prev.seq, // squeezed in: a forger has no free seq between two neighbours
            id: "forged-1".into(),
            sha256: hex::encode(Sha256::digest(&raw)),
            len: raw.len() as u64,
            offset: prev.offset + prev.len + 1,
            received_at: prev.received_at.clone(),
            origin: prev.origin.clone(),
        };
        let entry = bundle::IndexEntry {
            seq: if k == idx.len() {
                prev.seq + 1
            } else {
                entry.seq
            },
            ..entry
        };
        ev.insert(k, raw);
        idx.insert(k, serde_json::to_vec(&entry).unwrap());
        set_events(p, &ev, &idx);
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Broken);
    assert_eq!(
        r.problems[0].code,
        ProblemCode::EventAdded,
        "{:?}",
        r.problems
    );
}

#[test]
fn bytes_appended_to_the_events_part_are_named_as_added() {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        p.get_mut("events.ndjson")
            .unwrap()
            .extend_from_slice(b"{\"eventId\":\"x\"}\n");
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(codes(&r), vec![ProblemCode::EventAdded]);
}

#[test]
fn an_event_removed_from_the_events_part_only_is_caught() {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let mut ev = split_events(p);
        ev.remove(5);
        p.insert("events.ndjson".into(), join(&ev));
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Broken);
    assert_eq!(r.problems[0].position, Some(5), "{:?}", r.problems);
}

#[test]
fn an_index_entry_claiming_a_huge_event_is_refused_without_reading_it() {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let mut idx = lines(&p["index.ndjson"]);
        let mut e: bundle::IndexEntry = serde_json::from_slice(&idx[0]).unwrap();
        e.len = 1 << 40;
        idx[0] = serde_json::to_vec(&e).unwrap();
        p.insert("index.ndjson".into(), join(&idx));
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Broken);
    assert!(
        codes(&r).contains(&ProblemCode::IndexChanged),
        "{:?}",
        r.problems
    );
}

#[test]
fn an_edited_index_entry_is_caught_by_the_root() {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let mut idx = lines(&p["index.ndjson"]);
        let mut e: bundle::IndexEntry = serde_json::from_slice(&idx[3]).unwrap();
        e.received_at = "2020-01-01T00:00:00.000000Z".into();
        idx[3] = serde_json::to_vec(&e).unwrap();
        p.insert("index.ndjson".into(), join(&idx));
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(
        codes(&r),
        vec![ProblemCode::IndexChanged],
        "{:?}",
        r.problems
    );
}

#[test]
fn an_edited_manifest_is_named() {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let m = String::from_utf8(p["manifest.json"].clone()).unwrap();
        // Claim one event fewer (to hide a removal), or any other edit.
        let mut v: serde_json::Value = serde_json::from_str(&m).unwrap();
        v["counts"]["events"] = (v["counts"]["events"].as_u64().unwrap() - 1).into();
        p.insert(
            "manifest.json".into(),
            serde_json::to_vec_pretty(&v).unwrap(),
        );
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Broken);
    assert_eq!(
        r.problems[0].code,
        ProblemCode::ManifestEdited,
        "{:?}",
        r.problems
    );
}

#[test]
fn a_bad_signature_is_named() {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let mut s: bundle::SignatureFile = serde_json::from_slice(&p["manifest.sig"]).unwrap();
        let mut sig = hex::decode(&s.signature).unwrap();
        sig[7] ^= 0x01;
        s.signature = hex::encode(sig);
        p.insert("manifest.sig".into(), serde_json::to_vec(&s).unwrap());
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Broken);
    assert_eq!(codes(&r), vec![ProblemCode::BadSignature]);
}

#[test]
fn an_edited_manifest_with_its_digest_updated_is_a_bad_signature() {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let m = String::from_utf8(p["manifest.json"].clone())
            .unwrap()
            .replace("trailview test", "trailview forged");
        let mut s: bundle::SignatureFile = serde_json::from_slice(&p["manifest.sig"]).unwrap();
        s.manifest_sha256 = hex::encode(Sha256::digest(m.as_bytes()));
        p.insert("manifest.json".into(), m.into_bytes());
        p.insert("manifest.sig".into(), serde_json::to_vec(&s).unwrap());
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(codes(&r), vec![ProblemCode::BadSignature]);
}

#[test]
fn a_signer_not_in_the_trusted_keys_is_named_but_the_bundle_is_intact() {
    let f = fixture();
    let stranger = KeyRing::new(f.dir.path().join("stranger-keys"));
    let r = bundle::verify(&f.bundle, &stranger).unwrap();
    assert_eq!(r.status, TrustStatus::UnknownSigner);
    assert_eq!(codes(&r), vec![ProblemCode::UntrustedKey]);
    assert!(!r.signer.unwrap().trusted);
}

#[test]
fn a_forger_who_rebuilds_and_re_signs_a_bundle_shows_up_as_an_unknown_signer() {
    let f = fixture();
    // The forger exports a doctored store with their own key: self-consistent, but not trusted.
    let forger = KeyRing::new(f.dir.path().join("forger-keys"));
    let out = f.dir.path().join("forged.trail");
    export(&f.store, &forger, &f.tenant, ExportFilter::default(), &out);
    let r = bundle::verify(&out, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::UnknownSigner);
    assert_eq!(codes(&r), vec![ProblemCode::UntrustedKey]);
}

#[test]
fn a_part_that_is_missing_or_not_a_zip_is_broken_not_an_error() {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        p.remove("manifest.sig");
    });
    let r = bundle::verify(&t, &f.auditor).unwrap();
    assert_eq!(codes(&r), vec![ProblemCode::BadSignature]);
    let junk = f.dir.path().join("junk.trail");
    std::fs::write(&junk, b"hello").unwrap();
    let r = bundle::verify(&junk, &f.auditor).unwrap();
    assert_eq!(
        (r.status, codes(&r)),
        (TrustStatus::Broken, vec![ProblemCode::Malformed])
    );
}

// ---------------------------------------------------------------------------------------------
// Filters, multi-line envelopes
// ---------------------------------------------------------------------------------------------

#[test]
fn a_filtered_export_holds_exactly_the_selection_and_says_which() {
    let f = fixture();
    let out = f.dir.path().join("approvals.trail");
    let filter = ExportFilter {
        types: Some("approval*".into()),
        ..ExportFilter::default()
    };
    let s = export(&f.store, &f.exporter, &f.tenant, filter, &out);
    let mut q = EventQuery::new(TenantScope::One(f.tenant.clone()));
    q.types = Some(TypePattern::new("approval*").unwrap());
    let want = f.store.count(&q).unwrap();
    assert!(want > 0, "the generator makes approvals");
    assert_eq!(s.manifest.counts.events, want);
    assert_eq!(s.manifest.filter.types.as_deref(), Some("approval*"));
    assert_eq!(
        bundle::verify(&out, &f.auditor).unwrap().status,
        TrustStatus::Trusted
    );
}

#[test]
fn multi_line_envelopes_survive_byte_exact() {
    let (dir, mut store) = temp_store();
    ingest_file(&mut store, &data("ecosystem.json"));
    let tenant = store.stats().unwrap().tenants[0].tenant.clone();
    let ring = KeyRing::new(dir.path().join("keys"));
    let out = dir.path().join("eco.trail");
    export(&store, &ring, &tenant, ExportFilter::default(), &out);
    let parts: BTreeMap<String, Vec<u8>> = unpack(&out).into_iter().collect();
    assert!(
        split_events(&parts).iter().any(|e| e.contains(&b'\n')),
        "pretty-printed"
    );
    assert_eq!(
        bundle::verify(&out, &ring).unwrap().status,
        TrustStatus::Trusted
    );
    let cache = dir.path().join("cache");
    let o = bundle::open_bundle(&out, &cache, &ring, &mut |_| {}).unwrap();
    let opened = Store::open_read_only(Path::new(&o.store)).unwrap();
    let q = EventQuery::new(TenantScope::One(tenant));
    let raws = |s: &Store| {
        s.events(&q)
            .unwrap()
            .into_iter()
            .map(|e| e.raw)
            .collect::<Vec<_>>()
    };
    assert_eq!(raws(&opened), raws(&store));
}

// ---------------------------------------------------------------------------------------------
// Open
// ---------------------------------------------------------------------------------------------

#[test]
fn export_then_open_gives_the_same_answers_and_never_touches_the_bundle() {
    let f = fixture();
    let before = file_sha(&f.bundle);
    let mtime = std::fs::metadata(&f.bundle).unwrap().modified().unwrap();
    let cache = f.dir.path().join("cache");
    let o = bundle::open_bundle(&f.bundle, &cache, &f.auditor, &mut |_| {}).unwrap();
    assert!(!o.cached);
    assert_eq!(
        o.info.report.status,
        TrustStatus::Trusted,
        "{:?}",
        o.info.report.problems
    );
    assert_eq!(o.info.bundle_sha256, before);
    assert!(
        o.store.contains(&before),
        "the cache is keyed by the bundle's hash"
    );
    let opened = Store::open_read_only(Path::new(&o.store)).unwrap();
    assert!(
        opened.verify().unwrap().ok,
        "the cache store is a sound store"
    );

    // Every read the views make gives the same answer. The cache numbers from 1; each event
    // carries the exporting store's seq, which is the source's own.
    let as_source = |v: Vec<trailview_core::query::StoredEvent>| {
        v.into_iter()
            .map(|mut e| {
                e.seq = e
                    .source_seq
                    .take()
                    .expect("a bundle's event knows its source seq");
                e
            })
            .collect::<Vec<_>>()
    };
    let t = TenantScope::One(f.tenant.clone());
    let mut queries = vec![EventQuery::new(t.clone())];
    let mut q = EventQuery::new(t.clone());
    q.types = Some(TypePattern::new("approval*").unwrap());
    queries.push(q);
    let sample = f.store.events(&EventQuery::new(t.clone())).unwrap();
    let with_corr = sample.iter().find(|e| e.correlation_id.is_some()).unwrap();
    let mut q = EventQuery::new(t.clone());
    q.correlation_id = with_corr.correlation_id.clone();
    queries.push(q);
    let mut q = EventQuery::new(t.clone());
    q.user_id = sample.iter().find_map(|e| e.user_id.clone());
    queries.push(q);
    let mut q = EventQuery::new(t.clone());
    q.source = Some(sample[0].source.clone());
    q.descending = true;
    q.limit = Some(50);
    queries.push(q);
    for q in &queries {
        assert_eq!(
            as_source(opened.events(q).unwrap()),
            f.store.events(q).unwrap(),
            "{q:?}"
        );
        assert_eq!(opened.count(q).unwrap(), f.store.count(q).unwrap());
    }
    let (from, to) = (
        sample[0].occurred_at_us,
        sample.last().unwrap().occurred_at_us + 1,
    );
    let q = EventQuery::new(t.clone());
    assert_eq!(
        opened.histogram(&q, from, to, 50).unwrap(),
        f.store.histogram(&q, from, to, 50).unwrap()
    );
    let e = f.store.event(&f.tenant, &with_corr.id).unwrap().unwrap();
    let got = opened.event(&f.tenant, &e.id).unwrap().unwrap();
    assert_eq!(as_source(vec![got]), vec![e]);
    // Nothing of any other tenant.
    let st = opened.stats().unwrap();
    assert_eq!(st.tenants.len(), 1);
    assert_eq!(st.tenants[0].tenant, f.tenant);

    // The bundle file is untouched; a second open finds the import.
    assert_eq!(file_sha(&f.bundle), before);
    assert_eq!(
        std::fs::metadata(&f.bundle).unwrap().modified().unwrap(),
        mtime
    );
    drop(opened);
    let again = bundle::open_bundle(&f.bundle, &cache, &f.auditor, &mut |_| {}).unwrap();
    assert!(again.cached);
    assert_eq!(again.store, o.store);
    assert_eq!(again.info.report.status, TrustStatus::Trusted);
    // Trust is judged now, not when first opened.
    let stranger = KeyRing::new(f.dir.path().join("stranger"));
    let third = bundle::open_bundle(&f.bundle, &cache, &stranger, &mut |_| {}).unwrap();
    assert_eq!(third.info.report.status, TrustStatus::UnknownSigner);
    let s = Store::open_read_only(Path::new(&o.store)).unwrap();
    let info = bundle::bundle_info(&s, &f.auditor).unwrap().unwrap();
    assert_eq!(info.report.status, TrustStatus::Trusted);
    assert!(bundle::bundle_info(&f.store, &f.auditor).unwrap().is_none());
}

/// A bundle imported by an older Trailview (its cache store at an older schema) opens again
/// from the cache: the cache store is upgraded once, its events untouched.
#[test]
fn a_cache_store_of_an_older_version_is_upgraded_and_opens() {
    let f = fixture();
    let cache = f.dir.path().join("cache");
    let o = bundle::open_bundle(&f.bundle, &cache, &f.auditor, &mut |_| {}).unwrap();
    let path = Path::new(&o.store);
    let head = Store::open_read_only(path).unwrap().head();
    // Schema 11: before the hourly rollup.
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch("DROP TABLE event_hours; PRAGMA user_version = 11;")
        .unwrap();
    assert!(
        Store::open_read_only(path).is_err(),
        "an older store is refused read-only"
    );
    let again = bundle::open_bundle(&f.bundle, &cache, &f.auditor, &mut |_| {}).unwrap();
    assert!(again.cached);
    assert_eq!(again.info.report.status, TrustStatus::Trusted);
    let s = Store::open_read_only(path).unwrap();
    assert_eq!(s.head(), head);
    assert!(s.verify().unwrap().ok);
    let q = EventQuery::new(TenantScope::One(f.tenant.clone()));
    assert_eq!(s.count(&q).unwrap(), f.store.count(&q).unwrap());
}

#[test]
fn a_broken_bundle_opens_with_a_broken_badge_that_says_where_and_without_the_bad_event() {
    let f = fixture();
    let mut target = None;
    let t = tamper(&f.bundle, |p| {
        let idx = lines(&p["index.ndjson"]);
        let e: bundle::IndexEntry = serde_json::from_slice(&idx[7]).unwrap();
        let ev = p.get_mut("events.ndjson").unwrap();
        let at = (e.offset + e.len / 2) as usize;
        ev[at] = if ev[at] == b'a' { b'b' } else { b'a' };
        target = Some(e);
    });
    let e = target.unwrap();
    let cache = f.dir.path().join("cache");
    let o = bundle::open_bundle(&t, &cache, &f.auditor, &mut |_| {}).unwrap();
    let r = &o.info.report;
    assert_eq!(r.status, TrustStatus::Broken);
    assert_eq!(r.problems[0].code, ProblemCode::EventChanged);
    assert_eq!(r.problems[0].seq, Some(e.seq));
    let opened = Store::open_read_only(Path::new(&o.store)).unwrap();
    assert!(
        opened.event(&f.tenant, &e.id).unwrap().is_none(),
        "not authentic: not imported"
    );
    assert_eq!(
        o.info.imported,
        r.manifest.as_ref().unwrap().counts.events - 1
    );
    // The badge stays: asked again later, the store still says broken and where.
    let info = bundle::bundle_info(&opened, &f.auditor).unwrap().unwrap();
    assert_eq!(info.report.status, TrustStatus::Broken);
    assert_eq!(info.report.problems[0].seq, Some(e.seq));
}

#[test]
fn open_refuses_another_tenants_event_even_in_a_re_signed_bundle() {
    let f = fixture();
    // Someone adds another tenant's event and signs the result with their own key.
    let forger = KeyRing::new(f.dir.path().join("forger"));
    let (dir2, mut other) = temp_store();
    let stolen = br#"{"eventId":"stolen","type":"x.y","source":"s","orgId":"victim","timestamp":"2026-11-01T00:00:00Z","data":{}}"#;
    let mut input = Vec::new();
    for e in f
        .store
        .events(&EventQuery::new(TenantScope::One(f.tenant.clone())))
        .unwrap()
    {
        input.extend_from_slice(e.raw.as_bytes());
        input.push(b'\n');
    }
    ingest_bytes(&mut other, &input, "copy.ndjson");
    ingest_bytes(&mut other, stolen, "stolen.ndjson");
    // Filed under the bundle's tenant behind the store's back is refused at export already;
    // so the forger edits the bundle instead and re-signs it.
    let out = dir2.path().join("forged.trail");
    export(&other, &forger, &f.tenant, ExportFilter::default(), &out);
    let t = tamper(&out, |p| {
        let mut ev = split_events(p);
        let mut idx = lines(&p["index.ndjson"]);
        let last: bundle::IndexEntry = serde_json::from_slice(idx.last().unwrap()).unwrap();
        let entry = bundle::IndexEntry {
            n: idx.len() as u64,
            seq: last.seq + 1,
            id: "stolen".into(),
            sha256: hex::encode(Sha256::digest(stolen)),
            len: stolen.len() as u64,
            offset: last.offset + last.len + 1,
            received_at: last.received_at.clone(),
            origin: last.origin.clone(),
        };
        ev.push(stolen.to_vec());
        idx.push(serde_json::to_vec(&entry).unwrap());
        set_events(p, &ev, &idx);
    });
    let cache = f.dir.path().join("cache");
    let o = bundle::open_bundle(&t, &cache, &f.auditor, &mut |_| {}).unwrap();
    assert_eq!(o.info.report.status, TrustStatus::Broken);
    assert!(codes_of(&o.info.report.problems).contains(&ProblemCode::ForeignTenant));
    let opened = Store::open_read_only(Path::new(&o.store)).unwrap();
    assert!(opened.event("victim", "stolen").unwrap().is_none());
    assert_eq!(opened.stats().unwrap().tenants.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Inclusion proofs
// ---------------------------------------------------------------------------------------------

fn a_proof(f: &Fixture) -> (InclusionProof, bundle::IndexEntry) {
    let parts: BTreeMap<String, Vec<u8>> = unpack(&f.bundle).into_iter().collect();
    let idx = lines(&parts["index.ndjson"]);
    let e: bundle::IndexEntry = serde_json::from_slice(&idx[idx.len() / 3]).unwrap();
    (bundle::prove(&f.bundle, &e.id, &f.auditor).unwrap(), e)
}

#[test]
fn a_proof_verifies_against_the_signed_root_alone() {
    let f = fixture();
    let (p, e) = a_proof(&f);
    let r = bundle::verify_proof(&p, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Trusted, "{:?}", r.problems);
    assert_eq!(
        (r.event_id.as_deref(), r.seq),
        (Some(e.id.as_str()), Some(e.seq))
    );
    assert_eq!(r.tenant.as_deref(), Some(f.tenant.as_str()));
    // Through JSON and back, as `prove > proof.json` and `verify-proof proof.json` do.
    let p2: InclusionProof = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(
        bundle::verify_proof(&p2, &f.auditor).unwrap().status,
        TrustStatus::Trusted
    );
    // The last event too (the tail of the tree).
    let parts: BTreeMap<String, Vec<u8>> = unpack(&f.bundle).into_iter().collect();
    let last: bundle::IndexEntry =
        serde_json::from_slice(lines(&parts["index.ndjson"]).last().unwrap()).unwrap();
    let p = bundle::prove(&f.bundle, &last.id, &f.auditor).unwrap();
    assert_eq!(
        bundle::verify_proof(&p, &f.auditor).unwrap().status,
        TrustStatus::Trusted
    );
}

/// Ways to forge a proof.
#[derive(Debug, Clone, Copy)]
enum Forgery {
    ChangedEvent,
    ChangedEntry,
    OtherPosition,
    BiggerTree,
    ShortenedPath,
    LongerPath,
    SwappedSiblings,
    OwnRoot,
    BadSignature,
    GarbagePath,
}

#[rstest]
#[case::changed_event(Forgery::ChangedEvent, ProblemCode::EventChanged)]
#[case::changed_entry(Forgery::ChangedEntry, ProblemCode::MerkleRootMismatch)]
#[case::other_position(Forgery::OtherPosition, ProblemCode::IndexChanged)]
#[case::bigger_tree(Forgery::BiggerTree, ProblemCode::MerkleRootMismatch)]
#[case::shortened_path(Forgery::ShortenedPath, ProblemCode::MerkleRootMismatch)]
#[case::longer_path(Forgery::LongerPath, ProblemCode::MerkleRootMismatch)]
#[case::swapped_siblings(Forgery::SwappedSiblings, ProblemCode::MerkleRootMismatch)]
#[case::own_root(Forgery::OwnRoot, ProblemCode::ManifestEdited)]
#[case::bad_signature(Forgery::BadSignature, ProblemCode::BadSignature)]
#[case::garbage_path(Forgery::GarbagePath, ProblemCode::Malformed)]
fn a_forged_proof_is_refused(#[case] forgery: Forgery, #[case] expect: ProblemCode) {
    let f = fixture();
    let (mut p, _) = a_proof(&f);
    match forgery {
        Forgery::ChangedEvent => p.event = p.event.replacen('"', "\"x", 2),
        Forgery::ChangedEntry => {
            let mut e: bundle::IndexEntry = serde_json::from_str(&p.entry).unwrap();
            e.received_at = "2020-01-01T00:00:00.000000Z".into();
            p.entry = serde_json::to_string(&e).unwrap();
        }
        Forgery::OtherPosition => p.leaf_index += 1,
        Forgery::BiggerTree => p.tree_size += 1,
        Forgery::ShortenedPath => {
            p.audit_path.pop();
        }
        Forgery::LongerPath => p.audit_path.push(hex::encode([7u8; 32])),
        Forgery::SwappedSiblings => p.audit_path.swap(0, 1),
        Forgery::OwnRoot => {
            // Replace the signed root with one of the forger's choosing.
            let mut m: bundle::Manifest = serde_json::from_str(&p.manifest).unwrap();
            m.merkle.root = hex::encode([9u8; 32]);
            p.manifest = serde_json::to_string_pretty(&m).unwrap() + "\n";
        }
        Forgery::BadSignature => {
            let mut s = hex::decode(&p.signature.signature).unwrap();
            s[0] ^= 1;
            p.signature.signature = hex::encode(s);
        }
        Forgery::GarbagePath => p.audit_path[0] = "zz".into(),
    }
    let r = bundle::verify_proof(&p, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Broken, "{:?}", r.problems);
    assert!(codes_of(&r.problems).contains(&expect), "{:?}", r.problems);
}

#[test]
fn a_proof_from_a_stranger_is_valid_but_not_trusted() {
    let f = fixture();
    let (p, _) = a_proof(&f);
    let stranger = KeyRing::new(f.dir.path().join("stranger"));
    let r = bundle::verify_proof(&p, &stranger).unwrap();
    assert_eq!(r.status, TrustStatus::UnknownSigner);
}

#[test]
fn no_proof_comes_from_a_broken_bundle_or_for_an_absent_event() {
    let f = fixture();
    let t = tamper(&f.bundle, |p| {
        let ev = p.get_mut("events.ndjson").unwrap();
        ev[10] ^= 1;
    });
    let parts: BTreeMap<String, Vec<u8>> = unpack(&f.bundle).into_iter().collect();
    let e: bundle::IndexEntry = serde_json::from_slice(&lines(&parts["index.ndjson"])[1]).unwrap();
    let err = bundle::prove(&t, &e.id, &f.auditor).unwrap_err();
    assert_eq!(err.code(), "bundle_broken");
    let err = bundle::prove(&f.bundle, "no-such-event", &f.auditor).unwrap_err();
    assert_eq!(err.code(), "not_found");
}

// ---------------------------------------------------------------------------------------------
// Reviewer notes
// ---------------------------------------------------------------------------------------------

#[test]
fn reviewer_notes_go_into_a_new_signed_bundle_and_are_append_only() {
    let f = fixture();
    let before = file_sha(&f.bundle);
    let reviewer = KeyRing::new(f.dir.path().join("reviewer"));
    let parts: BTreeMap<String, Vec<u8>> = unpack(&f.bundle).into_iter().collect();
    let idx = lines(&parts["index.ndjson"]);
    let e1: bundle::IndexEntry = serde_json::from_slice(&idx[2]).unwrap();
    let e2: bundle::IndexEntry = serde_json::from_slice(&idx[9]).unwrap();
    let id = reviewer.identity().unwrap();
    let n1 = f.dir.path().join("case-notes-1.trail");
    let s = notes::add_note(
        &f.bundle,
        &n1,
        &id,
        &reviewer,
        &e1.id,
        "approved late",
        CREATED_AT,
    )
    .unwrap();
    assert_eq!((s.notes, s.note.seq), (1, e1.seq));
    assert_eq!(
        file_sha(&f.bundle),
        before,
        "the original is never modified"
    );
    let n2 = f.dir.path().join("case-notes-2.trail");
    notes::add_note(
        &n1,
        &n2,
        &id,
        &reviewer,
        &e2.id,
        "no request found",
        CREATED_AT,
    )
    .unwrap();
    let listed = notes::list_notes(&n2).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].text, "no request found");

    // The derived bundle still carries the original, signed by the exporter; the notes verify.
    auditor_trusts(&f, &reviewer);
    let r = bundle::verify(&n2, &f.auditor).unwrap();
    assert_eq!(r.status, TrustStatus::Trusted, "{:?}", r.problems);
    assert_eq!(r.notes, 2);
    let orig: BTreeMap<String, Vec<u8>> = unpack(&f.bundle).into_iter().collect();
    let derived: BTreeMap<String, Vec<u8>> = unpack(&n2).into_iter().collect();
    for name in [
        "manifest.json",
        "manifest.sig",
        "events.ndjson",
        "index.ndjson",
    ] {
        assert_eq!(orig[name], derived[name], "{name} is the original's");
    }
    // An untrusted reviewer is named, without breaking the bundle.
    let r = bundle::verify(&n2, &KeyRing::new(f.dir.path().join("x"))).unwrap();
    assert_eq!(r.status, TrustStatus::UnknownSigner);

    // Edited, removed or reordered notes break the chain.
    for edit in 0..3 {
        let t = tamper(&n2, |p| {
            let mut ls = lines(&p["notes.ndjson"]);
            match edit {
                0 => {
                    let s = String::from_utf8(ls[0].clone()).unwrap();
                    ls[0] = s.replace("approved late", "approved on time").into_bytes();
                }
                1 => {
                    ls.pop();
                }
                _ => ls.swap(0, 1),
            }
            p.insert("notes.ndjson".into(), join(&ls));
        });
        let r = bundle::verify(&t, &f.auditor).unwrap();
        assert_eq!(r.status, TrustStatus::Broken, "edit {edit}");
        assert!(
            codes(&r).contains(&ProblemCode::NotesBroken),
            "edit {edit}: {:?}",
            r.problems
        );
    }
    // Never into the original's file; never on an absent event.
    let err = notes::add_note(
        &f.bundle, &f.bundle, &id, &reviewer, &e1.id, "x", CREATED_AT,
    )
    .unwrap_err();
    assert_eq!(err.code(), "bad_request");
    let n3 = f.dir.path().join("n3.trail");
    let err = notes::add_note(&f.bundle, &n3, &id, &reviewer, "nope", "x", CREATED_AT).unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert_eq!(file_sha(&f.bundle), before);
}

fn auditor_trusts(f: &Fixture, ring: &KeyRing) {
    let info = ring.show().unwrap();
    f.auditor.trust_file(Path::new(&info.path)).unwrap();
}
