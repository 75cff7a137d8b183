//! The sample Ride Hailer skill: takes an ASK request envelope and answers as
//! a skill built on the ASK SDK would. Without a valid access token it says
//! the seed's localized prompt with a `LinkAccount` card and ends the session —
//! or, with voice-forward linking enabled, offers to link by voice and answers
//! "link my account" with `Connections.StartConnection` (docs/design.md "Wire formats" §4). With
//! a token (checked at the authorization server's userinfo endpoint, or LWA's
//! profile API for an `Atza|` token) it greets the user by name and books rides.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::backend::infra::state::Shared;
use crate::faults::Fault;
use crate::locale;
use crate::protocol::ask::{Card, RequestEnvelope, ResponseEnvelope};

/// The sample skill's invocation name in `locale`, for a skill still called by its sample name
/// (a configured invocation name, or another skill name, is kept as it is): a Japanese skill
/// is invoked in katakana (ライドヘイラー), an Arabic one in Arabic letters.
pub fn sample_invocation(skill: &crate::config::Skill, locale: &str) -> String {
    if skill.invocation_name.is_none() && skill.name == crate::config::default_skill_name() {
        locale::tr("skill.invocation", locale, &[])
    } else {
        skill.invocation()
    }
}

/// The sample skill's interaction model in `locale` (what the device understands inside its
/// session): its sample utterances come from the locale file (`skill.samples_*`, one per line;
/// English where a language has none).
pub fn sample_model(invocation: &str, locale: &str) -> crate::project::InteractionModel {
    use crate::project::{Intent, InteractionModel, Slot};
    let samples = |key: &str| -> Vec<String> {
        locale::tr(key, locale, &[])
            .split('|')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let intent = |name: &str, samples: Vec<String>, slots: Vec<Slot>| Intent {
        name: name.into(),
        slots,
        samples,
    };
    InteractionModel {
        invocation_name: invocation.to_owned(),
        intents: vec![
            intent("LinkAccountIntent", samples("skill.samples_link"), vec![]),
            intent(
                "BookRideIntent",
                samples("skill.samples_ride"),
                vec![Slot {
                    name: "destination".into(),
                    slot_type: "AMAZON.City".into(),
                }],
            ),
            intent("AMAZON.YesIntent", vec![], vec![]),
            intent("AMAZON.NoIntent", vec![], vec![]),
            intent("AMAZON.HelpIntent", vec![], vec![]),
            intent("AMAZON.StopIntent", vec![], vec![]),
            intent("AMAZON.CancelIntent", vec![], vec![]),
            intent("AMAZON.FallbackIntent", vec![], vec![]),
        ],
        types: vec![],
    }
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new().route("/ridehailer/skill", post(handle))
}

/// Asks the authorization server who owns the token.
async fn user_name(s: &Shared, token: &str) -> Option<String> {
    let resp = s
        .http
        .get(if token.starts_with("Atza|") {
            // Linked by voice: a Login with Amazon token, asked at LWA's profile API.
            format!("{}/lwa/user/profile", s.base_url)
        } else {
            format!("{}/ridehailer/oauth/userinfo", s.base_url)
        })
        .bearer_auth(token)
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let v: serde_json::Value = resp.json().await.ok()?;
    v.get("name").and_then(|n| n.as_str()).map(str::to_owned)
}

async fn handle(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    if s.faults.is_on(Fault::SkillError) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }
    if s.faults.is_on(Fault::SkillInvalidJson) {
        // A handler that crashed half-way through writing its answer.
        return (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            r#"{"version": "1.0", "response": {"outputSpeech": {"type": "PlainText", "text": "Welc"#,
        )
            .into_response();
    }
    let env: RequestEnvelope = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("not an ASK request envelope: {e}"),
            )
                .into_response();
        }
    };
    let loc = env.locale().to_owned();
    let skill_name = s.config.skill.name.clone();
    if env.request_type() == "SessionEndedRequest" {
        return axum::Json(ResponseEnvelope {
            version: "1.0".into(),
            session_attributes: None,
            user_agent: None,
            response: Default::default(),
        })
        .into_response();
    }
    let name = match env.access_token() {
        Some(t) => user_name(&s, t).await,
        None => None,
    };
    let voice_forward = s.account_linking.voice_forward_enabled();
    let out = answer(&env, name.as_deref(), voice_forward, &loc, &skill_name);
    axum::Json(out).into_response()
}

/// Adds the screen `doc` makes to an answer when the device has one (it says it supports
/// `Alexa.Presentation.APL`), as a skill built on the ASK SDK checks before it renders.
fn with_screen(
    env: &RequestEnvelope,
    mut r: ResponseEnvelope,
    doc: impl FnOnce() -> serde_json::Value,
) -> ResponseEnvelope {
    if env
        .context
        .system
        .device
        .supported_interfaces
        .get("Alexa.Presentation.APL")
        .is_some()
    {
        r.response.directives.push(doc());
    }
    r
}

/// The ride booking screen after linking: the destinations to touch, each sending
/// `["book", place]` back as a UserEvent.
fn places_screen(skill_name: &str, title: &str, places: &str) -> serde_json::Value {
    let places: Vec<&str> = places.split('|').collect();
    serde_json::json!({
        "type": "Alexa.Presentation.APL.RenderDocument",
        "token": "rideHailerPlaces",
        "document": places_document(),
        "datasources": {"ride": {"skill": skill_name, "title": title, "places": places}},
    })
}

/// The places document: Amazon's header and background (alexa-layouts), the skill's own
/// rows.
pub fn places_document() -> serde_json::Value {
    serde_json::from_str(include_str!("../../../assets/apl/ride-places.json"))
        .expect("the places document is valid JSON")
}

/// The booked ride: Amazon's headline template.
fn booked_screen(skill_name: &str, said: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "Alexa.Presentation.APL.RenderDocument",
        "token": "rideHailerBooked",
        "document": {
            "type": "APL",
            "version": "2024.3",
            "import": [{"name": "alexa-layouts", "version": "1.7.0"}],
            "mainTemplate": {
                "parameters": ["payload"],
                "items": [{"type": "AlexaHeadline", "headerTitle": "${payload.ride.skill}",
                           "primaryText": "${payload.ride.said}", "backgroundColor": "#0e1b2c"}]
            }
        },
        "datasources": {"ride": {"skill": skill_name, "said": said}},
    })
}

/// The sample skill's dialog: the seed's lines, per request and link state.
fn answer(
    env: &RequestEnvelope,
    name: Option<&str>,
    voice_forward: bool,
    loc: &str,
    skill_name: &str,
) -> ResponseEnvelope {
    let t = |k: &str, args: &[(&str, &str)]| {
        let mut all = vec![("skill_name", skill_name)];
        all.extend_from_slice(args);
        locale::tr(k, loc, &all)
    };
    let keep = |text: String| ResponseEnvelope::speak(&text, None, false);
    let end = |text: String| ResponseEnvelope::speak(&text, None, true);
    let link_card =
        || ResponseEnvelope::speak(&t("skill.link_prompt", &[]), Some(Card::LinkAccount), true);
    let intent = env
        .request
        .pointer("/intent/name")
        .and_then(|n| n.as_str())
        .unwrap_or("");
    match (env.request_type(), name) {
        // Voice-forward linking is over (docs/design.md "Wire formats" §4).
        ("SessionResumedRequest", _) => {
            let status = env
                .request
                .pointer("/cause/result/status")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            match status {
                "LINKED" => keep(t("skill.vf_ready", &[])),
                "DENIED" => end(t("skill.vf_declined", &[])),
                // USER_REQUIREMENTS_NOT_MET, or an error: fall back to the LinkAccount card.
                _ => link_card(),
            }
        }
        ("System.ExceptionEncountered", _) => ResponseEnvelope {
            version: "1.0".into(),
            session_attributes: None,
            user_agent: None,
            response: Default::default(),
        },
        ("LaunchRequest", Some(n)) => {
            with_screen(env, keep(t("skill.linked", &[("name", n)])), || {
                places_screen(
                    skill_name,
                    &t("skill.where_to", &[]),
                    &t("skill.places", &[]),
                )
            })
        }
        // A destination touched on the screen (`SendEvent` with ["book", place]).
        ("Alexa.Presentation.APL.UserEvent", Some(n)) => {
            let args = env.request.get("arguments").and_then(|a| a.as_array());
            match args.map(|a| a.as_slice()) {
                Some([book, dest, ..]) if book == "book" => {
                    let dest = dest.as_str().unwrap_or_default();
                    let said = t("skill.ride_booked", &[("name", n), ("destination", dest)]);
                    with_screen(env, end(said.clone()), || booked_screen(skill_name, &said))
                }
                _ => keep(t("skill.fallback", &[])),
            }
        }
        ("IntentRequest", Some(n)) => match intent {
            "BookRideIntent" => match env
                .request
                .pointer("/intent/slots/destination/value")
                .and_then(|v| v.as_str())
            {
                Some(dest) => {
                    let said = t("skill.ride_booked", &[("name", n), ("destination", dest)]);
                    with_screen(env, end(said.clone()), || booked_screen(skill_name, &said))
                }
                None => with_screen(env, keep(t("skill.where_to", &[])), || {
                    places_screen(
                        skill_name,
                        &t("skill.where_to", &[]),
                        &t("skill.places", &[]),
                    )
                }),
            },
            "AMAZON.HelpIntent" => keep(t("skill.help", &[])),
            "AMAZON.StopIntent" | "AMAZON.CancelIntent" | "AMAZON.NoIntent" => {
                end(t("skill.goodbye", &[]))
            }
            _ => keep(t("skill.fallback", &[])),
        },
        // Not linked, voice-forward linking on: offer it, then ask Alexa to link.
        ("LaunchRequest", None) if voice_forward => keep(t("skill.vf_offer", &[])),
        ("IntentRequest", None) if voice_forward => match intent {
            "LinkAccountIntent" | "AMAZON.YesIntent" | "BookRideIntent" => {
                let mut r = ResponseEnvelope::speak("", None, false);
                r.response.output_speech = None;
                r.response.should_end_session = None;
                r.response.directives.push(serde_json::json!({
                    "type": "Connections.StartConnection",
                    "uri": crate::protocol::ask::ASK_FOR_ACCOUNT_LINKING,
                    "onCompletion": "RESUME_SESSION",
                    "input": {"@version": "1", "@type": "AskForAccountLinking"},
                    "token": "accountLinking"
                }));
                r
            }
            "AMAZON.NoIntent" | "AMAZON.StopIntent" | "AMAZON.CancelIntent" => {
                end(t("skill.vf_declined", &[]))
            }
            _ => keep(t("skill.vf_offer", &[])),
        },
        _ => link_card(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::nlu::{Nlu, Understood};

    fn sample(locale: &str) -> Nlu {
        let invocation = sample_invocation(&crate::config::Config::default().skill, locale);
        Nlu {
            model: Some(sample_model(&invocation, locale)),
            invocation,
        }
    }

    fn ride(n: &Nlu, said: &str) -> Option<String> {
        match n.understand(said) {
            Understood::Intent(crate::flow::IntentCall { name, slots })
                if name == "BookRideIntent" =>
            {
                slots
                    .into_iter()
                    .find(|(k, _)| k == "destination")
                    .and_then(|(_, v)| v)
            }
            other => panic!("{said:?}: {other:?}"),
        }
    }

    #[test]
    fn the_sample_skill_is_called_and_understood_in_the_devices_language() {
        let ja = sample("ja-JP");
        assert_eq!(ja.invocation, "ライドヘイラー");
        assert_eq!(
            ja.understand("アレクサ、ライドヘイラーを開いて"),
            Understood::Launch
        );
        assert_eq!(
            ride(&ja, "アレクサ、ライドヘイラーで空港まで配車して").as_deref(),
            Some("空港")
        );
        let ar = sample("ar-SA");
        assert_eq!(ar.invocation, "رايد هايلر");
        assert_eq!(ar.understand("أليكسا، افتح رايد هايلر"), Understood::Launch);
        assert_eq!(
            ride(&ar, "أليكسا، اطلب من رايد هايلر خذني إلى الرياض").as_deref(),
            Some("الرياض")
        );
        let en = sample("en-US");
        assert_eq!(en.invocation, "ride hailer");
        assert_eq!(
            ride(&en, "alexa, ask ride hailer to take me to the airport").as_deref(),
            Some("the airport")
        );
        // German: the skill keeps its English name, and understands German.
        let de = sample("de-DE");
        assert_eq!(de.invocation, "ride hailer");
        match de.in_session("Buche eine Fahrt zum Flughafen") {
            Understood::Intent(call) => assert_eq!(
                (
                    call.name.as_str(),
                    call.slots[0].1.as_deref().map(str::to_lowercase)
                ),
                ("BookRideIntent", Some("flughafen".into()))
            ),
            other => panic!("{other:?}"),
        }
        // A skill configured with another name keeps its own invocation in every locale.
        let mut skill = crate::config::Config::default().skill;
        skill.name = "City Rides".into();
        assert_eq!(sample_invocation(&skill, "ja-JP"), "city rides");
    }
}
