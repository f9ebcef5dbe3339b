//! The 1/8-scale DC decoder (`media::jpeg_dc`) on real photographs from the registry set
//! (scripts/fetch-test-images.sh: Debian wallpapers at full size, a 12 MP upscale, restart
//! markers in 4:2:0, 4:2:2 and grey), where the committed fixtures are drawn pictures: the
//! thread count never changes the pixels, and the hash stays within a few bits of libjpeg's own
//! 1/8-scale decode (the path before the DC decoder). Skips offline; fails under
//! `PREFLIGHT_REQUIRE_ALL=1`.

use crate::common;

use preflight::hash::pdq;
use preflight::media::{self, DecodeLimits};

/// The registry JPEGs the production path decodes with the DC decoder, with their bytes.
fn dc_photos() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = common::test_images("pdq")?;
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("large-") && name.ends_with(".jpg") {
            out.push((name, std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    Some(out)
}

#[test]
fn dc_decoder_is_thread_invariant_and_near_libjpeg_on_real_photos() {
    let Some(photos) = dc_photos() else { return };
    let limits = DecodeLimits::default();
    let min = preflight::hash::PDQ_DECODE_MIN_SIDE;
    let mut used_names = Vec::new();
    for (name, bytes) in &photos {
        let (one, used) = media::decode_for_hashing_threads(bytes, &limits, min, Some(1)).unwrap();
        if !used {
            continue; // progressive, or too small for 1/8: libjpeg decodes it
        }
        assert_eq!(one.scale_denominator, 8, "{name}");
        for threads in [2, 3, 0] {
            let (many, _) =
                media::decode_for_hashing_threads(bytes, &limits, min, Some(threads)).unwrap();
            assert_eq!(
                many.pixels.to_rgb(),
                one.pixels.to_rgb(),
                "{name}: {threads} threads"
            );
        }
        let (libjpeg, used) = match media::decode_for_hashing_threads(bytes, &limits, min, None) {
            Ok(d) => d,
            // A progressive photo's whole-file coefficient buffer is over libjpeg's budget for
            // hashing (media::jpeg): only the DC path decodes it, so only invariance is checked.
            Err(preflight::media::MediaError::MemoryLimit { .. }) => {
                println!("{name}: libjpeg refused (coefficient buffer over budget)");
                used_names.push(name.clone());
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        assert!(!used);
        assert_eq!(
            (libjpeg.pixels.width(), libjpeg.pixels.height()),
            (one.pixels.width(), one.pixels.height()),
            "{name}"
        );
        let ours = pdq::hash_pixels(one.pixels.as_pdq_input()).unwrap();
        let theirs = pdq::hash_pixels(libjpeg.pixels.as_pdq_input()).unwrap();
        let d = ours.hashes[0].distance(&theirs.hashes[0]);
        println!("{name}: DC decoder {d} bits from libjpeg at 1/8");
        assert!(d <= 4, "{name}: DC decoder is {d} bits from libjpeg at 1/8");
        used_names.push(name.clone());
    }
    println!("DC decoder on {} real photos", used_names.len());
    for must in [
        "large-restart-rows-420.jpg",
        "large-restart-7-422.jpg",
        "large-restart-grey.jpg",
        "large-12mp-exif-6.jpg",
    ] {
        assert!(
            used_names.iter().any(|n| n == must),
            "{must} did not go through the DC decoder"
        );
    }
    assert!(used_names.len() >= 7, "only {used_names:?}");
}
