//! `linkscreen run`: the embedded backend plus the device, in a window or
//! headless (`--headless --frames DIR`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use slint::ComponentHandle;

use super::emulator;
use super::signin::Msg;
use super::{DeviceSetup, Frame};
use crate::backend::{self, Running};
use crate::clients::linking::LinkingClient;
use crate::clients::skill::Identity;
use crate::config::{Config, LinkingMode};
use crate::error::{AppError, ErrorKind, Outcome};
use crate::events::EventLog;
use crate::flow::Scene;
use crate::plan::{KioskOptions, RunPlan, speaker_id};
use crate::protocol::viewport::DeviceProfile;
use crate::view::{
    self,
    headless::Headless,
    model::action_event,
    ui::{AppWindow, Screen},
};

/// How long `expect` waits for its text to appear.
const EXPECT_SECS: u64 = 10;

/// Scenes a headless run stops at by default: the journey's possible ends.
const END_SCENES: &[Scene] = &[
    Scene::SkillResponse,
    Scene::AccessDenied,
    Scene::CodeExpired,
    Scene::LinkFailed,
    Scene::SkillError,
];

/// Says what failed (now, so it stays in order with what follows on stderr).
fn fail(kind: ErrorKind, msg: impl std::fmt::Display) -> AppError {
    AppError::said(kind, msg)
}

/// Starts the backend and builds the device's clients.
/// Options of `prepare` beyond the config.
pub struct Prepare {
    /// The LAN address phones reach (`--lan`, `--lan-address`).
    pub lan: Option<std::net::IpAddr>,
    /// Recognized speaker's profile name.
    pub speaker: Option<String>,
    pub open_browser: bool,
    pub kiosk: Option<crate::flow::Kiosk>,
    /// Faults switched on once the device's clients are set up (`--fault`).
    pub faults: Vec<crate::backend::faults::Fault>,
    /// `--speak`: voice the lines with espeak-ng.
    pub speak: bool,
}

pub async fn prepare(
    cfg: Config,
    profile: DeviceProfile,
    locale: &str,
    log: EventLog,
    opts: &Prepare,
) -> Result<(DeviceSetup, Running), AppError> {
    let mut backend_opts = backend::Options::new(cfg.clone());
    backend_opts.lan = opts.lan;
    let running = backend::start(backend_opts).await.map_err(|e| {
        let code = if e.is_setup() {
            ErrorKind::Usage
        } else {
            ErrorKind::Peer
        };
        fail(code, e)
    })?;
    let shared = running.shared.clone();
    if cfg.account_linking.request.is_some() && matches!(cfg.linking.mode, LinkingMode::Alexa) {
        // The one thing a developer must set on their own server for this to work.
        let fixed = if cfg.backend.port == 0 {
            " (the port changes each run: set [backend] port to keep it)"
        } else {
            ""
        };
        eprintln!(
            "linkscreen: register this redirect URI with your authorization server: {}{fixed}",
            shared.redirect_uri()
        );
    }
    {
        // Token exchanges and conformance findings happen in the backend: into the event log.
        let log = log.clone();
        shared.observe(std::sync::Arc::new(move |kind: &str, fields| {
            log.emit(kind, fields)
        }));
    }
    let http = match shared.faults.proxy() {
        // No kept-alive connections: each request is routed (and the network-down fault
        // refuses it) afresh. Loopback connections cost microseconds.
        Some(p) => reqwest::Client::builder()
            .proxy(p)
            .pool_max_idle_per_host(0),
        None => reqwest::Client::builder(),
    }
    .build()
    .map_err(|e| fail(ErrorKind::Peer, e))?;
    let linking = match &cfg.linking.mode {
        LinkingMode::Alexa => LinkingClient::discover(
            http.clone(),
            &running.base_url,
            backend::DEVICE_CLIENT_ID,
            None,
            Some(shared.device_key.clone()),
        )
        .await
        .map_err(|e| fail(ErrorKind::Peer, e))?,
        LinkingMode::DeviceGrant(g) => match (
            &g.issuer,
            &g.device_authorization_endpoint,
            &g.token_endpoint,
        ) {
            (_, Some(da), Some(te)) => LinkingClient::with_metadata(
                http.clone(),
                crate::protocol::oauth::ServerMetadata {
                    issuer: g.issuer.clone().unwrap_or_default(),
                    token_endpoint: te.clone(),
                    device_authorization_endpoint: Some(da.clone()),
                    ..Default::default()
                },
                &g.client_id,
                g.scope.clone(),
                None,
            ),
            (Some(issuer), _, _) => {
                LinkingClient::discover(http.clone(), issuer, &g.client_id, g.scope.clone(), None)
                    .await
                    .map_err(|e| fail(ErrorKind::Peer, e))?
            }
            _ => {
                return Err(fail(
                    ErrorKind::Usage,
                    "linking: device-grant needs issuer or both endpoints",
                ));
            }
        },
    };
    let ids = |key: &str, prefix: &str| {
        shared.store.meta_or_init(key, || {
            format!("{prefix}{}", crate::backend::crypto::random_token(24))
        })
    };
    let speaker_id =
        speaker_id(&cfg, opts.speaker.as_deref()).map_err(|e| fail(ErrorKind::Usage, e))?;
    let identity = Identity {
        skill_id: cfg.skill.skill_id.clone(),
        user_id: ids("user_id", "amzn1.ask.account.").map_err(|e| fail(ErrorKind::Peer, e))?,
        device_id: ids("device_id", "amzn1.ask.device.").map_err(|e| fail(ErrorKind::Peer, e))?,
        person_id: speaker_id.clone(),
    };
    // An ASK CLI project: its name, invocation name and model in this locale, and its handler.
    let mut skill_name = cfg.skill.name.clone();
    let mut nlu = crate::project::nlu::Nlu {
        invocation: cfg.skill.invocation(),
        model: None,
    };
    let mut lambda = None;
    let mut skill_endpoint = if cfg.skill.is_embedded() {
        // The sample skill's own interaction model: what is understood inside its session.
        nlu.model = Some(crate::backend::skill::sample_model(&nlu.invocation));
        format!("{}/ridehailer/skill", running.base_url)
    } else {
        cfg.skill.endpoint.clone()
    };
    if let Some(p) = &cfg.project {
        if !p.names.contains_key(locale) {
            return Err(fail(
                ErrorKind::Usage,
                format!(
                    "--locale {locale}: the skill is published in {} (skill.json manifest.publishingInformation.locales)",
                    p.locales().join(", ")
                ),
            ));
        }
        skill_name = p.name_for(locale).to_owned();
        if let Some(m) = p.model_for(locale) {
            nlu.invocation = m.invocation_name.clone();
            nlu.model = Some(m.clone());
        }
        if let crate::project::Endpoint::Lambda { handler, .. } = &p.endpoint {
            let runner = crate::clients::lambda::LambdaRunner::new(
                handler.clone(),
                cfg.skill.timeout(),
                log.clone(),
            );
            // A handler that does not load is a set-up mistake: say so now, not mid-journey.
            runner.warm_up().await.map_err(|e| {
                fail(
                    ErrorKind::Usage,
                    format!("{}: {}: {e}", handler.file.display(), handler.export),
                )
            })?;
            skill_endpoint = format!("lambda:{}", handler.file.display());
            lambda = Some(std::sync::Arc::new(runner));
        }
    }
    log.emit("start", serde_json::json!({"backend": running.base_url, "device": profile.id, "locale": locale, "skill_endpoint": skill_endpoint}));
    if opts.speak && which("espeak-ng").is_none() {
        return Err(fail(
            ErrorKind::Usage,
            "--speak needs espeak-ng, which is not installed (Debian: apt-get install -y espeak-ng)",
        ));
    }
    let voice_forward = shared.account_linking.voice_forward_enabled();
    if voice_forward && !linking.links_by_voice() {
        log.emit("error", serde_json::json!({"step": "voice_forward", "reason": "device-grant mode: this linking service cannot link by voice; the skill's StartConnection will fail"}));
    }
    for f in &opts.faults {
        if let Err(why) = shared.faults.switch(*f, true) {
            return Err(fail(ErrorKind::Usage, format!("--fault {why}")));
        }
        log.emit("fault", serde_json::json!({"fault": f.id(), "on": true}));
    }
    Ok((
        DeviceSetup {
            profile,
            locale: locale.to_owned(),
            skill_name,
            invocation: nlu.invocation.clone(),
            skill_endpoint,
            identity,
            linking,
            account_linking: cfg.has_account_linking(),
            linking_required: cfg.account_linking.required,
            personal_linking: cfg.account_linking.personal_linking,
            household: cfg.household.clone(),
            speaker: speaker_id,
            open_browser: opts.open_browser,
            lambda,
            nlu,
            kiosk: opts.kiosk,
            faults: shared.faults.clone(),
            http,
            log,
            voice_forward,
            scopes: shared.account_linking.scopes.clone(),
            speak: opts.speak,
            conform: {
                let shared = shared.clone();
                std::sync::Arc::new(move |f| shared.conform([f]))
            },
            stored_in: cfg.backend.db.display().to_string(),
        },
        running,
    ))
}

/// The path of an executable on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// Stops the backend; first the conformance report's summary goes to stderr and the events.
async fn shutdown(running: crate::backend::Running, input: &super::DeviceInput, log: &EventLog) {
    use crate::backend::conformance::Level;
    // The device first: nothing of it may run into a backend that is going away.
    input.stop().await;
    running.shared.settle().await;
    log.close();
    let report = &running.shared.report;
    let all = report.findings();
    if !all.is_empty() {
        eprintln!("{}", report.summary());
        let count = |l: Level| all.iter().filter(|f| f.level == l).count();
        log.emit_final(
            "conformance_summary",
            serde_json::json!({"reject": count(Level::Reject), "warn": count(Level::Warn), "unchecked": count(Level::Unchecked), "pass": count(Level::Pass), "findings": all}),
        );
    }
    running.stop().await;
}

/// `linkscreen run` (and `kiosk`, with the plan's kiosk options): the device, headless or in
/// a window, until the journey ends.
pub fn run(a: RunPlan) -> Outcome {
    let log = EventLog::new(a.events.as_deref())
        .map_err(|e| fail(ErrorKind::Usage, format!("--events: {e}")))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime starts");
    let (cfg, profile, kiosk) = (a.config.clone(), a.profile, a.kiosk.clone());
    if a.headless {
        headless(a, cfg, profile, log, &rt, kiosk)
    } else {
        windowed(a, cfg, profile, log, &rt, kiosk)
    }
}

fn first_utterance(a: &RunPlan, invocation: &str) -> String {
    a.say
        .clone()
        .unwrap_or_else(|| format!("Alexa, open {invocation}"))
}

/// The one-time code sent to the phone since the permission was last given by voice (an
/// earlier dialog's code is not this one's), as the person reads it on their phone.
fn code_of_this_dialog(log: &EventLog, backend: &crate::backend::Shared) -> Option<String> {
    let sent = {
        let events = log.memory.lock().unwrap_or_else(|p| p.into_inner());
        events
            .iter()
            .rev()
            .take_while(|e| !(e["type"] == "nlu" && e["result"] == "approve"))
            .any(|e| e["type"] == "otp_sent")
    };
    sent.then(|| crate::backend::lwa::code_on_phone(backend))
        .flatten()
}

/// On Ctrl+C (SIGINT) or SIGTERM, calls `stop` with the signal's number (once) and records it;
/// the run then stops as it would at its end: device, conformance summary, backend.
fn on_signals(
    rt: &tokio::runtime::Runtime,
    stop: impl Fn(i32) + Send + 'static,
) -> std::sync::Arc<std::sync::atomic::AtomicI32> {
    use tokio::signal::unix::{SignalKind, signal};
    let got = std::sync::Arc::new(std::sync::atomic::AtomicI32::new(0));
    let _g = rt.enter();
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return got;
    };
    let seen = got.clone();
    rt.spawn(async move {
        let n = tokio::select! {
            _ = int.recv() => libc::SIGINT,
            _ = term.recv() => libc::SIGTERM,
        };
        seen.store(n, std::sync::atomic::Ordering::SeqCst);
        stop(n);
    });
    got
}

/// How a run ended: as the signal that stopped it says (exit 128 + its number, as shells
/// report it), else as it ended by itself.
fn ended_by(got: &std::sync::atomic::AtomicI32, ended: Outcome) -> Outcome {
    match got.load(std::sync::atomic::Ordering::SeqCst) {
        0 => ended,
        n => Err(AppError::reported(ErrorKind::Signal(n))),
    }
}

/// `now + d`, or as far as the clock goes.
fn far(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400))
}

/// What reaches the headless screen: the device's frames, or a signal to stop.
enum Feed {
    Frame(Box<Frame>),
    Stop(i32),
}

/// How an unscripted headless run ended.
enum Ending {
    Reached,
    TimedOut(Option<Scene>),
    /// A peer stayed unreachable.
    GaveUp,
}

/// The headless screen: applies frames, writes a PNG per visible change, and runs script steps.
struct Driver {
    hl: Headless,
    rx: std::sync::mpsc::Receiver<Feed>,
    profile: DeviceProfile,
    /// Where frames (with `--frames`) and script shots go.
    dir: PathBuf,
    /// `--frames` was given: a PNG each time the screen changes.
    write_frames: bool,
    /// No script drives the device: tell the person at the terminal what the screen asks.
    announce: bool,
    n: u32,
    current: Option<Frame>,
    /// What the last written frame showed, but for its countdowns.
    last_shown: Option<crate::view::model::UiModel>,
    /// Since when the screen has said "can't reach the server" without a break.
    unreachable_since: Option<Instant>,
    log: EventLog,
    /// `--check GOLDEN_DIR`, `--tolerance`, `--update` for script shots.
    check: Option<(PathBuf, f64, bool)>,
    /// Shots that differ from (or lack) their golden.
    mismatches: Vec<String>,
}

impl Driver {
    /// Takes one frame (or times out); writes a PNG when the scene changed.
    fn pump(&mut self, deadline: Instant) -> Result<bool, String> {
        let left = deadline.saturating_duration_since(Instant::now());
        let f = match self.rx.recv_timeout(left) {
            Ok(Feed::Frame(f)) => *f,
            Ok(Feed::Stop(n)) => {
                let name = if n == libc::SIGINT {
                    "SIGINT (Ctrl+C)"
                } else {
                    "SIGTERM"
                };
                return Err(format!("stopped by {name}"));
            }
            Err(_) => return Ok(false),
        };
        view::apply(&self.hl.app, &self.profile, 1.0, &f.model);
        let changed = self.current.as_ref().map(|c| c.scene) != Some(f.scene);
        let scene = f.scene;
        // A frame each time what is on screen changes (a page loaded, an error shown), but not
        // for a countdown's tick.
        let shown = f.model.without_clock();
        let visible = self.last_shown.as_ref() != Some(&shown);
        if scene != Scene::ServerUnreachable {
            self.unreachable_since = None;
        } else if self.unreachable_since.is_none() {
            self.unreachable_since = Some(Instant::now());
        }
        self.current = Some(f);
        if visible {
            self.last_shown = Some(shown);
            if self.write_frames {
                self.save(&format!("{:04}-{}", self.n, scene.id()), true)?;
                self.n += 1;
            }
        }
        if changed && self.announce && scene == Scene::LinkPrompt {
            self.announce_prompt();
        }
        Ok(true)
    }

    /// Headless and unscripted, the link prompt would wait unseen: say on stderr what it shows
    /// and how to finish the link from this machine.
    fn announce_prompt(&self) {
        let (Some(code), Some(qr)) = (
            self.log.latest("prompt", "user_code"),
            self.log.latest("prompt", "qr_url"),
        ) else {
            return;
        };
        let uri = self
            .log
            .latest("prompt", "verification_uri")
            .unwrap_or_default();
        eprintln!(
            "linkscreen: the device shows the link prompt and waits for a phone to link.\n  \
             code {code} at {uri}\n  QR code: {qr}\n  \
             To finish from this machine, open the QR code's URL in a browser and sign in \
             (the sample server's demo user is {} / {}), or drive the device with a script \
             whose `phone link` step plays the phone (e.g. --script tests/journeys/qr.script).",
            crate::backend::auth_server::DEMO_USERNAME,
            crate::backend::auth_server::DEMO_PASSWORD
        );
    }

    fn save(&mut self, name: &str, is_frame: bool) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let path = self.dir.join(format!("{name}.png"));
        let img = self.hl.render();
        img.save(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let kind = if is_frame { "frame" } else { "shot" };
        self.log.emit(kind, serde_json::json!({"scene": self.scene().map(|s| s.id()), "path": path.display().to_string(), "name": name}));
        if let (false, Some((dir, tolerance, update))) = (is_frame, &self.check) {
            let golden = dir.join(format!("{name}.png"));
            if *update {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                std::fs::copy(&path, &golden).map_err(|e| format!("{}: {e}", golden.display()))?;
                return Ok(());
            }
            let verdict = match image::open(&golden) {
                Err(_) => Some(format!("shot {name}: no golden {}", golden.display())),
                Ok(expected) => {
                    let (c, diff) = crate::shots::compare::compare(&img, &expected.to_rgba8());
                    if c.passes(*tolerance) {
                        None
                    } else {
                        let dp = self.dir.join(format!("{name}.diff.png"));
                        diff.save(&dp)
                            .map_err(|e| format!("{}: {e}", dp.display()))?;
                        Some(format!(
                            "shot {name}: {:.3}% of pixels differ from {} (diff: {})",
                            c.share() * 100.0,
                            golden.display(),
                            dp.display()
                        ))
                    }
                }
            };
            if let Some(v) = verdict {
                self.log.emit(
                    "check",
                    serde_json::json!({"name": name, "result": "fail", "reason": v}),
                );
                self.mismatches.push(v);
            }
        }
        Ok(())
    }

    fn scene(&self) -> Option<Scene> {
        self.current.as_ref().map(|f| f.scene)
    }

    /// The device browser's page on screen.
    fn page(&self) -> Option<&crate::view::model::PageView> {
        self.current.as_ref().and_then(|f| f.model.page.as_ref())
    }

    /// The item of `kinds` labelled (or named, or typed) `what`: exact match first, then a
    /// case-insensitive substring.
    fn find_item(&self, what: &str, kinds: &[&str]) -> Option<usize> {
        let items = &self.page()?.items;
        let w = what.trim().to_lowercase();
        let keys = |i: &crate::view::model::ItemView| {
            [
                i.text.to_lowercase(),
                i.name.to_lowercase(),
                i.input_type.to_lowercase(),
            ]
        };
        let hit = |exact: bool| {
            items.iter().position(|i| {
                kinds.contains(&i.kind)
                    && keys(i)
                        .iter()
                        .any(|k| !k.is_empty() && if exact { *k == w } else { k.contains(&w) })
            })
        };
        hit(true).or_else(|| hit(false))
    }

    /// Pumps frames until the browser shows a loaded page on which `found` finds something
    /// (or the deadline passes); returns what it found.
    fn wait_page<T>(&mut self, found: impl Fn(&Driver) -> Option<T>) -> Result<Option<T>, String> {
        let deadline = Instant::now() + Duration::from_secs(EXPECT_SECS);
        loop {
            if self.page().is_some_and(|p| !p.loading)
                && let Some(t) = found(self)
            {
                return Ok(Some(t));
            }
            if !self.pump(deadline)? && Instant::now() >= deadline {
                return Ok(None);
            }
        }
    }

    /// Everything readable on screen, for `expect`.
    fn shown_text(&self) -> Vec<String> {
        let Some(f) = &self.current else {
            return vec![];
        };
        let m = &f.model;
        let mut v = vec![
            m.title.clone(),
            m.body.clone(),
            m.caption.clone(),
            m.skill_speech.clone(),
            m.or_visit.clone(),
            m.verification_url.clone(),
            m.enter_code.clone(),
            m.user_code.clone(),
            m.countdown.clone(),
            m.details.clone(),
            m.primary_label.clone(),
            m.secondary_label.clone(),
        ];
        if let Some(p) = &m.page {
            v.extend([
                p.address.clone(),
                p.notice_title.clone(),
                p.notice_body.clone(),
                p.notice_label.clone(),
            ]);
            v.extend(
                p.items
                    .iter()
                    .flat_map(|i| [i.text.clone(), i.value.clone()]),
            );
        }
        v
    }

    /// Takes every frame already published, then waits until the device has taken in every
    /// input sent so far, so a step never looks at a screen older than the previous step.
    fn sync(&mut self, sent: u64) -> Result<(), String> {
        while self.pump(Instant::now())? {}
        let deadline = Instant::now() + Duration::from_secs(EXPECT_SECS);
        while self.current.as_ref().is_none_or(|f| f.acked < sent) {
            if !self.pump(deadline)? && Instant::now() >= deadline {
                return Err(format!(
                    "the device did not take in input {sent} within {EXPECT_SECS} s"
                ));
            }
        }
        Ok(())
    }

    /// How long the screen has said "can't reach the server" without a break.
    fn unreachable_for(&self) -> Duration {
        self.unreachable_since
            .map(|t| t.elapsed())
            .unwrap_or_default()
    }

    /// Pumps frames until one of `scenes` shows (or, with no scene to wait for, until `secs`),
    /// giving up once a peer has been unreachable for `give_up` (an unscripted run's rule).
    fn run_until(
        &mut self,
        scenes: &[Scene],
        secs: u64,
        give_up: Duration,
    ) -> Result<Ending, String> {
        let deadline = far(Duration::from_secs(secs));
        loop {
            if self.scene().is_some_and(|s| scenes.contains(&s)) {
                return Ok(Ending::Reached);
            }
            if self.unreachable_since.is_some() && self.unreachable_for() >= give_up {
                return Ok(Ending::GaveUp);
            }
            // Wake in time to give up, even when no frame comes.
            let wake = match self.unreachable_since.and_then(|t| t.checked_add(give_up)) {
                Some(g) => deadline.min(g),
                None => deadline,
            };
            if !self.pump(wake)? && Instant::now() >= deadline {
                return Ok(Ending::TimedOut(self.scene()));
            }
        }
    }

    /// Pumps frames until one of `scenes` shows; `Ok(Err(seen))` on timeout.
    fn wait_for(
        &mut self,
        scenes: &[Scene],
        secs: u64,
    ) -> Result<Result<(), Option<Scene>>, String> {
        // A script's wait never gives up early on a peer: it has its own deadline.
        Ok(match self.run_until(scenes, secs, Duration::MAX)? {
            Ending::Reached => Ok(()),
            Ending::TimedOut(seen) => Err(seen),
            Ending::GaveUp => Err(self.scene()),
        })
    }
}

fn headless(
    a: RunPlan,
    cfg: Config,
    profile: DeviceProfile,
    log: EventLog,
    rt: &tokio::runtime::Runtime,
    kiosk: Option<KioskOptions>,
) -> Outcome {
    // Without --frames, a script's shots still need a home: ./shots.
    let dir = a.frames.clone().unwrap_or_else(|| PathBuf::from("shots"));
    if a.frames.is_some()
        && let Err(e) = std::fs::create_dir_all(&dir)
    {
        return Err(fail(
            ErrorKind::Usage,
            format!("--frames {}: {e}", dir.display()),
        ));
    }
    let until: Vec<Scene> = match &a.until {
        Some(s) => match Scene::from_id(s) {
            Some(sc) => vec![sc],
            None => {
                return Err(fail(
                    ErrorKind::Usage,
                    format!("--until: unknown scene {s:?}; `linkscreen scenes` lists them"),
                ));
            }
        },
        // A kiosk has no end: it runs until --timeout.
        None if kiosk.is_some() => vec![],
        None => END_SCENES.to_vec(),
    };
    let steps = match &a.script {
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| super::script::parse(&t))
        {
            Ok(s) => Some(s),
            Err(e) => {
                return Err(fail(
                    ErrorKind::Usage,
                    format!("--script {}: {e}", path.display()),
                ));
            }
        },
        None => None,
    };
    let household = cfg.household.clone();
    let lan = a.lan;
    let (setup, running) = rt.block_on(prepare(
        cfg,
        profile,
        &a.locale,
        log.clone(),
        &Prepare {
            lan,
            speaker: a.speaker.clone(),
            open_browser: false,
            kiosk: kiosk.as_ref().map(|k| k.times),
            faults: a.faults.clone(),
            speak: a.speak,
        },
    ))?;
    let utterance = first_utterance(&a, &setup.nlu.invocation);
    let (tx, rx) = std::sync::mpsc::channel::<Feed>();
    let stopped_by = {
        let tx = tx.clone();
        on_signals(rt, move |n| {
            let _ = tx.send(Feed::Stop(n));
        })
    };
    let input = {
        let _g = rt.enter();
        super::spawn(setup, move |f| {
            let _ = tx.send(Feed::Frame(Box::new(f)));
        })
    };
    let hl = match Headless::new(profile.width, profile.height) {
        Ok(h) => h,
        Err(e) => return Err(fail(ErrorKind::Usage, e)),
    };
    view::set_profile(&hl.app, &profile, 1.0);
    let check = a.check.clone().map(|c| (c, a.tolerance, a.update));
    let mut d = Driver {
        hl,
        rx,
        profile,
        dir,
        write_frames: a.frames.is_some(),
        announce: a.script.is_none(),
        n: 0,
        current: None,
        last_shown: None,
        unreachable_since: None,
        log: log.clone(),
        check,
        mismatches: vec![],
    };
    let code = match steps {
        Some(steps) => match run_script(
            &mut d,
            &steps,
            &input,
            &household,
            rt,
            &log,
            &running.shared,
        ) {
            Ok(()) if !d.mismatches.is_empty() => {
                for m in &d.mismatches {
                    eprintln!("linkscreen: {m}");
                }
                Err(AppError::reported(ErrorKind::Check))
            }
            ended => ended,
        },
        None => {
            // A kiosk waits for its visitors; `run` says the first utterance itself.
            if kiosk.is_none() || a.say.is_some() {
                input.say(&utterance);
            }
            // A kiosk keeps retrying for its next visitor.
            let give_up = if kiosk.is_some() {
                Duration::MAX
            } else {
                Duration::from_secs(a.give_up)
            };
            match d.run_until(&until, a.timeout.unwrap_or(900), give_up) {
                Ok(Ending::Reached) => Ok(()),
                Ok(Ending::GaveUp) => {
                    let step = log.latest("error", "step").unwrap_or_default();
                    let peer = if step == "Launch" {
                        "the skill"
                    } else {
                        "the linking service"
                    };
                    let reason = log.latest("error", "reason").unwrap_or_default();
                    log.emit(
                        "gave_up",
                        serde_json::json!({"peer": peer, "after_s": a.give_up, "reason": reason}),
                    );
                    Err(fail(
                        ErrorKind::Peer,
                        format!(
                            "{peer} has been unreachable for {} s, giving up (--give-up): {reason}",
                            a.give_up
                        ),
                    ))
                }
                Ok(Ending::TimedOut(_)) if until.is_empty() => Ok(()),
                Ok(Ending::TimedOut(seen)) => Err(fail(
                    ErrorKind::Peer,
                    format!(
                        "timed out on scene {} waiting for {}",
                        seen.map(|s| s.id()).unwrap_or("none"),
                        until.iter().map(|s| s.id()).collect::<Vec<_>>().join("|")
                    ),
                )),
                Err(e) => Err(fail(ErrorKind::Usage, e)),
            }
        }
    };
    rt.block_on(shutdown(running, &input, &log));
    ended_by(&stopped_by, code)
}

fn run_script(
    d: &mut Driver,
    steps: &[super::script::Step],
    input: &super::DeviceInput,
    household: &[crate::config::Profile],
    rt: &tokio::runtime::Runtime,
    log: &EventLog,
    backend: &crate::backend::Shared,
) -> Outcome {
    use super::script::{Action, PhoneAction};
    // Let the first frame (home) arrive before acting.
    if let Err(e) = d.wait_for(&[Scene::Home], 10) {
        return Err(fail(ErrorKind::Usage, e));
    }
    for step in steps {
        // What a script types may be a password: logs and errors name the field, not the text.
        let shown = match &step.action {
            Action::Fill(field, text) => {
                format!("fill {field} [redacted, {} chars]", text.chars().count())
            }
            _ => step.text.clone(),
        };
        let step_fail = |d: &Driver, why: String| {
            fail(
                ErrorKind::Script,
                format!(
                    "line {}: `{}`: {why} (scene: {})",
                    step.line,
                    shown,
                    d.scene().map(|s| s.id()).unwrap_or("none")
                ),
            )
        };
        log.emit(
            "script_step",
            serde_json::json!({"line": step.line, "step": shown}),
        );
        if let Err(e) = d.sync(input.sent()) {
            return Err(fail(ErrorKind::Usage, e));
        }
        match &step.action {
            Action::Say(t) => {
                // `{code}`: the one-time code last sent "to the phone" (voice-forward linking).
                let t = &if t.contains("{code}") {
                    // The code may be a moment on its way (like `expect`, wait a little).
                    let deadline = Instant::now() + Duration::from_secs(EXPECT_SECS);
                    let code = loop {
                        if let Some(c) = code_of_this_dialog(log, backend) {
                            break Some(c);
                        }
                        match d.pump(deadline.min(Instant::now() + Duration::from_millis(50))) {
                            Err(e) => return Err(fail(ErrorKind::Usage, e)),
                            Ok(_) if Instant::now() >= deadline => break None,
                            Ok(_) => {}
                        }
                    };
                    match code {
                        Some(c) => t.replace("{code}", &c),
                        None => {
                            return Err(step_fail(
                                d,
                                format!(
                                    "no one-time code was sent to the phone within {EXPECT_SECS} s"
                                ),
                            ));
                        }
                    }
                } else {
                    t.clone()
                };
                input.say(t);
                if let Err(e) = d.sync(input.sent()) {
                    return Err(fail(ErrorKind::Usage, e));
                }
                if d.current.as_ref().and_then(|f| f.misheard.as_ref()) == Some(t) {
                    return Err(step_fail(d, format!("Alexa did not understand {t:?}")));
                }
            }
            Action::Tap(label)
                if matches!(
                    d.scene(),
                    Some(Scene::Login | Scene::Terms | Scene::Consent)
                ) =>
            {
                // On the device's browser: a control of the page, the notice's button, or the
                // address bar's Back / Close.
                let found = d.wait_page(|d| {
                    let p = d.page()?;
                    if let Some(i) = d.find_item(
                        label,
                        &["button", "link", "checkbox", "radio", "select", "field"],
                    ) {
                        Some(Msg::Press { item: i })
                    } else if !p.notice_label.is_empty()
                        && p.notice_label.eq_ignore_ascii_case(label)
                    {
                        Msg::nav(&p.notice_action)
                    } else if p.back_label.eq_ignore_ascii_case(label) {
                        Some(Msg::Back)
                    } else if p.close_label.eq_ignore_ascii_case(label) {
                        Some(Msg::Close)
                    } else {
                        None
                    }
                });
                match found {
                    Ok(Some(m)) => input.browse(m),
                    Ok(None) => {
                        let labels: Vec<String> = d
                            .page()
                            .map(|p| {
                                p.items
                                    .iter()
                                    .filter(|i| {
                                        !matches!(
                                            i.kind,
                                            "heading" | "paragraph" | "error" | "image"
                                        )
                                    })
                                    .map(|i| i.text.clone())
                                    .collect()
                            })
                            .unwrap_or_default();
                        return Err(step_fail(
                            d,
                            format!("no control {label:?} on the page (controls: {labels:?})"),
                        ));
                    }
                    Err(e) => return Err(fail(ErrorKind::Usage, e)),
                }
            }
            Action::Tap(label) => {
                let Some(f) = &d.current else {
                    return Err(step_fail(d, "nothing on screen yet".into()));
                };
                let which = if f.model.primary_label == *label {
                    if f.scene == Scene::LinkPrompt {
                        "sign-in-here"
                    } else {
                        "primary"
                    }
                } else if f.model.secondary_label == *label {
                    "secondary"
                } else {
                    let why = format!(
                        "no button {label:?} on screen (buttons: {:?}, {:?})",
                        f.model.primary_label, f.model.secondary_label
                    );
                    return Err(step_fail(d, why));
                };
                match action_event(f.scene.id(), which) {
                    Some(ev) => input.send(ev),
                    None => return Err(step_fail(d, format!("{label:?} does nothing here"))),
                }
            }
            Action::Pick(name) => {
                if d.scene() != Some(Scene::ProfilePicker) {
                    return Err(step_fail(d, "the profile picker is not on screen".into()));
                }
                match household.iter().find(|p| p.name.eq_ignore_ascii_case(name)) {
                    Some(p) => input.send(crate::flow::Event::Picked {
                        person_id: p.person_id(),
                    }),
                    None => return Err(step_fail(d, format!("no profile {name:?} on the picker"))),
                }
            }
            Action::Fill(field, text) => {
                if d.page().is_none() {
                    return Err(step_fail(
                        d,
                        "no sign-in page on screen (tap “Sign in using this device” first)".into(),
                    ));
                }
                match d.wait_page(|d| d.find_item(field, &["field"])) {
                    Err(e) => return Err(fail(ErrorKind::Usage, e)),
                    Ok(Some(item)) => input.browse(Msg::Edit {
                        item,
                        value: text.clone(),
                    }),
                    Ok(None) => {
                        let fields: Vec<&str> = d
                            .page()
                            .map(|p| {
                                p.items
                                    .iter()
                                    .filter(|i| i.kind == "field")
                                    .map(|i| i.text.as_str())
                                    .collect()
                            })
                            .unwrap_or_default();
                        return Err(step_fail(
                            d,
                            format!("no field {field:?} on the page (fields: {fields:?})"),
                        ));
                    }
                }
            }
            Action::Submit(button) => {
                let found = d.wait_page(|d| match button {
                    Some(b) => d.find_item(b, &["button"]),
                    None => d
                        .page()
                        .and_then(|p| p.items.iter().position(|i| i.kind == "button")),
                });
                match found {
                    Err(e) => return Err(fail(ErrorKind::Usage, e)),
                    Ok(Some(item)) => input.browse(Msg::Press { item }),
                    Ok(None) => {
                        return Err(step_fail(
                            d,
                            format!("no button {} on the page", button.as_deref().unwrap_or("")),
                        ));
                    }
                }
            }
            Action::Wait(scene, secs) => match d.wait_for(&[*scene], *secs) {
                Ok(Ok(())) => {}
                Ok(Err(_)) => {
                    let hint = match log.latest("stored_link", "db") {
                        Some(db) if matches!(scene, Scene::LinkPrompt | Scene::ProfilePicker) => {
                            format!(
                                "; likely because a link stored in {db} skipped the prompt: run with --fresh, or `linkscreen unlink --db {db}` first"
                            )
                        }
                        _ => String::new(),
                    };
                    return Err(step_fail(d, format!("timed out after {secs} s{hint}")));
                }
                Err(e) => return Err(fail(ErrorKind::Usage, e)),
            },
            Action::Shot(name) => {
                if let Err(e) = d.save(name, false) {
                    return Err(fail(ErrorKind::Usage, e));
                }
            }
            Action::Expect(text) => {
                // The text may be on its way (a page loading): wait a little for it.
                let deadline = Instant::now() + Duration::from_secs(EXPECT_SECS);
                loop {
                    if d.shown_text().iter().any(|s| s.contains(text.as_str())) {
                        break;
                    }
                    match d.pump(deadline) {
                        Ok(true) => {}
                        Ok(false) if Instant::now() >= deadline => {
                            return Err(step_fail(d, format!("{text:?} is not on screen")));
                        }
                        Ok(false) => {}
                        Err(e) => return Err(fail(ErrorKind::Usage, e)),
                    }
                }
            }
            Action::Phone(what @ (PhoneAction::App | PhoneAction::AppLwa), _) => {
                let browser = crate::clients::phone::Browser::new();
                // The person's phone: the household's (the device pairs it, as the app's
                // phone would be), then the Ride Hailer app.
                let start = crate::backend::session::pairing_url(backend, "/ridehailer/app");
                match rt.block_on(browser.app_link(&start, *what == PhoneAction::AppLwa)) {
                    Ok(page) => {
                        log.emit(
                            "phone",
                            serde_json::json!({"url": super::redacted(&page.url), "status": page.status}),
                        );
                        let text = page.text();
                        if !text.contains("Linked with Alexa") {
                            let text: String = text.chars().take(200).collect();
                            return Err(step_fail(d, format!("the app did not link: {text}")));
                        }
                    }
                    Err(e) => {
                        return Err(step_fail(
                            d,
                            format!("the phone could not link from the app: {e}"),
                        ));
                    }
                }
            }
            Action::Phone(what, password) => {
                let Some(qr) = log.latest("prompt", "qr_url") else {
                    return Err(step_fail(d, "no QR code has been shown yet".into()));
                };
                let intent = crate::clients::phone::Intent {
                    username: crate::backend::auth_server::DEMO_USERNAME.into(),
                    password: password
                        .clone()
                        .unwrap_or_else(|| crate::backend::auth_server::DEMO_PASSWORD.into()),
                    allow: *what == PhoneAction::Link,
                };
                let browser = crate::clients::phone::Browser::new();
                match rt.block_on(browser.complete(&qr, &intent)) {
                    Ok(page) => {
                        log.emit(
                            "phone",
                            serde_json::json!({"url": super::redacted(&page.url), "status": page.status}),
                        );
                        if !page.url.path().contains("/api/skill/link/") {
                            let text: String = page.text().chars().take(160).collect();
                            return Err(step_fail(
                                d,
                                format!(
                                    "the phone stopped at {} ({text})",
                                    super::redacted(&page.url)
                                ),
                            ));
                        }
                    }
                    Err(e) => {
                        return Err(step_fail(
                            d,
                            format!("the phone could not reach the page: {e}"),
                        ));
                    }
                }
            }
            Action::Fault(f, on) => input.fault(*f, *on),
        }
    }
    Ok(())
}

fn windowed(
    a: RunPlan,
    cfg: Config,
    profile: DeviceProfile,
    log: EventLog,
    rt: &tokio::runtime::Runtime,
    kiosk: Option<KioskOptions>,
) -> Outcome {
    // Slint's linuxkms backend (the `linuxkms` feature) draws without X or Wayland.
    let kms = std::env::var("SLINT_BACKEND").is_ok_and(|b| b.starts_with("linuxkms"));
    if !kms
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return Err(fail(
            ErrorKind::Usage,
            "no display found (DISPLAY and WAYLAND_DISPLAY are unset). Use `linkscreen run --headless --frames DIR` to run without one.",
        ));
    }
    let household = cfg.household.clone();
    let lan = a.lan;
    let say = a.say.clone();
    // The project's locales (the emulator's locale switch), and whether the sample
    // authorization server is the one linking (its faults apply).
    let cfg_locales = cfg.project.as_ref().map(|p| p.locales());
    let sample_auth = cfg.uses_sample_server() && matches!(cfg.linking.mode, LinkingMode::Alexa);
    let (setup, running) = rt.block_on(prepare(
        cfg,
        profile,
        &a.locale,
        log.clone(),
        &Prepare {
            lan,
            speaker: a.speaker.clone(),
            open_browser: kiosk.is_none(),
            kiosk: kiosk.as_ref().map(|k| k.times),
            faults: a.faults.clone(),
            speak: a.speak,
        },
    ))?;
    let app = match AppWindow::new() {
        Ok(app) => app,
        Err(e) => return Err(fail(ErrorKind::Usage, format!("cannot open a window: {e}"))),
    };
    // The designer's emulator (frame + panel) unless this is a kiosk or --no-panel.
    let with_panel = kiosk.is_none() && !a.no_panel;
    let scale = if with_panel {
        a.scale.clamp(0.25, 4.0) * crate::view::emulator::default_scale(&profile)
    } else {
        a.scale.clamp(0.25, 4.0)
    };
    view::set_profile(&app, &profile, scale);
    let weak = app.as_weak();
    let shown: emulator::SharedShown =
        std::sync::Arc::new(std::sync::Mutex::new(emulator::Shown {
            scale,
            profile,
            locale: a.locale.clone(),
            model: None,
            preview: None,
            panel: with_panel,
            skill_name: setup.skill_name.clone(),
            invocation: setup.invocation.clone(),
            household: setup.household.clone(),
        }));
    let sample_skill =
        setup.lambda.is_none() && setup.skill_endpoint.ends_with("/ridehailer/skill");
    let speaker = setup.speaker.clone();
    let input = {
        let _g = rt.enter();
        let shown = shown.clone();
        super::spawn(setup, move |f| {
            let shown = shown.clone();
            let _ = weak.upgrade_in_event_loop(move |app| emulator::take_frame(&app, &shown, f));
        })
    };
    let _panel = with_panel.then(|| {
        let (w, h) = crate::view::emulator::window_size(&profile, scale);
        app.window()
            .set_size(slint::LogicalSize::new(w as f32, h as f32));
        app.set_window_title(
            format!(
                "linkscreen — {}",
                shown.lock().unwrap_or_else(|p| p.into_inner()).skill_name
            )
            .into(),
        );
        emulator::attach(
            &app,
            emulator::Wiring {
                input: input.clone(),
                log: log.clone(),
                shared: running.shared.clone(),
                shown: shown.clone(),
                locales: match &cfg_locales {
                    Some(l) => l.clone(),
                    None => crate::locale::SUPPORTED
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                },
                speaker,
                sample_auth,
                sample_skill,
            },
        )
    });
    // A kiosk fills its display; the emulator follows the window as the user resizes it.
    let _fit =
        (kiosk.is_some() || with_panel).then(|| emulator::fit_to_window(&app, shown.clone()));
    {
        let input = input.clone();
        let weak = app.as_weak();
        let shown = shown.clone();
        app.global::<Screen>().on_action(move |action| {
            // A previewed scene is a picture: its buttons do not drive the live device.
            if shown
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .preview
                .is_some()
            {
                return;
            }
            if let Some(app) = weak.upgrade() {
                let scene = app.global::<Screen>().get_scene();
                if let Some(ev) = action_event(&scene, &action) {
                    input.send(ev);
                }
            }
        });
    }
    {
        let input = input.clone();
        app.global::<Screen>().on_pick(move |i| {
            if let Some(p) = household.get(i as usize) {
                input.send(crate::flow::Event::Picked {
                    person_id: p.person_id(),
                });
            }
        });
    }
    if let Some(k) = &kiosk {
        kiosk_window(&app, k.exit_pin.clone(), &log);
    }
    {
        let b = app.global::<crate::view::ui::Browser>();
        let i = input.clone();
        b.on_press(move |n| i.browse(Msg::Press { item: n as usize }));
        let i = input.clone();
        b.on_key(move |k| i.browse(Msg::Key(k.to_string())));
        let i = input.clone();
        b.on_nav(move |a| {
            if let Some(m) = Msg::nav(&a) {
                i.browse(m);
            }
        });
    }
    if let Some(s) = say {
        input.say(&s);
    }
    let stopped_by = on_signals(rt, |_| {
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
    });
    let code = match app.run() {
        Ok(()) => Ok(()),
        Err(e) => Err(fail(ErrorKind::Usage, format!("window: {e}"))),
    };
    rt.block_on(shutdown(running, &input, &log));
    ended_by(&stopped_by, code)
}

/// Fills the monitor with the window where nothing honours the fullscreen request: a kiosk that
/// runs X without a window manager (`xinit` straight into linkscreen) gets the size it asked
/// for and the corner. Once the window exists, it is placed on its monitor and sized to it.
fn fill_monitor(app: &AppWindow, log: &EventLog) {
    use slint::winit_030::WinitWindowAccessor;
    let (weak, log) = (app.as_weak(), log.clone());
    let tries = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let timer = std::rc::Rc::new(slint::Timer::default());
    let t = timer.clone();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(100),
        move || {
            tries.set(tries.get() + 1);
            let Some(app) = weak.upgrade() else {
                t.stop();
                return;
            };
            let done = app.window().with_winit_window(|w| {
                let Some(m) = w.current_monitor().or_else(|| w.primary_monitor()) else {
                    return true;
                };
                let (pos, size) = (m.position(), m.size());
                if w.inner_size() != size || w.outer_position().ok() != Some(pos) {
                    w.set_outer_position(pos);
                    let _ = w.request_inner_size(size);
                    log.emit(
                        "kiosk_fit",
                        serde_json::json!({"width": size.width, "height": size.height, "x": pos.x, "y": pos.y}),
                    );
                }
                // Look again once more: a window manager may resize it after the first look.
                tries.get() >= 10
            });
            if done.unwrap_or(tries.get() >= 50) {
                t.stop();
            }
        },
    );
    // The timer keeps itself (its callback holds it) until it stops.
}

/// Kiosk window: fullscreen, no cursor, no closing; Ctrl+Shift+Q (then the PIN, when one is set)
/// is the only way out.
fn kiosk_window(app: &AppWindow, pin: Option<String>, log: &EventLog) {
    use crate::view::ui::{Device, Kiosk};
    app.window().set_fullscreen(true);
    fill_monitor(app, log);
    app.global::<Device>().set_kiosk(true);
    app.window()
        .on_close_requested(|| slint::CloseRequestResponse::KeepWindowShown);
    let k = app.global::<Kiosk>();
    k.set_active(true);
    k.set_pin_label(crate::locale::tr("device.kiosk_pin", "en-US", &[]).into());
    let typed = std::rc::Rc::new(std::cell::RefCell::new(String::new()));
    let (weak, log) = (app.as_weak(), log.clone());
    k.on_key(move |key| {
        let Some(app) = weak.upgrade() else { return };
        let k = app.global::<Kiosk>();
        let mut t = typed.borrow_mut();
        let leave = |log: &EventLog| {
            log.emit("kiosk_exit", serde_json::json!({}));
            let _ = slint::quit_event_loop();
        };
        match (key.as_str(), &pin) {
            ("exit", None) => leave(&log),
            ("exit", Some(_)) => {
                t.clear();
                k.set_pin_prompt(true);
            }
            ("\n", Some(p)) => {
                let ok = crate::backend::crypto::secret_eq(&t, p);
                t.clear();
                k.set_pin_prompt(false);
                if ok {
                    leave(&log);
                } else {
                    log.emit("kiosk_exit", serde_json::json!({"refused": "wrong PIN"}));
                }
            }
            ("\u{1b}", _) => {
                t.clear();
                k.set_pin_prompt(false);
            }
            ("\u{8}", _) => {
                t.pop();
            }
            (d, _) if d.len() == 1 && d.chars().all(|c| c.is_ascii_digit()) => t.push_str(d),
            _ => {}
        }
        k.set_pin_dots("•".repeat(t.chars().count()).into());
    });
}
