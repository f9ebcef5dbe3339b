//! Errors keep their causes: a decoder's, parser's or loader's own error is the `source()` of
//! ours (callers can walk the chain), while our message still names what failed.

use crate::common;
use preflight::text::LexiconSet;
use std::error::Error as _;

/// The whole chain of `e`, outermost first.
fn chain(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut links = Vec::new();
    let mut next = Some(e);
    while let Some(e) = next {
        links.push(e.to_string());
        next = e.source();
    }
    links
}

#[test]
fn a_corrupt_png_keeps_the_decoders_error() {
    let mut png = common::png_claiming(64, 64, 8, 2, 0);
    png.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    let err = preflight::media::decode(&png, &preflight::media::DecodeLimits::default())
        .expect_err("a PNG with no image data does not decode");
    assert!(
        matches!(err, preflight::media::MediaError::Corrupt { .. }),
        "{err:?}"
    );
    let links = chain(&err);
    assert!(links.len() >= 2, "no source kept: {links:?}");
    assert!(links[0].contains("PNG"), "{links:?}");
}

#[test]
fn a_malformed_lexicon_keeps_the_toml_error() {
    let mut set = LexiconSet::new();
    let err = set
        .add_toml("broken.toml", "[lexicon\nname = 1")
        .expect_err("not TOML");
    let links = chain(&err);
    assert!(links[0].starts_with("broken.toml:1:"), "{links:?}");
    assert!(err.source().is_some(), "{links:?}");
}

#[test]
fn a_malformed_state_document_keeps_the_toml_error() {
    let scanner = preflight::Scanner::new(preflight::ScannerConfig::default()).unwrap();
    let err = scanner
        .import_conversation("version = ")
        .expect_err("not TOML");
    let links = chain(&err);
    assert!(
        links
            .iter()
            .any(|l| l.contains("malformed conversation state")),
        "{links:?}"
    );
    assert!(links.len() >= 2, "no source kept: {links:?}");
}

#[test]
fn an_unreadable_text_model_keeps_the_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = preflight::text::model::TextModel::from_path(&dir.path().join("missing.pftm"))
        .expect_err("no such file");
    let io = err
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .expect("the io::Error is the source");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
}
