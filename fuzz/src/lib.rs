//! Shared by every fuzz target: the library's documented time and memory bounds, checked on
//! each input, so a slow or memory-hungry input is a finding like a crash.
//!
//! A counting global allocator tracks the live heap; [`within_bounds`] records the peak above
//! the level at entry while one input runs and panics (a libFuzzer crash, with the input saved
//! in `fuzz/artifacts/`) when the peak or the elapsed time exceeds the target's bound. Heap, not
//! RSS: libFuzzer's `-rss_limit_mb` also sees AddressSanitizer's shadow memory and quarantine,
//! which say nothing about what the library would take on a phone. The time bound is the
//! documented one times [`time_factor`] (sanitizer builds run a few times slower).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grow(new_size);
        }
        p
    }
}

fn grow(bytes: usize) {
    let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One target's documented bounds per input.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// What the bound is about (printed on failure).
    pub what: &'static str,
    /// Peak heap above the level at entry, in bytes.
    pub max_heap: usize,
    /// Wall time on this machine class for an optimised build, before [`time_factor`].
    pub max_time: Duration,
}

/// Multiplier on the time bounds: `PREFLIGHT_FUZZ_TIME_FACTOR` (default 4: sanitizer builds).
pub fn time_factor() -> u32 {
    std::env::var("PREFLIGHT_FUZZ_TIME_FACTOR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

/// Runs `f` on one input and panics when it exceeded `bounds`.
pub fn within_bounds<R>(bounds: Bounds, f: impl FnOnce() -> R) -> R {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    assert!(
        peak <= bounds.max_heap,
        "{}: peak heap {} bytes exceeds the documented bound of {} bytes",
        bounds.what,
        peak,
        bounds.max_heap
    );
    let limit = bounds.max_time * time_factor();
    assert!(
        elapsed <= limit,
        "{}: took {elapsed:?}, over the documented bound ({:?} x {})",
        bounds.what,
        bounds.max_time,
        time_factor()
    );
    out
}

/// Mebibytes, for readable bounds.
pub const fn mib(n: usize) -> usize {
    n << 20
}

/// The embedded English engine and one conversation table, built once per fuzz process (the
/// text and state targets share it; building it is not part of any input's bounds).
pub fn english_conversations() -> &'static preflight::text::Conversations {
    use preflight::text::{ConversationConfig, Conversations, TextEngine};
    static C: std::sync::OnceLock<Conversations> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let engine = TextEngine::default_english().expect("embedded lexicons compile");
        Conversations::new(std::sync::Arc::new(engine), ConversationConfig::default())
    })
}
