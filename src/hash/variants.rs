//! The query side of resharing: hash the whole decoded image and every region
//! [`crate::media::reframe::regions`] finds in it (border trimmed, picture inside a screenshot
//! or above a caption), PDQ with all eight rotations/flips each, so the scanner queries them all.
//! Each of them is also hashed with thin margins cut off ([`Reframe::Inset`], 1.25% to 5% a
//! side): a copy whose edges were cropped then lands near one of the crops the list holds
//! (`hash::augment`). An ordinary photo has no extra region, so it costs five PDQs (measured
//! against one PDQ by `benches/pdq.rs`).

use crate::hash::{pdq, perceptual};
use crate::media::reframe::{self, Rect, Reframe};
use crate::media::Pixels;

/// The hashes of one region of an image.
#[derive(Debug, Clone)]
pub struct HashedRegion {
    /// How the region was found ([`Reframe::Whole`] for the whole image).
    pub reframe: Reframe,
    /// Where it is in the decoded image.
    pub rect: Rect,
    /// PDQ of the region and its seven rotations/flips, with quality.
    pub pdq: pdq::PdqDihedral,
    /// `imagehash`-compatible pHash of the region, when asked for.
    pub phash: Option<u64>,
}

/// Hashes the whole image and each reframed region (whole first). `with_phash` also computes
/// each region's pHash (skipped when no list holds pHashes).
///
/// ```
/// use preflight::media::{reframe::Reframe, Pixels};
/// let img = image::GrayImage::from_fn(160, 120, |x, y| {
///     let inside = (20..140).contains(&x) && (20..100).contains(&y);
///     image::Luma([if inside { ((x * 7 + y * 13) % 200) as u8 } else { 255 }])
/// });
/// let all = preflight::hash::variants::hash_regions(&Pixels::Luma8(img), false).unwrap();
/// assert_eq!(all[0].reframe, Reframe::Whole);
/// assert_eq!(all[1].reframe, Reframe::TrimBorder);
/// ```
pub fn hash_regions(
    pixels: &Pixels,
    with_phash: bool,
) -> Result<Vec<HashedRegion>, pdq::PixelSizeError> {
    let whole = Rect {
        x: 0,
        y: 0,
        w: pixels.width(),
        h: pixels.height(),
    };
    let mut out = vec![HashedRegion {
        reframe: Reframe::Whole,
        rect: whole,
        pdq: pdq::hash_pixels(pixels.as_pdq_input())?,
        phash: with_phash.then(|| perceptual::hash_pixels(pixels).phash),
    }];
    for (how, rect) in reframe::regions(pixels) {
        let region = reframe::crop(pixels, rect);
        out.push(HashedRegion {
            reframe: how,
            rect,
            pdq: pdq::hash_pixels(region.as_pdq_input())?,
            phash: with_phash.then(|| perceptual::hash_pixels(&region).phash),
        });
    }
    // Insets: PDQ only (pHash, which warns alone, gains nothing from more candidates but false
    // warnings).
    let framed: Vec<Rect> = out.iter().map(|r| r.rect).collect();
    for rect in framed {
        for per_mille in reframe::INSETS_PER_MILLE {
            let inner = reframe::inset(rect, per_mille);
            if inner.w < reframe::MIN_SIDE || inner.h < reframe::MIN_SIDE {
                continue;
            }
            out.push(HashedRegion {
                reframe: Reframe::Inset,
                rect: inner,
                pdq: pdq::hash_pixels(reframe::crop(pixels, inner).as_pdq_input())?,
                phash: None,
            });
        }
    }
    Ok(out)
}
