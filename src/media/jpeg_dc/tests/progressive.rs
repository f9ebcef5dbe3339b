//! The progressive path against libjpeg: Y plane bit for bit on files libjpeg-turbo's own
//! compressor makes (successive-approximation DC with refinement, interleaved and per-component
//! DC scans, every chroma sampling), AC scans never read, and the scan cap.

use super::super::progressive as prog;
use super::*;
use mozjpeg::ScanMode;

/// A synthetic photo-like RGB image: gradients, a few edges and noise (no fixture needed).
fn synthetic(w: usize, h: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut px = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let n = (rng.next() % 24) as i32 - 12;
            let edge = if (x / 37 + y / 23) % 3 == 0 { 60 } else { 0 };
            let r = (x * 255 / w.max(1)) as i32 + n + edge;
            let g = (y * 255 / h.max(1)) as i32 - n;
            let b = ((x + y) * 128 / (w + h).max(1)) as i32 + 2 * n + edge / 2;
            px.extend([r, g, b].map(|v| v.clamp(0, 255) as u8));
        }
    }
    px
}

/// How the compressor writes its scans.
#[derive(Clone, Copy, Debug)]
enum Script {
    /// libjpeg's standard progression (`jpeg_simple_progression`, JCP_FASTEST): one
    /// interleaved DC scan with Al = 1, a DC refinement scan, AC spectral selection and
    /// successive approximation.
    Standard,
    /// mozjpeg's own (JCP_MAX_COMPRESSION) script, chosen by its scan optimiser. (The crate's
    /// per-component DC option is reset by `jpeg_set_defaults`; tests/it/image_decode_formats.rs
    /// covers per-component DC scans with cjpeg scripts.)
    Optimised,
}

fn encode_progressive(w: usize, h: usize, chroma: Option<(u8, u8)>, script: Script) -> Vec<u8> {
    let rgb = synthetic(w, h, (w * 31 + h) as u64);
    let grey = chroma.is_none();
    let px: Vec<u8> = if grey {
        rgb.chunks_exact(3).map(|p| p[1]).collect()
    } else {
        rgb
    };
    let mut c = Compress::new(if grey {
        ColorSpace::JCS_GRAYSCALE
    } else {
        ColorSpace::JCS_RGB
    });
    match script {
        Script::Standard => c.set_fastest_defaults(),
        Script::Optimised => c.set_scan_optimization_mode(ScanMode::AllComponentsTogether),
    }
    c.set_size(w, h);
    c.set_quality(88.0);
    if let Some(s) = chroma {
        c.set_chroma_sampling_pixel_sizes(s, s);
    }
    c.set_progressive_mode();
    let mut started = c.start_compress(Vec::new()).unwrap();
    started.write_scanlines(&px).unwrap();
    started.finish().unwrap()
}

/// The scan headers of a file: (components, Ss, Se, Ah, Al), in order.
fn scans(bytes: &[u8]) -> Vec<(u8, u8, u8, u8, u8)> {
    let mut out = Vec::new();
    let mut i = 2;
    while let Ok(Some(seg)) = prog::segment_at(bytes, i) {
        i = seg.end;
        match seg.marker {
            0xD9 => break,
            0xDA => {
                let n = seg.data[0];
                let t = &seg.data[1 + 2 * usize::from(n)..];
                out.push((n, t[0], t[1], t[2] >> 4, t[2] & 15));
                i = prog::skip_entropy(bytes, i);
            }
            _ => {}
        }
    }
    out
}

#[test]
fn y_plane_is_libjpegs_for_progressive_files() {
    let samplings = [
        (Some((2, 2)), "4:2:0"),
        (Some((1, 1)), "4:4:4"),
        (Some((2, 1)), "4:2:2"),
        (Some((1, 2)), "4:4:0"),
        (Some((4, 1)), "4:1:1"),
        (None, "grey"),
    ];
    let mut refined = 0;
    let mut per_component = 0;
    for script in [Script::Standard, Script::Optimised] {
        for (chroma, label) in samplings {
            for (w, h) in [(333, 211), (64, 48), (1, 1), (17, 9), (250, 1)] {
                let bytes = encode_progressive(w, h, chroma, script);
                let name = format!("{script:?} {label} {w}x{h}");
                assert!(
                    bytes.windows(2).any(|m| m == [0xFF, 0xC2]),
                    "{name}: not progressive"
                );
                let s = scans(&bytes);
                assert!(s.iter().any(|sc| sc.1 > 0), "{name}: no AC scan");
                refined += s.iter().filter(|sc| sc.1 == 0 && sc.3 > 0).count();
                per_component += s.iter().filter(|sc| sc.1 == 0 && sc.0 == 1).count();
                assert_like_libjpeg(&name, &bytes);
            }
        }
    }
    // The scripts really exercise successive approximation and (grey) non-interleaved DC scans.
    assert!(refined >= 30, "only {refined} DC refinement scans");
    assert!(
        per_component >= 10,
        "only {per_component} single-component DC scans"
    );
}

/// The entropy data of every AC scan is replaced by noise: our result cannot change (it never
/// reads them), while libjpeg's full decode does.
#[test]
fn ac_scans_are_never_decoded() {
    let bytes = encode_progressive(333, 211, Some((2, 2)), Script::Standard);
    let before = to_pixels(&planes(&bytes, &threads(1)));
    let mut noisy = bytes.clone();
    let mut rng = Rng(9);
    let mut i = 2;
    let mut ac_bytes = 0;
    while let Ok(Some(seg)) = prog::segment_at(&bytes, i) {
        i = seg.end;
        if seg.marker == 0xD9 {
            break;
        }
        if seg.marker == 0xDA {
            let end = prog::skip_entropy(&bytes, i);
            let ss = seg.data[1 + 2 * usize::from(seg.data[0])];
            if ss > 0 {
                for b in &mut noisy[i..end] {
                    *b = (rng.next() % 0xFF) as u8; // never 0xFF: no marker appears
                }
                ac_bytes += end - i;
            }
            i = end;
        }
    }
    assert!(
        ac_bytes > bytes.len() / 2,
        "AC scans are {ac_bytes} of {} bytes",
        bytes.len()
    );
    let after = to_pixels(&planes(&noisy, &threads(1)));
    assert_eq!(before.as_bytes(), after.as_bytes());
}

#[test]
fn too_many_scans_are_refused_before_decoding() {
    let bytes = encode_progressive(64, 48, Some((2, 2)), Script::Standard);
    // Repeat the last scan (an AC refinement scan) until the file has 501 scans.
    let last_sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap();
    let eoi = bytes.len() - 2;
    let scan = bytes[last_sos..eoi].to_vec();
    let have = scans(&bytes).len();
    let mut many = bytes[..eoi].to_vec();
    for _ in have..=MAX_SCANS {
        many.extend_from_slice(&scan);
    }
    many.extend_from_slice(&[0xFF, 0xD9]);
    assert_eq!(count_scans(&many), MAX_SCANS + 1);
    let mut at_cap = bytes[..eoi].to_vec();
    for _ in have..MAX_SCANS {
        at_cap.extend_from_slice(&scan);
    }
    at_cap.extend_from_slice(&[0xFF, 0xD9]);
    assert_eq!(count_scans(&at_cap), MAX_SCANS);
    assert!(decode_planes(&at_cap, &DecodeLimits::default(), &threads(1)).is_ok());
    match decode_planes(&many, &DecodeLimits::default(), &threads(1)) {
        Err(DcError::Failed(MediaError::LimitExceeded { what: "scans", .. })) => {}
        other => panic!("expected the scan limit, got {:?}", other.err()),
    }
}

#[test]
fn bad_progressions_are_corrupt_not_panics() {
    let bytes = encode_progressive(64, 48, Some((2, 2)), Script::Standard);
    let first_sos = bytes.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let n = usize::from(bytes[first_sos + 4]);
    let ss_at = first_sos + 5 + 2 * n;
    for (what, patch) in [
        ("DC scan with Se > 0", [0u8, 5, 0x01]),
        ("Al past 13", [0, 0, 0x0E]),
        ("refinement with Al != Ah - 1", [0, 0, 0x20]),
    ] {
        let mut b = bytes.clone();
        b[ss_at..ss_at + 3].copy_from_slice(&patch);
        assert!(
            matches!(
                decode_planes(&b, &DecodeLimits::default(), &threads(1)),
                Err(DcError::Failed(MediaError::Corrupt { .. }))
            ),
            "{what}"
        );
    }
    // Random damage anywhere: an error or an image, never a panic.
    let mut rng = Rng(5);
    for _ in 0..300 {
        let mut b = bytes.clone();
        for _ in 0..4 {
            let at = 2 + (rng.next() as usize) % (b.len() - 2);
            b[at] = rng.next() as u8;
        }
        let _ = decode_planes(&b, &DecodeLimits::default(), &threads(1));
    }
    // Cut anywhere: an error, never a panic or an image.
    for cut in (first_sos..bytes.len() - 2).step_by(7) {
        assert!(decode_planes(&bytes[..cut], &DecodeLimits::default(), &threads(1)).is_err());
    }
}
