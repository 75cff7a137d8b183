//! The emulator panel's wiring: its callbacks drive the device through [`Controls`], its
//! questions go to the [`PanelHost`], and the event log feeds it through a channel as events
//! happen (no polling). Lives on the UI thread.
//!
//! Must not import: `device`, `backend`, `app`, `cli`, `shots`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use serde_json::Value;
use slint::ComponentHandle;

use super::{PANEL_EVENTS, Panel, apply_panel};
use crate::events::{EventLog, LogEvent};
use crate::faults::Fault;
use crate::protocol::viewport;
use crate::view::port::{Controls, PanelHost, Settings};
use crate::view::ui::{AppWindow, Emulator, PanelAction, PanelStep};
use crate::view::window::{SharedShown, fit_now, redraw};

/// What the panel starts with.
pub struct PanelPlan {
    pub skill_name: String,
    /// The locales the locale switch cycles through (the project's, else every supported one).
    pub locales: Vec<String>,
    pub household: Vec<crate::config::Profile>,
    /// The recognized speaker's person id.
    pub speaker: Option<String>,
}

/// The panel's own state.
struct Ctl {
    panel: Panel,
    locales: Vec<String>,
    household: Vec<crate::config::Profile>,
    /// Index into the household, `None`: nobody recognized.
    speaker: Option<usize>,
    /// Which event is selected: its time and type (the list moves as events arrive).
    selected: Option<(u64, String)>,
    /// What was last pushed, to skip identical refreshes.
    fingerprint: String,
    /// Every event as it is recorded.
    events: Receiver<Value>,
    /// Clears the status line a while after it was set.
    status_timer: slint::Timer,
}

struct Wired {
    ctl: RefCell<Ctl>,
    controls: Rc<dyn Controls>,
    host: Rc<dyn PanelHost>,
    shown: SharedShown,
    log: EventLog,
}

thread_local! {
    static PANEL: RefCell<Option<Rc<Wired>>> = const { RefCell::new(None) };
}

fn wired() -> Option<Rc<Wired>> {
    PANEL.with(|p| p.borrow().clone())
}

/// Brings the panel up to date now (a new frame, a new event).
pub fn refresh_now(app: &AppWindow) {
    if let Some(w) = wired() {
        refresh(app, &w);
    }
}

/// The window closed: the panel lets go of the device.
pub fn detach() {
    PANEL.with(|p| *p.borrow_mut() = None);
}

/// Shows the panel and wires it.
pub fn attach(
    app: &AppWindow,
    shown: SharedShown,
    controls: Rc<dyn Controls>,
    host: Rc<dyn PanelHost>,
    log: &EventLog,
    plan: PanelPlan,
) {
    let (device, locale) = {
        let g = shown.borrow();
        (g.profile.id, g.locale.clone())
    };
    let speaker = plan
        .speaker
        .as_ref()
        .and_then(|id| plan.household.iter().position(|p| &p.person_id() == id));
    let weak = app.as_weak();
    let (past, events) = log.subscribe(move || {
        let _ = weak.upgrade_in_event_loop(|app| refresh_now(&app));
    });
    let mut panel = Panel {
        skill_name: plan.skill_name,
        device: device.into(),
        locale,
        tab: 0,
        ..Default::default()
    };
    // Newest first.
    panel.events = past.into_iter().rev().take(PANEL_EVENTS).collect();
    let w = Rc::new(Wired {
        ctl: RefCell::new(Ctl {
            panel,
            locales: plan.locales,
            household: plan.household,
            speaker,
            selected: None,
            fingerprint: String::new(),
            events,
            status_timer: slint::Timer::default(),
        }),
        controls,
        host,
        shown,
        log: log.clone(),
    });
    PANEL.with(|p| *p.borrow_mut() = Some(w.clone()));
    let e = app.global::<Emulator>();
    let weak = app.as_weak();
    let with = move |f: &dyn Fn(&AppWindow, &Wired)| {
        if let (Some(app), Some(w)) = (weak.upgrade(), wired()) {
            f(&app, &w);
            refresh(&app, &w);
        }
    };
    {
        let with = with.clone();
        e.on_step(move |what, d| with(&|app, w| step(app, w, what, d)));
    }
    {
        let with = with.clone();
        e.on_act(move |what| with(&|app, w| act(app, w, what)));
    }
    e.on_say(move |text| {
        if let Some(w) = wired() {
            w.controls.say(text.as_str());
        }
    });
    {
        let with = with.clone();
        e.on_toggle_fault(move |i| {
            with(&|_, w| {
                // The device switches and logs it; that event refreshes the panel.
                if let Some(f) = Fault::ALL.get(i as usize) {
                    let on = w.host.faults().iter().any(|(g, on, _)| g == f && *on);
                    w.controls.fault(*f, !on);
                }
            })
        });
    }
    {
        let with = with.clone();
        e.on_select_event(move |i| {
            with(&|_, w| {
                let mut c = w.ctl.borrow_mut();
                c.selected = c.panel.events.get(i as usize).map(|e| {
                    (
                        e["t"].as_u64().unwrap_or(0),
                        e["type"].as_str().unwrap_or("").to_owned(),
                    )
                });
            })
        });
    }
    e.on_copy(move |text| {
        with(&|app, w| {
            app.invoke_copy_text(text.clone());
            let shown: String = text.chars().take(40).collect();
            note(
                app,
                w,
                &format!("Copied {}", shown.lines().next().unwrap_or("")),
            );
        })
    });
    refresh(app, &w);
}

/// The panel's buttons.
fn act(app: &AppWindow, w: &Wired, what: PanelAction) {
    match what {
        PanelAction::Live => {
            let mut g = w.shown.borrow_mut();
            g.preview = None;
            redraw(app, &g);
        }
        PanelAction::Reset => {
            w.controls.reset();
            note(app, w, "Unlinked everything; back home");
        }
        PanelAction::OpenPhone => {
            let url = w.host.phone_url();
            let shown = url::Url::parse(&url)
                .map(|u| crate::protocol::urls::without_query(&u))
                .unwrap_or_default();
            w.log.log(LogEvent::OpenPhone { url: shown });
            note(app, w, "Opening the phone page in your browser…");
            // The opener is waited for off the UI thread; its failure is shown with the URL
            // to open by hand.
            let (weak, log, shown) = (app.as_weak(), w.log.clone(), url.clone());
            crate::desktop::open_in_background(url, move |r| {
                let url = shown;
                let said = match r {
                    Ok(()) => "Opened the phone page in your browser".to_owned(),
                    Err(e) => {
                        // The status line is short: the whole URL (a one-time pairing link)
                        // goes to the terminal, the reason to the event log.
                        eprintln!(
                            "linkscreen: cannot open a browser ({e}); open this yourself: {url}"
                        );
                        log.error("open_phone", &e);
                        "No browser opened: the phone page's URL is on the terminal".to_owned()
                    }
                };
                let _ = slint::invoke_from_event_loop(move || {
                    if let (Some(app), Some(w)) = (weak.upgrade(), wired()) {
                        note(&app, &w, &said);
                    }
                });
            });
        }
    }
}

/// A line in the panel's status bar for a few seconds.
fn note(app: &AppWindow, w: &Wired, text: &str) {
    let mut c = w.ctl.borrow_mut();
    c.panel.status = text.to_owned();
    let weak = app.as_weak();
    c.status_timer.start(
        slint::TimerMode::SingleShot,
        Duration::from_secs(4),
        move || {
            if let (Some(app), Some(w)) = (weak.upgrade(), wired()) {
                w.ctl.borrow_mut().panel.status.clear();
                refresh(&app, &w);
            }
        },
    );
}

/// One of the panel's ‹ › steppers.
fn step(app: &AppWindow, w: &Wired, what: PanelStep, d: i32) {
    let cycle = |i: usize, n: usize| (i as i64 + d as i64).rem_euclid(n as i64) as usize;
    let mut c = w.ctl.borrow_mut();
    let mut g = w.shown.borrow_mut();
    match what {
        PanelStep::Device => {
            let all = viewport::PROFILES;
            let i = all.iter().position(|p| p.id == g.profile.id).unwrap_or(0);
            let p = all[cycle(i, all.len())];
            g.profile = p;
            g.scale = fit_now(app, &g);
            c.panel.device = p.id.into();
            w.controls.configure(Settings {
                profile: Some(p),
                ..Default::default()
            });
        }
        PanelStep::Locale => {
            let i = c.locales.iter().position(|l| *l == g.locale).unwrap_or(0);
            let l = c.locales[cycle(i, c.locales.len())].clone();
            g.locale = l.clone();
            c.panel.locale = l.clone();
            w.controls.configure(Settings {
                locale: Some(l),
                ..Default::default()
            });
        }
        PanelStep::Speaker => {
            // Nobody, then each household profile.
            let n = c.household.len() + 1;
            let now = c.speaker.map_or(0, |i| i + 1);
            let next = cycle(now, n);
            c.speaker = next.checked_sub(1);
            w.controls.configure(Settings {
                speaker: Some(c.speaker.map(|i| c.household[i].person_id())),
                ..Default::default()
            });
        }
        PanelStep::Scene => {
            let all = w.host.scenes();
            // Live, then each scene.
            let now = g
                .preview
                .and_then(|p| all.iter().position(|s| *s == p))
                .map_or(0, |i| i + 1);
            g.preview = cycle(now, all.len() + 1).checked_sub(1).map(|i| all[i]);
        }
    }
    redraw(app, &g);
}

/// Brings the panel up to date with the device, the new events, the faults and the report.
fn refresh(app: &AppWindow, w: &Wired) {
    let mut c = w.ctl.borrow_mut();
    let c = &mut *c;
    {
        let g = w.shown.borrow();
        c.panel.preview = g.preview.map(str::to_owned).unwrap_or_default();
        c.panel.user_code = match g.model.as_ref() {
            // Alexa asks for the code sent to the phone: the panel shows it, as the phone does.
            Some(m) if m.scene == "voice-link" => w.host.one_time_code().unwrap_or_default(),
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
    // Newest first, at most PANEL_EVENTS.
    for e in c.events.try_iter() {
        c.panel.events.insert(0, e);
    }
    c.panel.events.truncate(PANEL_EVENTS);
    c.panel.selected = c.selected.as_ref().and_then(|(t, kind)| {
        c.panel
            .events
            .iter()
            .position(|e| e["t"].as_u64() == Some(*t) && e["type"].as_str() == Some(kind))
    });
    c.panel.faults = w.host.faults();
    c.panel.findings = w.host.findings();
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
        apply_panel(app, &c.panel);
    }
}
