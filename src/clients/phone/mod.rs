//! A phone-like browser for server-rendered sign-in pages: cookie jar,
//! redirects followed one by one, forms found with a real HTML parser and
//! submitted the way a person would (hidden fields kept, credentials typed
//! into the login form, the chosen button's name/value sent). Used by the
//! `phone` script step to complete the QR journey without a real phone.

use std::time::Duration;

use scraper::{Html, Selector};

use super::{PeerError, transport};

/// A page as the browser ended on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub url: url::Url,
    pub status: u16,
    pub html: String,
}

impl Page {
    /// The page's visible text, whitespace collapsed (for `expect`-style checks).
    pub fn text(&self) -> String {
        let doc = Html::parse_document(&self.html);
        let body = Selector::parse("body").expect("valid selector");
        doc.select(&body)
            .flat_map(|b| b.text())
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What the user does on the pages.
#[derive(Debug, Clone)]
pub struct Intent {
    pub username: String,
    pub password: String,
    /// Allow (true) or deny (false) on the consent page.
    pub allow: bool,
}

#[derive(Clone)]
pub struct Browser {
    http: reqwest::Client,
}

/// What the browser is asked to load: a link, or a form submission.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Get(url::Url),
    Submit {
        /// `get` or `post`.
        method: String,
        url: url::Url,
        fields: Vec<(String, String)>,
        /// `application/x-www-form-urlencoded` or `multipart/form-data`.
        enctype: String,
    },
}

impl Request {
    pub fn url(&self) -> &url::Url {
        match self {
            Request::Get(u) | Request::Submit { url: u, .. } => u,
        }
    }
}

/// The page's character set: the Content-Type header's, else a `<meta charset>` (or
/// `http-equiv` Content-Type) in the first 1024 bytes, else UTF-8 (WHATWG's sniffing, shortened).
pub fn decode(content_type: Option<&str>, body: &[u8]) -> String {
    let label_in = |s: &str| -> Option<String> {
        let l = s.to_ascii_lowercase();
        let i = l.find("charset=")?;
        let rest = &l[i + 8..];
        let rest = rest.trim_start_matches(['"', '\'']);
        let end = rest
            .find(|c: char| {
                c == '"' || c == '\'' || c == ';' || c == '>' || c.is_whitespace() || c == '/'
            })
            .unwrap_or(rest.len());
        Some(rest[..end].to_owned())
    };
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]);
    let enc = content_type
        .and_then(label_in)
        .or_else(|| {
            let l = head.to_ascii_lowercase();
            l.match_indices("<meta").find_map(|(i, _)| {
                label_in(&l[i..l[i..].find('>').map(|e| i + e + 1).unwrap_or(l.len())])
            })
        })
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    enc.decode_with_bom_removal(body).0.into_owned()
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

const ALLOW_WORDS: &[&str] = &[
    "allow",
    "accept",
    "agree",
    "i agree",
    "approve",
    "authorize",
    "link",
    "link account",
    "sign in",
    "log in",
    "login",
    "continue",
    "next",
    "yes",
    "submit",
];
const DENY_WORDS: &[&str] = &["deny", "decline", "cancel", "no", "reject", "don't allow"];

/// True when `text` contains `phrase` as whole words ("sign in now" has "sign in", not "no").
fn has_phrase(text: &str, phrase: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let want: Vec<&str> = phrase.split_whitespace().collect();
    words.windows(want.len()).any(|w| w == want.as_slice())
}

/// True when the page offers no form a person could use without JavaScript.
pub fn needs_js(page: &Page) -> bool {
    super::page::PageModel::parse(&page.url, &page.html).needs_js
}

/// Chooses the form and the button a person with `intent` would press, and fills the form in:
/// credentials in a log-in form, required checkboxes ticked, a required radio group answered.
fn plan(page: &Page, intent: &Intent) -> Option<Request> {
    use super::page::{ItemKind, PageModel};
    let mut m = PageModel::parse(&page.url, &page.html);
    let has_password = |m: &PageModel, fi: usize| {
        m.items
            .iter()
            .any(|i| i.form == Some(fi) && i.kind == ItemKind::Field && i.input_type == "password")
    };
    let (wanted, avoided) = if intent.allow {
        (ALLOW_WORDS, DENY_WORDS)
    } else {
        (DENY_WORDS, ALLOW_WORDS)
    };
    // Score every (form, button): a login form first, then a button saying what the person wants,
    // never one saying the opposite when another exists.
    let mut best: Option<(i32, usize, Option<usize>)> = None;
    for fi in 0..m.forms.len() {
        let buttons: Vec<Option<usize>> = m
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == ItemKind::Button && i.form == Some(fi))
            .map(|(n, _)| Some(n))
            .collect();
        let candidates = if buttons.is_empty() {
            vec![None]
        } else {
            buttons
        };
        for b in candidates {
            let text = b
                .map(|b| m.items[b].text.to_lowercase())
                .unwrap_or_default();
            let mut score = 0;
            if has_password(&m, fi) {
                score += 100;
            }
            if wanted.iter().any(|w| has_phrase(&text, w)) {
                score += 10;
            }
            if avoided.iter().any(|w| has_phrase(&text, w)) {
                score -= 20;
            }
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, fi, b));
            }
        }
    }
    let (_, fi, button) = best?;
    let login = has_password(&m, fi);
    // A required radio group with nothing chosen: its first choice.
    let mut groups: Vec<Option<String>> = vec![];
    let radios: Vec<usize> = m
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.kind == ItemKind::Radio && i.form == Some(fi))
        .filter_map(|(n, i)| {
            if groups.contains(&i.name) {
                return None;
            }
            groups.push(i.name.clone());
            let group = || {
                m.items
                    .iter()
                    .filter(|o| o.kind == ItemKind::Radio && o.form == Some(fi) && o.name == i.name)
            };
            (!group().any(|o| o.checked) && group().any(|o| o.required)).then_some(n)
        })
        .collect();
    for n in radios {
        m.items[n].checked = true;
    }
    let mut typed_user = false;
    for it in m.items.iter_mut().filter(|i| i.form == Some(fi)) {
        match it.kind {
            ItemKind::Field if it.input_type == "password" => it.value = intent.password.clone(),
            ItemKind::Field
                if login
                    && !typed_user
                    && matches!(it.input_type.as_str(), "email" | "text" | "tel") =>
            {
                typed_user = true;
                it.value = intent.username.clone();
            }
            // Tick what must be ticked to go on (terms).
            ItemKind::Checkbox if it.required => it.checked = true,
            _ => {}
        }
    }
    m.form_request(fi, button)
}

/// `Accept-Language` as a browser set to `locale` sends it (RFC 9110 §12.5.4): the locale,
/// then its language at a lower weight ("ja-JP,ja;q=0.9").
pub fn accept_language(locale: &str) -> String {
    match locale.split_once('-') {
        Some((lang, _)) => format!("{locale},{lang};q=0.9"),
        None => locale.to_owned(),
    }
}

impl Browser {
    /// A phone's browser.
    pub fn new() -> Browser {
        Browser::with_agent("Mozilla/5.0 (Linux; Android 14) linkscreen-phone")
    }

    /// A browser with its own cookie jar, sending `agent` as its User-Agent.
    pub fn with_agent(agent: &str) -> Browser {
        Browser::with_agent_via(agent, None, None)
    }

    /// A browser whose requests go through `proxy` (the emulator's network-down fault) and
    /// say `Accept-Language` for `locale` (the device's: a vendor's login page localizes by it).
    pub fn with_agent_via(
        agent: &str,
        proxy: Option<reqwest::Proxy>,
        locale: Option<&str>,
    ) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(v) = locale
            .map(accept_language)
            .and_then(|v| reqwest::header::HeaderValue::from_str(&v).ok())
        {
            headers.insert(reqwest::header::ACCEPT_LANGUAGE, v);
        }
        let b = reqwest::Client::builder().default_headers(headers);
        let b = match proxy {
            // Pooled connections would bypass the proxy rule (see `Faults::proxy`).
            Some(p) => b.proxy(p).pool_max_idle_per_host(0),
            None => b,
        };
        Browser {
            http: b
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(15))
                .user_agent(agent)
                .build()
                .expect("http client builds"),
        }
    }

    /// Sends a request and follows redirects until a page.
    async fn go(&self, mut req: reqwest::RequestBuilder) -> Result<Page, PeerError> {
        for _ in 0..20 {
            let r = req.send().await.map_err(transport)?;
            let url = r.url().clone();
            if r.status().is_redirection()
                && let Some(loc) = r
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
            {
                let next = url
                    .join(loc)
                    .map_err(|e| PeerError::Protocol(format!("bad redirect {loc:?}: {e}")))?;
                req = self.http.get(next);
                continue;
            }
            let status = r.status().as_u16();
            let ct = r
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|c| c.to_str().ok())
                .map(str::to_owned);
            let body = r.bytes().await.map_err(transport)?;
            let html = decode(ct.as_deref(), &body);
            return Ok(Page { url, status, html });
        }
        Err(PeerError::Protocol("too many redirects".into()))
    }

    /// Loads a link or submits a form, following redirects to the final page.
    pub async fn load(&self, req: &Request) -> Result<Page, PeerError> {
        let rb = match req {
            Request::Get(u) => self.http.get(u.clone()),
            Request::Submit {
                method,
                url,
                fields,
                enctype,
            } => {
                if method == "get" {
                    let mut u = url.clone();
                    u.query_pairs_mut().clear().extend_pairs(fields.iter());
                    self.http.get(u)
                } else if enctype == "multipart/form-data" {
                    let form = fields
                        .iter()
                        .fold(reqwest::multipart::Form::new(), |f, (k, v)| {
                            f.text(k.clone(), v.clone())
                        });
                    self.http.post(url.clone()).multipart(form)
                } else {
                    self.http.post(url.clone()).form(fields)
                }
            }
        };
        self.go(rb).await
    }

    pub async fn get(&self, url: &str) -> Result<Page, PeerError> {
        self.go(self.http.get(url)).await
    }

    /// From the QR code's URL through every form to the last page.
    /// Presses the button labelled `label` (case-insensitive) on `page`; None: no such button.
    pub async fn press(&self, page: &Page, label: &str) -> Result<Option<Page>, PeerError> {
        use super::page::{ItemKind, PageModel};
        let m = PageModel::parse(&page.url, &page.html);
        let found = m
            .items
            .iter()
            .position(|i| i.kind == ItemKind::Button && i.text.trim().eq_ignore_ascii_case(label));
        match found.and_then(|i| m.request(i)) {
            Some(req) => Ok(Some(self.load(&req).await?)),
            None => Ok(None),
        }
    }

    /// App-to-app linking from the sample Ride Hailer app, as a person does it on the phone:
    /// "Link with Alexa", then Link in the Alexa app — or, with `lwa`, first switch the app to
    /// "the Alexa app is not installed" and Allow on Login with Amazon's page. `start` opens the
    /// app (a pairing link that makes this browser the household's phone). Returns the page the
    /// app shows at the end.
    pub async fn app_link(&self, start: &str, lwa: bool) -> Result<Page, PeerError> {
        let step = |p: Option<Page>, what: &str| {
            p.ok_or_else(|| PeerError::Protocol(format!("no {what:?} button on the page")))
        };
        let mut page = self.get(start).await?;
        if lwa {
            page = step(
                self.press(&page, "Pretend the Alexa app is not installed")
                    .await?,
                "Pretend the Alexa app is not installed",
            )?;
        }
        page = step(
            self.press(&page, "Link with Alexa").await?,
            "Link with Alexa",
        )?;
        let consent = if lwa { "Allow" } else { "Link" };
        match self.press(&page, consent).await? {
            Some(p) => Ok(p),
            None => Err(PeerError::Protocol(format!(
                "no {consent:?} button at {}: {}",
                crate::protocol::urls::without_query(&page.url),
                page.text().chars().take(160).collect::<String>()
            ))),
        }
    }

    pub async fn complete(&self, start: &str, intent: &Intent) -> Result<Page, PeerError> {
        let mut page = self.get(start).await?;
        let mut seen_login_error = false;
        for _ in 0..10 {
            if page.url.path().contains("/api/skill/link/") {
                return Ok(page);
            }
            // On the Alexa app's own verification page the user always presses Link: refusing
            // is something they do at the skill's authorization server.
            let on_alexa_page = page.url.path() == "/device";
            let step_intent = Intent {
                allow: intent.allow || on_alexa_page,
                ..intent.clone()
            };
            let Some(form) = plan(&page, &step_intent) else {
                return Ok(page);
            };
            let typed_password = matches!(&form, Request::Submit { fields, .. }
                if fields.iter().any(|(_, v)| v == &intent.password));
            if typed_password {
                // Submitting the same credentials twice would only lock the account.
                if seen_login_error {
                    return Ok(page);
                }
                seen_login_error = true;
            }
            page = self.load(&form).await?;
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests;
