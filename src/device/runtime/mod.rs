//! The running device: takes input (the user, the panel, the clients' answers), hands events
//! to the flow, carries out its effects ([`effects`]) and publishes a frame after each change.
//! Its peers are the traits of `clients::api`, so its tests drive it with fakes on tokio's
//! paused clock.
//!
//! Must not import: `view` beyond the screen model and the browser session, `backend`, `app`,
//! `cli`, `shots`.

mod apl;
mod effects;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{DeviceSetup, Frame, Input, Settings, redacted};
use crate::clients::phone::Request;
use crate::clients::skill;
use crate::events::LogEvent;
use crate::flow::{Event, Flow, Millis, Scene, State, View};
use crate::view::model::{self, UiModel};
use crate::view::signin::{self, SignIn};
use effects::speak;

/// The running device: the flow, the tasks carrying out its effects, and the browser session.
pub(super) struct Runtime {
    setup: DeviceSetup,
    tx: mpsc::UnboundedSender<Event>,
    btx: mpsc::UnboundedSender<signin::Msg>,
    start: Instant,
    flow: Flow,
    poll_task: Option<JoinHandle<()>>,
    timers: HashMap<Millis, JoinHandle<()>>,
    session: Option<SignIn>,
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
    /// The skill's APL screen, and the last snapshot of it the view was given.
    apl: Option<crate::apl::Screen>,
    apl_shown: Option<std::sync::Arc<crate::apl::Snapshot>>,
    /// What the APL screen's own tasks report: images arriving, a spoken item done.
    apl_tx: mpsc::UnboundedSender<apl::AplMsg>,
    apl_rx: Option<mpsc::UnboundedReceiver<apl::AplMsg>>,
    /// Counts SpeakItems: a highlight ends only if no later one began.
    karaoke_seq: u64,
    /// The screen's UserEvents sent whose answers are not in yet, and whether the last frame
    /// said any were.
    apl_asking: u32,
    apl_was_waiting: bool,
    /// Whether the last frame said the APL screen was still animating.
    apl_was_busy: bool,
    /// When the APL screen showing was mounted: its clock runs from there.
    apl_mounted: Option<tokio::time::Instant>,
    /// Counts documents: one whose packages arrive after a later one came is not shown.
    apl_imports_seq: u64,
    /// The document waiting for its packages (its number and token) and the ExecuteCommands
    /// for it that later responses brought meanwhile: they run once it shows.
    apl_waiting: Option<(u64, String, Vec<crate::apl::ExecuteCommands>)>,
    /// APL problems met this run that Alexa would not refuse (the summary counts them).
    apl_problems: usize,
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
pub(super) fn speaker_of(s: &DeviceSetup) -> Option<(String, String)> {
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
    pub(super) fn new(
        setup: DeviceSetup,
        tx: mpsc::UnboundedSender<Event>,
        btx: mpsc::UnboundedSender<signin::Msg>,
        start: Instant,
        flow: Flow,
        publish: Box<dyn Fn(Frame) + Send + Sync>,
    ) -> Runtime {
        let (apl_tx, apl_rx) = mpsc::unbounded_channel();
        Runtime {
            conv: Default::default(),
            heard: String::new(),
            misheard: None,
            spoken: String::new(),
            told_stored: false,
            present: None,
            apl: None,
            apl_shown: None,
            apl_tx,
            apl_rx: Some(apl_rx),
            karaoke_seq: 0,
            apl_asking: 0,
            apl_was_waiting: false,
            apl_imports_seq: 0,
            apl_problems: 0,
            apl_waiting: None,
            apl_was_busy: false,
            apl_mounted: None,
            setup,
            tx,
            btx,
            start,
            flow,
            poll_task: None,
            timers: HashMap::new(),
            session: None,
            last: None,
            last_scene: None,
            acked: 0,
            last_acked: 0,
            publish,
        }
    }

    fn now(&self) -> Millis {
        self.start.elapsed().as_millis() as Millis
    }

    pub(super) async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<Event>,
        mut brx: mpsc::UnboundedReceiver<signin::Msg>,
        mut xrx: mpsc::UnboundedReceiver<Input>,
    ) {
        self.emit_frame();
        let mut apl_rx = self.apl_rx.take().expect("run once");
        loop {
            let tick = self.apl_tick_at();
            tokio::select! {
                x = xrx.recv() => match x {
                    Some(Input::Event(ev)) => { self.acked += 1; self.flow.touched(self.now()); self.event(ev) }
                    Some(Input::Browse(m)) => { self.acked += 1; self.flow.touched(self.now()); self.browse(m) }
                    Some(Input::Configure(s)) => { self.acked += 1; self.configure(s) }
                    Some(Input::Reset) => { self.acked += 1; self.reset() }
                    Some(Input::Say(text)) => { self.acked += 1; self.flow.touched(self.now()); self.say(&text) }
                    Some(Input::AplPress(uid)) => { self.acked += 1; self.flow.touched(self.now()); self.apl_press(uid) }
                    Some(Input::AplPointer(uid, phase, at)) => { self.acked += 1; self.flow.touched(self.now()); self.apl_pointer(uid, phase, at) }
                    Some(Input::AplKey(k)) => { self.acked += 1; self.flow.touched(self.now()); self.apl_key(&k) }
                    Some(Input::AplPage(uid, by)) => { self.acked += 1; self.apl_page(uid, by) }
                    Some(Input::AplType(k)) => { self.acked += 1; self.flow.touched(self.now()); self.apl_type(&k) }
                    Some(Input::AplPressing(uid)) => {
                        self.acked += 1;
                        // Through the same step as every change: a style's `when` that fails
                        // in the pressed state is logged.
                        self.apl_act(|s| { s.set_pressed(uid); vec![] })
                    }
                    Some(Input::AplScroll(uid, to, extent)) => { self.acked += 1; self.apl_act(|s| s.set_scroll(uid, to, extent)) }
                    // Uncounted: scripts do not wait for it. Only when a component's onLayout
                    // or a waiting scroll changed the screen does it go through what follows a
                    // change (it comes after every layout, every frame of an animation).
                    Some(Input::AplLaidOut(positions)) => {
                        if let Some(s) = self.apl.as_mut() {
                            let before = s.serial();
                            let out = s.set_positions(positions);
                            if !out.is_empty() || s.serial() != before {
                                self.apl_act(move |_| out);
                            }
                        }
                    }
                    Some(Input::Stop(done)) => {
                        self.switch_off();
                        let _ = done.send(());
                        return;
                    }
                    Some(Input::Fault(f, on)) => {
                        self.acked += 1;
                        match self.setup.faults.switch(f, on) {
                            Ok(()) => self.setup.log.log(LogEvent::Fault { fault: f.id().into(), on }),
                            Err(why) => self.setup.log.error("fault", why),
                        }
                    }
                    // Everyone holding a DeviceInput is gone: the device is switched off.
                    None => break,
                },
                Some(ev) = rx.recv() => self.event(ev),
                Some(m) = brx.recv() => self.browse(m),
                Some(m) = apl_rx.recv() => self.apl_msg(m),
                _ = tokio::time::sleep_until(tick.unwrap_or_else(tokio::time::Instant::now)), if tick.is_some() => self.apl_tick(),
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
        if scene == Scene::SkillResponse
            && let Some(screen) = &self.apl
        {
            if self.apl_shown.as_ref().map(|a| a.serial) != Some(screen.serial()) {
                self.apl_shown = Some(std::sync::Arc::new(screen.snapshot()));
            }
            m.apl = self.apl_shown.clone();
        }
        if matches!(scene, Scene::Login | Scene::Terms | Scene::Consent) {
            m.page = self
                .session
                .as_ref()
                .map(|b| b.view(&s.locale, s.profile.touch));
        }
        if s.still_clock
            && let Some(last) = &self.last
            && last.without_clock() == m.without_clock()
        {
            // A seeded run's clock stands still on screen (like a browser test's fixed clock):
            // a countdown keeps what the screen first showed, so shots are reproducible. The
            // code still expires on time.
            m.countdown = last.countdown.clone();
        }
        let waiting = self.apl_asking > 0;
        let busy = scene == Scene::SkillResponse && self.apl.as_ref().is_some_and(|a| a.busy());
        if self.last.as_ref() != Some(&m)
            || self.acked != self.last_acked
            || waiting != self.apl_was_waiting
            || busy != self.apl_was_busy
        {
            self.apl_was_waiting = waiting;
            self.apl_was_busy = busy;
            if self.last_scene != Some(scene) {
                s.log.log(LogEvent::Scene {
                    scene: scene.id().into(),
                });
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
                apl_waiting: waiting,
                apl_busy: busy,
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
            // The skill is invoked by its name in the new locale (「アレクサ、ライドヘイラーを開いて」).
            if let Some((name, nlu)) = (s.skill_in)(&l) {
                s.skill_name = name;
                s.invocation = nlu.invocation.clone();
                s.nlu = nlu;
            }
            s.locale = l;
        }
        let speaker = c.speaker.map(|p| {
            s.identity.person_id = p.clone();
            s.speaker = p;
            speaker_of(s)
        });
        s.log.log(LogEvent::Settings {
            device: s.profile.id.into(),
            locale: s.locale.clone(),
            speaker: s.speaker.clone(),
        });
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
        log.log(LogEvent::Nlu {
            utterance,
            result: result.into(),
            intent: detail,
        });
        match ev {
            Some(ev) => self.event(ev),
            None => self.misheard = Some(text.to_owned()),
        }
    }

    /// The emulator's "Unlink & reset": every stored link goes (account and each person's),
    /// the journey ends, home.
    fn reset(&mut self) {
        let people = self.setup.household.iter().map(|p| p.person_id());
        effects::unlink(&self.setup, people.collect());
        self.event(Event::TapHome);
    }

    fn event(&mut self, ev: Event) {
        let t = self.now();
        if matches!(ev, Event::Invoked | Event::Asked(_)) {
            // A new request: who speaks is for voice recognition (`--speaker`) to say again.
            self.present = None;
        }
        if matches!(ev, Event::Invoked | Event::Asked(_) | Event::TapHome) {
            // A new session starts on a clean screen (a document still waiting for its
            // packages is not shown either).
            self.apl = None;
            self.apl_imports_seq += 1;
        }
        if let Event::SkillAnswered(a) = &ev
            && !a.apl.is_empty()
        {
            self.apl_directives(&a.apl);
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
            s.log.log(LogEvent::StoredLink {
                skill: s.skill_name.clone(),
                db: s.stored_in.clone(),
            });
        }
        if let Event::CodeIssued(c) = &ev {
            self.setup.log.log(LogEvent::Prompt {
                qr_url: c.verification_uri_complete.clone(),
                user_code: c.user_code.clone(),
                verification_uri: c.verification_uri.clone(),
                expires_in: (c.expires_at - t) / 1000,
            });
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
                Ok(p) => self.setup.log.log(LogEvent::Browser {
                    url: redacted(&p.url),
                    status: p.status,
                }),
                Err(e) => self.setup.log.error("browser", e),
            }
        }
        match session.handle(m) {
            signin::Todo::Nothing => {}
            signin::Todo::Load { seq, request } => {
                self.setup.log.log(LogEvent::BrowserRequest {
                    url: redacted(request.url()),
                    submit: matches!(request, Request::Submit { .. }),
                });
                let (browser, btx) = (self.setup.pages.clone(), self.btx.clone());
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
                        .log(LogEvent::OpenExternal { url: redacted(&u) });
                }
                if self.setup.open_browser {
                    let log = self.setup.log.clone();
                    crate::desktop::open_in_background(url, move |r| {
                        if let Err(e) = r {
                            log.error("open_external", e);
                        }
                    });
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
        let session = self
            .session
            .get_or_insert_with(|| SignIn::new(self.setup.linking.link_redirect_prefix()));
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
                    log.error("sign_in", e.to_string());
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
        // While the skill's screen shows, requests say what is on it.
        s.apl_context = self
            .apl
            .as_ref()
            .filter(|_| self.flow.scene() == Scene::SkillResponse)
            .map(crate::apl::Screen::visual_context);
        if let Some(p) = &self.present {
            s.identity.person_id = Some(p.clone());
            s.speaker = Some(p.clone());
        }
        s
    }

    pub(super) fn ask(&self, token: Option<String>, what: skill::Ask) {
        let (s, tx, conv) = (self.for_request(), self.tx.clone(), self.conv.clone());
        tokio::spawn(async move {
            let _ = tx.send(effects::ask(&s, token.as_deref(), &what, &conv).await);
        });
    }

    /// Sends the skill a request the APL screen made (a UserEvent): its answer comes back
    /// through the screen's own channel, so the device knows when it is in.
    pub(super) fn ask_for_apl(&mut self, what: skill::Ask) {
        let (s, tx, conv) = (self.for_request(), self.apl_tx.clone(), self.conv.clone());
        self.apl_asking += 1;
        tokio::spawn(async move {
            let answer = effects::ask(&s, None, &what, &conv).await;
            let _ = tx.send(apl::AplMsg::Answered(Box::new(answer)));
        });
    }
}
