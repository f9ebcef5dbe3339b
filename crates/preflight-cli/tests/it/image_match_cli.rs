//! The image side of the CLI end to end: `list build --images --augment`, `scan image` against
//! a list file and an installed store (verdicts with evidence, JSON, partial files), and
//! `preflight hash` on hostile paths (capped reads, empty directories, symlinks, a closed pipe,
//! limit errors naming the claimed size).

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn preflight(dir: &Path, args: &[&str]) -> Output {
    common::cli_in(env!("CARGO_BIN_EXE_preflight"), dir, "", args)
}

fn texture(w: u32, h: u32, seed: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let v = |k: u32| {
            let a = (x / 9 + seed) * (y / 7 + 3 * seed + k) + (x * y / 97) % 61;
            (a % 200 + 30) as u8
        };
        image::Rgb([v(0), v(1), v(2)])
    })
}

/// A picture, its copy inside a 40 px white border, its cut copy, and an unrelated picture.
fn images(d: &Path) {
    let pic = texture(320, 240, 1);
    pic.save(d.join("pic.png")).unwrap();
    let mut bordered = image::RgbImage::from_pixel(400, 320, image::Rgb([255, 255, 255]));
    image::imageops::overlay(&mut bordered, &pic, 40, 40);
    bordered.save(d.join("bordered.png")).unwrap();
    let full = std::fs::read(d.join("pic.png")).unwrap();
    std::fs::write(d.join("cut.png"), &full[..full.len() - 12]).unwrap(); // no IEND
    texture(300, 260, 7).save(d.join("other.png")).unwrap();
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `preflight` in `dir` with the words of `line` (file names here hold no spaces).
fn sh(dir: &Path, line: &str) -> Output {
    common::cli_in(env!("CARGO_BIN_EXE_preflight"), dir, line, &[])
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn scan_image_against_a_built_list_and_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    images(d);
    assert_ok(&sh(d, "keygen --out issuer"));
    let build = "list build --key issuer.key --version 1 --images pic.png";
    assert_ok(&sh(d, &format!("{build} -o plain.list --source org-a")));
    assert_ok(&sh(d, &format!("{build} -o aug.list --augment")));
    let (p, a) = (
        std::fs::metadata(d.join("plain.list")).unwrap().len(),
        std::fs::metadata(d.join("aug.list")).unwrap().len(),
    );
    assert!(a > p, "augmented list {a} bytes, plain {p}");
    scan_against_the_list_file(d);
    scan_against_a_store(d);
}

/// `scan image --list`: the listed, bordered and cut copies block (with the evidence saying
/// how), an unrelated picture is allowed.
fn scan_against_the_list_file(d: &Path) {
    let out = sh(
        d,
        "scan image pic.png bordered.png cut.png other.png --list aug.list --trust issuer.pub --json",
    );
    assert_eq!(out.status.code(), Some(1), "something blocked: exit 1");
    let lines = json_lines(&out);
    let action = |i: usize| lines[i]["verdict"]["action"].as_str().unwrap().to_string();
    assert_eq!(
        (action(0), action(1), action(2), action(3)),
        (
            "block".into(),
            "block".into(),
            "block".into(),
            "allow".into()
        )
    );
    let evidence = |i: usize| lines[i]["verdict"]["signals"][0]["evidence"][0].clone();
    assert_eq!(evidence(0)["kind"], "pdq");
    assert_eq!(evidence(0)["reframe"], "whole");
    assert_ne!(
        evidence(1)["reframe"],
        "whole",
        "the border is trimmed to match"
    );
    assert_eq!(evidence(2)["partial"], true);
    assert_eq!(evidence(0)["partial"], false);
}

/// The same list installed in a store, then scanned from the store (human-readable output);
/// a store with no list is an error, not an allow.
fn scan_against_a_store(d: &Path) {
    assert_ok(&sh(
        d,
        "list apply aug.list --store store --trust issuer.pub",
    ));
    let out = sh(
        d,
        "scan image bordered.png --store store --trust issuer.pub",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Block") && text.contains("pdq entry") && text.contains("region "),
        "{text}"
    );
    let out = sh(d, "scan image pic.png --store empty --trust issuer.pub");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hash_reports_the_image_size_partial_files_and_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    images(d);
    let out = preflight(d, &["hash", "--json", "cut.png", "pic.png"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(
        (lines[0]["width"].as_u64(), lines[0]["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert_eq!(lines[0]["partial"], true);
    assert_eq!(lines[1]["partial"], false);
    assert_eq!(lines[0]["pdq"], lines[1]["pdq"], "only IEND was missing");

    std::fs::create_dir(d.join("empty")).unwrap();
    std::os::unix::fs::symlink(d.join("pic.png"), d.join("link.png")).unwrap();
    std::fs::create_dir(d.join("withlink")).unwrap();
    std::os::unix::fs::symlink(d.join("pic.png"), d.join("withlink/l.png")).unwrap();
    let out = preflight(d, &["hash", "empty", "withlink"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("empty") && err.contains("no files"), "{err}");
    assert!(err.contains("l.png") && err.contains("symlink"), "{err}");
}

#[test]
fn hash_caps_reads_names_claimed_sizes_and_survives_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = std::time::Instant::now();
    let out = preflight(d, &["hash", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("limit"), "{err}");
    // 64 MiB read at most (a full 4 GB read took tens of seconds); generous for a loaded machine.
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());

    std::fs::write(
        d.join("wide.png"),
        common::png_claiming(50_000, 10, 8, 2, 0),
    )
    .unwrap();
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&[0x50, 0xC3, 0x0A, 0x00, 0x80, 0, 0]); // 50000 x 10 screen, 2 colours
    gif.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    gif.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]); // one 1x1 frame
    gif.extend_from_slice(&[0x02, 0x02, 0x44, 0x01, 0x00, b';']);
    std::fs::write(d.join("wide.gif"), gif).unwrap();
    for f in ["wide.png", "wide.gif"] {
        let out = preflight(d, &["hash", f]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("50000x10") && !err.contains("0x0 "),
            "{f}: {err}"
        );
    }

    images(d);
    let many: Vec<String> = (0..200).map(|_| "pic.png".to_string()).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .current_dir(d)
        .arg("hash")
        .args(&many)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout); // `| head -c 16`
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{:?} {err}", out.status);
}
