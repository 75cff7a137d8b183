//! The windowed device: what the window shows (live frame or a previewed scene, at the scale
//! that fits), and the designer's emulator panel wired to the running device.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use slint::ComponentHandle;

use super::{DeviceInput, Settings, UiModel};
use crate::backend::Shared;
use crate::backend::faults::Fault;
use crate::events::EventLog;
use crate::protocol::viewport::{self, DeviceProfile};
use crate::shots::{self, Subject};
use crate::view::emulator::{self as panel, Panel};
use crate::view::{self, ui::AppWindow, ui::Emulator};

/// What the window shows: shared by the device's frames (any thread), the panel and the
/// fit timer (the UI thread).
pub struct Shown {
    pub scale: f32,
    pub profile: DeviceProfile,
    pub locale: String,
    /// The last live frame.
    pub model: Option<UiModel>,
    /// A scene previewed instead of the live one (the panel's scene jump).
    pub preview: Option<Subject>,
    /// The designer's emulator: frame and panel around the screen.
    pub panel: bool,
    /// Names for the preview's fixture screens.
    pub skill_name: String,
    pub invocation: String,
    pub household: Vec<crate::config::Profile>,
}

pub type SharedShown = Arc<Mutex<Shown>>;

/// Draws what should be on screen now: the previewed scene or the last live frame.
pub fn redraw(app: &AppWindow, g: &Shown) {
    view::set_profile(app, &g.profile, g.scale);
    match (g.preview, &g.model) {
        (Some(s), _) => {
            let m = shots::fixture_model(
                s,
                &g.profile,
                &g.locale,
                &g.skill_name,
                &g.invocation,
                &g.household,
            );
            view::apply(app, &g.profile, g.scale, &m);
        }
        (None, Some(m)) => view::apply(app, &g.profile, g.scale, m),
        (None, None) => {}
    }
}

/// A new frame from the device.
pub fn take_frame(app: &AppWindow, shown: &SharedShown, f: super::Frame) {
    let mut g = shown.lock().unwrap_or_else(|p| p.into_inner());
    let new_profile = g.profile.id != f.profile.id;
    g.profile = f.profile;
    g.model = Some(f.model);
    if new_profile && g.panel {
        g.scale = fit_now(app, &g);
    }
    if g.preview.is_none() || new_profile {
        redraw(app, &g);
    }
}

fn fit_now(app: &AppWindow, g: &Shown) -> f32 {
    let size = app.window().size();
    let sf = app.window().scale_factor();
    let fit = panel::fit_scale(
        &g.profile,
        size.width as f32 / sf,
        size.height as f32 / sf,
        g.panel,
    );
    if fit > 0.05 { fit } else { g.scale }
}

/// Scales the device screen to the window (a kiosk's display, or an emulator window the
/// user resized), re-rendering the current screen (the QR code included) at the new size.
pub fn fit_to_window(app: &AppWindow, shown: SharedShown) -> slint::Timer {
    every(app, 250, move |app| {
        let mut g = shown.lock().unwrap_or_else(|p| p.into_inner());
        let fit = fit_now(app, &g);
        if (fit - g.scale).abs() > 0.01 {
            g.scale = fit;
            redraw(app, &g);
        }
    })
}

/// Runs `f` on the window every `ms` milliseconds while the returned timer lives.
fn every(app: &AppWindow, ms: u64, mut f: impl FnMut(&AppWindow) + 'static) -> slint::Timer {
    let timer = slint::Timer::default();
    let weak = app.as_weak();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(ms),
        move || {
            if let Some(app) = weak.upgrade() {
                f(&app);
            }
        },
    );
    timer
}

/// The panel's own state (UI thread).
struct Ctl {
    panel: Panel,
    locales: Vec<String>,
    household: Vec<crate::config::Profile>,
    /// Index into the household, `None`: nobody recognized.
    speaker: Option<usize>,
    /// Which event is selected: its time and type (the list moves as events arrive).
    selected: Option<(u64, String)>,
    status_until: Option<Instant>,
    /// What was last pushed, to skip identical refreshes.
    fingerprint: String,
    /// The event log's length and newest event's time and type when last copied.
    seen: (usize, Option<serde_json::Value>, Option<serde_json::Value>),
}

/// What the panel needs from the running emulator.
pub struct Wiring {
    pub input: DeviceInput,
    pub log: EventLog,
    pub shared: Arc<Shared>,
    pub shown: SharedShown,
    pub locales: Vec<String>,
    pub speaker: Option<String>,
    /// Whether the faults of the sample authorization server / sample skill apply.
    pub sample_auth: bool,
    pub sample_skill: bool,
}

/// Shows the panel and wires it; the returned timer refreshes it while it lives.
pub fn attach(app: &AppWindow, w: Wiring) -> slint::Timer {
    let (skill_name, device, locale, household) = {
        let g = w.shown.lock().unwrap_or_else(|p| p.into_inner());
        (
            g.skill_name.clone(),
            g.profile.id,
            g.locale.clone(),
            g.household.clone(),
        )
    };
    let speaker = w
        .speaker
        .as_ref()
        .and_then(|id| household.iter().position(|p| &p.person_id() == id));
    let ctl = Rc::new(RefCell::new(Ctl {
        panel: Panel {
            skill_name,
            device: device.into(),
            locale,
            tab: 0,
            ..Default::default()
        },
        locales: w.locales.clone(),
        household,
        speaker,
        selected: None,
        status_until: None,
        fingerprint: String::new(),
        seen: (0, None, None),
    }));
    let w = Rc::new(w);
    let e = app.global::<Emulator>();
    {
        let (ctl, w, weak) = (ctl.clone(), w.clone(), app.as_weak());
        e.on_step(move |what, d| {
            let Some(app) = weak.upgrade() else { return };
            step(&app, &mut ctl.borrow_mut(), &w, what.as_str(), d);
            refresh(&app, &mut ctl.borrow_mut(), &w);
        });
    }
    {
        let (ctl, w, weak) = (ctl.clone(), w.clone(), app.as_weak());
        e.on_act(move |what| {
            let Some(app) = weak.upgrade() else { return };
            let mut c = ctl.borrow_mut();
            match what.as_str() {
                "live" => {
                    let mut g = w.shown.lock().unwrap_or_else(|p| p.into_inner());
                    g.preview = None;
                    redraw(&app, &g);
                }
                "reset" => {
                    w.input.reset();
                    note(&mut c, "Unlinked everything; back home");
                }
                "open-phone" => {
                    let url = phone_url(&w.log, &w.shared);
                    let shown = url::Url::parse(&url)
                        .map(|u| crate::protocol::urls::without_query(&u))
                        .unwrap_or_default();
                    w.log.emit("open_phone", serde_json::json!({"url": shown}));
                    match webbrowser::open(&url) {
                        Ok(()) => note(&mut c, "Opened the phone page in your browser"),
                        Err(e) => note(&mut c, &format!("Cannot open a browser: {e}")),
                    }
                }
                _ => {}
            }
            refresh(&app, &mut c, &w);
        });
    }
    {
        let w = w.clone();
        e.on_say(move |text| w.input.say(text.as_str()));
    }
    {
        let (ctl, w, weak) = (ctl.clone(), w.clone(), app.as_weak());
        e.on_toggle_fault(move |i| {
            let Some(app) = weak.upgrade() else { return };
            // The device switches and logs it; the next refresh (200 ms) shows it.
            if let Some(f) = Fault::ALL.get(i as usize) {
                w.input.fault(*f, !w.shared.faults.is_on(*f));
            }
            refresh(&app, &mut ctl.borrow_mut(), &w);
        });
    }
    {
        let (ctl, w, weak) = (ctl.clone(), w.clone(), app.as_weak());
        e.on_select_event(move |i| {
            let Some(app) = weak.upgrade() else { return };
            let mut c = ctl.borrow_mut();
            c.selected = c.panel.events.get(i as usize).map(|e| {
                (
                    e["t"].as_u64().unwrap_or(0),
                    e["type"].as_str().unwrap_or("").to_owned(),
                )
            });
            refresh(&app, &mut c, &w);
        });
    }
    {
        let (ctl, w, weak) = (ctl.clone(), w.clone(), app.as_weak());
        e.on_copy(move |text| {
            let Some(app) = weak.upgrade() else { return };
            app.invoke_copy_text(text.clone());
            let mut c = ctl.borrow_mut();
            let shown: String = text.chars().take(40).collect();
            note(
                &mut c,
                &format!("Copied {}", shown.lines().next().unwrap_or("")),
            );
            refresh(&app, &mut c, &w);
        });
    }
    refresh(app, &mut ctl.borrow_mut(), &w);
    every(app, 200, move |app| refresh(app, &mut ctl.borrow_mut(), &w))
}

fn note(c: &mut Ctl, text: &str) {
    c.panel.status = text.to_owned();
    c.status_until = Some(Instant::now() + Duration::from_secs(4));
}

/// The one-time code sent to the phone in the voice-forward dialog on screen (not one of an
/// earlier dialog).
fn otp_in_dialog(log: &EventLog, backend: &crate::backend::Shared) -> Option<String> {
    let m = log.memory.lock().unwrap_or_else(|p| p.into_inner());
    for e in m.iter().rev() {
        if e["type"] == "otp_sent" {
            return crate::backend::lwa::code_on_phone(backend);
        }
        if e["type"] == "scene" && e["scene"] == "voice-link" {
            return None;
        }
    }
    None
}

/// What the phone opens: the QR code's URL while a code is shown; during voice-forward linking
/// the phone's Activity page with the one-time code; otherwise the Alexa app's skill page. The
/// last two through a one-time pairing link, so the desktop's browser becomes the household's
/// phone.
fn phone_url(log: &EventLog, backend: &crate::backend::Shared) -> String {
    let pair = |next| crate::backend::session::pairing_url(backend, next);
    let m = log.memory.lock().unwrap_or_else(|p| p.into_inner());
    for e in m.iter().rev() {
        match e["type"].as_str() {
            Some("prompt") => {
                if let Some(qr) = e["qr_url"].as_str() {
                    return qr.to_owned();
                }
            }
            Some("otp_sent") => return pair("/cards"),
            // Another screen than the code's: no code on screen any more.
            Some("scene") if !matches!(e["scene"].as_str(), Some("link-prompt" | "voice-link")) => {
                break;
            }
            _ => {}
        }
    }
    pair("/skill")
}

fn faults(w: &Wiring) -> Vec<(Fault, bool, bool)> {
    Fault::ALL
        .into_iter()
        .map(|f| {
            let available = match f.needs_sample() {
                Some("auth_server") => w.sample_auth,
                Some(_) => w.sample_skill,
                None => crate::backend::faults::Faults::can_cut_network(),
            };
            (f, w.shared.faults.is_on(f), available)
        })
        .collect()
}

/// One of the panel's ‹ › steppers.
fn step(app: &AppWindow, c: &mut Ctl, w: &Wiring, what: &str, d: i32) {
    let cycle = |i: usize, n: usize| (i as i64 + d as i64).rem_euclid(n as i64) as usize;
    let mut g = w.shown.lock().unwrap_or_else(|p| p.into_inner());
    match what {
        "device" => {
            let all = viewport::PROFILES;
            let i = all.iter().position(|p| p.id == g.profile.id).unwrap_or(0);
            let p = all[cycle(i, all.len())];
            g.profile = p;
            g.scale = fit_now(app, &g);
            c.panel.device = p.id.into();
            w.input.configure(Settings {
                profile: Some(p),
                ..Default::default()
            });
        }
        "locale" => {
            let i = c.locales.iter().position(|l| *l == g.locale).unwrap_or(0);
            let l = c.locales[cycle(i, c.locales.len())].clone();
            g.locale = l.clone();
            c.panel.locale = l.clone();
            w.input.configure(Settings {
                locale: Some(l),
                ..Default::default()
            });
        }
        "speaker" => {
            // Nobody, then each household profile.
            let n = c.household.len() + 1;
            let now = c.speaker.map_or(0, |i| i + 1);
            let next = cycle(now, n);
            c.speaker = next.checked_sub(1);
            w.input.configure(Settings {
                speaker: Some(c.speaker.map(|i| c.household[i].person_id())),
                ..Default::default()
            });
        }
        "scene" => {
            let all: Vec<Subject> = shots::subjects()
                .into_iter()
                .filter(|s| s.panel.is_none())
                .collect();
            // Live, then each scene.
            let now = g
                .preview
                .and_then(|p| all.iter().position(|s| s.id == p.id))
                .map_or(0, |i| i + 1);
            g.preview = cycle(now, all.len() + 1).checked_sub(1).map(|i| all[i]);
        }
        _ => {}
    }
    redraw(app, &g);
}

/// Brings the panel up to date with the device, the log, the faults and the report.
fn refresh(app: &AppWindow, c: &mut Ctl, w: &Wiring) {
    if c.status_until.is_some_and(|t| Instant::now() >= t) {
        c.panel.status.clear();
        c.status_until = None;
    }
    {
        let g = w.shown.lock().unwrap_or_else(|p| p.into_inner());
        c.panel.preview = g.preview.map(|s| s.id.to_owned()).unwrap_or_default();
        c.panel.user_code = match g.model.as_ref() {
            // Alexa asks for the code sent to the phone: the panel shows it, as the phone does.
            Some(m) if m.scene == "voice-link" => {
                otp_in_dialog(&w.log, &w.shared).unwrap_or_default()
            }
            Some(m) => m.user_code.clone(),
            None => String::new(),
        };
    }
    // Always: a code's page, the one-time code, or the Alexa app's skill page (paired).
    c.panel.can_open_phone = true;
    c.panel.speaker = match c.speaker {
        Some(i) => c
            .household
            .get(i)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        None => "not recognized".into(),
    };
    {
        let m = w.log.memory.lock().unwrap_or_else(|p| p.into_inner());
        // Copied only when the log moved on (its length, or its newest event once it is full).
        let seen = (
            m.len(),
            m.back().map(|e| e["t"].clone()),
            m.back().map(|e| e["type"].clone()),
        );
        if seen != c.seen {
            c.seen = seen;
            // Newest first.
            c.panel.events = m.iter().rev().take(panel::PANEL_EVENTS).cloned().collect();
        }
    }
    c.panel.selected = c.selected.as_ref().and_then(|(t, kind)| {
        c.panel
            .events
            .iter()
            .position(|e| e["t"].as_u64() == Some(*t) && e["type"].as_str() == Some(kind))
    });
    c.panel.faults = faults(w);
    c.panel.findings = w.shared.report.findings();
    c.panel.tab = app.global::<Emulator>().get_tab();
    let newest = c
        .panel
        .events
        .first()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let fp = format!(
        "{}|{}|{:?}|{:?}|{:?}|{}|{}|{}|{}|{}|{}",
        c.panel.events.len(),
        newest,
        c.panel.selected,
        c.panel.faults,
        c.panel
            .findings
            .iter()
            .map(|f| (f.rule, f.level, f.evidence.len()))
            .collect::<Vec<_>>(),
        c.panel.user_code,
        c.panel.status,
        c.panel.preview,
        c.panel.device,
        c.panel.locale,
        c.panel.speaker
    );
    if fp != c.fingerprint {
        c.fingerprint = fp;
        panel::apply_panel(app, &c.panel);
    }
}
