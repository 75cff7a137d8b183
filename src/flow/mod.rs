//! The device's pure state machine: [`Flow::handle`] takes an [`Event`] and
//! the current time and returns [`Effect`]s for the runtime to carry out.
//! No IO, no clock, no UI: every transition is replayable in a test.
//!
//! Must not import: anything that does IO: `backend`, `clients`, `device`, `view`, `shots`, `app`, `plan`.

mod scene;
mod step;
mod vocab;
mod voice;
pub use scene::Scene;
pub use vocab::*;
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
}

#[cfg(test)]
mod tests;
