//! Matching against a [`HashList`]: PDQ multi-index radius search over dihedral variants,
//! pHash radius search, exact lookups for cryptographic hashes, and the k-of-n source policy.
//!
//! PDQ index (multi-index hashing, slot schemes in the private `index` module): the 256 bits
//! are cut into slots. With 16 slots of 16 bits, two hashes within 31 bits differ, by
//! pigeonhole, in at most 1 bit of some slot, so probing each slot's key and its one-bit
//! neighbours (17 buckets) finds every true match; each candidate is then verified by a full
//! popcount. Lists of 2^22+ entries use 12 wider slots (generalised pigeonhole, up to 2 flips)
//! so buckets stay small. Smaller radii probe fewer buckets. Radius above 31 falls back to an
//! exact linear scan. Recall is therefore always 100%. Before the random hash load, each
//! candidate passes an exact neighbour-slot test (cycle lemma, see the `index` module) on a
//! sketch of the next slot stored in its posting, which rejects ~98% of random candidates.

use crate::lists::index::Scheme;
use crate::lists::kinds::hex_encode;
use crate::lists::list::HashSection;
use crate::lists::{HashKind, HashList};
use serde::Serialize;

/// Largest radius the PDQ multi-index answers; larger radii use a linear scan.
pub const PDQ_INDEX_MAX_RADIUS: u32 = 31;

/// One list hit: which entry matched, how closely, and what the list says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListMatch {
    /// Hash kind of the entry.
    pub kind: HashKind,
    /// Entry index within its kind's section (stable for a given list digest).
    pub entry: u32,
    /// The listed hash, lowercase hex.
    pub hash_hex: String,
    /// Hamming distance (0 for exact kinds).
    pub distance: u32,
    /// Which query variant matched (PDQ dihedral variant 0..=7; 0 otherwise).
    pub variant: u8,
    /// Bitmap of source organisations that contributed the entry.
    pub source_orgs: u64,
    /// Names of those organisations.
    pub source_org_names: Vec<String>,
    /// Entry label.
    pub label: String,
    /// Entry category.
    pub category: String,
}

/// The k-of-n corroboration rule: a match counts only if at least `min_sources` distinct
/// source organisations (among those in `counted_orgs`) listed the hash.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SourcePolicy {
    /// Minimum number of distinct organisations (k). 0 or 1 accepts any listed entry.
    pub min_sources: u32,
    /// Bitmap of organisations whose listings count (n); `u64::MAX` counts all.
    pub counted_orgs: u64,
}

impl Default for SourcePolicy {
    fn default() -> Self {
        SourcePolicy {
            min_sources: 1,
            counted_orgs: u64::MAX,
        }
    }
}

impl SourcePolicy {
    /// Requires `k` distinct organisations, counting all of them.
    pub fn k_of_n(k: u32) -> SourcePolicy {
        SourcePolicy {
            min_sources: k,
            counted_orgs: u64::MAX,
        }
    }

    /// Number of counted organisations behind a match.
    pub fn corroborating_sources(&self, m: &ListMatch) -> u32 {
        (m.source_orgs & self.counted_orgs).count_ones()
    }

    /// Whether the match meets the rule. With `min_sources` 0 or 1 every listed entry counts,
    /// including entries the list names no source organisation for.
    pub fn accepts(&self, m: &ListMatch) -> bool {
        self.min_sources <= 1 || self.corroborating_sources(m) >= self.min_sources
    }

    /// Keeps the matches that meet the rule.
    pub fn filter(&self, matches: Vec<ListMatch>) -> Vec<ListMatch> {
        matches.into_iter().filter(|m| self.accepts(m)).collect()
    }
}

#[inline]
fn words(h: &[u8; 32]) -> [u64; 4] {
    let (w, _) = h.as_chunks::<8>();
    [
        u64::from_le_bytes(w[0]),
        u64::from_le_bytes(w[1]),
        u64::from_le_bytes(w[2]),
        u64::from_le_bytes(w[3]),
    ]
}

/// Scans postings `lo..hi` of a `bits`-bit posting list (entry id above, neighbour sketch in
/// the low `sketch_bits` bits) and appends the ids whose sketch is within `allowed` bits of
/// `query_sketch`. Reads that would leave `area` end the scan (corrupt input costs recall of
/// that bucket only, never a panic).
#[inline]
#[allow(clippy::too_many_arguments)]
fn scan_postings(
    area: &[u8],
    bits: u32,
    sketch_bits: u32,
    lo: usize,
    hi: usize,
    query_sketch: u64,
    allowed: u32,
    out: &mut Vec<u32>,
) {
    if bits == 0 {
        // n <= 1: every posting is entry 0 with an empty sketch.
        out.extend(std::iter::repeat_n(0, hi.saturating_sub(lo)));
        return;
    }
    if bits > 56 || sketch_bits > bits {
        return;
    }
    let w = bits as usize;
    let (Some(mut bit), Some(_)) = (lo.checked_mul(w), hi.checked_mul(w)) else {
        return;
    };
    let mask = (1u64 << bits) - 1;
    let smask = (1u64 << sketch_bits) - 1;
    for _ in lo..hi {
        let byte = bit / 8;
        let Some(word) = area.get(byte..byte + 8) else {
            return;
        };
        let mut b = [0u8; 8];
        b.copy_from_slice(word);
        let v = (u64::from_le_bytes(b) >> (bit % 8)) & mask;
        // popcount(x) <= allowed, as "clearing the lowest set bit `allowed` times leaves 0":
        // cheaper than a software popcount on targets built without a popcnt instruction.
        let mut x = (v ^ query_sketch) & smask;
        for _ in 0..allowed {
            x &= x.wrapping_sub(1);
        }
        if x == 0 {
            out.push((v >> sketch_bits) as u32);
        }
        bit += w;
    }
}

#[inline]
fn distance(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    (a[0] ^ b[0]).count_ones()
        + (a[1] ^ b[1]).count_ones()
        + (a[2] ^ b[2]).count_ones()
        + (a[3] ^ b[3]).count_ones()
}

/// Candidates verified per block (see `pdq_index_hits`).
const VERIFY_BLOCK: usize = 32;

/// One probed bucket: its range in the slot's posting list (or, for slot 0, in the hash
/// array), the query variant, and how many sketch bits may differ.
struct Bucket {
    lo: usize,
    hi: usize,
    slot: u8,
    variant: u8,
    allowed: u8,
}

/// A raw hit before decoding: entry, distance, variant.
type Hit = (u32, u32, u8);

/// One multi-index PDQ query (all variants at once), in named phases: probe the buckets,
/// touch them, scan them with the sketch filter, verify the survivors.
struct PdqQuery<'a> {
    hashes: &'a [[u8; 32]],
    tables: &'a [[u8; 4]],
    postings: Vec<&'a [u8]>,
    scheme: &'a Scheme,
    thresholds: Vec<i32>,
    /// Neighbour-slot filter (cycle lemma, see the `index` module): a candidate found
    /// through slot j is kept only if flips_j + sketch distance in slot j + 1 <= limit_j.
    limits: Vec<i32>,
    posting_bits: u32,
    n: usize,
    radius: u32,
    queries: Vec<&'a [u8; 32]>,
    query_words: Vec<[u64; 4]>,
}

/// Candidates from the posting scans: entry ids and the variant that found each.
struct Candidates {
    ids: Vec<u32>,
    variants: Vec<u8>,
}

impl<'a> PdqQuery<'a> {
    fn new(
        list: &'a HashList,
        sec: &HashSection,
        scheme: &'a Scheme,
        variants: &'a [[u8; 32]],
        radius: u32,
    ) -> PdqQuery<'a> {
        let bytes = list.as_bytes();
        let index = list.index_bytes();
        let hashes = bytes.get(sec.hashes.clone()).unwrap_or(&[]);
        let (hashes, _) = hashes.as_chunks::<32>();
        let tables = index.get(sec.offsets.clone()).unwrap_or(&[]);
        let (tables, _) = tables.as_chunks::<4>();
        let postings = sec
            .postings
            .iter()
            .map(|r| index.get(r.clone()).unwrap_or(&[]))
            .collect();
        let thresholds = scheme.thresholds_for(radius);
        let limits = Scheme::pair_limits(&thresholds);
        let queries: Vec<&[u8; 32]> = variants.iter().take(8).collect();
        let query_words = queries.iter().map(|q| words(q)).collect();
        PdqQuery {
            hashes,
            tables,
            postings,
            scheme,
            thresholds,
            limits,
            posting_bits: scheme.posting_bits(sec.id_bits),
            n: sec.n,
            radius,
            queries,
            query_words,
        }
    }

    /// Phase 1: every probed bucket's range, for all variants. Probe keys first (no loads),
    /// then the offset-table loads in a tight loop of independent loads, so many table misses
    /// are in flight at once. Empty buckets are dropped.
    fn buckets(&self) -> Vec<Bucket> {
        let table_len = self.scheme.table_len();
        let mut probes: Vec<Bucket> = Vec::with_capacity(self.queries.len() * 16 * 18);
        for (v, q) in self.queries.iter().enumerate() {
            for (slot, &threshold) in self.thresholds.iter().enumerate() {
                let key = self.scheme.key(q, slot);
                let limit = self.limits.get(slot).copied().unwrap_or(0);
                self.scheme.for_each_probe(key, threshold, |probe, flips| {
                    probes.push(Bucket {
                        lo: slot * table_len + probe,
                        hi: 0,
                        slot: slot as u8,
                        variant: v as u8,
                        allowed: (limit - flips as i32).max(0) as u8,
                    });
                });
            }
        }
        let entry = |i: usize| -> usize {
            self.tables
                .get(i)
                .map(|b| u32::from_le_bytes(*b))
                .unwrap_or(0) as usize
        };
        for p in probes.iter_mut() {
            // Clamped: a corrupt table (only possible with Fast loading) can cost time but
            // never reads out of range.
            let at = p.lo;
            p.lo = entry(at).min(self.n);
            p.hi = entry(at + 1).min(self.n);
        }
        probes.retain(|b| b.lo < b.hi);
        probes
    }

    /// Touch pass (safe-Rust software prefetch): the first and last byte of each posting
    /// range, every cache line of a slot-0 run of hashes.
    fn touch(&self, buckets: &[Bucket]) {
        let mut sink = 0u8;
        let pb = self.posting_bits as usize;
        for b in buckets {
            if b.slot == 0 {
                for h in self.hashes.get(b.lo..b.hi).unwrap_or(&[]).iter().step_by(2) {
                    sink ^= h[0];
                }
                sink ^= self.hashes.get(b.hi - 1).map_or(0, |h| h[31]);
            } else {
                let area = self
                    .postings
                    .get(b.slot as usize - 1)
                    .copied()
                    .unwrap_or(&[]);
                sink ^= area.get(b.lo.saturating_mul(pb) / 8).copied().unwrap_or(0);
                sink ^= area.get(b.hi.saturating_mul(pb) / 8).copied().unwrap_or(0);
            }
        }
        std::hint::black_box(sink);
    }

    /// Phase 2: slot-0 buckets are verified in place (a contiguous run of the sorted hashes);
    /// the others' postings pass the sketch test into the candidate list.
    fn scan(&self, buckets: &[Bucket], hits: &mut Vec<Hit>) -> Candidates {
        let sketches: Vec<Vec<u64>> = self
            .queries
            .iter()
            .map(|q| {
                (0..self.thresholds.len())
                    .map(|slot| u64::from(self.scheme.sketch(q, slot)))
                    .collect()
            })
            .collect();
        let mut c = Candidates {
            ids: Vec::with_capacity(1024),
            variants: Vec::with_capacity(1024),
        };
        for b in buckets {
            let v = b.variant as usize;
            if b.slot == 0 {
                let qw = self.query_words.get(v).copied().unwrap_or_default();
                for (id, h) in self
                    .hashes
                    .get(b.lo..b.hi)
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                {
                    let d = distance(&words(h), &qw);
                    if d <= self.radius {
                        hits.push(((b.lo + id) as u32, d, b.variant));
                    }
                }
            } else if let Some(area) = self.postings.get(b.slot as usize - 1) {
                let before = c.ids.len();
                let query_sketch = sketches
                    .get(v)
                    .and_then(|s| s.get(b.slot as usize))
                    .copied()
                    .unwrap_or(0);
                scan_postings(
                    area,
                    self.posting_bits,
                    self.scheme.sketch_bits,
                    b.lo,
                    b.hi,
                    query_sketch,
                    u32::from(b.allowed),
                    &mut c.ids,
                );
                c.variants.resize(c.ids.len().max(before), b.variant);
            }
        }
        c
    }

    /// Phase 3: verification in blocks. A load-only pass touches the first 16 bytes of each
    /// candidate (independent loads, so the cache misses overlap), then the compute pass
    /// finds the lines in L1. Safe-Rust software prefetching.
    fn verify(&self, c: &Candidates, hits: &mut Vec<Hit>) {
        let radius = self.radius;
        for (block, block_variants) in c
            .ids
            .chunks(VERIFY_BLOCK)
            .zip(c.variants.chunks(VERIFY_BLOCK))
        {
            let mut head = [[0u64; 2]; VERIFY_BLOCK];
            for (slot, &id) in head.iter_mut().zip(block) {
                if let Some(h) = self.hashes.get(id as usize) {
                    let w = words(h);
                    *slot = [w[0], w[1]];
                }
            }
            for ((head, &id), &v) in head.iter().zip(block).zip(block_variants) {
                let qw = self
                    .query_words
                    .get(v as usize)
                    .copied()
                    .unwrap_or_default();
                // Early exit on the first 128 bits: random candidates differ in ~64.
                let half = (head[0] ^ qw[0]).count_ones() + (head[1] ^ qw[1]).count_ones();
                if half > radius {
                    continue;
                }
                if let Some(h) = self.hashes.get(id as usize) {
                    let hw = words(h);
                    let d = half + (hw[2] ^ qw[2]).count_ones() + (hw[3] ^ qw[3]).count_ones();
                    if d <= radius {
                        hits.push((id, d, v));
                    }
                }
            }
        }
    }
}

impl HashList {
    /// Finds every PDQ entry within `radius` bits of any of the query `variants` (index =
    /// dihedral variant number, at most 8 used). One result per entry, with the smallest
    /// distance (lowest variant on ties); sorted by distance then entry.
    pub fn match_pdq(&self, variants: &[[u8; 32]], radius: u32) -> Vec<ListMatch> {
        let hits = match self.section(HashKind::Pdq) {
            Some(sec)
                if radius <= PDQ_INDEX_MAX_RADIUS
                    && sec
                        .scheme
                        .as_ref()
                        .is_some_and(|s| radius <= s.max_radius()) =>
            {
                self.pdq_index_hits(sec, variants, radius)
            }
            Some(_) => self.pdq_linear_hits(variants, radius),
            None => Vec::new(),
        };
        self.decode_hits(HashKind::Pdq, hits)
    }

    /// Exact brute-force PDQ search (popcount over every entry). Same results as
    /// [`HashList::match_pdq`]; the baseline for tests and benchmarks.
    pub fn match_pdq_linear(&self, variants: &[[u8; 32]], radius: u32) -> Vec<ListMatch> {
        let hits = self.pdq_linear_hits(variants, radius);
        self.decode_hits(HashKind::Pdq, hits)
    }

    fn pdq_linear_hits(&self, variants: &[[u8; 32]], radius: u32) -> Vec<Hit> {
        let Some(sec) = self.section(HashKind::Pdq) else {
            return Vec::new();
        };
        let hashes = self.as_bytes().get(sec.hashes.clone()).unwrap_or(&[]);
        let (hashes, _) = hashes.as_chunks::<32>();
        let queries: Vec<[u64; 4]> = variants.iter().take(8).map(words).collect();
        let mut hits = Vec::new();
        for (id, h) in hashes.iter().enumerate() {
            let hw = words(h);
            for (v, q) in queries.iter().enumerate() {
                let d = distance(&hw, q);
                if d <= radius {
                    hits.push((id as u32, d, v as u8));
                }
            }
        }
        hits
    }

    fn pdq_index_hits(&self, sec: &HashSection, variants: &[[u8; 32]], radius: u32) -> Vec<Hit> {
        let Some(scheme) = sec.scheme.as_ref() else {
            return Vec::new();
        };
        // Phase 1 looks up every probed bucket's range for all variants (independent
        // offset-table loads) and touches the first and last byte of each bucket (independent
        // loads again, so the cache misses of the ~2000 buckets overlap instead of queueing
        // behind each other); phase 2 scans the buckets, now in cache, with the sketch test;
        // phase 3 verifies the few survivors in a tight loop whose random hash loads are
        // independent.
        let q = PdqQuery::new(self, sec, scheme, variants, radius);
        let buckets = q.buckets();
        q.touch(&buckets);
        let mut hits: Vec<Hit> = Vec::new();
        let candidates = q.scan(&buckets, &mut hits);
        q.verify(&candidates, &mut hits);
        hits
    }

    /// Finds every pHash entry within `radius` bits of `query` (exact linear popcount scan
    /// over 8-byte entries; about 1 ns per entry).
    pub fn match_phash(&self, query: u64, radius: u32) -> Vec<ListMatch> {
        let Some(sec) = self.section(HashKind::PHash) else {
            return Vec::new();
        };
        let hashes = self.as_bytes().get(sec.hashes.clone()).unwrap_or(&[]);
        let mut hits = Vec::new();
        for (id, h) in hashes.chunks_exact(8).enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(h);
            let d = (u64::from_be_bytes(b) ^ query).count_ones();
            if d <= radius {
                hits.push((id as u32, d, 0));
            }
        }
        self.decode_hits(HashKind::PHash, hits)
    }

    /// Exact lookup of a hash of `kind` (binary search). For PDQ and pHash this is distance 0.
    pub fn match_exact(&self, kind: HashKind, hash: &[u8]) -> Vec<ListMatch> {
        let w = kind.width();
        if hash.len() != w {
            return Vec::new();
        }
        let Some(sec) = self.section(kind) else {
            return Vec::new();
        };
        let hashes = self.as_bytes().get(sec.hashes.clone()).unwrap_or(&[]);
        let (mut lo, mut hi) = (0usize, sec.n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let Some(h) = hashes.get(mid * w..mid * w + w) else {
                return Vec::new();
            };
            match h.cmp(hash) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    return self.decode_hits(kind, vec![(mid as u32, 0, 0)]);
                }
            }
        }
        Vec::new()
    }

    /// Deduplicates hits per entry (smallest distance, then lowest variant) and decodes them.
    fn decode_hits(&self, kind: HashKind, mut hits: Vec<Hit>) -> Vec<ListMatch> {
        hits.sort_unstable();
        hits.dedup_by_key(|h| h.0);
        hits.sort_unstable_by_key(|h| (h.1, h.0));
        hits.into_iter()
            .filter_map(|(entry, distance, variant)| {
                let hash = self.hash_at(kind, entry as usize)?;
                let tag = self.tag_at(kind, entry as usize)?;
                Some(ListMatch {
                    kind,
                    entry,
                    hash_hex: hex_encode(hash),
                    distance,
                    variant,
                    source_orgs: tag.orgs,
                    source_org_names: self.org_names(tag.orgs),
                    label: self.string(tag.label).to_owned(),
                    category: self.string(tag.category).to_owned(),
                })
            })
            .collect()
    }
}
