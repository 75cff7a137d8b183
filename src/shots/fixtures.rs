//! What the shots' fixtures need from the embedded services: the sample server's real
//! sign-in pages (rendered by the same code that serves them) and a report's findings. The
//! fixtures themselves are the view's (`view::fixtures`).

use super::*;
pub use crate::view::fixtures::{FIXTURE_NOW, Subject, fixture, subjects};

/// The sample server's page for a scene of the device's browser, in the language it answers
/// a device of `locale` in (the device sends its locale as `Accept-Language`).
pub fn sign_in_html(scene: Scene, locale: &str) -> Option<String> {
    use crate::backend::auth_server;
    let l = crate::locale::from_accept_language(&crate::clients::phone::accept_language(locale));
    Some(
        match scene {
            Scene::Login => auth_server::login_form(l, "fixture", None, "annie@example.com"),
            Scene::Terms => auth_server::terms_markup(l, "fixture"),
            Scene::Consent => auth_server::consent_markup(l, "fixture", "profile rides"),
            _ => return None,
        }
        .into_string(),
    )
}

/// The device's browser on the sample server's page of a subject.
pub fn fixture_page(subject: Subject, locale: &str, touch: bool) -> Option<model::PageView> {
    let html = sign_in_html(subject.scene, locale)?;
    Some(crate::view::fixtures::fixture_page(
        html,
        subject.keyboard,
        locale,
        touch,
    ))
}

/// The emulator panel of the `emulator` shots, with a report of real findings.
pub(super) fn fixture_panel(
    p: &DeviceProfile,
    locale: &str,
    tab: i32,
) -> crate::view::emulator::Panel {
    use crate::backend::conformance as c;
    let findings = vec![
        c::check_token_time(
            "https://id.ridehailer.example/oauth/token",
            "authorization_code",
            std::time::Duration::from_millis(4720),
            false,
        ),
        c::check_token_response(Some(120), false, None, "authorization_code")
            .into_iter()
            .filter(|f| f.level != c::Level::Pass)
            .collect::<Vec<_>>()
            .remove(0),
        c::check_state(Some("x"), true),
        c::check_redirect_uri(
            "https://pitangui.amazon.com/api/skill/link/M2LSEMU0000001",
            302,
            "",
            Some("https://id.ridehailer.example/login?next=%2Fauthorize"),
        ),
    ];
    crate::view::fixtures::fixture_panel(p, locale, tab, findings)
}
