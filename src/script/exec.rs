//! The script executor: each step of a `--script` file played against the device, as a person
//! would (say, tap, fill, wait, expect, the phone's part), failing with the line and the scene.

use crate::view::model::Button;
use std::time::{Duration, Instant};

use crate::device::{DeviceInput, fail};
use crate::error::{ErrorKind, Outcome};
use crate::events::{EventLog, LogEvent};
use crate::flow::Scene;

use super::driver::*;

/// A step as logs, errors and reports show it: what a script types may be a password, so a
/// `fill` names the field, not the text.
fn shown_step(step: &super::parse::Step) -> String {
    match &step.action {
        super::parse::Action::Fill(field, text) => {
            format!("fill {field} [redacted, {} chars]", text.chars().count())
        }
        super::parse::Action::Phone(_, Some(login)) => {
            let verb = step.text.split_whitespace().take(2).collect::<Vec<_>>();
            match &login.user {
                Some(u) => format!("{} {u} [password redacted]", verb.join(" ")),
                None => format!("{} [password redacted]", verb.join(" ")),
            }
        }
        _ => step.text.clone(),
    }
}

/// The skill's touch target whose text (or accessibility label, or id) is `label`, else the
/// first that contains it; else what the touch targets there are called.
fn apl_target(targets: &[(usize, String)], label: &str) -> Result<usize, Vec<String>> {
    targets
        .iter()
        .find(|(_, t)| t == label)
        .or_else(|| targets.iter().find(|(_, t)| t.contains(label)))
        .map(|(uid, _)| *uid)
        .ok_or_else(|| targets.iter().map(|(_, t)| t.clone()).collect())
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

pub(crate) fn run_script(
    d: &mut Driver,
    steps: &[super::parse::Step],
    input: &DeviceInput,
    household: &[crate::config::Profile],
    rt: &tokio::runtime::Runtime,
    log: &EventLog,
    backend: &crate::backend::Shared,
) -> Outcome {
    use super::parse::{Action, PhoneAction};
    // Let the first frame (home) arrive before acting.
    match d.wait_for(&[Scene::Home], 10) {
        Ok(Ending::Reached) => {}
        Ok(_) => return Err(fail(ErrorKind::Usage, "the device did not start")),
        Err(e) => return Err(fail(ErrorKind::Usage, e)),
    }
    for (i, step) in steps.iter().enumerate() {
        let mismatches_before = d.mismatches.len();
        let shown = shown_step(step);
        let ran = (|| -> Outcome {
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
            log.log(LogEvent::ScriptStep {
                line: step.line,
                step: shown.to_string(),
            });
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
                            Some(crate::view::signin::Msg::Press { item: i })
                        } else if !p.notice_label.is_empty()
                            && p.notice_label.eq_ignore_ascii_case(label)
                        {
                            crate::view::signin::Msg::nav(&p.notice_action)
                        } else if p.back_label.eq_ignore_ascii_case(label) {
                            Some(crate::view::signin::Msg::Back)
                        } else if p.close_label.eq_ignore_ascii_case(label) {
                            Some(crate::view::signin::Msg::Close)
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
                    // On the skill's APL screen: the touchable component with that text (the
                    // device's own Home stays reachable, as the screen's edge swipe is).
                    if let Some(a) = &f.model.apl
                        && *label != f.model.primary_label
                        && *label != f.model.secondary_label
                    {
                        let uid = match apl_target(&a.targets(), label) {
                            Ok(uid) => uid,
                            Err(all) => {
                                return Err(step_fail(
                                    d,
                                    format!(
                                        "nothing {label:?} to touch on the skill's screen (touchable: {all:?})"
                                    ),
                                ));
                            }
                        };
                        input.apl_press(uid);
                        return Ok(());
                    }
                    let which = if f.model.primary_label == *label {
                        if f.scene == Scene::LinkPrompt {
                            Button::SignInHere
                        } else {
                            Button::Primary
                        }
                    } else if f.model.secondary_label == *label {
                        Button::Secondary
                    } else {
                        let why = format!(
                            "no button {label:?} on screen (buttons: {:?}, {:?})",
                            f.model.primary_label, f.model.secondary_label
                        );
                        return Err(step_fail(d, why));
                    };
                    match crate::view::model::action_event(f.scene.id(), which) {
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
                        None => {
                            return Err(step_fail(d, format!("no profile {name:?} on the picker")));
                        }
                    }
                }
                Action::Fill(field, text) if d.apl().is_some() => {
                    // The skill's APL screen: touch the text field (known by its hint), type
                    // the text a key at a time (each change runs its onTextChange).
                    let targets = d.apl().map(|a| a.fields()).unwrap_or_default();
                    let Some((uid, _, old)) = targets.iter().find(|(_, h, _)| h == field) else {
                        let all: Vec<&str> = targets.iter().map(|(_, t, _)| t.as_str()).collect();
                        return Err(step_fail(
                            d,
                            format!(
                                "no text field {field:?} on the skill's screen (fields: {all:?})"
                            ),
                        ));
                    };
                    input.apl_press(*uid);
                    // What the field held goes first, as `fill` does on a sign-in page.
                    for _ in old.chars() {
                        input.apl_type(crate::apl::edit::BACKSPACE);
                    }
                    for c in text.chars() {
                        input.apl_type(&c.to_string());
                    }
                }
                Action::Submit(None) if d.apl().is_some() => {
                    // Enter on the skill's keyboard: the field that has it runs its onSubmit.
                    if d.apl().and_then(|a| a.field()).is_none() {
                        return Err(step_fail(
                            d,
                            "no text field of the skill's screen has the keyboard (`fill` one first)"
                                .into(),
                        ));
                    }
                    input.apl_type(crate::apl::edit::ENTER);
                }
                Action::Fill(field, text) => {
                    if d.page().is_none() {
                        return Err(step_fail(
                            d,
                            "no sign-in page on screen (tap “Sign in using this device” first)"
                                .into(),
                        ));
                    }
                    match d.wait_page(|d| d.find_item(field, &["field"])) {
                        Err(e) => return Err(fail(ErrorKind::Usage, e)),
                        Ok(Some(item)) => input.browse(crate::view::signin::Msg::Edit {
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
                        Ok(Some(item)) => input.browse(crate::view::signin::Msg::Press { item }),
                        Ok(None) => {
                            return Err(step_fail(
                                d,
                                format!(
                                    "no button {} on the page",
                                    button.as_deref().unwrap_or("")
                                ),
                            ));
                        }
                    }
                }
                Action::Wait(scene, secs) => match d.wait_for(&[*scene], *secs) {
                    Ok(Ending::Reached) => {}
                    Ok(Ending::DeadEnd(at)) => {
                        return Err(step_fail(
                            d,
                            format!(
                                "the device stopped on {} and cannot reach {} without another step: {}",
                                at.id(),
                                scene.id(),
                                dead_end_reason(log, at)
                            ),
                        ));
                    }
                    Ok(Ending::GaveUp) => {
                        return Err(step_fail(
                            d,
                            format!(
                                "the server has been unreachable for {} s (--give-up): {}",
                                d.give_up.as_secs(),
                                dead_end_reason(log, Scene::ServerUnreachable)
                            ),
                        ));
                    }
                    Ok(Ending::TimedOut(seen)) => {
                        let hint = match log.latest("stored_link", "db") {
                            Some(db)
                                if matches!(scene, Scene::LinkPrompt | Scene::ProfilePicker) =>
                            {
                                format!(
                                    "; likely because a link stored in {db} skipped the prompt: run with --fresh, or `linkscreen unlink --db {db}` first"
                                )
                            }
                            // The skill needs a link first: the prompt waits for a phone.
                            _ if seen == Some(Scene::LinkPrompt) => "; the device waits on the link prompt for a phone to link (the skill is not asked before): add a `phone link` step before this wait".to_owned(),
                            _ => String::new(),
                        };
                        return Err(step_fail(d, format!("timed out after {secs} s{hint}")));
                    }
                    Err(e) => return Err(fail(ErrorKind::Usage, e)),
                },
                Action::Shot(name) => {
                    if let Err(e) = d.settle() {
                        return Err(fail(ErrorKind::Usage, e));
                    }
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
                            log.log(LogEvent::Phone {
                                url: crate::device::redacted(&page.url),
                                status: page.status,
                            });
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
                Action::Phone(what, login) => {
                    let Some(qr) = log.latest("prompt", "qr_url") else {
                        return Err(step_fail(d, "no QR code has been shown yet".into()));
                    };
                    // Without an account the phone signs in as the sample server's demo
                    // user; at your own server it has none to type.
                    let user = login.as_ref().and_then(|l| l.user.clone());
                    let no_account = user.is_none() && !d.sample_server;
                    let (demo_user, demo_password) = if d.sample_server {
                        (
                            crate::backend::auth_server::DEMO_USERNAME,
                            crate::backend::auth_server::DEMO_PASSWORD,
                        )
                    } else {
                        ("", "")
                    };
                    let intent = crate::clients::phone::Intent {
                        username: user.unwrap_or_else(|| demo_user.into()),
                        password: login
                            .as_ref()
                            .map_or_else(|| demo_password.into(), |l| l.password.clone()),
                        allow: *what == PhoneAction::Link,
                    };
                    let browser = crate::clients::phone::Browser::new();
                    match rt.block_on(browser.complete(&qr, &intent)) {
                        Ok(page) => {
                            log.log(LogEvent::Phone {
                                url: crate::device::redacted(&page.url),
                                status: page.status,
                            });
                            if !page.url.path().contains("/api/skill/link/") {
                                let text: String = page.text().chars().take(160).collect();
                                return Err(step_fail(
                                    d,
                                    format!(
                                        "the phone stopped at {} ({text}){}",
                                        crate::device::redacted(&page.url),
                                        if no_account {
                                            "; your authorization server signs people in, not the sample's demo user: write `phone link USER PASSWORD` (a word may be $ENV_VAR)"
                                        } else {
                                            ""
                                        }
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
                Action::Drag(label, from, to) => {
                    let found = d.apl().map(|a| (a.targets(), a.pointer_targets()));
                    let Some((targets, pointers)) = found else {
                        return Err(step_fail(
                            d,
                            "`drag` moves a finger on the skill's APL screen; none shows".into(),
                        ));
                    };
                    let uid = match apl_target(&targets, label) {
                        Ok(uid) => uid,
                        Err(all) => {
                            return Err(step_fail(
                                d,
                                format!(
                                    "nothing {label:?} to drag on the skill's screen (touchable: {all:?})"
                                ),
                            ));
                        }
                    };
                    if !pointers.contains(&uid) {
                        return Err(step_fail(
                            d,
                            format!(
                                "{label:?} does not follow a finger (it has no onDown, onMove, onUp or gestures): `tap` it"
                            ),
                        ));
                    }
                    // Down, ten moves along its middle, up: as a finger goes.
                    use crate::apl::Pointer;
                    input.apl_pointer(uid, Pointer::Down, (*from, 0.5));
                    for i in 1..=10 {
                        let at = from + (to - from) * i as f32 / 10.0;
                        input.apl_pointer(uid, Pointer::Move, (at, 0.5));
                    }
                    input.apl_pointer(uid, Pointer::Up, (*to, 0.5));
                }
                Action::Remote(key) => match d.apl() {
                    Some(_) => input.apl_key(key),
                    None => {
                        return Err(step_fail(
                            d,
                            "the remote moves the focus on the skill's APL screen; elsewhere use `tap`".into(),
                        ));
                    }
                },
            }
            Ok(())
        })();
        let failure = match &ran {
            Err(e) => Some(e.said.clone().unwrap_or_else(|| "failed".into())),
            Ok(()) => Some(d.mismatches[mismatches_before..].join("; ")).filter(|m| !m.is_empty()),
        };
        d.steps.push(StepReport {
            line: step.line,
            step: shown,
            failure,
            skipped: false,
        });
        if ran.is_err() {
            // The steps a failure left unrun.
            for s in &steps[i + 1..] {
                d.steps.push(StepReport {
                    line: s.line,
                    step: shown_step(s),
                    failure: None,
                    skipped: true,
                });
            }
            return ran;
        }
    }
    Ok(())
}
