//! What the APL engine says back: problems with a document (for the event log), what a command
//! asks of the device ([`Outcome`]), and the state of the screen's images.

use serde::Serialize;
use serde_json::Value;

/// Something wrong with, or not supported in, a document: for the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// `apl_error` (real Alexa would fail or show nothing) or `apl_unsupported` (linkscreen
    /// cannot draw it yet).
    pub kind: &'static str,
    /// JSON path into the directive or document.
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            kind: "apl_error",
            path: path.into(),
            message: message.into(),
        }
    }
    pub fn unsupported(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            kind: "apl_unsupported",
            path: path.into(),
            message: message.into(),
        }
    }
}

/// What a command asks of the device.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `SendEvent`: an `Alexa.Presentation.APL.UserEvent` request to the skill.
    UserEvent {
        arguments: Vec<Value>,
        source: Value,
        components: Value,
    },
    /// `OpenURL` (logged; the device does not browse).
    OpenUrl(String),
    /// `SpeakItem`: say this text (and show it as a caption).
    Speak(String),
    /// `Finish`: the skill's screen closes.
    Finish,
    /// What the event log notes: `Log`, `PlayMedia`, `ControlMedia` (nothing plays offline), a
    /// Video's `onTrackFail`, a `Reinflate`.
    Logged { command: String, detail: String },
}

/// An image of the screen: on its way, its bytes (as served: PNG or JPEG), or why not.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageState {
    Loading,
    Loaded(std::sync::Arc<Vec<u8>>),
    Failed(String),
    /// Not fetched on purpose (`shoot` is offline): a plain placeholder where it goes.
    Offline,
}

/// Images by source, as the screen has them.
pub type Images = std::collections::BTreeMap<String, ImageState>;
