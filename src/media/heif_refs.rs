//! Derived-image references of a HEIF file, read before libheif sees it. libheif 1.15 decodes a
//! grid (or overlay) item by decoding the items its `dimg` reference names, recursively and
//! without a depth limit, so a 950-byte file whose grid names itself overflowed the stack (and,
//! with its tile threads on, threw `std::system_error` through the C API): both abort the
//! process (an `image_heif` fuzz finding). It decodes an image's alpha the same way, so an
//! alpha grid built from its own master recursed too (a later finding: a one-byte change of
//! the alpha grid's tile id). [`has_reference_cycle`] walks `meta` → `iref` and reports
//! whether the `dimg` and `auxl` references form a cycle or nest too deep; such files are
//! refused as corrupt.
//! [`grid_output_sizes`] reads the output size each grid descriptor declares, which libheif
//! allocates without checking it against the size it reports.

use std::collections::HashMap;

/// The boxes directly inside `data`: (type, body) pairs; stops at the first malformed box.
pub(super) fn boxes(data: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut p = 0usize;
    while let Some(head) = data.get(p..p + 8) {
        let small = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let kind = [head[4], head[5], head[6], head[7]];
        let (header, size) = match small {
            0 => (8, (data.len() - p) as u64),
            1 => match data.get(p + 8..p + 16) {
                Some(b) => (16, u64::from_be_bytes(b.try_into().unwrap_or([0; 8]))),
                None => break,
            },
            s => (8, s),
        };
        let Ok(size) = usize::try_from(size) else {
            break;
        };
        if size < header {
            break;
        }
        let Some(body) = data.get(p + header..p.saturating_add(size)) else {
            break;
        };
        out.push((kind, body));
        p += size;
    }
    out
}

/// The `dimg` boxes of the file's `iref` box, in file order: (item id, the item ids it is
/// derived from).
pub(super) fn dimg_boxes(bytes: &[u8]) -> Vec<(u32, Vec<u32>)> {
    references(bytes, b"dimg")
}

/// The references of type `kind` in the file's `iref` box, in file order: (from item id, the
/// item ids it names).
fn references(bytes: &[u8], kind: &[u8; 4]) -> Vec<(u32, Vec<u32>)> {
    // `iref` is a full box: a version byte and three flag bytes come first.
    let Some((_, iref)) = boxes(meta_body(bytes).unwrap_or(&[]))
        .into_iter()
        .find(|(k, _)| k == b"iref")
    else {
        return Vec::new();
    };
    let Some(&version) = iref.first() else {
        return Vec::new();
    };
    let width = if version == 0 { 2 } else { 4 };
    sized_references(iref.get(4..).unwrap_or(&[]), kind, width)
}

/// The references of type `kind` among an `iref` body's children (after its version and
/// flags), each child read within its box size; item ids `width` bytes wide.
fn sized_references(children: &[u8], kind: &[u8; 4], width: usize) -> Vec<(u32, Vec<u32>)> {
    let mut refs = Vec::new();
    for (k, body) in boxes(children) {
        if &k != kind {
            continue;
        }
        let (Some(from), Some(count)) = (body.get(..width), body.get(width..width + 2)) else {
            continue;
        };
        let count = usize::from(u16::from_be_bytes([count[0], count[1]]));
        let to = body
            .get(width + 2..)
            .unwrap_or(&[])
            .chunks_exact(width)
            .take(count)
            .map(item_id);
        refs.push((item_id(from), to.collect()));
    }
    refs
}

/// An item id of an `iref` reference: big-endian, 2 or 4 bytes wide.
fn item_id(b: &[u8]) -> u32 {
    b.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x))
}

/// Every reading of the references of type `kind` that libheif 1.15 might make, for the
/// cycle check: each `iref` box that `meta` holds (by box sizes, and any `iref` type code in
/// the file, whatever the size before it says), each read by its children's sizes
/// ([`references`]' way) and the way libheif reads it: one reference after another, each
/// child's header read and its size ignored. A one-byte change of a child's size made the two
/// disagree, and the cycle libheif followed was invisible to the sized reading (a fuzz
/// finding). More edges than libheif sees can only refuse more, never let a cycle through.
fn references_as_libheif_may_read(bytes: &[u8], kind: &[u8; 4]) -> Vec<(u32, Vec<u32>)> {
    let mut refs = Vec::new();
    let mut irefs: Vec<&[u8]> = boxes(meta_body(bytes).unwrap_or(&[]))
        .into_iter()
        .filter(|(k, _)| k == b"iref")
        .map(|(_, b)| b)
        .collect();
    // Any `iref` type code in the file, so that no difference in how `meta` or the boxes
    // before it are read can hide one.
    for at in (4..bytes.len().saturating_sub(3)).filter(|&i| bytes.get(i..i + 4) == Some(b"iref")) {
        let size = bytes
            .get(at - 4..at)
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
        let end = if size < 8 {
            bytes.len()
        } else {
            (at - 4).saturating_add(size).min(bytes.len())
        };
        irefs.extend(bytes.get(at + 4..end));
    }
    for iref in irefs {
        let Some(&version) = iref.first() else {
            continue;
        };
        let width = if version == 0 { 2 } else { 4 };
        let children = iref.get(4..).unwrap_or(&[]);
        refs.extend(sized_references(children, kind, width));
        // libheif's way: header, from, count, ids; then the next header right after.
        let mut p = 0usize;
        while let Some(head) = children.get(p..p + 8) {
            let small = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
            let mut header = if small == 1 { 16 } else { 8 };
            if &head[4..8] == b"uuid" {
                header += 16;
            }
            let at = p + header;
            let (Some(from), Some(count)) = (
                children.get(at..at + width),
                children.get(at + width..at + width + 2),
            ) else {
                break;
            };
            let count = usize::from(u16::from_be_bytes([count[0], count[1]]));
            let ids_at = at + width + 2;
            let ids_end = ids_at.saturating_add(count * width).min(children.len());
            let to: Vec<u32> = children
                .get(ids_at..ids_end)
                .unwrap_or(&[])
                .chunks_exact(width)
                .map(item_id)
                .collect();
            if &head[4..8] == kind {
                refs.push((item_id(from), to));
            }
            p = ids_at + count * width;
        }
    }
    refs
}

/// What decoding an item makes libheif decode: the items a grid, overlay or identity item is
/// derived from (`dimg`, from -> to), and an image's auxiliary images (`auxl` names the aux
/// item as `from` and its master as `to`; decoding the master decodes its alpha), as
/// [`references_as_libheif_may_read`] reads them.
fn decode_references(bytes: &[u8]) -> HashMap<u32, Vec<u32>> {
    let mut refs: HashMap<u32, Vec<u32>> = HashMap::new();
    for (from, to) in references_as_libheif_may_read(bytes, b"dimg") {
        refs.entry(from).or_default().extend(to);
    }
    for (aux, masters) in references_as_libheif_may_read(bytes, b"auxl") {
        for master in masters {
            refs.entry(master).or_default().push(aux);
        }
    }
    refs
}

/// How many derivation levels a file may nest (a grid of an overlay of a grid, with an alpha
/// grid below each). Real files use two or three; libheif 1.15 recurses once per level with
/// no limit of its own, so a deep chain would exhaust the stack as a cycle does.
pub(super) const MAX_DECODE_DEPTH: usize = 16;

/// Whether decoding some item would make libheif decode an item already being decoded (a
/// grid built from itself, an alpha grid built from its own master) or nest deeper than
/// [`MAX_DECODE_DEPTH`]. libheif 1.15 follows these references recursively with no cycle or
/// depth check and overflows the stack.
pub(super) fn has_reference_cycle(bytes: &[u8]) -> bool {
    let refs = decode_references(bytes);
    // Per item: None while on the current path, Some(levels) once done (the longest chain of
    // decodes it starts, itself included). Iterative, so a hostile chain cannot overflow our
    // stack either.
    let mut levels: HashMap<u32, Option<usize>> = HashMap::new();
    for &start in refs.keys() {
        if levels.contains_key(&start) {
            continue;
        }
        let mut stack: Vec<(u32, usize, usize)> = vec![(start, 0, 1)];
        levels.insert(start, None);
        while let Some((item, next, below)) = stack.pop() {
            let children = refs.get(&item).map_or(&[][..], Vec::as_slice);
            let Some(&child) = children.get(next) else {
                levels.insert(item, Some(below));
                if let Some(parent) = stack.last_mut() {
                    parent.2 = parent.2.max(below + 1);
                }
                continue;
            };
            stack.push((item, next + 1, below));
            match levels.get(&child) {
                Some(None) => return true,
                Some(Some(l)) => {
                    if let Some(top) = stack.last_mut() {
                        top.2 = top.2.max(l + 1);
                    }
                }
                None => {
                    levels.insert(child, None);
                    stack.push((child, 0, 1));
                }
            }
        }
    }
    levels
        .values()
        .any(|l| l.is_some_and(|l| l > MAX_DECODE_DEPTH))
}

/// Big-endian unsigned integer of `n` bytes (0 to 8) at `*p`, advancing `*p`.
pub(super) fn be(data: &[u8], p: &mut usize, n: usize) -> Option<u64> {
    let b = data.get(*p..p.checked_add(n)?)?;
    *p += n;
    Some(b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
}

/// Item ids of type `grid` in the `iinf` box of `meta`.
fn grid_items(meta: &[u8]) -> Vec<u32> {
    items_of_type(meta, b"grid")
}

/// Item ids of type `kind` in the `iinf` box of `meta`.
fn items_of_type(meta: &[u8], kind: &[u8; 4]) -> Vec<u32> {
    items(meta)
        .into_iter()
        .filter(|i| &i.kind == kind)
        .map(|i| i.id)
        .collect()
}

/// One `infe` entry: item id and item type.
pub(super) struct Item {
    pub(super) id: u32,
    pub(super) kind: [u8; 4],
}

/// The items `iinf` lists in `meta`.
pub(super) fn items(meta: &[u8]) -> Vec<Item> {
    let Some((_, iinf)) = boxes(meta).into_iter().find(|(k, _)| k == b"iinf") else {
        return Vec::new();
    };
    let count_width = if iinf.first() == Some(&0) { 2 } else { 4 };
    boxes(iinf.get(4 + count_width..).unwrap_or(&[]))
        .into_iter()
        .filter(|(k, _)| k == b"infe")
        .filter_map(|(_, infe)| {
            let id_width = match *infe.first()? {
                2 => 2,
                3 => 4,
                _ => return None,
            };
            let mut p = 4;
            let id = u32::try_from(be(infe, &mut p, id_width)?).ok()?;
            p += 2; // item_protection_index
            let kind = infe.get(p..p + 4)?.try_into().ok()?;
            Some(Item { id, kind })
        })
        .collect()
}

/// Where item `item`'s data lies, per its `iloc` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Location {
    /// `construction_method`: 0 in the file, 1 in `idat`, 2 in another item.
    pub(super) method: u64,
    /// `data_reference_index` (0: this file).
    pub(super) data_reference: u64,
    /// (offset, length) of each extent, base offset added; a length of 0 means "to the end".
    pub(super) extents: Vec<(u64, u64)>,
}

/// The location of item `item` in the `iloc` box body.
pub(super) fn item_location(iloc: &[u8], item: u32) -> Option<Location> {
    let mut found = None;
    walk_iloc(iloc, |id, at| {
        if id == u64::from(item) {
            found = Some(at);
            return false;
        }
        true
    })?;
    found
}

/// Reads the entries of the `iloc` box body in turn, handing each (item id, location) to
/// `each` until it returns false. `None` if an entry runs past the end of the box.
fn walk_iloc(iloc: &[u8], mut each: impl FnMut(u64, Location) -> bool) -> Option<()> {
    let version = *iloc.first()?;
    let mut p = 4;
    let sizes = be(iloc, &mut p, 2)?;
    let (offset_size, length_size, base_size) = (
        (sizes >> 12) as usize & 15,
        (sizes >> 8) as usize & 15,
        (sizes >> 4) as usize & 15,
    );
    let index_size = if version == 1 || version == 2 {
        sizes as usize & 15
    } else {
        0
    };
    let id_width = if version < 2 { 2 } else { 4 };
    let count = be(iloc, &mut p, id_width)?;
    for _ in 0..count {
        let id = be(iloc, &mut p, id_width)?;
        let method = if version == 1 || version == 2 {
            be(iloc, &mut p, 2)? & 15
        } else {
            0
        };
        let data_reference = be(iloc, &mut p, 2)?;
        let base = be(iloc, &mut p, base_size)?;
        let count = be(iloc, &mut p, 2)?;
        let mut extents = Vec::new();
        for _ in 0..count {
            be(iloc, &mut p, index_size)?;
            let offset = be(iloc, &mut p, offset_size)?;
            let length = be(iloc, &mut p, length_size)?;
            extents.push((base.checked_add(offset)?, length));
        }
        let at = Location {
            method,
            data_reference,
            extents,
        };
        if !each(id, at) {
            break;
        }
    }
    Some(())
}

/// What a grid item's descriptor declares: tile rows and columns, output width and height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct GridDescriptor {
    pub(super) rows: usize,
    pub(super) columns: usize,
    pub(super) width: u32,
    pub(super) height: u32,
}

/// Item `item`'s data (in `idat` or the file) and where it starts in it.
fn item_data<'a>(bytes: &'a [u8], meta: &'a [u8], item: u32) -> Option<(&'a [u8], usize)> {
    let children = boxes(meta);
    let find = |kind: &[u8; 4]| children.iter().find(|(k, _)| k == kind).map(|(_, b)| *b);
    let at = item_location(find(b"iloc")?, item)?;
    let (offset, _) = *at.extents.first()?;
    let data = if at.method == 1 {
        find(b"idat")?
    } else {
        bytes
    };
    Some((data, usize::try_from(offset).ok()?))
}

/// The output size an overlay (`iovl`) item declares: version, flags, four 16-bit fill
/// values, then width and height (32-bit when flags bit 0 is set).
fn overlay_size(bytes: &[u8], meta: &[u8], item: u32) -> Option<(u32, u32)> {
    let (data, mut p) = item_data(bytes, meta, item)?;
    let _version = be(data, &mut p, 1)?;
    let flags = be(data, &mut p, 1)?;
    be(data, &mut p, 8)?;
    let field = if flags & 1 == 1 { 4 } else { 2 };
    let width = u32::try_from(be(data, &mut p, field)?).ok()?;
    let height = u32::try_from(be(data, &mut p, field)?).ok()?;
    Some((width, height))
}

/// The descriptor of grid item `item`, read from its data (in `idat` or the file).
pub(super) fn grid_descriptor(bytes: &[u8], meta: &[u8], item: u32) -> Option<GridDescriptor> {
    let (data, mut p) = item_data(bytes, meta, item)?;
    let _version = be(data, &mut p, 1)?;
    let flags = be(data, &mut p, 1)?;
    let rows = be(data, &mut p, 1)? as usize + 1;
    let columns = be(data, &mut p, 1)? as usize + 1;
    let field = if flags & 1 == 1 { 4 } else { 2 };
    let width = u32::try_from(be(data, &mut p, field)?).ok()?;
    let height = u32::try_from(be(data, &mut p, field)?).ok()?;
    Some(GridDescriptor {
        rows,
        columns,
        width,
        height,
    })
}

/// The body of the file's `meta` box after its version and flags.
pub(super) fn meta_body(bytes: &[u8]) -> Option<&[u8]> {
    let (_, meta) = boxes(bytes).into_iter().find(|(k, _)| k == b"meta")?;
    meta.get(4..)
}

/// What is wrong with the file's `iloc` box, if anything our reader checks: field sizes
/// (offset, length, base offset, index) other than 0, 4 or 8 bytes, a version over 2 (ISO/IEC
/// 14496-12 allows nothing else), entries that run past the end of the box, or a coded image
/// item (`av01`, `hvc1`) located by no extent of a stated length (no extent, or lengths of 0,
/// which the format reads as "to the end" and libheif 1.15 as nothing). libheif reads such
/// files anyway: a 319-byte AVIF claiming 7-byte offsets, an 885-byte one whose image item has
/// no extent and a 452-byte one whose extent has length 0 each gave it an empty AV1 item,
/// which its dav1d plugin hands to `dav1d_send_data` and then leaks 40 bytes (`image_heif`
/// fuzz findings under LeakSanitizer).
pub(super) fn iloc_fault(bytes: &[u8]) -> Option<String> {
    let meta = meta_body(bytes)?;
    let (_, iloc) = boxes(meta).into_iter().find(|(k, _)| k == b"iloc")?;
    let version = *iloc.first()?;
    let Some(sizes) = iloc.get(4..6) else {
        return Some("the item locations (iloc) box is cut short".into());
    };
    let nibbles = [sizes[0] >> 4, sizes[0] & 15, sizes[1] >> 4, sizes[1] & 15];
    let index_used = version == 1 || version == 2;
    let bad_size = nibbles
        .iter()
        .take(if index_used { 4 } else { 3 })
        .any(|n| !matches!(n, 0 | 4 | 8));
    if version > 2 || bad_size {
        let [o, l, b, i] = nibbles;
        return Some(format!(
            "the item locations (iloc version {version}) use field sizes offset {o}, length \
             {l}, base {b}, index {i}: only 0, 4 or 8 bytes are valid"
        ));
    }
    let coded: Vec<u32> = [b"av01", b"hvc1"]
        .into_iter()
        .flat_map(|kind| items_of_type(meta, kind))
        .collect();
    let mut empty = None;
    let whole = walk_iloc(iloc, |id, at| {
        // A length of 0 means "to the end of the data" in the format; libheif 1.15 reads it
        // as no data at all.
        let no_data = at.extents.iter().all(|&(_, length)| length == 0);
        if no_data && coded.iter().any(|&c| u64::from(c) == id) {
            empty = Some(id);
            return false;
        }
        true
    });
    match (whole, empty) {
        (None, _) => Some("the item locations (iloc) run past the end of their box".into()),
        (_, Some(id)) => Some(format!(
            "coded image item {id} has no data: its item location (iloc) lists no extent of \
             a stated length"
        )),
        _ => None,
    }
}

/// The output sizes (width, height) that the file's grid items declare in their descriptors.
/// libheif 1.15 allocates a grid's output at this size, whatever the `ispe` property (which
/// is what it reports as the image's size) says: a 525-byte file declaring 28207x31935 behind
/// a 64x64 `ispe` took 4 GB (an `image_heif` fuzz finding).
/// `Err(item)` names a grid item whose descriptor cannot be read within its box (libheif
/// 1.15 reads it anyway, past the end of `idat`: a 921-byte file whose descriptor offset
/// pointed there was decoded at 14441x27759, 1.8 GB, another `image_heif` finding), so the
/// size it would allocate is unknown and the file is refused.
pub(super) fn grid_output_sizes(bytes: &[u8]) -> Result<Vec<(u32, u32)>, u32> {
    let Some(meta) = meta_body(bytes) else {
        return Ok(Vec::new());
    };
    let grids = grid_items(meta).into_iter().map(|item| {
        grid_descriptor(bytes, meta, item)
            .map(|g| (g.width, g.height))
            .ok_or(item)
    });
    // Overlays too: libheif 1.15 allocates an overlay's declared output the same way (a
    // 587-byte file whose grid was built from a 64x48 overlay took 198 MB; `image_heif`).
    let overlays = items_of_type(meta, b"iovl")
        .into_iter()
        .map(|item| overlay_size(bytes, meta, item).ok_or(item));
    grids.chain(overlays).collect()
}

#[cfg(test)]
mod tests {
    use super::{has_reference_cycle, iloc_fault};

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    /// A file whose `iref` holds `dimg` references `from -> to` (16-bit ids).
    fn file(edges: &[(u16, &[u16])]) -> Vec<u8> {
        let typed: Vec<_> = edges.iter().map(|&(f, t)| (b"dimg", f, t)).collect();
        file_with(&typed)
    }

    /// A file whose `iref` holds references `(type, from, to)` (16-bit ids).
    fn file_with(edges: &[(&[u8; 4], u16, &[u16])]) -> Vec<u8> {
        let mut iref = vec![0u8; 4];
        for (kind, from, to) in edges {
            let mut d = from.to_be_bytes().to_vec();
            d.extend_from_slice(&(to.len() as u16).to_be_bytes());
            for t in *to {
                d.extend_from_slice(&t.to_be_bytes());
            }
            iref.extend(bx(kind, &d));
        }
        let mut meta = vec![0u8; 4];
        meta.extend(bx(b"hdlr", &[0; 20]));
        meta.extend(bx(b"iref", &iref));
        let mut f = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
        f.extend(bx(b"meta", &meta));
        f
    }

    #[test]
    fn self_and_longer_cycles_are_found_and_plain_grids_are_not() {
        assert!(has_reference_cycle(&file(&[(2, &[2])])));
        assert!(has_reference_cycle(&file(&[
            (1, &[2, 3]),
            (3, &[4]),
            (4, &[1])
        ])));
        assert!(!has_reference_cycle(&file(&[(1, &[2, 3, 4, 5])])));
        assert!(!has_reference_cycle(&file(&[(1, &[2, 2, 3]), (2, &[3])])));
        assert!(!has_reference_cycle(b"not a box at all"));
    }

    #[test]
    fn an_alpha_built_from_its_own_master_is_a_cycle() {
        // The seed layout: grid 2 of tile 1 is the primary, grid 4 of tile 3 its alpha.
        let alpha = |alpha_tile: u16| {
            file_with(&[
                (b"dimg", 2, &[1]),
                (b"dimg", 4, &[alpha_tile]),
                (b"auxl", 4, &[2]),
            ])
        };
        assert!(!has_reference_cycle(&alpha(3)));
        assert!(has_reference_cycle(&alpha(2)));
        // Two images each naming the other as its alpha.
        assert!(has_reference_cycle(&file_with(&[
            (b"auxl", 1, &[2]),
            (b"auxl", 2, &[1])
        ])));
        // A thumbnail is not decoded with its master: no edge.
        assert!(!has_reference_cycle(&file_with(&[
            (b"dimg", 2, &[1]),
            (b"thmb", 1, &[2])
        ])));
    }

    #[test]
    fn a_cycle_behind_a_wrong_child_size_is_found_as_libheif_reads_it() {
        let cycle = file_with(&[(b"dimg", 2, &[1]), (b"dimg", 4, &[2]), (b"auxl", 4, &[2])]);
        assert!(has_reference_cycle(&cycle));
        // The first reference's size 14 made 3584: read by sizes, the `iref` holds nothing;
        // libheif reads each reference after the last whatever its size says.
        let damaged = |mut f: Vec<u8>| {
            let at = f
                .windows(8)
                .position(|w| w == b"\0\0\0\x0edimg")
                .expect("the first reference");
            f[at + 2] = 0x0e;
            f[at + 3] = 0;
            f
        };
        let hidden = damaged(cycle);
        assert!(super::dimg_boxes(&hidden).is_empty());
        assert!(has_reference_cycle(&hidden));
        // The same damage without a cycle is not refused here (libheif judges the rest).
        let plain = damaged(file_with(&[(b"dimg", 2, &[1]), (b"auxl", 4, &[2])]));
        assert!(!has_reference_cycle(&plain));
    }

    #[test]
    fn chains_deeper_than_the_limit_are_refused_whatever_the_visiting_order() {
        let chain = |levels: u16| {
            let ids: Vec<[u16; 1]> = (2..=levels).map(|i| [i]).collect();
            let edges: Vec<(u16, &[u16])> = (1..levels)
                .map(|i| (i, &ids[usize::from(i) - 1][..]))
                .collect();
            file(&edges)
        };
        let limit = super::MAX_DECODE_DEPTH as u16;
        for _ in 0..8 {
            // HashMap order differs per map: repeat so some runs start mid-chain.
            assert!(!has_reference_cycle(&chain(limit)));
            assert!(has_reference_cycle(&chain(limit + 1)));
        }
    }

    /// A file whose `meta` holds an `iloc` of `version` with the two size bytes `sizes`,
    /// then `rest` (item count and entries).
    fn with_iloc(version: u8, sizes: [u8; 2], rest: &[u8]) -> Vec<u8> {
        let mut iloc = vec![version, 0, 0, 0, sizes[0], sizes[1]];
        iloc.extend_from_slice(rest);
        let mut meta = vec![0u8; 4];
        meta.extend(bx(b"iloc", &iloc));
        bx(b"meta", &meta)
    }

    #[test]
    fn only_whole_iloc_boxes_with_0_4_or_8_byte_fields_pass() {
        let none = [0, 0];
        assert_eq!(iloc_fault(&with_iloc(0, [0x44, 0x00], &none)), None);
        assert_eq!(iloc_fault(&with_iloc(1, [0x88, 0x44], &none)), None);
        assert_eq!(iloc_fault(&with_iloc(2, [0x04, 0x80], &[0, 0, 0, 0])), None);
        // Version 0 has no index size: its low nibble is reserved.
        assert_eq!(iloc_fault(&with_iloc(0, [0x44, 0x07], &none)), None);
        assert_eq!(iloc_fault(b"no meta box"), None);
        // One item (id 1, data reference 0), one extent of 4-byte offset and length.
        let one = [0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 4];
        assert_eq!(iloc_fault(&with_iloc(0, [0x44, 0x00], &one)), None);
        let fault = iloc_fault(&with_iloc(0, [0x73, 0x40], &none)).unwrap();
        assert!(fault.contains("offset 7, length 3, base 4"), "{fault}");
        assert!(iloc_fault(&with_iloc(1, [0x44, 0x43], &none)).is_some());
        assert!(iloc_fault(&with_iloc(3, [0x44, 0x00], &none)).is_some());
        // The same entry claiming 2 extents, the second missing.
        let mut two = one;
        two[7] = 2;
        let fault = iloc_fault(&with_iloc(0, [0x44, 0x00], &two)).unwrap();
        assert!(fault.contains("past the end"), "{fault}");
    }
}
