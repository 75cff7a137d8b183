//! A phone-like browser for server-rendered sign-in pages: cookie jar,
//! redirects followed one by one, forms found with a real HTML parser and
//! submitted the way a person would (hidden fields kept, credentials typed
//! into the login form, the chosen button's name/value sent). Used by the
//! `phone` script step to complete the QR journey without a real phone.

use std::time::Duration;

use scraper::{ElementRef, Html, Selector};

use super::{PeerError, transport};

/// A page as the browser ended on it.
#[derive(Debug, Clone)]
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

pub struct Browser {
    http: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

/// A form ready to submit.
struct FormPlan {
    method: String,
    action: url::Url,
    fields: Vec<(String, String)>,
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

fn button_text(b: &ElementRef) -> String {
    let t: String = b.text().collect::<String>();
    let t = if t.trim().is_empty() {
        b.value().attr("value").unwrap_or("").to_owned()
    } else {
        t
    };
    t.trim().to_lowercase()
}

const ALLOW_WORDS: &[&str] = &[
    "allow",
    "accept",
    "agree",
    "approve",
    "authorize",
    "link",
    "sign in",
    "log in",
    "login",
    "continue",
    "yes",
];
const DENY_WORDS: &[&str] = &["deny", "decline", "cancel", "no"];

/// Chooses the form and the button to press on a page, and fills it in.
fn plan(page: &Page, intent: &Intent) -> Option<FormPlan> {
    let doc = Html::parse_document(&page.html);
    let forms: Vec<ElementRef> = doc.select(&sel("form")).collect();
    // A login form (with a password field) wins; otherwise the first form with a submit button.
    let form = forms
        .iter()
        .find(|f| f.select(&sel("input[type=password]")).next().is_some())
        .or_else(|| forms.first())?;
    let action = page
        .url
        .join(form.value().attr("action").unwrap_or(""))
        .ok()?;
    let method = form.value().attr("method").unwrap_or("get").to_lowercase();
    let mut fields = vec![];
    let mut typed_user = false;
    for input in form.select(&sel("input")) {
        let v = input.value();
        let Some(name) = v.attr("name") else { continue };
        match v.attr("type").unwrap_or("text").to_lowercase().as_str() {
            "password" => fields.push((name.to_owned(), intent.password.clone())),
            "email" | "text" | "tel"
                if !typed_user && form.select(&sel("input[type=password]")).next().is_some() =>
            {
                typed_user = true;
                fields.push((name.to_owned(), intent.username.clone()));
            }
            "checkbox" | "radio" => {
                if v.attr("checked").is_some() || v.attr("required").is_some() {
                    fields.push((name.to_owned(), v.attr("value").unwrap_or("on").to_owned()));
                }
            }
            "submit" | "button" | "image" | "reset" => {}
            _ => fields.push((name.to_owned(), v.attr("value").unwrap_or("").to_owned())),
        }
    }
    let buttons: Vec<ElementRef> = form.select(&sel("button, input[type=submit]")).collect();
    let matches = |b: &ElementRef, words: &[&str]| {
        let t = button_text(b);
        words
            .iter()
            .any(|w| t == *w || t.starts_with(&format!("{w} ")) || t.contains(w))
    };
    let chosen = if intent.allow {
        buttons
            .iter()
            .find(|b| matches(b, ALLOW_WORDS) && !matches(b, DENY_WORDS))
            .or_else(|| buttons.first())
    } else {
        buttons
            .iter()
            .find(|b| matches(b, DENY_WORDS))
            .or_else(|| buttons.iter().find(|b| matches(b, ALLOW_WORDS)))
            .or_else(|| buttons.first())
    };
    if let Some(b) = chosen
        && let Some(name) = b.value().attr("name")
    {
        fields.push((
            name.to_owned(),
            b.value().attr("value").unwrap_or("").to_owned(),
        ));
    }
    Some(FormPlan {
        method,
        action,
        fields,
    })
}

impl Browser {
    pub fn new() -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(15))
                .user_agent("Mozilla/5.0 (Linux; Android 14) linkscreen-phone")
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
            let html = r.text().await.map_err(transport)?;
            return Ok(Page { url, status, html });
        }
        Err(PeerError::Protocol("too many redirects".into()))
    }

    pub async fn get(&self, url: &str) -> Result<Page, PeerError> {
        self.go(self.http.get(url)).await
    }

    /// From the QR code's URL through every form to the last page.
    pub async fn complete(&self, start: &str, intent: &Intent) -> Result<Page, PeerError> {
        let mut page = self.get(start).await?;
        let mut seen_login_error = false;
        for _ in 0..10 {
            if page.url.path().contains("/api/skill/link/") {
                return Ok(page);
            }
            let Some(form) = plan(&page, intent) else {
                return Ok(page);
            };
            if form.fields.iter().any(|(_, v)| v == &intent.password) {
                // Submitting the same credentials twice would only lock the account.
                if seen_login_error {
                    return Ok(page);
                }
                seen_login_error = true;
            }
            let req = if form.method == "post" {
                self.http.post(form.action).form(&form.fields)
            } else {
                let mut u = form.action;
                u.query_pairs_mut().clear().extend_pairs(form.fields.iter());
                self.http.get(u)
            };
            page = self.go(req).await?;
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> Page {
        Page {
            url: url::Url::parse("https://auth.example/login?x=1").unwrap(),
            status: 200,
            html: html.into(),
        }
    }

    fn intent(allow: bool) -> Intent {
        Intent {
            username: "annie@example.com".into(),
            password: "pw".into(),
            allow,
        }
    }

    #[test]
    fn login_form_gets_credentials_and_hidden_fields() {
        let p = page(
            r#"<form method="POST" action="/session"><input type="hidden" name="csrf" value="t1"><input name="user" type="email"><input name="pass" type="password"><button name="go" value="1">Sign in</button></form>"#,
        );
        let f = plan(&p, &intent(true)).unwrap();
        assert_eq!(f.action.as_str(), "https://auth.example/session");
        assert_eq!(f.method, "post");
        assert_eq!(
            f.fields,
            vec![
                ("csrf".into(), "t1".into()),
                ("user".into(), "annie@example.com".into()),
                ("pass".into(), "pw".into()),
                ("go".into(), "1".into())
            ]
        );
    }

    #[test]
    fn consent_sends_the_pressed_buttons_name_and_value() {
        let p = page(
            r#"<form method="post"><button name="decision" value="allow">Allow</button><button name="decision" value="deny">Deny</button></form>"#,
        );
        assert_eq!(
            plan(&p, &intent(true)).unwrap().fields,
            vec![("decision".into(), "allow".into())]
        );
        assert_eq!(
            plan(&p, &intent(false)).unwrap().fields,
            vec![("decision".into(), "deny".into())]
        );
        assert_eq!(
            plan(&p, &intent(true)).unwrap().action.as_str(),
            "https://auth.example/login?x=1",
            "no action: the page's own URL"
        );
    }
}
