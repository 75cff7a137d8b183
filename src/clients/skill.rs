//! Sends ASK request envelopes to the skill endpoint and checks the answer the
//! way Alexa does: HTTP 200, a JSON response envelope, version "1.0".

use std::time::Duration;

use super::{PeerError, transport};
use crate::protocol::ask::{
    Application, Context, Device, Person, RequestEnvelope, ResponseEnvelope, Session, SystemState,
    User,
};
use crate::protocol::viewport::DeviceProfile;

/// Alexa waits up to 8 s for a skill.
pub const SKILL_TIMEOUT: Duration = Duration::from_secs(8);

/// The stable identifiers of this emulated device and account.
#[derive(Debug, Clone)]
pub struct Identity {
    pub skill_id: String,
    pub user_id: String,
    pub device_id: String,
    pub person_id: Option<String>,
}

/// Builds a LaunchRequest envelope (PROTOCOL.md §1).
pub fn launch_envelope(
    id: &Identity,
    profile: &DeviceProfile,
    locale: &str,
    token: Option<&str>,
    person_token: Option<&str>,
    now_iso: &str,
) -> RequestEnvelope {
    let app = Application {
        application_id: id.skill_id.clone(),
    };
    let user = User {
        user_id: id.user_id.clone(),
        access_token: token.map(str::to_owned),
    };
    RequestEnvelope {
        version: "1.0".into(),
        session: Some(Session {
            new: true,
            session_id: format!("amzn1.echo-api.session.{}", uuid::Uuid::new_v4()),
            application: app.clone(),
            attributes: Default::default(),
            user: user.clone(),
        }),
        context: Context {
            system: SystemState {
                application: app,
                user,
                person: id.person_id.as_ref().map(|p| Person {
                    person_id: p.clone(),
                    access_token: person_token.map(str::to_owned),
                }),
                device: Device {
                    device_id: id.device_id.clone(),
                    persistent_endpoint_id: Some(format!(
                        "amzn1.alexa.endpoint.did.{}",
                        &id.device_id[id.device_id.len().saturating_sub(16)..]
                    )),
                    supported_interfaces: serde_json::json!({
                        "Alexa.Presentation.APL": {"runtime": {"maxVersion": "1.9"}},
                        "AudioPlayer": {}
                    }),
                },
                api_endpoint: "https://api.amazonalexa.com".into(),
                api_access_token: None,
            },
            viewport: Some(profile.viewport_json()),
        },
        request: serde_json::json!({
            "type": "LaunchRequest",
            "requestId": format!("amzn1.echo-api.request.{}", uuid::Uuid::new_v4()),
            "timestamp": now_iso,
            "locale": locale,
            "shouldLinkResultBeReturned": false
        }),
    }
}

/// Turns a LaunchRequest envelope into an IntentRequest for `intent` (same session, context,
/// request id and timestamp rules).
pub fn with_intent(env: &mut RequestEnvelope, intent: &crate::flow::IntentCall) {
    let slots: serde_json::Map<String, serde_json::Value> = intent
        .slots
        .iter()
        .map(|(name, value)| {
            let mut slot = serde_json::json!({"name": name, "confirmationStatus": "NONE"});
            if let Some(v) = value {
                slot["value"] = serde_json::json!(v);
                slot["source"] = serde_json::json!("USER");
            }
            (name.clone(), slot)
        })
        .collect();
    let r = &mut env.request;
    r["type"] = serde_json::json!("IntentRequest");
    r["intent"] = serde_json::json!({
        "name": intent.name,
        "confirmationStatus": "NONE",
        "slots": slots,
    });
    if let Some(o) = r.as_object_mut() {
        o.remove("shouldLinkResultBeReturned");
    }
}

/// Posts an envelope to the skill and validates its answer.
pub async fn send(
    http: &reqwest::Client,
    endpoint: &str,
    env: &RequestEnvelope,
) -> Result<(ResponseEnvelope, serde_json::Value), PeerError> {
    let r = http
        .post(endpoint)
        .timeout(SKILL_TIMEOUT)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json;charset=UTF-8",
        )
        .header("Signature", "linkscreen-emulator-unsigned")
        .header(
            "SignatureCertChainUrl",
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        )
        .body(serde_json::to_vec(env).expect("envelopes serialize"))
        .send()
        .await
        .map_err(transport)?;
    let status = r.status();
    let body = r.bytes().await.map_err(transport)?;
    if status.is_server_error() {
        return Err(PeerError::Protocol(format!(
            "the skill answered HTTP {status}"
        )));
    }
    if !status.is_success() {
        return Err(PeerError::Protocol(format!(
            "the skill answered HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )));
    }
    let raw: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| PeerError::Protocol(format!("the skill's answer is not JSON: {e}")))?;
    validate(raw)
}

/// Checks a skill's answer the way Alexa does: a response envelope with version "1.0".
pub fn validate(
    raw: serde_json::Value,
) -> Result<(ResponseEnvelope, serde_json::Value), PeerError> {
    let parsed: ResponseEnvelope = serde_json::from_value(raw.clone()).map_err(|e| {
        PeerError::Protocol(format!(
            "the skill's answer is not a response envelope: {e}"
        ))
    })?;
    if parsed.version != "1.0" {
        return Err(PeerError::Protocol(format!(
            "response version must be \"1.0\", found {:?}",
            parsed.version
        )));
    }
    Ok((parsed, raw))
}
