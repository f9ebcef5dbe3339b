//! `preflight hash` end to end: TSV and JSON output agree with the library, directories are
//! walked, and a bad file is reported without stopping the run.

use crate::common;

use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .join("tests/fixtures/pdq/images")
        .join(name)
}

#[test]
fn hashes_files_and_reports_bad_ones_without_stopping() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("wee.jpg"), dir.path().join("a.jpg")).unwrap();
    std::fs::copy(fixture("rgb.jpeg"), dir.path().join("b.jpeg")).unwrap();
    let cut = std::fs::read(fixture("wee.jpg")).unwrap();
    // Cut inside the headers: no picture to decode (a file cut after them decodes as partial).
    std::fs::write(dir.path().join("c-cut.jpg"), &cut[..40]).unwrap();
    std::fs::write(dir.path().join("d.txt"), b"not an image").unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["hash", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "some files failed, so exit 1");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    // The library's hash of wee.jpg (tests/it/pdq_conformance.rs checks it against Meta's C++).
    assert_eq!(lines[0]["pdq"], common::drawn_pdq("wee.jpg").to_hex());
    assert_eq!(lines[0]["partial"], false);
    assert_eq!(lines[0]["quality"], 100);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("c-cut.jpg") && stderr.contains("truncated"),
        "{stderr}"
    );
    assert!(
        stderr.contains("d.txt") && stderr.contains("unrecognised"),
        "{stderr}"
    );
    assert!(stderr.contains("2 of 4 files"), "{stderr}");
}

#[test]
fn tsv_with_dihedral_variants() {
    let out = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["hash", "--dihedral"])
        .arg(fixture("bridge-1-original.jpg"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let row: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(row[1], common::drawn_pdq("bridge-1-original.jpg").to_hex());
    assert_eq!(header.len(), 17);
    assert_eq!(row.len(), 17);
    assert_eq!((header[16], row[16]), ("partial", "false"));
    assert_eq!(header[15], "pdq_flip_minus1");
}
