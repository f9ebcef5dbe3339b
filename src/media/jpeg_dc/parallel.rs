//! Splitting the entropy decoding across threads.
//!
//! With restart markers the intervals are independent (the DC predictors restart at zero), so
//! each thread decodes a contiguous group of intervals exactly.
//!
//! Without them, speculative self-synchronising decoding (Klein & Wiseman 2003; Weißenberger &
//! Schmidt 2018, GPU JPEG): the entropy data is cut into chunks at arbitrary bit positions. The
//! first chunk is decoded exactly. Every other chunk is decoded from its first bit as if an MCU
//! started there, with zeroed DC predictors, recording at each MCU boundary the bit position and
//! the predictors ([`Run`]); on an invalid code it restarts one bit after the fault (a new run).
//! Huffman codes resynchronise quickly, so soon the speculative MCU boundaries are the true
//! ones. Then the exact decoding, continued past its chunk's end, reaches an MCU boundary whose
//! bit position a run recorded: from there both decode the same bits the same way, and the run's
//! DC values only differ from the true ones by the predictor difference at that boundary (a
//! constant per component). The run is copied with that offset, and the exact decoding resumes
//! at the run's end, into the next chunk. If no run ever matches, the exact decoding just goes on
//! (correct, only slower), so the result never depends on the split.

use super::huffman::{decode_mcu, BitReader, BlockTables};
use super::{corrupt, DcError, Entropy, Layout, Parallelism};

/// The decoder state at an MCU boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Boundary {
    /// Bit position in the destuffed entropy data.
    pos: u64,
    /// DC predictor of each component.
    preds: [i32; 3],
}

/// MCUs decoded speculatively without a fault: `records[k]` is the state before MCU k,
/// the last record the state after the last MCU; `dc` holds the MCUs' DC values.
struct Run {
    records: Vec<Boundary>,
    dc: Vec<i16>,
}

fn ran_out() -> DcError {
    corrupt("the image data ends before the last block")
}

/// Decodes exactly from `start`, into `out` (whole MCUs), stopping early once the position
/// reaches `stop`. Returns the state reached and the number of MCUs decoded.
fn decode_exact(
    data: &[u8],
    blocks: &[BlockTables<'_>],
    start: Boundary,
    out: &mut [i16],
    stop: u64,
) -> Result<(Boundary, usize), DcError> {
    let bits = data.len() as u64 * 8;
    let mut r = BitReader::new(data, start.pos);
    let mut preds = start.preds;
    let mut pos = start.pos;
    let mut n = 0;
    for mcu in out.chunks_exact_mut(blocks.len()) {
        if pos >= stop {
            break;
        }
        decode_mcu(&mut r, blocks, &mut preds, mcu).map_err(|f| corrupt(f.describe()))?;
        pos = r.pos();
        if pos > bits {
            return Err(ran_out());
        }
        n += 1;
    }
    Ok((Boundary { pos, preds }, n))
}

/// Decodes a file with restart markers: the intervals are spread over threads in contiguous
/// groups. Returns the DC values, MCU-major.
pub(super) fn decode_restart(
    e: &Entropy,
    interval: usize,
    lay: &Layout,
    blocks: &[BlockTables<'_>],
    par: &Parallelism,
) -> Result<Vec<i16>, DcError> {
    let bpm = blocks.len();
    let mut out = vec![0i16; lay.total_mcus() * bpm];
    let nseg = e.segments.len().max(1);
    let threads = if e.data.len() >= par.min_bytes {
        par.thread_count().min(nseg)
    } else {
        1
    };
    let per_group = nseg.div_ceil(threads);
    let group_len = (per_group * interval * bpm).max(1);
    let decode_group = |g: usize, chunk: &mut [i16]| -> Result<(), DcError> {
        for (k, seg_out) in chunk.chunks_mut(interval * bpm).enumerate() {
            let start = Boundary {
                pos: 0,
                preds: [0; 3],
            };
            decode_exact(
                e.segment(g * per_group + k),
                blocks,
                start,
                seg_out,
                u64::MAX,
            )?;
        }
        Ok(())
    };
    let mut groups = out.chunks_mut(group_len).enumerate();
    let first = groups.next();
    std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .map(|(g, chunk)| s.spawn(move || decode_group(g, chunk)))
            .collect();
        // The calling thread takes the first group; errors are reported in data order.
        let mut result = first.map_or(Ok(()), |(g, chunk)| decode_group(g, chunk));
        for h in handles {
            let r = h
                .join()
                .unwrap_or_else(|_| Err(corrupt("a decoder thread failed")));
            if result.is_ok() {
                result = r;
            }
        }
        result
    })?;
    Ok(out)
}

/// Decodes speculatively from bit `start` up to the first MCU boundary at or after `stop`, or
/// until `max_mcus` MCUs are recorded (which bounds the memory a hostile file can make it use;
/// the exact decoding does whatever is left).
fn speculate(
    data: &[u8],
    blocks: &[BlockTables<'_>],
    start: u64,
    stop: u64,
    max_mcus: usize,
) -> Vec<Run> {
    let bits = data.len() as u64 * 8;
    let bpm = blocks.len();
    let mut runs = Vec::new();
    let mut records = Vec::new();
    let mut dc = Vec::new();
    let mut mcu = [0i16; 10];
    let mut pos = start;
    let mut recorded = 0usize;
    let finish = |runs: &mut Vec<Run>, records: &mut Vec<Boundary>, dc: &mut Vec<i16>| {
        if records.len() > 1 {
            runs.push(Run {
                records: std::mem::take(records),
                dc: std::mem::take(dc),
            });
        }
        records.clear();
        dc.clear();
    };
    'restart: while pos < stop && pos < bits {
        let mut r = BitReader::new(data, pos);
        let mut preds = [0i32; 3];
        records.push(Boundary { pos, preds });
        loop {
            let before = r.pos();
            match decode_mcu(&mut r, blocks, &mut preds, &mut mcu[..bpm]) {
                Ok(()) if r.pos() <= bits => {
                    dc.extend_from_slice(&mcu[..bpm]);
                    records.push(Boundary {
                        pos: r.pos(),
                        preds,
                    });
                    recorded += 1;
                    if r.pos() >= stop || recorded >= max_mcus {
                        break 'restart;
                    }
                }
                Ok(()) => break 'restart, // past the end of the data
                Err(fault) => {
                    finish(&mut runs, &mut records, &mut dc);
                    pos = fault.pos().max(before) + 1;
                    continue 'restart;
                }
            }
        }
    }
    finish(&mut runs, &mut records, &mut dc);
    runs
}

/// Where the exact decoding looks for a synchronisation point in one chunk's runs.
#[derive(Default, Clone, Copy)]
struct Cursor {
    run: usize,
    record: usize,
}

/// Finds a record at bit `pos` that starts an MCU, advancing the cursors (positions only grow).
fn find_sync(
    chunks: &[Vec<Run>],
    cursors: &mut [Cursor],
    pos: u64,
) -> Option<(usize, usize, usize)> {
    for (j, (runs, cur)) in chunks.iter().zip(cursors.iter_mut()).enumerate() {
        while let Some(run) = runs.get(cur.run) {
            // The last record ends the run: it starts no MCU of it.
            match run.records.get(cur.record) {
                Some(rec) if cur.record + 1 < run.records.len() => {
                    if rec.pos < pos {
                        cur.record += 1;
                    } else {
                        if rec.pos == pos {
                            return Some((j, cur.run, cur.record));
                        }
                        break;
                    }
                }
                _ => {
                    cur.run += 1;
                    cur.record = 0;
                }
            }
        }
    }
    None
}

/// The chunk start positions: the injected ones (tests) or equal parts.
fn split_points(bits: u64, threads: usize, par: &Parallelism) -> Vec<u64> {
    let mut points: Vec<u64> = match &par.splits {
        Some(s) => s.clone(),
        None => (1..threads as u64)
            .map(|i| bits * i / threads as u64)
            .collect(),
    };
    points.retain(|&p| p > 0 && p < bits);
    points.sort_unstable();
    points.dedup();
    points
}

/// Decodes a file without restart markers, speculatively in parallel when it is large enough.
/// Returns the DC values, MCU-major.
pub(super) fn decode_speculative(
    data: &[u8],
    lay: &Layout,
    blocks: &[BlockTables<'_>],
    par: &Parallelism,
) -> Result<Vec<i16>, DcError> {
    let bpm = blocks.len();
    let total = lay.total_mcus();
    let bits = data.len() as u64 * 8;
    let mut out = vec![0i16; total * bpm];
    let threads = if data.len() >= par.min_bytes || par.splits.is_some() {
        par.thread_count()
    } else {
        1
    };
    let starts = split_points(bits, threads, par);
    let origin = Boundary {
        pos: 0,
        preds: [0; 3],
    };
    let Some(&first_stop) = starts.first() else {
        decode_exact(data, blocks, origin, &mut out, u64::MAX)?;
        return Ok(out);
    };

    // Phase 1: chunk 0 exactly on this thread, the others speculatively.
    let (chunks, first) = std::thread::scope(|s| {
        let handles: Vec<_> = starts
            .iter()
            .enumerate()
            .map(|(i, &start)| {
                let stop = starts.get(i + 1).copied().unwrap_or(bits);
                // Twice the MCUs this share of the bits would hold on average.
                let share = (stop - start) as f64 / bits as f64;
                let max_mcus = ((2.0 * share * total as f64) as usize + 64).min(total);
                s.spawn(move || speculate(data, blocks, start, stop, max_mcus))
            })
            .collect();
        let first = decode_exact(data, blocks, origin, &mut out, first_stop);
        let chunks: Vec<Vec<Run>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect();
        (chunks, first)
    });
    let (mut state, mut m) = first?;

    // Phase 2: continue exactly, jumping over every stretch a run already decoded.
    let mut cursors = vec![Cursor::default(); chunks.len()];
    let mut reader: Option<BitReader<'_>> = None;
    while m < total {
        if let Some((j, ri, k)) = find_sync(&chunks, &mut cursors, state.pos) {
            let run = &chunks[j][ri];
            let rec = run.records[k];
            let delta: [i32; 3] =
                std::array::from_fn(|c| state.preds[c].wrapping_sub(rec.preds[c]));
            let take = (run.records.len() - 1 - k).min(total - m);
            let src = run.dc.get(k * bpm..(k + take) * bpm).unwrap_or(&[]);
            let dst = out.get_mut(m * bpm..(m + take) * bpm).unwrap_or(&mut []);
            for (d_mcu, s_mcu) in dst.chunks_exact_mut(bpm).zip(src.chunks_exact(bpm)) {
                for ((d, &v), b) in d_mcu.iter_mut().zip(s_mcu).zip(blocks) {
                    *d = v.wrapping_add(delta[b.comp] as i16);
                }
            }
            let end = run.records[k + take];
            state = Boundary {
                pos: end.pos,
                preds: std::array::from_fn(|c| end.preds[c].wrapping_add(delta[c])),
            };
            m += take;
            reader = None;
            continue;
        }
        let r = reader.get_or_insert_with(|| BitReader::new(data, state.pos));
        let slot = out
            .get_mut(m * bpm..(m + 1) * bpm)
            .ok_or_else(|| corrupt("MCU index out of range"))?;
        decode_mcu(r, blocks, &mut state.preds, slot).map_err(|f| corrupt(f.describe()))?;
        state.pos = r.pos();
        if state.pos > bits {
            return Err(ran_out());
        }
        m += 1;
    }
    Ok(out)
}

/// Tests: the bit position of every MCU boundary of an exact decode (0 first).
#[cfg(test)]
pub(super) fn mcu_boundaries(data: &[u8], blocks: &[BlockTables<'_>], total: usize) -> Vec<u64> {
    let mut r = BitReader::new(data, 0);
    let mut preds = [0i32; 3];
    let mut mcu = [0i16; 10];
    let mut out = vec![0];
    for _ in 0..total {
        decode_mcu(&mut r, blocks, &mut preds, &mut mcu[..blocks.len()]).unwrap();
        out.push(r.pos());
    }
    out
}
