//! Matching tests: PDQ multi-index recall is exactly the brute-force result (random and
//! clustered hashes, all radii, 8 variants), variant/distance reporting, pHash radius,
//! exact lookups, and the k-of-n source policy.

use preflight::lists::{
    HashKind, HashList, IssuerSecretKey, ListBuilder, PdqIndexScheme, SourcePolicy, TrustedKeys,
};

use preflight::lists::random::SplitMix64 as Rng;

trait Perturb {
    /// Flips exactly `bits` distinct random bits.
    fn perturb(&mut self, h: &[u8; 32], bits: u32) -> [u8; 32];
}

impl Perturb for Rng {
    fn perturb(&mut self, h: &[u8; 32], bits: u32) -> [u8; 32] {
        let mut out = *h;
        let mut flipped = std::collections::HashSet::new();
        while flipped.len() < bits as usize {
            let b = (self.next() % 256) as usize;
            if flipped.insert(b) {
                out[b / 8] ^= 1 << (b % 8);
            }
        }
        out
    }
}

fn build(hashes: &[[u8; 32]]) -> HashList {
    build_with(hashes, PdqIndexScheme::Auto)
}

fn build_with(hashes: &[[u8; 32]], scheme: PdqIndexScheme) -> HashList {
    build_sketched(hashes, scheme, None)
}

fn build_sketched(hashes: &[[u8; 32]], scheme: PdqIndexScheme, sketch: Option<u32>) -> HashList {
    let k = IssuerSecretKey::from_seed(&[5; 32]);
    let mut b = ListBuilder::new(1, 0);
    b.set_pdq_index_scheme(scheme);
    b.set_pdq_sketch_bits(sketch);
    let org = b.add_org("org").unwrap();
    for h in hashes {
        b.add(HashKind::Pdq, h, 1 << org, "l", "c").unwrap();
    }
    HashList::from_bytes(b.build(&k).unwrap(), &TrustedKeys::new(vec![k.public()])).unwrap()
}

fn assert_same_as_brute_force(list: &HashList, queries: &[Vec<[u8; 32]>], radii: &[u32]) -> usize {
    let mut total = 0;
    for q in queries {
        for &r in radii {
            let fast = list.match_pdq(q, r);
            let slow = list.match_pdq_linear(q, r);
            assert_eq!(fast, slow, "radius {r}");
            total += fast.len();
        }
    }
    total
}

#[test]
fn recall_is_exact_on_random_hashes() {
    // Sizes cover tiny index keys (1..=8 bits) up to the full 16-bit chunk key (n >= 32768).
    let mut total_found = 0;
    for (n, query_count) in [
        (1usize, 4usize),
        (3, 4),
        (200, 20),
        (20_000, 40),
        (40_000, 30),
    ] {
        let mut rng = Rng(n as u64);
        let hashes: Vec<[u8; 32]> = (0..n).map(|_| rng.hash()).collect();
        let list = build(&hashes);
        assert_eq!(list.len(HashKind::Pdq), n);
        // Queries: 8 variants each, near listed hashes at distances spanning the radius edge.
        let queries: Vec<Vec<[u8; 32]>> = (0..query_count)
            .map(|i| {
                (0..8)
                    .map(|v| {
                        let base = hashes[(rng.next() % hashes.len() as u64) as usize];
                        if (i + v) % 3 == 0 {
                            rng.hash()
                        } else {
                            let d = (rng.next() % 40) as u32;
                            rng.perturb(&base, d)
                        }
                    })
                    .collect()
            })
            .collect();
        total_found += assert_same_as_brute_force(&list, &queries, &[0, 8, 15, 16, 24, 31, 32, 45]);
    }
    assert!(
        total_found > 300,
        "test queries found too few matches ({total_found}) to be meaningful"
    );
}

#[test]
fn recall_is_exact_on_clustered_hashes() {
    // Dense clusters: many entries within a few bits of each other, queries on cluster edges.
    let mut rng = Rng(2);
    let centres: Vec<[u8; 32]> = (0..40).map(|_| rng.hash()).collect();
    let mut hashes = Vec::new();
    for c in &centres {
        for _ in 0..150 {
            let d = (rng.next() % 36) as u32;
            let member = rng.perturb(c, d);
            hashes.push(member);
        }
    }
    // Adversarial: many entries share chunk values (same first 4 bytes).
    for i in 0..500u32 {
        let mut h = rng.hash();
        h[..4].copy_from_slice(&[0xab, 0xcd, (i % 4) as u8, 0]);
        hashes.push(h);
    }
    let list = build(&hashes);
    let queries: Vec<Vec<[u8; 32]>> = centres
        .iter()
        .map(|c| (0..8).map(|v| rng.perturb(c, 4 * v as u32)).collect())
        .collect();
    let found = assert_same_as_brute_force(&list, &queries, &[0, 15, 16, 31]);
    assert!(
        found > 1000,
        "clustered queries found too few matches ({found})"
    );
}

/// Slot layouts of the two index schemes: (first bit, width, flips that put the slot just
/// over its radius-31 threshold).
fn slot_layout(wide: bool) -> Vec<(usize, usize, u32)> {
    if wide {
        (0..4)
            .map(|j| (22 * j, 22, 2))
            .chain((0..8).map(|j| (88 + 21 * j, 21, 3)))
            .collect()
    } else {
        (0..16).map(|j| (16 * j, 16, 2)).collect()
    }
}

/// `base` with `per_slot[j]` bits flipped in slot `j`: the top bits of the slot (the ones
/// keys and sketches read, so the filter sees the full distance) or random ones.
fn spread(
    rng: &mut Rng,
    base: &[u8; 32],
    layout: &[(usize, usize, u32)],
    per_slot: &[u32],
    top: bool,
) -> [u8; 32] {
    let mut out = *base;
    for (&(start, width, _), &k) in layout.iter().zip(per_slot) {
        let mut chosen = std::collections::HashSet::new();
        let mut i = 0;
        while chosen.len() < (k as usize).min(width) {
            let b = if top {
                i
            } else {
                (rng.next() % width as u64) as usize
            };
            i += 1;
            if chosen.insert(b) {
                let bit = start + b;
                out[bit / 8] ^= 0x80 >> (bit % 8);
            }
        }
    }
    out
}

/// Flip splits over the slots that sit exactly on the pigeonhole/cycle-lemma edge, totalling
/// `total` bits (clipped to the slot widths).
fn adversarial_splits(layout: &[(usize, usize, u32)], total: u32) -> Vec<Vec<u32>> {
    let m = layout.len();
    let mut splits = Vec::new();
    let fill = |order: &mut dyn Iterator<Item = (usize, u32)>| -> Vec<u32> {
        let mut d = vec![0u32; m];
        let mut left = total;
        for (j, want) in order {
            let take = want.min(left).min(layout[j].1 as u32 - d[j]);
            d[j] += take;
            left -= take;
        }
        d
    };
    for rot in 0..m {
        // Every slot just over its threshold (t + 1 flips), one slot one short: 31 = 2*15 + 1.
        splits.push(fill(
            &mut (0..m).map(|k| ((k + rot) % m, layout[(k + rot) % m].2)),
        ));
        // Alternating high/low: 3,1,3,1,...
        splits.push(fill(
            &mut (0..m).map(|k| ((k + rot) % m, if k % 2 == 0 { 3 } else { 1 })),
        ));
        // Everything in two (or three) adjacent slots.
        splits.push(fill(&mut (0..3).map(|k| ((k + rot) % m, 64))));
        // Thresholds met in one slot, everything else pushed onto its neighbours.
        splits.push(fill(
            &mut [((rot + 1) % m, 1), (rot, 64), ((rot + 2) % m, 64)].into_iter(),
        ));
    }
    splits
}

#[test]
fn crafted_entries_at_the_radius_edge_defeat_no_filter() {
    // Entries at exactly 30, 31 and 32 bits from the query, with the flips spread over the
    // slots the way that leaves the neighbour-slot filter the least room. 40k random entries
    // make the index keys full width. Every sketch width and both schemes.
    let mut rng = Rng(31);
    let filler: Vec<[u8; 32]> = (0..40_000).map(|_| rng.hash()).collect();
    for wide in [false, true] {
        let layout = slot_layout(wide);
        let query = rng.hash();
        let mut crafted: Vec<([u8; 32], u32)> = Vec::new();
        for total in [30u32, 31, 32] {
            for split in adversarial_splits(&layout, total) {
                let sum: u32 = split.iter().sum();
                for top in [true, false] {
                    crafted.push((spread(&mut rng, &query, &layout, &split, top), sum));
                }
            }
        }
        let mut hashes = filler.clone();
        hashes.extend(crafted.iter().map(|c| c.0));
        let scheme = if wide {
            PdqIndexScheme::Wide
        } else {
            PdqIndexScheme::Narrow
        };
        let widths: &[Option<u32>] = if wide {
            &[None, Some(0), Some(12), Some(21)]
        } else {
            &[None, Some(0), Some(8), Some(12), Some(16)]
        };
        for &sketch in widths {
            let list = build_sketched(&hashes, scheme, sketch);
            let mut variants: Vec<[u8; 32]> = (0..8).map(|_| rng.hash()).collect();
            variants[3] = query;
            let found = list.match_pdq(&variants, 31);
            assert_eq!(
                found,
                list.match_pdq_linear(&variants, 31),
                "wide {wide} sketch {sketch:?}"
            );
            for (h, d) in &crafted {
                let hex = preflight::lists::kinds::hex_encode(h);
                let hit = found.iter().find(|m| m.hash_hex == hex);
                if *d <= 31 {
                    let m = hit.unwrap_or_else(|| {
                        panic!("wide {wide} sketch {sketch:?}: entry at {d} missed")
                    });
                    assert_eq!((m.distance, m.variant), (*d, 3));
                } else {
                    assert!(hit.is_none(), "entry at {d} reported");
                }
            }
            // Smaller radii use smaller thresholds and the same filter.
            for r in [15, 16, 24, 30] {
                assert_eq!(
                    list.match_pdq(&variants, r),
                    list.match_pdq_linear(&variants, r),
                    "wide {wide} sketch {sketch:?} radius {r}"
                );
            }
        }
    }
}

#[test]
fn recall_is_exact_for_every_sketch_width() {
    // Small lists (short keys: the sketch covers bits the key does not) and full-width keys,
    // queries near listed hashes across the radius edge.
    for (n, wide) in [(300usize, false), (40_000, false), (3_000, true)] {
        let mut rng = Rng(n as u64 + 17);
        let hashes: Vec<[u8; 32]> = (0..n).map(|_| rng.hash()).collect();
        let queries: Vec<Vec<[u8; 32]>> = (0..12)
            .map(|i| {
                (0..8)
                    .map(|v| {
                        let base = hashes[(rng.next() % n as u64) as usize];
                        if (i + v) % 4 == 0 {
                            rng.hash()
                        } else {
                            let d = 24 + (rng.next() % 12) as u32;
                            rng.perturb(&base, d)
                        }
                    })
                    .collect()
            })
            .collect();
        let scheme = if wide {
            PdqIndexScheme::Wide
        } else {
            PdqIndexScheme::Narrow
        };
        for sketch in [0u32, 4, 8, 12, 16] {
            let list = build_sketched(&hashes, scheme, Some(sketch));
            let found = assert_same_as_brute_force(&list, &queries, &[0, 16, 29, 31]);
            assert!(found > 20, "n {n} sketch {sketch}: only {found} matches");
        }
    }
}

#[test]
fn sketch_wider_than_a_slot_is_refused() {
    let k = IssuerSecretKey::from_seed(&[5; 32]);
    let mut b = ListBuilder::new(1, 0);
    b.add(HashKind::Pdq, &[7; 32], 0, "", "").unwrap();
    b.set_pdq_sketch_bits(Some(17));
    assert!(b.build(&k).is_err());
    b.set_pdq_index_scheme(PdqIndexScheme::Wide);
    assert!(b.build(&k).is_ok());
    b.set_pdq_sketch_bits(Some(22));
    assert!(b.build(&k).is_err());
}

#[test]
fn reports_best_variant_and_distance_at_the_radius_edge() {
    let mut rng = Rng(3);
    let hashes: Vec<[u8; 32]> = (0..2000).map(|_| rng.hash()).collect();
    let list = build(&hashes);
    let target = hashes[123];
    let mut variants: Vec<[u8; 32]> = (0..8).map(|_| rng.hash()).collect();
    variants[5] = rng.perturb(&target, 31); // exactly on the edge
    variants[6] = rng.perturb(&target, 32); // just outside
    let m = list.match_pdq(&variants, 31);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].variant, 5);
    assert_eq!(m[0].distance, 31);
    assert_eq!(m[0].hash_hex, preflight::lists::kinds::hex_encode(&target));
    assert_eq!(m[0].source_org_names, vec!["org"]);
    assert!(list.match_pdq(&variants[6..7], 31).is_empty());
    // With a closer variant present, that one wins.
    variants[7] = rng.perturb(&target, 3);
    let m = list.match_pdq(&variants, 31);
    assert_eq!((m[0].variant, m[0].distance), (7, 3));
}

#[test]
fn phash_radius_and_exact_lookup() {
    let k = IssuerSecretKey::from_seed(&[5; 32]);
    let mut b = ListBuilder::new(1, 0);
    b.add_org("o").unwrap();
    let base: u64 = 0x0123_4567_89ab_cdef;
    b.add(HashKind::PHash, &base.to_be_bytes(), 1, "p", "c")
        .unwrap();
    b.add(HashKind::PHash, &(!base).to_be_bytes(), 1, "far", "c")
        .unwrap();
    b.add(HashKind::Sha1, &[1; 20], 1, "s", "c").unwrap();
    let list =
        HashList::from_bytes(b.build(&k).unwrap(), &TrustedKeys::new(vec![k.public()])).unwrap();
    let q = base ^ 0b1011; // 3 bits away
    let m = list.match_phash(q, 4);
    assert_eq!(m.len(), 1);
    assert_eq!((m[0].distance, m[0].label.as_str()), (3, "p"));
    assert!(list.match_phash(q, 2).is_empty());
    assert_eq!(
        list.match_exact(HashKind::PHash, &base.to_be_bytes()).len(),
        1
    );
    assert_eq!(list.match_exact(HashKind::Sha1, &[1; 20]).len(), 1);
    assert!(list.match_exact(HashKind::Sha1, &[2; 20]).is_empty());
    assert!(
        list.match_exact(HashKind::Sha1, &[1; 19]).is_empty(),
        "wrong width"
    );
    assert!(
        list.match_exact(HashKind::Md5, &[1; 16]).is_empty(),
        "absent section"
    );
    assert!(list.match_pdq(&[[0; 32]], 31).is_empty(), "no PDQ section");
}

#[test]
fn k_of_n_source_policy() {
    let k = IssuerSecretKey::from_seed(&[5; 32]);
    let mut b = ListBuilder::new(1, 0);
    let a = b.add_org("A").unwrap();
    let bb = b.add_org("B").unwrap();
    let c = b.add_org("C").unwrap();
    b.add(HashKind::Md5, &[1; 16], 1 << a, "", "").unwrap();
    b.add(HashKind::Md5, &[2; 16], 1 << a | 1 << bb, "", "")
        .unwrap();
    b.add(HashKind::Md5, &[3; 16], 1 << a | 1 << bb | 1 << c, "", "")
        .unwrap();
    let list =
        HashList::from_bytes(b.build(&k).unwrap(), &TrustedKeys::new(vec![k.public()])).unwrap();
    let all: Vec<_> = [1u8, 2, 3]
        .iter()
        .flat_map(|&v| list.match_exact(HashKind::Md5, &[v; 16]))
        .collect();
    assert_eq!(all.len(), 3);
    assert_eq!(SourcePolicy::k_of_n(1).filter(all.clone()).len(), 3);
    assert_eq!(SourcePolicy::k_of_n(2).filter(all.clone()).len(), 2);
    assert_eq!(SourcePolicy::k_of_n(3).filter(all.clone()).len(), 1);
    // Only A and C count: the A+B entry has 1 counted source, A+B+C has 2.
    let only_ac = SourcePolicy {
        min_sources: 2,
        counted_orgs: 1 << a | 1 << c,
    };
    let kept = only_ac.filter(all);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].source_org_names, vec!["A", "B", "C"]);
}

#[test]
fn entries_without_a_source_count_when_one_source_suffices() {
    // Regression: at k = 1 (the default) an entry listed with no source organisation was
    // rejected, so a list built without --source never matched.
    let k = IssuerSecretKey::from_seed(&[6; 32]);
    let mut b = ListBuilder::new(1, 0);
    b.add(HashKind::Md5, &[9; 16], 0, "x", "y").unwrap();
    let list =
        HashList::from_bytes(b.build(&k).unwrap(), &TrustedKeys::new(vec![k.public()])).unwrap();
    let hit = list.match_exact(HashKind::Md5, &[9; 16]);
    assert_eq!(SourcePolicy::default().filter(hit.clone()).len(), 1);
    assert_eq!(SourcePolicy::k_of_n(0).filter(hit.clone()).len(), 1);
    assert!(SourcePolicy::k_of_n(2).filter(hit).is_empty());
}
