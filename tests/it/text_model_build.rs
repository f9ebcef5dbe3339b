//! The committed classifier is what the corpus and the trainer produce: rebuilding it in the
//! test gives the same bytes (sha256), matching `models/text-model.sha256`; the corpus files
//! are what `text-corpus/generate.py` writes (checked when python3 is available).

use preflight::text::model::train::{corpus_digest, parse_corpus, train_model, TrainConfig};
use preflight::text::model::TextModel;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn rebuilding_the_model_reproduces_the_committed_file() {
    let tsv = std::fs::read_to_string(repo("text-corpus/messages.tsv")).unwrap();
    let examples = parse_corpus(&tsv).unwrap();
    assert!(examples.len() >= 8000, "{} messages", examples.len());
    let (_, bytes) = train_model(
        &examples,
        &["train", "test"],
        corpus_digest(&tsv),
        &TrainConfig::default(),
    )
    .unwrap();
    let committed = std::fs::read(repo("models/text-model.pftm")).unwrap();
    let manifest = std::fs::read_to_string(repo("models/text-model.sha256")).unwrap();
    let want = manifest.split_whitespace().next().unwrap();
    assert_eq!(
        hex(&Sha256::digest(&committed)),
        want,
        "committed file vs manifest"
    );
    assert_eq!(
        hex(&Sha256::digest(&bytes)),
        want,
        "rebuilt model differs: run scripts/train-text-model.sh"
    );
    assert!(
        committed.len() <= 16 << 20,
        "model is {} bytes",
        committed.len()
    );
    TextModel::from_bytes(&committed).unwrap();
}

#[test]
fn training_twice_gives_identical_bytes() {
    let tsv = std::fs::read_to_string(repo("text-corpus/messages.tsv")).unwrap();
    let examples: Vec<_> = parse_corpus(&tsv).unwrap().into_iter().take(1500).collect();
    let config = TrainConfig {
        epochs: 2,
        ..TrainConfig::default()
    };
    let a = train_model(&examples, &["train"], [0; 32], &config)
        .unwrap()
        .1;
    let b = train_model(&examples, &["train"], [0; 32], &config)
        .unwrap()
        .1;
    assert_eq!(Sha256::digest(&a), Sha256::digest(&b));
    let other_seed = TrainConfig { seed: 7, ..config };
    let c = train_model(&examples, &["train"], [0; 32], &other_seed)
        .unwrap()
        .1;
    assert_ne!(
        Sha256::digest(&a),
        Sha256::digest(&c),
        "the seed must matter"
    );
}

#[test]
fn corpus_files_are_what_the_generator_writes() {
    let out = std::process::Command::new("python3")
        .arg(repo("text-corpus/generate.py"))
        .arg("--check")
        .output();
    match out {
        Ok(o) => assert!(
            o.status.success(),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            assert!(
                std::env::var_os("PREFLIGHT_REQUIRE_ALL").is_none(),
                "python3 is required: {e}"
            );
            eprintln!("skipped: python3 not available ({e})");
        }
    }
}

#[test]
fn corpus_covers_every_class_and_enough_hard_negatives() {
    let tsv = std::fs::read_to_string(repo("text-corpus/messages.tsv")).unwrap();
    let examples = parse_corpus(&tsv).unwrap();
    for i in 0..preflight::text::model::Label::COUNT {
        let l = preflight::text::model::Label::from_index(i).unwrap();
        let n = examples.iter().filter(|e| e.label == l).count();
        assert!(n >= 150, "{}: {n}", l.name());
    }
    let hard = examples
        .iter()
        .filter(|e| e.label == preflight::text::model::Label::Benign && e.kind != "everyday")
        .count();
    assert!(hard >= 4000, "{hard} hard negatives");
    let labels = std::fs::read_to_string(repo("text-corpus/conversations_labels.tsv")).unwrap();
    assert!(labels.lines().count() > 150);
}
