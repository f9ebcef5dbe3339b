//! Generators of the large and hostile images of issue 12, shared by
//! tests/it/image_decode_memory.rs (peak memory) and benches/image_decode.rs (time): nothing is
//! stored, every file is made from code.
#![allow(dead_code)] // each user takes the generators it needs

#[cfg(feature = "heif")]
pub mod heif_grid;

use std::io::Write;

/// A photo-like RGB row: gradients and a few hard edges, varying with `y`.
pub fn photo_row(y: usize, w: usize, out: &mut Vec<u8>) {
    out.clear();
    for x in 0..w {
        let edge = if (x / 301 + y / 173).is_multiple_of(4) {
            70
        } else {
            0
        };
        out.push(((x * 255 / w) as u8).wrapping_add(edge));
        out.push(((y * 7 + x / 64) % 256) as u8);
        out.push((((x + y) / 40) % 256) as u8);
    }
}

/// A valid RGB PNG of `w x h`, written row by row.
pub fn png_rgb(w: usize, h: usize) -> Vec<u8> {
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
pub fn png_icc_bomb(inflated: usize) -> Vec<u8> {
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
pub fn gif_big_screen(screen: u16) -> Vec<u8> {
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
pub fn jpeg(w: usize, h: usize, progressive: bool) -> Vec<u8> {
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

/// Lossy WebP of an RGB (`channels` 3) or RGBA (4, written with an `ALPH` chunk) image of
/// `channels w` bytes a row, at `quality`, with libwebp's encoder.
pub fn webp_lossy_of(pixels: &[u8], w: usize, h: usize, channels: usize, quality: f32) -> Vec<u8> {
    assert_eq!(pixels.len(), w * h * channels);
    let encode = if channels == 4 {
        libwebp_sys::WebPEncodeRGBA
    } else {
        libwebp_sys::WebPEncodeRGB
    };
    let mut out: *mut u8 = std::ptr::null_mut();
    let (wi, hi, stride) = (w as i32, h as i32, (w * channels) as i32);
    // SAFETY: `pixels` holds `h` rows of `stride` bytes; libwebp allocates `out`, which is
    // copied and then freed with WebPFree.
    unsafe {
        let len = encode(pixels.as_ptr(), wi, hi, stride, quality, &mut out);
        assert!(
            len > 0 && !out.is_null(),
            "libwebp failed to encode {w}x{h}"
        );
        let bytes = std::slice::from_raw_parts(out, len).to_vec();
        libwebp_sys::WebPFree(out.cast());
        bytes
    }
}

/// The same picture as [`jpeg`]`(w, h, _)` as a lossy WebP (quality 80).
pub fn webp_lossy(w: usize, h: usize) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(w * h * 3);
    let mut row = Vec::with_capacity(w * 3);
    for y in 0..h {
        photo_row(y, w, &mut row);
        rgb.extend_from_slice(&row);
    }
    webp_lossy_of(&rgb, w, h, 3, 80.0)
}

/// A progressive JPEG whose last scan is repeated until it has `scans` scans.
pub fn jpeg_with_scans(scans: usize) -> Vec<u8> {
    let base = jpeg(160, 120, true);
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

/// A BMP header claiming `w x h` (24-bit) with no pixel data behind it.
pub fn bmp_header(w: i32, h: i32) -> Vec<u8> {
    let mut bmp = b"BM".to_vec();
    let size = 54 + (w as u32 * 3) * h as u32;
    bmp.extend_from_slice(&size.to_le_bytes());
    bmp.extend_from_slice(&[0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0]);
    bmp.extend_from_slice(&w.to_le_bytes());
    bmp.extend_from_slice(&h.to_le_bytes());
    bmp.extend_from_slice(&[1, 0, 24, 0]);
    bmp.extend_from_slice(&[0; 24]);
    bmp
}

/// A valid 1-bit (two-colour palette) BMP of `w x h`, bottom-up: 8 MB at 64 MP, which the
/// decoder expands to 192 MB of RGB when it decodes the whole frame.
pub fn bmp_1bit(w: u32, h: u32) -> Vec<u8> {
    let stride = (w as usize).div_ceil(32) * 4;
    let offset = 14 + 40 + 8;
    let size = offset + stride * h as usize;
    let mut bmp = b"BM".to_vec();
    bmp.extend_from_slice(&(size as u32).to_le_bytes());
    bmp.extend_from_slice(&[0, 0, 0, 0]);
    bmp.extend_from_slice(&(offset as u32).to_le_bytes());
    bmp.extend_from_slice(&40u32.to_le_bytes());
    bmp.extend_from_slice(&(w as i32).to_le_bytes());
    bmp.extend_from_slice(&(h as i32).to_le_bytes());
    bmp.extend_from_slice(&[1, 0, 1, 0]); // planes, 1 bit a pixel
    bmp.extend_from_slice(&[0; 4]); // BI_RGB
    bmp.extend_from_slice(&((stride * h as usize) as u32).to_le_bytes());
    bmp.extend_from_slice(&[0; 8]); // resolution
    bmp.extend_from_slice(&2u32.to_le_bytes()); // colours used
    bmp.extend_from_slice(&[0; 4]);
    bmp.extend_from_slice(&[20, 40, 60, 0, 230, 210, 190, 0]); // the palette (BGRx)
    for y in 0..h as usize {
        let start = bmp.len();
        bmp.resize(start + stride, 0);
        for x in 0..w as usize {
            if ((x / 301) + (y / 173)) % 3 == 0 || (x * 7 + y * 3) % 11 < 2 {
                bmp[start + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    bmp
}
