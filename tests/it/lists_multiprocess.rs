//! Two writer processes on one store (an app and its extension), 1,000 rounds, one of them
//! SIGKILLed at a random moment in a third of the rounds. After every round the installed
//! list must open with full verification, be the list of its version (digest), and carry the
//! highest version any writer reported committed (and no version nobody tried); the store's
//! floor must match. Writers pick versions from what they see, so they race on the same
//! versions (no-ops), on rollbacks and on deltas whose base the other writer just replaced.
//!
//! The writers are this test binary re-invoked with `--ignored --exact writer_child`.

use crate::common;

use preflight::lists::random::SplitMix64 as Rng;
use preflight::lists::{
    make_delta, HashKind, HashList, IssuerSecretKey, ListBuilder, ListError, ListHealth, LiveList,
    TrustedKeys, Verification,
};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const DIR_ENV: &str = "PREFLIGHT_MP_DIR";
const SEED_ENV: &str = "PREFLIGHT_MP_SEED";
const ROUNDS: u32 = 1000;

fn key() -> IssuerSecretKey {
    common::issuer_key(77)
}

fn trusted() -> TrustedKeys {
    TrustedKeys::new(vec![key().public()])
}

/// Version `v`'s list: content depends on `v` only, so two writers agree on it.
fn list(v: u64) -> HashList {
    let mut b = ListBuilder::new(v, 1_700_000_000 + v);
    for i in 0..8u64 {
        let mut h = [0u8; 16];
        h[..8].copy_from_slice(&(v * 100 + i).to_be_bytes());
        b.add(HashKind::Md5, &h, 0, "l", "c").unwrap();
    }
    HashList::from_bytes(b.build(&key()).unwrap(), &trusted()).unwrap()
}

/// One writer: three updates at versions just above what it sees (full lists or deltas),
/// reporting "try v" before and "ok v" after each success on stdout.
#[test]
#[ignore = "child process of two_writers_with_kills; started by it"]
fn writer_child() {
    let (Ok(dir), Ok(seed)) = (std::env::var(DIR_ENV), std::env::var(SEED_ENV)) else {
        return;
    };
    let mut rng = Rng(seed.parse().unwrap());
    let live = LiveList::open(Path::new(&dir), trusted()).expect("writer: store opens");
    let mut out = std::io::stdout().lock();
    for _ in 0..3 {
        let current = live.current();
        let v = current.version() + 1 + rng.next() % 2;
        let target = list(v);
        let update = if rng.next().is_multiple_of(3) && current.version() > 0 {
            make_delta(&current, &target, &key()).unwrap()
        } else {
            target.as_bytes().to_vec()
        };
        writeln!(out, "try {v}").unwrap();
        out.flush().unwrap();
        match live.apply_update(&update, false) {
            Ok(info) => writeln!(out, "ok {}", info.version).unwrap(),
            // Lost the race: the other writer installed this version or a newer one first, or
            // replaced the delta's base.
            Err(ListError::Rollback { .. } | ListError::DeltaBaseMismatch { .. }) => {}
            Err(e) => panic!("writer: unexpected error {e}"),
        }
        out.flush().unwrap();
    }
}

struct Child {
    proc: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Child {
    fn spawn(dir: &Path, seed: u64) -> Child {
        let mut proc = common::child_test(module_path!(), "writer_child")
            .arg("--ignored")
            .env(DIR_ENV, dir)
            .env(SEED_ENV, seed.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = proc.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            // Complete lines only: a kill can cut "ok 12" to "ok 1".
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            while matches!(r.read_line(&mut line), Ok(n) if n > 0) {
                if !line.ends_with('\n') || tx.send(line.trim_end().to_owned()).is_err() {
                    break;
                }
                line.clear();
            }
        });
        Child {
            proc,
            lines,
            reader: Some(reader),
        }
    }

    /// Waits (or kills first), returns (exit ok, highest tried, highest committed).
    fn finish(mut self, kill: bool) -> (bool, u64, u64) {
        if kill {
            let _ = self.proc.kill();
        }
        let status = self.proc.wait().unwrap();
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        let (mut tried, mut committed) = (0, 0);
        for line in self.lines.try_iter() {
            // libtest's own "test writer_child ... " has no newline; a report may follow it.
            if let Some(v) = line
                .rsplit_once("try ")
                .and_then(|(_, v)| v.parse::<u64>().ok())
            {
                tried = tried.max(v);
            }
            if let Some(v) = line
                .rsplit_once("ok ")
                .and_then(|(_, v)| v.parse::<u64>().ok())
            {
                committed = committed.max(v);
            }
        }
        (status.success(), tried, committed)
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.proc.kill();
        let _ = self.proc.wait();
    }
}

#[test]
fn two_writers_with_kills() {
    if !common::optimised_build_or_skip("1,000 rounds of two writer processes") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("lists_multiprocess seed {seed}");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let (mut max_tried, mut max_committed, mut kills) = (0u64, 0u64, 0u32);
    for round in 0..ROUNDS {
        let a = Child::spawn(dir.path(), rng.next());
        let b = Child::spawn(dir.path(), rng.next());
        let kill = rng.next().is_multiple_of(3);
        if kill {
            std::thread::sleep(Duration::from_micros(rng.next() % 20_000));
            kills += 1;
        }
        let (a_ok, a_tried, a_done) = a.finish(kill);
        let (b_ok, b_tried, b_done) = b.finish(false);
        assert!(b_ok, "round {round}: writer b failed");
        assert!(a_ok || kill, "round {round}: writer a failed");
        max_tried = max_tried.max(a_tried).max(b_tried);
        max_committed = max_committed.max(a_done).max(b_done);

        let live = LiveList::open_with(dir.path(), trusted(), Verification::Full)
            .unwrap_or_else(|e| panic!("round {round}: store does not open: {e}"));
        let status = live.status();
        assert_eq!(status.health, ListHealth::Installed, "round {round}");
        let v = status.info.version;
        assert!(
            v >= max_committed && v <= max_tried,
            "round {round}: installed v{v}, committed up to {max_committed}, tried up to {max_tried}"
        );
        assert_eq!(
            status.info.digest_hex,
            list(v).info().digest_hex,
            "round {round}"
        );
        assert_eq!(status.floor_version, v, "round {round}");
        // A killed writer's commit may be unreported: what is installed is the new maximum.
        max_committed = v;
    }
    eprintln!(
        "lists_multiprocess: {ROUNDS} rounds ({kills} with a SIGKILL) in {:?}, final version {max_committed}",
        started.elapsed()
    );
    assert!(max_committed >= u64::from(ROUNDS), "writers made progress");
}
