//! The runtime driven with fake peers on tokio's paused clock: what the device shows and
//! sends, and when, without sockets or real waiting.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::clients::PeerError;
use crate::clients::api::{LinkingApi, PageLoader, SkillApi};
use crate::clients::linking::PollOutcome;
use crate::clients::phone::{Page, Request};
use crate::clients::skill::Identity;
use crate::device::{DeviceInput, DeviceSetup, Frame, spawn};
use crate::events::EventLog;
use crate::flow::{Event, Scene};
use crate::protocol::ask::{RequestEnvelope, ResponseEnvelope};
use crate::protocol::oauth::{DeviceAuthorization, TokenResponse};

/// A linking service that answers from a script: device authorizations in turn, then polls.
#[derive(Default)]
struct FakeLinking {
    codes: Mutex<Vec<Result<DeviceAuthorization, PeerError>>>,
    polls: Mutex<Vec<PollOutcome>>,
    /// When each poll arrived (tokio's clock).
    polled_at: Mutex<Vec<Instant>>,
}

fn code(user_code: &str, expires_in: u64) -> DeviceAuthorization {
    DeviceAuthorization {
        device_code: format!("dc-{user_code}"),
        user_code: user_code.into(),
        verification_uri: "http://127.0.0.1:9/device".into(),
        verification_uri_complete: Some(format!("http://127.0.0.1:9/device?user_code={user_code}")),
        expires_in,
        interval: Some(5),
    }
}

#[async_trait]
impl LinkingApi for FakeLinking {
    async fn device_authorization(&self, _: &str) -> Result<DeviceAuthorization, PeerError> {
        let mut c = self.codes.lock().unwrap();
        if c.len() > 1 {
            c.remove(0)
        } else {
            c[0].clone()
        }
    }
    async fn poll(&self, _: &str, _: u64) -> Result<PollOutcome, PeerError> {
        self.polled_at.lock().unwrap().push(Instant::now());
        let mut p = self.polls.lock().unwrap();
        Ok(if p.len() > 1 {
            p.remove(0)
        } else {
            p[0].clone()
        })
    }
    async fn fetch_link(&self, _: &str) -> Result<Option<String>, PeerError> {
        Ok(None)
    }
    async fn sign_in_url(&self, _: &str) -> Result<Option<String>, PeerError> {
        Ok(None)
    }
    async fn forward_card(&self, _: &str, _: Option<&str>) -> Result<(), PeerError> {
        Ok(())
    }
    async fn send_voice_code(&self, _: &str, _: &str) -> Result<(), PeerError> {
        Ok(())
    }
    async fn verify_voice_code(&self, _: &str, _: &str) -> Result<bool, PeerError> {
        Ok(false)
    }
    async fn unlink(&self, _: &str) -> Result<(), PeerError> {
        Ok(())
    }
    fn stores_links(&self) -> bool {
        false
    }
    fn links_by_voice(&self) -> bool {
        false
    }
    fn long_polls(&self) -> bool {
        false
    }
    fn link_redirect_prefix(&self) -> Option<String> {
        None
    }
}

/// A skill that records each envelope and answers with its `answers` in turn, then with
/// speech.
#[derive(Default)]
struct FakeSkill {
    seen: Mutex<Vec<Value>>,
    answers: Mutex<Vec<Value>>,
}

#[async_trait]
impl SkillApi for FakeSkill {
    async fn call(&self, env: &RequestEnvelope) -> Result<(ResponseEnvelope, Value), PeerError> {
        self.seen
            .lock()
            .unwrap()
            .push(serde_json::to_value(env).unwrap());
        let next = {
            let mut a = self.answers.lock().unwrap();
            (!a.is_empty()).then(|| a.remove(0))
        };
        let raw = next.unwrap_or_else(|| json!({"version": "1.0", "response": {"outputSpeech": {"type": "PlainText", "text": "Where to?"}, "shouldEndSession": true}}));
        crate::clients::skill::validate(raw)
    }
}

struct NoPages;

#[async_trait]
impl PageLoader for NoPages {
    async fn load(&self, _: &Request) -> Result<Page, PeerError> {
        Err(PeerError::Unreachable("no pages in this test".into()))
    }
}

fn setup(linking: Arc<FakeLinking>, skill: Arc<FakeSkill>) -> DeviceSetup {
    DeviceSetup {
        apl_context: None,
        apl_documents: None,
        images: Arc::new(crate::clients::images::Images::new()),
        profile: *crate::protocol::viewport::profile("echo-show-8").unwrap(),
        locale: "en-US".into(),
        skill_name: "Ride Hailer".into(),
        invocation: "ride hailer".into(),
        skill_in: Arc::new(|_: &str| None),
        skill_endpoint: "https://skill.example/".into(),
        identity: Identity {
            skill_id: "amzn1.ask.skill.test".into(),
            user_id: "amzn1.ask.account.test".into(),
            device_id: "amzn1.ask.device.test".into(),
            person_id: None,
        },
        linking,
        skill,
        pages: Arc::new(NoPages),
        account_linking: true,
        linking_required: true,
        personal_linking: false,
        household: vec![],
        speaker: None,
        open_browser: false,
        nlu: Default::default(),
        kiosk: None,
        faults: Default::default(),
        log: EventLog::new(None).unwrap(),
        voice_forward: false,
        scopes: vec![],
        speak: false,
        conform: Arc::new(|_| {}),
        stored_in: "test.db".into(),
        still_clock: false,
        apl_settle_ms: crate::apl::SETTLE_MS,
    }
}

fn start(s: DeviceSetup) -> (DeviceInput, mpsc::UnboundedReceiver<Frame>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let input = spawn(s, move |f| {
        let _ = tx.send(f);
    });
    (input, rx)
}

/// The first frame that shows `scene`, within `deadline` of the device's (paused) clock.
async fn until(rx: &mut mpsc::UnboundedReceiver<Frame>, scene: Scene, deadline: u64) -> Frame {
    frame_where(rx, deadline, &format!("{scene:?}"), |f| f.scene == scene).await
}

/// The first frame that `ok` accepts (`what`, for the failure), within `deadline` of the
/// device's clock.
async fn frame_where(
    rx: &mut mpsc::UnboundedReceiver<Frame>,
    deadline: u64,
    what: &str,
    ok: impl Fn(&Frame) -> bool,
) -> Frame {
    tokio::time::timeout(Duration::from_secs(deadline), async {
        loop {
            let f = rx.recv().await.expect("the device runs");
            if ok(&f) {
                return f;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} within {deadline} s"))
}

#[tokio::test(start_paused = true)]
async fn a_granted_code_launches_the_skill_with_the_token_after_polling_at_the_interval() {
    let linking = Arc::new(FakeLinking {
        codes: Mutex::new(vec![Ok(code("WDJB-MJHT", 600))]),
        polls: Mutex::new(vec![
            PollOutcome::Pending,
            PollOutcome::Pending,
            PollOutcome::Granted(TokenResponse {
                access_token: "Atza|granted".into(),
                token_type: "bearer".into(),
                expires_in: Some(3600),
                refresh_token: None,
                scope: None,
            }),
        ]),
        ..Default::default()
    });
    let skill = Arc::new(FakeSkill::default());
    let (input, mut rx) = start(setup(linking.clone(), skill.clone()));
    input.send(Event::Invoked);
    let prompt = until(&mut rx, Scene::LinkPrompt, 30).await;
    assert_eq!(prompt.model.user_code, "WDJB-MJHT");
    let answer = until(&mut rx, Scene::SkillResponse, 60).await;
    assert_eq!(answer.model.body, "Where to?");
    // Three polls, never closer together than the interval the service asked for.
    let at = linking.polled_at.lock().unwrap().clone();
    assert_eq!(at.len(), 3);
    for w in at.windows(2) {
        assert!(w[1] - w[0] >= Duration::from_secs(5), "{:?}", w[1] - w[0]);
    }
    // The skill heard the launch with the granted token, and only after the grant.
    let seen = skill.seen.lock().unwrap();
    let last = seen.last().expect("the skill was asked");
    assert_eq!(last["request"]["type"], "LaunchRequest");
    assert_eq!(
        last["context"]["System"]["user"]["accessToken"],
        "Atza|granted"
    );
}

#[tokio::test(start_paused = true)]
async fn a_code_nobody_enters_expires_on_the_devices_clock() {
    let linking = Arc::new(FakeLinking {
        codes: Mutex::new(vec![Ok(code("ABCD-EFGH", 30))]),
        polls: Mutex::new(vec![PollOutcome::Pending]),
        ..Default::default()
    });
    let (input, mut rx) = start(setup(linking.clone(), Arc::new(FakeSkill::default())));
    let began = Instant::now();
    input.send(Event::Invoked);
    until(&mut rx, Scene::LinkPrompt, 30).await;
    until(&mut rx, Scene::CodeExpired, 120).await;
    let took = Instant::now() - began;
    assert!(
        took >= Duration::from_secs(30) && took < Duration::from_secs(40),
        "expired after {took:?}"
    );
    // No poll after the code expired.
    let polls = linking.polled_at.lock().unwrap().clone();
    assert!(
        polls.iter().all(|t| *t - began <= Duration::from_secs(30)),
        "{polls:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_linking_service_that_is_down_shows_unreachable_and_retry_gets_a_code() {
    let linking = Arc::new(FakeLinking {
        codes: Mutex::new(vec![
            Err(PeerError::Unreachable(
                "127.0.0.1:9: connection refused".into(),
            )),
            Ok(code("RETR-YOK1", 600)),
        ]),
        polls: Mutex::new(vec![PollOutcome::Pending]),
        ..Default::default()
    });
    let skill = Arc::new(FakeSkill::default());
    let (input, mut rx) = start(setup(linking, skill.clone()));
    input.send(Event::Invoked);
    let down = until(&mut rx, Scene::ServerUnreachable, 30).await;
    assert!(!down.model.primary_label.is_empty(), "a retry button");
    input.send(Event::TapRetry);
    let prompt = until(&mut rx, Scene::LinkPrompt, 30).await;
    assert_eq!(prompt.model.user_code, "RETR-YOK1");
    // Required linking: the skill is not asked while unlinked.
    assert!(skill.seen.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn with_a_still_clock_the_prompt_keeps_its_countdown_until_the_code_expires() {
    let frames_of = |still: bool| async move {
        let linking = Arc::new(FakeLinking {
            codes: Mutex::new(vec![Ok(code("STIL-LCLK", 30))]),
            polls: Mutex::new(vec![PollOutcome::Pending]),
            ..Default::default()
        });
        let mut s = setup(linking, Arc::new(FakeSkill::default()));
        s.still_clock = still;
        let (input, mut rx) = start(s);
        input.send(Event::Invoked);
        let first = until(&mut rx, Scene::LinkPrompt, 30).await;
        let mut shown = vec![first.model.countdown];
        loop {
            let f = rx.recv().await.expect("the device runs");
            match f.scene {
                Scene::LinkPrompt => shown.push(f.model.countdown),
                Scene::CodeExpired => break shown,
                _ => {}
            }
        }
    };
    // A still clock: one prompt frame, its countdown as first shown, then the code expires.
    let still = frames_of(true).await;
    assert_eq!(still.len(), 1, "{still:?}");
    assert!(still[0].contains("0:30"), "{still:?}");
    // The real clock counts down on screen, a frame a second.
    let running = frames_of(false).await;
    assert!(running.len() >= 29, "{running:?}");
    assert!(running.iter().any(|c| c.contains("0:01")), "{running:?}");
}

/// Packages that arrive only when the test lets them.
struct HeldPackages {
    gate: tokio::sync::Notify,
}

#[async_trait]
impl crate::clients::api::ImageLoader for HeldPackages {
    async fn load(&self, _: &str) -> Result<Vec<u8>, PeerError> {
        self.gate.notified().await;
        Ok(br#"{"type": "APL", "version": "1.9"}"#.to_vec())
    }
}

/// A document still fetching its own packages when the skill's next response brings commands
/// for it: they run once it shows, as a device runs directives in order (before, they found
/// no document on screen and were dropped).
#[tokio::test(start_paused = true)]
async fn commands_for_a_document_still_loading_its_packages_run_once_it_shows() {
    let skill = Arc::new(FakeSkill::default());
    *skill.answers.lock().unwrap() = vec![
        json!({"version": "1.0", "response": {"shouldEndSession": false,
            "outputSpeech": {"type": "PlainText", "text": "Welcome."},
            "directives": [{"type": "Alexa.Presentation.APL.RenderDocument", "token": "doc",
                "document": {"type": "APL", "version": "1.9",
                    "import": [{"name": "mine", "version": "1.0", "source": "http://127.0.0.1:9/mine.json"}],
                    "mainTemplate": {"items": [{"type": "Text", "id": "t", "text": "Before"}]}}}]}}),
        json!({"version": "1.0", "response": {"shouldEndSession": false,
            "outputSpeech": {"type": "PlainText", "text": "Noted."},
            "directives": [{"type": "Alexa.Presentation.APL.ExecuteCommands", "token": "doc",
                "commands": [{"type": "SetValue", "componentId": "t", "property": "text", "value": "After"}]}]}}),
    ];
    let packages = Arc::new(HeldPackages {
        gate: tokio::sync::Notify::new(),
    });
    let mut s = setup(Arc::new(FakeLinking::default()), skill.clone());
    s.account_linking = false;
    s.linking_required = false;
    s.images = packages.clone();
    let (input, mut rx) = start(s);
    input.send(Event::Invoked);
    frame_where(&mut rx, 30, "the welcome", |f| f.model.body == "Welcome.").await;
    // The user says something in the session: an intent the skill answers with commands.
    input.send(Event::Heard(crate::flow::IntentCall {
        name: "AMAZON.HelpIntent".into(),
        slots: vec![],
    }));
    let noted = frame_where(&mut rx, 30, "the second answer", |f| {
        f.model.body == "Noted."
    })
    .await;
    assert!(noted.model.apl.is_none(), "the document is still loading");
    packages.gate.notify_one();
    let shown = frame_where(&mut rx, 30, "the document", |f| f.model.apl.is_some()).await;
    let texts = shown.model.apl.as_ref().unwrap().texts();
    assert_eq!(texts, vec!["After".to_owned()]);
    assert_eq!(skill.seen.lock().unwrap().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn switching_the_locale_invokes_the_skill_by_its_name_in_that_locale() {
    let linking = Arc::new(FakeLinking::default());
    let skill = Arc::new(FakeSkill::default());
    let mut s = setup(linking, skill);
    s.skill_in = Arc::new(|l: &str| {
        (l == "ja-JP").then(|| {
            (
                "ライドヘイラー".into(),
                crate::project::nlu::Nlu {
                    invocation: "ライドヘイラー".into(),
                    model: None,
                },
            )
        })
    });
    let (input, mut rx) = start(s);
    input.configure(crate::view::port::Settings {
        locale: Some("ja-JP".into()),
        ..Default::default()
    });
    let home = frame_where(
        &mut rx,
        10,
        "a home screen naming ライドヘイラー",
        |f| f.scene == Scene::Home && format!("{:?}", f.model).contains("ライドヘイラー"),
    )
    .await;
    assert!(
        !format!("{:?}", home.model).contains("ride hailer"),
        "{:?}",
        home.model
    );
}
