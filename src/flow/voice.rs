//! Voice-forward account linking (docs/design.md "Wire formats" §4): Alexa's own dialog after a skill answers
//! with `Connections.StartConnection` to `connection://AMAZON.AskForAccountLinking/1` —
//! permission for the scopes, a one-time code sent to the phone and spoken back (three
//! tries), then a SessionResumedRequest (or, with `SEND_ERRORS_ONLY`, an exception for a
//! failure) that tells the skill how it went.

use super::{Effect, Event, Flow, SkillAnswer, State};

/// How many wrong codes Alexa accepts before giving up.
pub const CODE_TRIES: u32 = 3;
/// How long Alexa's closing line ("Great, Annie. I've signed you in…") is on screen before
/// the skill hears how it went and answers.
pub const CLOSING_LINE_MS: super::Millis = 3_000;

/// What the skill asked for in its `Connections.StartConnection` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRequest {
    /// Echoed back unchanged in the SessionResumedRequest's `cause.token`.
    pub token: String,
    /// `onCompletion: SEND_ERRORS_ONLY`: success ends the session; failures arrive as
    /// `System.ExceptionEncountered`.
    pub errors_only: bool,
}

/// Where Alexa's dialog is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceStep {
    /// "Do you give … permission to access …? You can say, 'I approve', or 'No.'"
    Permission,
    /// The one-time code is being sent to the phone.
    SendingCode,
    /// "…say, 'My code is', followed by the code we sent to your phone." `retry`: after a
    /// wrong code.
    Code { retry: bool },
    /// The linking service is checking the spoken code.
    Verifying,
    /// Alexa says how it went; the skill is told at `until`.
    Saying {
        outcome: LinkOutcome,
        until: super::Millis,
    },
    /// Alexa said how it went and is telling the skill.
    Resuming(LinkOutcome),
    /// Over, the session ended (a success with `SEND_ERRORS_ONLY`, or a failure the skill was
    /// told about with an exception).
    Done(LinkOutcome),
}

/// How voice-forward linking ended, as the skill hears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOutcome {
    /// `result.status` LINKED.
    Linked,
    /// The user said no: DENIED.
    Denied,
    /// No voice profile recognized: USER_REQUIREMENTS_NOT_MET.
    RequirementsNotMet,
    /// Three wrong codes.
    NotVerified,
    /// `voiceForwardAccountLinking` is not ENABLED (or the Alexa cloud cannot link by voice).
    NotEnabled,
    /// The linking service could not be reached or refused.
    Failed(String),
}

impl LinkOutcome {
    /// `cause.status` (HTTP-style code and message) and `cause.result.status` (None: no result).
    pub fn status(&self) -> (&'static str, String, Option<&'static str>) {
        match self {
            LinkOutcome::Linked => ("200", "OK".into(), Some("LINKED")),
            LinkOutcome::Denied => ("200", "OK".into(), Some("DENIED")),
            LinkOutcome::RequirementsNotMet => {
                ("200", "OK".into(), Some("USER_REQUIREMENTS_NOT_MET"))
            }
            LinkOutcome::NotVerified => (
                "403",
                "The user could not be verified with the one-time code.".into(),
                None,
            ),
            LinkOutcome::NotEnabled => (
                "400",
                "Voice-forward account linking is not enabled for this skill.".into(),
                None,
            ),
            LinkOutcome::Failed(why) => ("500", why.clone(), None),
        }
    }

    /// A failure (anything but LINKED) reaches a `SEND_ERRORS_ONLY` skill.
    pub fn is_error(&self) -> bool {
        *self != LinkOutcome::Linked
    }
}

/// What the device listens for now (the utterance bar and scripts' `say`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listening {
    /// Nothing open: only "Alexa, open …" / "Alexa, ask … to …".
    Invocation,
    /// An open session: the skill's intents.
    Skill,
    /// Alexa's permission question: "I approve" / "No".
    Permission,
    /// Alexa asked for the one-time code: "My code is …".
    Code,
}

impl Flow {
    /// The skill's session is open (its last answer kept it), or Alexa's linking dialog runs
    /// inside it.
    pub(super) fn session_open(&self, state: &State) -> bool {
        match state {
            State::SkillResponse(a) => a.keeps_session,
            State::VoiceLink { step, .. } => !matches!(step, VoiceStep::Done(_)),
            _ => false,
        }
    }

    /// What an utterance now means.
    pub fn listening(&self) -> Listening {
        match &self.state {
            State::SkillResponse(a) if a.keeps_session => Listening::Skill,
            State::VoiceLink {
                step: VoiceStep::Permission,
                ..
            } => Listening::Permission,
            State::VoiceLink {
                step: VoiceStep::Code { .. },
                ..
            } => Listening::Code,
            _ => Listening::Invocation,
        }
    }

    /// The skill answered with the directive: Alexa checks what it needs, then asks.
    pub(super) fn start_voice_link(
        &mut self,
        link: LinkRequest,
        _a: SkillAnswer,
        now: super::Millis,
    ) -> Vec<Effect> {
        if !self.cfg.voice_forward {
            return self.finish(link, LinkOutcome::NotEnabled, now);
        }
        if self.speaker.is_none() {
            return self.finish(link, LinkOutcome::RequirementsNotMet, now);
        }
        self.state = State::VoiceLink {
            link,
            step: VoiceStep::Permission,
            tries: 0,
        };
        vec![]
    }

    /// Alexa says how it went; then the skill is told (see [`CLOSING_LINE_MS`]).
    fn finish(
        &mut self,
        link: LinkRequest,
        outcome: LinkOutcome,
        now: super::Millis,
    ) -> Vec<Effect> {
        if outcome == LinkOutcome::Linked {
            self.granted = true;
            self.linked_person = self.speaker.as_ref().map(|(id, _)| id.clone());
        }
        if link.errors_only && !outcome.is_error() {
            // Success with SEND_ERRORS_ONLY: Alexa's line is the last word, the session ends.
            self.state = State::VoiceLink {
                link,
                step: VoiceStep::Done(outcome),
                tries: 0,
            };
            return vec![];
        }
        let until = now + CLOSING_LINE_MS;
        self.state = State::VoiceLink {
            link,
            step: VoiceStep::Saying { outcome, until },
            tries: 0,
        };
        vec![Effect::WakeAt(until)]
    }

    pub(super) fn voice(
        &mut self,
        link: LinkRequest,
        step: VoiceStep,
        tries: u32,
        ev: Event,
        now: super::Millis,
    ) -> Vec<Effect> {
        use Event as E;
        use VoiceStep as V;
        match (step, ev) {
            (V::Permission, E::Approved) => {
                self.state = State::VoiceLink {
                    link,
                    step: V::SendingCode,
                    tries,
                };
                vec![Effect::SendOtp {
                    person: String::new(),
                    name: String::new(),
                }]
            }
            (V::Permission | V::Code { .. }, E::Declined) => {
                self.finish(link, LinkOutcome::Denied, now)
            }
            (V::SendingCode, E::OtpSent) => {
                self.state = State::VoiceLink {
                    link,
                    step: V::Code { retry: false },
                    tries,
                };
                vec![]
            }
            (V::Code { .. }, E::CodeSpoken(code)) => {
                self.state = State::VoiceLink {
                    link,
                    step: V::Verifying,
                    tries,
                };
                vec![Effect::VerifyOtp {
                    code,
                    person: String::new(),
                }]
            }
            (V::Verifying, E::OtpChecked { linked: true }) => {
                self.finish(link, LinkOutcome::Linked, now)
            }
            (V::Verifying, E::OtpChecked { linked: false }) => {
                let tries = tries + 1;
                if tries >= CODE_TRIES {
                    return self.finish(link, LinkOutcome::NotVerified, now);
                }
                self.state = State::VoiceLink {
                    link,
                    step: V::Code { retry: true },
                    tries,
                };
                vec![]
            }
            (V::SendingCode | V::Verifying, E::PeerUnreachable { reason, .. }) => {
                self.finish(link, LinkOutcome::Failed(reason), now)
            }
            (V::Saying { outcome, until }, E::Tick) => {
                if now < until {
                    self.state = State::VoiceLink {
                        link,
                        step: V::Saying { outcome, until },
                        tries,
                    };
                    return vec![Effect::WakeAt(until)];
                }
                self.state = State::VoiceLink {
                    link: link.clone(),
                    step: V::Resuming(outcome.clone()),
                    tries,
                };
                vec![Effect::ResumeSession { link, outcome }]
            }
            // The skill's answer to the SessionResumedRequest: its words show (a LinkAccount
            // card still leads to the QR code, as after a LaunchRequest).
            (V::Resuming(outcome), ev @ (E::SkillAnswered(_) | E::SkillFailed { .. })) => {
                if link.errors_only {
                    // An exception's answer is not spoken; Alexa's line was the last word.
                    self.state = State::VoiceLink {
                        link,
                        step: V::Done(outcome),
                        tries: 0,
                    };
                    return vec![];
                }
                self.state = State::Invoking { token: None };
                self.step(ev, now)
            }
            (V::Resuming(outcome), E::PeerUnreachable { reason, .. }) => {
                self.state = State::SkillError {
                    reason: format!("{reason} (after voice-forward linking: {outcome:?})"),
                };
                vec![]
            }
            (step, _) => {
                // Anything else leaves Alexa's question standing.
                self.state = State::VoiceLink { link, step, tries };
                vec![]
            }
        }
    }
}
