//! reqwest clients the device uses: the linking service (RFC 8628 and the
//! stored link) and the skill endpoint (ASK envelopes).
//!
//! Must not import: `backend`, `device`, `view`, `shots`, `script` (the clients speak HTTP to peers, whoever they are).

pub mod api;
pub mod images;
pub mod lambda;
pub mod linking;
pub mod page;
pub mod phone;
pub mod skill;

/// Why a request to a peer failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PeerError {
    /// Connection refused, timed out, or a 5xx: retry later.
    #[error("{0}")]
    Unreachable(String),
    /// The peer answered with something the protocol does not allow.
    #[error("{0}")]
    Protocol(String),
}

pub(crate) fn transport(e: reqwest::Error) -> PeerError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection refused"
    } else {
        "request failed"
    };
    PeerError::Unreachable(format!(
        "{}: {what}",
        e.url()
            .map(crate::protocol::urls::without_query)
            .unwrap_or_else(|| "peer".into())
    ))
}
