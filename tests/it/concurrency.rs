//! Concurrency and leaks: 8 threads scan images and chat messages through one `Scanner` while
//! the main thread swaps lists in repeatedly (full lists and deltas). Results must stay
//! consistent with every list version (a listed image is always blocked, an unlisted one never,
//! and evidence always names a version that was installed), and resident memory must stay flat.

use crate::common;

use preflight::lists::{make_delta, HashKind, HashList, IssuerSecretKey, ListBuilder, TrustedKeys};
use preflight::text::{AgeBand, Direction};
use preflight::{Action, Category, Evidence, Scanner, ScannerConfig};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn key() -> IssuerSecretKey {
    common::issuer_key(5)
}

/// Version `v` of the list: always the bridge, plus filler entries that change every version.
fn list(v: u64) -> Vec<u8> {
    let mut b = ListBuilder::new(v, 1_700_000_000 + v);
    let org = b.add_org("org-a").unwrap();
    b.add(
        HashKind::Pdq,
        &common::drawn_pdq("bridge-1-original.jpg").0, // bridge-1
        1 << org,
        "bridge",
        "test",
    )
    .unwrap();
    for i in 0..200u64 {
        let mut h = [0u8; 32];
        h[..16].copy_from_slice(
            &((v * 7919 + i) as u128)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
                .to_be_bytes(),
        );
        h[16..].copy_from_slice(&[(i % 251) as u8; 16]);
        b.add(
            HashKind::Pdq,
            &h,
            1 << org,
            &format!("filler-{v}-{i}"),
            "test",
        )
        .unwrap();
    }
    b.build(&key()).unwrap()
}

/// VmRSS of this process in KiB (Linux).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

const MESSAGES: [(&str, Option<Category>); 4] = [
    ("hey how was school today", None),
    (
        "don't tell your parents about us ok",
        Some(Category::Grooming),
    ),
    ("i want to kill myself", Some(Category::SelfHarm)),
    ("the weather is nice, see you at practice", None),
];

#[test]
fn eight_threads_scan_while_lists_swap_and_memory_stays_flat() {
    common::in_own_process(
        module_path!(),
        "eight_threads_scan_while_lists_swap_and_memory_stays_flat",
        eight_threads_scan_while_lists_swap_and_memory_stays_flat_alone,
    );
}

/// What the scanning threads share: the scanner, the two images, the digest of every version
/// that will be installed (evidence must name one of them), the stop flag and the scan count.
struct Shared {
    scanner: Scanner,
    listed: Vec<u8>,
    unlisted: Vec<u8>,
    digests: Vec<String>,
    stop: AtomicBool,
    scans: AtomicU64,
}

impl Shared {
    /// Image scans: the listed image is blocked with evidence naming an installed version, the
    /// unlisted one allowed with no signal.
    fn scan_images(&self, t: usize, i: u64) {
        let v = self.scanner.scan_image(&self.listed).unwrap();
        assert_eq!(
            v.action,
            Action::Block,
            "thread {t} scan {i}: listed image allowed"
        );
        let sig = v.signals_of(Category::KnownCsam).next().unwrap();
        let Evidence::ListMatch {
            label,
            list_version,
            list_digest,
            ..
        } = &sig.evidence[0]
        else {
            panic!("thread {t}: unexpected evidence {:?}", sig.evidence[0]);
        };
        assert_eq!(label, "bridge");
        let idx = (*list_version as usize)
            .checked_sub(1)
            .expect("version >= 1");
        assert_eq!(
            list_digest, &self.digests[idx],
            "evidence names version {list_version} with a foreign digest"
        );
        let v = self.scanner.scan_image(&self.unlisted).unwrap();
        assert_eq!(
            v.action,
            Action::Allow,
            "thread {t} scan {i}: unlisted image flagged"
        );
        assert!(v.signals.is_empty());
    }

    /// A text scan whose categories are exactly what the message should give.
    fn scan_message(&self, t: usize, i: u64) {
        let (text, want) = MESSAGES[(i as usize) % MESSAGES.len()];
        // A fresh conversation per message (bounded by max_conversations) so each verdict
        // depends on this message only.
        let conv = format!("t{t}-{}", i % 5000);
        self.scanner.forget_conversation(&conv);
        let v = self
            .scanner
            .scan_text(&conv, Direction::Received, AgeBand::Age13To15, text)
            .unwrap();
        let got: Vec<Category> = v.signals.iter().map(|s| s.category).collect();
        match want {
            Some(c) => assert!(got.contains(&c), "thread {t}: {text:?} gave {got:?}"),
            None => assert!(got.is_empty(), "thread {t}: {text:?} gave {got:?}"),
        }
    }

    /// Thread `t`'s loop until stopped (even threads scan images, odd ones text); its count.
    fn work(&self, t: usize) -> u64 {
        let mut i = 0u64;
        while !self.stop.load(Ordering::Relaxed) {
            if t.is_multiple_of(2) {
                self.scan_images(t, i);
            } else {
                self.scan_message(t, i);
            }
            i += 1;
            self.scans.fetch_add(1, Ordering::Relaxed);
        }
        i
    }
}

const VERSIONS: u64 = 60;

fn eight_threads_scan_while_lists_swap_and_memory_stays_flat_alone() {
    let scanner = Scanner::new(ScannerConfig {
        trusted_list_keys: vec![key().public().to_hex()],
        ..ScannerConfig::default()
    })
    .unwrap();
    scanner.apply_list_update(&list(1), false).unwrap();
    let trusted = TrustedKeys::new(vec![key().public()]);
    let lists: Vec<Vec<u8>> = (1..=VERSIONS).map(list).collect();
    let digests = lists
        .iter()
        .map(|b| {
            HashList::from_bytes(b.clone(), &trusted)
                .unwrap()
                .info()
                .digest_hex
        })
        .collect();
    let shared = Arc::new(Shared {
        scanner,
        listed: common::drawn("bridge-4-rotate-270.jpg"),
        unlisted: common::drawn("q0746.jpg"),
        digests,
        stop: AtomicBool::new(false),
        scans: AtomicU64::new(0),
    });
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let shared = shared.clone();
            std::thread::spawn(move || shared.work(t))
        })
        .collect();

    let started = Instant::now();
    let rss_after_warmup = swap_lists(&shared, &lists, &trusted);
    shared.stop.store(true, Ordering::Relaxed);
    let per_thread: Vec<u64> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let rss_end = rss_kib();
    let total = shared.scans.load(Ordering::Relaxed);
    eprintln!(
        "concurrency: {total} scans {per_thread:?} during {} swaps in {:?}; VmRSS {} KiB after warm-up, {} KiB at the end",
        VERSIONS - 1,
        started.elapsed(),
        rss_after_warmup,
        rss_end
    );
    assert!(per_thread.iter().all(|&n| n > 0), "every thread scanned");
    assert_eq!(shared.scanner.list_info().version, VERSIONS);
    // Each list file is ~4.3 MB (mostly the PDQ index) and is memory-mapped; 50 swaps after
    // warm-up would add > 200 MB if old lists were never unmapped. Allocator fragmentation
    // and the conversation table (bounded by max_conversations) fit well inside 40 MB.
    let growth = rss_end.saturating_sub(rss_after_warmup);
    assert!(
        growth < 40 * 1024,
        "VmRSS grew by {growth} KiB across {} list swaps",
        VERSIONS - 10
    );
}

/// Installs versions 2..=VERSIONS while the workers scan (even versions as deltas); returns the
/// VmRSS after version 10 (the warm-up).
fn swap_lists(shared: &Shared, lists: &[Vec<u8>], trusted: &TrustedKeys) -> u64 {
    let mut rss_after_warmup = 0;
    let mut current = HashList::from_bytes(lists[0].clone(), trusted).unwrap();
    for v in 2..=VERSIONS {
        let full = lists[(v - 1) as usize].clone();
        let update = if v % 2 == 0 {
            let new = HashList::from_bytes(full.clone(), trusted).unwrap();
            make_delta(&current, &new, &key()).unwrap()
        } else {
            full.clone()
        };
        let info = shared.scanner.apply_list_update(&update, false).unwrap();
        assert_eq!(info.version, v);
        assert_eq!(info.digest_hex, shared.digests[(v - 1) as usize]);
        current = HashList::from_bytes(full, trusted).unwrap();
        if v == 10 {
            rss_after_warmup = rss_kib();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    rss_after_warmup
}
