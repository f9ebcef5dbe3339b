//! pHash and dHash through `image_hasher` (the maintained fork of img_hash), configured the
//! way the wider ecosystem computes them: 64-bit hashes, pHash = DCT-preprocessed mean hash,
//! dHash = horizontal gradient hash. Rendered as 16 hex digits (big-endian).

use image::DynamicImage;
use image_hasher::{HashAlg, HasherConfig};
use serde::Serialize;

/// The two 64-bit perceptual hashes of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PerceptualHashes {
    /// pHash: 8x8 low frequencies of a 32x32 DCT, thresholded at their mean.
    pub phash: u64,
    /// dHash: signs of horizontal gradients on a 9x8 thumbnail.
    pub dhash: u64,
}

fn to_u64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}

/// Computes pHash and dHash.
pub fn hash(img: &DynamicImage) -> PerceptualHashes {
    let phasher = HasherConfig::new()
        .hash_size(8, 8)
        .hash_alg(HashAlg::Mean)
        .preproc_dct()
        .to_hasher();
    let dhasher = HasherConfig::new()
        .hash_size(8, 8)
        .hash_alg(HashAlg::Gradient)
        .to_hasher();
    PerceptualHashes {
        phash: to_u64(phasher.hash_image(img).as_bytes()),
        dhash: to_u64(dhasher.hash_image(img).as_bytes()),
    }
}

/// 16 lowercase hex digits.
pub fn hex64(v: u64) -> String {
    format!("{v:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, flip: bool) -> DynamicImage {
        DynamicImage::ImageLuma8(image::GrayImage::from_fn(w, h, |x, y| {
            let v = ((x * 255) / w + (y * 40) / h) as u8;
            image::Luma([if flip { 255 - v } else { v }])
        }))
    }

    #[test]
    fn resizing_barely_moves_the_hashes_and_inversion_does() {
        let a = hash(&gradient(256, 256, false));
        let b = hash(&gradient(180, 180, false));
        let c = hash(&gradient(256, 256, true));
        assert!((a.phash ^ b.phash).count_ones() <= 6);
        assert!((a.dhash ^ b.dhash).count_ones() <= 6);
        assert!((a.dhash ^ c.dhash).count_ones() >= 32);
    }
}
