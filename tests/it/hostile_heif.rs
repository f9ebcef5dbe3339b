//! Hostile HEIF files (feature `heif`): a grid built from itself (or an alpha built from its
//! master) made libheif 1.15 recurse until it aborted the process (out of threads with tile
//! threads on, out of stack without). It is refused as corrupt before libheif sees it. Run
//! alone in a child process, so a regression fails this test instead of aborting the whole test
//! binary.
#![cfg(feature = "heif")]

use crate::common;
use preflight::media::{DecodeLimits, DecodedImage, MediaError};

/// A fixture of tests/fixtures/hostile.
fn hostile(name: &str) -> Vec<u8> {
    std::fs::read(
        common::repo_root()
            .join("tests/fixtures/hostile")
            .join(name),
    )
    .unwrap()
}

/// The decode a scan makes for hashing, with the default limits.
fn decode_for_hashing(bytes: &[u8]) -> Result<DecodedImage, MediaError> {
    preflight::media::decode_for_hashing(
        bytes,
        &DecodeLimits::default(),
        preflight::hash::PDQ_DECODE_MIN_SIDE,
    )
}

/// Asserts that `r` is the refusal of a file whose derived images are built from themselves.
fn assert_refused_as_self_built(r: Result<DecodedImage, MediaError>) {
    let err = r.err().map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("built from itself")),
        "{err:?}"
    );
}

#[test]
fn a_grid_built_from_itself_is_refused_not_a_crash() {
    common::in_own_process(
        module_path!(),
        "a_grid_built_from_itself_is_refused_not_a_crash",
        || {
            let bytes = hostile("heif-grid-self-reference.heic");
            for for_hashing in [false, true] {
                assert_refused_as_self_built(if for_hashing {
                    decode_for_hashing(&bytes)
                } else {
                    preflight::media::decode(&bytes, &DecodeLimits::default())
                });
            }
            let scanner = preflight::Scanner::new(preflight::ScannerConfig::default()).unwrap();
            assert!(matches!(
                scanner.scan_image(&bytes),
                Err(preflight::ScanError::Media(MediaError::Corrupt { .. }))
            ));
        },
    );
}

/// An alpha grid whose tile is its own master image (a one-byte change of the `rgba-32x32`
/// fuzz seed): libheif 1.15 decodes the master, then its alpha, then the alpha's tile (the
/// master) and so on until the stack overflows (CI's `image_heif` fuzz run). Refused first.
#[test]
fn an_alpha_built_from_its_own_master_is_refused_not_a_crash() {
    common::in_own_process(
        module_path!(),
        "an_alpha_built_from_its_own_master_is_refused_not_a_crash",
        || {
            let bytes = hostile("heif-alpha-grid-of-its-master.heic");
            for r in [
                decode_for_hashing(&bytes),
                preflight::media::decode(&bytes, &DecodeLimits::default()),
            ] {
                assert_refused_as_self_built(r);
            }
            // The same cycle with the first reference's size damaged (another fuzz finding):
            // libheif reads references one after another whatever their sizes say.
            let hidden = hostile("heif-iref-child-size-hides-alpha-cycle.heic");
            assert_refused_as_self_built(decode_for_hashing(&hidden));
            // The unchanged seed layout (alpha grid of its own tile) still decodes.
            let mut fixed = bytes.clone();
            let at = fixed
                .windows(10)
                .position(|w| w == b"dimg\x00\x04\x00\x01\x00\x02")
                .expect("the alpha grid's dimg");
            fixed[at + 9] = 3;
            let img = decode_for_hashing(&fixed).expect("the seed decodes");
            assert_eq!((img.source_width, img.source_height), (32, 32));
        },
    );
}

/// A grid whose descriptor declares a 28207x31935 output behind a 64x64 `ispe`: libheif 1.15
/// allocated the declared size (4 GB, `image_heif` fuzz finding). Refused from the descriptor.
#[test]
fn a_grid_declaring_a_huge_output_is_refused_before_decoding() {
    common::in_own_process(
        module_path!(),
        "a_grid_declaring_a_huge_output_is_refused_before_decoding",
        || {
            let bytes = hostile("heif-grid-huge-output.heic");
            let err = preflight::media::decode(&bytes, &DecodeLimits::default())
                .err()
                .map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains("28207x31935")),
                "{err:?}"
            );
            assert!(
                common::peak_rss_kib() < 200 * 1024,
                "refused after allocating"
            );
        },
    );
}

/// A grid whose descriptor lies past the end of `idat` (its extent starts 7 bytes into an
/// 8-byte box): libheif 1.15 read past the box and decoded a 14441x27759 output (1.8 GB,
/// `image_heif` fuzz finding). Refused as corrupt, before libheif decodes anything.
#[test]
fn a_grid_whose_descriptor_lies_outside_its_data_is_refused() {
    common::in_own_process(
        module_path!(),
        "a_grid_whose_descriptor_lies_outside_its_data_is_refused",
        || {
            let bytes = hostile("heif-grid-descriptor-past-idat.heic");
            let r = decode_for_hashing(&bytes);
            assert!(
                matches!(&r, Err(MediaError::Corrupt { detail, .. }) if detail.contains("outside its data")),
                "{:?}",
                r.err()
            );
            assert!(
                common::peak_rss_kib() < 200 * 1024,
                "refused after allocating"
            );
        },
    );
}

/// A grid built from an overlay (`iovl`) whose descriptor declares a large output behind
/// 64x48 `ispe` properties: libheif 1.15 allocated it (198 MB, `image_heif` fuzz finding).
/// Overlay sizes are checked like grid sizes, before libheif decodes.
#[test]
fn an_overlay_declaring_a_large_output_is_refused_before_decoding() {
    common::in_own_process(
        module_path!(),
        "an_overlay_declaring_a_large_output_is_refused_before_decoding",
        || {
            let bytes = hostile("heif-overlay-huge-output.heic");
            let r = decode_for_hashing(&bytes);
            assert!(r.is_err(), "decoded a {:?}", r.map(|d| d.format));
            assert!(
                common::peak_rss_kib() < 100 * 1024,
                "refused after allocating: peak {} KiB",
                common::peak_rss_kib()
            );
        },
    );
}

/// `iloc` boxes libheif 1.15 reads although they are malformed: field sizes the format does
/// not allow (7-byte offsets, 3-byte lengths), an AV1 image item located by no extent, and one
/// whose one extent has length 0 ("to the end" in the format, nothing to libheif).
/// Each gave libheif an empty AV1 item, which its dav1d plugin leaked (`image_heif` fuzz
/// findings under LeakSanitizer). Refused as corrupt, naming the box, before libheif reads them.
#[test]
fn malformed_item_locations_are_refused() {
    for (name, says) in [
        ("heif-iloc-invalid-field-sizes.avif", "offset 7"),
        ("heif-iloc-item-without-data.avif", "no data"),
        ("heif-iloc-zero-length-extent.avif", "no data"),
    ] {
        let bytes = hostile(name);
        for r in [
            decode_for_hashing(&bytes),
            preflight::media::decode(&bytes, &DecodeLimits::default()),
        ] {
            match r {
                Err(MediaError::Corrupt { detail, .. }) => {
                    assert!(
                        detail.contains("iloc") && detail.contains(says),
                        "{name}: {detail}"
                    )
                }
                other => panic!(
                    "{name}: not refused as corrupt: {:?}",
                    other.map(|d| d.format)
                ),
            }
        }
    }
}
