//! Peak memory of hashing hostile and very large images, one child process per case.
//!
//! Each case is generated here (nothing is stored), written to a temporary file, and hashed by
//! this test binary re-run as a child (`child_hashes_one_file`, ignored otherwise) through the
//! production path (`hash::hash_image_bytes`: decode for hashing, PDQ, pHash, digests). The
//! child reports its peak resident memory (VmHWM from /proc/self/status, which includes the
//! input it read and the test binary itself); the parent asserts the outcome (hashed, or the
//! expected typed refusal) and the bound: an iOS share extension gets about 120 MB in all, and
//! hashing one image may use at most 48 MB of it. Timings are printed for the record; they are
//! measured by benches/image_decode.rs, not asserted here.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use preflight::media::DecodeLimits;

const PEAK_LIMIT_KIB: u64 = 48 * 1024;
const CHILD_FILE: &str = "PREFLIGHT_IMAGE_DECODE_CHILD_FILE";

/// Peak resident memory of this process so far (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The child: hashes the file named by the environment and prints one RESULT line.
#[test]
#[ignore = "child process of the memory tests below (runs only when they start it)"]
fn child_hashes_one_file() {
    let path = std::env::var(CHILD_FILE).expect("started by a memory test");
    let bytes = std::fs::read(path).unwrap();
    let start = Instant::now();
    let outcome = match preflight::hash::hash_image_bytes(&bytes, &DecodeLimits::default()) {
        Ok(h) => format!("ok {}x{}", h.decoded_size.0, h.decoded_size.1),
        Err(e) => format!("err {e:?}"),
    };
    let ms = start.elapsed().as_millis();
    println!("RESULT peak_kib={} ms={ms} {outcome}", peak_rss_kib());
}

struct Outcome {
    peak_kib: u64,
    ms: u64,
    result: String,
}

/// Runs the child on `bytes` and parses its report.
fn hash_in_child(name: &str, bytes: &[u8]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    hash_file_in_child(name, &path)
}

fn hash_file_in_child(name: &str, path: &Path) -> Outcome {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_hashes_one_file",
            "--nocapture",
        ])
        .args(["--test-threads", "1"])
        .env(CHILD_FILE, path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "{name}: the child printed no result\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let field = |key: &str| -> u64 {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::MAX)
    };
    let o = Outcome {
        peak_kib: field("peak_kib="),
        ms: field("ms="),
        result: line
            .split_whitespace()
            .skip(2)
            .collect::<Vec<_>>()
            .join(" "),
    };
    eprintln!(
        "{name}: {} bytes, peak RSS {} KiB, {} ms, {}",
        std::fs::metadata(path).map_or(0, |m| m.len()),
        o.peak_kib,
        o.ms,
        o.result
    );
    o
}

fn assert_bounded(name: &str, o: &Outcome, expect: &str) {
    assert!(
        o.result.starts_with(expect),
        "{name}: expected `{expect}`, got `{}`",
        o.result
    );
    assert!(
        o.peak_kib <= PEAK_LIMIT_KIB,
        "{name}: peak RSS {} KiB, over {PEAK_LIMIT_KIB} KiB",
        o.peak_kib
    );
}

/// A photo-like RGB row: gradients and a few hard edges, varying with `y`.
fn photo_row(y: usize, w: usize, out: &mut Vec<u8>) {
    out.clear();
    for x in 0..w {
        let edge = if (x / 301 + y / 173) % 4 == 0 { 70 } else { 0 };
        out.push(((x * 255 / w) as u8).wrapping_add(edge));
        out.push(((y * 7 + x / 64) % 256) as u8);
        out.push((((x + y) / 40) % 256) as u8);
    }
}

/// A valid RGB PNG of `w x h`, written row by row.
fn png_rgb(w: usize, h: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let mut row = Vec::with_capacity(w * 3);
    for y in 0..h {
        photo_row(y, w, &mut row);
        stream.write_all(&row).unwrap();
    }
    stream.finish().unwrap();
    drop(writer);
    out
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    c.extend_from_slice(&crc.sum().to_be_bytes());
    c
}

/// A 1x1 PNG whose ICC profile inflates to `inflated` bytes.
fn png_icc_bomb(inflated: usize) -> Vec<u8> {
    let one = png_rgb(1, 1);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..inflated >> 20 {
        z.write_all(&zeros).unwrap();
    }
    let mut iccp = b"bomb\0\0".to_vec();
    iccp.extend_from_slice(&z.finish().unwrap());
    // Signature and IHDR (8 + 25 bytes), then the iCCP chunk, then the rest of the file.
    let mut out = one[..33].to_vec();
    out.extend_from_slice(&png_chunk(b"iCCP", &iccp));
    out.extend_from_slice(&one[33..]);
    out
}

/// A GIF with a `screen x screen` logical screen and a single 1x1 frame: 62 bytes or so.
fn gif_big_screen(screen: u16) -> Vec<u8> {
    let mut g = b"GIF89a".to_vec();
    g.extend_from_slice(&screen.to_le_bytes());
    g.extend_from_slice(&screen.to_le_bytes());
    g.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
    g.push(0x2C);
    g.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0, 0]);
    g.extend_from_slice(&[2, 2, 0x4C, 0x01, 0, 0x3B]);
    g
}

/// A JPEG of `w x h` photo-like pixels made by libjpeg-turbo (JCP_FASTEST), progressive or not.
fn jpeg(w: usize, h: usize, progressive: bool) -> Vec<u8> {
    let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
    c.set_fastest_defaults();
    c.set_size(w, h);
    c.set_quality(80.0);
    if progressive {
        c.set_progressive_mode();
    }
    let mut started = c.start_compress(Vec::new()).unwrap();
    let mut row = Vec::with_capacity(w * 3);
    for y in 0..h {
        photo_row(y, w, &mut row);
        started.write_scanlines(&row).unwrap();
    }
    started.finish().unwrap()
}

/// A progressive JPEG whose last scan is repeated until it has `scans` scans.
fn jpeg_with_scans(scans: usize) -> Vec<u8> {
    let base = jpeg(640, 480, true);
    let last = base.windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap();
    let eoi = base.len() - 2;
    let have = base.windows(2).filter(|w| *w == [0xFF, 0xDA]).count();
    let mut out = base[..eoi].to_vec();
    for _ in have..scans {
        out.extend_from_slice(&base[last..eoi]);
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

#[test]
fn a_valid_64_megapixel_png_is_sampled_row_by_row() {
    let o = hash_in_child("png-64mp.png", &png_rgb(8000, 8000));
    assert_bounded("64 MP PNG", &o, "ok 512x512");
}

#[test]
fn a_compressed_icc_profile_bomb_is_never_inflated() {
    let bomb = png_icc_bomb(512 << 20);
    assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
    let o = hash_in_child("png-icc-bomb.png", &bomb);
    assert_bounded("ICC bomb", &o, "ok 1x1");
}

#[test]
fn a_gif_screen_far_larger_than_its_frame_is_never_allocated() {
    let gif = gif_big_screen(8000);
    assert!(gif.len() < 64);
    let o = hash_in_child("gif-screen.gif", &gif);
    assert_bounded("8000x8000 GIF screen", &o, "ok 512x512");
}

#[test]
fn thousands_of_progressive_scans_are_refused() {
    let o = hash_in_child("scans.jpg", &jpeg_with_scans(5000));
    assert_bounded("5000 scans", &o, "err LimitExceeded");
}

#[test]
fn a_64_megapixel_baseline_jpeg_decodes_at_one_eighth() {
    let o = hash_in_child("baseline-64mp.jpg", &jpeg(8000, 8000, false));
    assert_bounded("64 MP baseline JPEG", &o, "ok 1000x1000");
}

#[test]
fn a_64_megapixel_progressive_jpeg_decodes_from_its_dc_scans() {
    let o = hash_in_child("progressive-64mp.jpg", &jpeg(8000, 8000, true));
    assert_bounded("64 MP progressive JPEG", &o, "ok 1000x1000");
}

#[test]
fn a_thin_panorama_is_sampled_scanline_by_scanline() {
    // Short side under 1024: decoded at full size, which only the sampled rows survive.
    let o = hash_in_child("panorama.jpg", &jpeg(40_000, 1000, false));
    assert_bounded("40000x1000 baseline JPEG", &o, "ok 512x512");
    // Progressive: libjpeg would buffer 120 MB of coefficients; the DC scans give 1/8 scale.
    let o = hash_in_child("panorama-progressive.jpg", &jpeg(30_000, 1500, true));
    assert_bounded("30000x1500 progressive JPEG", &o, "ok 3750x188");
}

#[test]
fn whole_frame_formats_over_the_budget_are_refused_from_the_header() {
    // A BMP header claiming 8000x8000 (24-bit) with no pixel data behind it.
    let mut bmp = b"BM".to_vec();
    let (w, h) = (8000i32, 8000i32);
    let size = 54 + (w * 3) as u32 * h as u32;
    bmp.extend_from_slice(&size.to_le_bytes());
    bmp.extend_from_slice(&[0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0]);
    bmp.extend_from_slice(&w.to_le_bytes());
    bmp.extend_from_slice(&h.to_le_bytes());
    bmp.extend_from_slice(&[1, 0, 24, 0]);
    bmp.extend_from_slice(&[0; 24]);
    let o = hash_in_child("big.bmp", &bmp);
    assert_bounded("8000x8000 BMP", &o, "err MemoryLimit");
}
