//! The model file is untrusted input: every malformed file is a typed error, never a panic.

use preflight::text::model::format::{decode, encode, FORMAT_VERSION};
use preflight::text::model::{ModelError, TextModel};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn committed() -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/text-model.pftm")).unwrap()
}

/// Rewrites the trailing checksum so a test reaches the check after it.
fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    let n = bytes.len() - 32;
    let sum = Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&sum);
    bytes
}

#[test]
fn committed_model_loads_from_bytes_and_path_and_round_trips() {
    let bytes = committed();
    let params = decode(&bytes).unwrap();
    assert_eq!(encode(&params), bytes);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/text-model.pftm");
    let m = TextModel::from_path(&path).unwrap();
    assert_eq!(m.weight_bytes(), params.weights.len());
}

#[test]
fn truncated_files_are_rejected_at_every_length() {
    let bytes = committed();
    for len in [
        0,
        3,
        10,
        43,
        44,
        75,
        76,
        500,
        bytes.len() / 2,
        bytes.len() - 1,
    ] {
        match TextModel::from_bytes(&bytes[..len]) {
            Err(ModelError::Truncated { found, .. }) => assert_eq!(found, len),
            other => panic!("len {len}: {other:?}"),
        }
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        TextModel::from_bytes(&longer),
        Err(ModelError::TrailingBytes { extra: 1 })
    ));
}

#[test]
fn a_flipped_bit_fails_the_checksum() {
    let mut bytes = committed();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x10;
    assert!(matches!(
        TextModel::from_bytes(&bytes),
        Err(ModelError::Checksum)
    ));
    let mut tail = committed();
    let last = tail.len() - 1;
    tail[last] ^= 1;
    assert!(matches!(
        TextModel::from_bytes(&tail),
        Err(ModelError::Checksum)
    ));
}

#[test]
fn wrong_magic_and_version_are_named() {
    let mut bytes = committed();
    bytes[0] = b'X';
    assert!(matches!(
        TextModel::from_bytes(&bytes),
        Err(ModelError::BadMagic)
    ));
    let mut bytes = committed();
    bytes[4..6].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let e = TextModel::from_bytes(&reseal(bytes)).unwrap_err();
    assert!(
        matches!(e, ModelError::Version { found, expected } if found == FORMAT_VERSION + 1 && expected == FORMAT_VERSION)
    );
    assert!(e.to_string().contains("version"), "{e}");
}

#[test]
fn out_of_range_fields_are_typed_errors() {
    // bucket_bits beyond the cap would announce a 4 GiB table: refused before any allocation.
    let mut bytes = committed();
    bytes[8] = 31;
    assert!(matches!(
        TextModel::from_bytes(&reseal(bytes)),
        Err(ModelError::Field {
            field: "bucket_bits",
            ..
        })
    ));
    let mut bytes = committed();
    bytes[6..8].copy_from_slice(&3u16.to_le_bytes());
    assert!(matches!(
        TextModel::from_bytes(&reseal(bytes)),
        Err(ModelError::Field {
            field: "classes",
            ..
        })
    ));
    let mut bytes = committed();
    bytes[9] = 7;
    bytes[10] = 2;
    assert!(matches!(
        TextModel::from_bytes(&reseal(bytes)),
        Err(ModelError::Field {
            field: "features",
            ..
        })
    ));
    // A NaN bias.
    let mut bytes = committed();
    bytes[44..48].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(matches!(
        TextModel::from_bytes(&reseal(bytes)),
        Err(ModelError::Field { field: "bias", .. })
    ));
}

#[test]
fn random_garbage_never_panics() {
    let mut rng = preflight::lists::random::SplitMix64(42);
    for len in [0usize, 1, 44, 76, 1000, 70_000] {
        let mut v = vec![0u8; len];
        for b in v.iter_mut() {
            *b = rng.next() as u8;
        }
        if len >= 4 {
            v[..4].copy_from_slice(b"PFTM");
        }
        assert!(TextModel::from_bytes(&v).is_err());
    }
    let e = TextModel::from_path(std::path::Path::new("/nonexistent/model.pftm")).unwrap_err();
    assert!(matches!(e, ModelError::Io { .. }), "{e}");
}
