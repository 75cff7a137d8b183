//! The only Rust that touches Slint: pushes a [`UiModel`] into the UI's
//! globals, turns UI callbacks into flow events, and renders headless frames
//! with the software renderer.
//!
//! Must not import: `backend`, `device`, `shots`, `script`, `app`, `cli` (it is given models and port traits).

pub mod apl;
mod apl_cover;
mod apl_items;
pub mod emulator;
pub mod fixtures;
pub mod headless;
mod italic;
pub mod kiosk;
pub mod model;
mod pixel;
pub mod port;
pub mod qr;
pub mod signin;
pub mod window;

pub use model::UiModel;

use crate::protocol::viewport::{DeviceProfile, Shape};

pub mod ui {
    #![allow(clippy::all)]
    slint::include_modules!();
}

use slint::ComponentHandle;
use ui::{AppWindow, Browser, Device, PageItem, ProfileChip, Screen};

/// `#rrggbb` to a Slint colour (config validated the format).
fn colour(hex: &str) -> slint::Color {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0x1f8ded);
    slint::Color::from_rgb_u8((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// U+200F RIGHT-TO-LEFT MARK: invisible, strong right to left.
const RLM: char = '\u{200F}';

/// Sets the device tokens for a profile at a scale.
pub fn set_profile(app: &AppWindow, p: &DeviceProfile, scale: f32) {
    let d = app.global::<Device>();
    d.set_width(p.width as f32 * scale);
    d.set_height(p.height as f32 * scale);
    d.set_round(p.shape == Shape::Round);
    d.set_tv(p.mode == "TV");
}

/// Pushes a model into the UI (the QR is rendered here, at the size the layout leaves).
pub fn apply(app: &AppWindow, p: &DeviceProfile, scale: f32, m: &UiModel) {
    let s = app.global::<Screen>();
    if s.get_scene() != m.scene {
        // A new screen starts with the focus on its first button.
        s.set_focus_index(0);
    }
    app.global::<Device>().set_rtl(m.rtl);
    // A paragraph's direction follows its first strong letter; a sentence that starts with a
    // Latin name ("Ride Hailer …") in Arabic would read left to right. A right-to-left mark
    // first makes every paragraph of a right-to-left locale right to left.
    let text = |t: &str| -> slint::SharedString {
        if m.rtl && !t.is_empty() {
            format!("{RLM}{t}").into()
        } else {
            t.into()
        }
    };
    s.set_scene(m.scene.into());
    s.set_title(text(&m.title));
    s.set_body(text(&m.body));
    s.set_caption(text(&m.caption));
    s.set_skill_speech(text(&m.skill_speech));
    s.set_or_visit(text(&m.or_visit));
    s.set_verification_url(m.verification_url.as_str().into());
    s.set_enter_code(m.enter_code.as_str().into());
    s.set_user_code(m.user_code.as_str().into());
    s.set_countdown(text(&m.countdown));
    s.set_details(m.details.as_str().into());
    s.set_primary_label(text(&m.primary_label));
    s.set_secondary_label(text(&m.secondary_label));
    s.set_heard(text(&m.heard));
    s.set_listening(m.listening);
    let chips: Vec<ProfileChip> = m
        .profiles
        .iter()
        .map(|(name, initials, c)| ProfileChip {
            name: name.as_str().into(),
            initials: initials.as_str().into(),
            colour: colour(c),
        })
        .collect();
    s.set_profiles(slint::ModelRc::new(slint::VecModel::from(chips)));
    apply_page(app, m.page.as_ref());
    apl::apply(app, scale, m.apl.as_deref());
    match &m.qr_payload {
        Some(data) => {
            let w = (p.width as f32 * scale) as u32;
            let h = (p.height as f32 * scale) as u32;
            let target = qr::target_px(w, h, p.shape == Shape::Round);
            // The countdown redraws the prompt every second: the QR image only when it changes.
            let key = (data.clone(), target);
            let cached = QR.with(|c| {
                c.borrow()
                    .as_ref()
                    .filter(|(k, _, _)| *k == key)
                    .map(|(_, img, side)| (img.clone(), *side))
            });
            let (image, side) = cached.unwrap_or_else(|| {
                let img = qr::render(data, target);
                let side = img.width();
                let buf = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::clone_from_slice(
                    img.as_raw(),
                    side,
                    side,
                );
                let image = slint::Image::from_rgba8(buf);
                QR.with(|c| *c.borrow_mut() = Some((key, image.clone(), side)));
                (image, side)
            });
            s.set_qr(image);
            s.set_qr_size(side as f32);
        }
        None => s.set_qr_size(0.0),
    }
}

/// The last QR image: (payload, target size) → image and side in pixels.
type QrCache = Option<((String, u32), slint::Image, u32)>;

thread_local! {
    static QR: std::cell::RefCell<QrCache> = const { std::cell::RefCell::new(None) };
}

/// Pushes the device's browser into the UI. Rows are updated in place, so the page keeps its
/// scroll position while the user types.
fn apply_page(app: &AppWindow, page: Option<&model::PageView>) {
    let b = app.global::<Browser>();
    let empty = model::PageView::default();
    let p = page.unwrap_or(&empty);
    b.set_page_rtl(p.rtl);
    b.set_address(p.address.as_str().into());
    b.set_secure(p.secure);
    b.set_loading(p.loading);
    b.set_focus(p.focus);
    b.set_keyboard(p.keyboard);
    b.set_keyboard_latin(p.keyboard_latin);
    b.set_keyboard_switch(p.keyboard_switch);
    b.set_reveal(p.reveal);
    b.set_notice_title(p.notice_title.as_str().into());
    b.set_notice_body(p.notice_body.as_str().into());
    // The notice's button: retry, or open the page in the desktop's browser.
    b.set_notice_action(match p.notice_action.as_str() {
        "open-external" => ui::BrowserNav::OpenExternal,
        _ => ui::BrowserNav::Retry,
    });
    b.set_notice_label(p.notice_label.as_str().into());
    b.set_loading_label(p.loading_label.as_str().into());
    b.set_back_label(p.back_label.as_str().into());
    b.set_close_label(p.close_label.as_str().into());
    b.set_not_secure_label(p.not_secure_label.as_str().into());
    b.set_show_label(p.show_label.as_str().into());
    b.set_hide_label(p.hide_label.as_str().into());
    b.set_go_label(p.go_label.as_str().into());
    b.set_space_label(p.space_label.as_str().into());
    b.set_compose_label(p.compose_label.as_str().into());
    b.set_compose_value(p.compose_value.as_str().into());
    b.set_compose_password(p.compose_password);
    let rows: Vec<PageItem> = p
        .items
        .iter()
        .map(|i| PageItem {
            kind: i.kind.into(),
            text: i.text.as_str().into(),
            value: i.value.as_str().into(),
            password: i.password,
            checked: i.checked,
            primary: i.primary,
        })
        .collect();
    use slint::Model;
    let current = b.get_items();
    let same_shape = current.row_count() == rows.len()
        && rows.iter().enumerate().all(|(n, r)| {
            current
                .row_data(n)
                .is_some_and(|c| c.kind == r.kind && c.text == r.text)
        });
    if same_shape {
        for (n, r) in rows.into_iter().enumerate() {
            if current.row_data(n).as_ref() != Some(&r) {
                current.set_row_data(n, r);
            }
        }
    } else {
        b.set_items(slint::ModelRc::new(slint::VecModel::from(rows)));
    }
}
