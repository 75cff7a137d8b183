//! The phone pages' refusals, proven in a real browser (the household's phone, see
//! `browser.rs`) visiting a page of another site, a second small server on 127.0.0.3: its
//! auto-submitting forms are refused and change nothing, its iframe and its links do not carry
//! the `SameSite=Strict` session cookie, and a stale tab's form gets "page expired", not a 500.

use linkscreen::backend;

use crate::browser::Browser;
use crate::phone_browser::{say, sign_in_and_allow};
use crate::util::Env;

/// Serves `html` at the root of a server on `ip` (another origin, another site); its URL.
pub async fn site_at(ip: &str, html: String) -> String {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let html = html.clone();
            async move { axum::response::Html(html) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

/// A page of another site whose form posts `fields` to `action` as soon as it loads.
pub fn auto_submit(action: &str, fields: &[(&str, &str)]) -> String {
    let inputs: String = fields
        .iter()
        .map(|(k, v)| format!("<input type=hidden name=\"{k}\" value=\"{v}\">"))
        .collect();
    format!(
        "<!doctype html><title>Win a prize</title><form id=f method=post action=\"{action}\">\
         {inputs}</form><script>document.getElementById('f').submit()</script>"
    )
}

/// The household's phone, linked through the skill page (pairing link, Link, sign-in).
async fn linked_phone(env: &Env, b: &Browser) {
    b.goto(&backend::session::pairing_url(env.shared(), "/skill"))
        .await;
    b.tap("form[action='/skill/link'] button").await;
    sign_in_and_allow(b, "en-US").await;
    assert_eq!(env.device_link("").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_sites_forms_frames_and_links_get_nothing_from_the_phones_session() {
    let Some(b) = Browser::phone("en-US").await else {
        return;
    };
    let env = Env::start().await;
    let base = env.base();
    linked_phone(&env, &b).await;
    // Even with the phone's real CSRF token in its form (it cannot know it, but suppose).
    b.goto(&format!("{base}/skill/settings")).await;
    let csrf = b
        .js("return document.querySelector('input[name=csrf]').value")
        .await
        .as_str()
        .unwrap()
        .to_owned();

    // Unlink, posted by a page on 127.0.0.3: refused, and the link stays.
    let evil = site_at(
        "127.0.0.3",
        auto_submit(&format!("{base}/skill/unlink"), &[("csrf", &csrf)]),
    )
    .await;
    b.goto(&evil).await;
    let text = b.wait_text(&say("app.not_allowed_title", "en-US")).await;
    assert!(!text.contains("Something went wrong"), "{text}");
    assert_eq!(env.device_link("").await.0, 200, "still linked");

    // The Link button of a device's verification page, pressed by another site: refused, and
    // the device's code stays pending.
    let d = env.device_code().await;
    let evil = site_at(
        "127.0.0.3",
        auto_submit(
            &format!("{base}/device/link"),
            &[("user_code", &d.user_code), ("csrf", &csrf)],
        ),
    )
    .await;
    b.goto(&evil).await;
    b.wait_text(&say("app.not_allowed_title", "en-US")).await;
    env.pass_interval();
    let (status, body) = env.poll(&d.device_code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("authorization_pending"))
    );

    // The household's one-time voice code is on its Activity page.
    env.send_voice_code().await;
    b.goto(&format!("{base}/cards")).await;
    let otp = b
        .js("return document.querySelector('strong.otp').innerText")
        .await
        .as_str()
        .unwrap()
        .to_owned();

    // No page of ours may be framed by another site; and were one framed, it would get no
    // cookie. Either way the frame shows no code.
    let r = env.http.get(format!("{base}/cards")).send().await.unwrap();
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert_eq!(
        r.headers()["content-security-policy"],
        "frame-ancestors 'none'"
    );
    let evil = site_at(
        "127.0.0.3",
        format!("<!doctype html><iframe src=\"{base}/cards\" width=400 height=800></iframe>"),
    )
    .await;
    b.goto(&evil).await;
    b.client.enter_frame(0).await.unwrap();
    let framed = b.text().await;
    assert!(!framed.contains(&otp), "{framed}");
    assert!(
        !framed.contains(&say("app.message_from_amazon", "en-US")),
        "{framed}"
    );
    b.client.enter_parent_frame().await.unwrap();

    // A link on another site opens the page without the cookie too.
    let evil = site_at(
        "127.0.0.3",
        format!("<!doctype html><a id=go href=\"{base}/cards\">See your prize</a>"),
    )
    .await;
    b.goto(&evil).await;
    b.tap("#go").await;
    let opened = b.wait_text(&say("app.scan_title", "en-US")).await;
    assert!(!opened.contains(&otp), "{opened}");
    // The phone itself still has its session: typed in, the page shows the code.
    b.goto(&format!("{base}/cards")).await;
    assert!(b.text().await.contains(&otp));
    b.close().await;
}

/// A tab left open on the skill page while the phone's session changed (cookies cleared, a new
/// pairing link): its form is out of date, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_tabs_form_gets_page_expired_not_a_500() {
    let Some(b) = Browser::phone("en-US").await else {
        return;
    };
    let env = Env::start().await;
    b.goto(&backend::session::pairing_url(env.shared(), "/skill"))
        .await;
    b.wait_text(&say("app.badge_required", "en-US")).await;
    let old_tab = b.client.window().await.unwrap();

    let new_tab = b.client.new_window(true).await.unwrap();
    b.client.switch_to_window(new_tab.handle).await.unwrap();
    // WebDriver clears the cookies of the page shown: this server's.
    b.goto(&format!("{}/device", env.base())).await;
    b.client.delete_all_cookies().await.unwrap();
    b.goto(&backend::session::pairing_url(env.shared(), "/skill"))
        .await;
    b.wait_text(&say("app.badge_required", "en-US")).await;

    b.client.switch_to_window(old_tab).await.unwrap();
    b.tap("form[action='/skill/link'] button").await;
    let text = b.wait_text(&say("app.page_expired_title", "en-US")).await;
    assert!(
        text.contains(&say("app.page_expired_body", "en-US")),
        "{text}"
    );
    // The form of the new session still works.
    b.goto(&format!("{}/skill", env.base())).await;
    b.tap("form[action='/skill/link'] button").await;
    b.wait_text(&say("page.sign_in", "en-US")).await;
    b.close().await;
}
