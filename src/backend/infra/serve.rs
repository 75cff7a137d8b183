//! The backend's HTTP/1 accept loop, in place of `axum::serve` (which sets no header-read
//! timeout and no connection cap): a stranger's half-open connections must not starve the
//! device's polls. Each connection gets [`HEADER_TIMEOUT`] to send a request's head — also
//! when it sits idle between keep-alive requests — and at most [`MAX_CONNECTIONS`] are open
//! at once. At the cap, the oldest connection that has not sent a single request yet is closed
//! to make room (a half-open flood evicts itself, and a new poll is served at once); if every
//! connection has sent one, the new one is closed. The process's open-file limit is raised to
//! its hard limit first, so the cap, not `EMFILE`, is what a flood meets. Handlers see the
//! peer as `ConnectInfo<SocketAddr>`, as before.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};
use tower::Service;

/// How long a connection may take to send a request's head (and may idle between requests).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections open at once, at most (less where the open-file limit is lower).
pub const MAX_CONNECTIONS: usize = 4096;
/// Files kept free for everything else (the database, the device's own client, logs).
const SPARE_FILES: u64 = 128;

/// The process's open-file limit (soft, hard).
fn open_files() -> Option<libc::rlimit> {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit with a valid pointer to an rlimit.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) } == 0).then_some(l)
}

/// Raises the soft open-file limit to the hard one (once a process; a common default of 1,024
/// is less than the cap) and gives the connections the cap leaves room for.
fn connection_cap() -> usize {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Some(mut l) = open_files().filter(|l| l.rlim_cur < l.rlim_max) {
            l.rlim_cur = l.rlim_max;
            // SAFETY: setrlimit with a valid pointer to an rlimit.
            let _ = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &l) };
        }
    });
    let files = open_files().map_or(1024, |l| l.rlim_cur);
    (files.saturating_sub(SPARE_FILES) as usize).clamp(64, MAX_CONNECTIONS)
}

/// A connection that has not sent a request yet: what to wake to close it, and whether it has
/// sent one since (then it is skipped).
struct Silent {
    close: Arc<Notify>,
    spoke: Arc<AtomicBool>,
}

/// The connections that had not sent a request when they came, oldest first.
#[derive(Default)]
struct SilentQueue(Mutex<VecDeque<Silent>>);

impl SilentQueue {
    fn push(&self, s: Silent) {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        q.retain(|s| !s.spoke.load(Ordering::Relaxed) && Arc::strong_count(&s.close) > 1);
        q.push_back(s);
    }
    /// Closes the oldest connection still silent; whether there was one.
    fn evict(&self) -> bool {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(s) = q.pop_front() {
            // Gone already (its task holds the other handle), or spoke meanwhile: skip it.
            if !s.spoke.load(Ordering::Relaxed) && Arc::strong_count(&s.close) > 1 {
                s.close.notify_one();
                return true;
            }
        }
        false
    }
}

/// Until `stop` turns true (or its sender is gone).
async fn stopping(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Serves `app` on `listener` until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let cap = connection_cap();
    let slots = Arc::new(Semaphore::new(cap));
    let silent = Arc::new(SilentQueue::default());
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of files or a connection reset before it was accepted: try again
                    // soon (axum waits a whole second).
                    tracing::debug!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = stopping(&mut stop) => return Ok(()),
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(s) => s,
            // Full: make room by closing the oldest connection that never sent a request.
            Err(_) if silent.evict() => {
                match tokio::time::timeout(Duration::from_secs(1), slots.clone().acquire_owned())
                    .await
                {
                    Ok(Ok(s)) => s,
                    _ => continue,
                }
            }
            Err(_) => {
                tracing::debug!("{cap} connections open: closed one from {peer}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut stop = stop.clone();
        let (close, spoke) = (Arc::new(Notify::new()), Arc::new(AtomicBool::new(false)));
        silent.push(Silent {
            close: close.clone(),
            spoke: spoke.clone(),
        });
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                spoke.store(true, Ordering::Relaxed);
                req.extensions_mut().insert(ConnectInfo(peer));
                let mut app = app.clone();
                async move { app.call(req.map(axum::body::Body::new)).await }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                // Evicted while silent: closed at once.
                _ = close.notified() => {}
                _ = stopping(&mut stop) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
}
