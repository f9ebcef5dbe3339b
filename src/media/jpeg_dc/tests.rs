//! The DC decoder against libjpeg (Y plane bit for bit), across thread counts and split points,
//! and on hostile input.

mod progressive;

use super::parallel::mcu_boundaries;
use super::*;
use crate::lists::random::SplitMix64 as Rng;
use mozjpeg::{ColorSpace, Compress, Decompress};

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn pdq_fixture(name: &str) -> Vec<u8> {
    read(&format!("tests/fixtures/pdq/images/{name}"))
}

fn restart_fixture(name: &str) -> Vec<u8> {
    read(&format!("tests/fixtures/jpeg_dc/{name}"))
}

fn threads(n: usize) -> Parallelism {
    Parallelism {
        threads: n,
        min_bytes: 0,
        ..Default::default()
    }
}

fn splits(points: Vec<u64>) -> Parallelism {
    Parallelism {
        threads: 1,
        min_bytes: 0,
        splits: Some(points),
        disabled: false,
    }
}

fn planes(bytes: &[u8], par: &Parallelism) -> Planes {
    match decode_planes(bytes, &DecodeLimits::default(), par) {
        Ok(p) => p,
        Err(e) => panic!("DC decoder refused the file: {e:?}"),
    }
}

/// Our Y plane at 1/8 scale.
fn our_luma(p: &Planes) -> Vec<u8> {
    let (ow, oh) = (
        (p.header.width as usize).div_ceil(8),
        (p.header.height as usize).div_ceil(8),
    );
    let lay = &p.layout;
    let c0 = p.header.comps[0];
    let (bh, bv) = if p.header.comps.len() == 1 {
        (1, 1)
    } else {
        (c0.h, c0.v)
    };
    let mut out = Vec::with_capacity(ow * oh);
    for y in 0..oh {
        for x in 0..ow {
            let mcu = (y / lay.vmax) * lay.mcus_x + x / lay.hmax;
            let b = (y % lay.vmax) * bh + x % lay.hmax;
            let _ = bv;
            out.push(idct_1x1(p.dc[mcu * lay.blocks_per_mcu + b], p.q0[0]));
        }
    }
    out
}

/// libjpeg-turbo at scale 1/8 in `space`: (width, height, samples).
fn libjpeg_eighth(bytes: &[u8], space: ColorSpace) -> (usize, usize, Vec<u8>) {
    let mut d = Decompress::new_mem(bytes).unwrap();
    d.scale(1);
    let mut s = d.to_colorspace(space).unwrap();
    let (w, h) = (s.width(), s.height());
    let data = s.read_scanlines::<u8>().unwrap();
    s.finish().unwrap();
    (w, h, data)
}

/// Y must be identical to libjpeg's; RGB within a few levels (libjpeg's chroma at 1/8 comes from
/// a 2x2 IDCT when subsampled, ours from the DC alone).
fn assert_like_libjpeg(name: &str, bytes: &[u8]) {
    let p = planes(bytes, &threads(2));
    let ours = our_luma(&p);
    let grey = p.header.comps.len() == 1;
    let (w, h, theirs) = libjpeg_eighth(
        bytes,
        if grey {
            ColorSpace::JCS_GRAYSCALE
        } else {
            ColorSpace::JCS_YCbCr
        },
    );
    let img = to_pixels(&p);
    assert_eq!(
        (img.width() as usize, img.height() as usize),
        (w, h),
        "{name}: size"
    );
    let their_y: Vec<u8> = if grey {
        theirs.clone()
    } else {
        theirs.chunks_exact(3).map(|px| px[0]).collect()
    };
    assert_eq!(ours.len(), their_y.len(), "{name}");
    let diff = ours.iter().zip(&their_y).filter(|(a, b)| a != b).count();
    assert_eq!(diff, 0, "{name}: {diff} Y samples differ from libjpeg's");
    if grey {
        assert_eq!(
            img.as_luma8().unwrap().as_raw(),
            &ours,
            "{name}: grey output"
        );
        return;
    }
    // Colour conversion: ours applied to libjpeg's own YCbCr gives libjpeg's RGB exactly.
    let (_, _, rgb) = libjpeg_eighth(bytes, ColorSpace::JCS_RGB);
    let t = YccTables::new();
    for (ycc, px) in theirs.chunks_exact(3).zip(rgb.chunks_exact(3)) {
        assert_eq!(t.rgb(ycc[0], ycc[1], ycc[2]), px, "{name}: YCbCr->RGB");
    }
    // Chroma: ours is the DC of each chroma block; libjpeg's (a 2x2 IDCT when subsampled)
    // averages to it over the block's pixels, up to rounding.
    let lay = &p.layout;
    let ours_ycc = ycc_planes(&p);
    for (c, comp) in p.header.comps.iter().enumerate().skip(1) {
        let (sx, sy) = (lay.hmax / comp.h, lay.vmax / comp.v);
        let mut worst = 0.0f64;
        for by in 0..h / sy {
            for bx in 0..w / sx {
                let mut sum = 0.0;
                for y in by * sy..(by + 1) * sy {
                    for x in bx * sx..(bx + 1) * sx {
                        sum += f64::from(theirs[(y * w + x) * 3 + c]);
                        assert_eq!(
                            ours_ycc[(y * w + x) * 3 + c],
                            ours_ycc[(by * sy * w + bx * sx) * 3 + c],
                            "{name}: chroma not replicated"
                        );
                    }
                }
                let ours = f64::from(ours_ycc[(by * sy * w + bx * sx) * 3 + c]);
                let mean = sum / (sx * sy) as f64;
                // Clamping at 0/255 breaks the average; such saturated chroma is rare.
                if mean > 2.0 && mean < 253.0 {
                    worst = worst.max((ours - mean).abs());
                }
            }
        }
        assert!(
            worst <= 1.5,
            "{name}: component {c} is {worst} from libjpeg's block mean"
        );
        if sx == 1 && sy == 1 {
            assert_eq!(worst, 0.0, "{name}: unsubsampled chroma differs");
        }
    }
    // And the RGB we return is ours converted.
    let ours_rgb = img.as_rgb8().unwrap().as_raw();
    for (ycc, px) in ours_ycc.chunks_exact(3).zip(ours_rgb.chunks_exact(3)) {
        assert_eq!(t.rgb(ycc[0], ycc[1], ycc[2]), px, "{name}: our RGB");
    }
}

/// Our Y, Cb, Cr at 1/8 scale, interleaved, chroma replicated.
fn ycc_planes(p: &Planes) -> Vec<u8> {
    let (ow, oh) = (
        (p.header.width as usize).div_ceil(8),
        (p.header.height as usize).div_ceil(8),
    );
    let lay = &p.layout;
    let comps = &p.header.comps;
    let mut out = Vec::with_capacity(ow * oh * 3);
    for y in 0..oh {
        for x in 0..ow {
            let mcu = (y / lay.vmax) * lay.mcus_x + x / lay.hmax;
            let (lx, ly) = (x % lay.hmax, y % lay.vmax);
            let mut off = 0;
            for (c, comp) in comps.iter().enumerate() {
                let b = off + (ly * comp.v / lay.vmax) * comp.h + lx * comp.h / lay.hmax;
                out.push(idct_1x1(p.dc[mcu * lay.blocks_per_mcu + b], p.q0[c]));
                off += comp.h * comp.v;
            }
        }
    }
    out
}

#[test]
fn y_plane_is_libjpegs_on_every_baseline_fixture() {
    let dir = format!("{}/tests/fixtures/pdq/images", env!("CARGO_MANIFEST_DIR"));
    let mut checked = Vec::new();
    let mut refused = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".jpg") && !name.ends_with(".jpeg") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        match decode_planes(&bytes, &DecodeLimits::default(), &threads(2)) {
            Err(DcError::Unsupported(why)) => refused.push((name, why)),
            Err(e) => panic!("{name}: {e:?}"),
            Ok(_) => {
                assert_like_libjpeg(&name, &bytes);
                checked.push(name);
            }
        }
    }
    // Progressive files (the rotated bridges, small, wee) are decoded from their DC scans;
    // only CMYK goes to libjpeg.
    for (name, why) in &refused {
        assert_eq!(name, "mode-CMYK.jpg", "{name} refused: {why}");
    }
    assert!(checked.contains(&"exif-rotn-6.jpg".to_string()));
    assert!(checked.contains(&"wee.jpg".to_string()));
    assert_eq!(checked.len(), 28, "{checked:?}");
    assert_eq!(refused.len(), 1, "{refused:?}");
}

#[test]
fn y_plane_is_libjpegs_with_restart_markers() {
    for name in [
        "restart-rows-420.jpg",
        "restart-7-422.jpg",
        "restart-grey.jpg",
    ] {
        let bytes = restart_fixture(name);
        let h = parse_header(&bytes).unwrap();
        assert!(h.restart_interval > 0, "{name} has no restart interval");
        assert!(destuff(&bytes, h.scan_start).unwrap().segments.len() > 20);
        assert_like_libjpeg(name, &bytes);
    }
}

/// A baseline JPEG of a crop of the bridge photo made by libjpeg-turbo's compressor (standard
/// Huffman tables), with the given chroma pixel sizes, or grey.
fn encode(w: usize, h: usize, chroma: Option<(u8, u8)>, quality: f32) -> Vec<u8> {
    let (sw, sh, rgb) = {
        let src = pdq_fixture("bridge-1-original.jpg");
        let mut d = Decompress::new_mem(&src).unwrap();
        d.scale(8);
        let mut s = d.to_colorspace(ColorSpace::JCS_RGB).unwrap();
        let (w, h) = (s.width(), s.height());
        let data = s.read_scanlines::<u8>().unwrap();
        s.finish().unwrap();
        (w, h, data)
    };
    assert!(w <= sw && h <= sh);
    let grey = chroma.is_none();
    let mut px = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let p = &rgb[(y * sw + x) * 3..][..3];
            if grey {
                px.push(p[1]);
            } else {
                px.extend_from_slice(p);
            }
        }
    }
    let mut c = Compress::new(if grey {
        ColorSpace::JCS_GRAYSCALE
    } else {
        ColorSpace::JCS_RGB
    });
    c.set_fastest_defaults();
    c.set_size(w, h);
    c.set_quality(quality);
    if let Some(s) = chroma {
        c.set_chroma_sampling_pixel_sizes(s, s);
    }
    let mut started = c.start_compress(Vec::new()).unwrap();
    started.write_scanlines(&px).unwrap();
    let out = started.finish().unwrap();
    let _ = sh;
    out
}

#[test]
fn y_plane_is_libjpegs_for_every_sampling() {
    for (chroma, label) in [
        (Some((1, 1)), "4:4:4"),
        (Some((2, 1)), "4:2:2"),
        (Some((2, 2)), "4:2:0"),
        (Some((1, 2)), "4:4:0"),
        (Some((4, 1)), "4:1:1"),
        (None, "grey"),
    ] {
        for (w, h) in [(333, 211), (64, 48), (1, 1), (17, 9)] {
            let bytes = encode(w, h, chroma, 92.0);
            assert_eq!(
                &bytes[..4],
                &[0xFF, 0xD8, 0xFF, 0xE0],
                "{label}: expected a JFIF file"
            );
            assert!(
                bytes.windows(2).any(|m| m == [0xFF, 0xC0]),
                "{label}: not baseline"
            );
            assert_like_libjpeg(&format!("{label} {w}x{h}"), &bytes);
        }
    }
}

/// Every thread count and split gives the same DC values as one thread.
fn assert_split_invariant(name: &str, bytes: &[u8], split_sets: &[Vec<u64>]) {
    let one = planes(bytes, &threads(1)).dc;
    for n in [2, 3, 8] {
        assert!(
            planes(bytes, &threads(n)).dc == one,
            "{name}: {n} threads differ"
        );
    }
    for s in split_sets {
        assert!(
            planes(bytes, &splits(s.clone())).dc == one,
            "{name}: splits {s:?} differ"
        );
    }
}

/// The destuffed entropy data and the bit position of every MCU boundary (exact decode).
fn boundaries(bytes: &[u8]) -> (Entropy, Vec<u64>) {
    let h = parse_header(bytes).unwrap();
    let lay = layout(&h).unwrap();
    let e = destuff(bytes, h.scan_start).unwrap();
    let mut blocks = Vec::new();
    for (ci, c) in h.comps.iter().enumerate() {
        let n = if h.comps.len() == 1 { 1 } else { c.h * c.v };
        for _ in 0..n {
            blocks.push(BlockTables {
                comp: ci,
                dc: h.dc_tables[c.dc_table].as_ref().unwrap(),
                ac: h.ac_tables[c.ac_table].as_ref().unwrap(),
            });
        }
    }
    let b = mcu_boundaries(&e.data, &blocks, lay.total_mcus());
    (e, b)
}

#[test]
fn thread_count_and_split_points_do_not_change_the_result() {
    let bytes = pdq_fixture("bridge-1-original.jpg");
    let (e, b) = boundaries(&bytes);
    let bits = e.data.len() as u64 * 8;
    assert!(b.len() > 1000);
    // Bit positions inside bytes that were stuffed 0xFF 0x00 pairs in the file.
    let ff: Vec<u64> = e
        .data
        .iter()
        .enumerate()
        .filter(|(_, &v)| v == 0xFF)
        .map(|(i, _)| i as u64 * 8)
        .take(200)
        .collect();
    assert!(ff.len() > 50);
    let mut sets: Vec<Vec<u64>> = vec![
        vec![1],
        vec![bits - 1],
        vec![b[1]],           // right after the first MCU
        vec![b[b.len() - 2]], // at the start of the last MCU
        vec![b[500], b[501]], // two chunks one MCU apart
        vec![b[500] + 1, b[900] - 1],
        vec![ff[10], ff[10] + 3, ff[40] + 7],
        (1..40).map(|i| bits * i / 40).collect(),
        (1..8).map(|i| b[b.len() * i / 8]).collect(),
    ];
    for k in (0..ff.len()).step_by(9) {
        sets.push(vec![ff[k] + (k as u64 % 8), bits / 2 + k as u64]);
    }
    for k in (7..b.len()).step_by(b.len() / 23) {
        sets.push(vec![b[k], b[k] + 13, b[k] + 64 + k as u64 % 5]);
    }
    assert_split_invariant("bridge-1-original.jpg", &bytes, &sets);
}

#[test]
fn the_photo_is_split_invariant() {
    let bytes = pdq_fixture("exif-rotn-6.jpg");
    let (e, _) = boundaries(&bytes);
    let bits = e.data.len() as u64 * 8;
    assert_split_invariant(
        "exif-rotn-6.jpg",
        &bytes,
        &[
            vec![bits / 3, bits / 3 + 1],
            (1..16).map(|i| bits * i / 16 + i).collect(),
        ],
    );
}

#[test]
fn restart_files_are_split_invariant() {
    for name in [
        "restart-rows-420.jpg",
        "restart-7-422.jpg",
        "restart-grey.jpg",
    ] {
        assert_split_invariant(name, &restart_fixture(name), &[]);
    }
}

/// Byte offset where the entropy data starts (after the SOS segment).
fn scan_start(bytes: &[u8]) -> usize {
    parse_header(bytes).unwrap().scan_start
}

fn expect_corrupt(what: &str, bytes: &[u8]) {
    for par in [threads(1), threads(3), splits(vec![7, 200, 201, 4000])] {
        match decode_planes(bytes, &DecodeLimits::default(), &par) {
            Err(DcError::Failed(MediaError::Corrupt { .. })) => {}
            Err(e) => panic!("{what}: expected a corrupt-file error, got {e:?}"),
            Ok(_) => panic!("{what}: decoded"),
        }
    }
}

#[test]
fn truncated_entropy_data_is_an_error() {
    let bytes = encode(333, 211, Some((2, 2)), 92.0);
    let start = scan_start(&bytes);
    for keep in [
        0,
        1,
        100,
        (bytes.len() - start) / 2,
        bytes.len() - start - 40,
    ] {
        let mut cut = bytes[..start + keep].to_vec();
        cut.extend_from_slice(&[0xFF, 0xD9]);
        expect_corrupt(&format!("cut after {keep} bytes"), &cut);
    }
    // No EOI at all.
    expect_corrupt("no EOI", &bytes[..bytes.len() - 2]);
}

/// Offset of the first DHT segment's first table (its Tc/Th byte).
fn first_dht(bytes: &[u8]) -> usize {
    bytes.windows(2).position(|w| w == [0xFF, 0xC4]).unwrap() + 4
}

#[test]
fn corrupt_huffman_tables_are_errors() {
    let bytes = encode(64, 48, Some((2, 2)), 92.0);
    let t = first_dht(&bytes);
    // Over-full: every 1-bit count set to 2 (uses the reserved all-ones code).
    let mut over = bytes.clone();
    over[t + 1] = 2;
    expect_corrupt("over-full table", &over);
    // Counts summing past 256.
    let mut many = bytes.clone();
    for c in &mut many[t + 1..t + 17] {
        *c = 0xFF;
    }
    expect_corrupt("table with 4080 codes", &many);
    // Empty table: all counts zero; the symbols left behind then read as the next table's
    // header (garbage), or the scan finds no valid code.
    let mut empty = bytes.clone();
    for c in &mut empty[t + 1..t + 17] {
        *c = 0;
    }
    assert!(decode_planes(&empty, &DecodeLimits::default(), &threads(2)).is_err());
    // A scan naming a table that was never defined.
    let mut undefined = bytes.clone();
    let sos = undefined
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .unwrap();
    undefined[sos + 6] = 0x33;
    expect_corrupt("undefined table", &undefined);
}

#[test]
fn an_empty_but_valid_table_fails_on_the_first_code() {
    // Grey 8x8: DHT with an empty DC table 0 (17 bytes) replacing the real one.
    let bytes = encode(8, 8, None, 92.0);
    let mut out = Vec::new();
    let mut i = 2;
    out.extend_from_slice(&bytes[..2]);
    while i < bytes.len() {
        let marker = bytes[i + 1];
        let len = usize::from(bytes[i + 2]) << 8 | usize::from(bytes[i + 3]);
        if marker == 0xDA {
            out.extend_from_slice(&[0xFF, 0xC4, 0, 19, 0x00]);
            out.extend_from_slice(&[0; 16]);
            out.extend_from_slice(&bytes[i..]);
            break;
        }
        out.extend_from_slice(&bytes[i..i + 2 + len]);
        i += 2 + len;
    }
    expect_corrupt("empty DC table", &out);
}

#[test]
fn headers_without_a_scan_or_with_huge_sizes_are_refused() {
    let bytes = encode(64, 48, Some((2, 2)), 92.0);
    let sos = bytes.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let mut no_sos = bytes[..sos].to_vec();
    no_sos.extend_from_slice(&[0xFF, 0xD9]);
    expect_corrupt("no SOS", &no_sos);
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    let mut huge = bytes.clone();
    huge[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    assert!(matches!(
        decode_planes(&huge, &DecodeLimits::default(), &threads(2)),
        Err(DcError::Failed(MediaError::TooLarge { .. }))
    ));
    // Within the limits but nowhere near enough data: runs out, does not hang or allocate much.
    let mut big = bytes.clone();
    big[sof + 5..sof + 9].copy_from_slice(&[0x1F, 0x40, 0x1F, 0x40]); // 8000 x 8000
    expect_corrupt("8000x8000 claimed", &big);
}

#[test]
fn garbage_entropy_data_never_panics_and_is_thread_invariant() {
    let bytes = encode(333, 211, Some((2, 2)), 92.0);
    let start = scan_start(&bytes);
    let mut rng = Rng(7);
    for round in 0..60 {
        let mut g = bytes[..start].to_vec();
        let n = 200 + (rng.next() % 20_000) as usize;
        for _ in 0..n {
            let b = rng.next() as u8;
            // No markers inside: stuff any 0xFF (half of the rounds keep a few raw RSTs).
            g.push(b);
            if b == 0xFF {
                g.push(if round % 2 == 0 {
                    0
                } else {
                    0xD0 + (rng.next() % 8) as u8
                });
            }
        }
        g.extend_from_slice(&[0xFF, 0xD9]);
        let one = decode_planes(&g, &DecodeLimits::default(), &threads(1));
        for par in [threads(2), threads(5), splits(vec![3, 999, 1000, 50_000])] {
            let other = decode_planes(&g, &DecodeLimits::default(), &par);
            match (&one, &other) {
                (Ok(a), Ok(b)) => assert!(a.dc == b.dc, "round {round}: results differ"),
                (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "round {round}"),
                _ => panic!("round {round}: {:?} vs {:?}", one.is_ok(), other.is_ok()),
            }
        }
    }
}

#[test]
fn random_byte_flips_never_panic() {
    let bytes = encode(333, 211, Some((2, 1)), 92.0);
    let mut rng = Rng(11);
    for _ in 0..400 {
        let mut g = bytes.clone();
        for _ in 0..1 + rng.next() % 4 {
            let i = (rng.next() as usize) % g.len();
            g[i] = rng.next() as u8;
        }
        let _ = decode_planes(&g, &DecodeLimits::default(), &threads(3));
        let _ =
            super::super::jpeg::decode_with(&g, &DecodeLimits::default(), Some(32), &threads(3));
    }
}

/// A grey image whose every block is the 2-bit pattern `0 0` (DC code `0` = no difference, AC
/// code `0` = end of block). A chunk started on an odd bit decodes the same bits shifted by one
/// and never meets a true MCU boundary: the exact decoding has to go through it all.
fn never_syncing_stream(side: u16) -> Vec<u8> {
    let mut f = vec![0xFF, 0xD8];
    // DQT: table 0, all ones.
    f.extend_from_slice(&[0xFF, 0xDB, 0, 67, 0]);
    f.extend_from_slice(&[1; 64]);
    // SOF0 grey.
    f.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8]);
    f.extend_from_slice(&side.to_be_bytes());
    f.extend_from_slice(&side.to_be_bytes());
    f.extend_from_slice(&[1, 1, 0x11, 0]);
    // DHT DC 0 and AC 0: a single 1-bit code "0" for symbol 0.
    for class in [0x00, 0x10] {
        f.extend_from_slice(&[0xFF, 0xC4, 0, 20, class, 1]);
        f.extend_from_slice(&[0; 15]);
        f.push(0);
    }
    // SOS.
    f.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0]);
    let blocks = usize::from(side).div_ceil(8).pow(2);
    f.extend(std::iter::repeat_n(0u8, (blocks * 2).div_ceil(8)));
    f.extend_from_slice(&[0xFF, 0xD9]);
    f
}

#[test]
fn a_chunk_that_never_syncs_still_gives_the_exact_image() {
    let bytes = never_syncing_stream(2000);
    let one = planes(&bytes, &threads(1));
    assert!(one.dc.iter().all(|&v| v == 0));
    let bits = destuff(&bytes, scan_start(&bytes)).unwrap().data.len() as u64 * 8;
    for s in [
        vec![1],
        vec![3, 1001, 20_001],
        (0..7).map(|i| (bits * i / 7) | 1).collect(),
    ] {
        let p = planes(&bytes, &splits(s.clone()));
        assert!(p.dc == one.dc, "{s:?}");
    }
    let img = to_pixels(&one);
    assert_eq!((img.width(), img.height()), (250, 250));
    assert!(img.as_luma8().unwrap().as_raw().iter().all(|&v| v == 128));
}

#[test]
fn unsupported_variants_fall_back() {
    let bytes = encode(64, 48, Some((2, 2)), 92.0);
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    let mut twelve_bit = bytes.clone();
    twelve_bit[sof + 4] = 12;
    let mut chroma_max = bytes.clone();
    chroma_max[sof + 11] = 0x11; // Y 1x1, Cb 1x1: fine ...
    chroma_max[sof + 14] = 0x22; // ... but Cb 2x2 exceeds luma
    for (what, b) in [("12-bit", twelve_bit), ("chroma above luma", chroma_max)] {
        assert!(
            matches!(
                decode_planes(&b, &DecodeLimits::default(), &threads(2)),
                Err(DcError::Unsupported(_))
            ),
            "{what}"
        );
    }
    // A sequential scan under a progressive frame header is a bad progression (libjpeg
    // refuses it too).
    let mut progressive = bytes.clone();
    progressive[sof + 1] = 0xC2;
    assert!(matches!(
        decode_planes(&progressive, &DecodeLimits::default(), &threads(2)),
        Err(DcError::Failed(MediaError::Corrupt { .. }))
    ));
    assert!(matches!(
        decode_planes(
            &pdq_fixture("mode-CMYK.jpg"),
            &DecodeLimits::default(),
            &threads(2)
        ),
        Err(DcError::Unsupported(_))
    ));
}
