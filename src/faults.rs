//! Fault injection for the designer's emulator (`--fault`, the panel's toggles, the `fault`
//! script step): each fault makes a real part misbehave the way a real peer can, so the
//! device shows what a real device would show.
//!
//! The sample authorization server and the sample skill read these flags as they answer;
//! the device's HTTP clients route through [`Faults::proxy`], which sends every request to
//! a closed port while the network is "down".
//!
//! Must not import: anything of the crate (a leaf).

use std::sync::atomic::{AtomicBool, Ordering};

/// One fault that can be switched on and off while the emulator runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The sample authorization server's token endpoint answers after [`SLOW_TOKEN_MS`]
    /// (Alexa gives up after 4.5 s).
    SlowAuth,
    /// The sample authorization server denies every authorization request
    /// (`error=access_denied`, RFC 6749 §4.1.2.1).
    Deny,
    /// The device's network is down: every request it makes is refused.
    NetworkDown,
    /// The sample authorization server issues access tokens that live [`SHORT_EXPIRY_S`]
    /// seconds, so the linking service refreshes before each use.
    ShortExpiry,
    /// The sample skill answers HTTP 500.
    SkillError,
    /// The sample skill answers HTTP 200 with a body that is not JSON.
    SkillInvalidJson,
}

/// How late the slow token endpoint answers.
pub const SLOW_TOKEN_MS: u64 = 5_000;
/// Access-token lifetime while [`Fault::ShortExpiry`] is on.
pub const SHORT_EXPIRY_S: i64 = 5;

impl Fault {
    pub const ALL: [Fault; 6] = [
        Fault::SlowAuth,
        Fault::Deny,
        Fault::NetworkDown,
        Fault::ShortExpiry,
        Fault::SkillError,
        Fault::SkillInvalidJson,
    ];

    /// The name used by `--fault`, the `fault` script step and events.
    pub fn id(self) -> &'static str {
        match self {
            Fault::SlowAuth => "slow-auth",
            Fault::Deny => "deny",
            Fault::NetworkDown => "network-down",
            Fault::ShortExpiry => "short-expiry",
            Fault::SkillError => "skill-error",
            Fault::SkillInvalidJson => "skill-invalid-json",
        }
    }

    /// One line for the panel and `--help`.
    pub fn describe(self) -> &'static str {
        match self {
            Fault::SlowAuth => "Auth server's token endpoint takes 5 s (limit 4.5 s)",
            Fault::Deny => "Auth server denies every sign-in",
            Fault::NetworkDown => "Device network down",
            Fault::ShortExpiry => "Access tokens expire after 5 s (forces refresh)",
            Fault::SkillError => "Skill answers HTTP 500",
            Fault::SkillInvalidJson => "Skill answers invalid JSON",
        }
    }

    /// Whether the fault acts on the embedded sample servers (it has no effect on the user's
    /// own authorization server or skill).
    pub fn needs_sample(self) -> Option<&'static str> {
        match self {
            Fault::SlowAuth | Fault::Deny | Fault::ShortExpiry => Some("auth_server"),
            Fault::SkillError | Fault::SkillInvalidJson => Some("skill"),
            Fault::NetworkDown => None,
        }
    }

    pub fn from_id(id: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.id() == id)
    }

    /// Every fault name, for error messages.
    pub fn names() -> String {
        Fault::ALL.map(Fault::id).join(", ")
    }
}

/// The faults switched on now.
#[derive(Debug, Default)]
pub struct Faults {
    on: [AtomicBool; 6],
}

impl Faults {
    pub fn is_on(&self, f: Fault) -> bool {
        self.on[f as usize].load(Ordering::SeqCst)
    }

    pub fn set(&self, f: Fault, on: bool) {
        self.on[f as usize].store(on, Ordering::SeqCst);
    }

    /// The faults on now, in [`Fault::ALL`] order.
    pub fn active(&self) -> Vec<Fault> {
        Fault::ALL.into_iter().filter(|f| self.is_on(*f)).collect()
    }

    /// A proxy rule for the device's HTTP clients: while [`Fault::NetworkDown`] is on every
    /// request goes to a closed port on loopback, so it fails as a refused connection does.
    /// The rule is consulted when a connection is made, so those clients keep no idle
    /// connections (`pool_max_idle_per_host(0)`).
    ///
    /// `None` when the environment names a proxy (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`):
    /// a custom rule would replace reqwest's use of it, so the device keeps the system proxy
    /// and the network-down fault is not available.
    pub fn proxy(self: &std::sync::Arc<Self>) -> Option<reqwest::Proxy> {
        if system_proxy() {
            return None;
        }
        let me = self.clone();
        Some(reqwest::Proxy::custom(move |_| {
            me.is_on(Fault::NetworkDown)
                .then(|| DEAD_PROXY.parse::<reqwest::Url>().ok())
                .flatten()
        }))
    }

    /// Switches a fault, unless it cannot be injected here (network-down behind a system proxy).
    pub fn switch(&self, f: Fault, on: bool) -> Result<(), &'static str> {
        if f == Fault::NetworkDown && !Faults::can_cut_network() {
            return Err(
                "network-down: not available while HTTP_PROXY/HTTPS_PROXY/ALL_PROXY is set (the device uses that proxy)",
            );
        }
        self.set(f, on);
        Ok(())
    }

    /// Whether [`Fault::NetworkDown`] can be injected (see [`Faults::proxy`]).
    pub fn can_cut_network() -> bool {
        !system_proxy()
    }
}

fn system_proxy() -> bool {
    ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"].iter().any(|k| {
        [k.to_string(), k.to_lowercase()]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
    })
}

/// Port 1 on loopback (tcpmux) is not served on any machine we run on: connections are refused.
const DEAD_PROXY: &str = "http://127.0.0.1:1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_flags_switch() {
        for f in Fault::ALL {
            assert_eq!(Fault::from_id(f.id()), Some(f));
        }
        let faults = Faults::default();
        faults.set(Fault::Deny, true);
        assert!(faults.is_on(Fault::Deny));
        assert_eq!(faults.active(), vec![Fault::Deny]);
        faults.set(Fault::Deny, false);
        assert!(faults.active().is_empty());
    }
}
