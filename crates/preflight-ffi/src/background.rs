//! Runs a blocking, CPU-bound call on its own thread and hands the result back as a future, so
//! the uniffi async exports (Kotlin `suspend`, Swift `async`) never block the caller's executor
//! (Kotlin's dispatcher threads, Swift's cooperative pool). No async runtime is needed: uniffi
//! polls the future from the foreign side, and the worker thread wakes it.
//!
//! Cancellation: when the Kotlin coroutine or Swift task is cancelled, uniffi drops the future.
//! The work already running finishes on its thread (a scan takes milliseconds) and its result is
//! discarded; work not yet started is skipped.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    result: Option<T>,
    waker: Option<Waker>,
}

struct Shared<T> {
    slot: Mutex<Slot<T>>,
    cancelled: AtomicBool,
}

/// The future of [`run`]: ready when the worker thread has produced the result.
pub(crate) struct Background<T> {
    shared: Arc<Shared<T>>,
}

/// Starts `work` on a new thread. `on_spawn_error` builds the result when no thread can be
/// started (the OS refused), so the caller gets a typed error instead of a hang.
pub(crate) fn run<T, F>(work: F, on_spawn_error: impl FnOnce(String) -> T) -> Background<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let shared = Arc::new(Shared {
        slot: Mutex::new(Slot {
            result: None,
            waker: None,
        }),
        cancelled: AtomicBool::new(false),
    });
    let worker = Arc::clone(&shared);
    let spawned = std::thread::Builder::new()
        .name("preflight-async".into())
        .spawn(move || {
            if worker.cancelled.load(Ordering::Acquire) {
                return;
            }
            let result = work();
            let mut slot = worker.slot.lock().unwrap_or_else(|e| e.into_inner());
            slot.result = Some(result);
            if let Some(w) = slot.waker.take() {
                w.wake();
            }
        });
    if let Err(e) = spawned {
        let mut slot = shared.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.result = Some(on_spawn_error(format!("cannot start a worker thread: {e}")));
    }
    Background { shared }
}

impl<T> Future for Background<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.shared.slot.lock().unwrap_or_else(|e| e.into_inner());
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Background<T> {
    fn drop(&mut self) {
        self.shared.cancelled.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::task::Wake;

    struct Signal(mpsc::Sender<()>);
    impl Wake for Signal {
        fn wake(self: Arc<Self>) {
            let _ = self.0.send(());
        }
    }

    fn block_on<T>(mut fut: Background<T>) -> T {
        let (tx, rx) = mpsc::channel();
        let waker = Waker::from(Arc::new(Signal(tx)));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(v) = Pin::new(&mut fut).poll(&mut cx) {
                return v;
            }
            rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        }
    }

    #[test]
    fn result_arrives_from_the_worker_thread() {
        let main = std::thread::current().id();
        let fut = run(move || std::thread::current().id() != main, |_| false);
        assert!(block_on(fut), "work ran on the caller's thread");
    }

    #[test]
    fn dropping_the_future_marks_the_task_cancelled() {
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let fut = run(move || go_rx.recv().is_ok(), |_| false);
        let shared = Arc::clone(&fut.shared);
        assert!(!shared.cancelled.load(Ordering::Acquire));
        drop(fut);
        // The flag the worker checks before starting; a running worker's result is dropped.
        assert!(shared.cancelled.load(Ordering::Acquire));
        go_tx.send(()).unwrap();
    }

    #[test]
    fn a_ready_result_is_returned_on_first_poll() {
        let fut: Background<Result<(), String>> = Background {
            shared: Arc::new(Shared {
                slot: Mutex::new(Slot {
                    result: Some(Err("cannot start".into())),
                    waker: None,
                }),
                cancelled: AtomicBool::new(false),
            }),
        };
        assert_eq!(block_on(fut), Err("cannot start".to_string()));
    }
}
