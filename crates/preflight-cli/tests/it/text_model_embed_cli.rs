//! `preflight text-model train --embeddings FILE --vocab FILE`: reads a safetensors matrix
//! (here a small one the test writes in the format's layout: 8-byte little-endian header
//! length, JSON header, raw little-endian data), trains a version-2 model that `score` loads,
//! and refuses a matrix whose shape, dtype or name does not fit, with the reason.

use crate::common;
use std::path::Path;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_preflight")
}

const TOKENS: [&str; 10] = [
    "[UNK]", "i", "want", "to", "die", "dont", "tell", "your", "mom", "hello",
];

fn safetensors(name: &str, dtype: &str, rows: usize, dim: usize) -> Vec<u8> {
    let width = if dtype == "F32" { 4 } else { 2 };
    let header = format!(
        r#"{{"{name}":{{"dtype":"{dtype}","shape":[{rows},{dim}],"data_offsets":[0,{}]}}}}"#,
        rows * dim * width
    );
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    for i in 0..rows * dim {
        let v = ((i * 7919) % 13) as f32 / 6.0 - 1.0;
        if width == 4 {
            out.extend_from_slice(&v.to_le_bytes());
        } else {
            out.extend_from_slice(&[0, 0]);
        }
    }
    out
}

fn train(dir: &Path, matrix: &[u8], extra: &[&str]) -> std::process::Output {
    std::fs::write(dir.join("m.safetensors"), matrix).unwrap();
    let corpus = std::fs::read_to_string(common::repo_root().join("text-corpus/messages.tsv"))
        .unwrap()
        .lines()
        .step_by(20)
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("corpus.tsv"), corpus).unwrap();
    std::fs::write(dir.join("vocab.txt"), TOKENS.join("\n") + "\n").unwrap();
    let mut args = vec![
        "--corpus",
        "corpus.tsv",
        "--out",
        "m.pftm",
        "--embeddings",
        "m.safetensors",
        "--vocab",
        "vocab.txt",
    ];
    args.extend_from_slice(extra);
    common::cli_in(bin(), dir, "text-model train", &args)
}

#[test]
fn train_with_embeddings_writes_a_model_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    let st = safetensors("embeddings.word_embeddings.weight", "F32", TOKENS.len(), 6);
    let out = train(dir.path(), &st, &["--embed-dim", "3", "--embed-idf"]);
    assert!(out.status.success(), "{out:?}");
    let bytes = std::fs::read(dir.path().join("m.pftm")).unwrap();
    assert_eq!(
        u16::from_le_bytes([bytes[4], bytes[5]]),
        2,
        "format version"
    );
    let out = common::cli_in(
        bin(),
        dir.path(),
        "text-model score --model m.pftm",
        &["i want to die"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}

#[test]
fn unusable_matrices_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let name = "embeddings.word_embeddings.weight";
    for (st, want) in [
        (safetensors(name, "F32", TOKENS.len() - 1, 4), "9 rows"),
        (safetensors(name, "F16", TOKENS.len(), 4), "expected F32"),
        (safetensors("other", "F32", TOKENS.len(), 4), name),
        (
            b"\x05\x00\x00\x00\x00\x00\x00\x00{oops".to_vec(),
            "m.safetensors",
        ),
    ] {
        let out = train(dir.path(), &st, &[]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "want {want:?} in {err}");
    }
    let out = train(
        dir.path(),
        &safetensors(name, "F32", TOKENS.len(), 4),
        &["--embed-scale", "0"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--embed-scale"));
}
