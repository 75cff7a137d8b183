//! The phone pages looked at in a real browser (see `browser.rs`), in en-US, ja-JP and ar-SA:
//! a tour of every page and error page a phone can reach — the Alexa app's, Login with
//! Amazon's, the sample server's sign-in, terms and consent, the Ride Hailer app — each checked
//! for tap targets under 44 px, for scrolling sideways on a 360 px phone, and against a golden
//! screenshot at 412 px (`tests/golden/phone/<locale>/<page>.png`, compared like the device's;
//! `LINKSCREEN_UPDATE_GOLDENS=1` rewrites them and still fails the run).
//!
//! Codes that change on every run (the user code, the one-time code) are replaced by fixed
//! ones before a screenshot, as the device's goldens mask them.

use std::path::PathBuf;

use image::RgbaImage;
use linkscreen::backend;
use linkscreen::shots::compare::compare_with;

use crate::browser::{Browser, PHONE};
use crate::phone_browser::say;
use crate::phone_refusals::{auto_submit, site_at};
use crate::util::Env;

/// A pixel differs when a channel moves by more than this (the device goldens' threshold).
const CHANNEL: u8 = 24;
/// A page fails when more than this share of its pixels differ.
const TOLERANCE: f64 = 0.0005;

/// Everything a tap could hit that is under 44 CSS px high (a checkbox counts by its label).
const SMALL_TARGETS: &str = r#"
const out = [];
for (const e of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')) {
  let box = e;
  if ((e.type === 'checkbox' || e.type === 'radio') && e.closest('label')) box = e.closest('label');
  const r = box.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  if (r.height < 44) {
    const what = (e.innerText || e.value || e.name || '').trim().slice(0, 40);
    out.push(`${e.tagName.toLowerCase()} "${what}" is ${Math.round(r.width)}×${Math.round(r.height)} px`);
  }
}
return out;
"#;

/// Replaces what changes on every run (codes, this run's port) with fixed text.
const MASK: &str = r#"
for (const e of document.querySelectorAll('.code')) e.textContent = 'ABCD-EFGH';
for (const e of document.querySelectorAll('strong.otp')) e.textContent = '123456';
const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walk.nextNode()) {
  const n = walk.currentNode;
  n.nodeValue = n.nodeValue.replace(/127\.0\.0\.1:\d+/g, '192.168.1.5:8686');
}
"#;

/// What is wrong with the page shown for a phone: tap targets under 44 px, and scrolling
/// sideways on a 360 px phone.
async fn layout_problems(b: &Browser) -> Vec<String> {
    let mut out: Vec<String> = b
        .js(SMALL_TARGETS)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    b.viewport(360, PHONE.1).await;
    let widths = b
        // On a mobile viewport Chrome zooms out to fit content wider than the screen, which
        // widens innerWidth with it; the layout viewport (clientWidth) stays the phone's.
        .js("return [document.scrollingElement.scrollWidth, \
             Math.min(window.innerWidth, document.documentElement.clientWidth)]")
        .await;
    b.viewport(PHONE.0, PHONE.1).await;
    let (scroll, inner) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
    if scroll > inner {
        out.push(format!(
            "scrolls sideways at 360 px ({scroll} px of content in {inner})"
        ));
    }
    out
}

/// The checks see what they look for: a small link and a page wider than the phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_checks_find_a_small_link_and_a_page_too_wide() {
    let Some(b) = Browser::phone("en-US").await else {
        return;
    };
    let bad = site_at(
        "127.0.0.3",
        "<!doctype html><meta name=viewport content=\"width=device-width\">\
         <p>Read the <a href=/x>terms</a>.</p><div style=\"width:380px\">wide</div>"
            .into(),
    )
    .await;
    b.goto(&bad).await;
    let found = layout_problems(&b).await;
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("a \"terms\" is"), "{found:?}");
    assert!(
        found[1].starts_with("scrolls sideways at 360 px"),
        "{found:?}"
    );
    b.close().await;
}

struct Tour {
    b: Browser,
    lang: &'static str,
    update: bool,
    problems: Vec<String>,
    seen: Vec<String>,
}

fn golden_dir(lang: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/phone")
        .join(lang)
}

impl Tour {
    /// Looks at the page shown as `name`: tap targets, no sideways scrolling at 360 px, and
    /// the screenshot against its golden.
    async fn look(&mut self, name: &str) {
        let b = &self.b;
        b.fonts_ready().await;
        let lang = b.lang_dir().await.0;
        let url = b.url().await;
        self.seen.push(format!("{name} ({url}, lang {lang})"));
        for p in layout_problems(b).await {
            self.problems.push(format!("{name}: {p}"));
        }
        b.js(MASK).await;
        let shot = b.screenshot().await;
        self.check(name, &shot);
    }

    fn check(&mut self, name: &str, shot: &RgbaImage) {
        let dir = golden_dir(self.lang);
        let golden = dir.join(format!("{name}.png"));
        if self.update {
            std::fs::create_dir_all(&dir).unwrap();
            shot.save(&golden).unwrap();
            return;
        }
        let Ok(expected) = image::open(&golden) else {
            self.problems.push(format!(
                "{name}: no golden {} (LINKSCREEN_UPDATE_GOLDENS=1 writes it)",
                golden.display()
            ));
            return;
        };
        let (cmp, diff) = compare_with(shot, &expected.to_rgba8(), CHANNEL);
        if !cmp.passes(TOLERANCE) {
            let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join("phone-failures")
                .join(self.lang);
            std::fs::create_dir_all(&out).unwrap();
            shot.save(out.join(format!("{name}.actual.png"))).unwrap();
            diff.save(out.join(format!("{name}.diff.png"))).unwrap();
            self.problems.push(format!(
                "{name}: {:.3}% of pixels differ from {}{} (actual and diff in {})",
                cmp.share() * 100.0,
                golden.display(),
                if cmp.size_mismatch {
                    format!(
                        ", and the size: {}×{} golden vs {}×{} shot",
                        expected.width(),
                        expected.height(),
                        shot.width(),
                        shot.height()
                    )
                } else {
                    String::new()
                },
                out.display()
            ));
        }
    }

    async fn open(&mut self, url: &str, shows: &str, name: &str) {
        self.b.goto(url).await;
        self.b.wait_text(shows).await;
        self.look(name).await;
    }

    async fn tap(&mut self, css: &str, shows: &str, name: &str) {
        self.b.tap(css).await;
        self.b.wait_text(shows).await;
        self.look(name).await;
    }
}

/// Every page a phone can reach, in `lang`.
async fn tour(lang: &'static str) {
    let Some(b) = Browser::phone(lang).await else {
        return;
    };
    let env = Env::start().await;
    let base = env.base();
    let s = |key: &str| say(key, lang);
    let mut t = Tour {
        b,
        lang,
        update: std::env::var_os("LINKSCREEN_UPDATE_GOLDENS").is_some(),
        problems: vec![],
        seen: vec![],
    };

    // A browser that is nobody's phone yet.
    t.open(&format!("{base}/cards"), &s("app.scan_title"), "no-session")
        .await;
    t.open(
        &format!("{base}/device"),
        &s("app.enter_code"),
        "device-enter",
    )
    .await;
    t.b.type_into("#user_code", "BBBB-BBBB").await;
    t.tap(
        "form[action='/device'] button",
        &s("app.bad_code"),
        "device-bad-code",
    )
    .await;
    let used = backend::session::pairing_url(env.shared(), "/skill");
    t.b.goto(&used).await;
    t.b.client.delete_all_cookies().await.unwrap();
    t.open(&used, &s("app.expired_link_title"), "pairing-expired")
        .await;

    // The QR journey's pages: the code, the sample server's sign-in (a wrong password first),
    // terms, consent, linked.
    let d = env.device_code().await;
    let qr = d.verification_uri_complete.clone().unwrap();
    t.open(&qr, &s("app.check_code"), "device-verify").await;
    t.tap(
        "form[action='/device/link'] button",
        &s("page.sign_in"),
        "sign-in",
    )
    .await;
    t.b.type_into("#username", backend::auth_server::DEMO_USERNAME)
        .await;
    t.b.type_into("#password", "not-the-password").await;
    let login = "form[action='/ridehailer/login'] button";
    t.tap(login, &s("page.wrong_password"), "sign-in-error")
        .await;
    t.b.type_into("#password", backend::auth_server::DEMO_PASSWORD)
        .await;
    t.tap(login, &s("page.terms_title"), "terms").await;
    t.tap(
        "form[action='/ridehailer/terms'] button",
        &s("page.scope_rides"),
        "consent",
    )
    .await;
    let allow = "form[action='/ridehailer/consent'] button[value=allow]";
    t.tap(allow, &s("app.linked_body"), "linked").await;

    // The Alexa app's skill pages, linked.
    t.open(&format!("{base}/skill"), &s("app.badge_required"), "skill")
        .await;
    t.open(
        &format!("{base}/skill/settings"),
        &s("app.account_linked"),
        "settings",
    )
    .await;
    // A form whose token is out of date.
    t.b.js("document.querySelector('input[name=csrf]').value = 'stale'")
        .await;
    let unlink = "form[action='/skill/unlink'] button";
    t.tap(unlink, &s("app.page_expired_title"), "page-expired")
        .await;
    // Another site's form.
    let evil = site_at(
        "127.0.0.3",
        auto_submit(&format!("{base}/skill/unlink"), &[("csrf", "x")]),
    )
    .await;
    t.open(&evil, &s("app.not_allowed_title"), "not-allowed")
        .await;
    // Voice-forward's one-time code on the Activity page.
    env.send_voice_code().await;
    t.open(
        &format!("{base}/cards"),
        &s("app.message_from_amazon"),
        "cards",
    )
    .await;
    // Unlinked.
    t.b.goto(&format!("{base}/skill/settings")).await;
    t.tap(unlink, &s("app.link_account"), "settings-unlinked")
        .await;

    // A code cancelled on the phone, and one denied at the consent page.
    let d = env.device_code().await;
    t.b.goto(d.verification_uri_complete.as_ref().unwrap())
        .await;
    t.b.wait_text(&s("app.check_code")).await;
    t.tap(
        "form[action='/device/cancel'] button",
        &s("app.cancelled_heading"),
        "cancelled",
    )
    .await;
    let d = env.device_code().await;
    t.b.goto(d.verification_uri_complete.as_ref().unwrap())
        .await;
    t.b.tap("form[action='/device/link'] button").await;
    crate::phone_browser::sign_in(&t.b, lang).await;
    t.tap(
        "form[action='/ridehailer/consent'] button[value=deny]",
        &s("app.not_linked_heading"),
        "denied",
    )
    .await;

    // App-to-app: the Ride Hailer app, the Alexa app's Link page, Login with Amazon.
    t.open(&format!("{base}/ridehailer/app"), "Link with Alexa", "app")
        .await;
    t.tap(
        "form[action='/ridehailer/app/link'] button",
        &s("app.link"),
        "alexa-app-link",
    )
    .await;
    t.tap(
        "form[action='/alexa/app/link'] button[value=allow]",
        "Your Ride Hailer account is linked with Alexa.",
        "app-linked",
    )
    .await;
    t.b.tap("a[href='/ridehailer/app']").await;
    t.b.tap("form[action='/ridehailer/app/unlink'] button")
        .await;
    t.b.wait_text("Link with Alexa").await;
    t.b.tap("form[action='/ridehailer/app/alexa-app'] button")
        .await;
    t.b.wait_text("Link with Alexa").await;
    t.tap(
        "form[action='/ridehailer/app/link'] button",
        &s("app.scope_account_linking"),
        "lwa-consent",
    )
    .await;

    let Tour {
        b,
        problems,
        seen,
        update,
        ..
    } = t;
    b.close().await;
    assert!(
        problems.is_empty(),
        "{lang}: {} problem(s) on the phone pages:\n{}\n(pages: {})",
        problems.len(),
        problems.join("\n"),
        seen.join(", ")
    );
    assert!(
        !update,
        "phone goldens rewritten in tests/golden/phone: review them, then run again without LINKSCREEN_UPDATE_GOLDENS"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_phone_page_in_english() {
    tour("en-US").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_phone_page_in_japanese() {
    tour("ja-JP").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_phone_page_in_arabic() {
    tour("ar-SA").await;
}
