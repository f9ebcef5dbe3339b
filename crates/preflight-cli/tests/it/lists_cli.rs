//! End-to-end test of the policy CLI: keygen, list build (with invalid rows reported by line),
//! verify, inspect, diff (signed delta), apply (delta, rollback refusal), all with `--json`.

use crate::common;
use std::path::{Path, PathBuf};
use std::process::Output;

pub(crate) fn run(dir: &Path, args: &[&str]) -> Output {
    common::cli_in(env!("CARGO_BIN_EXE_preflight"), dir, "", args)
}

/// `preflight` in `dir` with the words of `line`, then `paths` whole.
fn sh(dir: &Path, line: &str, paths: &[&str]) -> Output {
    common::cli_in(env!("CARGO_BIN_EXE_preflight"), dir, line, paths)
}

pub(crate) fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "command failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn list_fixture(name: &str) -> PathBuf {
    common::repo_root().join("tests/fixtures/lists").join(name)
}

#[test]
fn policy_workflow_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (hma, csv) = (list_fixture("hma_sample.txt"), list_fixture("sample.csv"));
    let (hma, csv) = (hma.to_str().unwrap(), csv.to_str().unwrap());

    let key = json(&sh(d, "keygen --out issuer --json", &[]));
    let key_id = key["key_id"].as_str().unwrap().to_owned();
    assert_eq!(key_id.len(), 16);
    assert!(
        !sh(d, "keygen --out issuer", &[]).status.success(),
        "overwrote a key"
    );

    // Invalid rows fail the build, naming file and line.
    let build1 = "list build --key issuer.key --version 1 --out v1.pflist";
    let out = sh(d, build1, &["--hma", hma]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("hma_sample.txt:12:"),
        "{}",
        stderr(&out)
    );
    assert!(!d.join("v1.pflist").exists());

    let opts = "--source NCMEC --skip-invalid --json";
    let v1 = json(&sh(
        d,
        &format!("{build1} {opts} --created-at 100"),
        &["--hma", hma],
    ));
    assert_eq!(v1["list"]["counts"]["pdq"], 8);
    assert_eq!(v1["list"]["issuer_key_id"], key_id.as_str());
    assert_eq!(v1["inputs"][0]["issues"].as_array().unwrap().len(), 4);

    let build2 = "list build --key issuer.key --version 2 --out v2.pflist";
    let v2 = json(&sh(
        d,
        &format!("{build2} {opts} --created-at 200"),
        &["--hma", hma, "--csv", csv],
    ));
    let digest2 = v2["list"]["digest_hex"].as_str().unwrap().to_owned();
    verify_and_inspect(d, &digest2);
    diff_and_apply(d, &digest2);
}

/// `list verify` against the issuer's key and another key, and `list inspect --stats`.
fn verify_and_inspect(d: &Path, digest2: &str) {
    let verified = json(&sh(
        d,
        "list verify v2.pflist --trust issuer.pub --json",
        &[],
    ));
    assert_eq!(verified["digest_hex"], digest2);
    sh(d, "keygen --out other", &[]);
    let out = sh(d, "list verify v2.pflist --trust other.pub", &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not among the trusted keys"));

    let inspected = json(&sh(
        d,
        "list inspect v2.pflist --stats --trust issuer.pub --entries 2 --json",
        &[],
    ));
    assert_eq!(inspected["list"]["version"], 2);
    assert!(inspected["stats"]["bytes_per_entry"].as_f64().unwrap() > 32.0);
    assert!(inspected["entries"].as_array().unwrap().len() >= 2);
}

/// `list diff` makes a signed delta; `list apply` installs v1, the delta (reproducing v2),
/// refuses the rollback to v1 and accepts it when forced.
fn diff_and_apply(d: &Path, digest2: &str) {
    let diff = json(&sh(
        d,
        "list diff v1.pflist v2.pflist --key issuer.key --out d12.bin --json",
        &[],
    ));
    assert_eq!(diff["delta"]["target_digest_hex"], digest2);
    assert_eq!(diff["delta"]["adds"]["pdq"], 2);

    let apply = |file: &str, extra: &str| {
        sh(
            d,
            &format!("list apply {file} --store store --trust issuer.pub {extra}"),
            &[],
        )
    };
    assert_eq!(json(&apply("v1.pflist", "--json"))["version"], 1);
    assert_eq!(
        json(&apply("d12.bin", "--json"))["digest_hex"],
        digest2,
        "delta reproduced the signed v2"
    );
    let out = apply("v1.pflist", "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("refusing rollback"));
    assert_eq!(json(&apply("v1.pflist", "--force --json"))["version"], 1);
}

#[test]
fn build_chooses_the_pdq_sketch_width() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hma = list_fixture("hma_sample.txt");
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
    let csv = list_fixture("sample.csv");
    let csv = csv.to_str().unwrap();
    json(&sh(d, "keygen --out issuer --json", &[]));
    for v in ["1", "2"] {
        let built = json(&sh(
            d,
            &format!(
                "list build --key issuer.key --version {v} --out v{v}.pflist --skip-invalid \
                 --distributable --expires-at 4102444800 --json"
            ),
            &["--csv", csv],
        ));
        assert_eq!(built["list"]["expires_at"], 4102444800u64, "{built}");
    }
    let embedded = sh(
        d,
        "list build --key issuer.key --version 1 --out e.pflist --skip-invalid",
        &["--csv", csv],
    );
    assert!(embedded.status.success());
    let size = |f: &str| std::fs::metadata(d.join(f)).unwrap().len();
    assert!(size("v1.pflist") <= size("e.pflist"));
    transparency_log(d);
    // The proof applies to a device store together with the list.
    let applied = sh(
        d,
        "list apply v1.pflist --store store --trust issuer.pub --json",
        &[],
    );
    assert!(applied.status.success(), "{}", stderr(&applied));
    assert!(std::fs::read_dir(d.join("store"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().ends_with(".pfidx")));
}

/// `list log append|prove|verify` over v1 and v2, and a forked log's head refused.
fn transparency_log(d: &Path) {
    let log = |args: &str| sh(d, &format!("list log {args} --json"), &[]);
    let head1 = json(&log(
        "append --log issuer.pflog --list v1.pflist --key issuer.key --head-out head1.sth",
    ));
    assert_eq!(head1["tree_size"], 1);
    json(&log(
        "prove --log issuer.pflog --list v1.pflist --key issuer.key --out p1.proof",
    ));
    json(&log(
        "verify --proof p1.proof --list v1.pflist --trust issuer.pub",
    ));
    json(&log(
        "append --log issuer.pflog --list v2.pflist --key issuer.key",
    ));
    json(&log(
        "prove --log issuer.pflog --list v2.pflist --key issuer.key --from-size 1 --out p2.proof",
    ));
    let head2 = json(&log(
        "verify --proof p2.proof --list v2.pflist --trust issuer.pub --head head1.sth",
    ));
    assert_eq!(head2["tree_size"], 2);
    // A forked log: another first entry, so its size-1 head differs from head1.
    json(&log(
        "append --log fork.pflog --list e.pflist --key issuer.key --head-out fork1.sth",
    ));
    let refused =
        log("verify --proof p2.proof --list v2.pflist --trust issuer.pub --head fork1.sth");
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("transparency log inconsistency"),
        "{}",
        stderr(&refused)
    );
}
