//! How to decode a grid HEIF image (what phones write: an iPhone photo is a grid of hidden
//! 512x512 `hvc1` tiles) one tile at a time with libheif 1.15, which has no tile API and
//! decodes a grid into one full-size picture (1.5 bytes a pixel, plus the RGB made from it).
//!
//! libheif 1.15 decodes as primary image the item that `pitm` names, among the items that are
//! not hidden (`HeifContext::interpret_heif_file`). So for each tile in turn, [`tile_file`]
//! writes a small HEIF file whose one (visible, primary) item is that tile: its item type, its
//! property boxes copied as they are (`hvcC` or `av1C`, `ispe`, ...) and its coded data, so
//! libheif decodes exactly the tile it would have pasted into the grid. (Pointing `pitm` of a
//! copy of the whole file at each tile works too, but libheif 1.15 parses a file in time
//! quadratic in its items: 5.5 ms a parse for 256 tiles, 90 ms for 1,024, once per tile.)
//!
//! [`plan`] reads, from the boxes, the grid that `pitm` names: its descriptor (rows, columns,
//! output size), its tiles in row-major order (its first `dimg` reference, as libheif takes
//! it), and the orientation its `irot`/`imir` properties give, which libheif would apply to
//! the whole picture and the caller applies to PDQ's sample instead, and the window its `clap`
//! crop cuts from the output ([`clap_window`], rounded as libheif 1.15 rounds it), which the
//! caller cuts in the sink. Grids it cannot describe exactly give `None` and are decoded whole
//! as before: a `clap` after an `irot`/`imir` (it would crop the transformed picture), tiles
//! that are not coded images or whose data is not plainly in the file, more than
//! [`MAX_TILES`] tiles.

use super::heif_refs::{be, boxes, dimg_boxes, grid_descriptor, item_location, meta_body};
pub(super) use super::heif_refs::{items, Item};
use super::sample::ORIENTATIONS;
use image::metadata::Orientation;
use image::{DynamicImage, GrayImage};
use std::ops::Range;

/// At most this many tiles are decoded one by one (64 MP in 256x256 tiles is 1,024).
pub(super) const MAX_TILES: usize = 1024;

/// A tile's own file is written only from boxes up to this size (`ftyp`, properties).
const MAX_COPIED_BOX: usize = 4096;

/// What a tile's own file is made of: ranges of the original file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tile {
    pub(super) kind: [u8; 4],
    /// (type, body, essential) of each associated property, in association order.
    pub(super) properties: Vec<([u8; 4], Range<usize>, bool)>,
    /// The coded data's extents.
    pub(super) data: Vec<Range<usize>>,
}

/// A grid primary image, as [`plan`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GridPlan {
    /// Tile columns and rows.
    pub(super) columns: usize,
    pub(super) rows: usize,
    /// The output size the descriptor declares (before orientation).
    pub(super) width: u32,
    pub(super) height: u32,
    /// The tiles, row-major.
    pub(super) tiles: Vec<Tile>,
    /// The file's `ftyp` box.
    ftyp: Range<usize>,
    /// The grid item's `irot`/`imir`, composed, as the EXIF orientation doing the same.
    pub(super) orientation: Orientation,
    /// The window of the grid's output that is the image (its `clap`; all of it without).
    pub(super) crop: Crop,
}

/// Where `part` (a slice of `file`) starts in `file`.
pub(super) fn offset_in(file: &[u8], part: &[u8]) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(file.as_ptr() as usize)?;
    (start + part.len() <= file.len()).then_some(start)
}

/// The property boxes associated with `item`, in association order: (type, body, essential).
fn properties(meta: &[u8], item: u32) -> Vec<([u8; 4], &[u8], bool)> {
    let Some((_, iprp)) = boxes(meta).into_iter().find(|(k, _)| k == b"iprp") else {
        return Vec::new();
    };
    let children = boxes(iprp);
    let Some(ipco) = children
        .iter()
        .find(|(k, _)| k == b"ipco")
        .map(|c| boxes(c.1))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (_, ipma) in children.iter().filter(|(k, _)| k == b"ipma") {
        let (Some(&version), Some(&flags)) = (ipma.first(), ipma.get(3)) else {
            continue;
        };
        let mut p = 4;
        let count = be(ipma, &mut p, 4).unwrap_or(0);
        for _ in 0..count {
            let Some(id) = be(ipma, &mut p, if version < 1 { 2 } else { 4 }) else {
                break;
            };
            let n = be(ipma, &mut p, 1).unwrap_or(0);
            let (width, mask) = if flags & 1 == 1 {
                (2, 0x7fff)
            } else {
                (1, 0x7f)
            };
            for _ in 0..n {
                let Some(a) = be(ipma, &mut p, width) else {
                    break;
                };
                let (index, essential) = ((a & mask) as usize, a > mask);
                if id == u64::from(item) && index > 0 {
                    out.extend(ipco.get(index - 1).map(|&(k, b)| (k, b, essential)));
                }
            }
        }
    }
    out
}

/// One transformation libheif 1.15 applies to a decoded image, in the file's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transform {
    /// `irot`: this many quarter turns anticlockwise.
    Rotate(u8),
    /// `imir` with axis 0: libheif 1.15 flips top to bottom (`mirror_inplace(vertical)`).
    MirrorAxis0,
    /// `imir` with axis 1: left to right.
    MirrorAxis1,
}

/// The EXIF orientation that does what `transforms` do in turn: found by applying both to a
/// 3x2 probe whose 6 pixels differ (the 8 symmetries of a rectangle move its corners apart).
pub(super) fn orientation_of(transforms: &[Transform]) -> Orientation {
    let probe = DynamicImage::ImageLuma8(GrayImage::from_fn(3, 2, |x, y| {
        image::Luma([(x + 3 * y) as u8])
    }));
    let mut done = probe.clone();
    for t in transforms {
        done = match *t {
            Transform::Rotate(q) => (0..q % 4).fold(done, |d, _| d.rotate270()),
            Transform::MirrorAxis0 => done.flipv(),
            Transform::MirrorAxis1 => done.fliph(),
        };
    }
    ORIENTATIONS
        .into_iter()
        .find(|&o| {
            let mut p = probe.clone();
            p.apply_orientation(o);
            p == done
        })
        .unwrap_or(Orientation::NoTransforms)
}

/// The file ranges a tile's own file is made of; `None` when its data is not plainly in the
/// file or a property box is larger than a tile's file should copy.
pub(super) fn tile(file: &[u8], meta: &[u8], item: &Item) -> Option<Tile> {
    if !matches!(&item.kind, b"hvc1" | b"av01") {
        return None;
    }
    let properties = properties(meta, item.id)
        .into_iter()
        .map(|(kind, body, essential)| {
            let start = offset_in(file, body)?;
            (body.len() <= MAX_COPIED_BOX).then_some((kind, start..start + body.len(), essential))
        })
        .collect::<Option<Vec<_>>>()?;
    let (_, iloc) = boxes(meta).into_iter().find(|(k, _)| k == b"iloc")?;
    let at = item_location(iloc, item.id)?;
    if at.method != 0 || at.data_reference != 0 || at.extents.is_empty() {
        return None;
    }
    let data = at
        .extents
        .iter()
        .map(|&(offset, length)| {
            let start = usize::try_from(offset).ok()?;
            let end = start.checked_add(usize::try_from(length).ok()?)?;
            (length > 0 && end <= file.len()).then_some(start..end)
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Tile {
        kind: item.kind,
        properties,
        data,
    })
}

/// The grid item `pitm` names, as a plan for decoding it tile by tile; `None` when the primary
/// image is not a grid this module can decode exactly as libheif would.
pub(super) fn plan(file: &[u8]) -> Option<GridPlan> {
    let ftyp = boxes(file)
        .into_iter()
        .find(|(k, _)| k == b"ftyp")
        .and_then(|(_, body)| offset_in(file, body).map(|s| s..s + body.len()))
        .filter(|r| r.len() <= MAX_COPIED_BOX)?;
    let meta = meta_body(file)?;
    let primary = primary_id(meta)?;
    let items = items(meta);
    let item = |id: u32| items.iter().find(|i| i.id == id);
    if &item(primary)?.kind != b"grid" {
        return None;
    }
    let grid = grid_descriptor(file, meta, primary)?;
    // libheif takes the grid's first `dimg` box and requires rows x columns tiles in it.
    let (_, ids) = dimg_boxes(file)
        .into_iter()
        .find(|(from, _)| *from == primary)?;
    let count = grid.rows * grid.columns;
    if ids.len() != count || count > MAX_TILES {
        return None;
    }
    let tiles = ids
        .iter()
        .map(|&id| tile(file, meta, item(id)?))
        .collect::<Option<Vec<_>>>()?;
    let (orientation, clap) = orientation_and_crop(meta, primary)?;
    let full = (grid.width as usize, grid.height as usize);
    let crop = match clap {
        Some(body) => clap_window(body, full)?,
        None => Crop {
            left: 0,
            top: 0,
            width: full.0,
            height: full.1,
        },
    };
    Some(GridPlan {
        columns: grid.columns,
        rows: grid.rows,
        width: grid.width,
        height: grid.height,
        tiles,
        ftyp,
        orientation,
        crop,
    })
}

/// The item id `pitm` in `meta` names.
pub(super) fn primary_id(meta: &[u8]) -> Option<u32> {
    let (_, pitm) = boxes(meta).into_iter().find(|(k, _)| k == b"pitm")?;
    let id_width = if *pitm.first()? == 0 { 2 } else { 4 };
    u32::try_from(be(pitm, &mut 4, id_width)?).ok()
}

/// The orientation `item`'s `irot`/`imir` properties give and the body of its `clap` crop,
/// when it has one that comes before any `irot`/`imir` (so it crops the image as coded);
/// `None` for a crop after a transform, two crops, or a property too short to read.
pub(super) fn orientation_and_crop(meta: &[u8], item: u32) -> Option<(Orientation, Option<&[u8]>)> {
    let mut transforms = Vec::new();
    let mut crop = None;
    for (kind, body, _) in properties(meta, item) {
        match &kind {
            b"irot" => transforms.push(Transform::Rotate(*body.first()? & 3)),
            b"imir" if *body.first()? & 1 == 0 => transforms.push(Transform::MirrorAxis0),
            b"imir" => transforms.push(Transform::MirrorAxis1),
            b"clap" if crop.is_none() && transforms.is_empty() => crop = Some(body),
            b"clap" => return None,
            _ => {}
        }
    }
    Some((orientation_of(&transforms), crop))
}

/// A window on an image: columns `left..left + width`, rows `top..top + height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Crop {
    pub(super) left: usize,
    pub(super) top: usize,
    pub(super) width: usize,
    pub(super) height: usize,
}

/// The window libheif 1.15 cuts from a `width x height` image for the `clap` body `clap`
/// (`Box_clap::left_rounded` etc.: the aperture centred at the offset from the image's
/// centre; its left edge truncated, its top rounded, right and bottom rounded from them;
/// clamped to the image); `None` for a zero denominator, a box cut short, or an empty window
/// (libheif refuses it).
pub(super) fn clap_window(clap: &[u8], (width, height): (usize, usize)) -> Option<Crop> {
    let mut p = 0;
    let mut field = || be(clap, &mut p, 4).map(|v| v as u32);
    let (wn, wd, hn, hd) = (field()?, field()?, field()?, field()?);
    let (xn, xd, yn, yd) = (field()? as i32, field()?, field()? as i32, field()?);
    // (first, last) of one axis: offset on/od, aperture an/ad, image n; `round` rounds the
    // first edge to nearest rather than truncating it.
    let axis = |(on, od): (i32, u32), (an, ad): (u32, u32), n: usize, round: bool| {
        let (on, od, an, ad) = (
            i128::from(on),
            i128::from(od),
            i128::from(an),
            i128::from(ad),
        );
        let n = i128::try_from(n).ok()?;
        if od == 0 || ad == 0 || n == 0 {
            return None;
        }
        // centre - (aperture - 1) / 2 = offset + (n - aperture) / 2, over denominator d.
        let d = 2 * od * ad;
        let num = 2 * on * ad + n * od * ad - an * od;
        let first = if round { (num + d / 2) / d } else { num / d };
        // aperture - 1 + first, rounded.
        let last = (an - ad + first * ad + ad / 2) / ad;
        let (first, last) = (first.max(0), last.min(n - 1));
        (first < last).then_some((usize::try_from(first).ok()?, usize::try_from(last).ok()?))
    };
    let (left, right) = axis((xn, xd), (wn, wd), width, false)?;
    let (top, bottom) = axis((yn, yd), (hn, hd), height, true)?;
    Some(Crop {
        left,
        top,
        width: right - left + 1,
        height: bottom - top + 1,
    })
}

/// Appends a box of type `kind` holding `body` (`version_flags` first for a full box).
fn put_box(out: &mut Vec<u8>, kind: &[u8; 4], version_flags: Option<u32>, body: &[u8]) {
    let size = 8 + body.len() + if version_flags.is_some() { 4 } else { 0 };
    out.extend_from_slice(&(size as u32).to_be_bytes());
    out.extend_from_slice(kind);
    if let Some(v) = version_flags {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(body);
}

/// A HEIF file whose one item, primary and visible, is tile `tile` of `plan` (item id 1, its
/// properties and coded data copied from `file`).
pub(super) fn tile_file(file: &[u8], plan: &GridPlan, tile: &Tile) -> Vec<u8> {
    let slice = |r: &Range<usize>| file.get(r.clone()).unwrap_or(&[]);
    let data_len: usize = tile.data.iter().map(Range::len).sum();
    let mut ipco = Vec::new();
    let mut ipma = vec![0, 0, 0, 1, 0, 1];
    ipma.push(tile.properties.len().min(127) as u8);
    for (i, (kind, body, essential)) in tile.properties.iter().take(127).enumerate() {
        put_box(&mut ipco, kind, None, slice(body));
        ipma.push((i as u8 + 1) | if *essential { 0x80 } else { 0 });
    }
    let mut iprp = Vec::new();
    put_box(&mut iprp, b"ipco", None, &ipco);
    put_box(&mut iprp, b"ipma", Some(0), &ipma);
    let mut infe = vec![0, 1, 0, 0];
    infe.extend_from_slice(&tile.kind);
    infe.push(0);
    let mut iinf = vec![0, 1];
    put_box(&mut iinf, b"infe", Some(2 << 24), &infe);
    let mut meta = Vec::new();
    put_box(
        &mut meta,
        b"hdlr",
        Some(0),
        b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0",
    );
    put_box(&mut meta, b"pitm", Some(0), &[0, 1]);
    put_box(&mut meta, b"iinf", Some(0), &iinf);
    put_box(&mut meta, b"iprp", None, &iprp);
    // iloc version 0, 4-byte offsets and lengths, one item, one extent into the mdat below.
    let iloc_len = 8 + 4 + 2 + 2 + 2 + 2 + 2 + 8;
    let meta_len = 12 + meta.len() + iloc_len;
    let data_at = 8 + plan.ftyp.len() + meta_len + 8;
    let mut iloc = vec![0x44, 0x00, 0, 1, 0, 1, 0, 0, 0, 1];
    iloc.extend_from_slice(&(data_at as u32).to_be_bytes());
    iloc.extend_from_slice(&(data_len as u32).to_be_bytes());
    put_box(&mut meta, b"iloc", Some(0), &iloc);
    let mut out = Vec::with_capacity(data_at + data_len);
    put_box(&mut out, b"ftyp", None, slice(&plan.ftyp));
    put_box(&mut out, b"meta", Some(0), &meta);
    out.extend_from_slice(&((8 + data_len) as u32).to_be_bytes());
    out.extend_from_slice(b"mdat");
    for r in &tile.data {
        out.extend_from_slice(slice(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], full: Option<u32>, body: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        put_box(&mut b, kind, full, body);
        b
    }

    /// A grid file: `cols x rows` hidden tiles of type `tile_kind` (items 2..), each with a
    /// fake `hvcC` and 4 bytes of data `[i; 4]`, and `grid_props` on the grid (item 1).
    fn grid(cols: u8, rows: u8, tile_kind: &[u8; 4], grid_props: &[([u8; 4], &[u8])]) -> Vec<u8> {
        let n = u16::from(cols) * u16::from(rows);
        let mut infe = boxed(b"infe", Some(2 << 24), b"\0\x01\0\0grid\0");
        let mut dimg = [1u16.to_be_bytes(), n.to_be_bytes()].concat();
        let mut ipma = (u32::from(n) + 1).to_be_bytes().to_vec();
        ipma.extend([0, 1, grid_props.len() as u8]);
        ipma.extend((0..grid_props.len() as u8).map(|k| 0x82 + k));
        let mut ipco = boxed(b"hvcC", None, b"fake");
        for (kind, body) in grid_props {
            ipco.extend(boxed(kind, None, body));
        }
        let mut iloc = vec![0x44, 0, 0, 0];
        iloc[2..4].copy_from_slice(&(n + 1).to_be_bytes());
        iloc.extend([0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 8]);
        for i in 0..n {
            let id = (i + 2).to_be_bytes();
            infe.extend(boxed(
                b"infe",
                Some(2 << 24 | 1),
                &[&id[..], b"\0\0", tile_kind, b"\0"].concat(),
            ));
            dimg.extend_from_slice(&id);
            ipma.extend([id[0], id[1], 1, 0x81]);
            // Data at 4 * i in the mdat, whose body starts at `MDAT` (patched below).
            iloc.extend([id[0], id[1], 0, 0, 0, 0, 0, 1]);
            iloc.extend((u32::from(i) * 4).to_be_bytes());
            iloc.extend(4u32.to_be_bytes());
        }
        let iinf = boxed(
            b"iinf",
            Some(0),
            &[&(n + 1).to_be_bytes()[..], &infe].concat(),
        );
        let iprp = [boxed(b"ipco", None, &ipco), boxed(b"ipma", Some(0), &ipma)].concat();
        let idat = [0, 0, rows - 1, cols - 1, 0, 100, 0, 50];
        let mut meta = boxed(b"hdlr", Some(0), &[0; 21]);
        meta.extend(boxed(b"pitm", Some(0), &[0, 1]));
        meta.extend(iinf);
        meta.extend(boxed(b"iref", Some(0), &boxed(b"dimg", None, &dimg)));
        meta.extend(boxed(b"iprp", None, &iprp));
        let iloc_at = meta.len();
        meta.extend(boxed(b"iloc", Some(1 << 24), &iloc));
        meta.extend(boxed(b"idat", None, &idat));
        let mut file = boxed(b"ftyp", None, b"heic\0\0\0\0mif1heic");
        let meta_at = file.len();
        file.extend(boxed(b"meta", Some(0), &meta));
        let mdat = file.len() as u32 + 8;
        file.extend(boxed(
            b"mdat",
            None,
            &(0..n).flat_map(|i| [i as u8; 4]).collect::<Vec<_>>(),
        ));
        // Tiles' extent offsets are relative to the mdat body: add its position.
        // Past meta's and iloc's headers, iloc's sizes and count, and the grid's entry.
        let mut p = meta_at + 12 + iloc_at + 12 + 4 + 16;
        for _ in 0..n {
            p += 8;
            let off = u32::from_be_bytes(file[p..p + 4].try_into().unwrap()) + mdat;
            file[p..p + 4].copy_from_slice(&off.to_be_bytes());
            p += 8;
        }
        file
    }

    #[test]
    fn a_grid_is_planned_with_its_tiles_and_orientation() {
        let file = grid(3, 2, b"hvc1", &[(*b"irot", &[1]), (*b"imir", &[1])]);
        let planned = plan(&file).expect("a plain grid");
        assert_eq!(
            (planned.columns, planned.rows, planned.width, planned.height),
            (3, 2, 100, 50)
        );
        assert_eq!(planned.tiles.len(), 6);
        assert_eq!(
            planned.orientation,
            orientation_of(&[Transform::Rotate(1), Transform::MirrorAxis1])
        );
        for (i, tile) in planned.tiles.iter().enumerate() {
            let one = tile_file(&file, &planned, tile);
            let meta = meta_body(&one).unwrap();
            let (_, iloc) = boxes(meta).into_iter().find(|(k, _)| k == b"iloc").unwrap();
            let at = item_location(iloc, 1).unwrap();
            let (off, len) = at.extents[0];
            assert_eq!(&one[off as usize..][..len as usize], &[i as u8; 4]);
            assert_eq!(properties(meta, 1).len(), 1, "its hvcC");
            let items = items(meta);
            assert_eq!((items.len(), items[0].id, &items[0].kind), (1, 1, b"hvc1"));
            assert!(plan(&one).is_none(), "a tile's own file is no grid");
        }
    }

    #[test]
    fn grids_it_cannot_reproduce_are_left_to_libheif() {
        assert!(plan(&grid(2, 2, b"av01", &[])).is_some());
        assert!(plan(&grid(2, 2, b"grid", &[])).is_none(), "nested grids");
        assert!(plan(&grid(2, 2, b"jpeg", &[])).is_none());
        let zero = [0u8; 32];
        assert!(plan(&grid(2, 2, b"hvc1", &[(*b"clap", &zero)])).is_none());
        let crop = clap(80, 40, 0, 0);
        let cropped = plan(&grid(2, 2, b"hvc1", &[(*b"clap", &crop)])).unwrap();
        assert_eq!((cropped.crop.left, cropped.crop.width), (10, 80));
        let turned =
            [*b"irot", *b"clap"].map(|k| (k, if &k == b"irot" { &[1u8][..] } else { &crop[..] }));
        assert!(
            plan(&grid(2, 2, b"hvc1", &turned)).is_none(),
            "a crop after a rotation"
        );
        // 32 x 33 tiles is over MAX_TILES; 32 x 32 is not.
        assert!(plan(&grid(32, 32, b"hvc1", &[])).is_some());
        assert!(plan(&grid(32, 33, b"hvc1", &[])).is_none());
        let mut cut = grid(2, 2, b"hvc1", &[]);
        cut.truncate(cut.len() - 3);
        assert!(plan(&cut).is_none(), "tile data past the end");
        assert!(plan(b"not a heif file").is_none());
    }

    fn clap(w: u32, h: u32, dx: i32, dy: i32) -> Vec<u8> {
        [w, 1, h, 1, dx as u32, 2, dy as u32, 2]
            .map(u32::to_be_bytes)
            .concat()
    }

    #[test]
    fn crops_are_rounded_as_libheif_rounds_them() {
        let window =
            |b: &[u8]| clap_window(b, (1500, 1000)).map(|c| (c.left, c.top, c.width, c.height));
        assert_eq!(window(&clap(1400, 900, 0, 0)), Some((50, 50, 1400, 900)));
        // Offsets of half pixels: the left edge truncated, the top rounded (libheif 1.15
        // decodes this one to 700x500, checked in tests/it/image_decode_heif_grid.rs).
        assert_eq!(
            window(&clap(700, 500, -401, 301)),
            Some((199, 401, 700, 500))
        );
        // Clamped to the image; empty or zero denominators refused.
        assert_eq!(window(&clap(3000, 900, 0, 0)), Some((0, 50, 1500, 900)));
        assert_eq!(window(&clap(1, 900, 0, 0)), None);
        let mut zero = clap(1400, 900, 0, 0);
        zero[4..8].copy_from_slice(&[0; 4]);
        assert_eq!(window(&zero), None);
        assert_eq!(window(&zero[..20]), None);
    }

    #[test]
    fn transforms_compose_in_file_order() {
        use Orientation as O;
        use Transform::*;
        assert_eq!(orientation_of(&[]), O::NoTransforms);
        assert_eq!(orientation_of(&[Rotate(1)]), O::Rotate270, "anticlockwise");
        assert_eq!(orientation_of(&[Rotate(2)]), O::Rotate180);
        assert_eq!(orientation_of(&[Rotate(3)]), O::Rotate90);
        assert_eq!(orientation_of(&[MirrorAxis0]), O::FlipVertical);
        assert_eq!(orientation_of(&[MirrorAxis1]), O::FlipHorizontal);
        // Anticlockwise then left-right is EXIF's 270 clockwise then left-right.
        assert_eq!(orientation_of(&[Rotate(1), MirrorAxis1]), O::Rotate270FlipH);
        assert_eq!(orientation_of(&[MirrorAxis1, Rotate(1)]), O::Rotate90FlipH);
        assert_eq!(orientation_of(&[MirrorAxis0, MirrorAxis1]), O::Rotate180);
    }
}
