//! NudeNet `320n` detector (YOLOv8n, AGPL-3.0) as packaged by PyPI `nudenet==3.4.2`.
//!
//! Opt-in only: the model is AGPL-3.0, so it is never bundled; the integrator fetches it and passes
//! its path (see models/README.md). This module reproduces `nudenet.NudeDetector.detect`:
//! - letterbox: pad the image bottom/right with black to a square, resize to 320x320 with OpenCV's
//!   `INTER_LINEAR`, scale to 0..1, NCHW. NudeNet's `cv2.cvtColor(RGBA2BGR)` followed by
//!   `blobFromImage(swapRB=True)` swaps the channels twice, so the model is fed **BGR**.
//! - decode the `[1, 22, 2100]` output: per anchor `cx, cy, w, h` and 18 class scores; keep the
//!   best class if its score is >= 0.2, map the box back to image pixels and clip it.
//! - `cv2.dnn.NMSBoxes(score > 0.25, IoU > 0.45)`: greedy, highest score first.
//! - map the 18 labels to our categories: exposed genitalia, anus, buttocks and female breasts are
//!   [`Category::Nudity`]; covered parts, faces, feet, armpits, bellies and male breasts carry no
//!   category (they are reported, not counted).

use super::error::ClassifyError;
use super::resample::cv_linear_resize;
use super::runtime::{tensor_f32, Model, Runtime};
use super::{Category, ClassifierSignal};
use image::RgbImage;
use serde::Serialize;
use std::path::Path;

/// The model name used in errors and evidence.
pub const MODEL_NAME: &str = "nudenet_320n";
/// The reference `NMSBoxes` score threshold: detections must score above it.
pub const DEFAULT_MIN_SCORE: f32 = 0.25;
/// The reference pre-NMS candidate threshold.
const CANDIDATE_SCORE: f32 = 0.2;
/// The reference NMS IoU threshold.
const NMS_IOU: f32 = 0.45;
const SIZE: usize = 320;
const CHANNELS: usize = 4 + LABELS.len();

/// NudeNet's 18 labels in model output order.
pub const LABELS: [&str; 18] = [
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
];

/// The category a NudeNet label counts towards, if any.
pub fn label_category(label: &str) -> Option<Category> {
    match label {
        "BUTTOCKS_EXPOSED"
        | "FEMALE_BREAST_EXPOSED"
        | "FEMALE_GENITALIA_EXPOSED"
        | "MALE_GENITALIA_EXPOSED"
        | "ANUS_EXPOSED" => Some(Category::Nudity),
        _ => None,
    }
}

/// A box in image pixels: top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BoundingBox {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl BoundingBox {
    fn iou(&self, o: &BoundingBox) -> f32 {
        let ix = (self.x + self.w).min(o.x + o.w) - self.x.max(o.x);
        let iy = (self.y + self.h).min(o.y + o.h) - self.y.max(o.y);
        let inter = if ix > 0.0 && iy > 0.0 { ix * iy } else { 0.0 };
        let union = self.w * self.h + o.w * o.h - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }
}

/// One NudeNet detection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    /// The model (`nudenet_320n`).
    pub model: String,
    /// The NudeNet label, e.g. `FACE_FEMALE`.
    pub label: String,
    /// The category the label counts towards, if any.
    pub category: Option<Category>,
    /// The class score, 0..=1.
    pub score: f32,
    /// Where, in pixels of the classified image.
    pub bbox: BoundingBox,
}

impl Detection {
    /// This detection as a signal, if its label maps to a category.
    pub fn signal(&self) -> Option<ClassifierSignal> {
        self.category.map(|category| ClassifierSignal {
            category,
            score: self.score,
            model: self.model.clone(),
            label: self.label.clone(),
        })
    }
}

/// Build the model input for `image`: `[3, 320, 320]` BGR in 0..1, plus the letterbox side.
pub fn preprocess(image: &RgbImage) -> Result<(Vec<f32>, usize), ClassifyError> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w == 0 || h == 0 {
        return Err(ClassifyError::Image {
            reason: format!("image is {w}x{h}"),
        });
    }
    if image.as_raw().len() != w * h * 3 {
        return Err(ClassifyError::Image {
            reason: "pixel buffer does not match the dimensions".into(),
        });
    }
    let side = w.max(h);
    let resized = cv_linear_resize(image.as_raw(), (w, h), side, SIZE);
    let plane = SIZE * SIZE;
    let mut out = vec![0f32; 3 * plane];
    for (i, px) in resized.chunks_exact(3).enumerate() {
        // BGR planes (see the module doc).
        out[i] = f32::from(px[2]) / 255.0;
        out[plane + i] = f32::from(px[1]) / 255.0;
        out[2 * plane + i] = f32::from(px[0]) / 255.0;
    }
    Ok((out, side))
}

/// Decode a `[22, anchors]` output (row-major, channel first) into detections for an image of
/// `w` x `h` letterboxed to `side`, then apply the score threshold and NMS.
fn decode(
    out: &[f32],
    anchors: usize,
    (w, h): (usize, usize),
    side: usize,
    min_score: f32,
) -> Vec<(usize, f32, BoundingBox)> {
    let (wf, hf) = (w as f32, h as f32);
    let scale = side as f32 / SIZE as f32;
    let mut cands: Vec<(usize, f32, BoundingBox)> = Vec::new();
    for a in 0..anchors {
        let at = |c: usize| out.get(c * anchors + a).copied().unwrap_or(0.0);
        let (mut best, mut best_score) = (0usize, f32::NEG_INFINITY);
        for c in 0..LABELS.len() {
            let s = at(4 + c);
            if s > best_score {
                best = c;
                best_score = s;
            }
        }
        if best_score < CANDIDATE_SCORE {
            continue;
        }
        let (cx, cy, bw, bh) = (at(0), at(1), at(2), at(3));
        let x = ((cx - bw / 2.0) * scale).clamp(0.0, wf);
        let y = ((cy - bh / 2.0) * scale).clamp(0.0, hf);
        let bw = (bw * scale).min(wf - x);
        let bh = (bh * scale).min(hf - y);
        cands.push((best, best_score, BoundingBox { x, y, w: bw, h: bh }));
    }
    // cv2.dnn.NMSBoxes: keep score > threshold, stable sort by score descending, greedy IoU.
    cands.retain(|c| c.1 > min_score);
    cands.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut kept: Vec<(usize, f32, BoundingBox)> = Vec::new();
    for c in cands {
        if kept.iter().all(|k| k.2.iou(&c.2) <= NMS_IOU) {
            kept.push(c);
        }
    }
    kept
}

/// A loaded NudeNet model.
pub(crate) struct NudeNet {
    model: Model,
    input: String,
    min_score: f32,
}

impl NudeNet {
    /// Load the model at `path` and check it takes `[N, 3, 320, 320]`.
    pub(crate) fn load(
        runtime: &Runtime,
        path: &Path,
        min_score: f32,
    ) -> Result<Self, ClassifyError> {
        let model = Model::load(runtime, MODEL_NAME, path)?;
        let (input, shape) = model.first_input()?;
        let ok = shape.len() == 4
            && shape[1] == 3
            && shape[2..].iter().all(|&d| d == SIZE as i64 || d < 0);
        if !ok {
            return Err(model.shape_error(format!(
                "input {input} has shape {shape:?}, expected [N, 3, 320, 320]"
            )));
        }
        Ok(Self {
            model,
            input,
            min_score,
        })
    }

    /// Detect in one image.
    pub(crate) fn detect(&self, image: &RgbImage) -> Result<Vec<Detection>, ClassifyError> {
        let (data, side) = preprocess(image)?;
        let tensor = tensor_f32(&self.model, &[1, 3, SIZE, SIZE], &data)?;
        let out = self.model.run(vec![(self.input.clone(), tensor)])?;
        let anchors = match out.shape.as_slice() {
            [1, c, n] if *c == CHANNELS as i64 && *n > 0 => *n as usize,
            s => {
                return Err(self
                    .model
                    .shape_error(format!("output has shape {s:?}, expected [1, 22, anchors]")))
            }
        };
        if out.data.len() != CHANNELS * anchors {
            return Err(self
                .model
                .shape_error("output length does not match its shape"));
        }
        let dims = (image.width() as usize, image.height() as usize);
        Ok(decode(&out.data, anchors, dims, side, self.min_score)
            .into_iter()
            .map(|(class, score, bbox)| {
                let label = LABELS.get(class).copied().unwrap_or("UNKNOWN");
                Detection {
                    model: self.model.name().to_string(),
                    label: label.to_string(),
                    category: label_category(label),
                    score,
                    bbox,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `[22, n]` output with the given (cx, cy, w, h, class, score) anchors.
    fn output(anchors: &[(f32, f32, f32, f32, usize, f32)]) -> Vec<f32> {
        let n = anchors.len();
        let mut out = vec![0f32; CHANNELS * n];
        for (a, &(cx, cy, w, h, class, score)) in anchors.iter().enumerate() {
            out[a] = cx;
            out[n + a] = cy;
            out[2 * n + a] = w;
            out[3 * n + a] = h;
            out[(4 + class) * n + a] = score;
        }
        out
    }

    #[test]
    fn decode_scales_clips_and_suppresses_overlaps() {
        let out = output(&[
            (100.0, 100.0, 40.0, 40.0, 1, 0.9), // kept
            (102.0, 101.0, 40.0, 40.0, 1, 0.8), // overlaps the first: suppressed
            (300.0, 300.0, 60.0, 60.0, 4, 0.5), // near the corner: clipped
            (200.0, 50.0, 10.0, 10.0, 2, 0.22), // candidate but below 0.25
        ]);
        // 640x480 image letterboxed to 640: scale 2.
        let got = decode(&out, 4, (640, 480), 640, DEFAULT_MIN_SCORE);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, 1);
        assert_eq!(
            got[0].2,
            BoundingBox {
                x: 160.0,
                y: 160.0,
                w: 80.0,
                h: 80.0
            }
        );
        assert_eq!(got[1].0, 4);
        let b = got[1].2;
        assert_eq!((b.x, b.y), (540.0, 480.0));
        assert_eq!((b.w, b.h), (100.0, 0.0));
    }

    #[test]
    fn labels_map_to_nudity_only_when_exposed_and_intimate() {
        assert_eq!(
            label_category("FEMALE_GENITALIA_EXPOSED"),
            Some(Category::Nudity)
        );
        assert_eq!(label_category("FACE_FEMALE"), None);
        assert_eq!(label_category("FEMALE_BREAST_COVERED"), None);
        assert_eq!(
            LABELS
                .iter()
                .filter(|l| label_category(l).is_some())
                .count(),
            5
        );
    }

    #[test]
    fn tiny_and_extreme_aspect_images_preprocess() {
        for (w, h) in [(1, 1), (1, 1000), (1000, 1), (3, 7)] {
            let img = RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
            let (data, side) = preprocess(&img).unwrap();
            assert_eq!((data.len(), side), (3 * 320 * 320, w.max(h) as usize));
            assert!(data.iter().all(|v| (0.0..=1.0).contains(v)));
        }
        assert!(matches!(
            preprocess(&RgbImage::new(5, 0)),
            Err(ClassifyError::Image { .. })
        ));
    }

    #[test]
    fn preprocess_feeds_bgr_planes_with_black_padding() {
        let img = RgbImage::from_pixel(640, 320, image::Rgb([255, 0, 51]));
        let (data, side) = preprocess(&img).unwrap();
        assert_eq!(side, 640);
        let plane = SIZE * SIZE;
        // Top-left pixel: B plane = 51/255, R plane = 1.0; bottom rows are padding.
        assert!((data[0] - 0.2).abs() < 1e-6);
        assert_eq!(data[2 * plane], 1.0);
        assert_eq!(data[plane - 1], 0.0);
    }
}
