//! Scene -> what the screen says: every user-visible string, translated, and
//! the QR payload. Pure (no Slint), so it is unit-tested without rendering.

use crate::flow::{Millis, PageKind, Scene, State, View};
use crate::locale::tr;

/// Everything the UI shows for one state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UiModel {
    pub scene: &'static str,
    pub title: String,
    pub body: String,
    pub caption: String,
    pub skill_speech: String,
    pub or_visit: String,
    pub verification_url: String,
    pub enter_code: String,
    pub user_code: String,
    pub countdown: String,
    pub primary_label: String,
    pub secondary_label: String,
    /// Text to encode in the QR code (verification_uri_complete).
    pub qr_payload: Option<String>,
    /// Household profiles on the profile picker: (name, initials, #rrggbb).
    pub profiles: Vec<(String, String, String)>,
    /// The device's browser (login, terms, consent scenes), set by the runtime.
    pub page: Option<PageView>,
    /// The words last said to the device (shown while the dialog goes on), set by the runtime.
    pub heard: String,
    /// The microphone is open: a session or Alexa's question waits for an answer.
    pub listening: bool,
    /// What is said aloud on this screen (Alexa's or the skill's line; `--speak`).
    pub spoken: String,
    /// One small line of technical detail under an error (English, for the developer; the
    /// event log has the whole story).
    pub details: String,
    /// The locale's script runs right to left: the screen is mirrored.
    pub rtl: bool,
    /// The skill's APL screen (on the skill-response scene), set by the runtime.
    pub apl: Option<std::sync::Arc<crate::apl::Snapshot>>,
}

impl UiModel {
    /// The model without what changes by the clock alone (the countdowns): two screens equal
    /// here look the same but for the seconds shown.
    pub fn without_clock(&self) -> UiModel {
        UiModel {
            countdown: String::new(),
            ..self.clone()
        }
    }
}

/// At most this many characters of a technical reason on screen.
const DETAILS_CHARS: usize = 140;

/// The one-line "details" of a technical reason.
fn details_of(reason: &str) -> String {
    let line = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > DETAILS_CHARS {
        line.chars().take(DETAILS_CHARS - 1).collect::<String>() + "…"
    } else {
        line
    }
}

/// Who is talking to the device, for the lines that name them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Talk<'a> {
    pub household: &'a [crate::config::Profile],
    /// The recognized speaker's name.
    pub speaker: Option<&'a str>,
    /// The account-linking scopes Alexa asks permission for.
    pub scopes: &'a [String],
}

/// "your name and email address": the Login with Amazon scopes Alexa's permission question
/// names (unknown scopes are named as they are when no known one is there).
pub fn scope_phrase(scopes: &[String], locale: &str) -> String {
    let known: Vec<String> = scopes
        .iter()
        .filter_map(|s| match s.as_str() {
            "profile" => Some(tr("alexa.scope_profile", locale, &[])),
            "profile:user_id" => Some(tr("alexa.scope_user_id", locale, &[])),
            "postal_code" => Some(tr("alexa.scope_postal_code", locale, &[])),
            _ => None,
        })
        .collect();
    let parts = if known.is_empty() {
        scopes.to_vec()
    } else {
        known
    };
    parts.join(&format!(" {} ", tr("alexa.and", locale, &[])))
}

/// The device's browser as the screen draws it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageView {
    /// The page runs right to left (its `dir`): its text aligns right, its buttons start there.
    pub rtl: bool,
    /// The host in the address bar, and whether it came over https.
    pub address: String,
    pub secure: bool,
    pub title: String,
    pub loading: bool,
    pub items: Vec<ItemView>,
    /// The focused item (-1: none).
    pub focus: i32,
    /// The on-screen keyboard shows.
    pub keyboard: bool,
    /// The keyboard shows Latin letters (else the locale's script: Arabic).
    pub keyboard_latin: bool,
    /// The keyboard has a key switching between the locale's script and Latin.
    pub keyboard_switch: bool,
    /// Password fields show their text.
    pub reveal: bool,
    /// A notice instead of the page: unreachable (action `retry`) or needs a full browser
    /// (action `open-external`).
    pub notice_title: String,
    pub notice_body: String,
    pub notice_action: String,
    pub notice_label: String,
    pub loading_label: String,
    pub back_label: String,
    pub close_label: String,
    pub not_secure_label: String,
    pub show_label: String,
    pub hide_label: String,
    pub go_label: String,
    pub space_label: String,
    /// The focused field, shown above the on-screen keyboard.
    pub compose_label: String,
    pub compose_value: String,
    pub compose_password: bool,
}

/// One item of a page: `heading`, `paragraph`, `error`, `link`, `image`, `field`, `checkbox`,
/// `radio`, `select` or `button`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemView {
    pub kind: &'static str,
    pub text: String,
    /// A field's text, a select's chosen label.
    pub value: String,
    pub password: bool,
    pub checked: bool,
    /// The page's first button: its main action.
    pub primary: bool,
    /// The control's `name` and (for inputs) `type`, for scripts' `fill` and `submit`.
    pub name: String,
    pub input_type: String,
}

/// `m:ss`, or `h:mm:ss` past an hour.
pub fn mmss(ms: Millis) -> String {
    let s = ms.div_ceil(1000);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Builds the model of `state` at `now`.
pub fn build(
    scene: Scene,
    state: &State,
    now: Millis,
    locale: &str,
    skill_name: &str,
    invocation: &str,
    talk: &Talk,
) -> UiModel {
    let household = talk.household;
    let t = |k: &str| tr(k, locale, &[("skill_name", skill_name)]);
    let mut m = UiModel {
        scene: scene.id(),
        rtl: crate::locale::is_rtl(locale),
        ..Default::default()
    };
    match state {
        State::Home => {
            m.title = skill_name.to_owned();
            // Tapping the hint says it: the touch equivalent of the utterance.
            m.primary_label = tr("device.home_hint", locale, &[("skill_name", invocation)]);
        }
        State::Invoking { .. } | State::RequestingCode { .. } | State::Launching { .. } => {
            m.title = t("device.invoking");
            m.body = t("device.listening");
        }
        State::Prompt {
            view: View::Browser(PageKind::Finishing),
            ..
        } => {
            m.title = t("device.linking_title");
            m.body = t("device.linking_body");
        }
        State::Prompt {
            view: View::Browser(_),
            ..
        } => {
            // The page itself comes from the runtime's browser session (`page`).
            m.secondary_label = t("device.browser_close");
        }
        State::Prompt {
            code, skill_speech, ..
        } => {
            m.caption = t("device.link_caption");
            m.skill_speech = skill_speech.clone().unwrap_or_default();
            m.or_visit = t("device.or_visit");
            m.verification_url = code.verification_uri.clone();
            m.enter_code = t("device.enter_code");
            m.user_code = code.user_code.clone();
            m.countdown = tr(
                "device.expires_in",
                locale,
                &[(
                    "time",
                    &crate::locale::digits(locale, &mmss(code.expires_at.saturating_sub(now))),
                )],
            );
            m.primary_label = t("device.sign_in_here");
            m.qr_payload = Some(code.complete_uri());
            // Alexa says the prompt's line as the QR code appears (the seed's words).
            m.spoken = m.caption.clone();
        }
        State::Picking { .. } => {
            m.title = t("device.who_title");
            m.body = t("device.who_body");
            m.secondary_label = t("device.back");
            m.profiles = household
                .iter()
                .map(|p| (p.name.clone(), p.initials(), p.colour.clone()))
                .collect();
        }
        State::Success { .. } => {
            m.title = t("device.success_title");
            m.body = t("device.success_body");
        }
        State::SkillResponse(a) => {
            m.title = a
                .card_title
                .clone()
                .unwrap_or_else(|| skill_name.to_owned());
            m.body = [a.speech.clone(), a.card_text.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\n\n");
            m.primary_label = t("device.home");
        }
        State::CodeExpired => {
            m.title = t("device.expired_title");
            m.body = t("device.expired_body");
            m.primary_label = t("device.new_code");
            m.secondary_label = t("device.home");
        }
        State::LinkFailed { .. } => {
            // The reason is in the event log and on the phone; the screen says what to do.
            m.title = t("device.link_failed_title");
            m.body = t("device.link_failed_body");
            m.primary_label = t("device.new_code");
            m.secondary_label = t("device.home");
        }
        State::AccessDenied => {
            m.title = t("device.denied_title");
            m.body = t("device.denied_body");
            m.primary_label = t("device.try_again");
            m.secondary_label = t("device.home");
        }
        State::Unreachable {
            reason, retry_at, ..
        } => {
            // The service answered, but its database failed: not a network problem.
            m.title = if reason.contains(crate::protocol::oauth::STORAGE_ERROR) {
                t("device.storage_title")
            } else {
                t("device.unreachable_title")
            };
            let left = retry_at.saturating_sub(now);
            m.countdown = if left == 0 {
                // The retry is on its way: the screen stays until it is answered.
                t("device.retrying")
            } else {
                let secs = crate::locale::digits(locale, &left.div_ceil(1000).to_string());
                tr("device.unreachable_body", locale, &[("secs", &secs)])
            };
            m.details = details_of(reason);
            m.primary_label = t("device.retry_now");
            m.secondary_label = t("device.home");
        }
        State::SkillError { reason } => {
            m.title = t("device.skill_error_title");
            // What Alexa says; the developer's reason is the small print.
            m.body = t("device.skill_error_body");
            m.details = details_of(reason);
            m.primary_label = t("device.try_again");
            m.secondary_label = t("device.home");
        }
        State::VoiceLink { step, .. } => {
            use crate::flow::{LinkOutcome as O, VoiceStep as V};
            let name = talk.speaker.unwrap_or_default();
            let a = |k: &str| {
                tr(
                    k,
                    locale,
                    &[
                        ("skill_name", skill_name),
                        ("name", name),
                        ("scopes", &scope_phrase(talk.scopes, locale)),
                    ],
                )
            };
            m.title = skill_name.to_owned();
            m.caption = match step {
                V::Permission => a("alexa.vf_permission"),
                V::SendingCode => a("alexa.vf_sending"),
                V::Code { retry: false } => a("alexa.vf_code"),
                V::Code { retry: true } => a("alexa.vf_wrong_code"),
                V::Verifying => a("alexa.vf_checking"),
                V::Saying { outcome: o, .. } | V::Resuming(o) | V::Done(o) => match o {
                    O::Linked => a("alexa.vf_linked"),
                    O::Denied => a("alexa.vf_denied"),
                    O::RequirementsNotMet => a("alexa.vf_no_voice_profile"),
                    O::NotVerified => a("alexa.vf_not_verified"),
                    O::NotEnabled => a("alexa.vf_not_enabled"),
                    O::Failed(_) => a("alexa.vf_failed"),
                },
            };
            m.body = match step {
                V::Permission => a("alexa.vf_permission_hint"),
                V::Code { .. } => a("alexa.vf_code_hint"),
                _ => String::new(),
            };
            if matches!(step, V::SendingCode | V::Verifying) {
                m.body = String::new();
            } else {
                m.spoken = m.caption.clone();
            }
            if matches!(step, V::Done(_)) {
                // The session is over: what to say next.
                m.body = tr("device.home_hint", locale, &[("skill_name", invocation)]);
                m.primary_label = t("device.home");
            } else {
                m.secondary_label = t("device.home");
            }
        }
    }
    if let State::SkillResponse(a) = state {
        m.spoken = a.speech.clone().unwrap_or_default();
    }
    m
}

/// A live part of the link prompt a screenshot check can leave out (`--mask`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Masked {
    /// The user code.
    Code,
    /// The QR code's payload.
    Qr,
    /// The countdown.
    Countdown,
    /// The verification URL's digits (a run's port, an address).
    Url,
}

/// `text` with every character `which` picks replaced by `with` (same length, same shape).
fn stand_in(text: &str, which: impl Fn(char) -> bool, with: char) -> String {
    text.chars()
        .map(|c| if which(c) { with } else { c })
        .collect()
}

impl UiModel {
    /// The model with these parts replaced by fixed stand-ins of the same shape: every letter
    /// and digit of the code becomes `X`, the countdown's and the URL's digits `0`, the QR
    /// payload a run of `x` as long as the real one (so the QR keeps its size and the layout
    /// does not move).
    pub fn masked(&self, parts: &[Masked]) -> UiModel {
        let mut m = self.clone();
        for p in parts {
            match p {
                Masked::Code => m.user_code = stand_in(&m.user_code, char::is_alphanumeric, 'X'),
                Masked::Countdown => {
                    m.countdown = stand_in(&m.countdown, |c| c.is_ascii_digit(), '0');
                    m.countdown = stand_in(&m.countdown, |c| ('٠'..='٩').contains(&c), '٠');
                }
                Masked::Url => {
                    m.verification_url = stand_in(&m.verification_url, |c| c.is_ascii_digit(), '0')
                }
                Masked::Qr => {
                    m.qr_payload = m.qr_payload.as_ref().map(|q| "x".repeat(q.len()));
                }
            }
        }
        m
    }
}

/// A button of the device screen (the UI's `ScreenButton`; a script's `tap` names one by
/// its label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// The link prompt's "Sign in using this device".
    SignInHere,
    Primary,
    Secondary,
}

/// Which flow event a button press means in a scene.
pub fn action_event(scene: &str, button: Button) -> Option<crate::flow::Event> {
    use crate::flow::Event as E;
    use Button::*;
    Some(match (scene, button) {
        ("link-prompt", SignInHere) => E::TapSignInHere,
        ("profile-picker", Secondary) => E::TapBack,
        ("login" | "terms" | "consent", Secondary) => E::TapCloseSignIn,
        ("login" | "terms" | "consent" | "linking", _) => return None,
        ("home", _) => E::Invoked,
        ("code-expired" | "access-denied" | "link-failed", Primary) => E::TapNewCode,
        ("server-unreachable", Primary) | ("skill-error", Primary) => E::TapRetry,
        (_, Secondary) | ("skill-response", Primary) => E::TapHome,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::LinkCode;

    #[test]
    fn prompt_shows_code_url_countdown_and_qr_payload() {
        let code = LinkCode {
            device_code: "d".into(),
            user_code: "WDJB-MJHT".into(),
            verification_uri: "http://127.0.0.1:1/device".into(),
            verification_uri_complete: Some("http://127.0.0.1:1/device?user_code=WDJB-MJHT".into()),
            expires_at: 600_000,
            interval_ms: 5000,
        };
        let st = State::Prompt {
            code,
            skill_speech: None,
            epoch: 1,
            view: View::Qr,
        };
        let m = build(
            Scene::LinkPrompt,
            &st,
            1_500,
            "en-US",
            "Ride Hailer",
            "ride hailer",
            &Talk::default(),
        );
        assert_eq!(
            m.caption,
            "To use Ride Hailer, you need to link your account. Scan the QR code on the screen with your phone."
        );
        assert_eq!(m.user_code, "WDJB-MJHT");
        assert_eq!(m.countdown, "Code expires in 9:59");
        assert_eq!(
            m.qr_payload.as_deref(),
            Some("http://127.0.0.1:1/device?user_code=WDJB-MJHT")
        );
        assert_eq!(m.primary_label, "Sign in using this device");
        let fr = build(
            Scene::LinkPrompt,
            &st,
            0,
            "fr-CA",
            "Ride Hailer",
            "ride hailer",
            &Talk::default(),
        );
        assert!(fr.caption.starts_with("Pour utiliser Ride Hailer"));
        // Arabic counts the time in Arabic-Indic digits; the code and the URL stay Latin.
        let ar = build(
            Scene::LinkPrompt,
            &st,
            1_500,
            "ar-SA",
            "Ride Hailer",
            "ride hailer",
            &Talk::default(),
        );
        assert!(ar.countdown.contains("٩:٥٩"), "{}", ar.countdown);
        assert!(!ar.countdown.chars().any(|c| c.is_ascii_digit()));
        assert_eq!(ar.user_code, "WDJB-MJHT");
        assert!(
            ar.qr_payload
                .as_deref()
                .unwrap()
                .ends_with("user_code=WDJB-MJHT")
        );
        let masked = ar.masked(&[Masked::Countdown]);
        assert!(masked.countdown.contains("٠:٠٠"), "{}", masked.countdown);
    }

    #[test]
    fn consumer_screens_speak_the_devices_language_and_keep_the_reason_small() {
        let build_in = |st: &State, scene, locale, now| {
            build(
                scene,
                st,
                now,
                locale,
                "Ride Hailer",
                "ride hailer",
                &Talk::default(),
            )
        };
        let skill = State::SkillError {
            reason: "missing field `version`".into(),
        };
        let hi = build_in(&skill, Scene::SkillError, "hi-IN", 0);
        assert_eq!(hi.body, tr("device.skill_error_body", "hi-IN", &[]));
        assert!(!hi.body.contains("missing field"), "{}", hi.body);
        assert!(!hi.title.contains("isn’t"), "{}", hi.title);
        assert_eq!(hi.details, "missing field `version`");
        let down = State::Unreachable {
            step: crate::flow::Step::Poll,
            reason: "http://127.0.0.1:9/oauth/token: connection refused".into(),
            retry_at: 4_000,
            attempt: 0,
            resume: None,
        };
        let fr = build_in(&down, Scene::ServerUnreachable, "fr-FR", 1_000);
        assert_eq!(fr.countdown, "Nouvel essai dans 3 s…");
        assert!(!fr.body.contains("connection refused") && !fr.title.contains("connection"));
        assert_eq!(
            fr.details,
            "http://127.0.0.1:9/oauth/token: connection refused"
        );
        // The service answered that its database failed: a storage error, not the network.
        let storage = State::Unreachable {
            step: crate::flow::Step::Poll,
            reason: "http://127.0.0.1:8686/api/device/link: HTTP 500 Internal Server Error server_error: storage error: linkscreen's database could not be read or written".into(),
            retry_at: 4_000,
            attempt: 0,
            resume: None,
        };
        let st = build_in(&storage, Scene::ServerUnreachable, "en-US", 1_000);
        assert_eq!(st.title, "Storage error");
        assert!(st.details.contains("storage error"), "{}", st.details);
        // Due: the retry is on its way; the screen says so, and only the countdown moved.
        let due = build_in(&down, Scene::ServerUnreachable, "fr-FR", 4_000);
        assert_eq!(due.countdown, "Nouvel essai…");
        assert_eq!(due.without_clock(), fr.without_clock());
        // A reason too long for one line is cut.
        let long = State::SkillError {
            reason: "x ".repeat(200),
        };
        assert!(
            build_in(&long, Scene::SkillError, "en-US", 0)
                .details
                .chars()
                .count()
                <= 140
        );
    }

    #[test]
    fn countdown_format() {
        assert_eq!(mmss(0), "0:00");
        assert_eq!(mmss(59_001), "1:00");
        assert_eq!(mmss(3_600_000), "1:00:00");
    }
}
