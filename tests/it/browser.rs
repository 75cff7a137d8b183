//! A real phone browser for the tests: Debian's `chromium`, headless, driven over WebDriver by
//! `chromedriver` through fantoccini. Each browser is a chromedriver of its own on a free
//! loopback port with a profile folder of its own, emulating a phone (412×915 CSS px, touch,
//! an Android user agent) that speaks one language (`Accept-Language`). Dropping it kills the
//! driver's process group, so no Chromium outlives its test.
//!
//! Without Chromium and chromedriver on `PATH`, [`Browser::phone`] gives `None` and the test
//! skips with one line on stderr; where `CI` is set, a missing browser fails instead (`.ci/run`
//! installs it, so CI always runs these tests).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use image::RgbaImage;
use serde_json::{Value, json};

/// The phone's width and height in CSS pixels (a Pixel-class Android phone).
pub const PHONE: (u32, u32) = (412, 915);
/// A Chromium on Android, as such a phone's browser names itself.
const PHONE_UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";
/// How long a page may take to show what a step waits for.
const DEADLINE: Duration = Duration::from_secs(30);

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|n| {
        std::env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
    })
}

/// chromedriver and the Chromium it drives, when this machine has both.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let driver = on_path(&["chromedriver"])?;
    let chrome = on_path(&["chromium", "chromium-browser", "google-chrome"])?;
    Some((driver, chrome))
}

/// A Chrome DevTools command sent through chromedriver (`goog/cdp/execute`): what WebDriver
/// has no word for (the viewport's size, a screenshot of the whole page).
#[derive(Debug)]
struct Cdp(Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or("")
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.0.to_string()))
    }
}

/// A headless phone browser.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver started Chromium in its own process group: end them all.
        unsafe { libc::kill(-(self.driver.id() as i32), libc::SIGKILL) };
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// A phone whose browser asks for `lang` (e.g. "ja-JP"); `None` (the test skips) without
    /// a browser on this machine.
    pub async fn phone(lang: &str) -> Option<Browser> {
        let Some((driver, chrome)) = tools() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI has no chromium/chromedriver: .ci/run installs them"
            );
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                eprintln!(
                    "browser tests skipped: no chromium and chromedriver on PATH \
                     (apt-get install chromium chromium-driver)"
                )
            });
            return None;
        };
        Some(Self::start(&driver, &chrome, lang).await)
    }

    async fn start(driver: &std::path::Path, chrome: &std::path::Path, lang: &str) -> Browser {
        use std::os::unix::process::CommandExt;
        let profile = tempfile::tempdir().unwrap();
        let port = crate::journey::free_port();
        let driver = Command::new(driver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + DEADLINE;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let language = lang.split('-').next().unwrap_or(lang);
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--lang={lang}"), format!("--accept-lang={lang},{language}"),
                    "--hide-scrollbars", "--force-color-profile=srgb", "--font-render-hinting=none",
                    "--disable-lcd-text", "--no-first-run", "--no-default-browser-check",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-features=Translate,MediaRouter,OptimizationHints",
                ],
                "prefs": {"intl": {"accept_languages": format!("{lang},{language}")}},
                "mobileEmulation": {
                    "deviceMetrics": {"width": PHONE.0, "height": PHONE.1, "pixelRatio": 1.0, "touch": true},
                    "userAgent": PHONE_UA,
                },
            },
        });
        let caps = caps.as_object().unwrap().clone();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp(json!({"cmd": cmd, "params": params})))
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// The page's text as a person reads it.
    pub async fn text(&self) -> String {
        self.js("return document.body ? document.body.innerText : ''")
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Waits (with a deadline) until the page shows `needle`; the page's text.
    pub async fn wait_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let text = self.text().await;
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{} never showed {needle:?}; it shows:\n{text}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Taps the element `css` finds (the first one), a button or link that opens a page, and
    /// waits until the next page has loaded.
    pub async fn tap(&self, css: &str) {
        self.js("window.__linkscreen_before_tap = true").await;
        let deadline = Instant::now() + DEADLINE;
        loop {
            let found = self
                .client
                .wait()
                .at_most(DEADLINE)
                .for_element(Locator::Css(css))
                .await;
            match found {
                Ok(el) => match el.click().await {
                    Ok(()) => break,
                    // The page went on under the element: find it again.
                    Err(e) if Instant::now() < deadline && e.to_string().contains("stale") => {}
                    Err(e) => panic!("tapping {css} on {}: {e}", self.url().await),
                },
                Err(e) => panic!(
                    "no {css} on {}: {e}\n{}",
                    self.url().await,
                    self.text().await
                ),
            }
        }
        loop {
            let gone = self
                .client
                .execute(
                    "return !window.__linkscreen_before_tap && document.readyState === 'complete'",
                    vec![],
                )
                .await
                .is_ok_and(|v| v == json!(true));
            if gone {
                return;
            }
            assert!(Instant::now() < deadline, "tapping {css} opened no page");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Types `text` into the field `css` finds (after clearing it).
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    /// The `lang` and `dir` of the page shown.
    pub async fn lang_dir(&self) -> (String, String) {
        let v = self
            .js("return [document.documentElement.lang, document.documentElement.dir]")
            .await;
        (
            v[0].as_str().unwrap_or("").to_owned(),
            v[1].as_str().unwrap_or("").to_owned(),
        )
    }

    /// Waits until the page's web fonts have loaded (the bundled Noto Sans).
    pub async fn fonts_ready(&self) {
        let v = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 document.fonts.ready.then(() => done(document.fonts.check('16px \"LS Noto\"')))",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            v,
            json!(true),
            "the bundled font loaded on {}",
            self.url().await
        );
    }

    /// Sets the viewport (CSS px) the page lays out in.
    pub async fn viewport(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": true}),
        )
        .await;
    }

    /// The whole page (its full height, at least the phone's) as an image.
    pub async fn screenshot(&self) -> RgbaImage {
        let h = self
            .js("return Math.ceil(document.documentElement.scrollHeight)")
            .await
            .as_u64()
            .unwrap_or(PHONE.1 as u64) as u32;
        self.viewport(PHONE.0, h.max(PHONE.1)).await;
        let png = self.client.screenshot().await.unwrap();
        self.viewport(PHONE.0, PHONE.1).await;
        image::load_from_memory(&png).unwrap().to_rgba8()
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}
