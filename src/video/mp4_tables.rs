//! Sample tables of an MP4/MOV file, checked before FFmpeg opens it. FFmpeg 5.1's `mov` demuxer
//! allocates a table from the entry count its box declares before it reads the entries, so a
//! 1.3 KB file whose `stco` claimed 138 million chunk offsets made it allocate 1.1 GB (a
//! `video_container` fuzz finding, session 13; the allocation is freed when the read hits the
//! end of the file, but the memory bound is broken on the way).
//!
//! [`table_fault`] walks the boxes FFmpeg descends into, the way FFmpeg reads them (a child that
//! claims more than its parent holds is cut at the parent's end; size 0 runs to the parent's
//! end; size 1 has a 64-bit size), and names the first sample table whose declared entries do
//! not fit in its box. Such a file is refused as corrupt: a real file's tables hold what they
//! declare. Later FFmpeg releases check the same for some of these boxes.
//!
//! Every file is read this way, whatever its first box is called: FFmpeg recognises an MP4 by
//! the boxes it finds, so a file whose `ftyp` was renamed still reached the `mov` demuxer (a
//! third finding, when the walk ran only for files that started with a known box). In other
//! containers (Matroska, WebM, AVI, MPEG-TS ...) the first "box size" points past the end or
//! no `moov`/`moof` turns up, and nothing more is read.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Boxes FFmpeg descends into whose children may hold (or lead to) sample tables.
const CONTAINERS: [&[u8; 4]; 11] = [
    b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"moof", b"traf", b"mvex",
    b"udta",
];
/// Largest `moov` or `moof` body read into memory for the check. A two-hour film's `moov` is
/// a few tens of MB; a larger one is refused rather than read.
pub const MAX_CONTAINER_BYTES: u64 = 256 << 20;
/// Top-level boxes visited at most (a fragmented file has two per fragment).
const MAX_TOP_LEVEL_BOXES: usize = 1 << 20;
/// Nesting followed at most (FFmpeg stops at 10 levels).
const MAX_DEPTH: usize = 16;
/// A `trun` whose samples carry no fields (all from defaults) may declare at most this many.
const MAX_FIELDLESS_TRUN_ENTRIES: u64 = 1 << 20;

/// Why a file was refused, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableFault {
    /// A table declares more entries than its box holds (the message names box and counts).
    Corrupt(String),
    /// The file could not be read.
    Io(String),
}

/// Checks the sample tables of the MP4/MOV file at `path` (see the module docs): `Ok(())` for a
/// file whose tables fit their boxes and for a file that holds no `moov` or `moof` box.
pub fn table_fault(path: &Path) -> Result<(), TableFault> {
    let mut f = File::open(path).map_err(|e| TableFault::Io(e.to_string()))?;
    let len = f
        .metadata()
        .map_err(|e| TableFault::Io(e.to_string()))?
        .len();
    let mut pos = 0u64;
    for _ in 0..MAX_TOP_LEVEL_BOXES {
        let mut head = [0u8; 16];
        let got = read_up_to(&mut f, pos, &mut head)?;
        if got < 8 {
            return Ok(());
        }
        let kind = [head[4], head[5], head[6], head[7]];
        let small = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let (header, size) = match small {
            0 => (8, len - pos),
            1 if got >= 16 => (
                16,
                u64::from_be_bytes(head[8..16].try_into().unwrap_or([0; 8])),
            ),
            1 => return Ok(()),
            s => (8, s),
        };
        if size < header {
            return Ok(());
        }
        if CONTAINERS.contains(&&kind) {
            let body_len = (size - header).min(len.saturating_sub(pos + header));
            if body_len > MAX_CONTAINER_BYTES {
                return Err(TableFault::Corrupt(format!(
                    "its {} box is {body_len} bytes, over the {MAX_CONTAINER_BYTES}-byte limit",
                    show(&kind)
                )));
            }
            let mut body = vec![0u8; usize::try_from(body_len).unwrap_or(0)];
            let n = read_up_to(&mut f, pos + header, &mut body)?;
            body.truncate(n);
            walk(&kind, &body, 1, len)?;
        }
        pos = match pos.checked_add(size) {
            Some(p) if p < len => p,
            _ => return Ok(()),
        };
    }
    Ok(())
}

/// Reads into `buf` from `at` until it is full or the file ends; returns the bytes read.
fn read_up_to(f: &mut File, at: u64, buf: &mut [u8]) -> Result<usize, TableFault> {
    f.seek(SeekFrom::Start(at))
        .map_err(|e| TableFault::Io(e.to_string()))?;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(TableFault::Io(e.to_string())),
        }
    }
    Ok(n)
}

/// The children of container `parent` (body `data`), read as FFmpeg reads them; checks each
/// table and descends into containers. `file_len` bounds a sample's size.
fn walk(parent: &[u8; 4], data: &[u8], depth: usize, file_len: u64) -> Result<(), TableFault> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut p = 0usize;
    while let Some(head) = data.get(p..p + 8) {
        let small = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let kind = [head[4], head[5], head[6], head[7]];
        let rest = (data.len() - p) as u64;
        let (header, size) = match small {
            0 => (8u64, rest),
            1 => match data.get(p + 8..p + 16) {
                Some(b) => (16, u64::from_be_bytes(b.try_into().unwrap_or([0; 8]))),
                None => return Ok(()),
            },
            s => (8, s),
        };
        if size < header {
            return Ok(());
        }
        // FFmpeg cuts a child that claims more than its parent holds at the parent's end.
        let size = size.min(rest);
        let (start, end) = (p + header as usize, p + size as usize);
        let body = data.get(start..end).unwrap_or(&[]);
        if CONTAINERS.contains(&&kind) {
            walk(&kind, body, depth + 1, file_len)?;
        } else {
            check_table(parent, &kind, body)?;
            check_sample_sizes(&kind, body, file_len)?;
        }
        p = end;
    }
    Ok(())
}

/// Big-endian u32 at `at` of `b`.
fn u32_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at + 4)?;
    Some(u64::from(u32::from_be_bytes([s[0], s[1], s[2], s[3]])))
}

/// Checks one table box: its declared entries must fit in its body.
fn check_table(parent: &[u8; 4], kind: &[u8; 4], body: &[u8]) -> Result<(), TableFault> {
    let Some((count, bits_per_entry, header)) = layout(kind, body) else {
        return Ok(());
    };
    let room = (body.len() as u64).saturating_sub(header);
    let need = (u128::from(count) * u128::from(bits_per_entry)).div_ceil(8);
    let fieldless_trun = kind == b"trun" && bits_per_entry == 0;
    if need > u128::from(room) || (fieldless_trun && count > MAX_FIELDLESS_TRUN_ENTRIES) {
        return Err(TableFault::Corrupt(format!(
            "its {} box (in {}) declares {count} entries but holds {} bytes of them",
            show(kind),
            show(parent),
            room
        )));
    }
    Ok(())
}

/// A sample larger than the whole file cannot be read from it, and FFmpeg 5.1's `mov` demuxer
/// spun for minutes in `av_read_frame` on one (a 537 MB sample in a 1.3 KB file, a second
/// `video_container` finding): every size in `stsz` (and a constant sample size) and in a
/// `trun` that carries sizes must be at most `file_len`. Runs after [`check_table`], so the
/// declared entries are in the body.
fn check_sample_sizes(kind: &[u8; 4], body: &[u8], file_len: u64) -> Result<(), TableFault> {
    // Where the size sits in each entry, in bytes; `None`: the entries carry no size.
    let size_at = match kind {
        b"stsz" => Some(0),
        // A `trun` sample has its size after its duration, when its flags say it has either.
        b"trun" => {
            let flags = u32_at(body, 0).unwrap_or(0);
            (flags & 0x200 != 0).then(|| 4 * usize::from(flags & 0x100 != 0))
        }
        _ => None,
    };
    let Some(skip) = size_at else {
        return Ok(());
    };
    // `stsz` with one size for every sample, in place of the table.
    let constant = u32_at(body, 4).filter(|&c| kind == b"stsz" && c != 0);
    let sizes: Vec<u64> = match (constant, layout(kind, body)) {
        (Some(c), _) => vec![c],
        (None, Some((count, bits, header))) => {
            let (stride, first) = ((bits / 8) as usize, header as usize + skip);
            let n = usize::try_from(count).unwrap_or(usize::MAX);
            (0..n)
                .map_while(|i| u32_at(body, first + stride * i))
                .collect()
        }
        (None, None) => return Ok(()),
    };
    match sizes.iter().position(|&s| s > file_len) {
        Some(i) => Err(TableFault::Corrupt(format!(
            "its {} box declares a sample of {} bytes (sample {}) in a file of {file_len} bytes",
            show(kind),
            sizes[i],
            i + 1
        ))),
        None => Ok(()),
    }
}

/// (declared entries, bits a entry takes in the file, bytes before the entries) of a table
/// box FFmpeg allocates from its count; `None` for other boxes and bodies too short to hold
/// a count (FFmpeg then reads nothing).
fn layout(kind: &[u8; 4], body: &[u8]) -> Option<(u64, u64, u64)> {
    let version = *body.first()?;
    let flags = u32_at(body, 0)? & 0x00ff_ffff;
    match kind {
        b"stco" | b"stss" | b"stps" => Some((u32_at(body, 4)?, 32, 8)),
        b"co64" | b"stts" | b"ctts" => Some((u32_at(body, 4)?, 64, 8)),
        b"stsc" => Some((u32_at(body, 4)?, 96, 8)),
        b"elst" => Some((u32_at(body, 4)?, if version == 1 { 160 } else { 96 }, 8)),
        b"stsz" => {
            let sample_size = u32_at(body, 4)?;
            Some((u32_at(body, 8)?, if sample_size == 0 { 32 } else { 0 }, 12))
        }
        b"stz2" => Some((u32_at(body, 8)?, u64::from(*body.get(7)?), 12)),
        b"sbgp" => {
            let at = if version == 1 { 12 } else { 8 };
            Some((u32_at(body, at)?, 64, at as u64 + 4))
        }
        b"trun" => {
            let header = 8 + 4 * u64::from(flags & 0x1 != 0) + 4 * u64::from(flags & 0x4 != 0);
            let per_sample = 32 * u64::from((flags & 0xf00).count_ones());
            Some((u32_at(body, 4)?, per_sample, header))
        }
        _ => None,
    }
}

/// A box type for messages (printable ASCII as is, else hex).
fn show(kind: &[u8; 4]) -> String {
    if kind.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("'{}'", String::from_utf8_lossy(kind))
    } else {
        format!(
            "0x{}",
            kind.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    /// A full box body: version 0, flags 0, then `count` and `entries` bytes.
    fn table(count: u32, entries: usize) -> Vec<u8> {
        let mut v = vec![0, 0, 0, 0];
        v.extend_from_slice(&count.to_be_bytes());
        v.extend(std::iter::repeat_n(0u8, entries));
        v
    }

    fn file_with_stbl(children: &[u8]) -> Vec<u8> {
        let stbl = bx(b"stbl", children);
        let minf = bx(b"minf", &stbl);
        let mdia = bx(b"mdia", &minf);
        let trak = bx(b"trak", &mdia);
        let moov = bx(b"moov", &trak);
        let mut f = bx(b"ftyp", b"isom\0\0\x02\0isomiso2");
        f.extend(moov);
        f
    }

    fn check(bytes: &[u8]) -> Result<(), TableFault> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.mp4");
        std::fs::write(&p, bytes).unwrap();
        table_fault(&p)
    }

    #[test]
    fn tables_that_hold_their_entries_pass() {
        let mut stbl = bx(b"stco", &table(3, 12));
        stbl.extend(bx(b"stsc", &table(1, 12)));
        stbl.extend(bx(b"stts", &table(2, 16)));
        // A constant sample size: the count needs no entries.
        let mut stsz = vec![0, 0, 0, 0, 0, 0, 0, 16];
        stsz.extend_from_slice(&1_000_000u32.to_be_bytes());
        stbl.extend(bx(b"stsz", &stsz));
        assert_eq!(check(&file_with_stbl(&stbl)), Ok(()));
    }

    #[test]
    fn a_count_beyond_the_box_is_refused_and_named() {
        // The fuzz finding's shape: 'stco' claims 138,576,516 offsets in a 20-byte box.
        let stbl = bx(b"stco", &table(138_576_516, 4));
        let Err(TableFault::Corrupt(msg)) = check(&file_with_stbl(&stbl)) else {
            panic!("refused");
        };
        assert!(msg.contains("'stco'") && msg.contains("138576516"), "{msg}");
        // One entry short is enough.
        let stbl = bx(b"stsc", &table(2, 12));
        assert!(matches!(
            check(&file_with_stbl(&stbl)),
            Err(TableFault::Corrupt(_))
        ));
    }

    #[test]
    fn a_sample_larger_than_the_file_is_refused() {
        // The second finding's shape: the sixth of six sizes is 536,870,932 bytes.
        let mut stsz = vec![0u8; 8];
        stsz.extend_from_slice(&6u32.to_be_bytes());
        for size in [0x2b, 0x1b, 3, 0x6b, 0x14, 0x2000_0014u32] {
            stsz.extend_from_slice(&size.to_be_bytes());
        }
        let Err(TableFault::Corrupt(msg)) = check(&file_with_stbl(&bx(b"stsz", &stsz))) else {
            panic!("refused");
        };
        assert!(
            msg.contains("536870932") && msg.contains("sample 6"),
            "{msg}"
        );
        // Sizes that fit the file pass; so does a constant size that does.
        let n = stsz.len();
        stsz[n - 4..].copy_from_slice(&0x14u32.to_be_bytes());
        assert_eq!(check(&file_with_stbl(&bx(b"stsz", &stsz))), Ok(()));
    }

    #[test]
    fn a_child_claiming_more_than_its_parent_is_read_as_ffmpeg_cuts_it() {
        // 'stco' says it is 4 KB long inside a parent that ends after 16 bytes of it: FFmpeg
        // reads it cut at the parent's end, so its 500 entries do not fit.
        let mut stco = 4096u32.to_be_bytes().to_vec();
        stco.extend_from_slice(b"stco");
        stco.extend(table(500, 8));
        assert!(matches!(
            check(&file_with_stbl(&stco)),
            Err(TableFault::Corrupt(_))
        ));
    }

    #[test]
    fn fragment_runs_count_their_fields() {
        // trun with per-sample duration and size (flags 0x300): 8 bytes a sample.
        let trun = |count: u32, bytes: usize, flags: u32| {
            let mut v = flags.to_be_bytes().to_vec();
            v.extend_from_slice(&count.to_be_bytes());
            v.extend(std::iter::repeat_n(0u8, bytes));
            bx(b"trun", &v)
        };
        let file = |t: Vec<u8>| {
            let mut f = bx(b"ftyp", b"iso5\0\0\0\0");
            f.extend(bx(b"moof", &bx(b"traf", &t)));
            f
        };
        assert_eq!(check(&file(trun(4, 32, 0x300))), Ok(()));
        assert!(matches!(
            check(&file(trun(5, 32, 0x300))),
            Err(TableFault::Corrupt(_))
        ));
        // No per-sample fields: the count alone may not run into the millions.
        assert_eq!(check(&file(trun(1000, 0, 0))), Ok(()));
        assert!(matches!(
            check(&file(trun(50_000_000, 0, 0))),
            Err(TableFault::Corrupt(_))
        ));
    }

    #[test]
    fn a_renamed_first_box_does_not_hide_the_tables() {
        let mut f = file_with_stbl(&bx(b"stco", &table(138_576_516, 4)));
        f[4..8].copy_from_slice(b"Ytyp");
        assert!(matches!(check(&f), Err(TableFault::Corrupt(_))));
    }

    #[test]
    fn other_containers_and_short_files_are_left_to_ffmpeg() {
        // Matroska's EBML header, a truncated box header, an empty file.
        assert_eq!(
            check(&[0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 1]),
            Ok(())
        );
        assert_eq!(check(b"\0\0\0\x20ftyp"), Ok(()));
        assert_eq!(check(b""), Ok(()));
        let missing = std::path::Path::new("/nonexistent/preflight.mp4");
        assert!(matches!(table_fault(missing), Err(TableFault::Io(_))));
    }
}
