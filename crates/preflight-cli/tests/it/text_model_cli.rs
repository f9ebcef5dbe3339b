//! `preflight text-model score` and `eval text --model`: the classifier's probabilities are
//! printed per message (a first-person suicide statement scores higher on self-harm than a
//! greeting), and `--model` with the committed file measures exactly what the embedded model
//! measures, while a missing file is a clear error.

use crate::common;
use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_preflight")
}

#[test]
fn score_prints_family_probabilities_per_message() {
    let out = common::cli_in(
        bin(),
        &common::repo_root(),
        "text-model score",
        &[
            "i want to kill myself",
            "happy birthday, see you at the party",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert_eq!(rows[0][..4], ["grooming", "self_harm", "sexual", "top"]);
    let sh = |r: &Vec<&str>| r[1].parse::<f32>().unwrap();
    assert!(sh(&rows[1]) > 0.5 && sh(&rows[2]) < 0.5, "{text}");
    assert!(rows[1][3].starts_with("self_harm:"), "{text}");
}

#[test]
fn eval_with_the_committed_model_file_matches_the_embedded_model() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.tsv");
    std::fs::write(
        &p,
        "label\tdetail\ttechnique\tdirection\tage_band\ttext\n\
         self_harm\tideation\tplain\tsent\t13-15\ti keep thinking about ending it\n\
         benign\tgreeting\t\tsent\t\thappy birthday, see you at the party\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        args.push(p.to_str().unwrap());
        let out = common::cli_in(bin(), &common::repo_root(), "eval text", &args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.stderr,
        )
    };
    let (code, embedded, _) = run(&[]);
    assert_eq!(code, Some(0));
    let (code, from_file, _) = run(&["--model", "models/text-model.pftm"]);
    assert_eq!(code, Some(0));
    let a: Value = serde_json::from_str(&embedded).unwrap();
    let b: Value = serde_json::from_str(&from_file).unwrap();
    assert_eq!(a["messages"], b["messages"]);
    let (code, _, err) = run(&["--model", "no/such/model.pftm"]);
    assert_ne!(code, Some(0));
    assert!(String::from_utf8_lossy(&err).contains("no/such/model.pftm"));
}
