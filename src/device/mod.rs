//! The device runtime: feeds events into the flow, carries out its effects
//! with tokio (polling, timers, requests), logs every exchange, and publishes
//! the screen model after each change. Data flows one way: clients produce
//! events -> flow decides -> view renders.

pub mod events;
mod run;
pub mod script;

pub use run::run_command;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::clients::PeerError;
use crate::clients::linking::{LinkingClient, PollOutcome};
use crate::clients::skill::{self, Identity};
use crate::flow::{Effect, Event, Flow, FlowConfig, LinkCode, Millis, Scene, SkillAnswer, Step};
use crate::protocol::ask::Card;
use crate::protocol::viewport::DeviceProfile;
use crate::view::model::{self, UiModel};
use events::EventLog;

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
    pub linking_required: bool,
    pub personal_linking: bool,
    pub household: Vec<crate::config::Profile>,
    /// The recognized speaker's person id (PROTOCOL.md §5); None: not recognized.
    pub speaker: Option<String>,
    /// Open "Sign in using this device" in the desktop browser (windowed runs).
    pub open_browser: bool,
    pub http: reqwest::Client,
    pub log: EventLog,
}

/// What the runtime publishes after each change.
#[derive(Debug, Clone)]
pub struct Frame {
    pub scene: Scene,
    pub model: UiModel,
}

/// Handle to send input to a running device.
#[derive(Clone)]
pub struct DeviceInput(pub mpsc::UnboundedSender<Event>);

impl DeviceInput {
    pub fn send(&self, e: Event) {
        let _ = self.0.send(e);
    }

    /// An utterance: "Alexa, open Ride Hailer" and its variants invoke the skill.
    pub fn say(&self, text: &str, invocation: &str) -> bool {
        let t = text.to_lowercase().replace([',', '.', '!', '?'], " ");
        let words: Vec<&str> = t.split_whitespace().filter(|w| *w != "alexa").collect();
        let phrase = words.join(" ");
        for verb in ["open", "launch", "start", "enable", "ask", "talk to"] {
            if phrase.starts_with(&format!("{verb} {invocation}")) {
                self.send(Event::Invoked);
                return true;
            }
        }
        false
    }
}

/// Starts the device on the current tokio runtime; `publish` gets every new frame.
pub fn spawn(setup: DeviceSetup, publish: impl Fn(Frame) + Send + Sync + 'static) -> DeviceInput {
    let (tx, rx) = mpsc::unbounded_channel();
    let input = DeviceInput(tx.clone());
    tokio::spawn(run_loop(setup, tx, rx, publish));
    input
}

async fn run_loop(
    setup: DeviceSetup,
    tx: mpsc::UnboundedSender<Event>,
    mut rx: mpsc::UnboundedReceiver<Event>,
    publish: impl Fn(Frame) + Send + Sync + 'static,
) {
    let start = Instant::now();
    let now = || start.elapsed().as_millis() as Millis;
    let mut flow = Flow::new(FlowConfig {
        linking_required: setup.linking_required,
        long_poll: setup.linking.metadata.linkscreen_long_poll,
        jitter_seed: rand::random(),
        personal_linking: setup.personal_linking,
    });
    let mut poll_task: Option<JoinHandle<()>> = None;
    let mut timers: HashMap<Millis, JoinHandle<()>> = HashMap::new();
    let mut last: Option<UiModel> = None;
    let mut last_scene = None;
    let emit_frame =
        |flow: &Flow, now: Millis, last: &mut Option<UiModel>, last_scene: &mut Option<Scene>| {
            let m = model::build(
                flow.scene(),
                &flow.state,
                now,
                &setup.locale,
                &setup.skill_name,
                &setup.invocation,
                &setup.household,
            );
            if last.as_ref() != Some(&m) {
                if *last_scene != Some(flow.scene()) {
                    setup.log.emit("scene", json!({"scene": flow.scene().id()}));
                    *last_scene = Some(flow.scene());
                }
                *last = Some(m.clone());
                publish(Frame {
                    scene: flow.scene(),
                    model: m,
                });
            }
        };
    emit_frame(&flow, now(), &mut last, &mut last_scene);
    while let Some(ev) = rx.recv().await {
        let t = now();
        if let Event::CodeIssued(c) = &ev {
            setup.log.emit(
                "prompt",
                json!({"qr_url": c.verification_uri_complete, "user_code": c.user_code, "verification_uri": c.verification_uri, "expires_in": (c.expires_at - t) / 1000}),
            );
        }
        for fx in flow.handle(ev, t) {
            match fx {
                Effect::FetchLink => {
                    let (s, tx) = (setup.clone(), tx.clone());
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
                Effect::SendLaunch { token } => {
                    let (s, tx) = (setup.clone(), tx.clone());
                    tokio::spawn(async move {
                        let _ = tx.send(launch(&s, token.as_deref()).await);
                    });
                }
                Effect::RequestCode => {
                    let (s, tx) = (setup.clone(), tx.clone());
                    // A code for the profile picked on the device (personal linking), else account level.
                    let person = flow.picked.clone().unwrap_or_default();
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
                    if let Some(p) = poll_task.take() {
                        p.abort();
                    }
                    let (s, tx) = (setup.clone(), tx.clone());
                    poll_task = Some(tokio::spawn(async move {
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
                                s.log.emit("poll", json!({"result": name, "elapsed_ms": elapsed, "wait_s": wait_s}));
                                match o {
                                    PollOutcome::Pending => Event::PollPending { epoch, elapsed },
                                    PollOutcome::SlowDown => Event::PollSlowDown { epoch, elapsed },
                                    PollOutcome::Granted(t) => Event::PollGranted {
                                        epoch,
                                        access_token: t.access_token,
                                    },
                                    PollOutcome::Denied => Event::PollDenied { epoch },
                                    PollOutcome::Expired => Event::PollExpired { epoch },
                                    PollOutcome::Failed(reason) => {
                                        Event::PollFailed { epoch, reason }
                                    }
                                }
                            }
                            Err(e) => peer_event(&s.log, Step::Poll, e),
                        };
                        let _ = tx.send(ev);
                    }));
                }
                Effect::CancelPoll => {
                    if let Some(p) = poll_task.take() {
                        p.abort();
                    }
                }
                Effect::WakeAt(at) => {
                    timers.retain(|_, h| !h.is_finished());
                    let delay = at.saturating_sub(now());
                    timers.entry(at).or_insert_with(|| {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_millis(delay)).await;
                            let _ = tx.send(Event::Tick);
                        })
                    });
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
                    verification_uri_complete,
                } => {
                    setup
                        .log
                        .emit("open_sign_in", json!({"url": verification_uri_complete}));
                    if setup.open_browser
                        && let Err(e) = webbrowser::open(&verification_uri_complete)
                    {
                        setup.log.emit(
                            "error",
                            json!({"step": "open_sign_in", "reason": e.to_string()}),
                        );
                    }
                }
            }
        }
        emit_frame(&flow, now(), &mut last, &mut last_scene);
    }
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

async fn launch(s: &DeviceSetup, token: Option<&str>) -> Event {
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
    let env = skill::launch_envelope(
        &s.identity,
        &s.profile,
        &s.locale,
        account.as_deref(),
        person.as_deref(),
        &now_iso,
    );
    s.log.emit(
        "skill_request",
        json!({"url": s.skill_endpoint, "body": env}),
    );
    match skill::send(&s.http, &s.skill_endpoint, &env).await {
        Ok((resp, raw)) => {
            s.log.emit("skill_response", json!({"body": raw}));
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
