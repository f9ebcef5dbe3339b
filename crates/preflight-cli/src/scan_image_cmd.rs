//! `preflight scan image FILE... (--list LIST | --store DIR) --trust KEY`: scans image files
//! with the library's [`Scanner`] against a signed list (verified with the trusted keys) or an
//! installed device-style store, printing each verdict with its evidence (list entry, distance,
//! dihedral variant, reframed region, partial file, pHash corroboration), or JSON lines.
//! Exit code: 0 all allowed, 1 something warned or blocked, 2 an error.

use clap::Args;
use preflight::lists::IssuerPublicKey;
use preflight::{Evidence, Scanner, ScannerConfig, Verdict};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `preflight scan image`.
#[derive(Args, Debug)]
pub struct ScanImageArgs {
    /// Image files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// A signed list file to scan against (installed into a temporary store).
    #[arg(long, conflicts_with = "store", required_unless_present = "store")]
    list: Option<PathBuf>,
    /// An installed list store directory (as `preflight list apply` writes it).
    #[arg(long)]
    store: Option<PathBuf>,
    /// Trusted issuer public key files (at least one).
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

fn scanner(a: &ScanImageArgs) -> Result<Scanner, String> {
    let keys = a
        .trust
        .iter()
        .map(|p| {
            IssuerPublicKey::read(p)
                .map(|k| k.to_hex())
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let s = Scanner::new(ScannerConfig {
        list_store_dir: a.store.clone(),
        trusted_list_keys: keys,
        ..ScannerConfig::default()
    })
    .map_err(|e| e.to_string())?;
    if let Some(list) = &a.list {
        let bytes = std::fs::read(list).map_err(|e| format!("{}: {e}", list.display()))?;
        s.apply_list_update(&bytes, true)
            .map_err(|e| format!("{}: {e}", list.display()))?;
    } else if s.list_info().version == 0 {
        return Err("the store holds no list (install one with `preflight list apply`)".into());
    }
    Ok(s)
}

fn describe(e: &Evidence) -> String {
    match e {
        Evidence::ListMatch {
            kind,
            entry,
            distance,
            variant,
            label,
            reframe,
            partial,
            corroborated_by,
            list_version,
            ..
        } => {
            let mut s = format!(
                "{} entry {entry} \"{label}\" distance {distance} variant {} region {reframe} (list v{list_version})",
                kind.name(),
                variant.name()
            );
            if *partial {
                s.push_str(", partial file");
            }
            if *kind == preflight::lists::HashKind::PHash {
                if corroborated_by.is_empty() {
                    s.push_str(", uncorroborated pHash: warns only");
                } else {
                    let names: Vec<&str> = corroborated_by.iter().map(|c| c.name()).collect();
                    s.push_str(&format!(", corroborated by {}", names.join("+")));
                }
            }
            s
        }
        other => format!("{other:?}"),
    }
}

fn print_verdict(
    out: &mut impl Write,
    path: &Path,
    v: &Verdict,
    json: bool,
) -> std::io::Result<()> {
    if json {
        let line = serde_json::json!({"image": path.display().to_string(), "verdict": v});
        return writeln!(out, "{line}");
    }
    writeln!(out, "{}\t{:?}", path.display(), v.action)?;
    for s in &v.signals {
        for e in &s.evidence {
            writeln!(
                out,
                "  {} ({:.2}): {}",
                s.category.name(),
                s.score,
                describe(e)
            )?;
        }
    }
    Ok(())
}

/// Runs `preflight scan image`.
pub fn run(a: ScanImageArgs) -> ExitCode {
    let s = match scanner(&a) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let limit = preflight::media::DecodeLimits::default().max_input_bytes;
    let (mut flagged, mut failed) = (false, false);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &a.files {
        let result = crate::hash_cmd::read_capped(path, limit)
            .and_then(|bytes| s.scan_image(&bytes).map_err(|e| e.to_string()));
        match result {
            Ok(v) => {
                flagged |= v.action != preflight::Action::Allow;
                if print_verdict(&mut out, path, &v, a.json)
                    .and_then(|_| out.flush())
                    .is_err()
                {
                    break; // stdout closed
                }
            }
            Err(e) => {
                failed = true;
                if a.json {
                    let line = serde_json::json!({"image": path.display().to_string(), "error": e});
                    if writeln!(out, "{line}").is_err() {
                        break;
                    }
                } else {
                    eprintln!("preflight: {}: {e}", path.display());
                }
            }
        }
    }
    match (failed, flagged) {
        (true, _) => ExitCode::from(2),
        (false, true) => ExitCode::from(1),
        (false, false) => ExitCode::SUCCESS,
    }
}
