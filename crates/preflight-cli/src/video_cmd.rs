//! `preflight hash VIDEO`: vPDQ in Meta's format (`frame_number,quality,pdq_hex,timestamp`, one
//! line per hashed frame), every frame or `--fps N`, through FFmpeg (feature `video`). A single
//! video prints to stdout; with several files, `--vpdq-dir DIR` receives `<name>.vpdq.txt` each.

use preflight::video::ffmpeg::{hash_video_file, VideoHashOptions};
use preflight::video::vpdq::format_vpdq;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// File extensions treated as video.
const VIDEO_EXTENSIONS: [&str; 9] = [
    "mp4", "m4v", "mov", "mkv", "webm", "avi", "3gp", "ts", "mpg",
];

/// Whether `path` names a video file (by extension).
pub fn is_video(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Hashes the videos; `with_images` says image files were given too (then `--vpdq-dir` is
/// required, so the two outputs do not mix). Exit code 1 if any video failed.
pub fn hash_videos(
    videos: &[PathBuf],
    with_images: bool,
    fps: Option<f64>,
    dir: Option<&Path>,
) -> ExitCode {
    let seconds_per_hash = match fps {
        None => 0.0,
        Some(f) if f.is_finite() && f > 0.0 => 1.0 / f,
        Some(f) => {
            eprintln!("preflight: --fps {f} must be a positive number");
            return ExitCode::from(2);
        }
    };
    if dir.is_none() && (videos.len() > 1 || with_images) {
        eprintln!("preflight: give --vpdq-dir DIR to hash several videos (or videos with images)");
        return ExitCode::from(2);
    }
    let opts = VideoHashOptions {
        seconds_per_hash,
        ..VideoHashOptions::default()
    };
    let mut failed = 0;
    for v in videos {
        let result = hash_video_file(v, &opts).map(|f| format_vpdq(&f));
        let written = result
            .map_err(|e| e.to_string())
            .and_then(|text| match dir {
                None => std::io::stdout()
                    .lock()
                    .write_all(text.as_bytes())
                    .map_err(|e| e.to_string()),
                Some(d) => {
                    let name = v
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let out = d.join(format!("{name}.vpdq.txt"));
                    std::fs::write(&out, text)
                        .map_err(|e| format!("cannot write {}: {e}", out.display()))
                }
            });
        if let Err(e) = written {
            failed += 1;
            eprintln!("preflight: {}: {e}", v.display());
        }
    }
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `list build --vpdq FILE`: adds the file's video (its distinct frames of quality >= 50) to the
/// builder. A malformed line is reported as an import issue; a file without a good frame too.
pub fn import_vpdq(
    path: &Path,
    builder: &mut preflight::lists::ListBuilder,
    source: Option<&str>,
    label: &str,
    category: &str,
) -> Result<preflight::lists::ImportReport, preflight::lists::ListError> {
    use preflight::lists::{ImportIssue, ImportReport, ListError};
    let text = std::fs::read_to_string(path)
        .map_err(|e| ListError::io(format!("reading {}", path.display()), e))?;
    let issue = |line: usize, message: String| ImportReport {
        rows: 1,
        added: 0,
        issues: vec![ImportIssue { line, message }],
    };
    let features = match preflight::video::vpdq::parse_vpdq(&text) {
        Ok(f) => f,
        Err(preflight::video::VideoError::InvalidVpdq { line, detail }) => {
            return Ok(issue(line, detail))
        }
        Err(e) => return Ok(issue(0, e.to_string())),
    };
    let video = preflight::lists::video::VideoInput::from_vpdq(&features);
    if video.frames.is_empty() {
        return Ok(issue(
            1,
            "no frame of quality >= 50: nothing to match on".into(),
        ));
    }
    let orgs = match source {
        Some(s) => 1u64 << builder.add_org(s)?,
        None => 0,
    };
    builder.add_video(video, orgs, label, category)?;
    Ok(ImportReport {
        rows: features.len(),
        added: 1,
        issues: Vec::new(),
    })
}
