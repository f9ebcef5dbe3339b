//! A single-item HEIC (HEVC) or AVIF (AV1) primary image decoded by FFmpeg (features `heif`
//! and `video`): the item's bitstream (`heif_item`) goes to libavcodec's `hevc` decoder or to
//! dav1d (`libdav1d`) as one packet, on one thread, and the one frame it returns is converted
//! row by row into the sink (its `clap` window cut there) with the colour conversion libheif's
//! path uses. FFmpeg then holds
//! that one frame (1.5 bytes a pixel at 8-bit 4:2:0) and its per-picture tables, where libheif
//! 1.15 holds the decoder's picture and its own copy of it.
//!
//! Every size the decoder allocates for is checked first: each HEVC sequence parameter set's
//! picture size against the limits and [`FRAME_BUDGET`], and FFmpeg's `max_pixels` (dav1d's
//! frame size limit) set to the most pixels the budget allows at the bit depth the item's
//! configuration declares. (An AV1 sequence header declaring more bits than its `av1C` is not
//! caught before dav1d allocates: at most a 17.8 MP frame of 16-bit samples, 53 MB.)

use super::heif::with_libheif::{feed_planes, Colour, Primary, Samples, NAME, PLANES_BUDGET};
use super::heif_item::{av1_packet, hevc_packet, Codec, ItemPlan};
use super::sample::{should_sample, RowSink};
use super::{check_dims, check_whole_frame, DecodeLimits, DecodedImage, MediaError};
use ff::format::Pixel;
use ffmpeg_next as ff;

/// The decoder's frame (8-bit 4:2:0: 1.5 bytes a pixel; 10 to 16 bits: 3) and its per-picture
/// tables (motion fields, deblocking and SAO state), counted as 2 bytes a pixel (4 above 8
/// bits), are allowed up to this many bytes (17.8 MP at 8 bits), so that hashing stays
/// within 48 MB of growth: FFmpeg's HEVC decoder grew 33.0 MB at 12.2 MP and 51.0 MB at
/// 21.0 MP (2.2 bytes a pixel and 7 MB besides), dav1d 30.6 and 46.7 MB.
pub(super) const FRAME_BUDGET: u64 = 34 << 20;

/// Bytes a pixel the decoder holds for a picture of luma bit depth `bits`.
fn bytes_per_pixel(bits: u32) -> u64 {
    if bits > 8 {
        4
    } else {
        2
    }
}

fn ffmpeg_failed(e: ff::Error) -> MediaError {
    MediaError::Corrupt {
        format: NAME,
        detail: format!("FFmpeg could not decode the image item: {e}"),
        cause: Some(Box::new(e)),
    }
}

fn refused(e: impl std::fmt::Display) -> MediaError {
    MediaError::Corrupt {
        format: NAME,
        detail: e.to_string(),
        cause: None,
    }
}

/// The packet for `plan`'s item, every size it declares checked.
fn packet(
    bytes: &[u8],
    plan: &ItemPlan,
    primary: &Primary,
    limits: &DecodeLimits,
) -> Result<Vec<u8>, MediaError> {
    let declared = (primary.width, primary.height);
    check_whole_frame(NAME, declared, bytes_per_pixel(8), FRAME_BUDGET)?;
    match plan.codec {
        Codec::Hevc => {
            let (packet, sps) = hevc_packet(bytes, plan).map_err(refused)?;
            for s in sps {
                check_dims(s.width, s.height, limits)?;
                check_whole_frame(
                    NAME,
                    (s.width, s.height),
                    bytes_per_pixel(s.bits),
                    FRAME_BUDGET,
                )?;
            }
            Ok(packet)
        }
        Codec::Av1 => av1_packet(bytes, plan).map_err(refused),
    }
}

/// FFmpeg's decoder for `codec`, opened on one thread with `max_pixels`.
fn open(codec: Codec, max_pixels: u64) -> Result<ff::decoder::Video, MediaError> {
    ff::init().map_err(ffmpeg_failed)?;
    // As the video path does: FFmpeg's own log lines (dav1d's version banner, a broken NAL
    // unit's warning) would go to the host's stderr; failures come back as errors.
    ff::util::log::set_level(ff::util::log::Level::Fatal);
    let found = match codec {
        Codec::Hevc => ff::decoder::find(ff::codec::Id::HEVC),
        // FFmpeg's own `av1` decoder needs a hardware accelerator.
        Codec::Av1 => ff::decoder::find_by_name("libdav1d"),
    };
    let found = found.ok_or_else(|| MediaError::Unsupported {
        format: NAME,
        detail: format!("this FFmpeg has no {codec:?} decoder"),
    })?;
    let mut ctx = ff::codec::Context::new_with_codec(found);
    ctx.set_threading(ff::threading::Config {
        kind: ff::threading::Type::Slice,
        count: 1,
        ..ff::threading::Config::default()
    });
    let mut options = ff::Dictionary::new();
    options.set("max_pixels", &max_pixels.to_string());
    options.set("threads", "1");
    ctx.decoder()
        .open_as_with(found, options)
        .and_then(|d| d.video())
        .map_err(ffmpeg_failed)
}

/// (grey, bit depth, two bytes a sample) of a frame format this path converts.
fn layout(format: Pixel) -> Option<(bool, u8, bool)> {
    use Pixel as P;
    Some(match format {
        P::YUV420P | P::YUVJ420P | P::YUV422P | P::YUVJ422P | P::YUV444P | P::YUVJ444P => {
            (false, 8, false)
        }
        P::GRAY8 => (true, 8, false),
        P::YUV420P10LE | P::YUV422P10LE | P::YUV444P10LE => (false, 10, true),
        P::YUV420P12LE | P::YUV422P12LE | P::YUV444P12LE => (false, 12, true),
        P::GRAY10LE => (true, 10, true),
        P::GRAY12LE => (true, 12, true),
        _ => return None,
    })
}

/// Decodes `plan`'s item with FFmpeg into the sink; the result as the whole decode gives it
/// (orientation applied).
pub(super) fn decode(
    bytes: &[u8],
    plan: &ItemPlan,
    primary: &Primary,
    limits: &DecodeLimits,
    for_hashing: bool,
) -> Result<DecodedImage, MediaError> {
    let packet = packet(bytes, plan, primary, limits)?;
    // No frame larger than this path accepts: FFmpeg refuses it before allocating (HEVC's
    // sizes are checked above too; dav1d takes this as its frame size limit). FFmpeg counts
    // the frame's width rounded up to its stride alignment (at most 64 columns more).
    let accepted = (FRAME_BUDGET / bytes_per_pixel(plan.config_bits(bytes))).min(limits.max_pixels);
    let max_pixels = accepted + 64 * u64::from(limits.max_dimension.min(1 << 16));
    let mut decoder = open(plan.codec, max_pixels.max(1))?;
    decoder
        .send_packet(&ff::Packet::copy(&packet))
        .map_err(ffmpeg_failed)?;
    drop(packet);
    decoder.send_eof().map_err(ffmpeg_failed)?;
    let mut frame = ff::frame::Video::empty();
    decoder.receive_frame(&mut frame).map_err(ffmpeg_failed)?;
    drop(decoder);
    let (w, h) = (frame.width(), frame.height());
    check_dims(w, h, limits)?;
    let (grey, bits, wide) = layout(frame.format()).ok_or_else(|| MediaError::Unsupported {
        format: NAME,
        detail: format!("FFmpeg decoded the item to {:?}", frame.format()),
    })?;
    let planes = if grey { 1 } else { 3 };
    if frame.planes() < planes {
        return Err(refused("the decoded frame lacks planes"));
    }
    let plane = |i: usize| {
        let s = Samples::of_plane(
            frame.data(i),
            frame.stride(i),
            (
                frame.plane_width(i) as usize,
                frame.plane_height(i) as usize,
            ),
            bits,
            wide,
        );
        s.little_endian()
    };
    let colour = if grey {
        Colour::Grey(plane(0))
    } else {
        Colour::Ycc(plane(0), plane(1), plane(2))
    };
    let picture = (w as usize, h as usize);
    let crop = plan
        .crop(bytes, picture)
        .ok_or_else(|| refused("the image item's clean aperture (clap) is empty"))?;
    let (cw, ch) = (crop.width as u32, crop.height as u32);
    let sample = for_hashing && should_sample(cw, ch);
    if !sample {
        check_whole_frame(NAME, (cw, ch), 3, PLANES_BUDGET)?;
    }
    let mut sink = RowSink::new(cw, ch, planes, plan.orientation, sample);
    let origin = (-(crop.left as isize), -(crop.top as isize));
    let size = (crop.width, crop.height);
    feed_planes(
        &colour,
        None,
        picture,
        &primary.ycc,
        &mut sink,
        origin,
        size,
    );
    drop(frame);
    let mut img = sink.finish();
    img.apply_orientation(plan.orientation);
    Ok(primary.decoded(img, sample))
}
