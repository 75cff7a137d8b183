//! The kiosk's window: fullscreen on its monitor (also without a window manager), no closing,
//! and the exit chord (Ctrl+Shift+Q, then the PIN when one is set).
//!
//! Must not import: `device`, `backend`, `app`, `cli`.

use std::time::Duration;

use slint::ComponentHandle;
use subtle::ConstantTimeEq;

use super::ui::{AppWindow, Device, Kiosk};
use crate::events::{EventLog, LogEvent};

/// Fills the monitor with the window where nothing honours the fullscreen request: a kiosk that
/// runs X without a window manager (`xinit` straight into linkscreen) gets the size it asked
/// for and the corner. Once the window exists, it is placed on its monitor and sized to it.
fn fill_monitor(app: &AppWindow, log: &EventLog) {
    use slint::winit_030::WinitWindowAccessor;
    let (weak, log) = (app.as_weak(), log.clone());
    let tries = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let timer = std::rc::Rc::new(slint::Timer::default());
    let t = timer.clone();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(100),
        move || {
            tries.set(tries.get() + 1);
            let Some(app) = weak.upgrade() else {
                t.stop();
                return;
            };
            let done = app.window().with_winit_window(|w| {
                let Some(m) = w.current_monitor().or_else(|| w.primary_monitor()) else {
                    return true;
                };
                let (pos, size) = (m.position(), m.size());
                if w.inner_size() != size || w.outer_position().ok() != Some(pos) {
                    w.set_outer_position(pos);
                    let _ = w.request_inner_size(size);
                    log.log(LogEvent::KioskFit {
                        width: size.width,
                        height: size.height,
                        x: pos.x,
                        y: pos.y,
                    });
                }
                // Look again once more: a window manager may resize it after the first look.
                tries.get() >= 10
            });
            if done.unwrap_or(tries.get() >= 50) {
                t.stop();
            }
        },
    );
    // The timer keeps itself (its callback holds it) until it stops.
}

/// Kiosk window: fullscreen, no cursor, no closing; Ctrl+Shift+Q (then the PIN, when one is set)
/// is the only way out.
pub fn lock(app: &AppWindow, pin: Option<String>, log: &EventLog) {
    app.window().set_fullscreen(true);
    fill_monitor(app, log);
    app.global::<Device>().set_kiosk(true);
    app.window()
        .on_close_requested(|| slint::CloseRequestResponse::KeepWindowShown);
    let k = app.global::<Kiosk>();
    k.set_active(true);
    k.set_pin_label(crate::locale::tr("device.kiosk_pin", "en-US", &[]).into());
    let typed = std::rc::Rc::new(std::cell::RefCell::new(String::new()));
    let (weak, log) = (app.as_weak(), log.clone());
    k.on_key(move |key| {
        let Some(app) = weak.upgrade() else { return };
        let k = app.global::<Kiosk>();
        let mut t = typed.borrow_mut();
        let leave = |log: &EventLog| {
            log.log(LogEvent::KioskExit { refused: None });
            eprintln!("linkscreen: left kiosk mode (Ctrl+Shift+Q)");
            let _ = slint::quit_event_loop();
        };
        match (key.as_str(), &pin) {
            ("exit", None) => leave(&log),
            ("exit", Some(_)) => {
                t.clear();
                k.set_pin_error("".into());
                k.set_pin_prompt(true);
            }
            ("\n", Some(p)) => {
                // Constant time: the PIN is a secret.
                let ok: bool = t.as_bytes().ct_eq(p.as_bytes()).into();
                t.clear();
                if ok {
                    k.set_pin_prompt(false);
                    leave(&log);
                } else {
                    // The prompt stays, says so, and takes the next try (Escape closes it).
                    k.set_pin_error(
                        crate::locale::tr("device.kiosk_pin_wrong", "en-US", &[]).into(),
                    );
                    log.log(LogEvent::KioskExit {
                        refused: Some("wrong PIN".into()),
                    });
                }
            }
            ("\u{1b}", _) => {
                t.clear();
                k.set_pin_prompt(false);
                k.set_pin_error("".into());
            }
            ("\u{8}", _) => {
                t.pop();
            }
            (d, _) if d.len() == 1 && d.chars().all(|c| c.is_ascii_digit()) => t.push_str(d),
            _ => {}
        }
        k.set_pin_dots("•".repeat(t.chars().count()).into());
    });
}
