//! Animated images at their canvas caps (issue 12 item 5): time per frame of our frame
//! iterator (`AnimationFrames`: row-wise GIF and APNG compositing on PDQ's sample, `image-webp`
//! for WebP), against the baseline measured in the same run: the same files through the `image`
//! crate's `AnimationDecoder` with every frame made RGB (what `AnimationFrames` did before).
//!
//! - `animation/{gif,apng}_4000x4000x4/{ours,image}`: four full-canvas frames at the 16 MP cap;
//! - `animation/webp_2048x1024x4/{ours,image}`: four lossless frames at the 2 MP WebP cap.
//!
//! `per_frame_report` prints ms per frame and the ratio, best of 5 each, interleaved. Machines
//! shared with other jobs: read `uptime` alongside.

use criterion::{criterion_group, criterion_main, Criterion};
use image::codecs::{gif::GifDecoder, png::PngDecoder, webp::WebPDecoder};
use image::{AnimationDecoder, DynamicImage, RgbaImage};
use preflight::media::animation::{sniff, AnimationFrames};
use std::borrow::Cow;
use std::hint::black_box;
use std::io::Cursor;
use std::time::{Duration, Instant};

const FRAMES: u32 = 4;

/// Palette index of pixel (x, y) of frame `f`: blocks that move from frame to frame.
fn index(x: u32, y: u32, f: u32) -> u8 {
    (((x + f * 31) / 41 * 5 + (y + f * 17) / 37 * 3) % 16) as u8
}

fn colour(i: u8) -> [u8; 3] {
    let i = u32::from(i);
    [(i * 53) as u8, (i * 97) as u8, (i * 151) as u8]
}

fn gif(w: u32, h: u32) -> Vec<u8> {
    let palette: Vec<u8> = (0..16).flat_map(colour).collect();
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, w as u16, h as u16, &palette).expect("gif");
        for f in 0..FRAMES {
            let buffer: Vec<u8> = (0..h)
                .flat_map(|y| (0..w).map(move |x| index(x, y, f)))
                .collect();
            let frame = gif::Frame {
                delay: 100,
                width: w as u16,
                height: h as u16,
                buffer: Cow::Owned(buffer),
                ..gif::Frame::default()
            };
            enc.write_frame(&frame).expect("gif frame");
        }
    }
    out
}

fn rgba(w: u32, h: u32, f: u32) -> RgbaImage {
    RgbaImage::from_fn(w, h, |x, y| {
        let [r, g, b] = colour(index(x, y, f));
        image::Rgba([r, g, b, if x % 97 == 0 { 128 } else { 255 }])
    })
}

fn apng(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_compression(png::Compression::Fast);
    enc.set_animated(FRAMES, 0).expect("apng");
    let mut wr = enc.write_header().expect("png header");
    for f in 0..FRAMES {
        wr.set_frame_delay(1, 1).expect("delay");
        wr.write_image_data(rgba(w, h, f).as_raw())
            .expect("png frame");
    }
    wr.finish().expect("png");
    out
}

fn chunk(out: &mut Vec<u8>, tag: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(tag);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

fn webp(w: u32, h: u32) -> Vec<u8> {
    let u24 = |v: u32| v.to_le_bytes()[..3].to_vec();
    let mut body = Vec::new();
    chunk(
        &mut body,
        b"VP8X",
        &[[0x12, 0, 0, 0].to_vec(), u24(w - 1), u24(h - 1)].concat(),
    );
    chunk(&mut body, b"ANIM", &[255, 255, 255, 255, 0, 0]);
    for f in 0..FRAMES {
        let mut still = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut still)
            .encode(
                rgba(w, h, f).as_raw(),
                w,
                h,
                image::ExtendedColorType::Rgba8,
            )
            .expect("webp frame");
        let head = [u24(0), u24(0), u24(w - 1), u24(h - 1), u24(1000), vec![0]].concat();
        chunk(&mut body, b"ANMF", &[head, still[12..].to_vec()].concat());
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    out
}

/// Every frame through `AnimationFrames` (what the scanner hashes).
fn ours(bytes: &[u8]) -> usize {
    let kind = sniff(bytes).expect("an animation");
    AnimationFrames::open(bytes, kind, &Default::default(), &Default::default())
        .expect("open")
        .map(|f| f.expect("frame").pixels.width() as usize)
        .sum()
}

/// Every frame through `image`'s `AnimationDecoder`, made RGB (the baseline).
fn with_image(bytes: &[u8]) -> usize {
    let c = Cursor::new(bytes);
    let frames = match sniff(bytes).expect("an animation") {
        preflight::media::animation::AnimationKind::Gif => {
            GifDecoder::new(c).expect("gif").into_frames()
        }
        preflight::media::animation::AnimationKind::Apng => PngDecoder::new(c)
            .expect("png")
            .apng()
            .expect("apng")
            .into_frames(),
        _ => WebPDecoder::new(c).expect("webp").into_frames(),
    };
    frames
        .map(|f| {
            let rgb = DynamicImage::ImageRgba8(f.expect("frame").into_buffer()).into_rgb8();
            rgb.width() as usize
        })
        .sum()
}

fn cases() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("gif_4000x4000x4", gif(4000, 4000)),
        ("apng_4000x4000x4", apng(4000, 4000)),
        ("webp_2048x1024x4", webp(2048, 1024)),
    ]
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("animation");
    g.measurement_time(Duration::from_secs(10)).sample_size(10);
    for (name, bytes) in cases() {
        g.bench_function(format!("{name}/ours"), |b| {
            b.iter(|| ours(black_box(&bytes)))
        });
        g.bench_function(format!("{name}/image"), |b| {
            b.iter(|| with_image(black_box(&bytes)))
        });
    }
    g.finish();
}

fn best_ms(f: &mut impl FnMut() -> usize) -> f64 {
    let t = Instant::now();
    black_box(f());
    t.elapsed().as_secs_f64() * 1000.0
}

/// Per frame, best of 5 each, interleaved so that a busy neighbour hits both alike.
fn per_frame_report(_c: &mut Criterion) {
    for (name, bytes) in cases() {
        let (mut a, mut b) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..5 {
            a = a.min(best_ms(&mut || ours(&bytes)));
            b = b.min(best_ms(&mut || with_image(&bytes)));
        }
        let n = f64::from(FRAMES);
        println!(
            "per_frame_report: {name}: ours {:.1} ms a frame, image {:.1} ms a frame, ratio {:.2}",
            a / n,
            b / n,
            a / b
        );
    }
}

criterion_group!(benches, bench, per_frame_report);
criterion_main!(benches);
