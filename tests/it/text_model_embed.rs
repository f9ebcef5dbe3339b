//! Models with the embedding section (format version 2): trained jointly on a synthetic
//! embedding source, they round-trip through the file format, classify with the dense
//! features, name the tokens that drove a class, and every malformed section is a typed
//! error (never a panic, never an allocation the input does not back).

use preflight::lists::random::SplitMix64;
use preflight::text::model::features::FeatureConfig;
use preflight::text::model::format::{decode, encode, FORMAT_VERSION, FORMAT_VERSION_NGRAMS};
use preflight::text::model::train::{
    parse_corpus, train_joint, EmbedConfig, EmbedSourceError, EmbeddingSource, Example, TrainConfig,
};
use preflight::text::model::{Label, ModelError, TextModel};
use sha2::{Digest, Sha256};

const BITS: u8 = 10;
const DIM: usize = 8;

fn examples() -> Vec<Example> {
    let tsv = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("text-corpus/messages.tsv"),
    )
    .unwrap();
    parse_corpus(&tsv)
        .unwrap()
        .into_iter()
        .step_by(15)
        .collect()
}

fn source() -> EmbeddingSource {
    let tokens: Vec<String> = [
        "[PAD]", "[UNK]", "i", "want", "to", "die", "hurt", "myself", "kill", "dont", "tell",
        "your", "mom", "game", "school", "##s", "##ing", "secret", "meet", "me", "中",
    ]
    .map(String::from)
    .to_vec();
    let mut rng = SplitMix64(5);
    let matrix = (0..tokens.len() * DIM)
        .map(|_| (rng.next() % 2001) as f32 / 1000.0 - 1.0)
        .collect();
    EmbeddingSource {
        tokens,
        dim: DIM,
        matrix,
    }
}

fn config() -> TrainConfig {
    TrainConfig {
        epochs: 3,
        features: FeatureConfig {
            bucket_bits: BITS,
            ..FeatureConfig::default()
        },
        ..TrainConfig::default()
    }
}

fn joint(embed: &EmbedConfig) -> Vec<u8> {
    train_joint(&examples(), [7; 32], &config(), &source(), embed).unwrap()
}

/// Offset of the embedding section in a file trained with [`config`].
fn section_at() -> usize {
    44 + 4 * Label::COUNT * 2 + 12 + (1 << BITS) * Label::COUNT
}

fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    let n = bytes.len() - 32;
    let sum = Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&sum);
    bytes
}

fn field_error(bytes: Vec<u8>) -> &'static str {
    match TextModel::from_bytes(&reseal(bytes)) {
        Err(ModelError::Field { field, .. }) => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn joint_model_round_trips_and_uses_its_dense_features() {
    let bytes = joint(&EmbedConfig::default());
    assert_eq!(
        u16::from_le_bytes([bytes[4], bytes[5]]),
        FORMAT_VERSION,
        "a model with embeddings is version 2"
    );
    let params = decode(&bytes).unwrap();
    assert_eq!(encode(&params), bytes);
    let e = params.embeddings.as_ref().unwrap();
    // [PAD] and [UNK] are specials and 中 another script: pruned, but still in the vocabulary.
    assert_eq!(e.rows(), source().tokens.len() - 3);
    assert_eq!(e.vocab.tokens().len(), source().tokens.len());
    assert!(e.weights.iter().any(|w| *w != 0.0), "dense weights trained");
    let model = TextModel::from_bytes(&bytes).unwrap();
    assert!(model.weight_bytes() > (1 << BITS) * Label::COUNT);
    let text = "i want to die, dont tell your mom";
    let s = model.classify(text);
    // The tokens' shares add up to the dense part of the logit difference, for every class.
    let emb = model.embeddings().unwrap();
    let pooled = emb.pool(text);
    assert_eq!(
        pooled.tokens.len(),
        8,
        "every word but the comma has a vector"
    );
    let mut dense = [0f32; Label::COUNT];
    emb.add_logits(&pooled, &mut dense);
    for c in 0..Label::COUNT {
        let sum: f32 = emb.token_contributions(&pooled, c).iter().sum();
        let want = dense[c] - dense[Label::BENIGN];
        assert!((sum - want).abs() < 1e-4, "class {c}: {sum} vs {want}");
    }
    let top = s.best_of(0..15);
    let tokens = s.token_evidence(&model, top, 3);
    assert!(tokens.len() <= 3);
    for t in &tokens {
        assert_eq!(
            text.get(t.start..t.end),
            Some(t.phrase.as_str()),
            "{tokens:?}"
        );
    }
    assert!(tokens
        .windows(2)
        .all(|w| w[0].contribution >= w[1].contribution));
    // Without the dense part (weights zeroed) the probabilities change: they are used.
    let mut flat = params.clone();
    flat.embeddings.as_mut().unwrap().weights.fill(0.0);
    let plain = TextModel::from_params(flat).classify("i want to die");
    assert_ne!(plain.probs, s.probs);
    // An n-gram-only model is still written as version 1.
    let mut ngrams = params;
    ngrams.embeddings = None;
    let v1 = encode(&ngrams);
    assert_eq!(u16::from_le_bytes([v1[4], v1[5]]), FORMAT_VERSION_NGRAMS);
    assert!(TextModel::from_bytes(&v1).unwrap().embeddings().is_none());
}

#[test]
fn pca_idf_and_all_scripts_change_the_section_deterministically() {
    let pca = EmbedConfig {
        dim: 3,
        idf: true,
        prune_scripts: false,
        ..EmbedConfig::default()
    };
    let a = joint(&pca);
    assert_eq!(a, joint(&pca), "training is deterministic");
    let e = decode(&a).unwrap().embeddings.unwrap();
    assert_eq!(e.dim, 3);
    assert_eq!(e.rows(), source().tokens.len() - 2);
    // IDF only rescales rows: same quantised matrix, other row scales.
    let mean = EmbedConfig { idf: false, ..pca };
    let m = decode(&joint(&mean)).unwrap().embeddings.unwrap();
    assert_eq!(m.matrix, e.matrix);
    assert_ne!(m.row_scale, e.row_scale);
    let bad = EmbeddingSource {
        matrix: vec![0.0; 3],
        ..source()
    };
    assert!(matches!(
        train_joint(&examples(), [0; 32], &config(), &bad, &pca),
        Err(EmbedSourceError::Shape { .. })
    ));
}

#[test]
fn malformed_embedding_sections_are_typed_errors() {
    let bytes = joint(&EmbedConfig::default());
    let at = section_at();
    let set = |off: usize, v: &[u8]| {
        let mut b = bytes.clone();
        b[at + off..at + off + v.len()].copy_from_slice(v);
        b
    };
    assert_eq!(field_error(set(0, &0u16.to_le_bytes())), "dim");
    assert_eq!(field_error(set(0, &2000u16.to_le_bytes())), "dim");
    assert_eq!(field_error(set(4, &0u32.to_le_bytes())), "tokens");
    assert_eq!(field_error(set(4, &u32::MAX.to_le_bytes())), "tokens");
    assert_eq!(field_error(set(8, &1000u32.to_le_bytes())), "rows");
    assert_eq!(
        field_error(set(12, &f32::NAN.to_le_bytes())),
        "feature_scale"
    );
    assert_eq!(field_error(set(16, &u32::MAX.to_le_bytes())), "vocab_bytes");
    // The vocabulary: invalid UTF-8, a duplicate entry, an entry too few.
    assert_eq!(field_error(set(20, &[0xff])), "vocab");
    assert_eq!(field_error(set(20, b"[UNK]\n")), "vocab");
    let vocab_bytes = u32::from_le_bytes(bytes[at + 16..at + 20].try_into().unwrap()) as usize;
    let mut joined = bytes[at + 20..at + 20 + vocab_bytes].to_vec();
    let nl = joined.iter().position(|&b| b == b'\n').unwrap();
    joined[nl] = b'x';
    assert_eq!(field_error(set(20, &joined)), "vocab");
    // A token pointing past the last row, a NaN row scale, a NaN dense weight.
    let rows_at = 20 + vocab_bytes;
    assert_eq!(field_error(set(rows_at, &900u16.to_le_bytes())), "row_of");
    let tokens = source().tokens.len();
    let scale_at = rows_at + 2 * tokens;
    assert_eq!(
        field_error(set(scale_at, &f32::NAN.to_le_bytes())),
        "row_scale"
    );
    let n = bytes.len();
    let mut b = bytes.clone();
    b[n - 36..n - 32].copy_from_slice(&f32::INFINITY.to_le_bytes());
    assert_eq!(field_error(b), "dense_weights");
    // Truncated anywhere in the section, or with bytes after it.
    for len in [at, at + 10, at + 20, at + rows_at, n - 33, n - 1] {
        assert!(
            matches!(
                TextModel::from_bytes(&bytes[..len]),
                Err(ModelError::Truncated { .. })
            ),
            "len {len}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        TextModel::from_bytes(&longer),
        Err(ModelError::TrailingBytes { extra: 1 })
    ));
    // A large announced vocabulary with no bytes behind it: refused by length, not allocated.
    let huge = set(4, &(1u32 << 20).to_le_bytes());
    assert!(matches!(
        TextModel::from_bytes(&reseal(huge)),
        Err(ModelError::Truncated { .. })
    ));
}
