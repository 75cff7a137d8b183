//! The device runtime: feeds events into the flow, carries out its effects
//! with tokio (polling, timers, requests), logs every exchange, and publishes
//! the screen model after each change. Data flows one way: clients produce
//! events -> flow decides -> view renders.
//!
//! Must not import: `cli`, `app`, `shots`, `slint` (the window is the view's; the composition is `app`'s).

mod run;
mod runtime;

pub use crate::view::port::Settings;
pub use run::{
    Prepare, ended_by, fail, first_utterance, log_and_runtime, on_signals, prepare, shutdown,
};

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::clients::api::{LinkingApi, PageLoader, SkillApi};
use crate::clients::skill::Identity;
use crate::events::EventLog;
use crate::flow::{Event, Flow, FlowConfig, Scene};
use crate::protocol::viewport::DeviceProfile;
use crate::view::model::UiModel;
use crate::view::signin;

/// The skill's name and what is understood in a locale (see [`DeviceSetup::skill_in`]).
pub type SkillIn = Arc<dyn Fn(&str) -> Option<(String, crate::project::nlu::Nlu)> + Send + Sync>;

/// Everything the runtime needs to talk to the world.
#[derive(Clone)]
pub struct DeviceSetup {
    /// Fetches the APL screen's images.
    pub images: Arc<dyn crate::clients::api::ImageLoader>,
    /// Where an ASK project keeps its saved APL documents (`skill-package/response/display`):
    /// a RenderDocument's `Link` to `doc://alexa/apl/documents/NAME` reads NAME/document.json.
    pub apl_documents: Option<std::path::PathBuf>,
    /// The APL screen's visual context (`context.Alexa.Presentation.APL`) for the next request.
    pub apl_context: Option<serde_json::Value>,
    pub profile: DeviceProfile,
    pub locale: String,
    pub skill_name: String,
    pub invocation: String,
    /// The skill's name and what is understood in a locale the emulator switches to (None: the
    /// skill is not published there). Worked out on a switch: nothing at start, and a request's
    /// copy of the set-up shares it.
    pub skill_in: SkillIn,
    pub skill_endpoint: String,
    pub identity: Identity,
    pub linking: Arc<dyn LinkingApi>,
    /// The skill: its endpoint over HTTP, or its Lambda handler run here.
    pub skill: Arc<dyn SkillApi>,
    /// The device browser's page loads (its own cookie jar, apart from any phone's).
    pub pages: Arc<dyn PageLoader>,
    /// The skill has account linking at all (a configuration, the sample server's, or a
    /// device grant); without it requests go straight to the skill.
    pub account_linking: bool,
    pub linking_required: bool,
    pub personal_linking: bool,
    pub household: Vec<crate::config::Profile>,
    /// The recognized speaker's person id (docs/design.md "Wire formats" §5); None: not recognized.
    pub speaker: Option<String>,
    /// Open pages that need JavaScript in the desktop browser (windowed runs).
    pub open_browser: bool,
    /// What the device understands of utterances (invocation name, interaction model).
    pub nlu: crate::project::nlu::Nlu,
    /// Kiosk mode (`linkscreen kiosk`): idle reset, unlink after a journey, attract screen.
    pub kiosk: Option<crate::flow::Kiosk>,
    /// Faults switched on (shared with the embedded backend); the device's own HTTP clients
    /// go through [`crate::faults::Faults::proxy`].
    pub faults: std::sync::Arc<crate::faults::Faults>,
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
    /// Countdowns stand still on screen (a seeded run, `--seed`): what a prompt first showed
    /// stays, like a browser test's fixed clock; codes still expire on time.
    pub still_clock: bool,
    /// How long (ms) the APL screen's onMount commands and animations may take to settle
    /// before a script's shot (`--settle`); with a still clock the screen jumps there at once.
    pub apl_settle_ms: u64,
}

/// Adds a conformance finding to the report the run prints at its end.
pub type Conform = std::sync::Arc<dyn Fn(crate::findings::Finding) + Send + Sync>;

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
    /// A touch on the skill's APL screen sent the skill a UserEvent whose answer is not in
    /// yet (the screen still shows what was touched; scripts wait for the answer).
    pub apl_waiting: bool,
    /// The skill's APL screen is still animating or has commands waiting their turn.
    pub apl_busy: bool,
}

/// Input from outside the device: the user (screen, keys, scripts) and the emulator's panel.
enum Input {
    Event(Event),
    Browse(signin::Msg),
    Configure(Settings),
    /// Unlink everything and go home.
    Reset,
    Fault(crate::faults::Fault, bool),
    /// Words said to the device (typed in the utterance bar, a script's `say`, `--say`).
    Say(String),
    /// Switch off: stop polling and timers, take no more input; the sender hears when done.
    Stop(tokio::sync::oneshot::Sender<()>),
    /// A touch on a component of the skill's APL screen (its uid).
    AplPress(usize),
    /// The remote or keyboard on the APL screen: `next`, `prev`, `press`.
    AplKey(String),
    /// A scrolling component of the APL screen moved (uid, offset and how much shows, dp).
    AplScroll(usize, f32, f32),
    /// A swipe turned a Pager's page (uid, +1 or -1).
    AplPage(usize, i32),
    /// A finger went down on a touch target of the APL screen (its uid), or came up (None).
    AplPressing(Option<usize>),
    /// A finger on a touch target that hears its every move (uid, what it did, where as a
    /// fraction of the target's box).
    AplPointer(usize, crate::apl::Pointer, (f32, f32)),
    /// A key typed into the APL screen's text field: text, backspace, enter or escape.
    AplType(String),
    /// Where the view laid out the APL screen's components with an id (not the user's input:
    /// not counted).
    AplLaidOut(crate::apl::bounds::Positions),
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

    /// A touch on the skill's APL screen: the component (uid) that takes it.
    pub fn apl_press(&self, uid: usize) {
        self.put(Input::AplPress(uid));
    }

    /// The remote or keyboard on the skill's APL screen: `next`, `prev` or `press`.
    pub fn apl_key(&self, key: &str) {
        self.put(Input::AplKey(key.to_owned()));
    }

    /// A scrolling component of the skill's APL screen moved (uid, offset in dp).
    pub fn apl_scroll(&self, uid: usize, offset: f32, extent: f32) {
        self.put(Input::AplScroll(uid, offset, extent));
    }

    /// A swipe turned a Pager's page on the skill's APL screen (uid, +1 or -1).
    pub fn apl_page(&self, uid: usize, by: i32) {
        self.put(Input::AplPage(uid, by));
    }

    /// A finger down on a touch target of the skill's APL screen (uid), or up (None).
    pub fn apl_pressing(&self, uid: Option<usize>) {
        self.put(Input::AplPressing(uid));
    }

    /// A finger on a touch target of the skill's APL screen that hears its every move.
    pub fn apl_pointer(&self, uid: usize, phase: crate::apl::Pointer, at: (f32, f32)) {
        self.put(Input::AplPointer(uid, phase, at));
    }

    /// A key typed into the skill's APL text field that has the keyboard (text, `\u{8}`
    /// backspace, `\n` submit, `\u{1b}` away).
    pub fn apl_type(&self, key: &str) {
        self.put(Input::AplType(key.to_owned()));
    }

    /// Where the view laid out the skill's APL screen's components with an id: the visual
    /// context of later requests says so. Not a step of the user's: scripts do not wait for it.
    pub fn apl_laid_out(&self, positions: crate::apl::bounds::Positions) {
        let _ = self.tx.send(Input::AplLaidOut(positions));
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
    pub fn fault(&self, f: crate::faults::Fault, on: bool) {
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
    fn apl_press(&self, uid: usize) {
        DeviceInput::apl_press(self, uid)
    }
    fn apl_key(&self, key: &str) {
        DeviceInput::apl_key(self, key)
    }
    fn apl_scroll(&self, uid: usize, offset: f32, extent: f32) {
        DeviceInput::apl_scroll(self, uid, offset, extent)
    }
    fn apl_page(&self, uid: usize, by: i32) {
        DeviceInput::apl_page(self, uid, by)
    }
    fn apl_pressing(&self, uid: Option<usize>) {
        DeviceInput::apl_pressing(self, uid)
    }
    fn apl_type(&self, key: &str) {
        DeviceInput::apl_type(self, key)
    }
    fn apl_pointer(&self, uid: usize, phase: crate::apl::Pointer, at: (f32, f32)) {
        DeviceInput::apl_pointer(self, uid, phase, at)
    }
    fn apl_laid_out(&self, positions: crate::apl::bounds::Positions) {
        DeviceInput::apl_laid_out(self, positions)
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
        long_poll: setup.linking.long_polls(),
        jitter_seed: crate::entropy::u64_for("retry_jitter"),
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
    let mut flow = flow;
    // The recognized speaker, as the flow hears of it: an event.
    flow.handle(Event::SpeakerChanged(runtime::speaker_of(&setup)), 0);
    let rt = runtime::Runtime::new(setup, tx, btx, start, flow, Box::new(publish));
    tokio::spawn(rt.run(rx, brx, xrx));
    input
}

/// A URL for the event log: no query or fragment (they carry `state`, codes and tokens).
pub(crate) fn redacted(u: &url::Url) -> String {
    crate::protocol::urls::without_query(u)
}
