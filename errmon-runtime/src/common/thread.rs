//! Thread numbers: which per-thread shard a thread writes to.
//!
//! Threads are numbered densely (a number is reused once its thread exits), so the threads
//! alive at one time keep distinct small numbers, and a thread numbered `n` can own shard `n`
//! alone: its only writer, it updates it with plain loads and stores instead of locked
//! instructions.
//!
//! Nothing here touches a thread-local that can be gone: the thread number is a `const`
//! thread-local without a destructor, readable even while the thread is torn down.

use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Never reusing numbers would let short-lived threads push two long-lived ones past the
/// owned shards, onto the shared one.
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);
static FREE_THREADS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

thread_local! {
    // const-initialised and without a destructor: reading it is one TLS load and never fails,
    // even while the thread is being torn down.
    static THREAD_INDEX: Cell<usize> = const { Cell::new(NOT_NUMBERED) };
    // Gives the number back when the thread exits; touched once per thread.
    static RELEASE: ReleaseOnExit = const { ReleaseOnExit(Cell::new(NOT_NUMBERED)) };
}

/// No number yet; [`thread_index`] never returns it, so it can mark "no thread".
pub(crate) const NOT_NUMBERED: usize = usize::MAX;

/// The number of a thread that owns no shard (it is exiting): it writes to shared shards only.
pub(crate) const UNOWNED: usize = usize::MAX - 1;

struct ReleaseOnExit(Cell<usize>);

impl Drop for ReleaseOnExit {
    fn drop(&mut self) {
        let i = self.0.get();
        if i != NOT_NUMBERED {
            // The number may go to another thread now; calls made later on this one (from other
            // TLS destructors) must not write to its shards any more. The mutex orders this
            // thread's last plain stores before the next owner's loads.
            let _ = THREAD_INDEX.try_with(|c| c.set(UNOWNED));
            if let Ok(mut free) = FREE_THREADS.lock() {
                free.push(i);
            }
        }
    }
}

/// This thread's number: distinct from every other live thread's, or [`UNOWNED`].
#[inline]
pub(crate) fn thread_index() -> usize {
    THREAD_INDEX
        .try_with(|c| {
            let i = c.get();
            if i != NOT_NUMBERED {
                i
            } else {
                assign_thread_index(c)
            }
        })
        .unwrap_or(UNOWNED)
}

#[cold]
#[inline(never)]
fn assign_thread_index(cell: &Cell<usize>) -> usize {
    // Lowest free number first, so numbers stay dense.
    let reused = FREE_THREADS.lock().ok().and_then(|mut free| {
        let (pos, _) = free.iter().enumerate().min_by_key(|&(_, &n)| n)?;
        Some(free.swap_remove(pos))
    });
    let i = reused.unwrap_or_else(|| NEXT_THREAD.fetch_add(1, Relaxed));
    cell.set(i);
    if RELEASE.try_with(|r| r.0.set(i)).is_err() {
        // The thread is exiting: the number cannot be given back, which only costs a number.
    }
    i
}

#[cfg(test)]
mod tests {
    use super::thread_index;

    #[test]
    fn a_thread_number_is_reused_after_its_thread_exits() {
        // No other unit test takes thread numbers, so nothing else can claim the freed one.
        let first = std::thread::spawn(thread_index).join().unwrap();
        let second = std::thread::spawn(thread_index).join().unwrap();
        assert_eq!(first, second);
        // Threads alive at the same time get distinct numbers.
        let here = thread_index();
        let both = std::sync::Barrier::new(2);
        let (a, b) = std::thread::scope(|s| {
            let number = || {
                let n = thread_index();
                both.wait();
                n
            };
            let a = s.spawn(number);
            let b = s.spawn(number);
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(a != b && a != here && b != here, "{a} {b} {here}");
    }
}
