//! `preflight bench`'s install figures: a distributable list (no index inside, labels and
//! sources dictionary-coded) of `--list-size` random PDQ hashes installed into an empty store
//! in a temporary directory (`LiveList::apply_update`: full verification, the device index
//! build, the writes, the swap), against the full verification of the same bytes alone in
//! the same run (the floor of any install). Reports download and device bytes per hash.

use preflight::lists::random::SplitMix64;
use preflight::lists::{
    HashKind, HashList, IssuerSecretKey, ListBuilder, LiveList, PdqIndexScheme, TrustedKeys,
    Verification,
};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What the install figures measured (times are the best of the rounds).
#[derive(Serialize)]
pub struct InstallFigures {
    /// Install time in ms.
    pub install_ms: f64,
    /// Full verification of the same bytes alone, in ms.
    pub verify_ms: f64,
    /// Download size (the distributable list) per PDQ hash.
    pub download_bytes_per_hash: f64,
    /// List file plus device index per PDQ hash.
    pub device_bytes_per_hash: f64,
    /// The device index file alone, in bytes.
    pub index_bytes: u64,
    /// How far the process's peak resident memory rose above its resident memory at the start
    /// of one install, in bytes (Linux: the peak is reset through `/proc/self/clear_refs`;
    /// `None` where that is not possible). The list bytes were already in memory.
    pub install_peak_growth_bytes: Option<u64>,
}

/// A `/proc/self/status` field in bytes (Linux).
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Runs `f` and returns how far the peak resident memory rose above the resident memory
/// before it (`None` when the peak cannot be reset here).
fn peak_growth(f: impl FnOnce()) -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = status_bytes("VmRSS:")?;
    f();
    Some(status_bytes("VmHWM:")?.saturating_sub(before))
}

/// A temporary directory removed on drop (the CLI does not carry `tempfile`).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("preflight-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn distributable(n: usize, key: &IssuerSecretKey) -> Result<Vec<u8>, String> {
    let mut rng = SplitMix64(n as u64 ^ 0x1157);
    let mut b = ListBuilder::new(1, 0);
    b.set_pdq_index_scheme(PdqIndexScheme::Detached);
    for o in 0..6 {
        b.add_org(&format!("org-{o}")).map_err(|e| e.to_string())?;
    }
    let labels: Vec<String> = (0..200).map(|i| format!("case-{i:04}")).collect();
    for _ in 0..n {
        let label = labels
            .get((rng.next() % 200) as usize)
            .map_or("case", |s| s);
        let orgs = 1 + rng.next() % 63;
        b.add(HashKind::Pdq, &rng.hash(), orgs, label, "csam")
            .map_err(|e| e.to_string())?;
    }
    b.build(key).map_err(|e| e.to_string())
}

/// Total size of the files in `dir` whose names `keep` accepts.
fn files_bytes(dir: &Path, keep: impl Fn(&str) -> bool) -> u64 {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.flatten()
            .filter(|e| keep(&e.file_name().to_string_lossy()))
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    })
}

/// The device index files of a store.
fn index_bytes(dir: &Path) -> u64 {
    files_bytes(dir, |name| name.ends_with(".pfidx"))
}

/// The installed list and its device index.
fn dir_bytes(dir: &Path) -> u64 {
    files_bytes(dir, |name| {
        name == "current.pflist" || name.ends_with(".pfidx")
    })
}

/// Installs a distributable list of `n` hashes `rounds` times (each into a fresh store).
pub fn install_figures(n: usize, rounds: usize) -> Result<InstallFigures, String> {
    let key = IssuerSecretKey::from_seed(&[8; 32]);
    let keys = TrustedKeys::new(vec![key.public()]);
    let bytes = distributable(n, &key)?;
    let tmp = TempDir::new()?;
    let mut device = 0;
    let mut round = 0;
    let install_ms = crate::bench_cmd::best_ms(rounds, || -> Result<(), String> {
        round += 1;
        let store = tmp.0.join(format!("store-{round}"));
        let live = LiveList::open(&store, keys.clone()).map_err(|e| e.to_string())?;
        live.apply_update(&bytes, false)
            .map_err(|e| e.to_string())?;
        device = dir_bytes(&store);
        let _ = std::fs::remove_dir_all(&store);
        Ok(())
    });
    // The rounds above ran the install; check it worked (the closure's errors are dropped
    // by the timer, so repeat one install outside it).
    let check = tmp.0.join("store-check");
    let live = LiveList::open(&check, keys.clone()).map_err(|e| e.to_string())?;
    let mut installed = None;
    let install_peak_growth_bytes =
        peak_growth(|| installed = Some(live.apply_update(&bytes, false)));
    let installed = installed.unwrap_or_else(|| live.apply_update(&bytes, false));
    installed.map_err(|e| e.to_string())?;
    if live.current().len(HashKind::Pdq) != n {
        return Err("the installed list does not hold every hash".into());
    }
    let verify_ms = crate::bench_cmd::best_ms(rounds, || {
        HashList::from_bytes_with(bytes.clone(), Some(&keys), Verification::Full).is_ok()
    });
    Ok(InstallFigures {
        install_ms,
        verify_ms,
        download_bytes_per_hash: bytes.len() as f64 / n.max(1) as f64,
        device_bytes_per_hash: device as f64 / n.max(1) as f64,
        index_bytes: index_bytes(&check),
        install_peak_growth_bytes,
    })
}
