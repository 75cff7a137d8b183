//! The device's client for the linking service (or, in device-grant mode, any
//! RFC 8628 IdP): discovery (RFC 8414), device authorization, token polling
//! with `Prefer: wait` when offered, the stored link, and card forwarding.

use std::time::Duration;

use super::{PeerError, transport};
use crate::protocol::oauth::{
    DEVICE_CODE_GRANT, DeviceAuthorization, ErrorResponse, ServerMetadata, TokenResponse,
};

/// What one poll answered.
#[derive(Debug, Clone, PartialEq)]
pub enum PollOutcome {
    Pending,
    SlowDown,
    Granted(TokenResponse),
    Denied,
    Expired,
    /// Another OAuth error that ends this code (e.g. `invalid_grant`).
    Failed(String),
}

/// A 5xx: retry later, saying what the server said (its OAuth error and description, when it
/// sent one — linkscreen's own service says "storage error" when its database failed).
async fn server_error(url: &str, r: reqwest::Response) -> PeerError {
    let status = r.status();
    let said = r
        .bytes()
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<ErrorResponse>(&b).ok())
        .map(|e| match e.error_description {
            Some(d) => format!(" {}: {d}", e.error),
            None => format!(" {}", e.error),
        })
        .unwrap_or_default();
    PeerError::Unreachable(format!("{url}: HTTP {status}{said}"))
}

#[derive(Clone)]
pub struct LinkingClient {
    http: reqwest::Client,
    pub metadata: ServerMetadata,
    client_id: String,
    scope: Option<String>,
    /// Bearer key for the linkscreen-only endpoints (None against a third-party IdP).
    device_key: Option<String>,
}

impl LinkingClient {
    /// Fetches RFC 8414 metadata from `issuer` (falling back to OpenID discovery).
    pub async fn discover(
        http: reqwest::Client,
        issuer: &str,
        client_id: &str,
        scope: Option<String>,
        device_key: Option<String>,
    ) -> Result<Self, PeerError> {
        let issuer = issuer.trim_end_matches('/');
        let mut last = PeerError::Protocol(format!("{issuer} publishes no metadata"));
        for path in [
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
        ] {
            let url = format!("{issuer}{path}");
            match http.get(&url).timeout(Duration::from_secs(10)).send().await {
                Ok(r) if r.status().is_success() => {
                    let metadata: ServerMetadata = r.json().await.map_err(|e| {
                        PeerError::Protocol(format!("{url}: not RFC 8414 metadata: {e}"))
                    })?;
                    if metadata.device_authorization_endpoint.is_none() {
                        return Err(PeerError::Protocol(format!(
                            "{url}: no device_authorization_endpoint (the server does not offer RFC 8628)"
                        )));
                    }
                    return Ok(Self::with_metadata(
                        http, metadata, client_id, scope, device_key,
                    ));
                }
                Ok(r) => last = PeerError::Protocol(format!("{url}: HTTP {}", r.status())),
                Err(e) => return Err(transport(e)),
            }
        }
        Err(last)
    }

    pub fn with_metadata(
        http: reqwest::Client,
        metadata: ServerMetadata,
        client_id: &str,
        scope: Option<String>,
        device_key: Option<String>,
    ) -> Self {
        LinkingClient {
            http,
            metadata,
            client_id: client_id.to_owned(),
            scope,
            device_key,
        }
    }

    /// RFC 8628 §3.1.
    pub async fn device_authorization(
        &self,
        person_id: &str,
    ) -> Result<DeviceAuthorization, PeerError> {
        let url = self
            .metadata
            .device_authorization_endpoint
            .clone()
            .ok_or_else(|| PeerError::Protocol("no device_authorization_endpoint".into()))?;
        let mut form = vec![("client_id", self.client_id.clone())];
        if let Some(s) = &self.scope {
            form.push(("scope", s.clone()));
        }
        let mut req = self.http.post(&url).timeout(Duration::from_secs(10));
        if self.metadata.linkscreen_link_endpoint.is_some()
            && let Some(key) = &self.device_key
        {
            // linkscreen's own service knows the device by its key (no rate limit for it); a
            // code bound to a person only the device may ask for.
            req = req.bearer_auth(key);
            if !person_id.is_empty() {
                form.push(("person_id", person_id.to_owned()));
            }
        }
        let r = req.form(&form).send().await.map_err(transport)?;
        let status = r.status();
        if status.is_server_error() {
            return Err(server_error(&url, r).await);
        }
        let body = r.bytes().await.map_err(transport)?;
        if !status.is_success() {
            let e: Option<ErrorResponse> = serde_json::from_slice(&body).ok();
            return Err(PeerError::Protocol(format!(
                "{url}: HTTP {status} {}",
                e.map(|e| e.error).unwrap_or_default()
            )));
        }
        serde_json::from_slice(&body).map_err(|e| {
            PeerError::Protocol(format!("{url}: not a device authorization response: {e}"))
        })
    }

    /// RFC 8628 §3.4, one poll. `wait_s > 0` asks a long-poll capable server to hold it.
    pub async fn poll(&self, device_code: &str, wait_s: u64) -> Result<PollOutcome, PeerError> {
        let url = &self.metadata.token_endpoint;
        let mut req = self
            .http
            .post(url)
            .timeout(Duration::from_secs(wait_s + 10))
            .form(&[
                ("grant_type", DEVICE_CODE_GRANT),
                ("device_code", device_code),
                ("client_id", &self.client_id),
            ]);
        if wait_s > 0 && self.metadata.linkscreen_long_poll {
            req = req.header("Prefer", format!("wait={wait_s}"));
        }
        let r = req.send().await.map_err(transport)?;
        let status = r.status();
        if status.is_server_error() {
            return Err(server_error(url, r).await);
        }
        let body = r.bytes().await.map_err(transport)?;
        if status.is_success() {
            let t: TokenResponse = serde_json::from_slice(&body)
                .map_err(|e| PeerError::Protocol(format!("{url}: not a token response: {e}")))?;
            return Ok(PollOutcome::Granted(t));
        }
        let e: ErrorResponse = serde_json::from_slice(&body).map_err(|_| {
            PeerError::Protocol(format!("{url}: HTTP {status} without an OAuth error body"))
        })?;
        Ok(match e.error.as_str() {
            "authorization_pending" => PollOutcome::Pending,
            "slow_down" => PollOutcome::SlowDown,
            "access_denied" => PollOutcome::Denied,
            "expired_token" => PollOutcome::Expired,
            other => PollOutcome::Failed(match &e.error_description {
                Some(d) => format!("{other}: {d}"),
                None => other.to_owned(),
            }),
        })
    }

    /// True when this service stores links the device can read (linkscreen's own, with its key);
    /// a third-party IdP in device-grant mode does not.
    pub fn stores_links(&self) -> bool {
        self.metadata.linkscreen_link_endpoint.is_some() && self.device_key.is_some()
    }

    /// The stored token for a person ('' = account level); None when not linked.
    pub async fn fetch_link(&self, person_id: &str) -> Result<Option<String>, PeerError> {
        let (Some(url), Some(key)) = (&self.metadata.linkscreen_link_endpoint, &self.device_key)
        else {
            return Ok(None);
        };
        let r = self
            .http
            .get(url)
            .query(&[("person_id", person_id)])
            .bearer_auth(key)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(transport)?;
        match r.status().as_u16() {
            200 => {
                let v: serde_json::Value = r
                    .json()
                    .await
                    .map_err(|e| PeerError::Protocol(e.to_string()))?;
                Ok(v.get("access_token")
                    .and_then(|t| t.as_str())
                    .map(str::to_owned))
            }
            404 => Ok(None),
            s if s >= 500 => Err(server_error(url, r).await),
            s => Err(PeerError::Protocol(format!("{url}: HTTP {s}"))),
        }
    }

    /// Where "Sign in using this device" starts: the authorization URL the linking service
    /// gives for this pending code; None when the service has no such endpoint (a third-party
    /// IdP in device-grant mode), and the device opens the verification URI instead.
    pub async fn sign_in_url(&self, device_code: &str) -> Result<Option<String>, PeerError> {
        let (Some(url), Some(key)) = (&self.metadata.linkscreen_sign_in_endpoint, &self.device_key)
        else {
            return Ok(None);
        };
        let r = self
            .http
            .post(url)
            .bearer_auth(key)
            .form(&[("device_code", device_code)])
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(transport)?;
        let v = answer(url, r).await?;
        match v.get("authorization_url").and_then(|u| u.as_str()) {
            Some(u) => Ok(Some(u.to_owned())),
            None => Err(PeerError::Protocol(format!(
                "{url}: HTTP 200: no authorization_url"
            ))),
        }
    }

    /// Tells the Alexa app about a card the skill returned (best effort).
    pub async fn forward_card(&self, kind: &str, speech: Option<&str>) -> Result<(), PeerError> {
        let (Some(link), Some(key)) = (&self.metadata.linkscreen_link_endpoint, &self.device_key)
        else {
            return Ok(());
        };
        let url = link.replace("/api/device/link", "/api/device/cards");
        self.http
            .post(url)
            .bearer_auth(key)
            .json(&serde_json::json!({"kind": kind, "speech": speech}))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(transport)?;
        Ok(())
    }

    /// True when this service can link by voice (linkscreen's own Alexa cloud).
    pub fn links_by_voice(&self) -> bool {
        self.metadata.linkscreen_voice_link_endpoint.is_some() && self.device_key.is_some()
    }

    async fn voice_call(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, PeerError> {
        let (Some(base), Some(key)) = (
            &self.metadata.linkscreen_voice_link_endpoint,
            &self.device_key,
        ) else {
            return Err(PeerError::Protocol(
                "this linking service cannot link by voice".into(),
            ));
        };
        let url = format!("{base}/{path}");
        let r = self
            .http
            .post(&url)
            .bearer_auth(key)
            .json(&body)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(transport)?;
        answer(&url, r).await
    }

    /// Voice-forward linking: sends a one-time code to the speaker's phone; the linking
    /// service decides whose link a match makes and for which scopes.
    pub async fn send_voice_code(&self, person_id: &str, name: &str) -> Result<(), PeerError> {
        self.voice_call(
            "code",
            serde_json::json!({"person_id": person_id, "name": name}),
        )
        .await
        .map(drop)
    }

    /// Voice-forward linking: checks the spoken code; true when it matched and the link is stored.
    pub async fn verify_voice_code(&self, person_id: &str, code: &str) -> Result<bool, PeerError> {
        let v = self
            .voice_call(
                "verify",
                serde_json::json!({"person_id": person_id, "code": code}),
            )
            .await?;
        Ok(v.get("linked").and_then(|l| l.as_bool()) == Some(true))
    }

    /// Unlinks (kiosk reset, emulator panel).
    pub async fn unlink(&self, person_id: &str) -> Result<(), PeerError> {
        let (Some(url), Some(key)) = (&self.metadata.linkscreen_link_endpoint, &self.device_key)
        else {
            return Ok(());
        };
        self.http
            .delete(url)
            .query(&[("person_id", person_id)])
            .bearer_auth(key)
            .send()
            .await
            .map_err(transport)?;
        Ok(())
    }
}

/// A JSON answer of the linking service: its body when 2xx; a 5xx is a service that is down,
/// anything else a refusal naming the OAuth error.
async fn answer(url: &str, r: reqwest::Response) -> Result<serde_json::Value, PeerError> {
    let status = r.status().as_u16();
    let v: serde_json::Value = r
        .json()
        .await
        .map_err(|e| PeerError::Protocol(format!("{url}: {e}")))?;
    match status {
        200..=299 => Ok(v),
        s if s >= 500 => Err(PeerError::Unreachable(format!("{url}: HTTP {s}"))),
        s => Err(PeerError::Protocol(format!(
            "{url}: HTTP {s}: {}",
            v.get("error_description")
                .or(v.get("error"))
                .and_then(|e| e.as_str())
                .unwrap_or("refused")
        ))),
    }
}
