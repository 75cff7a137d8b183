//! `run --headless`: the device without a window — frames to PNG, events to a file, a script
//! to drive it — until the journey ends, a scene is reached or time runs out.

use std::path::PathBuf;
use std::time::Duration;

use crate::device::{
    self, Prepare, ended_by, fail, first_utterance, on_signals, prepare, shutdown,
};
use crate::error::{AppError, ErrorKind, Outcome};
use crate::events::{EventLog, LogEvent};
use crate::flow::Scene;
use crate::plan::RunPlan;
use crate::view::{self, headless::Headless};

use super::driver::*;
use super::exec::run_script;

pub fn headless(a: RunPlan, log: EventLog, rt: &tokio::runtime::Runtime) -> Outcome {
    let (cfg, profile, kiosk) = (a.config.clone(), a.profile, a.kiosk.clone());
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
            .and_then(|t| super::parse::parse(&t))
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
    let sample_server = cfg.uses_sample_server();
    let (setup, running) = rt.block_on(prepare(
        cfg,
        profile,
        &a.locale,
        log.clone(),
        &Prepare::of(&a, false),
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
        device::spawn(setup, move |f| {
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
        steps: vec![],
        mask: a.mask.clone(),
        mask_regions: a.mask_regions.clone(),
        sample_server,
        settle: Duration::from_millis(a.settle),
        device: input.clone(),
        print_scenes: a.frames.is_none() && a.events.is_none() && a.script.is_none(),
        // A kiosk keeps retrying for its next visitor.
        give_up: if kiosk.is_some() {
            Duration::MAX
        } else {
            Duration::from_secs(a.give_up)
        },
    };
    let code = match steps {
        Some(steps) => {
            let ended = run_script(
                &mut d,
                &steps,
                &input,
                &household,
                rt,
                &log,
                &running.shared,
            );
            if let (Some(j), Some(script)) = (&a.junit, &a.script)
                && let Err(e) = write_junit(j, &script.display().to_string(), &d.steps)
            {
                eprintln!("linkscreen: {e}");
            }
            match ended {
                Ok(()) if !d.mismatches.is_empty() => {
                    for m in &d.mismatches {
                        eprintln!("linkscreen: {m}");
                    }
                    Err(AppError::reported(ErrorKind::Check))
                }
                ended => ended,
            }
        }
        None => {
            // A kiosk waits for its visitors; `run` says the first utterance itself.
            if kiosk.is_none() || a.say.is_some() {
                input.say(&utterance);
            }
            match d.run_until(&until, a.timeout.unwrap_or(900), d.give_up) {
                Ok(Ending::Reached) => Ok(()),
                Ok(Ending::GaveUp) => {
                    let step = log.latest("error", "step").unwrap_or_default();
                    let peer = if step == "Launch" {
                        "the skill"
                    } else {
                        "the linking service"
                    };
                    let reason = log.latest("error", "reason").unwrap_or_default();
                    log.log(LogEvent::GaveUp {
                        peer: peer.into(),
                        after_s: a.give_up,
                        reason: reason.clone(),
                    });
                    Err(fail(
                        ErrorKind::Peer,
                        format!(
                            "{peer} has been unreachable for {} s, giving up (--give-up): {reason}",
                            a.give_up
                        ),
                    ))
                }
                Ok(Ending::DeadEnd(s)) => Err(fail(
                    ErrorKind::Peer,
                    format!(
                        "the device stopped on {} while waiting for {}: {}",
                        s.id(),
                        until.iter().map(|s| s.id()).collect::<Vec<_>>().join("|"),
                        dead_end_reason(&log, s)
                    ),
                )),
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

/// `linkscreen run --headless` (and `kiosk --headless`).
pub fn run(a: RunPlan) -> Outcome {
    let (log, rt) = device::log_and_runtime(&a)?;
    headless(a, log, &rt)
}
