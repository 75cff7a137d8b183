//! The flow's effects carried out: requests to the linking service and the skill in the
//! background (their answers come back as events), timers, polling, unlinking, speech.

use std::time::Duration;

use tokio::time::Instant;

use super::Runtime;
use crate::clients::PeerError;
use crate::clients::linking::PollOutcome;
use crate::clients::skill;
use crate::device::DeviceSetup;
use crate::events::{EventLog, LogEvent};
use crate::flow::{Effect, Event, LinkCode, Millis, State, Step};

impl Runtime {
    pub(super) fn effect(&mut self, fx: Effect) {
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
                            s.log.log(LogEvent::OtpChecked { linked });
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
                            s.log.log(LogEvent::DeviceAuthorization {
                                user_code: d.user_code.clone(),
                                expires_in: d.expires_in,
                                interval: d.interval,
                            });
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
                            s.log.log(LogEvent::Poll {
                                result: name,
                                elapsed_ms: elapsed,
                                wait_s,
                            });
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
                        s.log.error("forward_card", e.to_string());
                    }
                });
            }
            Effect::OpenSignIn {
                device_code,
                verification_uri_complete,
            } => {
                setup.log.log(LogEvent::OpenSignIn {});
                self.session = None;
                self.open_sign_in(device_code, verification_uri_complete);
            }
            Effect::CloseSignIn => self.session = None,
            Effect::Unlink { person } => unlink(setup, person.into_iter().collect()),
        }
    }
}

/// Deletes the account's link and these people's links, in the background, logging each.
pub(super) fn unlink(setup: &DeviceSetup, people: Vec<String>) {
    let s = setup.clone();
    tokio::spawn(async move {
        for p in std::iter::once(String::new()).chain(people) {
            match s.linking.unlink(&p).await {
                Ok(()) => s.log.log(LogEvent::Unlink { person_id: p }),
                Err(e) => s.log.error("unlink", e.to_string()),
            }
        }
    });
}

fn now_ms_since(start: Instant) -> Millis {
    start.elapsed().as_millis() as Millis
}

fn peer_event(log: &EventLog, step: Step, e: PeerError) -> Event {
    log.error(format!("{step:?}"), e.to_string());
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
pub(super) fn speak(text: &str, locale: &str, log: &EventLog) {
    let voice = locale.split('-').next().unwrap_or("en").to_owned();
    log.log(LogEvent::Speak {
        text: text.into(),
        voice: voice.clone(),
    });
    let (text, log) = (text.to_owned(), log.clone());
    tokio::spawn(async move {
        let out = tokio::process::Command::new("espeak-ng")
            .args(["-v", &voice, "--", &text])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .await;
        if let Err(e) = out {
            log.error("speak", e.to_string());
        }
    });
}

pub(super) async fn ask(
    s: &DeviceSetup,
    token: Option<&str>,
    what: &skill::Ask,
    conv: &std::sync::Mutex<Option<skill::OpenSession>>,
) -> Event {
    let now_iso = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    // With a link endpoint the stored tokens fill both slots (docs/design.md "Wire formats" §5); without one
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
    env.context.apl = s.apl_context.clone();
    let open = conv.lock().unwrap_or_else(|p| p.into_inner()).clone();
    skill::shape(&mut env, what, open.as_ref());
    if matches!(what, skill::Ask::Ended) {
        *conv.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
    s.log.log(LogEvent::SkillRequest {
        url: s.skill_endpoint.clone(),
        body: serde_json::to_value(&env).unwrap_or_default(),
    });
    match s.skill.call(&env).await {
        Ok((resp, raw)) => {
            s.log.log(LogEvent::SkillResponse { body: raw });
            let heard = skill::answer(&resp);
            if let Some(uri) = &heard.unemulated_connection {
                s.log
                    .error("connection", format!("connection {uri} is not emulated"));
            }
            let a = heard.answer;
            {
                let mut c = conv.lock().unwrap_or_else(|p| p.into_inner());
                *c = match (a.keeps_session || a.link_request.is_some(), &env.session) {
                    (false, _) | (_, None) => None,
                    (true, Some(sess)) => Some(skill::OpenSession {
                        session_id: sess.session_id.clone(),
                        attributes: resp.session_attributes.clone().unwrap_or_default(),
                    }),
                };
            }
            Event::SkillAnswered(a)
        }
        Err(PeerError::Unreachable(reason)) => {
            s.log.error("Launch", &reason);
            Event::PeerUnreachable {
                step: Step::Launch,
                reason,
            }
        }
        Err(PeerError::Protocol(reason)) => {
            s.log.log(LogEvent::SkillError {
                reason: reason.clone(),
            });
            Event::SkillFailed { reason }
        }
    }
}
