//! The device's window: opens it, shows the live frame (or a previewed scene) at the scale
//! that fits, and connects the screen's and the browser's callbacks to the device's
//! [`Controls`]. Frames arrive from the device's threads through [`Window::publisher`].
//!
//! Must not import: `device`, `backend`, `app`, `cli`, `shots`.

use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slint::ComponentHandle;

use super::emulator::{self as panel, wiring};
use super::model::{Button, UiModel, action_event};
use super::port::{Controls, PanelHost};
use super::signin::Msg;
use super::ui::{AppWindow, Browser, BrowserNav, Screen, ScreenButton};
use crate::events::EventLog;
use crate::protocol::viewport::DeviceProfile;

/// What the window shows: shared by the device's frames (any thread), the panel and the
/// fit timer (the UI thread).
pub struct Shown {
    pub scale: f32,
    pub profile: DeviceProfile,
    pub locale: String,
    /// The last live frame.
    pub model: Option<UiModel>,
    /// A scene previewed instead of the live one (the panel's scene jump), by id.
    pub preview: Option<&'static str>,
    /// The designer's emulator: frame and panel around the screen.
    pub panel: bool,
    /// Draws a previewed scene.
    pub host: Option<Rc<dyn PanelHost>>,
    /// The running device (told where the APL screen's components were laid out).
    pub controls: Option<Rc<dyn Controls>>,
}

pub type SharedShown = Rc<std::cell::RefCell<Shown>>;

/// How the window opens.
pub struct WindowPlan {
    pub profile: DeviceProfile,
    pub locale: String,
    /// The user's `--scale` (the emulator multiplies it by the scale that fits a desktop).
    pub scale: f32,
    /// The designer's emulator (frame and panel).
    pub panel: bool,
    pub title: String,
}

/// The open window and what keeps its timers alive.
pub struct Window {
    app: AppWindow,
    shown: SharedShown,
    /// The latest frame from the device, handed over to the UI thread.
    inbox: Arc<Mutex<Option<(DeviceProfile, UiModel)>>>,
    timers: Vec<slint::Timer>,
}

/// Ends the window's event loop (from any thread: a signal handler).
pub fn quit() {
    let _ = slint::invoke_from_event_loop(|| {
        let _ = slint::quit_event_loop();
    });
}

/// Draws what should be on screen now: the previewed scene or the last live frame.
pub fn redraw(app: &AppWindow, g: &Shown) {
    super::set_profile(app, &g.profile, g.scale);
    let preview = match (g.preview, &g.host) {
        (Some(id), Some(h)) => h.preview(id, &g.profile, &g.locale),
        _ => None,
    };
    match (preview, &g.model) {
        (Some(m), _) => super::apply(app, &g.profile, g.scale, &m),
        (None, Some(m)) => super::apply(app, &g.profile, g.scale, m),
        (None, None) => {}
    }
}

/// The scale at which the device fills the window now (never a sliver).
pub fn fit_now(app: &AppWindow, g: &Shown) -> f32 {
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

/// Runs `f` on the window every `ms` milliseconds while the returned timer lives.
pub fn every(app: &AppWindow, ms: u64, mut f: impl FnMut(&AppWindow) + 'static) -> slint::Timer {
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

impl Window {
    pub fn open(plan: WindowPlan) -> Result<Window, String> {
        let app = AppWindow::new().map_err(|e| format!("cannot open a window: {e}"))?;
        let scale = if plan.panel {
            plan.scale.clamp(0.25, 4.0) * panel::default_scale(&plan.profile)
        } else {
            plan.scale.clamp(0.25, 4.0)
        };
        super::set_profile(&app, &plan.profile, scale);
        if plan.panel {
            let (w, h) = panel::window_size(&plan.profile, scale);
            app.window()
                .set_size(slint::LogicalSize::new(w as f32, h as f32));
            app.set_window_title(plan.title.into());
        }
        let shown = Rc::new(std::cell::RefCell::new(Shown {
            scale,
            profile: plan.profile,
            locale: plan.locale,
            model: None,
            preview: None,
            panel: plan.panel,
            host: None,
            controls: None,
        }));
        // The shown state is the UI thread's: frames reach it there through this handle.
        SHOWN.with(|s| *s.borrow_mut() = Some(shown.clone()));
        Ok(Window {
            app,
            shown,
            inbox: Default::default(),
            timers: Vec::new(),
        })
    }

    /// What the device calls with each new frame (from any thread): the newest is drawn on
    /// the UI thread; frames that arrive faster than it draws are skipped, never queued.
    pub fn publisher(&self) -> impl Fn(DeviceProfile, UiModel) + Send + Sync + 'static {
        let (weak, inbox) = (self.app.as_weak(), self.inbox.clone());
        move |profile, model| {
            let first = inbox
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .replace((profile, model))
                .is_none();
            if first {
                let inbox = inbox.clone();
                let _ = weak.upgrade_in_event_loop(move |app| {
                    let f = inbox.lock().unwrap_or_else(|p| p.into_inner()).take();
                    if let Some((profile, model)) = f {
                        SHOWN.with(|s| {
                            if let Some(shown) = &*s.borrow() {
                                take_frame(&app, shown, profile, model);
                            }
                        });
                    }
                });
            }
        }
    }

    /// The screen's buttons, the household picker and the device browser drive the device.
    pub fn connect(&self, controls: Rc<dyn Controls>, household: Vec<crate::config::Profile>) {
        self.shown.borrow_mut().controls = Some(controls.clone());
        let app = &self.app;
        {
            let (c, weak, shown) = (controls.clone(), app.as_weak(), self.shown.clone());
            app.global::<Screen>().on_action(move |b| {
                // A previewed scene is a picture: its buttons do not drive the live device.
                if shown.borrow().preview.is_some() {
                    return;
                }
                if let Some(app) = weak.upgrade() {
                    let scene = app.global::<Screen>().get_scene();
                    let b = match b {
                        ScreenButton::SignInHere => Button::SignInHere,
                        ScreenButton::Primary => Button::Primary,
                        ScreenButton::Secondary => Button::Secondary,
                    };
                    if let Some(ev) = action_event(&scene, b) {
                        c.send(ev);
                    }
                }
            });
        }
        {
            let c = controls.clone();
            app.global::<Screen>().on_pick(move |i| {
                if let Some(p) = household.get(i as usize) {
                    c.send(crate::flow::Event::Picked {
                        person_id: p.person_id(),
                    });
                }
            });
        }
        {
            let (c, shown) = (controls.clone(), self.shown.clone());
            app.global::<super::ui::Apl>().on_press(move |uid| {
                // A target that hears the finger's every move is pressed by the finger lifted
                // inside it (after its onUp), not here.
                if shown.borrow().preview.is_none()
                    && uid >= 0
                    && !super::apl::takes_pointer(uid as usize)
                {
                    c.apl_press(uid as usize);
                }
            });
            let c8 = controls.clone();
            app.global::<super::ui::Apl>()
                .on_pointer(move |uid, kind, fx, fy| {
                    if let Some((uid, phase, at)) = super::apl::pointer(uid, kind, fx, fy) {
                        c8.apl_pointer(uid, phase, at);
                    }
                });
            let c2 = controls.clone();
            app.global::<super::ui::Apl>()
                .on_key(move |k| c2.apl_key(&k));
            let (c3, weak) = (controls.clone(), app.as_weak());
            app.global::<super::ui::Apl>().on_scroll(move |uid, px| {
                // Logical pixels at the window's scale back to dp.
                if let (Some(_), true) = (weak.upgrade(), uid >= 0) {
                    let k = super::apl::scale_now();
                    let uid = uid as usize;
                    c3.apl_scroll(uid, px / k, super::apl::extent(uid));
                }
            });
            let c4 = controls.clone();
            app.global::<super::ui::Apl>().on_drag(move |x, y, dx, dy| {
                if let Some((uid, to)) = super::apl::drag(x, y, dx, dy) {
                    c4.apl_scroll(uid, to, super::apl::extent(uid));
                }
            });
            let c7 = controls.clone();
            app.global::<super::ui::Apl>()
                .on_type(move |k| c7.apl_type(&k));
            let c6 = controls.clone();
            app.global::<super::ui::Apl>()
                .on_pressing(move |uid| c6.apl_pressing(usize::try_from(uid).ok()));
            let c5 = controls.clone();
            app.global::<super::ui::Apl>().on_drag_end(move || {
                if let Some((uid, by)) = super::apl::drag_end() {
                    c5.apl_page(uid, by);
                }
            });
        }
        let b = app.global::<Browser>();
        let c = controls.clone();
        b.on_press(move |n| c.browse(Msg::Press { item: n as usize }));
        let c = controls.clone();
        b.on_key(move |k| c.browse(Msg::Key(k.to_string())));
        let c = controls;
        b.on_nav(move |n| {
            c.browse(match n {
                BrowserNav::Back => Msg::Back,
                BrowserNav::Close => Msg::Close,
                BrowserNav::Retry => Msg::Retry,
                BrowserNav::OpenExternal => Msg::OpenExternal,
                BrowserNav::Reveal => Msg::Reveal,
                BrowserNav::Blur => Msg::Blur,
            })
        });
    }

    /// The designer's emulator panel, fed by the event log as events happen.
    pub fn attach_panel(
        &mut self,
        controls: Rc<dyn Controls>,
        host: Rc<dyn PanelHost>,
        log: &EventLog,
        plan: wiring::PanelPlan,
    ) {
        self.shown.borrow_mut().host = Some(host.clone());
        wiring::attach(&self.app, self.shown.clone(), controls, host, log, plan);
    }

    /// A kiosk: fullscreen, no cursor, no closing; Ctrl+Shift+Q (and the PIN) leaves.
    pub fn kiosk(&self, pin: Option<String>, log: &EventLog) {
        super::kiosk::lock(&self.app, pin, log);
    }

    /// Scales the screen to the window (a kiosk's display, or an emulator window the user
    /// resized), re-rendering the current screen (the QR code included) at the new size.
    pub fn fit_to_window(&mut self) {
        let shown = self.shown.clone();
        self.timers.push(every(&self.app, 250, move |app| {
            let mut g = shown.borrow_mut();
            let fit = fit_now(app, &g);
            if (fit - g.scale).abs() > 0.01 {
                g.scale = fit;
                redraw(app, &g);
            }
        }));
    }

    /// Runs the event loop until the window closes (or [`quit`]).
    pub fn run(self) -> Result<(), String> {
        let r = self.app.run().map_err(|e| format!("window: {e}"));
        SHOWN.with(|s| *s.borrow_mut() = None);
        wiring::detach();
        r
    }
}

thread_local! {
    static SHOWN: std::cell::RefCell<Option<SharedShown>> = const { std::cell::RefCell::new(None) };
}

/// A new frame from the device.
fn take_frame(app: &AppWindow, shown: &SharedShown, profile: DeviceProfile, model: UiModel) {
    {
        let mut g = shown.borrow_mut();
        let new_profile = g.profile.id != profile.id;
        g.profile = profile;
        g.model = Some(model);
        if new_profile && g.panel {
            g.scale = fit_now(app, &g);
        }
        if g.preview.is_none() || new_profile {
            redraw(app, &g);
        }
        // The live screen's APL components, where they were laid out: for the visual context.
        if g.preview.is_none()
            && let (Some(c), Some(p)) = (&g.controls, super::apl::take_positions())
        {
            c.apl_laid_out(p);
        }
    }
    // The panel shows the frame's code.
    wiring::refresh_now(app);
}
