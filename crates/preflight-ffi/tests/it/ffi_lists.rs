//! The list APIs of the bindings from Rust, as Kotlin and Swift call them: `list_status`,
//! the stored tree head, updates from a file (progress, cancellation, async), and a scanner
//! holding lists from two issuers (k of 2). The same scenarios run on the JVM in
//! tests/kotlin/ListsTest.kt.

use preflight_ffi::{
    Action, Evidence, IssuerPolicy, IssuerSetup, ListHealth, PreflightError, Scanner,
    ScannerConfig, UpdateCancel, UpdateProgress, UpdateProgressListener, UpdateStage,
};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap()
}

fn key(file: &str) -> String {
    String::from_utf8(read(&format!("tests/fixtures/ffi/{file}")))
        .unwrap()
        .trim()
        .to_string()
}

const LIST_V1: &str = "tests/fixtures/ffi/demo-list-v1.pflist";
const DELTA_V2: &str = "tests/fixtures/ffi/demo-delta-v1-v2.pfdelta";
const SECOND_V1: &str = "tests/fixtures/ffi/second-list-v1.pflist";
const BRIDGE: &str = "tests/fixtures/pdq/images/bridge-1-original.jpg";

fn config(dir: &std::path::Path) -> ScannerConfig {
    ScannerConfig {
        trusted_list_keys: vec![key("test-issuer.pub")],
        ..ScannerConfig::new(dir.join("own").display().to_string())
    }
}

fn issuer(dir: &std::path::Path, name: &str, key_file: &str) -> IssuerSetup {
    IssuerSetup {
        name: name.into(),
        store_dir: dir.join(name).display().to_string(),
        trusted_keys: vec![key(key_file)],
        category: format!("{name}-category"),
        max_version_jump: None,
        require_log_proof: false,
    }
}

fn two_issuers(dir: &std::path::Path) -> Arc<Scanner> {
    Scanner::with_issuers(
        config(dir),
        vec![
            issuer(dir, "alpha", "test-issuer.pub"),
            issuer(dir, "beta", "second-issuer.pub"),
        ],
        IssuerPolicy {
            min_issuers: 2,
            counted: vec![],
        },
    )
    .unwrap()
}

#[derive(Default)]
struct Progress(Mutex<Vec<UpdateProgress>>);

impl UpdateProgressListener for Progress {
    fn on_progress(&self, progress: UpdateProgress) {
        self.0.lock().unwrap().push(progress);
    }
}

struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls a future to completion on this thread (as uniffi's foreign side does).
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = Box::pin(fut);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(std::time::Duration::from_millis(50));
    }
}

#[test]
fn list_status_says_why_there_is_no_list_and_what_is_installed() {
    let dir = tempfile::tempdir().unwrap();
    let s = Scanner::new(config(dir.path())).unwrap();
    let status = s.list_status();
    assert_eq!(status.health, ListHealth::NoneInstalled);
    assert_eq!((status.info.version, status.floor_version), (0, 0));
    assert!(!status.stale && status.forced.is_none());
    assert_eq!(s.list_tree_head(), None);
    s.apply_list_update(read(LIST_V1), false).unwrap();
    let status = s.list_status();
    assert_eq!(status.health, ListHealth::Installed);
    assert_eq!((status.info.version, status.floor_version), (1, 1));
    // A damaged installed list: a new scanner still starts, on the previous list or none,
    // and says why.
    s.apply_list_update(read(DELTA_V2), false).unwrap();
    drop(s);
    let current = dir.path().join("own/current.pflist");
    let mut bytes = std::fs::read(&current).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&current, bytes).unwrap();
    let again = Scanner::new(config(dir.path())).unwrap();
    let status = again.list_status();
    assert!(
        matches!(&status.health, ListHealth::FellBack { reason } if !reason.is_empty()),
        "{:?}",
        status.health
    );
    assert_eq!(status.info.version, 1);
    assert_eq!(status.floor_version, 2);
}

#[test]
fn file_updates_report_progress_and_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let s = Scanner::new(config(dir.path())).unwrap();
    let path = root().join(LIST_V1).display().to_string();
    // Cancelled before it starts: refused, nothing installed.
    let cancel = UpdateCancel::new();
    cancel.cancel();
    let err = s
        .apply_list_file(path.clone(), None, false, None, Some(cancel))
        .unwrap_err();
    assert!(
        matches!(&err, PreflightError::ListRejected(m) if m.contains("cancel")),
        "{err}"
    );
    assert_eq!(s.list_info().version, 0);
    // Async, with progress: verifying then writing, ending at the file's size.
    let progress = Arc::new(Progress::default());
    let info = block_on(s.apply_list_file_async(
        path,
        None,
        false,
        Some(progress.clone()),
        Some(UpdateCancel::new()),
    ))
    .unwrap();
    assert_eq!(info.version, 1);
    let seen = progress.0.lock().unwrap().clone();
    assert_eq!(seen.first().map(|p| p.stage), Some(UpdateStage::Verifying));
    let last = seen.last().unwrap();
    assert_eq!(last.stage, UpdateStage::Writing);
    assert_eq!(last.done, last.total);
    assert_eq!(last.total, read(LIST_V1).len() as u64);
    // A missing file is a storage error.
    let err = s
        .apply_list_file("/nonexistent/list.pflist".into(), None, false, None, None)
        .unwrap_err();
    assert!(matches!(err, PreflightError::Storage(_)), "{err}");
}

#[test]
fn two_issuers_corroborate_and_update_independently() {
    let dir = tempfile::tempdir().unwrap();
    let s = two_issuers(dir.path());
    s.apply_issuer_update("alpha".into(), read(LIST_V1), false)
        .unwrap();
    // On one issuer's list only: not corroborated, a warning naming alpha.
    let v = s.scan_image(read(BRIDGE)).unwrap();
    assert_eq!(v.action, Action::Warn);
    // beta's list arrives from a file (a distributable list: the device builds its index).
    let progress = Arc::new(Progress::default());
    let beta = root().join(SECOND_V1).display().to_string();
    block_on(s.apply_issuer_file_async(
        "beta".into(),
        beta,
        None,
        false,
        Some(progress.clone()),
        None,
    ))
    .unwrap();
    assert!(progress
        .0
        .lock()
        .unwrap()
        .iter()
        .any(|p| p.stage == UpdateStage::Indexing));
    let v = s.scan_image(read(BRIDGE)).unwrap();
    assert_eq!(v.action, Action::Block);
    let Evidence::IssuerMatch {
        corroborated,
        independent_issuers,
        issuers,
        ..
    } = &v.signals[0].evidence[0]
    else {
        panic!("{:?}", v.signals);
    };
    assert!(*corroborated);
    assert_eq!(*independent_issuers, 2);
    let names: Vec<(&str, &str)> = issuers
        .iter()
        .map(|i| (i.issuer.as_str(), i.label.as_str()))
        .collect();
    assert_eq!(names, [("alpha", "demo-bridge"), ("beta", "second-bridge")]);
    // alpha's delta leaves beta as it is.
    s.apply_issuer_update("alpha".into(), read(DELTA_V2), false)
        .unwrap();
    let status = s.issuer_status();
    let versions: Vec<(&str, u64)> = status
        .iter()
        .map(|i| (i.issuer.as_str(), i.status.info.version))
        .collect();
    assert_eq!(versions, [("alpha", 2), ("beta", 1)]);
    assert_eq!(status[1].category, "beta-category");
    assert_eq!(s.issuer_tree_head("beta".into()).unwrap(), None);
    assert!(s.issuer_tree_head("gamma".into()).is_err());
    assert_eq!(s.issuer_policy().map(|p| p.min_issuers), Some(2));
    // The scanner's own list is separate (still empty).
    assert_eq!(s.list_info().version, 0);
}

#[test]
fn bad_issuer_setups_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut relative = issuer(dir.path(), "alpha", "test-issuer.pub");
    relative.store_dir = "lists/alpha".into();
    let policy = IssuerPolicy {
        min_issuers: 1,
        counted: vec![],
    };
    let err =
        Scanner::with_issuers(config(dir.path()), vec![relative], policy.clone()).unwrap_err();
    assert!(matches!(err, PreflightError::InvalidConfig(_)), "{err}");
    let mut bad_key = issuer(dir.path(), "alpha", "test-issuer.pub");
    bad_key.trusted_keys = vec!["abc".into()];
    let err = Scanner::with_issuers(config(dir.path()), vec![bad_key], policy).unwrap_err();
    assert!(
        matches!(&err, PreflightError::InvalidConfig(m) if m.contains("alpha")),
        "{err}"
    );
    let too_many = IssuerPolicy {
        min_issuers: 3,
        counted: vec![],
    };
    let err = Scanner::with_issuers(
        config(dir.path()),
        vec![issuer(dir.path(), "alpha", "test-issuer.pub")],
        too_many,
    )
    .unwrap_err();
    assert!(matches!(err, PreflightError::InvalidConfig(_)), "{err}");
}
