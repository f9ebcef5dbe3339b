//! `preflight keygen` and `preflight list build|verify|inspect|diff|apply|log`: the policy team's
//! tools for issuer keys and signed hash lists. Human output by default, JSON with `--json`;
//! errors go to stderr with a non-zero exit code.

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use preflight::lists::delta::inspect_delta;
use preflight::lists::format::{parse_container, FileKind};
use preflight::lists::{
    import_csv, import_hma, make_delta, parse_delta, CsvOptions, HashKind, HashList, ImportReport,
    IssuerSecretKey, ListBuilder, ListError, ListInfo, LiveList, TrustedKeys, Verification,
};
use serde::Serialize;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Inputs above this size get a progress bar.
const PROGRESS_MIN_BYTES: u64 = 4 << 20;

/// Arguments of `preflight keygen`.
#[derive(Args)]
pub struct KeygenArgs {
    /// Output prefix: writes `<prefix>.key` (secret seed, hex, mode 0600) and `<prefix>.pub`.
    #[arg(long, short)]
    out: PathBuf,
    /// Overwrite existing key files.
    #[arg(long)]
    force: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `preflight list`.
#[derive(Args)]
pub struct ListArgs {
    #[command(subcommand)]
    command: ListCommand,
}

#[derive(Subcommand)]
enum ListCommand {
    /// Build and sign a list from HMA/ThreatExchange lines and CSV/TSV exports.
    Build(BuildArgs),
    /// Verify a list or delta against trusted public keys and print its summary.
    Verify(VerifyArgs),
    /// Print a list's or delta's summary without a key (digest checked, signature not).
    Inspect(InspectArgs),
    /// Compare two lists; with --key and --out, write the signed delta from OLD to NEW.
    Diff(DiffArgs),
    /// Apply a full list or delta to a device-style store (rollback-protected, atomic).
    Apply(ApplyArgs),
    /// The issuer's transparency log of list digests: append, prove, verify.
    Log(crate::list_log_cmd::LogArgs),
}

#[derive(Args)]
struct BuildArgs {
    /// Issuer secret key file.
    #[arg(long)]
    key: PathBuf,
    /// List version (must increase with every release).
    #[arg(long)]
    version: u64,
    /// Output list file.
    #[arg(long, short)]
    out: PathBuf,
    /// HMA / ThreatExchange hash-line files (`pdq <hex>` or bare hex).
    #[arg(long)]
    hma: Vec<PathBuf>,
    /// CSV files with a header row (hash, kind, source, label, category).
    #[arg(long)]
    csv: Vec<PathBuf>,
    /// TSV files with a header row.
    #[arg(long)]
    tsv: Vec<PathBuf>,
    /// vPDQ files (`frame_number,quality,pdq_hex,timestamp` lines, as `preflight hash VIDEO`
    /// and Meta's tools write them), one listed video each, with --source/--label/--category.
    #[arg(long)]
    vpdq: Vec<PathBuf>,
    /// Image files to hash into the list: the PDQ and pHash of each, labelled with its file
    /// name (or --label when given).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    images: Vec<PathBuf>,
    /// With --images: also list the PDQ of crops, small rotations and the true rotations/flips
    /// of each image (`preflight::hash::augment`, 117 more entries per image), so reshared
    /// copies that the scanner cannot undo still match.
    #[arg(long, requires = "images")]
    augment: bool,
    /// Source organisation for HMA lines and CSV rows without a source.
    #[arg(long)]
    source: Option<String>,
    /// Label for entries without one.
    #[arg(long, default_value = "")]
    label: String,
    /// Category for entries without one.
    #[arg(long, default_value = "")]
    category: String,
    /// Creation time (unix seconds); defaults to now.
    #[arg(long)]
    created_at: Option<u64>,
    /// Build from the valid rows even if some rows are invalid (they are still listed).
    #[arg(long)]
    skip_invalid: bool,
    /// Bits of the neighbour-slot sketch stored with each PDQ index posting: 0 gives the
    /// smallest file (about 74 bytes/hash) with about 3x slower queries; the default (12 below
    /// 4M entries, 16 above) meets the query-time targets at about 96 bytes/hash.
    #[arg(long)]
    pdq_sketch_bits: Option<u32>,
    /// Write the distributable form: no PDQ index in the file (about 33 bytes/hash instead
    /// of about 96); devices build the index on install.
    #[arg(long)]
    distributable: bool,
    /// Expiry (unix seconds): devices report the list stale after it and refuse it as an
    /// update once expired. Default: never.
    #[arg(long)]
    expires_at: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct VerifyArgs {
    /// List or delta file.
    file: PathBuf,
    /// Trusted public key files (at least one).
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct InspectArgs {
    /// List or delta file.
    file: PathBuf,
    /// Print size and load-time statistics.
    #[arg(long)]
    stats: bool,
    /// Trusted public key files: with --stats, also time the fast (signature + structure) load.
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// Print the first N entries of each kind.
    #[arg(long, default_value_t = 0)]
    entries: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct DiffArgs {
    /// The older list.
    old: PathBuf,
    /// The newer list.
    new: PathBuf,
    /// Issuer secret key to sign the delta with.
    #[arg(long, requires = "out")]
    key: Option<PathBuf>,
    /// Where to write the delta.
    #[arg(long, short, requires = "key")]
    out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ApplyArgs {
    /// Full list or delta to apply.
    update: PathBuf,
    /// Store directory (created if missing).
    #[arg(long)]
    store: PathBuf,
    /// Trusted public key files.
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// Accept a version not newer than the installed one.
    #[arg(long)]
    force: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

pub(crate) fn print_json<T: Serialize>(value: &T) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, ListError> {
    std::fs::read(path).map_err(|e| ListError::io(format!("reading {}", path.display()), e))
}

pub(crate) fn trusted(paths: &[PathBuf]) -> Result<TrustedKeys, ListError> {
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    TrustedKeys::read_files(&refs)
}

fn print_info(info: &ListInfo) {
    println!("version       {}", info.version);
    println!("digest        {}", info.digest_hex);
    println!("created at    {}", info.created_at);
    if info.expires_at != 0 {
        println!("expires at    {}", info.expires_at);
    }
    if info.forced {
        println!("forced        yes (installed over a newer or conflicting list)");
    }
    println!("issuer key id {}", info.issuer_key_id);
    println!("format        {}", info.format_version);
    println!("orgs          {}", info.orgs.join(", "));
    for kind in HashKind::ALL {
        println!("{:<13} {}", kind.name(), info.counts.get(kind));
    }
    println!("videos        {}", info.counts.videos);
    println!("file bytes    {}", info.file_bytes);
}

/// `preflight keygen`.
pub fn keygen(args: KeygenArgs) -> ExitCode {
    let secret = args.out.with_extension("key");
    let public = args.out.with_extension("pub");
    if !args.force && (secret.exists() || public.exists()) {
        return fail(format!(
            "{} or {} exists; pass --force to overwrite",
            secret.display(),
            public.display()
        ));
    }
    let result = IssuerSecretKey::generate().and_then(|k| {
        k.write(&secret)?;
        k.public().write(&public)?;
        Ok(k)
    });
    match result {
        Ok(k) => {
            #[derive(Serialize)]
            struct Out {
                key_id: String,
                secret_key_file: String,
                public_key_file: String,
                public_key_hex: String,
            }
            let out = Out {
                key_id: k.key_id().to_string(),
                secret_key_file: secret.display().to_string(),
                public_key_file: public.display().to_string(),
                public_key_hex: k.public().to_hex(),
            };
            if args.json {
                return print_json(&out);
            }
            println!("key id      {}", out.key_id);
            println!(
                "secret key  {} (keep offline; never ship)",
                out.secret_key_file
            );
            println!(
                "public key  {} (ship to devices as a trusted key)",
                out.public_key_file
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `preflight list ...`.
pub fn run(args: ListArgs) -> ExitCode {
    match args.command {
        ListCommand::Build(a) => build(a),
        ListCommand::Verify(a) => verify(a),
        ListCommand::Inspect(a) => inspect(a),
        ListCommand::Diff(a) => diff(a),
        ListCommand::Apply(a) => apply(a),
        ListCommand::Log(a) => crate::list_log_cmd::run(a),
    }
}

fn open_input(path: &Path, quiet: bool) -> Result<(Box<dyn BufRead>, ProgressBar), ListError> {
    let file = std::fs::File::open(path)
        .map_err(|e| ListError::io(format!("opening {}", path.display()), e))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if len >= PROGRESS_MIN_BYTES && !quiet {
        let bar = ProgressBar::new(len);
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(path.display().to_string());
        bar
    } else {
        ProgressBar::hidden()
    };
    let reader: Box<dyn Read> = Box::new(bar.wrap_read(file));
    Ok((Box::new(BufReader::with_capacity(1 << 16, reader)), bar))
}

#[derive(Serialize)]
struct InputReport {
    file: String,
    #[serde(flatten)]
    report: ImportReport,
}

/// The builder `list build` fills: version, created-at (default now), sketch width, expiry
/// and index form from the arguments.
fn new_builder(a: &BuildArgs) -> ListBuilder {
    let created_at = a.created_at.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });
    let mut builder = ListBuilder::new(a.version, created_at);
    builder.set_pdq_sketch_bits(a.pdq_sketch_bits);
    builder.set_expires_at(a.expires_at.unwrap_or(0));
    if a.distributable {
        builder.set_pdq_index_scheme(preflight::lists::PdqIndexScheme::Detached);
    }
    builder
}

fn build(a: BuildArgs) -> ExitCode {
    let result = (|| -> Result<(ListInfo, Vec<InputReport>), ListError> {
        let key = IssuerSecretKey::read(&a.key)?;
        let mut builder = new_builder(&a);
        let reports = import_inputs(&a, &mut builder)?;
        add_images(&mut builder, &a)?;
        check_issues(&reports, a.skip_invalid)?;
        let info = sign_and_write(&builder, &key, &a)?;
        Ok((info, reports))
    })();
    match result {
        Ok((info, reports)) => print_build(&a, info, reports),
        Err(e) => fail(e),
    }
}

/// Imports every `--hma`, `--csv`, `--tsv` and `--vpdq` input into the builder, with a report
/// per file.
fn import_inputs(a: &BuildArgs, builder: &mut ListBuilder) -> Result<Vec<InputReport>, ListError> {
    let mut reports = Vec::new();
    let csv_opts = |delimiter: u8| CsvOptions {
        delimiter,
        default_kind: Some(HashKind::Pdq),
        default_source: a.source.clone(),
        default_label: a.label.clone(),
        default_category: a.category.clone(),
    };
    let report = |path: &std::path::Path, report| InputReport {
        file: path.display().to_string(),
        report,
    };
    for path in &a.hma {
        let (reader, bar) = open_input(path, a.json)?;
        let r = import_hma(reader, builder, a.source.as_deref(), &a.label, &a.category)?;
        bar.finish_and_clear();
        reports.push(report(path, r));
    }
    for (paths, delimiter) in [(&a.csv, b','), (&a.tsv, b'\t')] {
        for path in paths {
            let (reader, bar) = open_input(path, a.json)?;
            let r = import_csv(reader, builder, &csv_opts(delimiter))?;
            bar.finish_and_clear();
            reports.push(report(path, r));
        }
    }
    for path in &a.vpdq {
        let r = crate::video_cmd::import_vpdq(
            path,
            builder,
            a.source.as_deref(),
            &a.label,
            &a.category,
        )?;
        reports.push(report(path, r));
    }
    Ok(reports)
}

/// Prints every invalid row as `file:line: message`; without `--skip-invalid` any of them fails
/// the build.
fn check_issues(reports: &[InputReport], skip_invalid: bool) -> Result<(), ListError> {
    for r in reports {
        for i in &r.report.issues {
            eprintln!("{}:{}: {}", r.file, i.line, i.message);
        }
    }
    let any = reports.iter().any(|r| !r.report.issues.is_empty());
    if any && !skip_invalid {
        let all = reports
            .iter()
            .flat_map(|r| r.report.issues.iter().cloned())
            .collect();
        return Err(ListError::Import { issues: all });
    }
    Ok(())
}

/// Builds the index, signs, writes `--out` atomically and reads the list back.
fn sign_and_write(
    builder: &ListBuilder,
    key: &IssuerSecretKey,
    a: &BuildArgs,
) -> Result<ListInfo, ListError> {
    let spinner = if a.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    spinner.set_message("building index and signing");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let bytes = builder.build(key)?;
    spinner.finish_and_clear();
    let tmp = a.out.with_extension("tmp");
    std::fs::write(&tmp, &bytes)
        .and_then(|_| std::fs::rename(&tmp, &a.out))
        .map_err(|e| ListError::io(format!("writing {}", a.out.display()), e))?;
    let list = HashList::from_bytes(bytes, &TrustedKeys::new(vec![key.public()]))?;
    Ok(list.info())
}

/// The build's result: JSON (the list and the per-input reports), or a line per input and the
/// list's summary.
fn print_build(a: &BuildArgs, info: ListInfo, reports: Vec<InputReport>) -> ExitCode {
    if a.json {
        #[derive(Serialize)]
        struct Out {
            list: ListInfo,
            inputs: Vec<InputReport>,
        }
        return print_json(&Out {
            list: info,
            inputs: reports,
        });
    }
    for r in &reports {
        println!(
            "{}: {} rows, {} added, {} invalid",
            r.file,
            r.report.rows,
            r.report.added,
            r.report.issues.len()
        );
    }
    println!("wrote {}", a.out.display());
    print_info(&info);
    ExitCode::SUCCESS
}

/// Hashes `--images` into the builder (with `--augment`, their augmentations too).
fn add_images(builder: &mut ListBuilder, a: &BuildArgs) -> Result<(), ListError> {
    if a.images.is_empty() {
        return Ok(());
    }
    let orgs = match &a.source {
        Some(name) => 1u64 << builder.add_org(name)?,
        None => 0,
    };
    let limits = preflight::media::DecodeLimits::default();
    let (mut images, mut extra) = (0usize, 0usize);
    for path in &a.images {
        let bytes = crate::hash_cmd::read_capped(path, limits.max_input_bytes)
            .map_err(|e| ListError::InvalidHash(format!("{}: {e}", path.display())))?;
        let bad = |e: preflight::media::MediaError| {
            ListError::InvalidHash(format!("{}: {e}", path.display()))
        };
        let h = preflight::hash::hash_image_bytes(&bytes, &limits).map_err(bad)?;
        let label = if a.label.is_empty() {
            path.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        } else {
            a.label.clone()
        };
        builder.add(HashKind::Pdq, &h.pdq.hashes[0].0, orgs, &label, &a.category)?;
        builder.add(
            HashKind::PHash,
            &h.perceptual.phash.to_be_bytes(),
            orgs,
            &label,
            &a.category,
        )?;
        images += 1;
        if a.augment {
            for (_, pdq) in
                preflight::hash::augment::augmented_pdq_bytes(&bytes, &limits).map_err(bad)?
            {
                builder.add(HashKind::Pdq, &pdq.0, orgs, &label, &a.category)?;
                extra += 1;
            }
        }
    }
    if !a.json {
        eprintln!("images: {images} hashed (PDQ + pHash), {extra} augmentation PDQs added");
    }
    Ok(())
}

fn verify(a: VerifyArgs) -> ExitCode {
    let result = (|| -> Result<serde_json::Value, ListError> {
        let keys = trusted(&a.trust)?;
        let bytes = read_file(&a.file)?;
        let c = parse_container(&bytes)?;
        Ok(match c.header.file_kind {
            FileKind::Full => serde_json::to_value(HashList::from_bytes(bytes, &keys)?.info()),
            FileKind::Delta => serde_json::to_value(parse_delta(&bytes, &keys)?.summary()),
        }
        .unwrap_or_default())
    })();
    match result {
        Ok(v) if a.json => print_json(&v),
        Ok(v) => {
            println!("OK: {} verifies against the trusted keys", a.file.display());
            print_value(&v);
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn print_value(v: &serde_json::Value) {
    if let Some(map) = v.as_object() {
        for (k, val) in map {
            match val {
                serde_json::Value::String(s) => println!("{k:<18} {s}"),
                other => println!("{k:<18} {other}"),
            }
        }
    }
}

#[derive(Serialize)]
struct Stats {
    entries: u64,
    file_bytes: u64,
    bytes_per_entry: f64,
    /// Load with signature + structure checks (needs --trust).
    load_fast_ms: Option<f64>,
    /// Load with a full SHA-256 pass + structure checks.
    load_digest_ms: f64,
}

fn inspect(a: InspectArgs) -> ExitCode {
    let result = (|| -> Result<serde_json::Value, ListError> {
        let bytes = read_file(&a.file)?;
        let c = parse_container(&bytes)?;
        if c.header.file_kind == FileKind::Delta {
            return Ok(serde_json::to_value(inspect_delta(&bytes)?.summary()).unwrap_or_default());
        }
        drop(bytes);
        let t = Instant::now();
        let list = HashList::open_with(&a.file, None, Verification::InspectOnly)?;
        let load_digest_ms = t.elapsed().as_secs_f64() * 1e3;
        let info = list.info();
        let mut out = serde_json::json!({ "list": info });
        if a.stats {
            let load_fast_ms = if a.trust.is_empty() {
                None
            } else {
                let keys = trusted(&a.trust)?;
                let t = Instant::now();
                HashList::open_with(&a.file, Some(&keys), Verification::Fast)?;
                Some(t.elapsed().as_secs_f64() * 1e3)
            };
            let stats = Stats {
                entries: info.counts.total(),
                file_bytes: info.file_bytes,
                bytes_per_entry: list.bytes_per_entry(),
                load_fast_ms,
                load_digest_ms,
            };
            out["stats"] = serde_json::to_value(stats).unwrap_or_default();
        }
        if a.entries > 0 {
            let entries: Vec<_> = HashKind::ALL
                .iter()
                .flat_map(|&k| list.entries(k).take(a.entries))
                .collect();
            out["entries"] = serde_json::to_value(entries).unwrap_or_default();
        }
        Ok(out)
    })();
    match result {
        Ok(v) if a.json => print_json(&v),
        Ok(v) => {
            if let Some(list) = v.get("list") {
                match serde_json::from_value::<InfoView>(list.clone()) {
                    Ok(view) => print_info(&view.into_info()),
                    Err(_) => print_value(list),
                }
                println!("(signature not checked: use `list verify --trust` for that)");
            } else {
                println!("delta (digest checked, signature not):");
                print_value(&v);
            }
            if let Some(s) = v.get("stats") {
                print_value(s);
            }
            if let Some(serde_json::Value::Array(entries)) = v.get("entries") {
                for e in entries {
                    println!("{e}");
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// Mirror of [`ListInfo`] for reading it back from JSON in `inspect`.
#[derive(serde::Deserialize)]
struct InfoView {
    format_version: u32,
    version: u64,
    digest_hex: String,
    created_at: u64,
    #[serde(default)]
    expires_at: u64,
    #[serde(default)]
    forced: bool,
    issuer_key_id: String,
    counts: CountsView,
    orgs: Vec<String>,
    file_bytes: u64,
}

#[derive(serde::Deserialize)]
struct CountsView {
    pdq: u64,
    phash: u64,
    md5: u64,
    sha1: u64,
    sha256: u64,
    #[serde(default)]
    videos: u64,
}

impl InfoView {
    fn into_info(self) -> ListInfo {
        ListInfo {
            format_version: self.format_version,
            version: self.version,
            digest_hex: self.digest_hex,
            created_at: self.created_at,
            expires_at: self.expires_at,
            forced: self.forced,
            issuer_key_id: self.issuer_key_id,
            counts: preflight::lists::ListCounts {
                pdq: self.counts.pdq,
                phash: self.counts.phash,
                md5: self.counts.md5,
                sha1: self.counts.sha1,
                sha256: self.counts.sha256,
                videos: self.counts.videos,
            },
            orgs: self.orgs,
            file_bytes: self.file_bytes,
        }
    }
}

fn diff(a: DiffArgs) -> ExitCode {
    let result = (|| -> Result<(preflight::lists::DeltaSummary, Option<u64>), ListError> {
        let old = HashList::open_with(&a.old, None, Verification::InspectOnly)?;
        let new = HashList::open_with(&a.new, None, Verification::InspectOnly)?;
        // Without a key, sign with a throwaway key just to compute the summary.
        let key = match &a.key {
            Some(path) => IssuerSecretKey::read(path)?,
            None => IssuerSecretKey::generate()?,
        };
        let delta = make_delta(&old, &new, &key)?;
        let summary = inspect_delta(&delta)?.summary();
        let mut written = None;
        if let Some(out) = &a.out {
            std::fs::write(out, &delta)
                .map_err(|e| ListError::io(format!("writing {}", out.display()), e))?;
            written = Some(delta.len() as u64);
        }
        Ok((summary, written))
    })();
    match result {
        Ok((summary, written)) => {
            if a.json {
                return print_json(
                    &serde_json::json!({ "delta": summary, "delta_bytes": written }),
                );
            }
            println!(
                "version {} -> {}",
                summary.base_version, summary.target_version
            );
            println!("target digest {}", summary.target_digest_hex);
            for kind in HashKind::ALL {
                let (add, rem) = (summary.adds.get(kind), summary.removes.get(kind));
                if add + rem > 0 {
                    println!("{:<7} +{add} -{rem}", kind.name());
                }
            }
            let (add, rem) = (summary.adds.videos, summary.removes.videos);
            if add + rem > 0 {
                println!("{:<7} +{add} -{rem}", "videos");
            }
            if let (Some(out), Some(bytes)) = (&a.out, written) {
                println!("wrote signed delta {} ({bytes} bytes)", out.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn apply(a: ApplyArgs) -> ExitCode {
    let result = (|| -> Result<ListInfo, ListError> {
        let keys = trusted(&a.trust)?;
        let bytes = read_file(&a.update)?;
        let live = LiveList::open(&a.store, keys)?;
        live.apply_update(&bytes, a.force)
    })();
    match result {
        Ok(info) if a.json => print_json(&info),
        Ok(info) => {
            println!("installed into {}", a.store.display());
            print_info(&info);
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
