//! Crash safety of list updates: a child process applies updates (full lists and deltas) to a
//! store in a loop and is killed with SIGKILL after a random delay; the store must then reopen
//! with full verification to exactly the last list the child reported installed, or the one
//! after it (killed between the atomic rename and the report), never an error or a third state.
//!
//! The child is this test binary re-invoked with `--ignored --exact child_update_loop` and the
//! store directory in `PREFLIGHT_CRASH_CHILD`. SIGKILL leaves the kernel's page cache intact, so
//! this proves the protocol (temp file + fsync + rename + directory fsync, stale temp removal
//! under the store lock) is atomic at the process level; it does not simulate power loss (see THREAT_MODEL.md).

use crate::common;

use preflight::hash::pdq::PdqHash;
use preflight::lists::random::SplitMix64 as Rng;
use preflight::lists::{
    make_delta, HashKind, HashList, IssuerSecretKey, ListBuilder, LiveList, TrustedKeys,
};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "PREFLIGHT_CRASH_CHILD";

fn key() -> IssuerSecretKey {
    common::issuer_key(42)
}

fn trusted() -> TrustedKeys {
    TrustedKeys::new(vec![key().public()])
}

/// List version `v`: deterministic content that changes every version. PDQ entries make the
/// file several MB (the multi-index tables), so a kill often lands while it is being written.
fn list_bytes(v: u64) -> Vec<u8> {
    let mut b = ListBuilder::new(v, 1_700_000_000 + v);
    let org = b.add_org("org-a").unwrap();
    for i in 0..64u64 {
        let mut h = [0u8; 32];
        h[..8].copy_from_slice(&(v * 1000 + i).to_be_bytes());
        h[8..16].copy_from_slice(&i.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_le_bytes());
        b.add(HashKind::Pdq, &h, 1 << org, &format!("v{v}-e{i}"), "test")
            .unwrap();
    }
    // Every version lists the same fixed hash too (used by nothing here, but keeps deltas
    // realistic: they carry adds and tombstones).
    let fixed = PdqHash::from_hex(&"5ac3".repeat(16)).unwrap();
    b.add(HashKind::Pdq, &fixed.0, 1 << org, "fixed", "test")
        .unwrap();
    b.add(
        HashKind::Md5,
        &v.to_be_bytes().repeat(2),
        1 << org,
        &format!("md5-{v}"),
        "test",
    )
    .unwrap();
    b.build(&key()).unwrap()
}

fn digest_of(v: u64) -> String {
    HashList::from_bytes(list_bytes(v), &trusted())
        .unwrap()
        .info()
        .digest_hex
}

/// Child process body: apply version after version (odd versions as full lists, even ones as
/// deltas from the previous version) and report each install on stdout.
#[test]
#[ignore = "child process of crash_safety_under_sigkill; started by it"]
fn child_update_loop() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let live = LiveList::open(Path::new(&dir), trusted()).expect("child: store opens");
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready {}", live.info().version).unwrap();
    out.flush().unwrap();
    loop {
        let current = live.current();
        let next = current.version() + 1;
        let full = list_bytes(next);
        let update = if next.is_multiple_of(2) && current.version() > 0 {
            let new = HashList::from_bytes(full, &trusted()).unwrap();
            make_delta(&current, &new, &key()).unwrap()
        } else {
            full
        };
        let info = live
            .apply_update(&update, false)
            .expect("child: update applies");
        writeln!(out, "applied {}", info.version).unwrap();
        out.flush().unwrap();
    }
}

/// True if the store holds a writer's temp file (`<name>.tmp-<pid>-<random>`, or the
/// `current.pflist.tmp` of stores written before temp names were unique).
fn has_temp_file(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains(".tmp"))
}

/// Kills the child if the parent panics mid-iteration, so no update loop is left running.
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn crash_safety_under_sigkill() {
    if !common::optimised_build_or_skip("crash safety under 120 random SIGKILLs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash_safety seed {seed}");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let (mut iterations, mut advanced_after_report, mut stale_temp_seen) = (0u32, 0u32, 0u32);
    let mut last_version = 0u64;
    // Bounded: 120 kills or 40 s, whichever comes first (at least 20 kills are required).
    while iterations < 120 && (started.elapsed() < Duration::from_secs(40) || iterations < 20) {
        let mut child = ChildGuard(
            common::child_test(module_path!(), "child_update_loop")
                .arg("--ignored")
                .env(CHILD_ENV, dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let stdout = child.0.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            // Only complete lines count: a kill can cut "applied 12" to "applied 1".
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            while matches!(r.read_line(&mut line), Ok(n) if n > 0) {
                if !line.ends_with('\n') || tx.send(line.trim_end().to_string()).is_err() {
                    break;
                }
                line.clear();
            }
        });
        // Wait until the child has opened the store, then kill it after a random delay that
        // covers zero, one or several updates.
        // (libtest prints its own lines too: "running 1 test", then "test child_update_loop
        // ... " without a newline, so "ready" ends that line.)
        let deadline = Instant::now() + Duration::from_secs(60);
        let opened_at: u64 = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("child starts");
            if let Some((_, v)) = line.split_once("ready ") {
                break v.trim().parse().unwrap();
            }
            assert!(Instant::now() < deadline, "child never reported ready");
        };
        assert_eq!(
            opened_at, last_version,
            "child saw a different list than the parent left"
        );
        std::thread::sleep(Duration::from_micros(rng.next() % 60_000));
        child.0.kill().unwrap(); // SIGKILL on Unix
        child.0.wait().unwrap();
        reader.join().unwrap();
        let reported = rx
            .try_iter()
            .filter_map(|l| {
                l.strip_prefix("applied ")
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .last()
            .unwrap_or(opened_at);

        if has_temp_file(dir.path()) {
            stale_temp_seen += 1;
        }
        let live = LiveList::open(dir.path(), trusted())
            .unwrap_or_else(|e| panic!("iteration {iterations}: store does not reopen: {e}"));
        let info = live.info();
        assert!(
            info.version == reported || info.version == reported + 1,
            "iteration {iterations}: reopened version {} but the child last reported {reported}",
            info.version
        );
        if info.version > 0 {
            assert_eq!(
                info.digest_hex,
                digest_of(info.version),
                "iteration {iterations}: digest"
            );
        }
        assert!(!has_temp_file(dir.path()), "open removes a stale temp file");
        if info.version == reported + 1 {
            advanced_after_report += 1;
        }
        last_version = info.version;
        iterations += 1;
    }
    eprintln!(
        "crash_safety: {iterations} kills in {:?}, final version {last_version}, \
         {stale_temp_seen} killed mid-write (temp file left), {advanced_after_report} killed \
         between install and report",
        started.elapsed()
    );
    assert!(last_version >= 2, "the child never got to apply updates");
}

#[test]
fn partial_temp_file_and_missing_store_are_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let live = LiveList::open(dir.path(), trusted()).unwrap();
    live.apply_update(&list_bytes(1), false).unwrap();
    let before = live.info();
    drop(live);
    // A torn write of the next version, as a kill during `install` leaves it.
    let next = list_bytes(2);
    std::fs::write(
        dir.path().join("current.pflist.tmp"),
        &next[..next.len() / 3],
    )
    .unwrap();
    let live = LiveList::open(dir.path(), trusted()).unwrap();
    assert_eq!(live.info(), before);
    assert!(!has_temp_file(dir.path()));
    // And the update can then be applied normally.
    assert_eq!(live.apply_update(&next, false).unwrap().version, 2);
}
