//! The fixed screens `shoot` draws and the emulator previews: every subject (scene, keyboard,
//! emulator) with made-up but realistic data (a code, a clock, a journey's events). What
//! only the services know (the sample server's sign-in pages, the report's findings) is
//! handed in.
//!
//! Must not import: `backend`, `device`, `shots`, `app`, `cli`.

use super::model;
use crate::flow::{LinkCode, Millis, PageKind, Scene, SkillAnswer, State, Step};
use crate::locale::tr;
use crate::protocol::viewport::DeviceProfile;

/// The fixed clock of every shot: 32 s after the code was issued.
pub const FIXTURE_NOW: Millis = 32_000;

/// What one shot shows: a scene, or (`keyboard`) the login scene with a field focused and
/// the on-screen keyboard up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub id: &'static str,
    pub scene: Scene,
    pub keyboard: bool,
    /// The designer's emulator window around the scene, its panel on this tab
    /// (0 events, 2 report).
    pub panel: Option<i32>,
    /// An APL document (`shoot --apl`): its index among the loaded documents, drawn on the
    /// skill-response scene.
    pub apl: Option<u16>,
}

/// Every shot subject, in `shoot` order: each scene, then `keyboard`.
pub fn subjects() -> Vec<Subject> {
    let mut v: Vec<Subject> = Scene::ALL
        .iter()
        .map(|s| Subject {
            id: s.id(),
            scene: *s,
            keyboard: false,
            panel: None,
            apl: None,
        })
        .collect();
    v.push(Subject {
        id: "keyboard",
        scene: Scene::Login,
        keyboard: true,
        panel: None,
        apl: None,
    });
    v.push(Subject {
        id: "emulator",
        scene: Scene::LinkPrompt,
        keyboard: false,
        panel: Some(0),
        apl: None,
    });
    v.push(Subject {
        id: "emulator-report",
        scene: Scene::SkillResponse,
        keyboard: false,
        panel: Some(2),
        apl: None,
    });
    v
}

/// The screen model of a shot subject (also the emulator's scene preview).
pub fn fixture_model(
    subject: Subject,
    p: &DeviceProfile,
    locale: &str,
    skill_name: &str,
    invocation: &str,
    household: &[crate::config::Profile],
    page_html: Option<String>,
) -> model::UiModel {
    let state = fixture(subject.scene, locale);
    let mut m = model::build(
        subject.scene,
        &state,
        FIXTURE_NOW,
        locale,
        skill_name,
        invocation,
        &model::Talk {
            household,
            speaker: Some("Annie"),
            scopes: &["profile".to_owned()],
        },
    );
    m.page = page_html.map(|html| fixture_page(html, subject.keyboard, locale, p.touch));
    if subject.scene == Scene::VoiceLink {
        // What the person in front of it said: in the device's language.
        m.heard = crate::locale::tr("alexa.approve_phrase", locale, &[]);
        m.listening = true;
    }
    m
}

/// The emulator panel of the `emulator` shots: a journey's events, one selected, and a
/// report of these findings.
pub fn fixture_panel(
    p: &DeviceProfile,
    locale: &str,
    tab: i32,
    findings: Vec<crate::findings::Finding>,
) -> super::emulator::Panel {
    use serde_json::json;
    let envelope = json!({"version": "1.0", "request": {"type": "LaunchRequest", "requestId": "amzn1.echo-api.request.fixture", "locale": locale}, "context": {"System": {"user": {"userId": "amzn1.ask.account.fixture"}}}});
    let mut events = vec![
        json!({"type": "start", "t": 3, "backend": "http://127.0.0.1:8686", "device": p.id, "locale": locale}),
        json!({"type": "scene", "t": 5, "scene": "home"}),
        json!({"type": "nlu", "t": 12, "utterance": "Alexa, open ride hailer", "result": "launch"}),
        json!({"type": "skill_request", "t": 15, "url": "http://127.0.0.1:8686/ridehailer/skill", "body": envelope}),
        json!({"type": "skill_response", "t": 41, "body": {"version": "1.0", "response": {"outputSpeech": {"type": "PlainText", "text": "To use Ride Hailer, link your account."}, "card": {"type": "LinkAccount"}, "shouldEndSession": true}}}),
        json!({"type": "device_authorization", "t": 52, "user_code": "WDJB-MJHT", "expires_in": 600, "interval": 5}),
        json!({"type": "prompt", "t": 53, "user_code": "WDJB-MJHT", "verification_uri": "http://127.0.0.1:8686/device", "qr_url": "http://127.0.0.1:8686/device?user_code=WDJB-MJHT"}),
        json!({"type": "scene", "t": 54, "scene": "link-prompt"}),
        json!({"type": "poll", "t": 5061, "result": "authorization_pending", "elapsed_ms": 5004, "wait_s": 5}),
        json!({"type": "token_exchange", "t": 9020, "grant_type": "authorization_code", "result": "ok", "elapsed_ms": 4720, "expires_in": 3600, "refresh_token": true}),
        json!({"type": "conformance", "t": 9021, "level": "reject", "rule": "token-endpoint-slow"}),
    ];
    // The panel lists the newest first.
    events.reverse();
    super::emulator::Panel {
        skill_name: "Ride Hailer".into(),
        device: p.id.into(),
        locale: locale.into(),
        speaker: "Annie".into(),
        preview: String::new(),
        user_code: "WDJB-MJHT".into(),
        can_open_phone: true,
        status: String::new(),
        selected: Some(7),
        events,
        faults: crate::faults::Fault::ALL
            .into_iter()
            .map(|f| (f, f == crate::faults::Fault::SlowAuth, true))
            .collect(),
        findings,
        tab,
    }
}

/// The device's browser on a sign-in page (`html`, handed in: the sample server's real
/// pages), for the login, terms, consent and keyboard shots; `keyboard`: the password field
/// focused with a few letters typed.
pub fn fixture_page(html: String, keyboard: bool, locale: &str, touch: bool) -> model::PageView {
    use super::signin::{Msg, SignIn, Todo};
    let url = "https://ridehailer.example/ridehailer/oauth/authorize";
    let mut s = SignIn::new(None);
    if let Todo::Load { seq, .. } = s.handle(Msg::Navigate(url.into())) {
        s.handle(Msg::Loaded {
            seq,
            result: Ok(crate::clients::phone::Page {
                url: url::Url::parse(url).expect("valid URL"),
                status: 200,
                html,
            }),
        });
    }
    if keyboard && let Some(pw) = s.find_field("password") {
        s.handle(Msg::Press { item: pw });
        for c in "ride-h".chars() {
            s.handle(Msg::Key(c.to_string()));
        }
    }
    s.view(locale, touch)
}

/// The fixture state shown for a scene.
pub fn fixture(scene: Scene, locale: &str) -> State {
    // The link prompt, showing the QR code or the device's browser on a page of `view`.
    let prompt = |view| State::Prompt {
        code: LinkCode {
            device_code: "fixture".into(),
            user_code: "WDJB-MJHT".into(),
            verification_uri: "http://127.0.0.1:8686/device".into(),
            verification_uri_complete: Some(
                "http://127.0.0.1:8686/device?user_code=WDJB-MJHT".into(),
            ),
            expires_at: 600_000,
            interval_ms: 5_000,
        },
        skill_speech: None,
        epoch: 1,
        view,
    };
    let browser = |kind| prompt(crate::flow::View::Browser(kind));
    match scene {
        Scene::Login => browser(PageKind::Login),
        Scene::Terms => browser(PageKind::Terms),
        Scene::Consent => browser(PageKind::Consent),
        Scene::Linking => browser(PageKind::Finishing),
        Scene::Home => State::Home,
        Scene::Invoking => State::Invoking { token: None },
        Scene::LinkPrompt => prompt(crate::flow::View::Qr),
        Scene::ProfilePicker => State::Picking { skill_speech: None },
        Scene::Success => State::Success {
            until: FIXTURE_NOW + 2_000,
            token: "fixture".into(),
        },
        Scene::SkillResponse => State::SkillResponse(SkillAnswer {
            speech: Some(tr("skill.linked", locale, &[("name", "Annie")])),
            ..Default::default()
        }),
        Scene::CodeExpired => State::CodeExpired,
        Scene::AccessDenied => State::AccessDenied,
        Scene::LinkFailed => State::LinkFailed {
            reason: "invalid_grant: linking failed: the token endpoint did not answer within 4.5 s"
                .into(),
        },
        Scene::ServerUnreachable => State::Unreachable {
            step: Step::Poll,
            reason: "http://127.0.0.1:8686/oauth/token: connection refused".into(),
            retry_at: FIXTURE_NOW + 4_000,
            attempt: 2,
            resume: None,
        },
        Scene::SkillError => State::SkillError {
            reason: "the skill's answer is not a response envelope: missing field `version`".into(),
        },
        Scene::VoiceLink => State::VoiceLink {
            link: crate::flow::LinkRequest {
                token: "accountLinking".into(),
                errors_only: false,
            },
            step: crate::flow::VoiceStep::Code { retry: false },
            tries: 0,
        },
    }
}
