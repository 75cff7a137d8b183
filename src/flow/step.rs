//! The transitions: one event in the current state, the next state and the effects.

use super::*;

impl Flow {
    pub(super) fn step(&mut self, event: Event, now: Millis) -> Vec<Effect> {
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
            // The skill's answer; on its own screen, the answer to a touch there (an APL
            // UserEvent the device sent).
            (
                State::Invoking { .. } | State::Launching { .. } | State::SkillResponse(_),
                E::SkillAnswered(a),
            ) => {
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
            (
                State::Invoking { .. } | State::Launching { .. } | State::SkillResponse(_),
                E::SkillFailed { reason },
            ) => {
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
                State::Invoking { .. } | State::Launching { .. } | State::SkillResponse(_),
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
