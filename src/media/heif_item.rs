//! A single-item HEIF/AVIF primary image (one `hvc1` or `av01` item, not a grid) as one
//! bitstream a video decoder takes as one packet, checked before any decoder sees it.
//!
//! libheif 1.15 decodes such an item whole and then copies the decoder's picture into its
//! own (two full frames at once, 56 MB of growth for a 12 MP HEIC), so with feature `video`
//! the item is decoded by FFmpeg instead (`heif.rs`), which holds only its one frame. This
//! module reads, from the boxes, what that needs ([`plan`]): the item's decoder configuration
//! (`hvcC` or `av1C`), its coded data, its `clap` crop and the orientation its `irot`/`imir`
//! give, and writes
//! the packet ([`hevc_packet`], [`av1_packet`]) as libheif passes it to its decoders: the
//! configuration's parameter sets (HEVC, in Annex B form) or configuration OBUs (AV1), then
//! the item's data.
//!
//! Hostile input: every size a decoder would allocate for is read here first. For HEVC that
//! is each sequence parameter set's picture size and bit depth ([`SpsInfo`]), which FFmpeg
//! allocates its per-picture tables for before it checks `max_pixels`; the caller checks them
//! against the limits. An item holding more than one picture (HEVC slices starting a new
//! picture, AV1 frame headers) is refused, since each would be a frame held at once in the
//! decoder's picture buffer. AV1 frame sizes are bounded by the decoder (`max_pixels`, which
//! FFmpeg passes to dav1d as its frame size limit).

use super::heif_grid::{
    clap_window, items, offset_in, orientation_and_crop, primary_id, tile, Crop,
};
use super::heif_refs::meta_body;
use image::metadata::Orientation;
use std::ops::Range;

/// Which decoder an item needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Codec {
    Hevc,
    Av1,
}

/// A single coded primary item, as [`plan`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ItemPlan {
    pub(super) codec: Codec,
    /// The body of its `hvcC` or `av1C` property.
    config: Range<usize>,
    /// Its coded data's extents.
    data: Vec<Range<usize>>,
    /// Its `irot`/`imir`, composed, as the EXIF orientation doing the same.
    pub(super) orientation: Orientation,
    /// The body of its `clap` crop, when it has one (before any `irot`/`imir`).
    clap: Option<Range<usize>>,
}

/// Why an item's bitstream is refused before decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refused {
    /// The configuration box or the data is cut short or malformed.
    Malformed(&'static str),
    /// The item holds more than one picture.
    Pictures(usize),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Malformed(what) => write!(f, "the image item's {what} is malformed"),
            Refused::Pictures(n) => write!(
                f,
                "the image item holds {n} pictures; a still image holds one"
            ),
        }
    }
}

/// The primary item when it is a single `hvc1` or `av01` image this module can hand to a
/// decoder whole; `None` otherwise (grids, overlays, other codecs, a `clap` crop after an
/// `irot`/`imir`, data that is not plainly in the file), which libheif then decodes.
pub(super) fn plan(file: &[u8]) -> Option<ItemPlan> {
    let meta = meta_body(file)?;
    let primary = primary_id(meta)?;
    let items = items(meta);
    let item = items.iter().find(|i| i.id == primary)?;
    let (codec, config_kind) = match &item.kind {
        b"hvc1" => (Codec::Hevc, b"hvcC"),
        b"av01" => (Codec::Av1, b"av1C"),
        _ => return None,
    };
    let coded = tile(file, meta, item)?;
    let config = coded
        .properties
        .iter()
        .find(|(kind, _, _)| kind == config_kind)?
        .1
        .clone();
    let (orientation, clap) = orientation_and_crop(meta, primary)?;
    let clap = match clap {
        Some(body) => {
            let start = offset_in(file, body)?;
            Some(start..start + body.len())
        }
        None => None,
    };
    Some(ItemPlan {
        codec,
        config,
        data: coded.data,
        orientation,
        clap,
    })
}

impl ItemPlan {
    /// The luma bit depth its configuration box declares (HEVC: `hvcC`'s bitDepthLumaMinus8;
    /// AV1: `av1C`'s high_bitdepth and twelve_bit); 16 when the box is too short to say.
    pub(super) fn config_bits(&self, file: &[u8]) -> u32 {
        let config = file.get(self.config.clone()).unwrap_or(&[]);
        match self.codec {
            Codec::Hevc => config.get(17).map_or(16, |b| u32::from(b & 7) + 8),
            Codec::Av1 => config.get(2).map_or(16, |&b| match (b & 0x40, b & 0x20) {
                (0, _) => 8,
                (_, 0) => 10,
                _ => 12,
            }),
        }
    }

    /// The window its `clap` cuts from the decoded `size` picture (all of it without one);
    /// `None` when libheif would refuse the crop.
    pub(super) fn crop(&self, file: &[u8], size: (usize, usize)) -> Option<Crop> {
        match &self.clap {
            Some(r) => clap_window(file.get(r.clone())?, size),
            None => Some(Crop {
                left: 0,
                top: 0,
                width: size.0,
                height: size.1,
            }),
        }
    }

    /// The configuration box body and the data extents, as slices of `file`.
    fn parts<'a>(&self, file: &'a [u8]) -> Option<(&'a [u8], Vec<&'a [u8]>)> {
        let config = file.get(self.config.clone())?;
        let data = self
            .data
            .iter()
            .map(|r| file.get(r.clone()))
            .collect::<Option<Vec<_>>>()?;
        Some((config, data))
    }
}

/// What a sequence parameter set declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SpsInfo {
    pub(super) width: u32,
    pub(super) height: u32,
    /// Luma bit depth.
    pub(super) bits: u32,
}

/// The HEVC packet for `plan`'s item (Annex B: each NAL unit after a start code) and what each
/// of its sequence parameter sets declares.
pub(super) fn hevc_packet(
    file: &[u8],
    plan: &ItemPlan,
) -> Result<(Vec<u8>, Vec<SpsInfo>), Refused> {
    let (config, data) = plan.parts(file).ok_or(Refused::Malformed("data"))?;
    let bad = Refused::Malformed("hvcC box");
    let length_size = usize::from(config.get(21).ok_or(bad.clone())? & 3) + 1;
    let arrays = *config.get(22).ok_or(bad.clone())?;
    let mut nals: Vec<&[u8]> = Vec::new();
    let mut p = 23;
    for _ in 0..arrays {
        let count = be16(config, p + 1).ok_or(bad.clone())?;
        p += 3;
        for _ in 0..count {
            let len = usize::from(be16(config, p).ok_or(bad.clone())?);
            nals.push(config.get(p + 2..p + 2 + len).ok_or(bad.clone())?);
            p += 2 + len;
        }
    }
    let data: Vec<u8> = data.concat();
    let mut p = 0;
    while p < data.len() {
        let len = data
            .get(p..p + length_size)
            .ok_or(Refused::Malformed("HEVC data"))?
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        p += length_size;
        nals.push(
            data.get(p..p.saturating_add(len))
                .ok_or(Refused::Malformed("HEVC data"))?,
        );
        p += len;
    }
    let mut packet = Vec::with_capacity(nals.iter().map(|n| n.len() + 4).sum());
    let (mut sps, mut pictures) = (Vec::new(), 0);
    for nal in nals {
        let kind = nal.first().map_or(64, |b| (b >> 1) & 0x3f);
        if kind == 33 {
            sps.push(sps_info(nal).ok_or(Refused::Malformed("sequence parameter set"))?);
        }
        // A slice segment (VCL types 0..=31) whose first_slice_segment_in_pic_flag is set
        // starts a picture.
        if kind < 32 && nal.get(2).is_some_and(|b| b & 0x80 != 0) {
            pictures += 1;
        }
        packet.extend_from_slice(&[0, 0, 0, 1]);
        packet.extend_from_slice(nal);
    }
    if pictures > 1 {
        return Err(Refused::Pictures(pictures));
    }
    Ok((packet, sps))
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
}

/// Reads the bits of a NAL unit's payload (emulation prevention bytes removed).
struct Bits {
    bytes: Vec<u8>,
    at: usize,
}

impl Bits {
    fn new(payload: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(payload.len());
        let mut zeros = 0;
        for &b in payload {
            if zeros >= 2 && b == 3 {
                zeros = 0;
                continue;
            }
            zeros = if b == 0 { zeros + 1 } else { 0 };
            bytes.push(b);
        }
        Bits { bytes, at: 0 }
    }

    fn bit(&mut self) -> Option<u32> {
        let b = self.bytes.get(self.at / 8)?;
        let v = (b >> (7 - self.at % 8)) & 1;
        self.at += 1;
        Some(u32::from(v))
    }

    fn bits(&mut self, n: u32) -> Option<u32> {
        (0..n).try_fold(0u32, |a, _| Some((a << 1) | self.bit()?))
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        self.at += n;
        (self.at <= self.bytes.len() * 8).then_some(())
    }

    /// Unsigned Exp-Golomb, up to 32 bits.
    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        Some((1u32 << zeros) - 1 + self.bits(zeros)?)
    }
}

/// Picture size and luma bit depth of an HEVC sequence parameter set (H.265 7.3.2.2).
fn sps_info(nal: &[u8]) -> Option<SpsInfo> {
    let mut r = Bits::new(nal.get(2..)?);
    r.skip(4)?; // sps_video_parameter_set_id
    let sub_layers = r.bits(3)? as usize; // sps_max_sub_layers_minus1
    r.skip(1)?;
    // profile_tier_level: the general profile and level (96 bits), then the sub-layers'.
    r.skip(96)?;
    let mut present = Vec::with_capacity(sub_layers);
    for _ in 0..sub_layers {
        present.push((r.bit()?, r.bit()?));
    }
    if sub_layers > 0 {
        r.skip(2 * (8 - sub_layers))?;
    }
    for (profile, level) in present {
        r.skip(88 * profile as usize + 8 * level as usize)?;
    }
    r.ue()?; // sps_seq_parameter_set_id
    if r.ue()? == 3 {
        r.skip(1)?; // separate_colour_plane_flag
    }
    let (width, height) = (r.ue()?, r.ue()?);
    if r.bit()? == 1 {
        for _ in 0..4 {
            r.ue()?; // conformance window offsets
        }
    }
    let bits = r.ue()?.checked_add(8)?;
    Some(SpsInfo {
        width,
        height,
        bits,
    })
}

/// The AV1 packet for `plan`'s item: the `av1C` configuration OBUs, then the item's OBUs.
pub(super) fn av1_packet(file: &[u8], plan: &ItemPlan) -> Result<Vec<u8>, Refused> {
    let (config, data) = plan.parts(file).ok_or(Refused::Malformed("data"))?;
    let config_obus = config.get(4..).ok_or(Refused::Malformed("av1C box"))?;
    let mut packet = config_obus.to_vec();
    for d in data {
        packet.extend_from_slice(d);
    }
    let frames = av1_frame_headers(&packet).ok_or(Refused::Malformed("AV1 data"))?;
    if frames > 1 {
        return Err(Refused::Pictures(frames));
    }
    Ok(packet)
}

/// How many frame headers (OBU types 3 and 6) the OBUs in `data` hold; `None` when an OBU is
/// cut short.
fn av1_frame_headers(data: &[u8]) -> Option<usize> {
    let (mut p, mut frames) = (0, 0);
    while p < data.len() {
        let header = data[p];
        let kind = (header >> 3) & 15;
        p += 1 + usize::from(header & 4 != 0);
        let size = if header & 2 != 0 {
            let mut size = 0usize;
            let mut i = 0;
            loop {
                let b = *data.get(p)?;
                size |= usize::from(b & 0x7f) << (7 * i);
                p += 1;
                i += 1;
                if b & 0x80 == 0 {
                    break size;
                }
                if i == 8 {
                    return None;
                }
            }
        } else {
            data.len().checked_sub(p)?
        };
        p = p.checked_add(size).filter(|&end| end <= data.len())?;
        frames += usize::from(kind == 3 || kind == 6);
    }
    Some(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes bits MSB first; `ue` as Exp-Golomb.
    #[derive(Default)]
    struct Writer {
        bits: Vec<u8>,
    }

    impl Writer {
        fn put(&mut self, v: u32, n: u32) {
            // `n` may exceed 32 (runs of zero bits): bits above 31 are 0.
            self.bits.extend(
                (0..n)
                    .rev()
                    .map(|i| (v.checked_shr(i).unwrap_or(0) & 1) as u8),
            );
        }
        fn ue(&mut self, v: u32) {
            let n = 32 - (v + 1).leading_zeros();
            self.put(0, n - 1);
            self.put(v + 1, n);
        }
        fn bytes(&self) -> Vec<u8> {
            self.bits
                .chunks(8)
                .map(|c| {
                    c.iter()
                        .enumerate()
                        .fold(0, |a, (i, &b)| a | (b << (7 - i)))
                })
                .collect()
        }
    }

    /// An SPS NAL (header included) with `sub_layers` sub-layers, all with profile and level.
    fn sps(width: u32, height: u32, bits: u32, sub_layers: u32) -> Vec<u8> {
        let mut w = Writer::default();
        w.put(0, 4);
        w.put(sub_layers, 3);
        w.put(1, 1);
        w.put(0, 96);
        for _ in 0..sub_layers {
            w.put(3, 2);
        }
        if sub_layers > 0 {
            w.put(0, 2 * (8 - sub_layers));
        }
        for _ in 0..sub_layers {
            w.put(0, 96);
        }
        w.ue(0);
        w.ue(1);
        w.ue(width);
        w.ue(height);
        w.put(1, 1);
        for v in [0, 2, 0, 3] {
            w.ue(v);
        }
        w.ue(bits - 8);
        w.put(1, 8);
        [vec![0x42, 0x01], w.bytes()].concat()
    }

    #[test]
    fn sps_sizes_are_read_with_and_without_sub_layers() {
        let s = |w, h, b, n| sps_info(&sps(w, h, b, n));
        let want = |width, height, bits| {
            Some(SpsInfo {
                width,
                height,
                bits,
            })
        };
        assert_eq!(s(4032, 3024, 8, 0), want(4032, 3024, 8));
        assert_eq!(s(16888, 16888, 10, 2), want(16888, 16888, 10));
        assert_eq!(s(64, 64, 12, 7), want(64, 64, 12));
        let cut = sps(4032, 3024, 8, 0);
        assert_eq!(sps_info(&cut[..14]), None, "cut before the size");
    }

    #[test]
    fn emulation_prevention_bytes_are_removed() {
        let mut r = Bits::new(&[0, 0, 3, 1, 0xff]);
        assert_eq!(r.bits(24), Some(1));
        assert_eq!(r.bits(8), Some(0xff));
        assert_eq!(r.bit(), None);
    }

    /// A file's worth of parts: an hvcC body holding `config_nals`, then data holding `data_nals`
    /// with 4-byte lengths.
    fn hevc(config_nals: &[Vec<u8>], data_nals: &[Vec<u8>]) -> (Vec<u8>, ItemPlan) {
        let mut file = vec![0u8; 21];
        file.push(3);
        file.push(config_nals.len() as u8);
        for n in config_nals {
            file.push(n[0] >> 1);
            file.extend(1u16.to_be_bytes());
            file.extend((n.len() as u16).to_be_bytes());
            file.extend(n);
        }
        let config = 0..file.len();
        let start = file.len();
        for n in data_nals {
            file.extend((n.len() as u32).to_be_bytes());
            file.extend(n);
        }
        let plan = ItemPlan {
            codec: Codec::Hevc,
            config,
            data: std::iter::once(start..file.len()).collect(),
            orientation: Orientation::NoTransforms,
            clap: None,
        };
        (file, plan)
    }

    #[test]
    fn hevc_packets_are_annex_b_with_every_sps_read() {
        let slice = vec![0x26, 0x01, 0x80, 0xaa];
        let (file, plan) = hevc(&[sps(640, 480, 8, 0)], std::slice::from_ref(&slice));
        let (packet, sps_list) = hevc_packet(&file, &plan).unwrap();
        assert_eq!(
            sps_list,
            [SpsInfo {
                width: 640,
                height: 480,
                bits: 8
            }]
        );
        assert!(packet.starts_with(&[0, 0, 0, 1, 0x42]));
        assert!(packet.ends_with(&[0, 0, 0, 1, 0x26, 0x01, 0x80, 0xaa]));
        // An SPS in the data is read too.
        let (file, plan) = hevc(&[], &[sps(20000, 20000, 8, 0), slice.clone()]);
        assert_eq!(hevc_packet(&file, &plan).unwrap().1[0].width, 20000);
        // Two pictures; a continuation slice (flag clear) is no new picture.
        let more = vec![0x26, 0x01, 0x00, 0xbb];
        let (file, plan) = hevc(&[], &[slice.clone(), more, slice.clone()]);
        assert_eq!(hevc_packet(&file, &plan), Err(Refused::Pictures(2)));
        // Cut short.
        let (file, mut plan) = hevc(&[], &[slice]);
        plan.data[0].end -= 1;
        assert!(matches!(
            hevc_packet(&file, &plan),
            Err(Refused::Malformed(_))
        ));
        assert!(matches!(
            hevc_packet(&file[..10], &plan),
            Err(Refused::Malformed(_))
        ));
    }

    #[test]
    fn av1_frame_headers_are_counted() {
        // Sequence header (type 1, size 2) then a frame (type 6, size 3).
        let obus = [0x0a, 2, 0, 0, 0x32, 3, 1, 2, 3];
        assert_eq!(av1_frame_headers(&obus), Some(1));
        assert_eq!(av1_frame_headers(&[obus, obus].concat()), Some(2));
        assert_eq!(av1_frame_headers(&obus[..8]), None, "cut short");
        assert_eq!(av1_frame_headers(&[0x32, 0xff, 0xff]), None);
        // Without a size field an OBU runs to the end.
        assert_eq!(av1_frame_headers(&[0x30, 9, 9]), Some(1));
    }
}
