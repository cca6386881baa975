//! Audit bundles on the command line: `export`, `open`, `verify BUNDLE`, `prove`,
//! `verify-proof`, `key`, `note`. Each is one core call plus printing; `--json` shapes are the
//! core's report types, and so part of the contract.
//!
//! Exit codes of `verify BUNDLE` and `verify-proof`: 0 trusted, 1 broken, 3 intact but signed by
//! a key not in your trusted keys (2 stays "could not run", as everywhere).

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use trailview_core::bundle::{
    self, notes, BundleReport, ExportFilter, ExportOptions, InclusionProof, ProblemCode,
    TrustStatus,
};
use trailview_core::keys::KeyRing;

/// Where keys live: `--keys DIR`, else `$TRAILVIEW_KEYS`, else the data directory.
#[derive(Args, Clone, Default)]
pub struct KeysArg {
    /// The key directory [default: keys/ in your data directory, or $TRAILVIEW_KEYS].
    #[arg(long, value_name = "DIR", global = true)]
    keys: Option<PathBuf>,
}

impl KeysArg {
    fn ring(&self) -> KeyRing {
        match &self.keys {
            Some(d) => KeyRing::new(d),
            None => KeyRing::default_dir(),
        }
    }
}

/// `trailview export`.
#[derive(Args)]
pub struct ExportArgs {
    /// The one tenant to export ("" for personal events).
    #[arg(long)]
    tenant: String,
    #[command(flatten)]
    filter: crate::FilterArgs,
    /// Leave the tenant's quarantined records (conflicts) out.
    #[arg(long)]
    no_quarantine: bool,
    /// The bundle to write (conventionally `*.trail`).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    keys: KeysArg,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
}

/// `trailview open`.
#[derive(Args)]
pub struct OpenArgs {
    /// The bundle (it is only read).
    bundle: PathBuf,
    /// Where imported bundles are kept [default: cache/bundles/ in your data directory, or
    /// $TRAILVIEW_CACHE].
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    #[command(flatten)]
    keys: KeysArg,
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
}

/// `trailview prove`.
#[derive(Args)]
pub struct ProveArgs {
    /// The bundle (with `--consistency`: the older bundle).
    bundle: PathBuf,
    /// The event's id (with `--consistency`: the newer bundle).
    event_id: String,
    /// Prove that the second bundle extends the first (RFC 9162 consistency proof): same
    /// tenant and filter, every event of the older one at the same position in the newer one.
    #[arg(long)]
    consistency: bool,
    /// Write the proof here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    keys: KeysArg,
}

/// `trailview verify-proof`.
#[derive(Args)]
pub struct VerifyProofArgs {
    /// The proof (`-` for stdin).
    proof: PathBuf,
    #[command(flatten)]
    keys: KeysArg,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// `trailview key`.
#[derive(Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    command: KeyCommand,
    #[command(flatten)]
    keys: KeysArg,
}

#[derive(Subcommand)]
enum KeyCommand {
    /// This installation's signing key: fingerprint and public key file (made on first use).
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Trust the public key in FILE (someone's `signing.pub`): their bundles verify as trusted.
    Trust {
        /// A public key file (`trailview-ed25519 <hex>`).
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The keys you trust (your own first).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `trailview note`.
#[derive(Args)]
pub struct NoteArgs {
    #[command(subcommand)]
    command: NoteCommand,
}

#[derive(Subcommand)]
enum NoteCommand {
    /// Write a NEW bundle: BUNDLE plus your signed note on one event (BUNDLE is not modified).
    Add {
        /// The bundle to annotate (an original, or one with notes already).
        bundle: PathBuf,
        /// The event's id.
        #[arg(long = "event", value_name = "ID")]
        event_id: String,
        /// The note.
        #[arg(long)]
        text: String,
        /// The derived bundle to write.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        #[command(flatten)]
        keys: KeysArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The notes in a bundle, oldest first (run `verify` to check them).
    List {
        /// The bundle.
        bundle: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Flush what was printed, then exit with `code`.
fn done(out: &mut impl Write, code: ExitCode) -> Result<ExitCode> {
    out.flush()?;
    Ok(code)
}

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn producer() -> String {
    format!("trailview {}", env!("CARGO_PKG_VERSION"))
}

fn count_bar(what: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if !io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{bar:30.cyan/blue}} {{human_pos}}/{{human_len}} {what}  {{elapsed}} eta {{eta}}"
        ))
        .expect("a valid template")
        .progress_chars("█▉▊▋▌▍▎▏ "),
    );
    bar
}

/// `trailview export`.
pub fn export(db: &Option<PathBuf>, a: ExportArgs, out: &mut impl Write) -> Result<ExitCode> {
    let store = crate::open_existing(db)?;
    let identity = a
        .keys
        .ring()
        .identity()
        .context("loading your signing key")?;
    let opts = ExportOptions {
        tenant: a.tenant,
        filter: ExportFilter {
            types: a.filter.types,
            since: a.filter.since,
            until: a.filter.until,
            source: a.filter.source,
            user_id: a.filter.user,
            correlation_id: a.filter.correlation,
            execution_id: a.filter.execution,
        },
        with_quarantine: !a.no_quarantine,
        producer: producer(),
        created_at: now_us(),
    };
    let started = std::time::Instant::now();
    let bar = count_bar("events");
    let summary = bundle::export(&store, &opts, &identity, &a.output, &mut |p| {
        bar.set_length(p.total);
        bar.set_position(p.events);
    })
    .with_context(|| format!("exporting to {}", a.output.display()))?;
    bar.finish_and_clear();
    if a.json {
        serde_json::to_writer(&mut *out, &summary)?;
        writeln!(out)?;
    } else {
        let m = &summary.manifest;
        writeln!(
            out,
            "{}: {} events{} of tenant {} in {:.2}s, {} bytes",
            summary.path,
            m.counts.events,
            if m.counts.quarantined > 0 {
                format!(" and {} quarantined records", m.counts.quarantined)
            } else {
                String::new()
            },
            tenant_name(&m.tenant),
            started.elapsed().as_secs_f64(),
            summary.bytes
        )?;
        writeln!(
            out,
            "merkle root {} over {} events",
            m.merkle.root, m.merkle.tree_size
        )?;
        writeln!(out, "signed by   {}", summary.fingerprint)?;
        writeln!(out, "sha256      {}", summary.sha256)?;
    }
    done(out, ExitCode::SUCCESS)
}

fn tenant_name(t: &str) -> String {
    if t.is_empty() {
        "(personal)".into()
    } else {
        format!("{t:?}")
    }
}

/// `trailview open`.
pub fn open(a: OpenArgs, out: &mut impl Write) -> Result<ExitCode> {
    let cache = a.cache.unwrap_or_else(bundle::default_cache_dir);
    let ring = a.keys.ring();
    let started = std::time::Instant::now();
    let bar = count_bar("events");
    let r = bundle::open_bundle(&a.bundle, &cache, &ring, &mut |p| {
        bar.set_length(p.total.max(p.events));
        bar.set_position(p.events);
    })
    .with_context(|| format!("opening {}", a.bundle.display()))?;
    bar.finish_and_clear();
    if a.json {
        serde_json::to_writer(&mut *out, &r)?;
        writeln!(out)?;
    } else {
        print_report(out, &a.bundle, &r.info.report)?;
        writeln!(
            out,
            "{} {} events{} in {:.2}s",
            if r.cached {
                "already imported:"
            } else {
                "imported"
            },
            r.info.imported,
            if r.info.quarantined > 0 {
                format!(" and {} quarantined records", r.info.quarantined)
            } else {
                String::new()
            },
            started.elapsed().as_secs_f64()
        )?;
        writeln!(out, "store: {}", r.store)?;
        if let Some(m) = &r.info.report.manifest {
            writeln!(
                out,
                "  trailview --db {} events --tenant {}",
                shell_word(&r.store),
                shell_word(&m.tenant)
            )?;
        }
        writeln!(out, "  trailview --db {} serve", shell_word(&r.store))?;
    }
    done(out, ExitCode::SUCCESS)
}

fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:@".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn status_code(s: TrustStatus) -> ExitCode {
    match s {
        TrustStatus::Trusted => ExitCode::SUCCESS,
        TrustStatus::Broken => ExitCode::from(1),
        TrustStatus::UnknownSigner => ExitCode::from(3),
    }
}

fn print_report(out: &mut impl Write, path: &Path, r: &BundleReport) -> io::Result<()> {
    let what = r.manifest.as_ref().map(|m| {
        format!(
            "tenant {}, {} events (seq {}…{})",
            tenant_name(&m.tenant),
            r.events,
            m.first_seq.map_or("-".into(), |s| s.to_string()),
            m.last_seq.map_or("-".into(), |s| s.to_string()),
        )
    });
    let fp = r.signer.as_ref().map_or("?", |s| s.fingerprint.as_str());
    match r.status {
        TrustStatus::Trusted => writeln!(
            out,
            "trusted: {} — {}, signed by {fp}{}",
            path.display(),
            what.unwrap_or_default(),
            notes_suffix(r.notes)
        ),
        TrustStatus::UnknownSigner => writeln!(
            out,
            "valid, unknown signer: {} — {}, signed by {fp}, a key not in your trusted keys{} \
             (`trailview key trust FILE` once you know whose it is)",
            path.display(),
            what.unwrap_or_default(),
            notes_suffix(r.notes)
        ),
        TrustStatus::Broken => {
            writeln!(out, "BROKEN: {}", path.display())?;
            for p in r
                .problems
                .iter()
                .filter(|p| p.code != ProblemCode::UntrustedKey)
            {
                writeln!(out, "  {}: {}", code_name(p.code), p.message)?;
            }
            Ok(())
        }
    }
}

fn notes_suffix(n: u64) -> String {
    if n > 0 {
        format!(", with {n} reviewer note(s)")
    } else {
        String::new()
    }
}

fn code_name(c: ProblemCode) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `trailview verify BUNDLE`.
pub fn verify(path: &Path, keys: &KeysArg, json: bool, out: &mut impl Write) -> Result<ExitCode> {
    let r = bundle::verify(path, &keys.ring())
        .with_context(|| format!("verifying {}", path.display()))?;
    if json {
        serde_json::to_writer(&mut *out, &r)?;
        writeln!(out)?;
    } else {
        print_report(out, path, &r)?;
    }
    done(out, status_code(r.status))
}

/// `trailview prove`.
pub fn prove(a: ProveArgs, out: &mut impl Write) -> Result<ExitCode> {
    let mut text = if a.consistency {
        let new = Path::new(&a.event_id);
        let proof =
            bundle::prove_consistency(&a.bundle, new, &a.keys.ring()).with_context(|| {
                format!(
                    "proving that {} extends {}",
                    new.display(),
                    a.bundle.display()
                )
            })?;
        serde_json::to_vec_pretty(&proof)?
    } else {
        let proof = bundle::prove(&a.bundle, &a.event_id, &a.keys.ring())
            .with_context(|| format!("proving {:?} in {}", a.event_id, a.bundle.display()))?;
        serde_json::to_vec_pretty(&proof)?
    };
    text.push(b'\n');
    match a.output {
        Some(p) => std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?,
        None => out.write_all(&text)?,
    }
    done(out, ExitCode::SUCCESS)
}

/// `trailview verify-proof`.
pub fn verify_proof(a: VerifyProofArgs, out: &mut impl Write) -> Result<ExitCode> {
    let text = if a.proof.as_os_str() == "-" {
        let mut s = String::new();
        io::Read::read_to_string(&mut io::stdin(), &mut s)?;
        s
    } else {
        std::fs::read_to_string(&a.proof)
            .with_context(|| format!("reading {}", a.proof.display()))?
    };
    let format = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_owned));
    if format.as_deref() == Some(bundle::consistency::CONSISTENCY_FORMAT) {
        return verify_consistency(&a, &text, out);
    }
    let proof: InclusionProof = match serde_json::from_str(&text) {
        Ok(p) => p,
        Err(e) => bail!(
            "{} is not a Trailview inclusion proof: {e}",
            a.proof.display()
        ),
    };
    let r = bundle::verify_proof(&proof, &a.keys.ring())?;
    if a.json {
        serde_json::to_writer(&mut *out, &r)?;
        writeln!(out)?;
    } else {
        let fp = r.signer.as_ref().map_or("?", |s| s.fingerprint.as_str());
        let what = format!(
            "event {} (seq {}) is #{} of the {} events of tenant {}",
            r.event_id.as_deref().unwrap_or("?"),
            r.seq.map_or("?".into(), |s| s.to_string()),
            r.leaf_index,
            r.tree_size,
            tenant_name(r.tenant.as_deref().unwrap_or(""))
        );
        match r.status {
            TrustStatus::Trusted => writeln!(out, "proven: {what}, signed by {fp}")?,
            TrustStatus::UnknownSigner => writeln!(
                out,
                "proven, unknown signer: {what}, signed by {fp}, a key not in your trusted keys"
            )?,
            TrustStatus::Broken => {
                writeln!(out, "NOT proven:")?;
                for p in r
                    .problems
                    .iter()
                    .filter(|p| p.code != ProblemCode::UntrustedKey)
                {
                    writeln!(out, "  {}: {}", code_name(p.code), p.message)?;
                }
            }
        }
    }
    done(out, status_code(r.status))
}

/// `trailview verify-proof` of a consistency proof.
fn verify_consistency(a: &VerifyProofArgs, text: &str, out: &mut impl Write) -> Result<ExitCode> {
    let proof: bundle::ConsistencyProof = match serde_json::from_str(text) {
        Ok(p) => p,
        Err(e) => bail!(
            "{} is not a Trailview consistency proof: {e}",
            a.proof.display()
        ),
    };
    let r = bundle::verify_consistency_proof(&proof, &a.keys.ring())?;
    if a.json {
        serde_json::to_writer(&mut *out, &r)?;
        writeln!(out)?;
    } else {
        let fp = |s: &Option<bundle::Signer>| {
            s.as_ref()
                .map_or_else(|| "?".to_owned(), |s| s.fingerprint.clone())
        };
        let what = format!(
            "the bundle of {} events extends the bundle of {} events of tenant {}",
            r.new_size,
            r.old_size,
            tenant_name(r.tenant.as_deref().unwrap_or(""))
        );
        let signers = format!("signed by {} and {}", fp(&r.old_signer), fp(&r.new_signer));
        match r.status {
            TrustStatus::Trusted => writeln!(out, "consistent: {what}, {signers}")?,
            TrustStatus::UnknownSigner => writeln!(
                out,
                "consistent, unknown signer: {what}, {signers}; not every key is in your \
                 trusted keys"
            )?,
            TrustStatus::Broken => {
                writeln!(out, "NOT consistent:")?;
                for p in r
                    .problems
                    .iter()
                    .filter(|p| p.code != ProblemCode::UntrustedKey)
                {
                    writeln!(out, "  {}: {}", code_name(p.code), p.message)?;
                }
            }
        }
    }
    done(out, status_code(r.status))
}

/// `trailview key`.
pub fn key(a: KeyArgs, out: &mut impl Write) -> Result<ExitCode> {
    let ring = a.keys.ring();
    match a.command {
        KeyCommand::Show { json } => {
            let k = ring.show()?;
            if json {
                serde_json::to_writer(&mut *out, &k)?;
                writeln!(out)?;
            } else {
                writeln!(out, "fingerprint {}", k.fingerprint)?;
                writeln!(
                    out,
                    "public key  {} (give this file to whoever checks your bundles)",
                    k.path
                )?;
            }
        }
        KeyCommand::Trust { file, json } => {
            let k = ring.trust_file(&file)?;
            if json {
                serde_json::to_writer(&mut *out, &k)?;
                writeln!(out)?;
            } else {
                writeln!(out, "trusted {} (from {})", k.fingerprint, file.display())?;
            }
        }
        KeyCommand::List { json } => {
            let ks = ring.trusted()?;
            if json {
                serde_json::to_writer(&mut *out, &ks)?;
                writeln!(out)?;
            } else {
                for k in ks {
                    writeln!(out, "{}  {}", k.fingerprint, k.path)?;
                }
            }
        }
    }
    done(out, ExitCode::SUCCESS)
}

/// `trailview note`.
pub fn note(a: NoteArgs, out: &mut impl Write) -> Result<ExitCode> {
    match a.command {
        NoteCommand::Add {
            bundle,
            event_id,
            text,
            output,
            keys,
            json,
        } => {
            let ring = keys.ring();
            let id = ring.identity().context("loading your signing key")?;
            let s = notes::add_note(&bundle, &output, &id, &ring, &event_id, &text, now_us())
                .with_context(|| format!("adding a note to {}", bundle.display()))?;
            if json {
                serde_json::to_writer(&mut *out, &s)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "{}: {} with note {} on seq {} ({}), signed by {}",
                    s.path,
                    bundle.display(),
                    s.note.n,
                    s.note.seq,
                    s.note.event_id,
                    s.note.author
                )?;
            }
        }
        NoteCommand::List { bundle, json } => {
            let ns = notes::list_notes(&bundle)?;
            if json {
                serde_json::to_writer(&mut *out, &ns)?;
                writeln!(out)?;
            } else {
                for n in ns {
                    writeln!(
                        out,
                        "#{} {} seq {} {} by {}: {}",
                        n.n, n.created_at, n.seq, n.event_id, n.author, n.text
                    )?;
                }
            }
        }
    }
    done(out, ExitCode::SUCCESS)
}
