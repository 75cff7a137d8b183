//! Per-address rate limits (governor's GCRA) on every endpoint a caller without credentials
//! can make write a row: device authorization requests, sign-in starts, sign-in transactions,
//! logins, consent requests, Alexa's redirect URL (whose forged states are logged). Requests
//! with the device key are the device's own and pass. Polls, token endpoints
//! (client-authenticated) and plain pages are not limited here.
//!
//! A route is limited whatever the method: axum answers `HEAD` with the `GET` handler (which
//! writes its row all the same), and any other method costs a request too.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::sync::Mutex;

use super::crypto;

/// Sustained writes per second one address may make, and its burst.
pub const PER_SECOND: u32 = 5;
pub const BURST: u32 = 20;

/// Routes that write a row for a caller without credentials (by any method).
const WRITERS: &[&str] = &[
    "/oauth/device_authorization",
    "/device/link",
    "/skill/link",
    "/ridehailer/oauth/authorize",
    "/ridehailer/login",
    "/ridehailer/app/link",
    "/lwa/ap/oa",
    "/alexa/app/link",
];
/// Route prefixes limited the same way: Alexa's redirect URL (`/api/skill/link/<VendorId>`).
const WRITER_PREFIXES: &[&str] = &["/api/skill/link/"];

/// Whether a request to `path` (by any method) is limited.
fn limited(path: &str) -> bool {
    WRITERS.contains(&path) || WRITER_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The limiter: one bucket per client address.
pub struct Limits(DefaultKeyedRateLimiter<IpAddr>);

impl Default for Limits {
    fn default() -> Self {
        let quota = Quota::per_second(NonZeroU32::new(PER_SECOND).expect("nonzero"))
            .allow_burst(NonZeroU32::new(BURST).expect("nonzero"));
        Limits(DefaultKeyedRateLimiter::keyed(quota))
    }
}

impl Limits {
    /// Forgets addresses whose buckets are full again (memory stays bounded).
    pub fn forget_idle(&self) {
        self.0.retain_recent();
        self.0.shrink_to_fit();
    }
}

fn has_device_key(device_key: &str, req: &Request) -> bool {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|k| crypto::secret_eq(k, device_key))
}

impl Limits {
    /// The answer for a request over its address's limit (429 with `Retry-After`), or None to
    /// let it through. Requests with the device's key always pass.
    pub fn refuse(&self, req: &Request, device_key: &str) -> Option<Response> {
        if !limited(req.uri().path()) || has_device_key(device_key, req) {
            return None;
        }
        let ip = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())?;
        if self.0.check_key(&ip).is_ok() {
            return None;
        }
        tracing::debug!("rate limit: {ip} {} {}", req.method(), req.uri().path());
        let mut r = if req.uri().path().starts_with("/oauth/") {
            (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(serde_json::json!({
                    "error": "slow_down",
                    "error_description": "too many requests from this address"
                })),
            )
                .into_response()
        } else {
            super::error::page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                "Too many requests from this network address. Wait a moment, then try again.",
            )
            .into_response()
        };
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        Some(r)
    }
}

/// Failed user-code entries per client address, for rate limiting (RFC 8628 §5.1).
#[derive(Default)]
pub struct Attempts(Mutex<HashMap<IpAddr, Vec<i64>>>);

/// At most this many wrong codes per address in [`ATTEMPT_WINDOW_MS`].
pub const MAX_FAILED_ATTEMPTS: usize = 5;
const ATTEMPT_WINDOW_MS: i64 = 10 * 60 * 1000;

impl Attempts {
    pub fn blocked(&self, ip: IpAddr, now: i64) -> bool {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let v = m.entry(ip).or_default();
        v.retain(|t| now - t < ATTEMPT_WINDOW_MS);
        v.len() >= MAX_FAILED_ATTEMPTS
    }
    pub fn fail(&self, ip: IpAddr, now: i64) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(ip)
            .or_default()
            .push(now);
    }
}
