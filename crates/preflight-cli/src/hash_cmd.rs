//! `preflight hash`: hashes image files (PDQ with quality, pHash, dHash, MD5, SHA-1, SHA-256)
//! as TSV or JSON lines. Directories are walked recursively with a progress bar; a file that
//! cannot be read or decoded is reported on stderr and the run goes on.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use preflight::hash::{self, pdq::Dihedral, perceptual::hex64, ImageHashes};
use preflight::media::DecodeLimits;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `preflight hash`.
#[derive(Args)]
pub struct HashArgs {
    /// Image files or directories (walked recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// One JSON object per line instead of TSV.
    #[arg(long)]
    json: bool,
    /// Also print the seven rotated/flipped PDQ variants.
    #[arg(long)]
    dihedral: bool,
    /// Refuse images with more pixels than this.
    #[arg(long, default_value_t = DecodeLimits::default().max_pixels)]
    max_pixels: u64,
    /// Videos: hash this many frames a second (vPDQ's sampling); default every frame.
    #[arg(long)]
    fps: Option<f64>,
    /// Videos: write `<file name>.vpdq.txt` here for each video instead of printing (needed when
    /// more than one file is given).
    #[arg(long)]
    vpdq_dir: Option<PathBuf>,
}

fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, bool) {
    let mut files = Vec::new();
    let mut walked = false;
    for p in paths {
        if p.is_dir() {
            walked = true;
            for entry in walkdir::WalkDir::new(p).sort_by_file_name().into_iter() {
                match entry {
                    Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
                    Ok(_) => {}
                    Err(e) => eprintln!("preflight: {}: {e}", p.display()),
                }
            }
        } else {
            files.push(p.clone());
        }
    }
    (files, walked)
}

fn hash_file(path: &Path, limits: &DecodeLimits) -> Result<ImageHashes, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    hash::hash_image_bytes(&bytes, limits).map_err(|e| e.to_string())
}

fn tsv_line(path: &Path, h: &ImageHashes, dihedral: bool) -> String {
    let mut cols = vec![
        path.display().to_string(),
        h.pdq.hashes[0].to_hex(),
        h.pdq.quality.to_string(),
        hex64(h.perceptual.phash),
        hex64(h.perceptual.dhash),
        h.crypto_hex().0,
        h.crypto_hex().1,
        h.crypto_hex().2,
        format!("{}x{}", h.decoded_size.0, h.decoded_size.1),
    ];
    if dihedral {
        cols.extend(h.pdq.hashes[1..].iter().map(|v| v.to_hex()));
    }
    cols.join("\t")
}

fn json_line(path: &Path, h: &ImageHashes, dihedral: bool) -> String {
    let (md5, sha1, sha256) = h.crypto_hex();
    let mut obj = serde_json::json!({
        "path": path.display().to_string(),
        "pdq": h.pdq.hashes[0].to_hex(),
        "quality": h.pdq.quality,
        "phash": hex64(h.perceptual.phash),
        "dhash": hex64(h.perceptual.dhash),
        "md5": md5, "sha1": sha1, "sha256": sha256,
        "width": h.decoded_size.0, "height": h.decoded_size.1,
    });
    if dihedral {
        let variants: serde_json::Map<String, serde_json::Value> = Dihedral::ALL
            .iter()
            .map(|v| (v.name().to_string(), h.pdq.variant(*v).to_hex().into()))
            .collect();
        obj["pdq_dihedral"] = variants.into();
    }
    obj.to_string()
}

/// Runs the command; exit code 1 when any file failed (all others are still printed).
pub fn run(args: HashArgs) -> ExitCode {
    let limits = DecodeLimits {
        max_pixels: args.max_pixels,
        ..DecodeLimits::default()
    };
    let (files, walked) = collect(&args.paths);
    // video (issue 13): video files get vPDQ (src/bin/preflight/video_cmd.rs).
    let (videos, files): (Vec<PathBuf>, Vec<PathBuf>) = files
        .into_iter()
        .partition(|p| crate::video_cmd::is_video(p));
    if !videos.is_empty() {
        return crate::video_cmd::hash_videos(
            &videos,
            !files.is_empty(),
            args.fps,
            args.vpdq_dir.as_deref(),
        );
    }
    let bar = if walked {
        let b = ProgressBar::new(files.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if !args.json {
        let mut header = "path\tpdq\tquality\tphash\tdhash\tmd5\tsha1\tsha256\tsize".to_string();
        if args.dihedral {
            for v in &Dihedral::ALL[1..] {
                header.push_str("\tpdq_");
                header.push_str(v.name());
            }
        }
        let _ = writeln!(out, "{header}");
    }
    let mut failed = 0usize;
    for path in &files {
        match hash_file(path, &limits) {
            Ok(h) => {
                let line = if args.json {
                    json_line(path, &h, args.dihedral)
                } else {
                    tsv_line(path, &h, args.dihedral)
                };
                let _ = writeln!(out, "{line}");
            }
            Err(e) => {
                failed += 1;
                bar.suspend(|| eprintln!("preflight: {}: {e}", path.display()));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if failed > 0 {
        eprintln!(
            "preflight: {failed} of {} files could not be hashed",
            files.len()
        );
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
