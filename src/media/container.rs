//! Container-level checks run before any decoder sees the bytes: is the file complete, and
//! what size does it claim?
//!
//! Policy for incomplete files: decode what is there and flag it (`DecodedImage::partial`,
//! see `media::partial`). A JPEG cut after its headers, inside or after the scan data, is
//! repaired by [`jpeg_repair`] (an end-of-image marker is appended) and a PNG that ends before
//! IEND is reported by [`png`] so its complete rows are decoded. Refusing such files (the
//! previous policy) let anyone evade every list by dropping the last two bytes, while every
//! viewer still shows the picture. A file cut inside its headers has no picture and is still
//! refused with a clear message, as is a truncated WebP.

use super::MediaError;

fn corrupt(format: &'static str, detail: &str) -> MediaError {
    MediaError::Corrupt {
        format,
        detail: detail.to_string(),
        cause: None,
    }
}

/// JPEG: walks the marker segments to the first start-of-scan, noting the frame size from the
/// SOFn segment, then requires an end-of-image marker after the scan data (an EXIF thumbnail
/// sits in APP1, before the scan, so its own end marker cannot be mistaken for the image's).
/// Returns the claimed `(width, height)`.
pub(super) fn jpeg(bytes: &[u8]) -> Result<(u32, u32), MediaError> {
    const J: &str = "JPEG";
    let headers_cut = || corrupt(J, "truncated in the headers (no image data)");
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return Err(corrupt(J, "missing start-of-image marker"));
    }
    let mut size = None;
    let mut i = 2usize;
    loop {
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1; // fill bytes
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(i), bytes.get(i + 1)) else {
            return Err(headers_cut());
        };
        i += 2;
        if matches!(marker, 0xD0..=0xD7 | 0x01) {
            continue; // markers without a length
        }
        if marker == 0xD9 {
            return Err(corrupt(J, "end-of-image marker before any image data"));
        }
        let (Some(&hi), Some(&lo)) = (bytes.get(i), bytes.get(i + 1)) else {
            return Err(headers_cut());
        };
        let len = usize::from(hi) << 8 | usize::from(lo);
        if len < 2 || i + len > bytes.len() {
            return Err(headers_cut());
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof && len >= 7 {
            let h = u32::from(bytes[i + 3]) << 8 | u32::from(bytes[i + 4]);
            let w = u32::from(bytes[i + 5]) << 8 | u32::from(bytes[i + 6]);
            size = Some((w, h));
        }
        i += len;
        if marker == 0xDA {
            break;
        }
    }
    let Some(size) = size else {
        return Err(corrupt(J, "no frame header (SOF) before the image data"));
    };
    if bytes[i..].windows(2).any(|w| w == [0xFF, 0xD9]) {
        Ok(size)
    } else {
        Err(corrupt(
            J,
            "truncated: the image data ends without an end-of-image marker",
        ))
    }
}

/// A truncated JPEG made decodable: when the headers are complete up to the first scan but no
/// end-of-image marker follows the scan data, returns the bytes with one appended (a dangling
/// `0xFF` dropped first), which libjpeg decodes up to the cut. `None` for a complete file and
/// for a file cut inside its headers (which [`jpeg`] refuses).
pub(super) fn jpeg_repair(bytes: &[u8]) -> Option<Vec<u8>> {
    match jpeg(bytes) {
        Err(MediaError::Corrupt { detail, .. }) if detail.starts_with("truncated: ") => {
            let body = bytes.strip_suffix(&[0xFF]).unwrap_or(bytes);
            let mut out = Vec::with_capacity(body.len() + 2);
            out.extend_from_slice(body);
            out.extend_from_slice(&[0xFF, 0xD9]);
            Some(out)
        }
        _ => None,
    }
}

/// PNG: walks the chunks (length, type, data, CRC). `Ok(true)` when the IEND chunk is there,
/// `Ok(false)` when the file ends before it (the caller decodes the complete rows).
pub(super) fn png(bytes: &[u8]) -> Result<bool, MediaError> {
    let mut i = 8usize;
    while i + 8 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
        let kind = &bytes[i + 4..i + 8];
        let end = i.saturating_add(12).saturating_add(len);
        if end > bytes.len() {
            break;
        }
        if kind == b"IEND" {
            return Ok(true);
        }
        i = end;
    }
    Ok(false)
}

/// The size a PNG (IHDR) or GIF (logical screen) header claims, read straight from the bytes,
/// so a limit error names it even when the decoder refused the header itself.
pub(super) fn claimed_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let be = |i: usize| {
        bytes
            .get(i..i + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let le16 = |i: usize| {
        bytes
            .get(i..i + 2)
            .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
    };
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        return Some((be(16)?, be(20)?));
    }
    if bytes.starts_with(b"GIF8") {
        return Some((le16(6)?, le16(8)?));
    }
    None
}

/// WebP: the RIFF header states the file length.
pub(super) fn webp(bytes: &[u8]) -> Result<(), MediaError> {
    let Some(len) = bytes.get(4..8) else {
        return Err(corrupt("WebP", "truncated RIFF header"));
    };
    let stated = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    if stated.saturating_add(8) > bytes.len() {
        return Err(corrupt(
            "WebP",
            "truncated: the file is shorter than its RIFF header states",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_walk_finds_size_and_truncation() {
        // SOI, SOF0 (8x16), SOS, data, no EOI.
        let mut f = vec![
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 8, 0x00, 16, 0x00, 8, 1, 1, 0x11, 0,
        ];
        f.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 4]);
        assert!(jpeg(&f).is_err());
        let repaired = jpeg_repair(&f).unwrap();
        assert_eq!(jpeg(&repaired).unwrap(), (8, 16));
        f.extend_from_slice(&[0xFF, 0xD9]);
        assert_eq!(jpeg(&f).unwrap(), (8, 16));
        assert!(jpeg_repair(&f).is_none());
        assert!(
            jpeg_repair(&f[..5]).is_none(),
            "cut in the headers: no picture, no repair"
        );
        assert!(jpeg(&[0xFF, 0xD8, 0xFF]).is_err());
        assert!(jpeg(b"not a jpeg").is_err());
    }

    #[test]
    fn claimed_sizes_of_png_and_gif_headers() {
        let mut p = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        p.extend_from_slice(&70000u32.to_be_bytes());
        p.extend_from_slice(&3u32.to_be_bytes());
        assert_eq!(claimed_size(&p), Some((70000, 3)));
        assert_eq!(claimed_size(b"GIF89a\x40\x1f\x40\x1f"), Some((8000, 8000)));
        assert_eq!(claimed_size(b"GIF89a\x40"), None);
    }

    #[test]
    fn png_needs_iend() {
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        p.extend_from_slice(&[0, 0, 0, 0, b'I', b'D', b'A', b'T', 0, 0, 0, 0]);
        assert!(!png(&p).unwrap());
        p.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
        assert!(png(&p).unwrap());
    }
}
