//! The device's peers as traits: the linking service ([`LinkingApi`]), the skill
//! ([`SkillApi`]) and the device browser's page loads ([`PageLoader`]). The device runtime
//! holds these, so it can be driven with fakes (and tokio's paused clock) in its unit tests;
//! the real implementations are the HTTP clients beside this file and the local Lambda runner.
//!
//! Must not import: `device`, `view`, `backend`, `app`, `cli`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::PeerError;
use super::lambda::LambdaRunner;
use super::linking::{LinkingClient, PollOutcome};
use super::phone::{Browser, Page, Request};
use crate::protocol::ask::{RequestEnvelope, ResponseEnvelope};
use crate::protocol::oauth::DeviceAuthorization;

/// The linking service as the device uses it (RFC 8628 plus linkscreen's stored links and
/// voice-forward linking).
#[async_trait]
pub trait LinkingApi: Send + Sync {
    /// RFC 8628 §3.1, for a person (`""`: the account).
    async fn device_authorization(&self, person_id: &str)
    -> Result<DeviceAuthorization, PeerError>;
    /// RFC 8628 §3.4, with `Prefer: wait=N` when the service long-polls.
    async fn poll(&self, device_code: &str, wait_s: u64) -> Result<PollOutcome, PeerError>;
    /// The stored token for a person (`""`: the account); `None` when not linked.
    async fn fetch_link(&self, person_id: &str) -> Result<Option<String>, PeerError>;
    /// The authorization URL the device's browser opens for a code.
    async fn sign_in_url(&self, device_code: &str) -> Result<Option<String>, PeerError>;
    async fn forward_card(&self, kind: &str, speech: Option<&str>) -> Result<(), PeerError>;
    async fn send_voice_code(&self, person_id: &str, name: &str) -> Result<(), PeerError>;
    async fn verify_voice_code(&self, person_id: &str, code: &str) -> Result<bool, PeerError>;
    async fn unlink(&self, person_id: &str) -> Result<(), PeerError>;
    /// The service stores links the device can read.
    fn stores_links(&self) -> bool;
    /// The service can link by voice.
    fn links_by_voice(&self) -> bool;
    /// The service answers a poll only once something changed (`Prefer: wait`).
    fn long_polls(&self) -> bool;
    /// Where the service's own link redirect lands (the device browser closes there).
    fn link_redirect_prefix(&self) -> Option<String>;
}

#[async_trait]
impl LinkingApi for LinkingClient {
    async fn device_authorization(
        &self,
        person_id: &str,
    ) -> Result<DeviceAuthorization, PeerError> {
        LinkingClient::device_authorization(self, person_id).await
    }
    async fn poll(&self, device_code: &str, wait_s: u64) -> Result<PollOutcome, PeerError> {
        LinkingClient::poll(self, device_code, wait_s).await
    }
    async fn fetch_link(&self, person_id: &str) -> Result<Option<String>, PeerError> {
        LinkingClient::fetch_link(self, person_id).await
    }
    async fn sign_in_url(&self, device_code: &str) -> Result<Option<String>, PeerError> {
        LinkingClient::sign_in_url(self, device_code).await
    }
    async fn forward_card(&self, kind: &str, speech: Option<&str>) -> Result<(), PeerError> {
        LinkingClient::forward_card(self, kind, speech).await
    }
    async fn send_voice_code(&self, person_id: &str, name: &str) -> Result<(), PeerError> {
        LinkingClient::send_voice_code(self, person_id, name).await
    }
    async fn verify_voice_code(&self, person_id: &str, code: &str) -> Result<bool, PeerError> {
        LinkingClient::verify_voice_code(self, person_id, code).await
    }
    async fn unlink(&self, person_id: &str) -> Result<(), PeerError> {
        LinkingClient::unlink(self, person_id).await
    }
    fn stores_links(&self) -> bool {
        LinkingClient::stores_links(self)
    }
    fn links_by_voice(&self) -> bool {
        LinkingClient::links_by_voice(self)
    }
    fn long_polls(&self) -> bool {
        self.metadata.linkscreen_long_poll
    }
    fn link_redirect_prefix(&self) -> Option<String> {
        self.stores_links()
            .then(|| format!("{}/api/skill/link/", self.metadata.issuer))
    }
}

/// The skill: one request envelope in, its validated answer (parsed and raw) out.
#[async_trait]
pub trait SkillApi: Send + Sync {
    async fn call(&self, env: &RequestEnvelope) -> Result<(ResponseEnvelope, Value), PeerError>;
}

/// A skill at an HTTPS (or loopback HTTP) endpoint.
pub struct HttpSkill {
    pub http: reqwest::Client,
    pub endpoint: String,
}

#[async_trait]
impl SkillApi for HttpSkill {
    async fn call(&self, env: &RequestEnvelope) -> Result<(ResponseEnvelope, Value), PeerError> {
        super::skill::send(&self.http, &self.endpoint, env).await
    }
}

/// A skill's Lambda handler run on this machine.
pub struct LambdaSkill(pub Arc<LambdaRunner>);

#[async_trait]
impl SkillApi for LambdaSkill {
    async fn call(&self, env: &RequestEnvelope) -> Result<(ResponseEnvelope, Value), PeerError> {
        let event = serde_json::to_value(env).expect("envelopes serialize");
        match self.0.invoke(&event).await {
            Ok(raw) => super::skill::validate(raw),
            Err(e) => Err(PeerError::Protocol(e.to_string())),
        }
    }
}

/// The device browser's loads: a link or a form, redirects followed to the final page.
#[async_trait]
pub trait PageLoader: Send + Sync {
    async fn load(&self, req: &Request) -> Result<Page, PeerError>;
}

/// The APL screen's images.
#[async_trait]
pub trait ImageLoader: Send + Sync {
    async fn load(&self, url: &str) -> Result<Vec<u8>, PeerError>;
}

#[async_trait]
impl ImageLoader for super::images::Images {
    async fn load(&self, url: &str) -> Result<Vec<u8>, PeerError> {
        super::images::Images::load(self, url).await
    }
}

#[async_trait]
impl PageLoader for Browser {
    async fn load(&self, req: &Request) -> Result<Page, PeerError> {
        Browser::load(self, req).await
    }
}
