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

/// Why a line was not written: the `reason` label of `errmon_log_lines_dropped_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dropped {
    /// The queue to the writer thread was full.
    QueueFull = 0,
    /// No writer thread takes the lines (it could not be started, or it is gone).
    WriterGone = 1,
    /// The output refused the line (a full disk, a removed directory).
    WriteFailed = 2,
}

impl Dropped {
    /// Every reason, in the order they are exported.
    pub(crate) const ALL: [Dropped; 3] = [Self::QueueFull, Self::WriterGone, Self::WriteFailed];

    /// The value of the `reason` label.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::QueueFull => "queue_full",
            Self::WriterGone => "writer_gone",
            Self::WriteFailed => "write_failed",
        }
    }
}

/// Lines dropped, by reason, in every writer of the process.
static DROPPED: [AtomicU64; Dropped::ALL.len()] = [const { AtomicU64::new(0) }; 3];
/// Writes and flushes the sink failed.
static WRITE_FAILURES: AtomicU64 = AtomicU64::new(0);
/// Whether a write failure was reported on stderr already (once per process).
static FAILURE_REPORTED: AtomicBool = AtomicBool::new(false);

fn dropped(why: Dropped) {
    DROPPED[why as usize].fetch_add(1, Relaxed);
}

/// Log lines dropped so far, whatever the reason: the sum of the series of
/// `errmon_log_lines_dropped_total`, whose `reason` says why (`queue_full`: the queue to the
/// writer thread was full; `writer_gone`: no writer thread runs; `write_failed`: the output
/// refused the line).
///
/// ```
/// let before = errmon_runtime::log::lines_dropped();
/// // Lines are only ever added to the count.
/// assert!(errmon_runtime::log::lines_dropped() >= before);
/// ```
pub fn lines_dropped() -> u64 {
    DROPPED.iter().map(|n| n.load(Relaxed)).sum()
}

/// Lines dropped so far, by reason, every reason listed.
#[cfg_attr(
    not(feature = "exporter"),
    allow(dead_code, reason = "exported with the exporter")
)]
pub(crate) fn dropped_by_reason() -> [(Dropped, u64); Dropped::ALL.len()] {
    Dropped::ALL.map(|why| (why, DROPPED[why as usize].load(Relaxed)))
}

/// Writes and flushes of the log's output that failed so far (a full disk, a removed
/// directory); each line whose write failed is also counted as dropped (`write_failed`).
///
/// ```
/// assert_eq!(errmon_runtime::log::write_failures(), 0);
/// ```
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
            Err(TrySendError::Full(_)) => dropped(Dropped::QueueFull),
            // The writer thread is gone (it could not be started again): nowhere to write.
            Err(TrySendError::Disconnected(_)) => dropped(Dropped::WriterGone),
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
                        dropped(Dropped::WriteFailed);
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

    /// A sink that refuses every write.
    struct Refusing;
    impl Write for Refusing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_are_dropped_by_reason() {
        let count = |why: Dropped| DROPPED[why as usize].load(Relaxed);
        let gone = count(Dropped::WriterGone);
        Queue::disconnected().send(b"x\n".to_vec());
        assert!(count(Dropped::WriterGone) > gone);
        let failed = count(Dropped::WriteFailed);
        let q = start(Box::new(Refusing), 4, "test".into()).unwrap();
        q.send(b"x\n".to_vec());
        q.flush(Duration::from_secs(5));
        assert!(count(Dropped::WriteFailed) > failed);
    }

    #[cfg(all(feature = "exporter", feature = "logs"))]
    #[test]
    fn dropped_lines_are_exported_by_reason() {
        Queue::disconnected().send(b"x\n".to_vec());
        let settings = crate::Config::default().validate().unwrap();
        let body = crate::export::Renderer::new(settings).render();
        let value = |reason: &str| {
            let series = format!("errmon_log_lines_dropped_total{{reason=\"{reason}\"}} ");
            let line = body
                .lines()
                .find(|l| l.starts_with(&series))
                .unwrap_or_else(|| panic!("no {series}in\n{body}"));
            line.rsplit(' ').next().unwrap().parse::<u64>().unwrap()
        };
        assert!(value("writer_gone") >= 1);
        // Every reason is served, at zero until a line is dropped for it.
        value("queue_full");
        value("write_failed");
    }
}
