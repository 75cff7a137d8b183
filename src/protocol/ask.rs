//! The ASK request envelope the device sends and the response envelope a skill
//! answers with (docs/design.md "Wire formats" §1), following Amazon's generated `ask-sdk-model`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RequestEnvelope {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    pub context: Context,
    pub request: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub new: bool,
    pub session_id: String,
    pub application: Application,
    #[serde(default)]
    pub attributes: serde_json::Map<String, Value>,
    pub user: User,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub application_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub user_id: String,
    /// Present only once the account is linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub person_id: String,
    /// Omitted when the recognized person has not linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Context {
    #[serde(rename = "System")]
    pub system: SystemState,
    #[serde(rename = "Viewport", default, skip_serializing_if = "Option::is_none")]
    pub viewport: Option<Value>,
    /// The APL document on screen: its token, version and visible components.
    #[serde(
        rename = "Alexa.Presentation.APL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub apl: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SystemState {
    pub application: Application,
    pub user: User,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    pub device: Device,
    pub api_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_access_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub device_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_endpoint_id: Option<String>,
    pub supported_interfaces: Value,
}

impl RequestEnvelope {
    /// The token a skill should use: the recognized person's if present, else the account's
    /// (docs/design.md "Wire formats" §5).
    pub fn access_token(&self) -> Option<&str> {
        self.context
            .system
            .person
            .as_ref()
            .and_then(|p| p.access_token.as_deref())
            .or(self.context.system.user.access_token.as_deref())
    }

    /// `request.type`, e.g. `LaunchRequest`.
    pub fn request_type(&self) -> &str {
        self.request
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `request.locale`, e.g. `en-US`.
    pub fn locale(&self) -> &str {
        self.request
            .get("locale")
            .and_then(Value::as_str)
            .unwrap_or("en-US")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResponseEnvelope {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_attributes: Option<serde_json::Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    pub response: Response,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_speech: Option<OutputSpeech>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reprompt: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub directives: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub should_end_session: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type")]
pub enum OutputSpeech {
    PlainText {
        text: String,
        #[serde(
            rename = "playBehavior",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        play_behavior: Option<String>,
    },
    #[serde(rename = "SSML")]
    Ssml {
        ssml: String,
        #[serde(
            rename = "playBehavior",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        play_behavior: Option<String>,
    },
}

impl OutputSpeech {
    /// The words spoken, with SSML tags removed and entities decoded.
    pub fn plain_text(&self) -> String {
        match self {
            OutputSpeech::PlainText { text, .. } => text.clone(),
            OutputSpeech::Ssml { ssml, .. } => strip_ssml(ssml),
        }
    }
}

/// Removes SSML markup: tags dropped, the five XML entities decoded, whitespace collapsed.
pub fn strip_ssml(ssml: &str) -> String {
    let mut out = String::with_capacity(ssml.len());
    let mut in_tag = false;
    for c in ssml.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    // Tags removed next to punctuation leave "word ." behind.
    collapsed
        .replace(" .", ".")
        .replace(" ,", ",")
        .replace(" !", "!")
        .replace(" ?", "?")
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type")]
pub enum Card {
    Simple {
        #[serde(default)]
        title: Option<String>,
        #[serde(default)]
        content: Option<String>,
    },
    Standard {
        #[serde(default)]
        title: Option<String>,
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        image: Option<Value>,
    },
    LinkAccount,
    AskForPermissionsConsent {
        #[serde(default)]
        permissions: Vec<String>,
    },
}

impl ResponseEnvelope {
    /// A response that speaks `text` and optionally shows a card.
    pub fn speak(text: &str, card: Option<Card>, end_session: bool) -> Self {
        ResponseEnvelope {
            version: "1.0".into(),
            session_attributes: Some(Default::default()),
            user_agent: None,
            response: Response {
                output_speech: Some(OutputSpeech::PlainText {
                    text: text.into(),
                    play_behavior: None,
                }),
                card,
                reprompt: None,
                directives: vec![],
                should_end_session: Some(end_session),
            },
        }
    }

    /// True when the skill asked the user to link (a `LinkAccount` card).
    pub fn asks_to_link(&self) -> bool {
        matches!(self.response.card, Some(Card::LinkAccount))
    }

    /// The skill's `Connections.StartConnection` directive, if any (docs/design.md "Wire formats" §4).
    pub fn start_connection(&self) -> Option<StartConnection> {
        self.response
            .directives
            .iter()
            .find(|d| d.get("type").and_then(Value::as_str) == Some("Connections.StartConnection"))
            .and_then(|d| serde_json::from_value(d.clone()).ok())
    }
}

/// `Connections.StartConnection` (ask-sdk-model `start_connection_directive.py`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StartConnection {
    pub uri: String,
    /// `RESUME_SESSION` (the default) or `SEND_ERRORS_ONLY`.
    #[serde(default)]
    pub on_completion: Option<String>,
    #[serde(default)]
    pub input: Option<Value>,
    /// Echoed back in the SessionResumedRequest's `cause.token`.
    #[serde(default)]
    pub token: Option<String>,
}

/// The connection URI of voice-forward account linking.
pub const ASK_FOR_ACCOUNT_LINKING: &str = "connection://AMAZON.AskForAccountLinking/1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssml_is_stripped() {
        assert_eq!(
            strip_ssml(
                "<speak>Hello <break time='1s'/> <emphasis>there</emphasis>. Tom &amp; Jerry</speak>"
            ),
            "Hello there. Tom & Jerry"
        );
    }

    #[test]
    fn link_account_card_round_trips() {
        let r = ResponseEnvelope::speak("Please link", Some(Card::LinkAccount), true);
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(
            j["response"]["card"],
            serde_json::json!({"type": "LinkAccount"})
        );
        assert_eq!(j["response"]["shouldEndSession"], true);
        assert_eq!(j["response"]["outputSpeech"]["type"], "PlainText");
        let back: ResponseEnvelope = serde_json::from_value(j).unwrap();
        assert!(back.asks_to_link());
    }

    #[test]
    fn person_token_wins_over_account_token() {
        let j = serde_json::json!({
            "version": "1.0",
            "context": {"System": {
                "application": {"applicationId": "a"},
                "user": {"userId": "u", "accessToken": "account"},
                "person": {"personId": "p", "accessToken": "person"},
                "device": {"deviceId": "d", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com"}},
            "request": {"type": "LaunchRequest", "locale": "de-DE"}
        });
        let env: RequestEnvelope = serde_json::from_value(j).unwrap();
        assert_eq!(env.access_token(), Some("person"));
        assert_eq!(env.locale(), "de-DE");
    }
}
