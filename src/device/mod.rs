//! The device runtime: feeds events into the flow, carries out its effects
//! with tokio (polling, timers, requests), logs every exchange, and publishes
//! the screen model after each change. Data flows one way: clients produce
//! events -> flow decides -> view renders.

mod run;

pub use crate::view::port::Settings;
pub use run::{
    Prepare, ended_by, fail, first_utterance, log_and_runtime, on_signals, prepare, shutdown,
};

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::clients::PeerError;
use crate::clients::linking::{LinkingClient, PollOutcome};
use crate::clients::phone::{Browser, Request};
use crate::clients::skill::{self, Identity};
use crate::events::EventLog;
use crate::flow::{
    Effect, Event, Flow, FlowConfig, LinkCode, Millis, Scene, SkillAnswer, State, Step, View,
};
use crate::protocol::ask::Card;
use crate::protocol::viewport::DeviceProfile;
use crate::view::model::{self, UiModel};
use crate::view::signin::{self, SignIn};

/// Everything the runtime needs to talk to the world.
#[derive(Clone)]
pub struct DeviceSetup {
    pub profile: DeviceProfile,
    pub locale: String,
    pub skill_name: String,
    pub invocation: String,
    pub skill_endpoint: String,
    pub identity: Identity,
    pub linking: LinkingClient,
    /// The skill has account linking at all (a configuration, the sample server's, or a
    /// device grant); without it requests go straight to the skill.
    pub account_linking: bool,
    pub linking_required: bool,
    pub personal_linking: bool,
    pub household: Vec<crate::config::Profile>,
    /// The recognized speaker's person id (PROTOCOL.md §5); None: not recognized.
    pub speaker: Option<String>,
    /// Open pages that need JavaScript in the desktop browser (windowed runs).
    pub open_browser: bool,
    /// The skill's Lambda handler run locally (`--skill-dir` with a Lambda endpoint); requests
    /// go to it instead of `skill_endpoint`.
    pub lambda: Option<std::sync::Arc<crate::clients::lambda::LambdaRunner>>,
    /// What the device understands of utterances (invocation name, interaction model).
    pub nlu: crate::project::nlu::Nlu,
    /// Kiosk mode (`linkscreen kiosk`): idle reset, unlink after a journey, attract screen.
    pub kiosk: Option<crate::flow::Kiosk>,
    /// Faults switched on (shared with the embedded backend); the device's own HTTP clients
    /// go through [`crate::backend::faults::Faults::proxy`].
    pub faults: std::sync::Arc<crate::backend::faults::Faults>,
    pub http: reqwest::Client,
    pub log: EventLog,
    /// `voiceForwardAccountLinking: ENABLED` in the configuration in force.
    pub voice_forward: bool,
    /// The account-linking scopes (Alexa's permission question names them).
    pub scopes: Vec<String>,
    /// Speak Alexa's and the skill's lines with espeak-ng (`--speak`).
    pub speak: bool,
    /// Adds a finding to the conformance report (the device's own observations of the skill).
    pub conform: Conform,
    /// Where links are stored (the database file), for the one-line notice when a stored link
    /// skips the prompt.
    pub stored_in: String,
}

/// Adds a conformance finding to the report the run prints at its end.
pub type Conform = std::sync::Arc<dyn Fn(crate::backend::conformance::Finding) + Send + Sync>;

/// What the runtime publishes after each change.
#[derive(Debug, Clone)]
pub struct Frame {
    pub scene: Scene,
    pub model: UiModel,
    /// The device profile in force (the emulator can switch it while running).
    pub profile: DeviceProfile,
    /// How many inputs from [`DeviceInput`] the device had taken in when it drew this frame
    /// (scripts wait for their own steps to be taken in before they look at the screen).
    pub acked: u64,
    /// The last utterance, when Alexa did not understand it (scripts' `say` fails on it).
    pub misheard: Option<String>,
}

/// Input from outside the device: the user (screen, keys, scripts) and the emulator's panel.
enum Input {
    Event(Event),
    Browse(signin::Msg),
    Configure(Settings),
    /// Unlink everything and go home.
    Reset,
    Fault(crate::backend::faults::Fault, bool),
    /// Words said to the device (typed in the utterance bar, a script's `say`, `--say`).
    Say(String),
    /// Switch off: stop polling and timers, take no more input; the sender hears when done.
    Stop(tokio::sync::oneshot::Sender<()>),
}

/// Handle to send input to a running device.
#[derive(Clone)]
pub struct DeviceInput {
    tx: mpsc::UnboundedSender<Input>,
    sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl DeviceInput {
    fn put(&self, i: Input) {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let _ = self.tx.send(i);
    }

    pub fn send(&self, e: Event) {
        self.put(Input::Event(e));
    }

    /// Input for the device's own browser (the login, terms and consent scenes).
    pub fn browse(&self, m: signin::Msg) {
        self.put(Input::Browse(m));
    }

    /// Switches the device profile, locale or recognized speaker; the screen re-renders at
    /// once and later requests carry the new values.
    pub fn configure(&self, s: Settings) {
        self.put(Input::Configure(s));
    }

    /// Unlinks the account and every person (revoking the stored tokens) and goes home.
    pub fn reset(&self) {
        self.put(Input::Reset);
    }

    /// Switches a fault on or off.
    pub fn fault(&self, f: crate::backend::faults::Fault, on: bool) {
        self.put(Input::Fault(f, on));
    }

    /// Switches the device off before the backend stops: no poll or timer is left to run into
    /// a server that is going away (and log a spurious error). Returns once it is off.
    pub async fn stop(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let _ = self.tx.send(Input::Stop(tx));
        let _ = rx.await;
    }

    /// How many inputs were sent so far (compare with [`Frame::acked`]).
    pub fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// An utterance: "Alexa, open Ride Hailer" launches the skill, "Alexa, ask Ride Hailer to
    /// book a ride" launches it with an intent; inside an open session the words go to the
    /// skill's intents, and during Alexa's linking dialog to her questions. What Alexa made of
    /// it is logged as an `nlu` event; a frame's `misheard` says when she did not understand.
    pub fn say(&self, text: &str) {
        self.put(Input::Say(text.to_owned()));
    }
}

/// The window drives the device through its input handle.
impl crate::view::port::Controls for DeviceInput {
    fn send(&self, e: Event) {
        DeviceInput::send(self, e)
    }
    fn browse(&self, m: signin::Msg) {
        DeviceInput::browse(self, m)
    }
    fn say(&self, text: &str) {
        DeviceInput::say(self, text)
    }
    fn configure(&self, s: Settings) {
        DeviceInput::configure(self, s)
    }
    fn reset(&self) {
        DeviceInput::reset(self)
    }
    fn fault(&self, f: crate::faults::Fault, on: bool) {
        DeviceInput::fault(self, f, on)
    }
}

/// Starts the device on the current tokio runtime; `publish` gets every new frame.
pub fn spawn(setup: DeviceSetup, publish: impl Fn(Frame) + Send + Sync + 'static) -> DeviceInput {
    let (tx, rx) = mpsc::unbounded_channel();
    let (btx, brx) = mpsc::unbounded_channel();
    let (xtx, xrx) = mpsc::unbounded_channel();
    let input = DeviceInput {
        tx: xtx,
        sent: Default::default(),
    };
    let start = Instant::now();
    let flow = Flow::new(FlowConfig {
        account_linking: setup.account_linking,
        linking_required: setup.linking_required,
        long_poll: setup.linking.metadata.linkscreen_long_poll,
        jitter_seed: rand::random(),
        personal_linking: setup.personal_linking,
        kiosk: setup.kiosk,
        voice_forward: setup.voice_forward && setup.linking.links_by_voice(),
    });
    if setup.kiosk.is_some() {
        // The idle check: once a second, while the device runs.
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            loop {
                every.tick().await;
                if tx.send(Event::IdleCheck).is_err() {
                    break;
                }
            }
        });
    }
    // The device's own browser has its own cookie jar, apart from any phone's.
    let browser = Browser::with_agent_via(
        "Mozilla/5.0 (Linux; Android 11; AEO) AppleWebKit/537.36 (KHTML, like Gecko) linkscreen-device",
        setup.faults.proxy(),
    );
    let mut flow = flow;
    // The recognized speaker, as the flow hears of it: an event.
    flow.handle(Event::SpeakerChanged(speaker_of(&setup)), 0);
    let rt = Runtime {
        conv: Default::default(),
        heard: String::new(),
        misheard: None,
        spoken: String::new(),
        told_stored: false,
        present: None,
        setup,
        tx,
        btx,
        start,
        flow,
        poll_task: None,
        timers: HashMap::new(),
        session: None,
        browser,
        last: None,
        last_scene: None,
        acked: 0,
        last_acked: 0,
        publish: Box::new(publish),
    };
    tokio::spawn(rt.run(rx, brx, xrx));
    input
}

/// The running device: the flow, the tasks carrying out its effects, and the browser session.
struct Runtime {
    setup: DeviceSetup,
    tx: mpsc::UnboundedSender<Event>,
    btx: mpsc::UnboundedSender<signin::Msg>,
    start: Instant,
    flow: Flow,
    poll_task: Option<JoinHandle<()>>,
    timers: HashMap<Millis, JoinHandle<()>>,
    session: Option<SignIn>,
    browser: Browser,
    last: Option<UiModel>,
    last_scene: Option<Scene>,
    /// External inputs taken in, and the count the last frame carried.
    acked: u64,
    last_acked: u64,
    publish: Box<dyn Fn(Frame) + Send + Sync>,
    /// The skill's open session (shared with the tasks that send its requests).
    conv: std::sync::Arc<std::sync::Mutex<Option<skill::OpenSession>>>,
    /// The last words said, shown on the screen while the dialog goes on.
    heard: String,
    misheard: Option<String>,
    /// The line last spoken aloud (`--speak`).
    spoken: String,
    /// The notice that a stored link skipped the prompt was given (once a run).
    told_stored: bool,
    /// The person in front of the device after they picked their profile and linked here.
    present: Option<String>,
}

/// What the `nlu` event says of an intent Alexa understood, and the event it makes (`Asked`
/// with the invocation, `Heard` inside a session). Of several equal matches Alexa picks the
/// first; the log shows the others as well.
fn intent_heard(
    u: crate::project::nlu::Understood,
    event: fn(crate::flow::IntentCall) -> Event,
) -> (&'static str, serde_json::Value, Option<Event>) {
    use crate::project::nlu::Understood;
    let intent = |c: &crate::flow::IntentCall| json!({"name": c.name, "slots": c.slots});
    match u {
        Understood::Intent(c) => ("intent", intent(&c), Some(event(c))),
        Understood::Ambiguous(mut cs) => (
            "ambiguous",
            json!(cs.iter().map(intent).collect::<Vec<_>>()),
            Some(event(cs.remove(0))),
        ),
        _ => ("not_understood", json!(null), None),
    }
}

/// The recognized speaker's person id and name (voice-forward linking needs a voice profile).
fn speaker_of(s: &DeviceSetup) -> Option<(String, String)> {
    let id = s.speaker.clone()?;
    let name = s
        .household
        .iter()
        .find(|p| p.person_id() == id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.clone());
    Some((id, name))
}

impl Runtime {
    fn now(&self) -> Millis {
        self.start.elapsed().as_millis() as Millis
    }

    async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<Event>,
        mut brx: mpsc::UnboundedReceiver<signin::Msg>,
        mut xrx: mpsc::UnboundedReceiver<Input>,
    ) {
        self.emit_frame();
        loop {
            tokio::select! {
                x = xrx.recv() => match x {
                    Some(Input::Event(ev)) => { self.acked += 1; self.flow.touched(self.now()); self.event(ev) }
                    Some(Input::Browse(m)) => { self.acked += 1; self.flow.touched(self.now()); self.browse(m) }
                    Some(Input::Configure(s)) => { self.acked += 1; self.configure(s) }
                    Some(Input::Reset) => { self.acked += 1; self.reset() }
                    Some(Input::Say(text)) => { self.acked += 1; self.flow.touched(self.now()); self.say(&text) }
                    Some(Input::Stop(done)) => {
                        self.switch_off();
                        let _ = done.send(());
                        return;
                    }
                    Some(Input::Fault(f, on)) => {
                        self.acked += 1;
                        match self.setup.faults.switch(f, on) {
                            Ok(()) => self.setup.log.emit("fault", json!({"fault": f.id(), "on": on})),
                            Err(why) => self.setup.log.emit("error", json!({"step": "fault", "reason": why})),
                        }
                    }
                    // Everyone holding a DeviceInput is gone: the device is switched off.
                    None => break,
                },
                Some(ev) = rx.recv() => self.event(ev),
                Some(m) = brx.recv() => self.browse(m),
            }
            self.emit_frame();
        }
    }

    fn emit_frame(&mut self) {
        let now = self.now();
        let s = &self.setup;
        let scene = self.flow.scene();
        let mut m = model::build(
            scene,
            self.flow.shown(),
            now,
            &s.locale,
            &s.skill_name,
            &s.invocation,
            &model::Talk {
                household: &s.household,
                speaker: self.flow.speaker_name(),
                scopes: &s.scopes,
            },
        );
        if s.kiosk.is_some() && scene == Scene::Home {
            // The attract screen invites the next visitor.
            m.body = crate::locale::tr(
                "device.attract",
                &s.locale,
                &[("skill_name", &s.invocation)],
            );
        }
        match scene {
            Scene::SkillResponse | Scene::VoiceLink => m.heard = self.heard.clone(),
            // The words belong to the dialog they started; any other screen ends it.
            Scene::Invoking => {}
            _ => self.heard.clear(),
        }
        m.listening = self.flow.listening() != crate::flow::Listening::Invocation;
        if s.speak && !m.spoken.is_empty() && m.spoken != self.spoken {
            self.spoken = m.spoken.clone();
            speak(&m.spoken, &s.locale, &s.log);
        }
        if matches!(scene, Scene::Login | Scene::Terms | Scene::Consent) {
            m.page = self
                .session
                .as_ref()
                .map(|b| b.view(&s.locale, s.profile.touch));
        }
        if self.last.as_ref() != Some(&m) || self.acked != self.last_acked {
            if self.last_scene != Some(scene) {
                s.log.emit("scene", json!({"scene": scene.id()}));
                self.last_scene = Some(scene);
            }
            self.last = Some(m.clone());
            self.last_acked = self.acked;
            (self.publish)(Frame {
                scene,
                model: m,
                profile: s.profile,
                acked: self.acked,
                misheard: self.misheard.clone(),
            });
        }
    }

    /// Ends every task the device started that would still talk to a peer.
    fn switch_off(&mut self) {
        if let Some(p) = self.poll_task.take() {
            p.abort();
        }
        for (_, t) in self.timers.drain() {
            t.abort();
        }
        self.session = None;
    }

    fn configure(&mut self, c: Settings) {
        let s = &mut self.setup;
        if let Some(p) = c.profile {
            s.profile = p;
        }
        if let Some(l) = c.locale {
            s.locale = l;
        }
        let speaker = c.speaker.map(|p| {
            s.identity.person_id = p.clone();
            s.speaker = p;
            speaker_of(s)
        });
        s.log.emit(
            "settings",
            json!({"device": s.profile.id, "locale": s.locale, "speaker": s.speaker}),
        );
        // The flow hears of a new speaker as an event (it changes nothing on screen).
        if let Some(speaker) = speaker {
            let now = self.now();
            self.flow.handle(Event::SpeakerChanged(speaker), now);
        }
    }

    /// Words said to the device: what Alexa makes of them depends on what she listens for.
    fn say(&mut self, text: &str) {
        use crate::flow::Listening;
        use crate::project::nlu::{self, Understood};
        let log = &self.setup.log;
        self.heard = text.to_owned();
        self.misheard = None;
        // "Alexa, open …" / "Alexa, ask … to …" always start the skill (a new session);
        // "Alexa, go home" leaves whatever is on screen (ending an open session).
        let (result, detail, ev) = match self.setup.nlu.understand(text) {
            _ if nlu::is_go_home(text) => ("go_home", json!(null), Some(Event::TapHome)),
            Understood::Launch => ("launch", json!(null), Some(Event::Invoked)),
            Understood::NotUnderstood => match self.flow.listening() {
                Listening::Permission => match nlu::approval(text) {
                    Some(true) => ("approve", json!(null), Some(Event::Approved)),
                    Some(false) => ("decline", json!(null), Some(Event::Declined)),
                    None => ("not_understood", json!(null), None),
                },
                Listening::Code => match (nlu::spoken_code(text), nlu::approval(text)) {
                    (Some(code), _) => (
                        "code",
                        json!({"digits": code.len()}),
                        Some(Event::CodeSpoken(code)),
                    ),
                    (None, Some(false)) => ("decline", json!(null), Some(Event::Declined)),
                    _ => ("not_understood", json!(null), None),
                },
                Listening::Skill => intent_heard(self.setup.nlu.in_session(text), Event::Heard),
                Listening::Invocation => ("not_understood", json!(null), None),
            },
            asked => intent_heard(asked, Event::Asked),
        };
        // A spoken one-time code is a secret: the log says that one was said, not which.
        let utterance = if result == "code" {
            format!("(a {}-digit code, redacted)", detail["digits"])
        } else {
            text.to_owned()
        };
        log.emit(
            "nlu",
            json!({"utterance": utterance, "result": result, "intent": detail}),
        );
        match ev {
            Some(ev) => self.event(ev),
            None => self.misheard = Some(text.to_owned()),
        }
    }

    /// The emulator's "Unlink & reset": every stored link goes (account and each person's),
    /// the journey ends, home.
    fn reset(&mut self) {
        let people = self.setup.household.iter().map(|p| p.person_id());
        unlink(&self.setup, people.collect());
        self.event(Event::TapHome);
    }

    fn event(&mut self, ev: Event) {
        let t = self.now();
        if matches!(ev, Event::Invoked | Event::Asked(_)) {
            // A new request: who speaks is for voice recognition (`--speaker`) to say again.
            self.present = None;
        }
        if let Event::LinkFetched { token: Some(_) } = &ev
            && !self.told_stored
            && matches!(self.flow.state(), State::Invoking { .. })
        {
            // A link from an earlier run: the user may wonder where the prompt went.
            self.told_stored = true;
            let s = &self.setup;
            eprintln!(
                "linkscreen: {} is already linked (a link stored in {}), so the device skips the link prompt; to start over run `linkscreen unlink --db {}` or add --fresh",
                s.skill_name, s.stored_in, s.stored_in
            );
            s.log.emit(
                "stored_link",
                json!({"skill": s.skill_name, "db": s.stored_in}),
            );
        }
        if let Event::CodeIssued(c) = &ev {
            self.setup.log.emit(
                "prompt",
                json!({"qr_url": c.verification_uri_complete, "user_code": c.user_code, "verification_uri": c.verification_uri, "expires_in": (c.expires_at - t) / 1000}),
            );
        }
        for fx in self.flow.handle(ev, t) {
            self.effect(fx);
        }
        // The browser lives only while the flow shows it.
        if !matches!(
            self.flow.state(),
            State::Prompt {
                view: View::Browser(_),
                ..
            }
        ) {
            self.session = None;
        }
    }

    /// Input for the device's browser.
    fn browse(&mut self, m: signin::Msg) {
        let Some(session) = &mut self.session else {
            return;
        };
        let loaded = matches!(m, signin::Msg::Loaded { .. });
        if let signin::Msg::Loaded { result, .. } = &m {
            match result {
                Ok(p) => self.setup.log.emit(
                    "browser",
                    json!({"url": redacted(&p.url), "status": p.status}),
                ),
                Err(e) => self
                    .setup
                    .log
                    .emit("error", json!({"step": "browser", "reason": e})),
            }
        }
        match session.handle(m) {
            signin::Todo::Nothing => {}
            signin::Todo::Load { seq, request } => {
                self.setup.log.emit(
                    "browser_request",
                    json!({"url": redacted(request.url()), "submit": matches!(request, Request::Submit { .. })}),
                );
                let (browser, btx) = (self.browser.clone(), self.btx.clone());
                tokio::spawn(async move {
                    let result = browser.load(&request).await.map_err(|e| e.to_string());
                    let _ = btx.send(signin::Msg::Loaded { seq, result });
                });
            }
            signin::Todo::Restart => {
                if let State::Prompt { code, .. } = self.flow.state() {
                    let (device_code, fallback) = (code.device_code.clone(), code.complete_uri());
                    self.open_sign_in(device_code, fallback);
                }
            }
            signin::Todo::Close => self.event(Event::TapCloseSignIn),
            signin::Todo::OpenExternal(url) => {
                if let Ok(u) = url::Url::parse(&url) {
                    self.setup
                        .log
                        .emit("open_external", json!({"url": redacted(&u)}));
                }
                if self.setup.open_browser
                    && let Err(e) = webbrowser::open(&url)
                {
                    self.setup.log.emit(
                        "error",
                        json!({"step": "open_external", "reason": e.to_string()}),
                    );
                }
            }
        }
        if loaded && let Some(session) = &self.session {
            let kind = session.kind();
            if !session.loading() {
                self.event(Event::PageShown(kind));
            }
        }
    }

    /// Starts the browser on the skill's sign-in page: the authorization URL the linking
    /// service gives for this code, else the verification URI.
    fn open_sign_in(&mut self, device_code: String, fallback: String) {
        let session = self.session.get_or_insert_with(|| {
            SignIn::new(
                self.setup
                    .linking
                    .stores_links()
                    .then(|| format!("{}/api/skill/link/", self.setup.linking.metadata.issuer)),
            )
        });
        session.starting();
        let (linking, btx, log) = (
            self.setup.linking.clone(),
            self.btx.clone(),
            self.setup.log.clone(),
        );
        tokio::spawn(async move {
            match linking.sign_in_url(&device_code).await {
                Ok(u) => {
                    let _ = btx.send(signin::Msg::Navigate(u.unwrap_or(fallback)));
                }
                Err(e) => {
                    log.emit("error", json!({"step": "sign_in", "reason": e.to_string()}));
                    let _ = btx.send(signin::Msg::StartFailed(e.to_string()));
                }
            }
        });
    }

    /// Sends the skill its next request in the background; its answer comes back as an event.
    /// The set-up a request to the skill goes out with: the person who picked their profile
    /// and signed in here is the one in front of the device.
    fn for_request(&self) -> DeviceSetup {
        let mut s = self.setup.clone();
        if let Some(p) = &self.present {
            s.identity.person_id = Some(p.clone());
            s.speaker = Some(p.clone());
        }
        s
    }

    fn ask(&self, token: Option<String>, what: skill::Ask) {
        let (s, tx, conv) = (self.for_request(), self.tx.clone(), self.conv.clone());
        tokio::spawn(async move {
            let _ = tx.send(ask(&s, token.as_deref(), &what, &conv).await);
        });
    }

    fn effect(&mut self, fx: Effect) {
        let setup = &self.setup;
        let start = self.start;
        match fx {
            Effect::FetchLink => {
                let (s, tx) = (setup.clone(), self.tx.clone());
                tokio::spawn(async move {
                    // The token the skill will use: the recognized speaker's, else the account's.
                    let ev = match fetch_tokens(&s).await {
                        Ok((account, person)) => Event::LinkFetched {
                            token: person.or(account),
                        },
                        Err(e) => peer_event(&s.log, Step::FetchLink, e),
                    };
                    let _ = tx.send(ev);
                });
            }
            Effect::SendLaunch { token, intent } => {
                // Right after a personal link made on this device, the launch is for that person.
                if matches!(self.flow.state(), State::Launching { .. }) {
                    self.present = self.flow.linked_person().map(str::to_owned);
                }
                self.ask(token, skill::Ask::Launch(intent));
            }
            Effect::SendIntent(call) => self.ask(None, skill::Ask::Intent(call)),
            Effect::ResumeSession { link, outcome } => {
                self.ask(None, skill::Ask::Resumed { link, outcome })
            }
            Effect::EndSession => {
                // Fire and forget: Alexa does not use the answer to a SessionEndedRequest.
                let (s, conv) = (self.for_request(), self.conv.clone());
                tokio::spawn(async move {
                    let _ = ask(&s, None, &skill::Ask::Ended, &conv).await;
                });
            }
            Effect::SendOtp { person, name } => {
                let (s, tx) = (setup.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let ev = match s.linking.send_voice_code(&person, &name).await {
                        Ok(()) => Event::OtpSent,
                        Err(e) => peer_event(&s.log, Step::VoiceLink, e),
                    };
                    let _ = tx.send(ev);
                });
            }
            Effect::VerifyOtp { code, person } => {
                let (s, tx) = (setup.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let ev = match s.linking.verify_voice_code(&person, &code).await {
                        Ok(linked) => {
                            s.log.emit("otp_checked", json!({"linked": linked}));
                            Event::OtpChecked { linked }
                        }
                        Err(e) => peer_event(&s.log, Step::VoiceLink, e),
                    };
                    let _ = tx.send(ev);
                });
            }
            Effect::RequestCode { person } => {
                let (s, tx) = (setup.clone(), self.tx.clone());
                // A code for the profile picked on the device (personal linking), else account level.
                let person = person.unwrap_or_default();
                tokio::spawn(async move {
                    let asked = now_ms_since(start);
                    let ev = match s.linking.device_authorization(&person).await {
                        Ok(d) => {
                            s.log.emit("device_authorization", json!({"user_code": d.user_code, "expires_in": d.expires_in, "interval": d.interval}));
                            Event::CodeIssued(LinkCode {
                                interval_ms: d.interval_secs() * 1000,
                                expires_at: asked + d.expires_in * 1000,
                                device_code: d.device_code,
                                user_code: d.user_code,
                                verification_uri: d.verification_uri,
                                verification_uri_complete: d.verification_uri_complete,
                            })
                        }
                        Err(e) => peer_event(&s.log, Step::RequestCode, e),
                    };
                    let _ = tx.send(ev);
                });
            }
            Effect::Poll {
                epoch,
                device_code,
                after,
                wait_s,
            } => {
                if let Some(p) = self.poll_task.take() {
                    p.abort();
                }
                let (s, tx) = (setup.clone(), self.tx.clone());
                self.poll_task = Some(tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(after)).await;
                    let sent = Instant::now();
                    let out = s.linking.poll(&device_code, wait_s).await;
                    let elapsed = sent.elapsed().as_millis() as Millis;
                    let ev = match out {
                        Ok(o) => {
                            let name = match &o {
                                PollOutcome::Pending => "authorization_pending".to_owned(),
                                PollOutcome::SlowDown => "slow_down".to_owned(),
                                PollOutcome::Granted(_) => "granted".to_owned(),
                                PollOutcome::Denied => "access_denied".to_owned(),
                                PollOutcome::Expired => "expired_token".to_owned(),
                                PollOutcome::Failed(e) => e.clone(),
                            };
                            s.log.emit(
                                "poll",
                                json!({"result": name, "elapsed_ms": elapsed, "wait_s": wait_s}),
                            );
                            match o {
                                PollOutcome::Pending => Event::PollPending { epoch, elapsed },
                                PollOutcome::SlowDown => Event::PollSlowDown { epoch, elapsed },
                                PollOutcome::Granted(t) => Event::PollGranted {
                                    epoch,
                                    access_token: t.access_token,
                                },
                                PollOutcome::Denied => Event::PollDenied { epoch },
                                PollOutcome::Expired => Event::PollExpired { epoch },
                                PollOutcome::Failed(reason) => Event::PollFailed { epoch, reason },
                            }
                        }
                        Err(e) => peer_event(&s.log, Step::Poll, e),
                    };
                    let _ = tx.send(ev);
                }));
            }
            Effect::CancelPoll => {
                if let Some(p) = self.poll_task.take() {
                    p.abort();
                }
            }
            Effect::WakeAt(at) => {
                self.timers.retain(|_, h| !h.is_finished());
                let delay = at.saturating_sub(now_ms_since(start));
                let tx = self.tx.clone();
                self.timers.entry(at).or_insert_with(|| {
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                        let _ = tx.send(Event::Tick);
                    })
                });
            }
            Effect::ReportCardWithoutLinking { speech } => {
                (setup.conform)(crate::backend::conformance::card_without_linking(
                    speech.as_deref(),
                ));
            }
            Effect::ForwardCard { kind, speech } => {
                let s = setup.clone();
                tokio::spawn(async move {
                    if let Err(e) = s.linking.forward_card(&kind, speech.as_deref()).await {
                        s.log.emit(
                            "error",
                            json!({"step": "forward_card", "reason": e.to_string()}),
                        );
                    }
                });
            }
            Effect::OpenSignIn {
                device_code,
                verification_uri_complete,
            } => {
                setup.log.emit("open_sign_in", json!({}));
                self.session = None;
                self.open_sign_in(device_code, verification_uri_complete);
            }
            Effect::CloseSignIn => self.session = None,
            Effect::Unlink { person } => unlink(setup, person.into_iter().collect()),
        }
    }
}

/// Deletes the account's link and these people's links, in the background, logging each.
fn unlink(setup: &DeviceSetup, people: Vec<String>) {
    let s = setup.clone();
    tokio::spawn(async move {
        for p in std::iter::once(String::new()).chain(people) {
            match s.linking.unlink(&p).await {
                Ok(()) => s.log.emit("unlink", json!({"person_id": p})),
                Err(e) => s
                    .log
                    .emit("error", json!({"step": "unlink", "reason": e.to_string()})),
            }
        }
    });
}

/// A URL for the event log: no query or fragment (they carry `state`, codes and tokens).
pub(crate) fn redacted(u: &url::Url) -> String {
    crate::protocol::urls::without_query(u)
}

fn now_ms_since(start: Instant) -> Millis {
    start.elapsed().as_millis() as Millis
}

fn peer_event(log: &EventLog, step: Step, e: PeerError) -> Event {
    log.emit(
        "error",
        json!({"step": format!("{step:?}"), "reason": e.to_string()}),
    );
    // A linking service that answers nonsense is as unusable as one that is down: retry with backoff.
    match e {
        PeerError::Unreachable(reason) | PeerError::Protocol(reason) => {
            Event::PeerUnreachable { step, reason }
        }
    }
}

/// The stored account-level token and, for a recognized speaker, their person-level token.
async fn fetch_tokens(s: &DeviceSetup) -> Result<(Option<String>, Option<String>), PeerError> {
    let account = s.linking.fetch_link("").await?;
    let person = match &s.speaker {
        Some(p) => s.linking.fetch_link(p).await?,
        None => None,
    };
    Ok((account, person))
}

/// Speaks a line with espeak-ng in the background (checked at start-up: `--speak`).
fn speak(text: &str, locale: &str, log: &EventLog) {
    let voice = locale.split('-').next().unwrap_or("en").to_owned();
    log.emit("speak", json!({"text": text, "voice": voice}));
    let (text, log) = (text.to_owned(), log.clone());
    tokio::spawn(async move {
        let out = tokio::process::Command::new("espeak-ng")
            .args(["-v", &voice, "--", &text])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .await;
        if let Err(e) = out {
            log.emit("error", json!({"step": "speak", "reason": e.to_string()}));
        }
    });
}

async fn ask(
    s: &DeviceSetup,
    token: Option<&str>,
    what: &skill::Ask,
    conv: &std::sync::Mutex<Option<skill::OpenSession>>,
) -> Event {
    let now_iso = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    // With a link endpoint the stored tokens fill both slots (PROTOCOL.md §5); without one
    // (device-grant mode) the token just granted is the account's.
    let (account, person) = if s.linking.stores_links() {
        match fetch_tokens(s).await {
            Ok(t) => t,
            Err(e) => return peer_event(&s.log, Step::Launch, e),
        }
    } else {
        (token.map(str::to_owned), None)
    };
    let mut env = skill::launch_envelope(
        &s.identity,
        &s.profile,
        &s.locale,
        account.as_deref(),
        person.as_deref(),
        &now_iso,
    );
    let open = conv.lock().unwrap_or_else(|p| p.into_inner()).clone();
    skill::shape(&mut env, what, open.as_ref());
    if matches!(what, skill::Ask::Ended) {
        *conv.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
    s.log.emit(
        "skill_request",
        json!({"url": s.skill_endpoint, "body": env}),
    );
    let answer = match &s.lambda {
        Some(runner) => {
            let event = serde_json::to_value(&env).expect("envelopes serialize");
            match runner.invoke(&event).await {
                Ok(raw) => skill::validate(raw),
                Err(e) => Err(PeerError::Protocol(e.to_string())),
            }
        }
        None => skill::send(&s.http, &s.skill_endpoint, &env).await,
    };
    match answer {
        Ok((resp, raw)) => {
            s.log.emit("skill_response", json!({"body": raw}));
            let link_request = resp.start_connection().and_then(|c| {
                if c.uri == crate::protocol::ask::ASK_FOR_ACCOUNT_LINKING {
                    Some(crate::flow::LinkRequest {
                        token: c.token.unwrap_or_default(),
                        errors_only: c.on_completion.as_deref() == Some("SEND_ERRORS_ONLY"),
                    })
                } else {
                    s.log.emit("error", json!({"step": "connection", "reason": format!("connection {} is not emulated", c.uri)}));
                    None
                }
            });
            let keeps_session = resp.response.should_end_session == Some(false);
            {
                let mut c = conv.lock().unwrap_or_else(|p| p.into_inner());
                *c = match (&*c, keeps_session || link_request.is_some(), &env.session) {
                    (_, false, _) | (_, _, None) => None,
                    (_, true, Some(sess)) => Some(skill::OpenSession {
                        session_id: sess.session_id.clone(),
                        attributes: resp.session_attributes.clone().unwrap_or_default(),
                    }),
                };
            }
            let (card_title, card_text) = match &resp.response.card {
                Some(Card::Simple { title, content }) => (title.clone(), content.clone()),
                Some(Card::Standard { title, text, .. }) => (title.clone(), text.clone()),
                _ => (None, None),
            };
            Event::SkillAnswered(SkillAnswer {
                speech: resp.response.output_speech.as_ref().map(|o| o.plain_text()),
                card_title,
                card_text,
                asks_to_link: resp.asks_to_link(),
                keeps_session,
                link_request,
            })
        }
        Err(PeerError::Unreachable(reason)) => {
            s.log
                .emit("error", json!({"step": "Launch", "reason": reason}));
            Event::PeerUnreachable {
                step: Step::Launch,
                reason,
            }
        }
        Err(PeerError::Protocol(reason)) => {
            s.log.emit("skill_error", json!({"reason": reason}));
            Event::SkillFailed { reason }
        }
    }
}
