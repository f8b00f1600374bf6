//! The non-blocking writer: lines go through a bounded queue to a thread that writes them, so
//! the thread that logs never waits for the disk. A full queue drops the line and counts it.

// Without the `logs` feature no layer writes; the guard and the counters stay in the API.
#![cfg_attr(
    not(feature = "logs"),
    allow(dead_code, reason = "only the JSON layer sends lines")
)]

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

/// Lines dropped because the queue was full, in every writer of the process.
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// Lines the sink failed to write.
static WRITE_FAILURES: AtomicU64 = AtomicU64::new(0);
/// Whether a write failure was reported on stderr already (once per process).
static FAILURE_REPORTED: AtomicBool = AtomicBool::new(false);

/// Lines dropped so far because a writer's queue was full (`errmon_log_lines_dropped_total`).
pub fn lines_dropped() -> u64 {
    DROPPED.load(Relaxed)
}

/// Lines that could not be written (a full disk, a removed directory) so far.
pub fn write_failures() -> u64 {
    WRITE_FAILURES.load(Relaxed)
}

enum Msg {
    Line(Vec<u8>),
    Flush(SyncSender<()>),
}

/// The sending end, cloned into the layer.
#[derive(Clone, Debug)]
pub(crate) struct Queue(SyncSender<Msg>);

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Msg::Line(_) => "Line",
            Msg::Flush(_) => "Flush",
        })
    }
}

impl Queue {
    /// A queue whose writer is gone: every line is dropped and counted.
    pub(crate) fn disconnected() -> Queue {
        Queue(mpsc::sync_channel(1).0)
    }

    /// Queues a line (ending in `\n`), or drops and counts it when the queue is full.
    pub(crate) fn send(&self, line: Vec<u8>) {
        match self.0.try_send(Msg::Line(line)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                DROPPED.fetch_add(1, Relaxed);
            }
            // The writer thread is gone (it could not be started again): nowhere to write.
            Err(TrySendError::Disconnected(_)) => {
                DROPPED.fetch_add(1, Relaxed);
            }
        }
    }

    /// Waits at most `timeout` for the lines queued so far to be written and flushed.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (ack, done) = mpsc::sync_channel(1);
        let mut msg = Msg::Flush(ack);
        loop {
            match self.0.try_send(msg) {
                Ok(()) => break,
                Err(TrySendError::Full(m)) if Instant::now() < deadline => {
                    msg = m;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(_) => return false,
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        !matches!(
            done.recv_timeout(left),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected)
        )
    }
}

/// Starts the writer thread over `sink` with room for `capacity` lines.
pub(crate) fn start(
    sink: Box<dyn Write + Send>,
    capacity: usize,
    what: String,
) -> std::io::Result<Queue> {
    let (tx, rx) = mpsc::sync_channel(capacity);
    std::thread::Builder::new()
        .name("errmon-log".to_owned())
        .spawn(move || run(sink, &rx, &what))?;
    Ok(Queue(tx))
}

fn failed(what: &str, e: &std::io::Error) {
    WRITE_FAILURES.fetch_add(1, Relaxed);
    if !FAILURE_REPORTED.swap(true, Relaxed) {
        // The one place errmon writes to stderr itself: its log is what failed.
        eprintln!(
            "errmon: cannot write log lines to {what}: {e}; further failures are counted, not reported"
        );
    }
}

fn run(mut sink: Box<dyn Write + Send>, rx: &Receiver<Msg>, what: &str) {
    while let Ok(mut msg) = rx.recv() {
        loop {
            match msg {
                Msg::Line(line) => {
                    if let Err(e) = sink.write_all(&line) {
                        failed(what, &e);
                    }
                }
                Msg::Flush(ack) => {
                    if let Err(e) = sink.flush() {
                        failed(what, &e);
                    }
                    let _ = ack.try_send(());
                }
            }
            // Writes go in batches; the sink is flushed when the queue runs empty.
            match rx.try_recv() {
                Ok(next) => msg = next,
                Err(_) => break,
            }
        }
        if let Err(e) = sink.flush() {
            failed(what, &e);
        }
    }
}

/// Flushes the queued lines of its writer when dropped, waiting at most its timeout.
///
/// ```
/// let (layer, guard) = errmon_runtime::log::layer();
/// # drop(layer);
/// drop(guard); // lines logged so far are written, or it gave up after one second
/// ```
#[must_use = "dropping the guard flushes the lines; keep it until the end of main"]
#[derive(Debug)]
pub struct LogGuard {
    queue: Queue,
    timeout: Duration,
}

impl LogGuard {
    pub(crate) fn new(queue: Queue, timeout: Duration) -> Self {
        LogGuard { queue, timeout }
    }

    /// Waits at most the flush timeout for the lines queued so far to be written; `false`
    /// when it gave up.
    pub fn flush(&self) -> bool {
        self.queue.flush(self.timeout)
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A sink that takes `delay` per write.
    struct Slow(Arc<Mutex<Vec<u8>>>, Duration);
    impl Write for Slow {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(self.1);
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_slow_sink_drops_and_counts_and_flush_is_bounded() {
        let out = Arc::new(Mutex::new(Vec::new()));
        let q = start(
            Box::new(Slow(Arc::clone(&out), Duration::from_millis(5))),
            4,
            "test".into(),
        )
        .unwrap();
        let before = lines_dropped();
        let t = Instant::now();
        for _ in 0..200 {
            q.send(b"x\n".to_vec());
        }
        // The producer never waited for the 5 ms writes.
        assert!(
            t.elapsed() < Duration::from_millis(200),
            "{:?}",
            t.elapsed()
        );
        let dropped = lines_dropped() - before;
        assert!(dropped >= 150, "{dropped}");
        assert!(q.flush(Duration::from_secs(5)));
        let written = out.lock().unwrap().len() as u64 / 2;
        // Other tests may drop lines at the same time; none of ours is lost uncounted.
        assert!(written + dropped >= 200, "{written} + {dropped}");
        let t = Instant::now();
        for _ in 0..10 {
            q.send(b"x\n".to_vec());
        }
        q.flush(Duration::from_millis(10));
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "{:?}",
            t.elapsed()
        );
    }

    #[cfg(feature = "exporter")]
    #[test]
    fn dropped_lines_are_exported() {
        Queue::disconnected().send(b"x\n".to_vec());
        let settings = crate::Config::default().validate().unwrap();
        let body = crate::export::Renderer::new(settings).render();
        let line = body
            .lines()
            // No labels of its own: `{}`, or the constant labels.
            .find(|l| l.starts_with("errmon_log_lines_dropped_total"))
            .unwrap_or_else(|| panic!("{body}"));
        assert!(
            line.rsplit(' ').next().unwrap().parse::<u64>().unwrap() >= 1,
            "{line}"
        );
    }
}
