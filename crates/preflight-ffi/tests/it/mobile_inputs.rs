//! The mobile entry points (issue 15) from Rust, exactly as the bindings call them: raw pixels,
//! files by path and by descriptor (memory-mapped), the async variants (driven by a minimal
//! executor, as uniffi's foreign side polls them), the listener's events, and two scanners on
//! one store. The same scenarios run on the JVM in tests/kotlin/MobileTest.kt.

use preflight_ffi::{
    Action, AgeBand, Direction, HashKind, ListInfo, Orientation, PixelBuffer, PixelFormat,
    PreflightError, PreflightListener, Scanner, ScannerConfig,
};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn fixture(rel: &str) -> PathBuf {
    root().join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap()
}

fn config(dir: &std::path::Path) -> ScannerConfig {
    let key = String::from_utf8(read("tests/fixtures/ffi/test-issuer.pub")).unwrap();
    ScannerConfig {
        trusted_list_keys: vec![key.trim().to_string()],
        ..ScannerConfig::new(dir.display().to_string())
    }
}

fn listed_scanner(dir: &std::path::Path) -> Arc<Scanner> {
    let s = Scanner::new(config(dir)).unwrap();
    s.apply_list_update(read("tests/fixtures/ffi/demo-list-v1.pflist"), false)
        .unwrap();
    s
}

const BRIDGE: &str = "tests/fixtures/pdq/images/bridge-1-original.jpg";

/// The bridge fixture decoded (as the platform's decoder would) into RGBA rows with padding.
fn bridge_rgba(padding: u32) -> PixelBuffer {
    let limits = preflight::media::DecodeLimits::default();
    let decoded = preflight::media::decode_for_hashing(&read(BRIDGE), &limits, u32::MAX).unwrap();
    let img = decoded.pixels.to_dynamic().to_rgba8();
    let (w, h) = (img.width(), img.height());
    let stride = w * 4 + padding;
    let mut bytes = vec![0u8; (stride * h) as usize];
    for (y, row) in img.rows().enumerate() {
        let start = y * stride as usize;
        for (x, p) in row.enumerate() {
            bytes[start + x * 4..start + x * 4 + 4].copy_from_slice(&p.0);
        }
    }
    PixelBuffer {
        width: w,
        height: h,
        row_stride: stride,
        format: PixelFormat::Rgba8888,
        orientation: Orientation::Up,
        bytes,
    }
}

#[test]
fn pixels_of_a_listed_image_block_and_bad_layouts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = listed_scanner(dir.path());
    let v = s.scan_pixels(bridge_rgba(16)).unwrap();
    assert_eq!(v.action, Action::Block);
    let mut short = bridge_rgba(0);
    short.bytes.truncate(100);
    assert!(matches!(
        s.scan_pixels(short),
        Err(PreflightError::InvalidImage(_))
    ));
}

#[test]
fn files_scan_by_path_and_by_descriptor_without_closing_it() {
    use std::os::fd::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    let s = listed_scanner(dir.path());
    let path = fixture(BRIDGE).display().to_string();
    assert_eq!(s.scan_file(path.clone()).unwrap().action, Action::Block);
    let file = std::fs::File::open(&path).unwrap();
    let fd = file.as_raw_fd();
    assert_eq!(s.scan_fd(fd).unwrap().action, Action::Block);
    // The descriptor is still open and usable by the app afterwards.
    assert_eq!(file.metadata().unwrap().len(), read(BRIDGE).len() as u64);
    assert_eq!(s.scan_fd(fd).unwrap().action, Action::Block);

    let missing = s.scan_file("/nonexistent/x.jpg".into()).unwrap_err();
    assert!(missing.to_string().contains("cannot open"), "{missing}");
    assert!(matches!(
        s.scan_fd(-1),
        Err(PreflightError::InvalidImage(_))
    ));
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    let e = s.scan_file(empty.display().to_string()).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
}

struct Flag(Mutex<bool>, std::sync::Condvar);
impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        *self.0.lock().unwrap() = true;
        self.1.notify_all();
    }
}

/// Polls a future to completion the way a foreign executor does: poll, wait for the wake.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = Box::pin(fut);
    let flag = Arc::new(Flag(Mutex::new(false), std::sync::Condvar::new()));
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        let mut woken = flag.0.lock().unwrap();
        while !*woken {
            woken = flag.1.wait(woken).unwrap();
        }
        *woken = false;
    }
}

#[test]
fn async_variants_return_the_blocking_results_and_can_be_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let s = Scanner::new(config(dir.path())).unwrap();
    let info =
        block_on(s.apply_list_update_async(read("tests/fixtures/ffi/demo-list-v1.pflist"), false))
            .unwrap();
    assert_eq!(info.version, 1);
    let v = block_on(s.scan_image_async(read(BRIDGE))).unwrap();
    assert_eq!(v, s.scan_image(read(BRIDGE)).unwrap());
    let f = block_on(s.scan_file_async(fixture(BRIDGE).display().to_string())).unwrap();
    assert_eq!(f.action, Action::Block);
    assert_eq!(
        block_on(s.scan_pixels_async(bridge_rgba(0)))
            .unwrap()
            .action,
        Action::Block
    );
    assert!(matches!(
        block_on(s.scan_image_async(vec![1, 2, 3])),
        Err(PreflightError::InvalidImage(_))
    ));
    block_on(s.preload_async()).unwrap();
    // Cancellation = the foreign side drops the future: nothing hangs, the scanner still works.
    for _ in 0..8 {
        drop(s.scan_image_async(read(BRIDGE)));
    }
    assert_eq!(
        block_on(s.scan_image_async(read(BRIDGE))).unwrap().action,
        Action::Block
    );
}

#[derive(Default)]
struct Events {
    installed: Mutex<Vec<u64>>,
    rejected: Mutex<Vec<String>>,
    evicted: Mutex<Vec<String>>,
}

impl PreflightListener for Events {
    fn on_list_installed(&self, info: ListInfo) {
        self.installed.lock().unwrap().push(info.version);
    }
    fn on_list_rejected(&self, reason: String) {
        self.rejected.lock().unwrap().push(reason);
    }
    fn on_conversation_evicted(&self, conversation_id: String) {
        self.evicted.lock().unwrap().push(conversation_id);
    }
}

#[test]
fn listener_hears_installs_rejections_and_evictions() {
    let dir = tempfile::tempdir().unwrap();
    let s = Scanner::new(config(dir.path())).unwrap();
    let events = Arc::new(Events::default());
    s.set_listener(Some(events.clone()));
    s.apply_list_update(read("tests/fixtures/ffi/demo-list-v1.pflist"), false)
        .unwrap();
    let v2 = block_on(
        s.apply_list_update_async(read("tests/fixtures/ffi/demo-delta-v1-v2.pfdelta"), false),
    )
    .unwrap();
    assert_eq!(v2.counts.md5, 1);
    assert!(s
        .apply_list_update(read("tests/fixtures/ffi/demo-list-v1.pflist"), false)
        .is_err());
    assert_eq!(*events.installed.lock().unwrap(), vec![1, 2]);
    let rejected = events.rejected.lock().unwrap().clone();
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0].contains("rollback"), "{rejected:?}");

    for i in 0..=1024 {
        s.scan_text(
            format!("c{i}"),
            Direction::Received,
            AgeBand::Unknown,
            "hi".into(),
        )
        .unwrap();
    }
    assert_eq!(*events.evicted.lock().unwrap(), vec!["c0".to_string()]);
    s.set_listener(None);
    s.scan_text(
        "c-late".into(),
        Direction::Sent,
        AgeBand::Unknown,
        "hi".into(),
    )
    .unwrap();
    assert_eq!(events.evicted.lock().unwrap().len(), 1);
}

#[test]
fn two_scanners_in_one_process_share_one_store() {
    let dir = tempfile::tempdir().unwrap();
    let a = listed_scanner(dir.path());
    let b = Scanner::new(config(dir.path())).unwrap();
    assert_eq!(a.list_info(), b.list_info());
    let v2 = b
        .apply_list_update(read("tests/fixtures/ffi/demo-delta-v1-v2.pfdelta"), false)
        .unwrap();
    assert_eq!(v2.version, 2);
    let wee = read("tests/fixtures/pdq/images/wee.jpg");
    let v = b.scan_image(wee).unwrap();
    assert!(matches!(
        &v.signals[0].evidence[0],
        preflight_ffi::Evidence::ListMatch {
            kind: HashKind::Md5,
            ..
        }
    ));
    assert_eq!(a.scan_image(read(BRIDGE)).unwrap().action, Action::Block);
    drop((a, b));
    let c = Scanner::new(config(dir.path())).unwrap();
    assert_eq!(c.list_info().version, 2, "the store holds what b installed");
}
