//! `linkscreen run` and `kiosk` in a window: the composition root of a windowed run. Prepares
//! the backend and the device, opens the view's window, connects the two (the device's input
//! handle as the view's `Controls`, the embedded services as the panel's `PanelHost`), and
//! stops everything in order when the window closes or a signal arrives.
//!
//! Must not import: anything it likes (composition root); only `app` uses it.

use std::rc::Rc;
use std::sync::Arc;

use crate::backend::Shared;
use crate::config::LinkingMode;
use crate::device::{self, Prepare};
use crate::error::{ErrorKind, Outcome};
use crate::events::EventLog;
use crate::faults::Fault;
use crate::findings::Finding;
use crate::plan::RunPlan;
use crate::protocol::viewport::DeviceProfile;
use crate::shots;
use crate::view::UiModel;
use crate::view::emulator::wiring::PanelPlan;
use crate::view::port::PanelHost;
use crate::view::window::{self, Window, WindowPlan};

/// `linkscreen run` (and `kiosk`, with the plan's kiosk options) in a window, until it closes.
pub fn run(a: RunPlan) -> Outcome {
    let (log, rt) = device::log_and_runtime(&a)?;
    windowed(a, log, &rt)
}

fn windowed(a: RunPlan, log: EventLog, rt: &tokio::runtime::Runtime) -> Outcome {
    let (cfg, profile, kiosk) = (a.config.clone(), a.profile, a.kiosk.clone());
    // Slint's linuxkms backend (the `linuxkms` feature) draws without X or Wayland.
    let kms = std::env::var("SLINT_BACKEND").is_ok_and(|b| b.starts_with("linuxkms"));
    if !kms
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return Err(device::fail(
            ErrorKind::Usage,
            "no display found (DISPLAY and WAYLAND_DISPLAY are unset). Use `linkscreen run --headless --frames DIR` to run without one.",
        ));
    }
    let household = cfg.household.clone();
    // The project's locales (the emulator's locale switch), and whether the sample
    // authorization server is the one linking (its faults apply).
    let locales = match cfg.project.as_ref().map(|p| p.locales()) {
        Some(l) => l,
        None => crate::locale::SUPPORTED
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    let sample_auth = cfg.uses_sample_server() && matches!(cfg.linking.mode, LinkingMode::Alexa);
    let (setup, running) = rt.block_on(device::prepare(
        cfg,
        profile,
        &a.locale,
        log.clone(),
        &Prepare::of(&a, kiosk.is_none()),
    ))?;
    // The designer's emulator (frame + panel) unless this is a kiosk or --no-panel.
    let with_panel = kiosk.is_none() && !a.no_panel;
    let mut win = Window::open(WindowPlan {
        profile,
        locale: a.locale.clone(),
        scale: a.scale,
        panel: with_panel,
        title: format!("linkscreen — {}", setup.skill_name),
    })
    .map_err(|e| device::fail(ErrorKind::Usage, e))?;
    let host = Rc::new(Host {
        log: log.clone(),
        shared: running.shared.clone(),
        sample_auth,
        // Not a Lambda handler run here (its endpoint reads `lambda:<file>`).
        sample_skill: setup.skill_endpoint.ends_with("/ridehailer/skill"),
        skill_name: setup.skill_name.clone(),
        invocation: setup.invocation.clone(),
        household: setup.household.clone(),
    });
    let panel_plan = PanelPlan {
        skill_name: setup.skill_name.clone(),
        locales,
        household: setup.household.clone(),
        speaker: setup.speaker.clone(),
    };
    let input = {
        let _g = rt.enter();
        let publish = win.publisher();
        device::spawn(setup, move |f| publish(f.profile, f.model))
    };
    let controls: Rc<dyn crate::view::port::Controls> = Rc::new(input.clone());
    win.connect(controls.clone(), household);
    if with_panel {
        win.attach_panel(controls, host, &log, panel_plan);
    }
    if let Some(k) = &kiosk {
        win.kiosk(k.exit_pin.clone(), &log);
    }
    // A kiosk fills its display; the emulator follows the window as the user resizes it.
    if kiosk.is_some() || with_panel {
        win.fit_to_window();
    }
    if let Some(s) = &a.say {
        input.say(s);
    }
    let stopped_by = device::on_signals(rt, |_| window::quit());
    let code = win.run().map_err(|e| device::fail(ErrorKind::Usage, e));
    rt.block_on(device::shutdown(running, &input, &log));
    device::ended_by(&stopped_by, code)
}

/// The panel's questions, answered from the event log and the embedded backend.
struct Host {
    log: EventLog,
    shared: Arc<Shared>,
    /// Whether the faults of the sample authorization server / sample skill apply.
    sample_auth: bool,
    sample_skill: bool,
    /// For the previewed scenes.
    skill_name: String,
    invocation: String,
    household: Vec<crate::config::Profile>,
}

impl PanelHost for Host {
    /// The QR code's URL while a code is shown; during voice-forward linking the phone's
    /// Activity page with the one-time code; otherwise the Alexa app's skill page. The last
    /// two through a one-time pairing link, so the desktop's browser becomes the household's
    /// phone.
    fn phone_url(&self) -> String {
        let pair = |next| crate::backend::session::pairing_url(&self.shared, next);
        let m = self.log.memory.lock().unwrap_or_else(|p| p.into_inner());
        for e in m.iter().rev() {
            match e["type"].as_str() {
                Some("prompt") => {
                    if let Some(qr) = e["qr_url"].as_str() {
                        return qr.to_owned();
                    }
                }
                Some("otp_sent") => return pair("/cards"),
                // Another screen than the code's: no code on screen any more.
                Some("scene")
                    if !matches!(e["scene"].as_str(), Some("link-prompt" | "voice-link")) =>
                {
                    break;
                }
                _ => {}
            }
        }
        pair("/skill")
    }

    /// The code sent in the dialog on screen (not one of an earlier dialog).
    fn one_time_code(&self) -> Option<String> {
        let m = self.log.memory.lock().unwrap_or_else(|p| p.into_inner());
        for e in m.iter().rev() {
            if e["type"] == "otp_sent" {
                return crate::backend::lwa::code_on_phone(&self.shared);
            }
            if e["type"] == "scene" && e["scene"] == "voice-link" {
                return None;
            }
        }
        None
    }

    fn faults(&self) -> Vec<(Fault, bool, bool)> {
        Fault::ALL
            .into_iter()
            .map(|f| {
                let available = match f.needs_sample() {
                    Some("auth_server") => self.sample_auth,
                    Some(_) => self.sample_skill,
                    None => crate::backend::faults::Faults::can_cut_network(),
                };
                (f, self.shared.faults.is_on(f), available)
            })
            .collect()
    }

    fn findings(&self) -> Vec<Finding> {
        self.shared.report.findings()
    }

    fn scenes(&self) -> Vec<&'static str> {
        shots::subjects()
            .into_iter()
            .filter(|s| s.panel.is_none())
            .map(|s| s.id)
            .collect()
    }

    fn preview(&self, scene: &str, p: &DeviceProfile, locale: &str) -> Option<UiModel> {
        let s = shots::subjects().into_iter().find(|s| s.id == scene)?;
        Some(shots::fixture_model(
            s,
            p,
            locale,
            &self.skill_name,
            &self.invocation,
            &self.household,
            shots::sign_in_html(s.scene, locale),
        ))
    }
}
