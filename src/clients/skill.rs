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

/// Builds a LaunchRequest envelope (docs/design.md "Wire formats" §1).
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
            session_id: format!(
                "amzn1.echo-api.session.{}",
                crate::entropy::uuid("ask_session_id")
            ),
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
                        "Alexa.Presentation.APL": {"runtime": {"maxVersion": crate::apl::APL_VERSION}},
                        "AudioPlayer": {}
                    }),
                },
                api_endpoint: "https://api.amazonalexa.com".into(),
                api_access_token: None,
            },
            viewport: Some(profile.viewport_json()),
            apl: None,
        },
        request: serde_json::json!({
            "type": "LaunchRequest",
            "requestId": format!("amzn1.echo-api.request.{}", crate::entropy::uuid("ask_request_id")),
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

/// What the device sends next in the skill's session.
#[derive(Debug, Clone)]
pub enum Ask {
    /// A LaunchRequest (new session), or an IntentRequest when started with an intent.
    Launch(Option<crate::flow::IntentCall>),
    /// An IntentRequest in the open session.
    Intent(crate::flow::IntentCall),
    /// Voice-forward linking is over: SessionResumedRequest, or System.ExceptionEncountered
    /// for a failure with `SEND_ERRORS_ONLY`.
    Resumed {
        link: crate::flow::LinkRequest,
        outcome: crate::flow::LinkOutcome,
    },
    /// The user left the open session.
    Ended,
    /// A `SendEvent` command on the skill's APL screen: `Alexa.Presentation.APL.UserEvent`,
    /// with the screen's visual context.
    UserEvent {
        token: String,
        arguments: Vec<serde_json::Value>,
        source: serde_json::Value,
        components: serde_json::Value,
    },
}

/// An open session: its id and the attributes the skill last returned.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenSession {
    pub session_id: String,
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// Makes `env` (a fresh LaunchRequest) the request `ask` describes; requests after the first
/// carry the open session (`new: false`, its id and attributes).
pub fn shape(env: &mut RequestEnvelope, ask: &Ask, open: Option<&OpenSession>) {
    if let (Some(o), false, Some(sess)) =
        (open, matches!(ask, Ask::Launch(_)), env.session.as_mut())
    {
        sess.new = false;
        sess.session_id = o.session_id.clone();
        sess.attributes = o.attributes.clone();
    }
    let r = &mut env.request;
    let mut head = serde_json::Map::new();
    for k in ["requestId", "timestamp", "locale"] {
        if let Some(v) = r.get(k) {
            head.insert(k.into(), v.clone());
        }
    }
    let typed = |t: &str, extra: serde_json::Value| {
        let mut m = serde_json::Map::new();
        m.insert("type".into(), serde_json::json!(t));
        m.extend(head.clone());
        if let serde_json::Value::Object(x) = extra {
            m.extend(x);
        }
        serde_json::Value::Object(m)
    };
    match ask {
        Ask::Launch(None) => {}
        Ask::Launch(Some(i)) | Ask::Intent(i) => with_intent(env, i),
        Ask::Resumed { link, outcome } if link.errors_only && outcome.is_error() => {
            let (code, message, result) = outcome.status();
            let id = head.get("requestId").cloned().unwrap_or_default();
            env.request = typed(
                "System.ExceptionEncountered",
                serde_json::json!({
                    "error": {
                        "type": "INTERNAL_SERVICE_ERROR",
                        "message": format!("AskForAccountLinking ended with {code}: {}", result.map(str::to_owned).unwrap_or(message)),
                    },
                    "cause": {"requestId": id},
                }),
            );
        }
        Ask::Resumed { link, outcome } => {
            let (code, message, result) = outcome.status();
            let mut cause = serde_json::json!({
                "type": "ConnectionCompleted",
                "token": link.token,
                "status": {"code": code, "message": message},
            });
            if let Some(st) = result {
                cause["result"] = serde_json::json!({"status": st});
            }
            env.request = typed("SessionResumedRequest", serde_json::json!({"cause": cause}));
        }
        Ask::UserEvent {
            token,
            arguments,
            source,
            components,
        } => {
            env.request = typed(
                "Alexa.Presentation.APL.UserEvent",
                serde_json::json!({
                    "token": token,
                    "arguments": arguments,
                    "source": source,
                    "components": components,
                }),
            );
        }
        Ask::Ended => {
            env.request = typed(
                "SessionEndedRequest",
                serde_json::json!({"reason": "USER_INITIATED"}),
            );
        }
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
    if parsed.start_connection().is_some() {
        // docs/design.md "Wire formats" §4: no AudioPlayer or video directives beside a StartConnection.
        if let Some(bad) = parsed.response.directives.iter().find_map(|d| {
            let t = d.get("type").and_then(serde_json::Value::as_str)?;
            (t.starts_with("AudioPlayer.") || t.starts_with("VideoApp.")).then_some(t)
        }) {
            return Err(PeerError::Protocol(format!(
                "a response with Connections.StartConnection must not also carry {bad}"
            )));
        }
    }
    Ok((parsed, raw))
}

/// What the device makes of a skill's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard {
    pub answer: crate::flow::SkillAnswer,
    /// A `Connections.StartConnection` to something linkscreen does not emulate (only
    /// account linking is).
    pub unemulated_connection: Option<String>,
}

/// Maps a validated response envelope to what the device shows and does: the speech, the
/// card, whether it asks to link (a LinkAccount card or a StartConnection to account linking)
/// and whether the session stays open.
pub fn answer(resp: &ResponseEnvelope) -> Heard {
    use crate::protocol::ask::Card;
    let mut unemulated_connection = None;
    let link_request = resp.start_connection().and_then(|c| {
        if c.uri == crate::protocol::ask::ASK_FOR_ACCOUNT_LINKING {
            Some(crate::flow::LinkRequest {
                token: c.token.unwrap_or_default(),
                errors_only: c.on_completion.as_deref() == Some("SEND_ERRORS_ONLY"),
            })
        } else {
            unemulated_connection = Some(c.uri);
            None
        }
    });
    let (card_title, card_text) = match &resp.response.card {
        Some(Card::Simple { title, content }) => (title.clone(), content.clone()),
        Some(Card::Standard { title, text, .. }) => (title.clone(), text.clone()),
        _ => (None, None),
    };
    Heard {
        answer: crate::flow::SkillAnswer {
            speech: resp.response.output_speech.as_ref().map(|o| o.plain_text()),
            card_title,
            card_text,
            asks_to_link: resp.asks_to_link(),
            keeps_session: resp.response.should_end_session == Some(false),
            link_request,
            apl: resp
                .response
                .directives
                .iter()
                .filter(|d| {
                    d.get("type")
                        .and_then(serde_json::Value::as_str)
                        .is_some_and(|t| t.starts_with("Alexa.Presentation.APL."))
                })
                .cloned()
                .collect(),
        },
        unemulated_connection,
    }
}
