//! Shared helpers: a backend on a temp SQLite file, a phone browser with a
//! cookie jar that follows forms the way a person would, and device calls.

use std::sync::Arc;
use std::time::Duration;

use linkscreen::backend::{self, Clock, Options, Running};
use linkscreen::config::Config;
use linkscreen::protocol::oauth::{DEVICE_CODE_GRANT, DeviceAuthorization, ServerMetadata};

pub struct Env {
    pub dir: tempfile::TempDir,
    pub clock: Arc<Clock>,
    pub running: Option<Running>,
    pub meta: ServerMetadata,
    pub http: reqwest::Client,
}

pub fn config_in(dir: &std::path::Path) -> Config {
    let mut c = Config::default();
    c.backend.db = dir.join("linkscreen.db");
    c
}

impl Env {
    pub async fn start() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config_in(dir.path());
        Env::start_with(dir, cfg).await
    }

    pub async fn start_with(dir: tempfile::TempDir, cfg: Config) -> Env {
        Env::start_opts(dir, cfg, None).await
    }

    /// A backend whose phone pages also listen on `lan` (a second loopback address standing in
    /// for the LAN), where QR codes point.
    pub async fn start_lan(lan: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config_in(dir.path());
        Env::start_opts(dir, cfg, Some(lan.parse().unwrap())).await
    }

    async fn start_opts(dir: tempfile::TempDir, cfg: Config, lan: Option<std::net::IpAddr>) -> Env {
        let clock = Arc::new(Clock::default());
        let mut opts = Options::new(cfg);
        opts.clock = clock.clone();
        opts.lan = lan;
        let running = backend::start(opts).await.expect("backend starts");
        let http = reqwest::Client::new();
        let meta: ServerMetadata = http
            .get(format!(
                "{}/.well-known/oauth-authorization-server",
                running.base_url
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Env {
            dir,
            clock,
            running: Some(running),
            meta,
            http,
        }
    }

    pub fn base(&self) -> String {
        self.running.as_ref().unwrap().base_url.clone()
    }

    pub fn shared(&self) -> &Arc<backend::Shared> {
        &self.running.as_ref().unwrap().shared
    }

    /// A code the device asks for (with its key), as `run` does: the one its screen shows.
    pub async fn device_code(&self) -> DeviceAuthorization {
        let r = self
            .http
            .post(self.meta.device_authorization_endpoint.as_ref().unwrap())
            .bearer_auth(&self.shared().device_key)
            .form(&[("client_id", backend::DEVICE_CLIENT_ID)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        r.json().await.unwrap()
    }

    /// One poll; returns (status, JSON body, headers).
    pub async fn poll_with(
        &self,
        device_code: &str,
        prefer_wait: Option<u64>,
    ) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
        let mut req = self.http.post(&self.meta.token_endpoint).form(&[
            ("grant_type", DEVICE_CODE_GRANT),
            ("device_code", device_code),
            ("client_id", backend::DEVICE_CLIENT_ID),
        ]);
        if let Some(w) = prefer_wait {
            req = req.header("Prefer", format!("wait={w}"));
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, r.json().await.unwrap(), headers)
    }

    pub async fn poll(&self, device_code: &str) -> (u16, serde_json::Value) {
        let (s, v, _) = self.poll_with(device_code, None).await;
        (s, v)
    }

    /// Moves the backend's clock past the polling interval so the next poll is not `slow_down`.
    pub fn pass_interval(&self) {
        self.clock.advance(Duration::from_secs(6));
    }

    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    pub async fn device_link(&self, person: &str) -> (u16, serde_json::Value) {
        let r = self
            .http
            .get(format!(
                "{}/api/device/link?person_id={person}",
                self.base()
            ))
            .bearer_auth(&self.shared().device_key)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// The device sends Annie a voice-forward one-time code (it shows on the household's
    /// phone's Activity page).
    pub async fn send_voice_code(&self) {
        let r = self
            .http
            .post(format!("{}/api/device/voice-link/code", self.base()))
            .bearer_auth(&self.shared().device_key)
            .json(&serde_json::json!({"person_id": "p-annie", "name": "Annie", "scope": "profile"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }

    /// Sends an ASK LaunchRequest to the sample skill.
    pub async fn launch(&self, token: Option<&str>, locale: &str) -> serde_json::Value {
        let mut user = serde_json::json!({"userId": "amzn1.ask.account.TEST"});
        if let Some(t) = token {
            user["accessToken"] = t.into();
        }
        let env = serde_json::json!({
            "version": "1.0",
            "session": {"new": true, "sessionId": "amzn1.echo-api.session.1", "application": {"applicationId": "amzn1.ask.skill.x"}, "attributes": {}, "user": user},
            "context": {"System": {"application": {"applicationId": "amzn1.ask.skill.x"}, "user": user,
                "device": {"deviceId": "amzn1.ask.device.1", "supportedInterfaces": {}}, "apiEndpoint": "https://api.amazonalexa.com"}},
            "request": {"type": "LaunchRequest", "requestId": "amzn1.echo-api.request.1", "timestamp": "2026-11-25T15:00:00Z", "locale": locale, "shouldLinkResultBeReturned": false}
        });
        let r = self
            .http
            .post(format!("{}/ridehailer/skill", self.base()))
            .json(&env)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
}

/// A phone browser: cookie jar, redirects followed one at a time so tests can stop anywhere.
pub struct Phone {
    pub http: reqwest::Client,
    /// Every URL requested, `Location` received and page body, in order (what the phone saw).
    pub seen: std::sync::Mutex<Vec<String>>,
}

/// A page as the phone saw it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub url: String,
    pub body: String,
}

impl Page {
    /// The value of a hidden input, e.g. the CSRF token.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let pat = format!("name=\"{name}\" value=\"");
        let i = self.body.find(&pat)? + pat.len();
        let j = self.body[i..].find('"')?;
        Some(self.body[i..i + j].replace("&amp;", "&"))
    }
}

impl Page {
    /// The phone session's CSRF token on this page's forms.
    pub fn csrf(&self) -> String {
        self.hidden("csrf")
            .unwrap_or_else(|| panic!("no CSRF token on {}: {}", self.url, self.body))
    }
}

impl Default for Phone {
    fn default() -> Self {
        Self::new()
    }
}

impl Phone {
    pub fn new() -> Phone {
        Phone::speaking("")
    }

    /// A phone whose browser asks for `accept_language` ("" sends no Accept-Language).
    pub fn speaking(accept_language: &str) -> Phone {
        let mut headers = reqwest::header::HeaderMap::new();
        if !accept_language.is_empty() {
            headers.insert(
                reqwest::header::ACCEPT_LANGUAGE,
                accept_language.parse().unwrap(),
            );
        }
        Phone {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .default_headers(headers)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            seen: Default::default(),
        }
    }

    /// Sends a request and follows redirects (303 → GET) until a page, or until `stop` matches the next URL.
    pub async fn go(&self, mut req: reqwest::RequestBuilder, stop: Option<&str>) -> Page {
        loop {
            let r = req.send().await.unwrap();
            let url = r.url().to_string();
            self.seen.lock().unwrap().push(url.clone());
            if r.status().is_redirection() {
                let loc = r.headers()["location"].to_str().unwrap().to_owned();
                self.seen.lock().unwrap().push(loc.clone());
                let next = r.url().join(&loc).unwrap().to_string();
                if stop.is_some_and(|s| next.contains(s)) {
                    return Page {
                        status: r.status().as_u16(),
                        url: next,
                        body: String::new(),
                    };
                }
                req = self.http.get(next);
                continue;
            }
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            self.seen.lock().unwrap().push(body.clone());
            return Page { status, url, body };
        }
    }

    /// A phone that opened a pairing link the device handed out: the household's phone, now
    /// on `next`.
    pub fn paired_to(env: &Env, next: &str) -> (Phone, String) {
        (
            Phone::new(),
            backend::session::pairing_url(env.shared(), next),
        )
    }

    /// Presses a form's button on `page`: posts `fields` and the page's CSRF token to `action`.
    pub async fn submit(&self, page: &Page, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = page.csrf();
        let mut all = fields.to_vec();
        all.push(("csrf", &csrf));
        let url = url::Url::parse(&page.url).unwrap().join(action).unwrap();
        self.post(url.as_str(), &all, None).await
    }

    /// App-to-app from the Ride Hailer app's page: Link with Alexa, then Link in the Alexa app.
    pub async fn link_from_app(&self, app: &Page) -> Page {
        let alexa = self.submit(app, "/ridehailer/app/link", &[]).await;
        let req = alexa.hidden("request").expect("the Alexa app's Link page");
        self.submit(
            &alexa,
            "/alexa/app/link",
            &[("request", &req), ("decision", "allow")],
        )
        .await
    }

    pub async fn get(&self, url: &str) -> Page {
        self.go(self.http.get(url), None).await
    }

    pub async fn post(&self, url: &str, form: &[(&str, &str)], stop: Option<&str>) -> Page {
        self.go(self.http.post(url).form(form), stop).await
    }

    /// Signs the demo user in on the sample server's login page (its form's CSRF token).
    pub async fn sign_in(&self, base: &str, csrf: &str, password: &str) -> Page {
        self.post(
            &format!("{base}/ridehailer/login"),
            &[
                ("csrf", csrf),
                ("username", backend::auth_server::DEMO_USERNAME),
                ("password", password),
            ],
            None,
        )
        .await
    }

    /// From the QR code's URL to the consent page (Link → login → terms).
    pub async fn to_consent(&self, base: &str, qr_url: &str, password: &str) -> Page {
        let verify = self.get(qr_url).await;
        assert_eq!(verify.status, 200, "{}", verify.body);
        let code = verify
            .hidden("user_code")
            .expect("verification page has the code");
        // Scanning made this browser the household's phone: its forms carry the session's token.
        let session = verify
            .hidden("csrf")
            .expect("verification page has the CSRF token");
        let login = self
            .post(
                &format!("{base}/device/link"),
                &[("user_code", &code), ("csrf", &session)],
                None,
            )
            .await;
        assert!(
            login.body.contains("Sign in to Ride Hailer"),
            "{}",
            login.body
        );
        let csrf = login.hidden("csrf").unwrap();
        let terms = self.sign_in(base, &csrf, password).await;
        if !terms.body.contains("Terms and conditions") {
            return terms;
        }
        self.post(
            &format!("{base}/ridehailer/terms"),
            &[("csrf", &csrf), ("accept", "yes")],
            None,
        )
        .await
    }

    /// The whole phone side: scan, link, log in, accept, allow.
    pub async fn link(&self, base: &str, qr_url: &str) -> Page {
        let consent = self
            .to_consent(base, qr_url, backend::auth_server::DEMO_PASSWORD)
            .await;
        assert!(consent.body.contains("Allow Alexa"), "{}", consent.body);
        let csrf = consent.hidden("csrf").unwrap();
        self.post(
            &format!("{base}/ridehailer/consent"),
            &[("csrf", &csrf), ("decision", "allow")],
            None,
        )
        .await
    }
}
