//! Derived-image references of a HEIF file, read before libheif sees it. libheif 1.15 decodes a
//! grid (or overlay) item by decoding the items its `dimg` reference names, recursively and
//! without a depth limit, so a 950-byte file whose grid names itself overflowed the stack (and,
//! with its tile threads on, threw `std::system_error` through the C API): both abort the
//! process (an `image_heif` fuzz finding). [`has_reference_cycle`] walks `meta` → `iref` and
//! reports whether the `dimg` references form a cycle; such files are refused as corrupt.

use std::collections::HashMap;

/// The boxes directly inside `data`: (type, body) pairs; stops at the first malformed box.
fn boxes(data: &[u8]) -> Vec<([u8; 4], &[u8])> {
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

/// The `dimg` references of the file's `iref` box: item id -> the item ids it is derived from.
fn dimg_references(bytes: &[u8]) -> HashMap<u32, Vec<u32>> {
    let mut refs: HashMap<u32, Vec<u32>> = HashMap::new();
    let Some((_, meta)) = boxes(bytes).into_iter().find(|(k, _)| k == b"meta") else {
        return refs;
    };
    // `meta` and `iref` are full boxes: a version byte and three flag bytes come first.
    let Some((_, iref)) = boxes(meta.get(4..).unwrap_or(&[]))
        .into_iter()
        .find(|(k, _)| k == b"iref")
    else {
        return refs;
    };
    let Some(&version) = iref.first() else {
        return refs;
    };
    let width = if version == 0 { 2 } else { 4 };
    let id = |b: &[u8]| b.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x));
    for (kind, body) in boxes(iref.get(4..).unwrap_or(&[])) {
        if &kind != b"dimg" {
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
            .map(id);
        refs.entry(id(from)).or_default().extend(to);
    }
    refs
}

/// Whether following `dimg` references from any item comes back to an item already on the path.
pub(super) fn has_reference_cycle(bytes: &[u8]) -> bool {
    let refs = dimg_references(bytes);
    // 0: unvisited, 1: on the current path, 2: done. Iterative, so a hostile chain cannot
    // overflow our stack either.
    let mut state: HashMap<u32, u8> = HashMap::new();
    for &start in refs.keys() {
        if state.get(&start).copied().unwrap_or(0) != 0 {
            continue;
        }
        let mut stack: Vec<(u32, usize)> = vec![(start, 0)];
        state.insert(start, 1);
        while let Some((item, next)) = stack.pop() {
            let children = refs.get(&item).map_or(&[][..], Vec::as_slice);
            match children.get(next) {
                None => {
                    state.insert(item, 2);
                }
                Some(&child) => {
                    stack.push((item, next + 1));
                    match state.get(&child).copied().unwrap_or(0) {
                        1 => return true,
                        0 => {
                            state.insert(child, 1);
                            stack.push((child, 0));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::has_reference_cycle;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    /// A file whose `iref` holds `dimg` references `from -> to` (16-bit ids).
    fn file(edges: &[(u16, &[u16])]) -> Vec<u8> {
        let mut iref = vec![0u8; 4];
        for (from, to) in edges {
            let mut d = from.to_be_bytes().to_vec();
            d.extend_from_slice(&(to.len() as u16).to_be_bytes());
            for t in *to {
                d.extend_from_slice(&t.to_be_bytes());
            }
            iref.extend(bx(b"dimg", &d));
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
}
