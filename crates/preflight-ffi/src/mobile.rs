//! The inputs and calls apps need beyond encoded bytes: raw pixels (`scanPixels`), files by path
//! or descriptor without copying them onto the managed heap (`scanFile`, `scanFd`: memory-mapped),
//! `preload()`, async variants of the heavy calls (Kotlin `suspend`, Swift `async`, cancellable;
//! see [`crate::background`]) and the [`PreflightListener`] for list and conversation events.

use crate::background;
use crate::error::PreflightError;
use crate::scanner::Scanner;
use preflight::lists::ListInfo;
use preflight::media::PixelBuffer;
use preflight::Verdict;
use std::fs::File;
use std::sync::{Arc, RwLock};

/// Events the app may want to act on. Called on the thread that caused them (a list update, a
/// text scan); keep the work short and hop to your own queue for UI.
#[uniffi::export(with_foreign)]
pub trait PreflightListener: Send + Sync {
    /// A list update was verified and is now live.
    fn on_list_installed(&self, info: ListInfo);
    /// A list update was refused (the previous list stays live); `reason` is the error message.
    fn on_list_rejected(&self, reason: String);
    /// A conversation's state was evicted from memory (least recently used beyond the limit of
    /// 1,024): export conversations you want to keep before that, or re-import them later.
    fn on_conversation_evicted(&self, conversation_id: String);
}

/// The scanner's listener, shared with the core's eviction hook.
#[derive(Default, Clone)]
pub(crate) struct ListenerSlot(Arc<RwLock<Option<Arc<dyn PreflightListener>>>>);

impl std::fmt::Debug for ListenerSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.get().is_some() {
            "ListenerSlot(set)"
        } else {
            "ListenerSlot(none)"
        })
    }
}

impl ListenerSlot {
    fn get(&self) -> Option<Arc<dyn PreflightListener>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, listener: Option<Arc<dyn PreflightListener>>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = listener;
    }

    /// Forwards the core's evictions to the listener (if one is set at the time).
    pub(crate) fn watch_evictions(&self, scanner: &preflight::Scanner) {
        let slot = self.clone();
        scanner.set_eviction_hook(Some(Arc::new(move |id: &str| {
            if let Some(l) = slot.get() {
                l.on_conversation_evicted(id.to_string());
            }
        })));
    }

    /// Reports a list update's outcome to the listener and converts the error.
    pub(crate) fn list_result(
        &self,
        r: Result<ListInfo, preflight::ScanError>,
    ) -> Result<ListInfo, PreflightError> {
        let r = r.map_err(PreflightError::from);
        if let Some(l) = self.get() {
            match &r {
                Ok(info) => l.on_list_installed(info.clone()),
                Err(e) => l.on_list_rejected(e.to_string()),
            }
        }
        r
    }
}

/// Maps a file read-only. The mapping is private to this call and dropped before it returns;
/// the OS pages the file in as it is hashed, so the app's heap never holds a copy.
fn map(file: &File, what: &str) -> Result<memmap2::Mmap, PreflightError> {
    let len = file
        .metadata()
        .map_err(|e| PreflightError::InvalidImage(format!("{what}: cannot stat: {e}")))?
        .len();
    if len == 0 {
        return Err(PreflightError::InvalidImage(format!(
            "{what}: the file is empty (0 bytes)"
        )));
    }
    // SAFETY: the mapping is read-only and lives only for this call. If another process
    // truncates the file meanwhile, reads past the new end fault (SIGBUS); apps pass files they
    // own or that the user just picked, and the decoders bound every read by the mapped length.
    unsafe { memmap2::Mmap::map(file) }
        .map_err(|e| PreflightError::InvalidImage(format!("{what}: cannot map: {e}")))
}

fn scan_mapped(
    scanner: &preflight::Scanner,
    file: &File,
    what: &str,
) -> Result<Verdict, PreflightError> {
    let bytes = map(file, what)?;
    Ok(scanner.scan_image(&bytes)?)
}

fn scan_path(scanner: &preflight::Scanner, path: &str) -> Result<Verdict, PreflightError> {
    let file = File::open(path)
        .map_err(|e| PreflightError::InvalidImage(format!("{path}: cannot open: {e}")))?;
    scan_mapped(scanner, &file, path)
}

#[cfg(unix)]
fn scan_descriptor(scanner: &preflight::Scanner, fd: i32) -> Result<Verdict, PreflightError> {
    use std::os::fd::{AsFd, BorrowedFd};
    if fd < 0 {
        return Err(PreflightError::InvalidImage(format!(
            "file descriptor {fd} is not valid"
        )));
    }
    // SAFETY: the caller keeps `fd` open for the duration of the call (documented on scanFd);
    // it is only borrowed, duplicated for the mapping, and never closed here.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    let owned = borrowed
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| PreflightError::InvalidImage(format!("file descriptor {fd}: {e}")))?;
    scan_mapped(
        scanner,
        &File::from(owned),
        &format!("file descriptor {fd}"),
    )
}

#[cfg(not(unix))]
fn scan_descriptor(_scanner: &preflight::Scanner, fd: i32) -> Result<Verdict, PreflightError> {
    Err(PreflightError::InvalidImage(format!(
        "file descriptor {fd}: scanning by descriptor needs a Unix platform (Android, iOS)"
    )))
}

fn spawn_error(message: String) -> Result<Verdict, PreflightError> {
    Err(PreflightError::Storage(message))
}

#[uniffi::export]
impl Scanner {
    /// Scans raw pixels the app already holds (a `CVPixelBuffer`, an Android `Bitmap`, a camera
    /// frame, a HEIC that ImageIO/`ImageDecoder` decoded): RGBA8888, BGRA8888, RGB888, Gray8,
    /// NV12 or NV21 with a row stride and an EXIF orientation. PDQ and pHash against the list
    /// (no exact digests: there are no file bytes). Throws `InvalidImage` for an inconsistent
    /// layout (stride, buffer length) or a buffer over the decoding limits.
    pub fn scan_pixels(&self, buffer: PixelBuffer) -> Result<Verdict, PreflightError> {
        Ok(self.inner.scan_pixels(&buffer)?)
    }

    /// Scans an image file by path, memory-mapped (no copy on the JVM / Swift heap). Same
    /// checks and errors as `scanImage`.
    pub fn scan_file(&self, path: String) -> Result<Verdict, PreflightError> {
        scan_path(&self.inner, &path)
    }

    /// Scans an open file descriptor (Android: `ParcelFileDescriptor.fd` from
    /// `contentResolver.openFileDescriptor(uri, "r")`), memory-mapped. The descriptor is
    /// duplicated, not closed: keep it open for the call, close it afterwards.
    pub fn scan_fd(&self, fd: i32) -> Result<Verdict, PreflightError> {
        scan_descriptor(&self.inner, fd)
    }

    /// Loads the classifiers now instead of on the first image scan (does nothing without
    /// classifiers). Throws `Classifier` when the runtime or a model cannot be loaded.
    pub fn preload(&self) -> Result<(), PreflightError> {
        Ok(self.inner.preload()?)
    }

    /// Sets the listener for list and conversation events (`null`/`nil` removes it).
    pub fn set_listener(&self, listener: Option<Arc<dyn PreflightListener>>) {
        self.listener.set(listener);
    }

    /// `scanImage` off the caller's thread (Kotlin `suspend`, Swift `async`). Cancelling the
    /// coroutine/task discards the result.
    pub async fn scan_image_async(&self, image: Vec<u8>) -> Result<Verdict, PreflightError> {
        let inner = Arc::clone(&self.inner);
        background::run(move || Ok(inner.scan_image(&image)?), spawn_error).await
    }

    /// `scanFile` off the caller's thread; cancellable like `scanImageAsync`.
    pub async fn scan_file_async(&self, path: String) -> Result<Verdict, PreflightError> {
        let inner = Arc::clone(&self.inner);
        background::run(move || scan_path(&inner, &path), spawn_error).await
    }

    /// `scanPixels` off the caller's thread; cancellable like `scanImageAsync`.
    pub async fn scan_pixels_async(&self, buffer: PixelBuffer) -> Result<Verdict, PreflightError> {
        let inner = Arc::clone(&self.inner);
        background::run(move || Ok(inner.scan_pixels(&buffer)?), spawn_error).await
    }

    /// `applyListUpdate` off the caller's thread. Cancelling before the worker starts skips the
    /// update; once verification has started it completes (atomically) and the listener hears.
    pub async fn apply_list_update_async(
        &self,
        update: Vec<u8>,
        force: bool,
    ) -> Result<ListInfo, PreflightError> {
        let inner = Arc::clone(&self.inner);
        let listener = self.listener.clone();
        background::run(
            move || listener.list_result(inner.apply_list_update(&update, force)),
            |m| Err(PreflightError::Storage(m)),
        )
        .await
    }

    /// `preload` off the caller's thread.
    pub async fn preload_async(&self) -> Result<(), PreflightError> {
        let inner = Arc::clone(&self.inner);
        background::run(
            move || Ok(inner.preload()?),
            |m| Err(PreflightError::Storage(m)),
        )
        .await
    }
}
