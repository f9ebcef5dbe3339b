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

/// The whole process heap, C libraries included (libheif, FFmpeg): counted through
/// AddressSanitizer's malloc and free hooks, which see every `malloc` of the process, Rust's
/// allocator and the C libraries alike. Needs the ASan build (`cargo fuzz`'s default sanitizer).
mod native_heap {
    use std::ffi::c_void;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;

    // AddressSanitizer's interface (cargo fuzz builds with ASan by default). Its runtime is
    // linked statically and not exported, so `dlsym` cannot find it: declared and linked.
    extern "C" {
        fn __sanitizer_install_malloc_and_free_hooks(m: MallocHook, f: FreeHook) -> i32;
        fn __sanitizer_get_allocated_size(ptr: *const c_void) -> usize;
    }

    type MallocHook = unsafe extern "C" fn(*const c_void, usize);
    type FreeHook = unsafe extern "C" fn(*const c_void);

    pub(super) static LIVE: AtomicUsize = AtomicUsize::new(0);
    pub(super) static PEAK: AtomicUsize = AtomicUsize::new(0);

    // Called inside malloc and free: atomics only, no allocation.
    unsafe extern "C" fn on_malloc(_ptr: *const c_void, size: usize) {
        let now = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }

    unsafe extern "C" fn on_free(ptr: *const c_void) {
        if ptr.is_null() {
            return;
        }
        // SAFETY: free hooks run before the chunk is released, so `ptr` is still live.
        let size = unsafe { __sanitizer_get_allocated_size(ptr) };
        let _ = LIVE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
            Some(v.saturating_sub(size))
        });
    }

    /// Installs the hooks once; false if ASan refused them.
    pub(super) fn installed() -> bool {
        static DONE: OnceLock<bool> = OnceLock::new();
        // SAFETY: the documented sanitizer interface; the hooks only touch atomics.
        *DONE.get_or_init(
            || unsafe { __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) } != 0,
        )
    }
}

/// As [`within_bounds`], with `bounds.max_heap` applied to the whole process heap, C libraries
/// included (see `native_heap`): for the targets whose decoders are C (libheif, FFmpeg), whose
/// allocations the Rust allocator never sees.
pub fn within_native_bounds<R>(bounds: Bounds, f: impl FnOnce() -> R) -> R {
    assert!(native_heap::installed(), "ASan refused the malloc hooks");
    let base = native_heap::LIVE.load(Ordering::Relaxed);
    native_heap::PEAK.store(base, Ordering::Relaxed);
    let out = within_bounds(
        Bounds {
            max_heap: usize::MAX,
            ..bounds
        },
        f,
    );
    let peak = native_heap::PEAK
        .load(Ordering::Relaxed)
        .saturating_sub(base);
    assert!(
        peak <= bounds.max_heap,
        "{}: peak heap (C libraries included) {} bytes exceeds the documented bound of {} bytes",
        bounds.what,
        peak,
        bounds.max_heap
    );
    out
}

/// Rewrites a list or delta file's trailer digest to the SHA-256 of its (mutated) body, so a
/// parse with `Verification::InspectOnly` (digest checked, signature not) reaches every
/// structural check behind the signature. Files too short for a header and trailer are left.
pub fn fix_list_digest(bytes: &mut [u8]) {
    use preflight::lists::format::TRAILER_LEN;
    if bytes.len() < 64 + TRAILER_LEN {
        return;
    }
    let body_len = bytes.len() - TRAILER_LEN;
    let d = preflight::hash::crypto::CryptoHashes::of(&bytes[..body_len]).sha256;
    bytes[body_len..body_len + 32].copy_from_slice(&d);
}

/// Every stored PDQ entry of `list` (at most `max`), as query values.
pub fn pdq_entries(list: &preflight::lists::HashList, max: usize) -> Vec<[u8; 32]> {
    list.entries(preflight::lists::HashKind::Pdq)
        .take(max)
        .filter_map(|e| e.hash.as_slice().try_into().ok())
        .collect()
}
