//! The README's main job (`preflight demo samples`) end to end: the listed bridge and its
//! rotated copy are blocked, the street photo allowed, the cut file reported as an error, the
//! grooming chat reaches a warning and the benign chat never does.

use std::process::Command;

#[test]
fn demo_scans_the_bundled_samples() {
    let out = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["demo", "--json"])
        .arg(concat!(
            concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
            "/samples"
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let image = |name: &str| {
        lines
            .iter()
            .find(|l| l["image"].as_str().is_some_and(|p| p.ends_with(name)))
            .unwrap_or_else(|| panic!("{name} not scanned"))
    };
    assert_eq!(image("bridge.jpg")["verdict"]["action"], "block");
    assert_eq!(image("bridge-rotated.jpg")["verdict"]["action"], "block");
    assert_eq!(image("street.jpg")["verdict"]["action"], "allow");
    // A cut download is decoded as far as it goes (11% of the file here): a verdict, not an
    // error (media::partial).
    assert!(image("bridge-truncated.jpg")["verdict"]["action"].is_string());
    let actions = |chat: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l["chat"].as_str().is_some_and(|p| p.ends_with(chat)))
            .map(|l| l["verdict"]["action"].as_str().unwrap().to_string())
            .collect()
    };
    let grooming = actions("grooming_escalation.jsonl");
    assert!(
        grooming.len() > 10 && grooming.last().unwrap() == "warn",
        "{grooming:?}"
    );
    let benign = actions("benign_friends.jsonl");
    assert!(
        !benign.is_empty() && benign.iter().all(|a| a == "allow"),
        "{benign:?}"
    );
}
