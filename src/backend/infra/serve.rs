//! The backend's HTTP/1 accept loop, in place of `axum::serve` (which sets no header-read
//! timeout and no connection cap): a stranger's half-open connections must not starve the
//! device's polls. Each connection gets [`HEADER_TIMEOUT`] to send a request's head — also
//! when it sits idle between keep-alive requests — and at most [`MAX_CONNECTIONS`] are open
//! at once (past that, a new connection is closed at once rather than left to wait). The
//! process's open-file limit is raised to its hard limit first, so the cap, not `EMFILE`, is
//! what a flood meets. Handlers see the peer as `ConnectInfo<SocketAddr>`, as before.

use std::sync::{Arc, Once};
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::Service;

/// How long a connection may take to send a request's head (and may idle between requests).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections open at once, at most (less where the open-file limit is lower).
pub const MAX_CONNECTIONS: usize = 4096;
/// Files kept free for everything else (the database, the device's own client, logs).
const SPARE_FILES: u64 = 128;

/// Raises the soft open-file limit to the hard one (once a process; a common default of 1,024
/// is less than the cap) and gives the connections the cap leaves room for.
fn connection_cap() -> usize {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit with a valid pointer to an rlimit.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < l.rlim_max {
                l.rlim_cur = l.rlim_max;
                let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &l);
            }
        }
    });
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit with a valid pointer to an rlimit.
    let files = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) } == 0 {
        l.rlim_cur
    } else {
        1024
    };
    (files.saturating_sub(SPARE_FILES) as usize).clamp(64, MAX_CONNECTIONS)
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
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::debug!("{cap} connections open: closed one from {peer}");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
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
                _ = stopping(&mut stop) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
}
