//! Unit tests for the flow: each scene with each event that matters, and a
//! property test over random event sequences.

use super::*;
use proptest::prelude::*;

fn cfg(required: bool) -> FlowConfig {
    FlowConfig {
        account_linking: true,
        linking_required: required,
        long_poll: false,
        jitter_seed: 7,
        personal_linking: false,
        kiosk: None,
        voice_forward: false,
    }
}

/// A flow with voice-forward linking on, the skill's offer answered and the directive sent.
fn at_voice_link(errors_only: bool, speaker: bool) -> (Flow, Vec<Effect>) {
    let mut f = Flow::new(FlowConfig {
        voice_forward: true,
        ..cfg(true)
    });
    if speaker {
        f.speaker = Some(("p-annie".into(), "Annie".into()));
    }
    f.handle(Event::Invoked, 0);
    // Required linking, but the skill drives voice-forward linking: it is asked unlinked.
    assert_eq!(
        f.handle(Event::LinkFetched { token: None }, 1),
        vec![Effect::SendLaunch {
            token: None,
            intent: None
        }]
    );
    let offer = SkillAnswer {
        speech: Some("Would you like to link your account?".into()),
        keeps_session: true,
        ..Default::default()
    };
    assert!(f.handle(Event::SkillAnswered(offer), 2).is_empty());
    assert_eq!(f.listening(), Listening::Skill);
    let call = IntentCall {
        name: "LinkAccountIntent".into(),
        slots: vec![],
    };
    assert_eq!(
        f.handle(Event::Heard(call.clone()), 3),
        vec![Effect::SendIntent(call)]
    );
    let directive = SkillAnswer {
        link_request: Some(LinkRequest {
            token: "accountLinking".into(),
            errors_only,
        }),
        ..Default::default()
    };
    let fx = f.handle(Event::SkillAnswered(directive), 4);
    (f, fx)
}

/// Alexa's closing line shows for a while (a wake-up is asked for); then the skill is told.
fn after_closing_line(f: &mut Flow, fx: Vec<Effect>, now: Millis) -> Vec<Effect> {
    let until = now + voice::CLOSING_LINE_MS;
    assert_eq!(fx, vec![Effect::WakeAt(until)]);
    assert_eq!(f.scene(), Scene::VoiceLink);
    assert_eq!(
        f.handle(Event::Tick, until - 1),
        vec![Effect::WakeAt(until)]
    );
    f.handle(Event::Tick, until)
}

fn resumed(outcome: LinkOutcome) -> Effect {
    Effect::ResumeSession {
        link: LinkRequest {
            token: "accountLinking".into(),
            errors_only: false,
        },
        outcome,
    }
}

#[test]
fn voice_forward_success_asks_permission_sends_a_code_and_resumes_linked() {
    let (mut f, fx) = at_voice_link(false, true);
    assert!(fx.is_empty());
    assert_eq!(f.scene(), Scene::VoiceLink);
    assert_eq!(f.listening(), Listening::Permission);
    assert_eq!(
        f.handle(Event::Approved, 5),
        vec![Effect::SendOtp {
            person: "p-annie".into(),
            name: "Annie".into()
        }]
    );
    assert_eq!(
        f.listening(),
        Listening::Invocation,
        "not listening while sending"
    );
    assert!(f.handle(Event::OtpSent, 6).is_empty());
    assert_eq!(f.listening(), Listening::Code);
    assert_eq!(
        f.handle(Event::CodeSpoken("123456".into()), 7),
        vec![Effect::VerifyOtp {
            code: "123456".into(),
            person: "p-annie".into()
        }]
    );
    let fx = f.handle(Event::OtpChecked { linked: true }, 8);
    assert_eq!(
        after_closing_line(&mut f, fx, 8),
        vec![resumed(LinkOutcome::Linked)]
    );
    assert!(f.granted);
    // The skill's answer to the SessionResumedRequest shows, its session still open.
    let ready = SkillAnswer {
        speech: Some("Now, I can help you book a ride!".into()),
        keeps_session: true,
        ..Default::default()
    };
    f.handle(Event::SkillAnswered(ready.clone()), 9);
    assert_eq!(f.state, State::SkillResponse(ready));
    assert_eq!(f.listening(), Listening::Skill);
    // Leaving the open session tells the skill.
    assert_eq!(
        f.handle(Event::TapHome, 10),
        vec![Effect::CancelPoll, Effect::EndSession]
    );
}

#[test]
fn voice_forward_no_is_denied_and_three_wrong_codes_are_not_verified() {
    let (mut f, _) = at_voice_link(false, true);
    let fx = f.handle(Event::Declined, 5);
    assert_eq!(
        after_closing_line(&mut f, fx, 5),
        vec![resumed(LinkOutcome::Denied)]
    );
    assert!(!f.granted);

    let (mut f, _) = at_voice_link(false, true);
    f.handle(Event::Approved, 5);
    f.handle(Event::OtpSent, 6);
    for i in 0..2 {
        f.handle(Event::CodeSpoken("000000".into()), 7 + i);
        assert!(
            f.handle(Event::OtpChecked { linked: false }, 8 + i)
                .is_empty()
        );
        assert!(matches!(
            f.state,
            State::VoiceLink {
                step: VoiceStep::Code { retry: true },
                ..
            }
        ));
    }
    f.handle(Event::CodeSpoken("000000".into()), 20);
    let fx = f.handle(Event::OtpChecked { linked: false }, 21);
    assert_eq!(
        after_closing_line(&mut f, fx, 21),
        vec![resumed(LinkOutcome::NotVerified)]
    );
}

#[test]
fn voice_forward_needs_a_voice_profile_and_the_setting() {
    let (mut f, fx) = at_voice_link(false, false);
    assert_eq!(
        after_closing_line(&mut f, fx, 4),
        vec![resumed(LinkOutcome::RequirementsNotMet)]
    );
    assert!(matches!(
        f.state,
        State::VoiceLink {
            step: VoiceStep::Resuming(_),
            ..
        }
    ));

    // voiceForwardAccountLinking not ENABLED: the skill hears it at once.
    let mut f = Flow::new(cfg(false));
    f.speaker = Some(("p".into(), "Annie".into()));
    f.handle(Event::Invoked, 0);
    f.handle(Event::LinkFetched { token: None }, 1);
    let fx = f.handle(
        Event::SkillAnswered(SkillAnswer {
            link_request: Some(LinkRequest {
                token: "t".into(),
                errors_only: false,
            }),
            ..Default::default()
        }),
        2,
    );
    let fx = after_closing_line(&mut f, fx, 2);
    assert!(matches!(
        &fx[..],
        [Effect::ResumeSession {
            outcome: LinkOutcome::NotEnabled,
            ..
        }]
    ));
}

#[test]
fn send_errors_only_ends_a_success_quietly_and_reports_failures() {
    let (mut f, _) = at_voice_link(true, true);
    f.handle(Event::Approved, 5);
    f.handle(Event::OtpSent, 6);
    f.handle(Event::CodeSpoken("123456".into()), 7);
    assert!(f.handle(Event::OtpChecked { linked: true }, 8).is_empty());
    assert!(matches!(
        f.state,
        State::VoiceLink {
            step: VoiceStep::Done(LinkOutcome::Linked),
            ..
        }
    ));
    // A resting scene: the next "Alexa, open" starts again.
    assert_eq!(f.handle(Event::Invoked, 9), vec![Effect::FetchLink]);

    let (mut f, _) = at_voice_link(true, true);
    let fx = f.handle(Event::Declined, 5);
    let fx = after_closing_line(&mut f, fx, 5);
    assert!(matches!(
        &fx[..],
        [Effect::ResumeSession {
            outcome: LinkOutcome::Denied,
            link: LinkRequest {
                errors_only: true,
                ..
            }
        }]
    ));
    // The skill's answer to the exception is not shown: Alexa's line was the last word.
    f.handle(
        Event::SkillAnswered(SkillAnswer {
            speech: Some("ignored".into()),
            ..Default::default()
        }),
        5 + voice::CLOSING_LINE_MS,
    );
    assert!(matches!(
        f.state,
        State::VoiceLink {
            step: VoiceStep::Done(LinkOutcome::Denied),
            ..
        }
    ));
}

#[test]
fn a_closed_session_does_not_take_intents() {
    let mut f = Flow::new(cfg(false));
    f.handle(Event::Invoked, 0);
    f.handle(
        Event::LinkFetched {
            token: Some("t".into()),
        },
        1,
    );
    f.handle(
        Event::SkillAnswered(SkillAnswer {
            speech: Some("Bye".into()),
            keeps_session: false,
            ..Default::default()
        }),
        2,
    );
    assert_eq!(f.listening(), Listening::Invocation);
    let call = IntentCall {
        name: "BookRideIntent".into(),
        slots: vec![],
    };
    assert!(f.handle(Event::Heard(call), 3).is_empty());
    assert_eq!(f.handle(Event::TapHome, 4), vec![Effect::CancelPoll]);
}

fn code(now: Millis) -> LinkCode {
    LinkCode {
        device_code: "dc".into(),
        user_code: "BCDF-GHJK".into(),
        verification_uri: "http://h/device".into(),
        verification_uri_complete: Some("http://h/device?user_code=BCDF-GHJK".into()),
        expires_at: now + 600_000,
        interval_ms: 5_000,
    }
}

fn ask_link() -> SkillAnswer {
    SkillAnswer {
        speech: Some("Welcome to Ride Hailer! link".into()),
        asks_to_link: true,
        ..Default::default()
    }
}

/// Drives a flow to the link prompt.
fn at_prompt(required: bool) -> Flow {
    let mut f = Flow::new(cfg(required));
    assert_eq!(f.handle(Event::Invoked, 0), vec![Effect::FetchLink]);
    if required {
        assert_eq!(
            f.handle(Event::LinkFetched { token: None }, 1),
            vec![Effect::RequestCode { person: None }]
        );
    } else {
        assert_eq!(
            f.handle(Event::LinkFetched { token: None }, 1),
            vec![Effect::SendLaunch {
                token: None,
                intent: None
            }]
        );
        let fx = f.handle(Event::SkillAnswered(ask_link()), 2);
        assert!(fx.contains(&Effect::RequestCode { person: None }));
        assert!(matches!(&fx[0], Effect::ForwardCard { kind, .. } if kind == "LinkAccount"));
    }
    let fx = f.handle(Event::CodeIssued(code(10)), 10);
    assert!(matches!(fx[0], Effect::Poll { after: 5_050, .. }), "{fx:?}");
    assert_eq!(f.scene(), Scene::LinkPrompt);
    f
}

fn epoch(f: &Flow) -> u32 {
    match f.state {
        State::Prompt { epoch, .. } => epoch,
        _ => panic!("not at prompt: {:?}", f.state),
    }
}

#[test]
fn linked_user_goes_straight_to_the_skill() {
    let mut f = Flow::new(cfg(true));
    f.handle(Event::Invoked, 0);
    assert_eq!(
        f.handle(
            Event::LinkFetched {
                token: Some("t".into())
            },
            1
        ),
        vec![Effect::SendLaunch {
            token: Some("t".into()),
            intent: None
        }]
    );
    f.handle(
        Event::SkillAnswered(SkillAnswer {
            speech: Some("Now, I can help".into()),
            ..Default::default()
        }),
        2,
    );
    assert_eq!(f.scene(), Scene::SkillResponse);
}

#[test]
fn without_account_linking_the_skill_is_asked_at_once_and_its_card_links_nothing() {
    let mut f = Flow::new(FlowConfig {
        account_linking: false,
        ..cfg(true)
    });
    // No stored link to fetch, no code to request: the skill hears the launch at once.
    assert_eq!(
        f.handle(Event::Invoked, 0),
        vec![Effect::SendLaunch {
            token: None,
            intent: None
        }]
    );
    // A LinkAccount card is shown as the answer it is, and reported; nothing is linked.
    let fx = f.handle(Event::SkillAnswered(ask_link()), 1);
    assert_eq!(
        fx,
        vec![Effect::ReportCardWithoutLinking {
            speech: ask_link().speech
        }]
    );
    assert_eq!(f.scene(), Scene::SkillResponse);
    // An intent ("Alexa, ask … to …") goes straight to the skill as well.
    let call = IntentCall {
        name: "HelloWorldIntent".into(),
        slots: Default::default(),
    };
    assert_eq!(
        f.handle(Event::Asked(call.clone()), 2),
        vec![Effect::SendLaunch {
            token: None,
            intent: Some(call)
        }]
    );
    assert!(
        f.handle(Event::SkillAnswered(SkillAnswer::default()), 3)
            .is_empty()
    );
    assert_eq!(f.scene(), Scene::SkillResponse);
    // The skill is down: the retry goes to the skill again, never to a link prompt.
    f.handle(Event::Invoked, 4);
    let fx = f.handle(
        Event::PeerUnreachable {
            step: Step::Launch,
            reason: "refused".into(),
        },
        5,
    );
    let Effect::WakeAt(at) = fx[1] else { panic!() };
    assert_eq!(
        f.handle(Event::Tick, at),
        vec![Effect::SendLaunch {
            token: None,
            intent: None
        }]
    );
    f.handle(
        Event::SkillFailed {
            reason: "bad".into(),
        },
        at + 1,
    );
    assert_eq!(
        f.handle(Event::TapRetry, at + 2),
        vec![Effect::SendLaunch {
            token: None,
            intent: None
        }]
    );
}

#[test]
fn optional_linking_asks_the_skill_first_and_links_on_its_card() {
    let f = at_prompt(false);
    match &f.state {
        State::Prompt { skill_speech, .. } => {
            assert!(skill_speech.as_deref().unwrap().starts_with("Welcome"))
        }
        s => panic!("{s:?}"),
    }
}

#[test]
fn whole_qr_journey_reaches_skill_response_with_token() {
    let mut f = at_prompt(true);
    let g = epoch(&f);
    assert!(matches!(
        f.handle(
            Event::PollPending {
                epoch: g,
                elapsed: 20
            },
            5_100
        )[0],
        Effect::Poll { after: 5_030, .. }
    ));
    let fx = f.handle(
        Event::PollGranted {
            epoch: g,
            access_token: "tok".into(),
        },
        10_200,
    );
    assert_eq!(fx, vec![Effect::CancelPoll, Effect::WakeAt(12_200)]);
    assert_eq!(f.scene(), Scene::Success);
    assert!(
        f.handle(Event::Tick, 11_000)
            .contains(&Effect::WakeAt(12_200)),
        "success holds ~2 s"
    );
    assert_eq!(
        f.handle(Event::Tick, 12_200),
        vec![Effect::SendLaunch {
            token: Some("tok".into()),
            intent: None
        }]
    );
    assert_eq!(f.scene(), Scene::Invoking);
    f.handle(
        Event::SkillAnswered(SkillAnswer {
            speech: Some("Now, I can help you book a ride!".into()),
            ..Default::default()
        }),
        12_300,
    );
    assert_eq!(f.scene(), Scene::SkillResponse);
    assert!(f.granted);
}

#[test]
fn long_poll_asks_the_server_to_hold_and_repolls_at_once_after_a_held_poll() {
    let mut f = Flow::new(FlowConfig {
        long_poll: true,
        ..cfg(true)
    });
    f.handle(Event::Invoked, 0);
    f.handle(Event::LinkFetched { token: None }, 0);
    let fx = f.handle(Event::CodeIssued(code(0)), 0);
    assert!(
        matches!(
            fx[0],
            Effect::Poll {
                wait_s: 5,
                after: 0,
                ..
            }
        ),
        "the first held poll goes out at once: {fx:?}"
    );
    let g = epoch(&f);
    let fx = f.handle(
        Event::PollPending {
            epoch: g,
            elapsed: 5_000,
        },
        10_000,
    );
    assert!(
        matches!(
            fx[0],
            Effect::Poll {
                after: POLL_MARGIN_MS,
                wait_s: 5,
                ..
            }
        ),
        "{fx:?}"
    );
}

#[test]
fn slow_down_adds_five_seconds_for_good() {
    let mut f = at_prompt(true);
    let g = epoch(&f);
    assert!(matches!(
        f.handle(
            Event::PollSlowDown {
                epoch: g,
                elapsed: 0
            },
            1
        )[0],
        Effect::Poll { after: 10_050, .. }
    ));
    assert!(matches!(
        f.handle(
            Event::PollPending {
                epoch: g,
                elapsed: 0
            },
            2
        )[0],
        Effect::Poll { after: 10_050, .. }
    ));
}

#[test]
fn denied_expired_and_failed_polls_end_the_code() {
    let mut f = at_prompt(true);
    let g = epoch(&f);
    f.handle(Event::PollDenied { epoch: g }, 1);
    assert_eq!(f.scene(), Scene::AccessDenied);
    let mut f = at_prompt(true);
    let g = epoch(&f);
    f.handle(Event::PollExpired { epoch: g }, 1);
    assert_eq!(f.scene(), Scene::CodeExpired);
    assert_eq!(
        f.handle(Event::TapNewCode, 2),
        vec![Effect::RequestCode { person: None }]
    );
    let mut f = at_prompt(true);
    let g = epoch(&f);
    f.handle(
        Event::PollFailed {
            epoch: g,
            reason: "invalid_grant: linking failed: the token endpoint did not answer within 4.5 s"
                .into(),
        },
        1,
    );
    assert_eq!(f.scene(), Scene::LinkFailed);
    assert!(
        matches!(&f.state, State::LinkFailed { reason } if reason.contains("4.5 s")),
        "{:?}",
        f.state
    );
    // A failed link offers a new code.
    assert_eq!(
        f.handle(Event::TapNewCode, 2),
        vec![Effect::RequestCode { person: None }]
    );
}

#[test]
fn countdown_ticks_and_expires_on_the_device_clock() {
    let mut f = at_prompt(true);
    assert_eq!(f.handle(Event::Tick, 1_010), vec![Effect::WakeAt(2_010)]);
    assert_eq!(f.handle(Event::Tick, 600_010), vec![Effect::CancelPoll]);
    assert_eq!(f.scene(), Scene::CodeExpired);
}

#[test]
fn stale_poll_results_are_ignored() {
    let mut f = at_prompt(true);
    let g = epoch(&f);
    assert!(
        f.handle(
            Event::PollGranted {
                epoch: g + 9,
                access_token: "x".into()
            },
            1
        )
        .is_empty()
    );
    assert_eq!(f.scene(), Scene::LinkPrompt);
    assert!(!f.granted);
}

#[test]
fn unreachable_backs_off_with_cap_and_jitter_then_retries() {
    let mut f = Flow::new(cfg(true));
    f.handle(Event::Invoked, 0);
    let mut delays = vec![];
    let mut now = 0;
    for _ in 0..8 {
        let fx = f.handle(
            Event::PeerUnreachable {
                step: Step::FetchLink,
                reason: "refused".into(),
            },
            now,
        );
        assert_eq!(f.scene(), Scene::ServerUnreachable);
        let Effect::WakeAt(at) = fx[1] else { panic!() };
        delays.push(at - now);
        now = at;
        assert_eq!(f.handle(Event::Tick, now), vec![Effect::FetchLink]);
    }
    assert!(
        delays[0] >= RETRY_BASE_MS / 2 && delays[0] <= RETRY_BASE_MS,
        "{delays:?}"
    );
    assert!(delays[3] >= 4_000, "grows: {delays:?}");
    assert!(
        delays.iter().all(|d| *d <= RETRY_CAP_MS),
        "capped: {delays:?}"
    );
    // Answer comes back: failures reset.
    f.handle(
        Event::LinkFetched {
            token: Some("t".into()),
        },
        now,
    );
    assert_eq!(f.scene(), Scene::Invoking);
}

#[test]
fn a_retry_in_flight_keeps_the_error_screen_until_a_peer_answers() {
    let mut f = Flow::new(cfg(false));
    f.handle(Event::Invoked, 0);
    let down = |f: &mut Flow, now| {
        f.handle(
            Event::PeerUnreachable {
                step: Step::Launch,
                reason: "POST http://127.0.0.1:9/: connection refused".into(),
            },
            now,
        )
    };
    f.handle(Event::LinkFetched { token: None }, 1);
    let fx = down(&mut f, 2);
    let Effect::WakeAt(at) = fx[1] else { panic!() };
    // The retry goes out; the screen stays on the error (no invoking/home screen between tries).
    assert_eq!(f.handle(Event::Tick, at), vec![Effect::FetchLink]);
    assert_eq!(f.scene(), Scene::ServerUnreachable);
    assert!(matches!(f.shown(), State::Unreachable { .. }));
    assert!(matches!(f.state, State::Invoking { .. }));
    // Down again: the error, with a new countdown.
    f.handle(Event::LinkFetched { token: None }, at + 1);
    assert_eq!(f.scene(), Scene::Invoking, "the linking service answered");
    let fx = down(&mut f, at + 2);
    let Effect::WakeAt(at2) = fx[1] else { panic!() };
    f.handle(Event::Tick, at2);
    assert_eq!(f.scene(), Scene::ServerUnreachable);
    // Home during the retry: home, and a new launch shows the invoking screen.
    f.handle(Event::TapHome, at2 + 1);
    assert_eq!(f.scene(), Scene::Home);
    f.handle(Event::Invoked, at2 + 2);
    assert_eq!(f.scene(), Scene::Invoking);
}

#[test]
fn poll_outage_resumes_the_same_code() {
    let mut f = at_prompt(true);
    f.handle(
        Event::PeerUnreachable {
            step: Step::Poll,
            reason: "down".into(),
        },
        100,
    );
    assert_eq!(f.scene(), Scene::ServerUnreachable);
    let fx = f.handle(Event::TapRetry, 200);
    assert!(matches!(&fx[0], Effect::Poll { device_code, after: 0, .. } if device_code == "dc"));
    assert_eq!(f.scene(), Scene::LinkPrompt);
}

#[test]
fn bad_skill_answer_shows_skill_error_and_retry_relaunches() {
    let mut f = Flow::new(cfg(true));
    f.handle(Event::Invoked, 0);
    f.handle(
        Event::LinkFetched {
            token: Some("t".into()),
        },
        0,
    );
    f.handle(
        Event::SkillFailed {
            reason: "missing field `version`".into(),
        },
        1,
    );
    assert_eq!(f.scene(), Scene::SkillError);
    assert_eq!(f.handle(Event::TapRetry, 2), vec![Effect::FetchLink]);
}

#[test]
fn sign_in_here_opens_the_device_browser_and_keeps_polling() {
    let mut f = at_prompt(true);
    assert_eq!(
        f.handle(Event::TapSignInHere, 1),
        vec![Effect::OpenSignIn {
            device_code: "dc".into(),
            verification_uri_complete: "http://h/device?user_code=BCDF-GHJK".into()
        }]
    );
    assert_eq!(f.scene(), Scene::Login);
    assert!(
        f.handle(Event::TapSignInHere, 2).is_empty(),
        "a second tap opens nothing more"
    );
    f.handle(Event::PageShown(PageKind::Terms), 3);
    assert_eq!(f.scene(), Scene::Terms);
    f.handle(Event::PageShown(PageKind::Consent), 4);
    assert_eq!(f.scene(), Scene::Consent);
    // Polls still count while the browser shows: a link finished here or on a phone wins.
    let epoch = epoch(&f);
    assert!(matches!(
        f.handle(
            Event::PollPending {
                epoch,
                elapsed: 5_000
            },
            5
        )[..],
        [Effect::Poll { .. }]
    ));
    f.handle(Event::PageShown(PageKind::Finishing), 6);
    assert_eq!(f.scene(), Scene::Linking);
    f.handle(
        Event::PollGranted {
            epoch,
            access_token: "t".into(),
        },
        7,
    );
    assert_eq!(f.scene(), Scene::Success);
}

#[test]
fn closing_the_device_browser_goes_back_to_the_qr_code() {
    let mut f = at_prompt(true);
    f.handle(Event::TapSignInHere, 1);
    assert_eq!(
        f.handle(Event::TapCloseSignIn, 2),
        vec![Effect::CloseSignIn]
    );
    assert_eq!(f.scene(), Scene::LinkPrompt);
    assert!(
        f.handle(Event::PageShown(PageKind::Consent), 3).is_empty(),
        "a late page load does not reopen it"
    );
    assert_eq!(f.scene(), Scene::LinkPrompt);
    // Denied on the consent page: the access-denied scene.
    f.handle(Event::TapSignInHere, 4);
    f.handle(Event::PageShown(PageKind::Consent), 5);
    let epoch = epoch(&f);
    f.handle(Event::PollDenied { epoch }, 6);
    assert_eq!(f.scene(), Scene::AccessDenied);
}

#[test]
fn home_from_anywhere_cancels_polling() {
    let mut f = at_prompt(true);
    assert_eq!(f.handle(Event::TapHome, 1), vec![Effect::CancelPoll]);
    assert_eq!(f.scene(), Scene::Home);
}

#[test]
fn every_scene_id_round_trips() {
    for s in Scene::ALL {
        assert_eq!(Scene::from_id(s.id()), Some(*s));
    }
}

fn any_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        Just(Event::Invoked),
        prop::option::of("[a-z]{1,4}").prop_map(|token| Event::LinkFetched { token }),
        any::<bool>().prop_map(|l| Event::SkillAnswered(SkillAnswer {
            asks_to_link: l,
            ..Default::default()
        })),
        Just(Event::SkillFailed { reason: "x".into() }),
        Just(Event::PeerUnreachable {
            step: Step::FetchLink,
            reason: "x".into()
        }),
        Just(Event::PeerUnreachable {
            step: Step::Poll,
            reason: "x".into()
        }),
        Just(Event::PeerUnreachable {
            step: Step::RequestCode,
            reason: "x".into()
        }),
        (0u64..700_000).prop_map(|t| Event::CodeIssued(code(t))),
        (0u32..4, 0u64..10_000).prop_map(|(epoch, elapsed)| Event::PollPending { epoch, elapsed }),
        (0u32..4, 0u64..10_000).prop_map(|(epoch, elapsed)| Event::PollSlowDown { epoch, elapsed }),
        (0u32..4).prop_map(|epoch| Event::PollGranted {
            epoch,
            access_token: "t".into()
        }),
        (0u32..4).prop_map(|epoch| Event::PollDenied { epoch }),
        (0u32..4).prop_map(|epoch| Event::PollExpired { epoch }),
        Just(Event::Tick),
        Just(Event::TapNewCode),
        Just(Event::TapRetry),
        Just(Event::TapHome),
        Just(Event::TapSignInHere),
        Just(Event::TapCloseSignIn),
        Just(Event::PageShown(PageKind::Terms)),
        any::<bool>().prop_map(|errors_only| Event::SkillAnswered(SkillAnswer {
            keeps_session: true,
            link_request: Some(LinkRequest {
                token: "t".into(),
                errors_only
            }),
            ..Default::default()
        })),
        Just(Event::Heard(IntentCall {
            name: "LinkAccountIntent".into(),
            slots: vec![]
        })),
        Just(Event::Approved),
        Just(Event::Declined),
        Just(Event::CodeSpoken("123456".into())),
        Just(Event::OtpSent),
        any::<bool>().prop_map(|linked| Event::OtpChecked { linked }),
    ]
}

proptest! {
    /// Over any sequence of events: nothing panics; success is entered only on a grant for the
    /// current code (never a stale epoch's); a launch carries only a token the linking service
    /// gave (stored link or grant); polls are scheduled only for the code on screen's epoch; and
    /// Home is one tap away from everywhere.
    #[test]
    fn random_event_sequences_keep_the_flows_promises(events in prop::collection::vec((any_event(), 0u64..5_000), 1..80)) {
        let mut f = Flow::new(FlowConfig { voice_forward: true, ..cfg(true) });
        f.speaker = Some(("p".into(), "Annie".into()));
        let mut now = 0;
        // Tokens the linking service handed out so far (stored links and grants).
        let mut given: Vec<String> = vec![];
        for (e, dt) in events {
            now += dt;
            let before = f.scene();
            let epoch_before = f.epoch;
            match &e {
                Event::LinkFetched { token: Some(t) } => given.push(t.clone()),
                Event::PollGranted { access_token, .. } => given.push(access_token.clone()),
                _ => {}
            }
            let current_grant = matches!(&e, Event::PollGranted { epoch, .. } if *epoch == epoch_before);
            let tapped_home = e == Event::TapHome;
            let effects = f.handle(e.clone(), now);
            if f.scene() == Scene::Success && before != Scene::Success {
                prop_assert!(current_grant, "{before:?} + {e:?} entered success");
            }
            for fx in &effects {
                match fx {
                    Effect::SendLaunch { token: Some(t), .. } => {
                        prop_assert!(given.contains(t), "launched with {t:?}, never given");
                    }
                    Effect::Poll { epoch, .. } => {
                        prop_assert_eq!(*epoch, f.epoch, "a poll for another code's epoch");
                    }
                    _ => {}
                }
            }
            if tapped_home {
                prop_assert_eq!(f.scene(), Scene::Home, "Home from {:?}", before);
            }
        }
    }
}

/// Every scene's state with every kind of event: nothing panics, only a grant leads to success,
/// and Home is reachable from everywhere.
#[test]
fn every_scene_times_every_event() {
    let events = |epoch: u32| {
        vec![
            Event::Invoked,
            Event::LinkFetched { token: None },
            Event::LinkFetched {
                token: Some("t".into()),
            },
            Event::SkillAnswered(ask_link()),
            Event::SkillAnswered(SkillAnswer {
                speech: Some("hi".into()),
                ..Default::default()
            }),
            Event::SkillFailed {
                reason: "bad".into(),
            },
            Event::PeerUnreachable {
                step: Step::FetchLink,
                reason: "x".into(),
            },
            Event::PeerUnreachable {
                step: Step::Launch,
                reason: "x".into(),
            },
            Event::PeerUnreachable {
                step: Step::RequestCode,
                reason: "x".into(),
            },
            Event::PeerUnreachable {
                step: Step::Poll,
                reason: "x".into(),
            },
            Event::CodeIssued(code(0)),
            Event::PollPending { epoch, elapsed: 10 },
            Event::PollSlowDown { epoch, elapsed: 10 },
            Event::PollGranted {
                epoch,
                access_token: "tok".into(),
            },
            Event::PollDenied { epoch },
            Event::PollExpired { epoch },
            Event::PollFailed {
                epoch,
                reason: "invalid_grant".into(),
            },
            Event::Tick,
            Event::TapNewCode,
            Event::TapRetry,
            Event::TapHome,
            Event::TapSignInHere,
            Event::Picked {
                person_id: "p".into(),
            },
            Event::TapBack,
            Event::PageShown(PageKind::Consent),
            Event::PageShown(PageKind::Finishing),
            Event::TapCloseSignIn,
            // The kiosk's and the voice dialog's.
            Event::IdleCheck,
            Event::Asked(IntentCall {
                name: "HelpIntent".into(),
                slots: vec![],
            }),
            Event::Heard(IntentCall {
                name: "LinkAccountIntent".into(),
                slots: vec![],
            }),
            Event::Approved,
            Event::Declined,
            Event::CodeSpoken("123456".into()),
            Event::OtpSent,
            Event::OtpChecked { linked: true },
            Event::OtpChecked { linked: false },
        ]
    };
    // One state per scene, built here so the flow's tests need nothing outside the flow.
    let states = [
        State::Home,
        State::Invoking { token: None },
        State::RequestingCode { skill_speech: None },
        State::Launching { token: "t".into() },
        State::Prompt {
            code: code(0),
            skill_speech: None,
            epoch: 1,
            view: View::Qr,
        },
        State::Prompt {
            code: code(0),
            skill_speech: None,
            epoch: 1,
            view: View::Browser(PageKind::Login),
        },
        State::Prompt {
            code: code(0),
            skill_speech: None,
            epoch: 1,
            view: View::Browser(PageKind::Consent),
        },
        State::Success {
            until: 41_000,
            token: "t".into(),
        },
        State::SkillResponse(SkillAnswer::default()),
        State::CodeExpired,
        State::AccessDenied,
        State::LinkFailed { reason: "x".into() },
        State::Unreachable {
            step: Step::Poll,
            reason: "x".into(),
            retry_at: 39_000,
            attempt: 1,
            resume: Some(Box::new(State::Prompt {
                code: code(0),
                skill_speech: None,
                epoch: 1,
                view: View::Browser(PageKind::Terms),
            })),
        },
        State::SkillError { reason: "x".into() },
        State::Picking { skill_speech: None },
        State::Prompt {
            code: code(0),
            skill_speech: None,
            epoch: 1,
            view: View::Browser(PageKind::Terms),
        },
        State::Prompt {
            code: code(0),
            skill_speech: None,
            epoch: 1,
            view: View::Browser(PageKind::Finishing),
        },
        State::VoiceLink {
            link: LinkRequest {
                token: "t".into(),
                errors_only: false,
            },
            step: VoiceStep::Permission,
            tries: 0,
        },
        State::VoiceLink {
            link: LinkRequest {
                token: "t".into(),
                errors_only: true,
            },
            step: VoiceStep::Code { retry: true },
            tries: 1,
        },
    ];
    // The table covers every scene.
    let covered: Vec<Scene> = states
        .iter()
        .map(|st| {
            let mut f = Flow::new(cfg(true));
            f.state = st.clone();
            f.scene()
        })
        .collect();
    for sc in Scene::ALL {
        assert!(covered.contains(sc), "no state for {sc:?} in the table");
    }
    // Each state under every event, in a plain flow and in a kiosk with voice-forward linking.
    let flows = [
        cfg(true),
        FlowConfig {
            voice_forward: true,
            kiosk: Some(Kiosk {
                idle_ms: 60_000,
                answer_ms: 10_000,
            }),
            ..cfg(true)
        },
    ];
    for (state, flow_cfg) in states
        .iter()
        .flat_map(|st| flows.iter().map(move |c| (st.clone(), c.clone())))
    {
        let mut probe = Flow::new(flow_cfg.clone());
        probe.state = state.clone();
        let scene = &probe.scene();
        for e in events(1) {
            let mut f = Flow::new(flow_cfg.clone());
            f.speaker = Some(("p".into(), "Annie".into()));
            f.state = state.clone();
            f.epoch = 1;
            let granted = matches!(e, Event::PollGranted { .. });
            let was_success = *scene == Scene::Success;
            let _ = f.handle(e.clone(), 40_000);
            if f.scene() == Scene::Success && !was_success {
                assert!(
                    granted
                        && matches!(
                            scene,
                            Scene::LinkPrompt
                                | Scene::Login
                                | Scene::Terms
                                | Scene::Consent
                                | Scene::Linking
                        ),
                    "{scene:?} + {e:?} reached success"
                );
            }
            if e == Event::TapHome {
                assert_eq!(
                    f.scene(),
                    Scene::Home,
                    "{scene:?}: Home is always one tap away"
                );
            }
        }
    }
}

#[test]
fn personal_linking_picks_a_profile_then_signs_in_with_a_person_bound_code() {
    let mut f = Flow::new(FlowConfig {
        personal_linking: true,
        ..cfg(true)
    });
    f.handle(Event::Invoked, 0);
    f.handle(Event::LinkFetched { token: None }, 0);
    f.handle(Event::CodeIssued(code(0)), 0);
    assert_eq!(f.handle(Event::TapSignInHere, 1), vec![Effect::CancelPoll]);
    assert_eq!(f.scene(), Scene::ProfilePicker);
    assert_eq!(
        f.handle(
            Event::Picked {
                person_id: "amzn1.ask.person.annie".into()
            },
            2
        ),
        vec![Effect::RequestCode {
            person: Some("amzn1.ask.person.annie".into())
        }]
    );
    assert_eq!(
        f.picked.as_deref(),
        Some("amzn1.ask.person.annie"),
        "the runtime binds the new code to this person"
    );
    let fx = f.handle(Event::CodeIssued(code(3)), 3);
    assert!(fx.contains(&Effect::OpenSignIn {
        device_code: "dc".into(),
        verification_uri_complete: "http://h/device?user_code=BCDF-GHJK".into()
    }));
    assert_eq!(
        f.scene(),
        Scene::Login,
        "the new code opens the device's browser at once"
    );
    // Back from the picker: a fresh code for nobody in particular.
    let mut f = Flow::new(FlowConfig {
        personal_linking: true,
        ..cfg(true)
    });
    f.handle(Event::Invoked, 0);
    f.handle(Event::LinkFetched { token: None }, 0);
    f.handle(Event::CodeIssued(code(0)), 0);
    f.handle(Event::TapSignInHere, 1);
    assert_eq!(
        f.handle(Event::TapBack, 2),
        vec![Effect::RequestCode { person: None }]
    );
    assert_eq!(f.picked, None);
}

fn kiosk_flow() -> Flow {
    Flow::new(FlowConfig {
        kiosk: Some(Kiosk {
            idle_ms: 60_000,
            answer_ms: 10_000,
        }),
        ..cfg(true)
    })
}

#[test]
fn kiosk_resets_to_home_when_idle_and_unlinks_only_what_was_linked() {
    let mut f = kiosk_flow();
    f.touched(0);
    f.handle(Event::Invoked, 0);
    f.handle(Event::LinkFetched { token: None }, 0);
    f.handle(Event::CodeIssued(code(0)), 0);
    assert!(
        f.handle(Event::IdleCheck, 59_999).is_empty(),
        "not idle yet"
    );
    f.touched(30_000);
    assert!(
        f.handle(Event::IdleCheck, 60_000).is_empty(),
        "a touch restarts the count"
    );
    assert_eq!(f.handle(Event::IdleCheck, 90_000), vec![Effect::CancelPoll]);
    assert_eq!(f.scene(), Scene::Home, "nothing linked: nothing to unlink");
    assert!(
        f.handle(Event::IdleCheck, 200_000).is_empty(),
        "home stays home"
    );
}

#[test]
fn kiosk_shows_the_answer_then_unlinks_and_goes_home() {
    let mut f = kiosk_flow();
    f.handle(Event::Invoked, 0);
    f.handle(Event::LinkFetched { token: None }, 0);
    f.handle(Event::CodeIssued(code(0)), 0);
    let g = epoch(&f);
    f.handle(
        Event::PollGranted {
            epoch: g,
            access_token: "t".into(),
        },
        1_000,
    );
    f.handle(Event::Tick, 1_000 + SUCCESS_HOLD_MS);
    let fx = f.handle(Event::SkillAnswered(SkillAnswer::default()), 4_000);
    assert_eq!(
        fx,
        vec![Effect::WakeAt(14_000)],
        "the answer shows for answer_ms"
    );
    assert_eq!(f.scene(), Scene::SkillResponse);
    assert!(f.handle(Event::Tick, 13_999).is_empty());
    assert_eq!(
        f.handle(Event::Tick, 14_000),
        vec![Effect::CancelPoll, Effect::Unlink { person: None }]
    );
    assert_eq!(f.scene(), Scene::Home);
    // The next visitor's journey asks to link again, and Home after it unlinks at once.
    f.handle(Event::Invoked, 20_000);
    f.handle(Event::LinkFetched { token: None }, 20_000);
    f.handle(Event::CodeIssued(code(20_000)), 20_000);
    let g = epoch(&f);
    f.handle(
        Event::PollGranted {
            epoch: g,
            access_token: "t".into(),
        },
        21_000,
    );
    assert_eq!(
        f.handle(Event::TapHome, 21_500),
        vec![Effect::CancelPoll, Effect::Unlink { person: None }]
    );
}
