//! The device's pure state machine: [`Flow::handle`] takes an [`Event`] and
//! the current time and returns [`Effect`]s for the runtime to carry out.
//! No IO, no clock, no UI: every transition is replayable in a test.

mod scene;
mod voice;
pub use scene::Scene;
pub use voice::{LinkOutcome, LinkRequest, Listening, VoiceStep};

/// Milliseconds on the device's monotonic clock (the runtime's choice of origin).
pub type Millis = u64;

/// How long the success screen shows before the skill launches ("shortly afterward").
pub const SUCCESS_HOLD_MS: Millis = 2_000;
/// Backoff for an unreachable peer: first delay, cap.
pub const RETRY_BASE_MS: Millis = 1_000;
pub const RETRY_CAP_MS: Millis = 30_000;
/// Extra wait added to each poll delay so clock granularity never makes a poll early.
pub const POLL_MARGIN_MS: Millis = 50;

/// A code the linking service issued, as the device shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCode {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_at: Millis,
    pub interval_ms: Millis,
}

/// What the link prompt shows: the QR code, or the device's own browser on the skill's sign-in
/// pages ("Sign in using this device"). Polling goes on in both, so a link finished anywhere wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Qr,
    Browser(PageKind),
}

/// Which sign-in page the device's browser is on (the runtime classifies each page it loads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// A log-in page, or any other page (and the first load).
    Login,
    Terms,
    Consent,
    /// The Alexa redirect URL was reached: the link is being completed.
    Finishing,
}

impl LinkCode {
    /// Where the code leads: `verification_uri_complete`, else the verification URI with the
    /// user code (the QR payload and the device's sign-in fallback).
    pub fn complete_uri(&self) -> String {
        self.verification_uri_complete
            .clone()
            .unwrap_or_else(|| format!("{}?user_code={}", self.verification_uri, self.user_code))
    }
}

/// Which peer failed, so a retry repeats the right step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Asking the linking service for the stored token.
    FetchLink,
    /// Sending the LaunchRequest to the skill.
    Launch,
    /// Asking for a device code.
    RequestCode,
    /// Polling.
    Poll,
    /// Voice-forward linking: sending or checking the one-time code.
    VoiceLink,
}

/// What the skill answered, reduced to what the flow needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SkillAnswer {
    pub speech: Option<String>,
    pub card_title: Option<String>,
    pub card_text: Option<String>,
    pub asks_to_link: bool,
    /// `shouldEndSession: false`: the session stays open and the device listens for an answer.
    pub keeps_session: bool,
    /// The skill asked Alexa to link by voice (`Connections.StartConnection` to
    /// `connection://AMAZON.AskForAccountLinking/1`, PROTOCOL.md §4).
    pub link_request: Option<LinkRequest>,
}

/// An intent the user asked for with the invocation ("ask Ride Hailer to book a ride"), with
/// its slots (None: the slot was not filled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentCall {
    pub name: String,
    pub slots: Vec<(String, Option<String>)>,
}

/// Something that happened: user input, a peer's answer, or time passing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// "Alexa, open <skill>" (spoken, typed or tapped).
    Invoked,
    /// "Alexa, ask <skill> to …": like `Invoked`, and the first request is this IntentRequest.
    Asked(IntentCall),
    /// The linking service's stored token for this device's user (None: not linked).
    LinkFetched {
        token: Option<String>,
    },
    /// The skill answered with a valid response envelope.
    SkillAnswered(SkillAnswer),
    /// The skill answered, but not with something Alexa accepts.
    SkillFailed {
        reason: String,
    },
    /// A peer did not answer, or answered with a server error.
    PeerUnreachable {
        step: Step,
        reason: String,
    },
    /// The linking service issued a code.
    CodeIssued(LinkCode),
    /// A poll answered `authorization_pending` after `elapsed` ms (long-polls are held).
    PollPending {
        epoch: u32,
        elapsed: Millis,
    },
    /// A poll answered `slow_down`.
    PollSlowDown {
        epoch: u32,
        elapsed: Millis,
    },
    /// A poll returned the access token.
    PollGranted {
        epoch: u32,
        access_token: String,
    },
    PollDenied {
        epoch: u32,
    },
    PollExpired {
        epoch: u32,
    },
    /// A poll got an error that ends this code (e.g. `invalid_grant`).
    PollFailed {
        epoch: u32,
        reason: String,
    },
    /// A timer the flow asked for fired (or any periodic wake-up).
    Tick,
    TapNewCode,
    TapRetry,
    TapHome,
    TapSignInHere,
    /// A household profile was chosen on the profile picker.
    Picked {
        person_id: String,
    },
    /// "Back" on the profile picker.
    TapBack,
    /// The device's browser shows a page of this kind.
    PageShown(PageKind),
    /// The device's browser was closed: back to the QR code.
    TapCloseSignIn,
    /// Kiosk mode: the runtime's once-a-second check for an idle screen.
    IdleCheck,
    /// The recognized speaker changed (a voice profile: person id and name), or is unknown.
    SpeakerChanged(Option<(String, String)>),
    /// Words said inside an open session, understood as one of the skill's intents.
    Heard(IntentCall),
    /// Voice-forward linking: "I approve" (or yes) to Alexa's permission question.
    Approved,
    /// Voice-forward linking: "No" to Alexa's question.
    Declined,
    /// Voice-forward linking: "My code is …", the digits heard.
    CodeSpoken(String),
    /// The one-time code was sent to the user's phone.
    OtpSent,
    /// The linking service checked the spoken code: `linked` when it matched (the link is
    /// stored), else the code was wrong.
    OtpChecked {
        linked: bool,
    },
}

/// Something the runtime must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask the linking service for the stored token.
    FetchLink,
    /// Send a LaunchRequest (or, when the journey started with one, that IntentRequest), with
    /// the token when there is one.
    SendLaunch {
        token: Option<String>,
        intent: Option<IntentCall>,
    },
    /// Ask the linking service for a device code, for this person (personal linking).
    RequestCode { person: Option<String> },
    /// Poll once after `after` ms; `wait_s` asks a long-poll capable server to hold it.
    Poll {
        epoch: u32,
        device_code: String,
        after: Millis,
        wait_s: u64,
    },
    /// Stop any poll in flight.
    CancelPoll,
    /// Send `Event::Tick` at this time.
    WakeAt(Millis),
    /// Forward a card to the Alexa app (phone).
    ForwardCard {
        kind: String,
        speech: Option<String>,
    },
    /// Open the skill's sign-in page in the device's own browser ("Sign in using this device").
    OpenSignIn {
        device_code: String,
        verification_uri_complete: String,
    },
    /// Close the device's browser.
    CloseSignIn,
    /// Kiosk mode: revoke and delete the links made in this journey (account-level, and the
    /// picked person's), so the next visitor starts unlinked.
    Unlink { person: Option<String> },
    /// Send an IntentRequest in the open session.
    SendIntent(IntentCall),
    /// Voice-forward linking: send a one-time code to the speaker's phone.
    SendOtp { person: String, name: String },
    /// Voice-forward linking: check the code the speaker said (and link when it matches).
    VerifyOtp { code: String, person: String },
    /// Voice-forward linking is over: tell the skill (a SessionResumedRequest, or with
    /// `SEND_ERRORS_ONLY` a System.ExceptionEncountered for a failure).
    ResumeSession {
        link: LinkRequest,
        outcome: LinkOutcome,
    },
    /// The user left an open session (SessionEndedRequest, reason USER_INITIATED).
    EndSession,
    /// The skill answered with a LinkAccount card although it has no account linking: real
    /// Alexa has nothing to link (a conformance finding; the answer is shown as it is).
    ReportCardWithoutLinking { speech: Option<String> },
}

/// Where the journey is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Home,
    Invoking {
        token: Option<String>,
    },
    RequestingCode {
        skill_speech: Option<String>,
    },
    /// The profile picker (personal linking), before a person-bound code is requested.
    Picking {
        skill_speech: Option<String>,
    },
    Prompt {
        code: LinkCode,
        skill_speech: Option<String>,
        epoch: u32,
        view: View,
    },
    Success {
        until: Millis,
        token: String,
    },
    Launching {
        token: String,
    },
    SkillResponse(SkillAnswer),
    CodeExpired,
    AccessDenied,
    /// The authorization finished but the link did not: the token exchange with the skill's
    /// server failed (too slow, refused, not a token), or the grant ended otherwise.
    LinkFailed {
        reason: String,
    },
    /// `resume` is the link prompt to go back to when polling failed.
    Unreachable {
        step: Step,
        reason: String,
        retry_at: Millis,
        attempt: u32,
        resume: Option<Box<State>>,
    },
    SkillError {
        reason: String,
    },
    /// Alexa's own voice-forward account-linking dialog (PROTOCOL.md §4).
    VoiceLink {
        link: LinkRequest,
        step: VoiceStep,
        /// Wrong codes said so far.
        tries: u32,
    },
}

/// Settings the flow needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowConfig {
    /// The skill has account linking at all. Without it every request goes straight to the
    /// skill without a token, and a LinkAccount card has nothing to link.
    pub account_linking: bool,
    /// Account linking required: ask to link when no token is stored, even before the skill asks.
    pub linking_required: bool,
    /// The linking service holds polls (RFC 7240 `Prefer: wait`).
    pub long_poll: bool,
    /// Seed for retry jitter (deterministic; the runtime passes a random one).
    pub jitter_seed: u64,
    /// The skill supports personal account linking: "Sign in using this device" asks who first.
    pub personal_linking: bool,
    /// Kiosk mode: reset for the next visitor.
    pub kiosk: Option<Kiosk>,
    /// `voiceForwardAccountLinking: ENABLED` and an Alexa cloud that can link by voice: the
    /// skill is asked even when unlinked (it offers voice-forward linking itself).
    pub voice_forward: bool,
}

/// Kiosk timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kiosk {
    /// Back to home after this long without a touch.
    pub idle_ms: Millis,
    /// After a completed journey, the skill's answer shows this long, then unlink and home.
    pub answer_ms: Millis,
}

/// The state machine.
#[derive(Debug, Clone)]
pub struct Flow {
    state: State,
    cfg: FlowConfig,
    epoch: u32,
    /// True once a token was granted in this journey (for invariants and tests).
    granted: bool,
    rng: u64,
    skill_speech_for_retry: Option<String>,
    /// Consecutive peer failures, for backoff; reset by any answer.
    failures: u32,
    /// The person the current code is for (personal linking), read by the runtime for `RequestCode`.
    picked: Option<String>,
    /// Open the sign-in page as soon as the next code arrives.
    open_sign_in_next: bool,
    /// The intent the journey started with; `SendLaunch` sends it as an IntentRequest (read by
    /// the runtime). Cleared once linking succeeds: the skill then launches.
    intent: Option<IntentCall>,
    /// When the user last touched, spoke or typed (kiosk idle reset).
    last_input: Millis,
    /// Kiosk: when the skill's answer after a completed journey gives way to home.
    reset_at: Option<Millis>,
    /// The person whose link this journey made (kept for the kiosk's unlink).
    linked_person: Option<String>,
    /// The recognized speaker (a voice profile): their person id and name. Voice-forward
    /// linking needs one.
    speaker: Option<(String, String)>,
    /// While a retry after "can't reach the server" is in flight, the error screen stays up
    /// (with "Retrying…") instead of flashing the invoking screen between tries.
    retrying: Option<State>,
}

impl Event {
    /// A peer answered (the linking service or the skill): it is reachable again.
    fn is_answer(&self) -> bool {
        matches!(
            self,
            Event::LinkFetched { .. }
                | Event::SkillAnswered(_)
                | Event::SkillFailed { .. }
                | Event::CodeIssued(_)
                | Event::PollPending { .. }
                | Event::PollGranted { .. }
        )
    }
}

/// States in which a request is on its way and nothing else is shown.
fn in_progress(s: &State) -> bool {
    matches!(
        s,
        State::Invoking { .. } | State::RequestingCode { .. } | State::Launching { .. }
    )
}

impl Flow {
    pub fn new(cfg: FlowConfig) -> Self {
        let rng = cfg.jitter_seed | 1;
        Flow {
            state: State::Home,
            cfg,
            epoch: 0,
            granted: false,
            rng,
            skill_speech_for_retry: None,
            failures: 0,
            picked: None,
            open_sign_in_next: false,
            intent: None,
            last_input: 0,
            reset_at: None,
            linked_person: None,
            speaker: None,
            retrying: None,
        }
    }

    /// The person whose link this journey made (personal linking on the device).
    pub fn linked_person(&self) -> Option<&str> {
        self.linked_person.as_deref()
    }

    /// What the screen shows: the state, or the error screen a retry is on its way from.
    pub fn shown(&self) -> &State {
        match &self.retrying {
            Some(r) if in_progress(&self.state) => r,
            _ => &self.state,
        }
    }

    pub fn scene(&self) -> Scene {
        match self.shown() {
            State::Home => Scene::Home,
            State::Invoking { .. } | State::RequestingCode { .. } | State::Launching { .. } => {
                Scene::Invoking
            }
            State::Prompt { view, .. } => match view {
                View::Qr => Scene::LinkPrompt,
                View::Browser(PageKind::Login) => Scene::Login,
                View::Browser(PageKind::Terms) => Scene::Terms,
                View::Browser(PageKind::Consent) => Scene::Consent,
                View::Browser(PageKind::Finishing) => Scene::Linking,
            },
            State::Picking { .. } => Scene::ProfilePicker,
            State::Success { .. } => Scene::Success,
            State::SkillResponse(_) => Scene::SkillResponse,
            State::CodeExpired => Scene::CodeExpired,
            State::LinkFailed { .. } => Scene::LinkFailed,
            State::AccessDenied => Scene::AccessDenied,
            State::Unreachable { .. } => Scene::ServerUnreachable,
            State::SkillError { .. } => Scene::SkillError,
            State::VoiceLink { .. } => Scene::VoiceLink,
        }
    }

    fn jitter(&mut self, max: Millis) -> Millis {
        // xorshift64: deterministic jitter without a clock or OS randomness.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        if max == 0 { 0 } else { self.rng % max }
    }

    fn unreachable(
        &mut self,
        now: Millis,
        step: Step,
        reason: String,
        resume: Option<Box<State>>,
    ) -> Vec<Effect> {
        let attempt = self.failures;
        self.failures = self.failures.saturating_add(1);
        let base = RETRY_BASE_MS
            .saturating_mul(1 << attempt.min(10))
            .min(RETRY_CAP_MS);
        // "Equal jitter": half fixed, half random, so retries spread but never collapse to zero.
        let delay = base / 2 + self.jitter(base / 2 + 1);
        let retry_at = now + delay;
        self.state = State::Unreachable {
            step,
            reason,
            retry_at,
            attempt,
            resume,
        };
        vec![Effect::CancelPoll, Effect::WakeAt(retry_at)]
    }

    fn retry(&mut self, step: Step, resume: Option<Box<State>>, now: Millis) -> Vec<Effect> {
        if let Some(prompt) = resume
            && let State::Prompt {
                code, skill_speech, ..
            } = *prompt
        {
            if now >= code.expires_at {
                self.state = State::CodeExpired;
                return vec![];
            }
            self.epoch = self.epoch.wrapping_add(1);
            let fx = vec![self.poll(&code, 0), Effect::WakeAt(now + 1000)];
            self.state = State::Prompt {
                code,
                skill_speech,
                epoch: self.epoch,
                view: View::Qr,
            };
            return fx;
        }
        match step {
            Step::FetchLink | Step::Launch | Step::VoiceLink => self.launch(),
            Step::RequestCode | Step::Poll => {
                self.state = State::RequestingCode {
                    skill_speech: self.skill_speech_for_retry.clone(),
                };
                vec![Effect::RequestCode { person: None }]
            }
        }
    }

    /// (Re)starts the launch: the stored link first, or — without account linking, where
    /// nothing is ever stored — straight to the skill.
    fn launch(&mut self) -> Vec<Effect> {
        self.state = State::Invoking { token: None };
        if self.cfg.account_linking {
            vec![Effect::FetchLink]
        } else {
            vec![Effect::SendLaunch {
                token: None,
                intent: None,
            }]
        }
    }

    fn start_code(&mut self, skill_speech: Option<String>) -> Vec<Effect> {
        self.skill_speech_for_retry = skill_speech.clone();
        self.state = State::RequestingCode { skill_speech };
        vec![Effect::RequestCode { person: None }]
    }

    fn poll(&self, code: &LinkCode, after: Millis) -> Effect {
        let wait_s = if self.cfg.long_poll {
            code.interval_ms / 1000
        } else {
            0
        };
        Effect::Poll {
            epoch: self.epoch,
            device_code: code.device_code.clone(),
            after,
            wait_s,
        }
    }

    /// The user touched, spoke or typed (kiosk idle reset counts from here).
    pub fn touched(&mut self, now: Millis) {
        self.last_input = now;
    }

    /// Kiosk: back to home for the next visitor, unlinking what this journey linked.
    fn kiosk_reset(&mut self) -> Vec<Effect> {
        let mut fx = vec![Effect::CancelPoll];
        if self.granted {
            fx.push(Effect::Unlink {
                person: self.linked_person.take(),
            });
        }
        self.state = State::Home;
        self.granted = false;
        self.picked = None;
        self.intent = None;
        self.reset_at = None;
        fx
    }

    /// Feeds one event in; returns what the runtime must do.
    pub fn handle(&mut self, event: Event, now: Millis) -> Vec<Effect> {
        if let Event::SpeakerChanged(speaker) = event {
            self.speaker = speaker;
            return vec![];
        }
        let fx = self.handle_inner(event, now);
        self.with_data(fx)
    }

    /// Where the journey is (read only: the flow changes it, on events).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The recognized speaker's name, if any.
    pub fn speaker_name(&self) -> Option<&str> {
        self.speaker.as_ref().map(|(_, n)| n.as_str())
    }

    /// Effects carry what the runtime needs, as the journey stands after the event: the person
    /// a code is for, the intent a launch sends, the speaker a one-time code goes to.
    fn with_data(&self, fx: Vec<Effect>) -> Vec<Effect> {
        let (person, name) = self.speaker.clone().unwrap_or_default();
        fx.into_iter()
            .map(|e| match e {
                Effect::RequestCode { .. } => Effect::RequestCode {
                    person: self.picked.clone(),
                },
                Effect::SendLaunch { token, .. } => Effect::SendLaunch {
                    token,
                    intent: self.intent.clone(),
                },
                Effect::SendOtp { .. } => Effect::SendOtp {
                    person: person.clone(),
                    name: name.clone(),
                },
                Effect::VerifyOtp { code, .. } => Effect::VerifyOtp {
                    code,
                    person: person.clone(),
                },
                other => other,
            })
            .collect()
    }

    fn handle_inner(&mut self, event: Event, now: Millis) -> Vec<Effect> {
        if let Some(k) = self.cfg.kiosk {
            match (&self.state, &event) {
                (State::Home, _) => {}
                (_, Event::IdleCheck) if now.saturating_sub(self.last_input) >= k.idle_ms => {
                    return self.kiosk_reset();
                }
                // Home after a completed journey: the next visitor starts unlinked.
                (_, Event::TapHome) if self.granted => return self.kiosk_reset(),
                (State::SkillResponse(_), Event::Tick)
                    if self.reset_at.is_some_and(|at| now >= at) =>
                {
                    return self.kiosk_reset();
                }
                _ => {}
            }
        }
        // The error screen stays while a retry is on its way, until a peer answers.
        let from_progress = in_progress(&self.state) && !event.is_answer();
        let unreachable =
            matches!(self.state, State::Unreachable { .. }).then(|| self.state.clone());
        let fx = self.step(event, now);
        self.retrying = match (in_progress(&self.state), unreachable) {
            (true, Some(u)) => Some(u),
            (true, None) if from_progress => self.retrying.take(),
            _ => None,
        };
        if !matches!(self.state, State::SkillResponse(_)) {
            self.reset_at = None;
        }
        // Kiosk: the skill's answer after a completed journey shows for a while, then resets.
        if let (Some(k), State::SkillResponse(_), true, None) =
            (self.cfg.kiosk, &self.state, self.granted, self.reset_at)
        {
            let at = now + k.answer_ms;
            self.reset_at = Some(at);
            return fx.into_iter().chain([Effect::WakeAt(at)]).collect();
        }
        fx
    }

    fn step(&mut self, event: Event, now: Millis) -> Vec<Effect> {
        use Event as E;
        let state = self.state.clone();
        if event.is_answer() {
            self.failures = 0;
        }
        match (state, event) {
            // Starting (again) from any resting scene.
            (
                State::Home
                | State::SkillResponse(_)
                | State::CodeExpired
                | State::AccessDenied
                | State::LinkFailed { .. }
                | State::SkillError { .. }
                | State::VoiceLink {
                    step: VoiceStep::Done(_),
                    ..
                },
                ev @ (E::Invoked | E::Asked(_)),
            ) => {
                self.intent = match ev {
                    E::Asked(call) => Some(call),
                    _ => None,
                };
                self.granted = false;
                self.picked = None;
                self.launch()
            }
            (State::Invoking { .. }, E::LinkFetched { token }) => match token {
                None if self.cfg.account_linking
                    && self.cfg.linking_required
                    && !self.cfg.voice_forward =>
                {
                    self.start_code(None)
                }
                token => {
                    self.state = State::Invoking {
                        token: token.clone(),
                    };
                    vec![Effect::SendLaunch {
                        token,
                        intent: None,
                    }]
                }
            },
            (State::Invoking { .. } | State::Launching { .. }, E::SkillAnswered(a)) => {
                if let Some(link) = a.link_request.clone() {
                    self.start_voice_link(link, a, now)
                } else if a.asks_to_link && !self.cfg.account_linking {
                    let fx = vec![Effect::ReportCardWithoutLinking {
                        speech: a.speech.clone(),
                    }];
                    self.state = State::SkillResponse(a);
                    fx
                } else if a.asks_to_link {
                    // Also after Launching: the skill refused the token it was just given, so link again.
                    let mut fx = vec![Effect::ForwardCard {
                        kind: "LinkAccount".into(),
                        speech: a.speech.clone(),
                    }];
                    fx.extend(self.start_code(a.speech));
                    fx
                } else {
                    self.state = State::SkillResponse(a);
                    vec![]
                }
            }
            (State::Invoking { .. } | State::Launching { .. }, E::SkillFailed { reason }) => {
                self.state = State::SkillError { reason };
                vec![]
            }
            (State::RequestingCode { skill_speech }, E::CodeIssued(code)) => {
                self.epoch = self.epoch.wrapping_add(1);
                // A held (long) poll can start at once: the server answers when the link completes.
                let first = if self.cfg.long_poll {
                    0
                } else {
                    code.interval_ms + POLL_MARGIN_MS
                };
                let mut fx = vec![
                    self.poll(&code, first),
                    Effect::WakeAt(code.expires_at.min(now + 1000)),
                ];
                let view = if std::mem::take(&mut self.open_sign_in_next) {
                    fx.push(open_sign_in(&code));
                    View::Browser(PageKind::Login)
                } else {
                    View::Qr
                };
                self.state = State::Prompt {
                    code,
                    skill_speech,
                    epoch: self.epoch,
                    view,
                };
                fx
            }
            (State::Prompt { code, epoch, .. }, E::PollPending { epoch: g, elapsed })
                if g == epoch =>
            {
                let after = code.interval_ms.saturating_sub(elapsed) + POLL_MARGIN_MS;
                vec![self.poll(&code, after)]
            }
            (
                State::Prompt {
                    mut code,
                    epoch,
                    skill_speech,
                    view,
                },
                E::PollSlowDown { epoch: g, elapsed },
            ) if g == epoch => {
                // RFC 8628 §3.5: add 5 s for this and every later request.
                code.interval_ms += 5_000;
                let after = code.interval_ms.saturating_sub(elapsed) + POLL_MARGIN_MS;
                let fx = vec![self.poll(&code, after)];
                self.state = State::Prompt {
                    code,
                    epoch,
                    skill_speech,
                    view,
                };
                fx
            }
            (
                State::Prompt { epoch, .. },
                E::PollGranted {
                    epoch: g,
                    access_token,
                },
            ) if g == epoch => {
                self.granted = true;
                self.linked_person = self.picked.clone();
                let until = now + SUCCESS_HOLD_MS;
                self.state = State::Success {
                    until,
                    token: access_token,
                };
                vec![Effect::CancelPoll, Effect::WakeAt(until)]
            }
            (State::Prompt { epoch, .. }, E::PollDenied { epoch: g }) if g == epoch => {
                self.state = State::AccessDenied;
                vec![Effect::CancelPoll]
            }
            (State::Prompt { epoch, .. }, E::PollExpired { epoch: g }) if g == epoch => {
                self.state = State::CodeExpired;
                vec![Effect::CancelPoll]
            }
            (State::Prompt { epoch, .. }, E::PollFailed { epoch: g, reason }) if g == epoch => {
                self.state = State::LinkFailed { reason };
                vec![Effect::CancelPoll]
            }
            (State::Prompt { code, .. }, E::Tick) => {
                if now >= code.expires_at {
                    self.state = State::CodeExpired;
                    vec![Effect::CancelPoll]
                } else {
                    // Wake each second for the countdown.
                    vec![Effect::WakeAt((now + 1000).min(code.expires_at))]
                }
            }
            (
                State::Prompt {
                    skill_speech,
                    view: View::Qr,
                    ..
                },
                E::TapSignInHere,
            ) if self.cfg.personal_linking => {
                // The seed: with personal account linking the user first picks their profile.
                self.state = State::Picking { skill_speech };
                vec![Effect::CancelPoll]
            }
            (
                State::Prompt {
                    code,
                    skill_speech,
                    epoch,
                    view: View::Qr,
                },
                E::TapSignInHere,
            ) => {
                let fx = vec![open_sign_in(&code)];
                self.state = State::Prompt {
                    code,
                    skill_speech,
                    epoch,
                    view: View::Browser(PageKind::Login),
                };
                fx
            }
            (
                State::Prompt {
                    code,
                    skill_speech,
                    epoch,
                    view: View::Browser(_),
                },
                ev @ (E::PageShown(_) | E::TapCloseSignIn),
            ) => {
                let (view, fx) = match ev {
                    E::PageShown(kind) => (View::Browser(kind), vec![]),
                    _ => (View::Qr, vec![Effect::CloseSignIn]),
                };
                self.state = State::Prompt {
                    code,
                    skill_speech,
                    epoch,
                    view,
                };
                fx
            }
            (State::Picking { skill_speech }, E::Picked { person_id }) => {
                self.picked = Some(person_id);
                self.open_sign_in_next = true;
                self.start_code(skill_speech)
            }
            (State::Picking { skill_speech }, E::TapBack) => {
                self.picked = None;
                self.start_code(skill_speech)
            }
            (State::Success { until, token }, E::Tick) => {
                if now >= until {
                    self.intent = None;
                    self.state = State::Launching {
                        token: token.clone(),
                    };
                    vec![Effect::SendLaunch {
                        token: Some(token),
                        intent: None,
                    }]
                } else {
                    vec![Effect::WakeAt(until)]
                }
            }
            (
                State::CodeExpired | State::AccessDenied | State::LinkFailed { .. },
                E::TapNewCode,
            ) => {
                let speech = self.skill_speech_for_retry.clone();
                self.start_code(speech)
            }
            (
                State::Unreachable {
                    step,
                    retry_at,
                    resume,
                    ..
                },
                E::Tick,
            ) if now >= retry_at => self.retry(step, resume, now),
            (State::Unreachable { retry_at, .. }, E::Tick) => vec![Effect::WakeAt(retry_at)],
            (State::Unreachable { step, resume, .. }, E::TapRetry) => self.retry(step, resume, now),
            (State::SkillResponse(a), E::Heard(call)) if a.keeps_session => {
                self.state = State::Invoking { token: None };
                vec![Effect::SendIntent(call)]
            }
            (State::VoiceLink { link, step, tries }, ev) if !matches!(ev, E::TapHome) => {
                self.voice(link, step, tries, ev, now)
            }
            (State::SkillError { .. }, E::TapRetry) => self.launch(),
            (
                State::Invoking { .. } | State::Launching { .. },
                E::PeerUnreachable {
                    step: step @ (Step::FetchLink | Step::Launch),
                    reason,
                },
            ) => self.unreachable(now, step, reason, None),
            (
                State::RequestingCode { .. },
                E::PeerUnreachable {
                    step: Step::RequestCode,
                    reason,
                },
            ) => self.unreachable(now, Step::RequestCode, reason, None),
            (
                prompt @ State::Prompt { .. },
                E::PeerUnreachable {
                    step: Step::Poll,
                    reason,
                },
            ) => self.unreachable(now, Step::Poll, reason, Some(Box::new(prompt))),
            (state, E::TapHome) => {
                let open = self.session_open(&state);
                self.state = State::Home;
                self.granted = false;
                self.picked = None;
                let mut fx = vec![Effect::CancelPoll];
                if open {
                    fx.push(Effect::EndSession);
                }
                fx
            }
            // Anything else (stale poll results, taps on the wrong scene) changes nothing.
            _ => vec![],
        }
    }
}

/// "Sign in using this device" for this code (the runtime asks the linking service for the
/// authorization URL, and falls back to the complete verification URI).
fn open_sign_in(code: &LinkCode) -> Effect {
    Effect::OpenSignIn {
        device_code: code.device_code.clone(),
        verification_uri_complete: code.complete_uri(),
    }
}

#[cfg(test)]
mod tests;
