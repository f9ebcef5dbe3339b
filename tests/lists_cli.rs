//! End-to-end test of the policy CLI: keygen, list build (with invalid rows reported by line),
//! verify, inspect, diff (signed delta), apply (delta, rollback refusal), all with `--json`.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preflight"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "command failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn policy_workflow_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists");
    let hma = fixtures.join("hma_sample.txt");
    let csv = fixtures.join("sample.csv");
    let (hma, csv) = (hma.to_str().unwrap(), csv.to_str().unwrap());

    let key = json(&run(d, &["keygen", "--out", "issuer", "--json"]));
    let key_id = key["key_id"].as_str().unwrap().to_owned();
    assert_eq!(key_id.len(), 16);
    assert!(
        !run(d, &["keygen", "--out", "issuer"]).status.success(),
        "overwrote a key"
    );

    // Invalid rows fail the build, naming file and line.
    let out = run(
        d,
        &[
            "list",
            "build",
            "--key",
            "issuer.key",
            "--version",
            "1",
            "--out",
            "v1.pflist",
            "--hma",
            hma,
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("hma_sample.txt:12:"), "{stderr}");
    assert!(!d.join("v1.pflist").exists());

    let v1 = json(&run(
        d,
        &[
            "list",
            "build",
            "--key",
            "issuer.key",
            "--version",
            "1",
            "--out",
            "v1.pflist",
            "--hma",
            hma,
            "--source",
            "NCMEC",
            "--skip-invalid",
            "--created-at",
            "100",
            "--json",
        ],
    ));
    assert_eq!(v1["list"]["counts"]["pdq"], 8);
    assert_eq!(v1["list"]["issuer_key_id"], key_id.as_str());
    assert_eq!(v1["inputs"][0]["issues"].as_array().unwrap().len(), 4);

    let v2 = json(&run(
        d,
        &[
            "list",
            "build",
            "--key",
            "issuer.key",
            "--version",
            "2",
            "--out",
            "v2.pflist",
            "--hma",
            hma,
            "--csv",
            csv,
            "--source",
            "NCMEC",
            "--skip-invalid",
            "--created-at",
            "200",
            "--json",
        ],
    ));
    let digest2 = v2["list"]["digest_hex"].as_str().unwrap().to_owned();

    let verified = json(&run(
        d,
        &[
            "list",
            "verify",
            "v2.pflist",
            "--trust",
            "issuer.pub",
            "--json",
        ],
    ));
    assert_eq!(verified["digest_hex"], digest2.as_str());
    run(d, &["keygen", "--out", "other"]);
    let out = run(d, &["list", "verify", "v2.pflist", "--trust", "other.pub"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not among the trusted keys"));

    let inspected = json(&run(
        d,
        &[
            "list",
            "inspect",
            "v2.pflist",
            "--stats",
            "--trust",
            "issuer.pub",
            "--entries",
            "2",
            "--json",
        ],
    ));
    assert_eq!(inspected["list"]["version"], 2);
    assert!(inspected["stats"]["bytes_per_entry"].as_f64().unwrap() > 32.0);
    assert!(inspected["entries"].as_array().unwrap().len() >= 2);

    let diff = json(&run(
        d,
        &[
            "list",
            "diff",
            "v1.pflist",
            "v2.pflist",
            "--key",
            "issuer.key",
            "--out",
            "d12.bin",
            "--json",
        ],
    ));
    assert_eq!(diff["delta"]["target_digest_hex"], digest2.as_str());
    assert_eq!(diff["delta"]["adds"]["pdq"], 2);

    let applied = json(&run(
        d,
        &[
            "list",
            "apply",
            "v1.pflist",
            "--store",
            "store",
            "--trust",
            "issuer.pub",
            "--json",
        ],
    ));
    assert_eq!(applied["version"], 1);
    let applied = json(&run(
        d,
        &[
            "list",
            "apply",
            "d12.bin",
            "--store",
            "store",
            "--trust",
            "issuer.pub",
            "--json",
        ],
    ));
    assert_eq!(
        applied["digest_hex"],
        digest2.as_str(),
        "delta reproduced the signed v2"
    );
    let out = run(
        d,
        &[
            "list",
            "apply",
            "v1.pflist",
            "--store",
            "store",
            "--trust",
            "issuer.pub",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing rollback"));
    let forced = json(&run(
        d,
        &[
            "list",
            "apply",
            "v1.pflist",
            "--store",
            "store",
            "--trust",
            "issuer.pub",
            "--force",
            "--json",
        ],
    ));
    assert_eq!(forced["version"], 1);
}

#[test]
fn build_chooses_the_pdq_sketch_width() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hma = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists/hma_sample.txt");
    json(&run(d, &["keygen", "--out", "issuer", "--json"]));
    let build = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "list",
            "build",
            "--key",
            "issuer.key",
            "--version",
            "1",
            "--out",
            out,
            "--hma",
            hma.to_str().unwrap(),
            "--skip-invalid",
            "--json",
        ];
        args.extend_from_slice(extra);
        run(d, &args)
    };
    json(&build("default.pflist", &[]));
    json(&build("compact.pflist", &["--pdq-sketch-bits", "0"]));
    let size = |f: &str| std::fs::metadata(d.join(f)).unwrap().len();
    assert!(
        size("compact.pflist") < size("default.pflist"),
        "compact {} default {}",
        size("compact.pflist"),
        size("default.pflist")
    );
    for f in ["default.pflist", "compact.pflist"] {
        let v = json(&run(
            d,
            &["list", "verify", f, "--trust", "issuer.pub", "--json"],
        ));
        assert!(
            v["digest_hex"].as_str().is_some_and(|h| h.len() == 64),
            "{v}"
        );
    }
    // Wider than a 16-bit slot: refused with a message, no file written.
    let out = build("wide.pflist", &["--pdq-sketch-bits", "40"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sketch"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!d.join("wide.pflist").exists());
}

/// `list build --distributable --expires-at`, then the transparency log: append two versions,
/// prove each, verify as a device (the second against the head held after the first), and a
/// head from a forked log is refused with a non-zero exit.
#[test]
fn distributable_lists_and_the_transparency_log_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists");
    let csv = fixtures.join("sample.csv");
    let csv = csv.to_str().unwrap();
    json(&run(d, &["keygen", "--out", "issuer", "--json"]));
    for v in ["1", "2"] {
        let out = format!("v{v}.pflist");
        let args = [
            "list",
            "build",
            "--key",
            "issuer.key",
            "--version",
            v,
            "--out",
            &out,
            "--csv",
            csv,
            "--skip-invalid",
            "--distributable",
            "--expires-at",
            "4102444800",
            "--json",
        ];
        let built = json(&run(d, &args));
        assert_eq!(built["list"]["expires_at"], 4102444800u64, "{built}");
    }
    let embedded = run(
        d,
        &[
            "list",
            "build",
            "--key",
            "issuer.key",
            "--version",
            "1",
            "--out",
            "e.pflist",
            "--csv",
            csv,
            "--skip-invalid",
        ],
    );
    assert!(embedded.status.success());
    let size = |f: &str| std::fs::metadata(d.join(f)).unwrap().len();
    assert!(size("v1.pflist") <= size("e.pflist"));
    let log = |args: &[&str]| {
        let mut all = vec!["list", "log"];
        all.extend_from_slice(args);
        all.push("--json");
        run(d, &all)
    };
    let head1 = json(&log(&[
        "append",
        "--log",
        "issuer.pflog",
        "--list",
        "v1.pflist",
        "--key",
        "issuer.key",
        "--head-out",
        "head1.sth",
    ]));
    assert_eq!(head1["tree_size"], 1);
    json(&log(&[
        "prove",
        "--log",
        "issuer.pflog",
        "--list",
        "v1.pflist",
        "--key",
        "issuer.key",
        "--out",
        "p1.proof",
    ]));
    json(&log(&[
        "verify",
        "--proof",
        "p1.proof",
        "--list",
        "v1.pflist",
        "--trust",
        "issuer.pub",
    ]));
    json(&log(&[
        "append",
        "--log",
        "issuer.pflog",
        "--list",
        "v2.pflist",
        "--key",
        "issuer.key",
    ]));
    json(&log(&[
        "prove",
        "--log",
        "issuer.pflog",
        "--list",
        "v2.pflist",
        "--key",
        "issuer.key",
        "--from-size",
        "1",
        "--out",
        "p2.proof",
    ]));
    let head2 = json(&log(&[
        "verify",
        "--proof",
        "p2.proof",
        "--list",
        "v2.pflist",
        "--trust",
        "issuer.pub",
        "--head",
        "head1.sth",
    ]));
    assert_eq!(head2["tree_size"], 2);
    // A forked log: another first entry, so its size-1 head differs from head1.
    json(&log(&[
        "append",
        "--log",
        "fork.pflog",
        "--list",
        "e.pflist",
        "--key",
        "issuer.key",
        "--head-out",
        "fork1.sth",
    ]));
    let refused = log(&[
        "verify",
        "--proof",
        "p2.proof",
        "--list",
        "v2.pflist",
        "--trust",
        "issuer.pub",
        "--head",
        "fork1.sth",
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("transparency log inconsistency"),
        "{stderr}"
    );
    // The proof applies to a device store together with the list.
    let applied = run(
        d,
        &[
            "list",
            "apply",
            "v1.pflist",
            "--store",
            "store",
            "--trust",
            "issuer.pub",
            "--json",
        ],
    );
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert!(std::fs::read_dir(d.join("store"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().ends_with(".pfidx")));
}
