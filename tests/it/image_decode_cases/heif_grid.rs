//! Grid HEIC files as phones write them (a `grid` item over hidden 512x512 `hvc1` tiles), made at
//! test time: libheif 1.15's `heif-enc` (Debian libheif-examples) writes only single-image
//! files, so each tile is encoded with it as its own file, and its `hvcC` and coded data are
//! put into a grid file written here, with optional `irot`/`imir`/`clap` on the grid item.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Side of a tile, as an iPhone writes them.
pub const TILE: usize = 512;

/// One coded tile: its `hvcC` box (header included) and its HEVC data.
#[derive(Clone)]
pub struct CodedTile {
    hvcc: Vec<u8>,
    data: Vec<u8>,
}

/// A transformative property of the grid item, in the order the file lists it.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// `irot`: quarter turns anticlockwise (0 to 3).
    Rotate(u8),
    /// `imir`: the axis field (0 or 1).
    Mirror(u8),
    /// `clap`: a `width x height` aperture whose centre is `(dx, dy)` half pixels from the
    /// image's centre.
    Clap(u32, u32, i32, i32),
}

/// `heif-enc`'s path; when it is not installed, None after saying why the test skips (or a
/// failure under PREFLIGHT_REQUIRE_ALL=1).
pub fn heif_enc_or_skip() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("heif-enc"))
            .find(|f| f.is_file())
    });
    if found.is_none() {
        let msg = "heif-enc is not installed (scripts/image-decode-deps.sh installs it)";
        assert!(
            std::env::var("PREFLIGHT_REQUIRE_ALL").as_deref() != Ok("1"),
            "{msg}"
        );
        eprintln!("skipped: {msg}");
    }
    found
}

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

fn full_box(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = vec![version];
    b.extend_from_slice(&flags.to_be_bytes()[1..]);
    b.extend_from_slice(body);
    bx(kind, &b)
}

/// The top-level box of type `kind` in a heif-enc file (whole, header included), found by
/// walking the boxes from `start`, descending into the containers that lead to it.
fn find_box<'a>(data: &'a [u8], kind: &[u8; 4]) -> &'a [u8] {
    let mut p = 0;
    while p + 8 <= data.len() {
        let size = u32::from_be_bytes(data[p..p + 4].try_into().unwrap()) as usize;
        let k = &data[p + 4..p + 8];
        if k == kind {
            return &data[p..p + size];
        }
        let inner = match k {
            b"meta" => Some(12),
            b"iprp" | b"ipco" => Some(8),
            _ => None,
        };
        if let Some(skip) = inner {
            let found = find_box(&data[p + skip..p + size], kind);
            if !found.is_empty() {
                return found;
            }
        }
        p += size.max(8);
    }
    &[]
}

/// Encodes `png` into `out` with heif-enc at quality 60: HEVC with x265's fastest preset, or
/// (`avif`) AV1 with aom at its fastest.
pub fn heif_enc(enc: &Path, png: &Path, out: &Path, avif: bool) {
    let mut cmd = Command::new(enc);
    cmd.args(["-q", "60"]);
    if avif {
        cmd.args(["-A", "-p", "speed=9"]);
    } else {
        cmd.args(["-p", "preset=ultrafast"]);
    }
    let status = cmd.arg(png).arg("-o").arg(out).output().unwrap();
    assert!(
        status.status.success(),
        "heif-enc failed on {}",
        png.display()
    );
}

/// Encodes one 8-bit RGB tile (`TILE` x `TILE`, row-major) with heif-enc.
fn encode_tile(enc: &Path, dir: &Path, n: usize, rgb: &[u8]) -> CodedTile {
    let png = dir.join(format!("tile{n}.png"));
    let out = dir.join(format!("tile{n}.heic"));
    image::RgbImage::from_raw(TILE as u32, TILE as u32, rgb.to_vec())
        .unwrap()
        .save_with_format(&png, image::ImageFormat::Png)
        .unwrap();
    heif_enc(enc, &png, &out, false);
    let file = std::fs::read(&out).unwrap();
    let hvcc = find_box(&file, b"hvcC").to_vec();
    let mdat = find_box(&file, b"mdat");
    assert!(!hvcc.is_empty() && mdat.len() > 8, "heif-enc's file layout");
    CodedTile {
        hvcc,
        data: mdat[8..].to_vec(),
    }
}

/// Encodes the tiles of a `cols x rows` grid whose pixel (x, y) of tile (tx, ty) is `pixel`
/// at (tx*TILE + x, ty*TILE + y), two heif-enc runs at a time.
pub fn encode_tiles(
    enc: &Path,
    cols: usize,
    rows: usize,
    pixel: impl Fn(usize, usize) -> [u8; 3] + Sync,
) -> Vec<CodedTile> {
    let dir = tempfile::tempdir().unwrap();
    let n = cols * rows;
    let tile = |i: usize| {
        let (tx, ty) = (i % cols, i / cols);
        let mut rgb = Vec::with_capacity(TILE * TILE * 3);
        for y in 0..TILE {
            for x in 0..TILE {
                rgb.extend_from_slice(&pixel(tx * TILE + x, ty * TILE + y));
            }
        }
        encode_tile(enc, dir.path(), i, &rgb)
    };
    let mut out: Vec<Option<CodedTile>> = vec![None; n];
    std::thread::scope(|s| {
        let halves: Vec<_> = (0..2)
            .map(|part| {
                let tile = &tile;
                s.spawn(move || {
                    (part..n)
                        .step_by(2)
                        .map(|i| (i, tile(i)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in halves {
            for (i, t) in h.join().unwrap() {
                out[i] = Some(t);
            }
        }
    });
    out.into_iter().map(Option::unwrap).collect()
}

/// The property box of `op`.
fn op_box(op: Op) -> Vec<u8> {
    match op {
        Op::Rotate(q) => bx(b"irot", &[q & 3]),
        Op::Mirror(a) => bx(b"imir", &[a & 1]),
        Op::Clap(w, h, dx, dy) => {
            let fields = [w, 1, h, 1, dx as u32, 2, dy as u32, 2];
            bx(b"clap", &fields.map(u32::to_be_bytes).concat())
        }
    }
}

/// The `iprp` box of [`grid_file`]: 1 grid ispe, 2 tile ispe, then the ops (on the grid, item
/// 1), then one hvcC per coded tile (tile `i` is item `i + 2`).
fn properties(coded: &[CodedTile], layout: &[usize], size: (u32, u32), ops: &[Op]) -> Vec<u8> {
    let grid_id: u16 = 1;
    let tile_id = |i: usize| i as u16 + 2;
    let ispe =
        |w: u32, h: u32| full_box(b"ispe", 0, 0, &[w.to_be_bytes(), h.to_be_bytes()].concat());
    let mut ipco = ispe(size.0, size.1);
    ipco.extend(ispe(TILE as u32, TILE as u32));
    for op in ops {
        ipco.extend(op_box(*op));
    }
    for t in coded {
        ipco.extend_from_slice(&t.hvcc);
    }
    let first_hvcc = 3 + ops.len();
    let mut ipma = (layout.len() as u32 + 1).to_be_bytes().to_vec();
    ipma.extend_from_slice(&grid_id.to_be_bytes());
    ipma.push(1 + ops.len() as u8);
    ipma.push(1);
    ipma.extend((0..ops.len()).map(|k| 0x80 | (3 + k) as u8));
    for (i, &c) in layout.iter().enumerate() {
        ipma.extend_from_slice(&tile_id(i).to_be_bytes());
        ipma.extend_from_slice(&[2, 0x80 | (first_hvcc + c) as u8, 2]);
    }
    bx(
        b"iprp",
        &[bx(b"ipco", &ipco), full_box(b"ipma", 0, 0, &ipma)].concat(),
    )
}

/// A grid file: `cols x rows` hidden tiles (tile `i` in row-major order is
/// `coded[layout[i]]`, so tiles may share coded data), cropped to `size`, with `ops` on the
/// grid item.
pub fn grid_file(
    coded: &[CodedTile],
    layout: &[usize],
    (cols, rows): (usize, usize),
    size: (u32, u32),
    ops: &[Op],
) -> Vec<u8> {
    assert_eq!(layout.len(), cols * rows);
    let n = layout.len() as u16;
    let grid_id: u16 = 1;
    let tile_id = |i: usize| i as u16 + 2;
    let mut infe = Vec::new();
    infe.extend(full_box(
        b"infe",
        2,
        0,
        &[&grid_id.to_be_bytes()[..], b"\0\0grid\0"].concat(),
    ));
    for i in 0..layout.len() {
        let body = [&tile_id(i).to_be_bytes()[..], b"\0\0hvc1\0"].concat();
        infe.extend(full_box(b"infe", 2, 1, &body));
    }
    let iinf = full_box(b"iinf", 0, 0, &[&(n + 1).to_be_bytes()[..], &infe].concat());
    let mut dimg = grid_id.to_be_bytes().to_vec();
    dimg.extend_from_slice(&n.to_be_bytes());
    for i in 0..layout.len() {
        dimg.extend_from_slice(&tile_id(i).to_be_bytes());
    }
    let iref = full_box(b"iref", 0, 0, &bx(b"dimg", &dimg));
    let iprp = properties(coded, layout, size, ops);
    let wide = size.0 > 0xffff || size.1 > 0xffff;
    let mut grid = vec![0, u8::from(wide), rows as u8 - 1, cols as u8 - 1];
    if wide {
        grid.extend(size.0.to_be_bytes());
        grid.extend(size.1.to_be_bytes());
    } else {
        grid.extend((size.0 as u16).to_be_bytes());
        grid.extend((size.1 as u16).to_be_bytes());
    }
    // Coded data offsets in mdat, once per distinct tile.
    let mut starts = Vec::new();
    let mut at = 0u32;
    for t in coded {
        starts.push(at);
        at += t.data.len() as u32;
    }
    let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heicmiaf");
    let hdlr = full_box(b"hdlr", 0, 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
    let pitm = full_box(b"pitm", 0, 0, &grid_id.to_be_bytes());
    let iloc = |mdat_body: u32| {
        let mut b = vec![0x44, 0x00];
        b.extend_from_slice(&(n + 1).to_be_bytes());
        let mut item = |id: u16, method: u16, off: u32, len: u32| {
            b.extend_from_slice(&id.to_be_bytes());
            b.extend_from_slice(&method.to_be_bytes());
            b.extend_from_slice(&[0, 0, 0, 1]);
            b.extend_from_slice(&off.to_be_bytes());
            b.extend_from_slice(&len.to_be_bytes());
        };
        item(grid_id, 1, 0, grid.len() as u32);
        for (i, &c) in layout.iter().enumerate() {
            item(
                tile_id(i),
                0,
                mdat_body + starts[c],
                coded[c].data.len() as u32,
            );
        }
        full_box(b"iloc", 1, 0, &b)
    };
    let meta = |mdat_body: u32| {
        let body = [
            &hdlr[..],
            &pitm,
            &iinf,
            &iref,
            &iprp,
            &iloc(mdat_body),
            &bx(b"idat", &grid),
        ]
        .concat();
        full_box(b"meta", 0, 0, &body)
    };
    let mdat_body = (ftyp.len() + meta(0).len() + 8) as u32;
    let mut file = ftyp;
    file.extend(meta(mdat_body));
    let data: Vec<u8> = coded.iter().flat_map(|t| t.data.iter().copied()).collect();
    file.extend(bx(b"mdat", &data));
    file
}

/// The photo-like picture of `cases::photo_row`, pixel (x, y) of a `w`-wide image (columns
/// past the width repeat the last one).
pub fn photo_pixel(w: usize) -> impl Fn(usize, usize) -> [u8; 3] + Sync {
    move |x, y| {
        let x = x.min(w - 1);
        let edge = if (x / 301 + y / 173).is_multiple_of(4) {
            70
        } else {
            0
        };
        [
            ((x * 255 / w) as u8).wrapping_add(edge),
            ((y * 7 + x / 64) % 256) as u8,
            (((x + y) / 40) % 256) as u8,
        ]
    }
}

/// Columns and rows of tiles of a 12 MP (4032x3024) phone photo.
pub const PHOTO_GRID: (usize, usize) = (8, 6);
/// A 12 MP phone photo's size.
pub const PHOTO_SIZE: (u32, u32) = (4032, 3024);

/// The 48 coded tiles of a 4032x3024 photo-like picture, encoded once per test process.
pub fn photo_tiles(enc: &Path) -> &'static [CodedTile] {
    static TILES: std::sync::OnceLock<Vec<CodedTile>> = std::sync::OnceLock::new();
    TILES.get_or_init(|| {
        encode_tiles(
            enc,
            PHOTO_GRID.0,
            PHOTO_GRID.1,
            photo_pixel(PHOTO_SIZE.0 as usize),
        )
    })
}

/// A 12 MP grid HEIC of the photo-like picture, with `ops` on the grid item.
pub fn photo_grid(enc: &Path, ops: &[Op]) -> Vec<u8> {
    let tiles = photo_tiles(enc);
    let layout: Vec<usize> = (0..tiles.len()).collect();
    grid_file(tiles, &layout, PHOTO_GRID, PHOTO_SIZE, ops)
}

/// A single-image HEIC (or, `avif`, AVIF with aom at its fastest) of the photo-like picture of
/// `cases::png_rgb` at `w x h`, encoded by heif-enc, written into `dir`; its path.
pub fn single_image_file(enc: &Path, dir: &Path, (w, h): (usize, usize), avif: bool) -> PathBuf {
    let png = dir.join(format!("{w}x{h}.png"));
    std::fs::write(&png, super::png_rgb(w, h)).unwrap();
    let out = dir.join(format!("{w}x{h}.{}", if avif { "avif" } else { "heic" }));
    heif_enc(enc, &png, &out, avif);
    out
}

/// A single-image file whose one (primary) item is `tile` (512x512), with `ops` on it.
pub fn item_file(tile: &CodedTile, ops: &[Op]) -> Vec<u8> {
    let infe = full_box(b"infe", 2, 0, b"\0\x01\0\0hvc1\0");
    let iinf = full_box(b"iinf", 0, 0, &[&[0, 1][..], &infe].concat());
    let ispe = full_box(
        b"ispe",
        0,
        0,
        &[(TILE as u32).to_be_bytes(), (TILE as u32).to_be_bytes()].concat(),
    );
    let mut ipco = ispe;
    ipco.extend_from_slice(&tile.hvcc);
    for op in ops {
        ipco.extend(op_box(*op));
    }
    let mut ipma = vec![0, 0, 0, 1, 0, 1, 2 + ops.len() as u8, 1, 0x82];
    ipma.extend((0..ops.len()).map(|k| 0x80 | (3 + k) as u8));
    let iprp = bx(
        b"iprp",
        &[bx(b"ipco", &ipco), full_box(b"ipma", 0, 0, &ipma)].concat(),
    );
    let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heicmiaf");
    let hdlr = full_box(b"hdlr", 0, 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
    let pitm = full_box(b"pitm", 0, 0, &[0, 1]);
    let meta = |data_at: u32| {
        let mut iloc = vec![0x44, 0x00, 0, 1, 0, 1, 0, 0, 0, 1];
        iloc.extend(data_at.to_be_bytes());
        iloc.extend((tile.data.len() as u32).to_be_bytes());
        let iloc = full_box(b"iloc", 0, 0, &iloc);
        full_box(
            b"meta",
            0,
            0,
            &[&hdlr[..], &pitm, &iinf, &iprp, &iloc].concat(),
        )
    };
    let data_at = (ftyp.len() + meta(0).len() + 8) as u32;
    let mut file = ftyp;
    file.extend(meta(data_at));
    file.extend(bx(b"mdat", &tile.data));
    file
}
