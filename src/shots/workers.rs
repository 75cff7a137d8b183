//! The processes a `shoot` run draws in (Slint draws in one thread of a process): the one the
//! user started and the workers it starts, each with the same plan and the same list of
//! items. The items are handed out one at a time, as each process finishes one: with a fixed
//! split (every N-th item), the process that drew the heavier documents drew alone at the
//! end (on Amazon's APL corpus the parent took 20–160 ms longer than its worker, out of about
//! 250).
//!
//! A worker reads the index of its next item from stdin (one a line; the end of stdin means
//! there are no more) and says `shot` on stdout when it has drawn one: its feeder thread in
//! the parent then moves the progress bar and hands it the next.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The items not handed out yet (indices `next..len`), shared by the parent and its feeders.
struct Queue {
    next: AtomicUsize,
    len: usize,
}

impl Queue {
    fn take(&self) -> Option<usize> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        (i < self.len).then_some(i)
    }
}

/// In a worker: the next item its parent hands it (none once its parent has no more).
pub(super) fn handed() -> Option<usize> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    line.trim().parse().ok()
}

/// In a worker: tells the parent one item is drawn (it hands the next and moves the bar).
pub(super) fn drew() {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "shot");
    let _ = o.flush();
}

/// Draws `len` items in `n` processes: this one (`here`, which takes items with the function
/// it is given and calls `drew` after each) and `n − 1` workers, `exe` started with
/// `args(k)` for k from 1. Returns what `here` returns once every worker has ended well.
pub(super) fn share<R>(
    exe: &Path,
    n: usize,
    len: usize,
    args: impl Fn(usize) -> Vec<String>,
    drew: impl Fn() + Clone + Send + 'static,
    here: impl FnOnce(&mut dyn FnMut() -> Option<usize>) -> Result<R, String>,
) -> Result<R, String> {
    let queue = Arc::new(Queue {
        next: AtomicUsize::new(0),
        len,
    });
    let mut workers = vec![];
    for k in 1..n {
        let mut c = Command::new(exe)
            .args(args(k))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start a render worker: {e}"))?;
        let (Some(mut to), Some(from)) = (c.stdin.take(), c.stdout.take()) else {
            return Err("a render worker has no pipes".into());
        };
        let (q, drew) = (queue.clone(), drew.clone());
        let feeder = std::thread::spawn(move || {
            // One item at a time; its end of stdin once there are none (a worker that died
            // is found by its exit status).
            let hand = |to: &mut std::process::ChildStdin| match q.take() {
                Some(i) => writeln!(to, "{i}").and_then(|_| to.flush()).is_ok(),
                None => false,
            };
            if !hand(&mut to) {
                return;
            }
            for _ in std::io::BufReader::new(from).lines().map_while(Result::ok) {
                drew();
                if !hand(&mut to) {
                    break;
                }
            }
        });
        workers.push((k, c, feeder));
    }
    let q = queue.clone();
    let result = here(&mut || q.take());
    if result.is_err() {
        // The workers stop after their item: the run has failed.
        queue.next.store(len, Ordering::Relaxed);
    }
    for (k, mut c, feeder) in workers {
        let status = c.wait();
        let _ = feeder.join();
        match status {
            Ok(st) if st.success() => {}
            Ok(st) => return Err(format!("render worker {k} failed ({st})")),
            Err(e) => return Err(e.to_string()),
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every index is handed out once, whichever thread takes it.
    #[test]
    fn each_item_is_taken_once() {
        let q = Arc::new(Queue {
            next: AtomicUsize::new(0),
            len: 1000,
        });
        let taken: Vec<usize> = std::thread::scope(|s| {
            let hands: Vec<_> = (0..4)
                .map(|_| {
                    let q = &q;
                    s.spawn(move || std::iter::from_fn(|| q.take()).collect::<Vec<_>>())
                })
                .collect();
            hands.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        let mut sorted = taken.clone();
        sorted.sort();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_eq!(q.take(), None);
    }
}
