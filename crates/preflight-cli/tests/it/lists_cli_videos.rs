//! `list inspect` and `list diff` count listed videos (vPDQ files built into a list), for
//! full lists and for deltas. No FFmpeg needed: the vPDQ files are written here.

use super::lists_cli::{json, run};
use std::path::Path;

/// A vPDQ file of `frames` distinct frame hashes derived from `seed`.
fn write_vpdq(path: &Path, seed: u64, frames: u64) {
    let mut text = String::new();
    for f in 0..frames {
        let mut x =
            seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ f.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let mut hex = String::new();
        for _ in 0..4 {
            x ^= x >> 31;
            x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
            hex.push_str(&format!("{x:016x}"));
        }
        text.push_str(&format!("{f},100,{hex},{f}.000\n"));
    }
    std::fs::write(path, text).unwrap();
}

fn build(dir: &Path, version: &str, out: &str, videos: &[&str]) {
    let mut args = vec![
        "list",
        "build",
        "--key",
        "issuer.key",
        "--version",
        version,
        "--out",
        out,
        "--source",
        "OrgV",
        "--label",
        "clip",
        "--category",
        "test",
        "--json",
    ];
    for v in videos {
        args.extend(["--vpdq", v]);
    }
    json(&run(dir, &args));
}

#[test]
fn inspect_and_diff_count_videos() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&run(d, &["keygen", "--out", "issuer", "--json"]));
    write_vpdq(&d.join("a.vpdq"), 1, 5);
    write_vpdq(&d.join("b.vpdq"), 2, 3);
    write_vpdq(&d.join("c.vpdq"), 3, 4);
    build(d, "1", "v1.pflist", &["a.vpdq", "b.vpdq"]);
    build(d, "2", "v2.pflist", &["b.vpdq", "c.vpdq"]);

    let v1 = json(&run(d, &["list", "inspect", "v1.pflist", "--json"]));
    assert_eq!(v1["list"]["counts"]["videos"], 2, "{v1}");
    assert_eq!(v1["list"]["counts"]["pdq"], 8, "{v1}");
    let text = run(d, &["list", "inspect", "v1.pflist"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("videos        2"));

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
            "d.pfdelta",
            "--json",
        ],
    ));
    assert_eq!(diff["delta"]["adds"]["videos"], 1, "{diff}");
    assert_eq!(diff["delta"]["removes"]["videos"], 1, "{diff}");
    let delta = json(&run(d, &["list", "inspect", "d.pfdelta", "--json"]));
    assert_eq!(
        (
            delta["adds"]["videos"].as_u64(),
            delta["removes"]["videos"].as_u64()
        ),
        (Some(1), Some(1)),
        "{delta}"
    );
    let text = run(d, &["list", "diff", "v1.pflist", "v2.pflist"]);
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("videos  +1 -1"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );
}
