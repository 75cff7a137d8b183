//! The state every handler shares: configuration, the store, the clock, the HTTP client, and the
//! small in-memory registries (long-poll waiters, rate limits, pairing links, findings). Part of
//! the infrastructure: it imports nothing of `alexa` or `sample`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::store::Store;
use crate::config::Config;
use crate::protocol::account_linking::AccountLinkingRequest;

/// Milliseconds since the Unix epoch, shiftable by tests to expire codes
/// without waiting.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        let sys = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        sys + self.offset_ms.load(Ordering::Relaxed)
    }
    /// Moves this clock forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as i64, Ordering::Relaxed);
    }
}

/// State shared by every handler.
pub struct Shared {
    pub store: Store,
    pub clock: Arc<Clock>,
    pub config: Config,
    /// Base URL the device (on this machine) uses.
    pub base_url: String,
    /// Base URL phones use (the LAN address with `--lan`).
    pub public_url: String,
    /// The account-linking configuration in force (the user's, or the sample server's).
    pub account_linking: AccountLinkingRequest,
    /// Secret the sample server's "Alexa" client authenticates with.
    pub sample_client_secret: String,
    /// Bearer key for the device-only endpoints.
    pub device_key: String,
    pub http: reqwest::Client,
    pub waiters: super::waiters::Waiters,
    /// When each pending device code was last polled (RFC 8628 §3.5), in memory.
    pub pace: super::pace::Pace,
    /// One-time pairing links the device handed out (see `alexa::session`).
    pub pairings: Pairings,
    /// Per-address rate limits on unauthenticated writes.
    pub limits: super::limits::Limits,
    pub attempts: super::limits::Attempts,
    /// How many times a server task died and was restarted.
    pub restarts: std::sync::atomic::AtomicU32,
    /// Faults switched on (the designer's emulator).
    pub faults: Arc<crate::faults::Faults>,
    /// What real Alexa would reject or warn about in this set-up.
    pub report: crate::findings::Report,
    /// The redirect URIs were probed at the authorization endpoint (once per run), by this task.
    pub(crate) probed: std::sync::atomic::AtomicBool,
    pub(crate) probe: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Who hears about token exchanges and conformance findings (the device's event log).
    pub(crate) observer: std::sync::OnceLock<Observer>,
}

/// Receives backend events: `(type, fields)`, secrets not yet redacted.
pub type Observer = Arc<dyn Fn(crate::events::LogEvent) + Send + Sync>;

impl Shared {
    /// Alexa's redirect URL for this emulator: `http://HOST:PORT/api/skill/link/<VendorId>`.
    pub fn redirect_uri(&self) -> String {
        format!(
            "{}/api/skill/link/{}",
            self.public_url, self.config.backend.vendor_id
        )
    }
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Sets who hears about token exchanges and findings (once).
    /// Findings made before (the configuration's, at start) are replayed to it.
    pub fn observe(&self, o: Observer) {
        if self.observer.set(o).is_ok() {
            for f in self.report.findings() {
                self.note(crate::events::LogEvent::Conformance {
                    finding: serde_json::to_value(&f).unwrap_or_default(),
                });
            }
        }
    }

    /// Tells the observer about something that happened.
    pub fn note(&self, e: crate::events::LogEvent) {
        if let Some(o) = self.observer.get() {
            o(e);
        }
    }

    /// Records conformance findings; new ones go to the observer as `conformance` events.
    pub fn conform(&self, fs: impl IntoIterator<Item = crate::findings::Finding>) {
        for f in fs {
            if self.report.add(&f) {
                match f.level {
                    crate::findings::Level::Pass | crate::findings::Level::Unchecked => {}
                    _ => tracing::warn!("conformance: {}: {} ({})", f.rule, f.message, f.evidence),
                }
                self.note(crate::events::LogEvent::Conformance {
                    finding: serde_json::to_value(&f).unwrap_or_default(),
                });
            }
        }
    }

    /// Waits (at most 10 s) for the redirect-URI probe, so a report read now is complete.
    pub async fn settle(&self) {
        let task = self.probe.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(t) = task {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
    }
}

/// One-time pairing links the device handed out: token hash → expiry (ms).
#[derive(Default)]
pub struct Pairings(pub(crate) Mutex<HashMap<String, i64>>);
