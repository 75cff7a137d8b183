//! The device's own browser for "Sign in using this device": one session per
//! opened sign-in, holding the cookie jar, the page on screen (parsed into a
//! [`PageModel`]), what the user typed, the back stack, and the request in
//! flight. The runtime feeds it [`Msg`]s and carries out the loads it asks
//! for; it never does IO itself, so every step is unit-tested.

use super::model::{ItemView, PageView};
use crate::clients::page::{ItemKind, PageModel};
use crate::clients::phone::{Page, Request};
use crate::flow::PageKind;
use crate::locale::tr;
use crate::protocol::urls::host_and_port;

/// Input to the device's browser, from the screen, a script or a finished load.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// Open this URL (the first page of the sign-in).
    Navigate(String),
    /// The load numbered `seq` finished (`Err`: why the page could not be reached).
    Loaded {
        seq: u32,
        result: Result<Page, String>,
    },
    /// The linking service did not give the first page.
    StartFailed(String),
    /// Text typed into a field (a physical keyboard, or a script's `fill`).
    Edit {
        item: usize,
        value: String,
    },
    /// A tap on an item: a button submits, a link navigates, a checkbox or radio toggles,
    /// a field takes the focus, a select moves to its next option.
    Press {
        item: usize,
    },
    /// A key of the on-screen keyboard: `"\u{8}"` backspace, `"\n"` enter, else the text.
    Key(String),
    /// The focus left the fields (the keyboard hides).
    Blur,
    /// Show or hide the password fields' text.
    Reveal,
    Back,
    Close,
    Retry,
    /// Open the page in the desktop browser (pages that need JavaScript).
    OpenExternal,
}

impl Msg {
    /// The message of a browser action named by the screen (`Browser.nav`).
    pub fn nav(action: &str) -> Option<Msg> {
        Some(match action {
            "back" => Msg::Back,
            "close" => Msg::Close,
            "retry" => Msg::Retry,
            "open-external" => Msg::OpenExternal,
            "reveal" => Msg::Reveal,
            "blur" => Msg::Blur,
            _ => return None,
        })
    }
}

/// What the runtime must do after a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Todo {
    Nothing,
    /// Load this, and answer with `Msg::Loaded { seq, .. }`.
    Load {
        seq: u32,
        request: Request,
    },
    /// Ask the linking service for the sign-in URL again (the first load failed).
    Restart,
    /// Close the browser: back to the QR code.
    Close,
    /// Open this URL in the desktop browser.
    OpenExternal(String),
}

/// One sign-in session.
#[derive(Debug, Default)]
pub struct SignIn {
    pub page: Option<PageModel>,
    /// HTTP status of the page on screen.
    pub status: u16,
    back: Vec<PageModel>,
    /// The load in flight (its number and what it asked for).
    loading: Option<(u32, Request)>,
    /// The last load failed: its request (None: the very first step failed) and why.
    failed: Option<(Option<Request>, String)>,
    focus: Option<usize>,
    reveal: bool,
    seq: u32,
    /// Where Alexa's redirect URL starts: reaching it completes the link.
    redirect_prefix: Option<String>,
}

impl SignIn {
    /// A session whose link completes when the browser reaches `redirect_prefix`.
    pub fn new(redirect_prefix: Option<String>) -> SignIn {
        SignIn {
            redirect_prefix,
            ..Default::default()
        }
    }

    fn load(&mut self, request: Request) -> Todo {
        self.seq = self.seq.wrapping_add(1);
        self.loading = Some((self.seq, request.clone()));
        self.failed = None;
        self.focus = None;
        Todo::Load {
            seq: self.seq,
            request,
        }
    }

    /// The first step failed before any page (the linking service did not answer).
    pub fn start_failed(&mut self, reason: String) {
        self.loading = None;
        self.failed = Some((None, reason));
    }

    /// Marks the first step as under way (before the URL is known).
    pub fn starting(&mut self) {
        self.seq = self.seq.wrapping_add(1);
        self.failed = None;
        self.loading = Some((self.seq, Request::Get(blank())));
    }

    /// Feeds one message in.
    pub fn handle(&mut self, msg: Msg) -> Todo {
        match msg {
            Msg::Navigate(u) => match url::Url::parse(&u) {
                Ok(u) => self.load(Request::Get(u)),
                Err(e) => {
                    self.start_failed(format!("{u}: {e}"));
                    Todo::Nothing
                }
            },
            Msg::StartFailed(reason) => {
                self.start_failed(reason);
                Todo::Nothing
            }
            Msg::Loaded { seq, result } => {
                let Some((want, request)) = self.loading.take() else {
                    return Todo::Nothing;
                };
                if want != seq {
                    // A stale answer (the user went back or retried meanwhile).
                    self.loading = Some((want, request));
                    return Todo::Nothing;
                }
                match result {
                    Ok(page) => {
                        let model = PageModel::parse(&page.url, &page.html);
                        if let Some(prev) = self.page.replace(model) {
                            self.back.push(prev);
                        }
                        self.status = page.status;
                        self.focus = None;
                    }
                    Err(reason) => self.failed = Some((Some(request), reason)),
                }
                Todo::Nothing
            }
            Msg::Edit { item, value } => {
                if let Some(it) = self.item_mut(item, &[ItemKind::Field]) {
                    it.value = value;
                    self.focus = Some(item);
                }
                Todo::Nothing
            }
            Msg::Press { item } => self.press(item),
            Msg::Key(k) => self.key(&k),
            Msg::Blur => {
                self.focus = None;
                Todo::Nothing
            }
            Msg::Reveal => {
                self.reveal = !self.reveal;
                Todo::Nothing
            }
            Msg::Back => {
                if self.loading.is_some() && self.page.is_some() {
                    // Back while a page loads stops the load: the page on screen stays.
                    self.loading = None;
                    return Todo::Nothing;
                }
                if self.failed.take().is_some() && self.page.is_some() {
                    // Back from an error page: the page the user was on.
                    return Todo::Nothing;
                }
                self.loading = None;
                match self.back.pop() {
                    Some(prev) => {
                        self.page = Some(prev);
                        self.focus = None;
                        Todo::Nothing
                    }
                    None => Todo::Close,
                }
            }
            Msg::Close => Todo::Close,
            Msg::Retry => match self.failed.take() {
                Some((Some(request), _)) => self.load(request),
                Some((None, _)) => Todo::Restart,
                None => Todo::Nothing,
            },
            Msg::OpenExternal => match &self.page {
                Some(p) => Todo::OpenExternal(p.url.to_string()),
                None => Todo::Nothing,
            },
        }
    }

    fn item_mut(
        &mut self,
        item: usize,
        kinds: &[ItemKind],
    ) -> Option<&mut crate::clients::page::Item> {
        self.page
            .as_mut()?
            .items
            .get_mut(item)
            .filter(|i| kinds.contains(&i.kind))
    }

    fn press(&mut self, item: usize) -> Todo {
        let Some(page) = &mut self.page else {
            return Todo::Nothing;
        };
        let Some(it) = page.items.get(item) else {
            return Todo::Nothing;
        };
        match it.kind {
            ItemKind::Button => match page.request(item) {
                Some(r) => self.load(r),
                None => Todo::Nothing,
            },
            ItemKind::Link => match page.link(item) {
                Some(u) => self.load(Request::Get(u)),
                None => Todo::Nothing,
            },
            ItemKind::Field => {
                self.focus = Some(item);
                Todo::Nothing
            }
            ItemKind::Checkbox => {
                let it = &mut page.items[item];
                it.checked = !it.checked;
                Todo::Nothing
            }
            ItemKind::Radio => {
                let (form, name) = (it.form, it.name.clone());
                for (i, other) in page.items.iter_mut().enumerate() {
                    if other.kind == ItemKind::Radio && other.form == form && other.name == name {
                        other.checked = i == item;
                    }
                }
                Todo::Nothing
            }
            ItemKind::Select => {
                let it = &mut page.items[item];
                if !it.options.is_empty() {
                    let at = it
                        .options
                        .iter()
                        .position(|(v, _)| *v == it.value)
                        .map(|p| (p + 1) % it.options.len())
                        .unwrap_or(0);
                    it.value = it.options[at].0.clone();
                }
                Todo::Nothing
            }
            _ => Todo::Nothing,
        }
    }

    /// A key from the on-screen keyboard, a physical keyboard or a remote (Slint's key codes).
    fn key(&mut self, k: &str) -> Todo {
        const BACKSPACE: &str = "\u{8}";
        const TAB: &str = "\t";
        const ENTER: &str = "\n";
        const ESCAPE: &str = "\u{1b}";
        const UP: &str = "\u{F700}";
        const DOWN: &str = "\u{F701}";
        match k {
            TAB | DOWN => {
                self.move_focus(1);
                Todo::Nothing
            }
            "\u{19}" | UP => {
                self.move_focus(-1);
                Todo::Nothing
            }
            ESCAPE => {
                self.focus = None;
                Todo::Nothing
            }
            ENTER => match self.focus {
                Some(f) if self.is_field(f) => self.implicit_submit(f),
                Some(f) => self.press(f),
                None => Todo::Nothing,
            },
            BACKSPACE => {
                if let Some(f) = self.focus
                    && let Some(it) = self.item_mut(f, &[ItemKind::Field])
                {
                    it.value.pop();
                }
                Todo::Nothing
            }
            _ => {
                // Text only: no control characters or the private-use codes of special keys.
                let printable = !k.is_empty()
                    && k.chars()
                        .all(|c| !c.is_control() && !('\u{E000}'..='\u{F8FF}').contains(&c));
                if printable
                    && let Some(f) = self.focus
                    && let Some(it) = self.item_mut(f, &[ItemKind::Field])
                {
                    it.value.push_str(k);
                }
                Todo::Nothing
            }
        }
    }

    fn is_field(&self, i: usize) -> bool {
        self.page
            .as_ref()
            .and_then(|p| p.items.get(i))
            .is_some_and(|it| it.kind == ItemKind::Field)
    }

    /// Moves the focus to the next (`step` 1) or previous (-1) control, for Tab and the remote.
    fn move_focus(&mut self, step: i32) {
        let Some(p) = &self.page else { return };
        let controls: Vec<usize> = p
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                !matches!(
                    i.kind,
                    ItemKind::Heading | ItemKind::Paragraph | ItemKind::Error | ItemKind::Image
                )
            })
            .map(|(n, _)| n)
            .collect();
        if controls.is_empty() {
            return;
        }
        let at = self
            .focus
            .and_then(|f| controls.iter().position(|c| *c == f));
        let next = match at {
            None => 0,
            Some(a) => (a as i32 + step).clamp(0, controls.len() as i32 - 1) as usize,
        };
        self.focus = Some(controls[next]);
    }

    /// Enter in a field submits its form with the form's first button, as browsers do.
    fn implicit_submit(&mut self, field: usize) -> Todo {
        let Some(page) = &self.page else {
            return Todo::Nothing;
        };
        let form = page.items.get(field).and_then(|i| i.form);
        match page
            .items
            .iter()
            .position(|i| i.kind == ItemKind::Button && i.form == form && form.is_some())
        {
            Some(b) => self.press(b),
            None => Todo::Nothing,
        }
    }

    /// The field with this label, name or type (case-insensitive), for a script's `fill`.
    pub fn find_field(&self, what: &str) -> Option<usize> {
        self.find(what, &[ItemKind::Field], |i| {
            [
                i.text.as_str(),
                i.name.as_deref().unwrap_or(""),
                i.input_type.as_str(),
            ]
        })
    }

    /// The button, link, checkbox or radio with this label (or the only/first button when
    /// `what` is empty), for a script's `submit`/`tap`.
    pub fn find_control(&self, what: &str) -> Option<usize> {
        let page = self.page.as_ref()?;
        if what.is_empty() {
            return page.items.iter().position(|i| i.kind == ItemKind::Button);
        }
        self.find(
            what,
            &[
                ItemKind::Button,
                ItemKind::Link,
                ItemKind::Checkbox,
                ItemKind::Radio,
                ItemKind::Select,
            ],
            |i| [i.text.as_str(), i.value.as_str(), ""],
        )
    }

    fn find<'a>(
        &'a self,
        what: &str,
        kinds: &[ItemKind],
        keys: impl Fn(&'a crate::clients::page::Item) -> [&'a str; 3],
    ) -> Option<usize> {
        let page = self.page.as_ref()?;
        let w = what.trim().to_lowercase();
        let hits = |exact: bool| {
            page.items.iter().position(|i| {
                kinds.contains(&i.kind)
                    && keys(i).iter().any(|k| {
                        let k = k.trim().to_lowercase();
                        !k.is_empty() && if exact { k == w } else { k.contains(&w) }
                    })
            })
        };
        hits(true).or_else(|| hits(false))
    }

    /// Which scene the page on screen is: the Alexa redirect URL is the link finishing; a
    /// password field a log-in; terms wording a terms page; an authorization request (a heading
    /// such as "Authorize" or "Consent required", an allow/deny pair of buttons or links, scopes
    /// to tick) a consent page. Judged by what the page contains, not by one server's markup.
    pub fn kind(&self) -> PageKind {
        let Some(p) = &self.page else {
            return PageKind::Login;
        };
        if self.status < 400
            && self
                .redirect_prefix
                .as_deref()
                .is_some_and(|r| p.url.as_str().starts_with(r))
        {
            return PageKind::Finishing;
        }
        if p.items
            .iter()
            .any(|i| i.kind == ItemKind::Field && i.input_type == "password")
        {
            return PageKind::Login;
        }
        let words = |t: &str| {
            let t = t.to_lowercase();
            ["terms", "conditions", "agreement", "privacy policy"]
                .iter()
                .any(|w| t.contains(w))
        };
        if words(&p.title)
            || p.items
                .iter()
                .any(|i| matches!(i.kind, ItemKind::Heading | ItemKind::Checkbox) && words(&i.text))
        {
            return PageKind::Terms;
        }
        if is_consent(p) {
            return PageKind::Consent;
        }
        PageKind::Login
    }

    /// True while a load is in flight.
    pub fn loading(&self) -> bool {
        self.loading.is_some()
    }

    /// What the screen shows, in `locale`; `touch`: the on-screen keyboard appears for a
    /// focused field.
    pub fn view(&self, locale: &str, touch: bool) -> PageView {
        let t = |k: &str| tr(k, locale, &[]);
        let mut v = PageView {
            loading: self.loading.is_some(),
            loading_label: t("device.loading"),
            back_label: t("device.browser_back"),
            close_label: t("device.browser_close"),
            not_secure_label: t("device.not_secure"),
            show_label: t("device.show"),
            hide_label: t("device.hide"),
            go_label: t("device.kb_go"),
            space_label: t("device.kb_space"),
            reveal: self.reveal,
            focus: self.focus.map(|f| f as i32).unwrap_or(-1),
            keyboard: touch && self.focus.is_some_and(|f| self.is_field(f)),
            ..Default::default()
        };
        let shown_url = self
            .loading
            .as_ref()
            .map(|(_, r)| r.url().clone())
            .filter(|u| u.as_str() != blank().as_str())
            .or_else(|| self.page.as_ref().map(|p| p.url.clone()));
        if let Some(u) = &shown_url {
            v.address = host_and_port(u);
            v.secure = u.scheme() == "https";
        }
        if let Some((request, reason)) = &self.failed {
            let host = request
                .as_ref()
                .map(|r| host_and_port(r.url()))
                .unwrap_or_else(|| v.address.clone());
            v.notice_title = tr("device.page_unreachable", locale, &[("host", &host)]);
            v.notice_body = reason.clone();
            v.notice_action = "retry".into();
            v.notice_label = t("device.page_retry");
            return v;
        }
        if let Some(p) = &self.page {
            if p.needs_js {
                v.notice_title = t("device.needs_browser_title");
                v.notice_body = t("device.needs_browser_body");
                v.notice_action = "open-external".into();
                v.notice_label = t("device.open_in_browser");
                return v;
            }
            v.items = p
                .items
                .iter()
                .map(|i| ItemView {
                    kind: match i.kind {
                        ItemKind::Heading => "heading",
                        ItemKind::Paragraph => "paragraph",
                        ItemKind::Error => "error",
                        ItemKind::Link => "link",
                        ItemKind::Image => "image",
                        ItemKind::Field => "field",
                        ItemKind::Checkbox => "checkbox",
                        ItemKind::Radio => "radio",
                        ItemKind::Select => "select",
                        ItemKind::Button => "button",
                    },
                    text: i.text.clone(),
                    value: if i.input_type == "password" && !self.reveal {
                        "•".repeat(i.value.chars().count())
                    } else if i.kind == ItemKind::Select {
                        i.options
                            .iter()
                            .find(|(v, _)| *v == i.value)
                            .map(|(_, l)| l.clone())
                            .unwrap_or_default()
                    } else {
                        i.value.clone()
                    },
                    password: i.input_type == "password",
                    checked: i.checked,
                    // The first button of a page is its main action (filled); others outlined.
                    primary: main_button(p).is_some_and(|b| std::ptr::eq(i, b)),
                    name: i.name.clone().unwrap_or_default(),
                    input_type: i.input_type.clone(),
                })
                .collect();
            v.title = p.title.clone();
            if let Some(f) = self.focus.filter(|f| self.is_field(*f)) {
                v.compose_label = p.items[f].text.clone();
                v.compose_value = v.items[f].value.clone();
                v.compose_password = v.items[f].password;
            }
        }
        v
    }
}

/// The page's main action: the button it styles as primary, else its first button.
fn main_button(p: &PageModel) -> Option<&crate::clients::page::Item> {
    let buttons = || p.items.iter().filter(|i| i.kind == ItemKind::Button);
    buttons().find(|b| b.emphasis).or_else(|| buttons().next())
}

/// `host` or `host:port`, as an address bar shows it.
/// The placeholder URL of the first step, before the linking service named the page.
fn blank() -> url::Url {
    url::Url::parse("about:blank").expect("valid URL")
}

/// Says yes to an authorization request: "Allow", "Authorize", "Approve", "Accept", "Yes", …
const ALLOW: &[&str] = &[
    "allow",
    "authorize",
    "authorise",
    "approve",
    "accept",
    "consent",
    "grant",
    "yes",
    "agree",
    "continue as",
];
/// Says no: "Deny", "Decline", "Cancel", "No", "Don't allow", …
const DENY: &[&str] = &[
    "deny",
    "decline",
    "cancel",
    "no",
    "don't allow",
    "do not allow",
    "reject",
    "not now",
    "no thanks",
    "refuse",
];
/// A heading or title that asks for an authorization.
const ASKS: &[&str] = &[
    "authorize",
    "authorise",
    "authorization",
    "consent",
    "allow access",
    "grant access",
    "approve",
    "permission",
    "wants to access",
    "would like to access",
    "requests access",
    "requesting access",
    "access privileges",
    "access to your",
];

/// True when `text` says one of `phrases`: a multi-word phrase anywhere, a single word as a
/// whole word ("no" is not "now").
fn says(text: &str, phrases: &[&str]) -> bool {
    let t = text.to_lowercase().replace(['’', '\''], "'");
    let words: Vec<&str> = t
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    phrases.iter().any(|p| {
        if p.contains(' ') {
            t.contains(p)
        } else {
            words
                .iter()
                .any(|w| w == p || (p.len() > 4 && w.starts_with(p)))
        }
    })
}

/// An authorization (consent) page: an allow control with a deny control beside it (buttons or
/// links), or a heading that asks for access with an allow control or scopes to tick.
fn is_consent(p: &PageModel) -> bool {
    let control =
        |i: &crate::clients::page::Item| matches!(i.kind, ItemKind::Button | ItemKind::Link);
    let allow_button = p
        .items
        .iter()
        .any(|i| i.kind == ItemKind::Button && says(&i.text, ALLOW));
    let deny = p.items.iter().any(|i| control(i) && says(&i.text, DENY));
    let asks = says(&p.title, ASKS)
        || p.items.iter().any(|i| {
            matches!(i.kind, ItemKind::Heading | ItemKind::Paragraph) && says(&i.text, ASKS)
        });
    let scopes = p.items.iter().any(|i| i.kind == ItemKind::Checkbox);
    (allow_button && deny) || (asks && (allow_button || (scopes && deny)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str, html: &str) -> Page {
        Page {
            url: url::Url::parse(url).unwrap(),
            status: 200,
            html: html.into(),
        }
    }

    const LOGIN: &str = r#"<title>Sign in</title><h1>Sign in</h1><form method="post" action="/login"><input type="hidden" name="csrf" value="c">
        <label for="u">Email</label><input id="u" type="email" name="username"><label for="p">Password</label><input id="p" type="password" name="password">
        <button name="action" value="login">Sign in</button></form>"#;

    fn loaded(s: &mut SignIn, url: &str, html: &str) {
        let Todo::Load { seq, .. } = s.handle(Msg::Navigate(url.into())) else {
            panic!("no load")
        };
        s.handle(Msg::Loaded {
            seq,
            result: Ok(page(url, html)),
        });
    }

    #[test]
    fn typing_then_enter_submits_the_form_with_what_was_typed() {
        let mut s = SignIn::new(None);
        loaded(&mut s, "https://auth.example/authorize?state=x", LOGIN);
        assert_eq!(s.kind(), PageKind::Login);
        let user = s.find_field("email").unwrap();
        let pass = s.find_field("password").unwrap();
        s.handle(Msg::Edit {
            item: user,
            value: "annie@example.com".into(),
        });
        s.handle(Msg::Press { item: pass });
        for k in ["p", "w", "x", "\u{8}"] {
            s.handle(Msg::Key(k.into()));
        }
        let v = s.view("en-US", true);
        assert!(
            v.keyboard,
            "a focused field shows the keyboard on touch screens"
        );
        assert!(!s.view("en-US", false).keyboard, "not on a TV");
        assert_eq!(v.items[pass].value, "••", "passwords are masked");
        assert_eq!(v.compose_value, "••");
        s.handle(Msg::Reveal);
        assert_eq!(s.view("en-US", true).items[pass].value, "pw");
        assert!(v.items[pass].password);
        let Todo::Load { request, .. } = s.handle(Msg::Key("\n".into())) else {
            panic!("enter did not submit")
        };
        let Request::Submit {
            method,
            url,
            fields,
            ..
        } = request
        else {
            panic!("not a submission")
        };
        assert_eq!(
            (method.as_str(), url.as_str()),
            ("post", "https://auth.example/login")
        );
        assert_eq!(
            fields,
            vec![
                ("csrf".to_owned(), "c".to_owned()),
                ("username".to_owned(), "annie@example.com".to_owned()),
                ("password".to_owned(), "pw".to_owned()),
                ("action".to_owned(), "login".to_owned())
            ]
        );
        assert!(s.view("en-US", true).loading);
    }

    #[test]
    fn an_unreachable_page_offers_retry_and_back_keeps_the_previous_page() {
        let mut s = SignIn::new(None);
        loaded(&mut s, "https://auth.example/authorize", LOGIN);
        let b = s.find_control("").unwrap();
        let Todo::Load { seq, request } = s.handle(Msg::Press { item: b }) else {
            panic!()
        };
        s.handle(Msg::Loaded {
            seq,
            result: Err("https://auth.example/login: connection refused".into()),
        });
        let v = s.view("en-US", true);
        assert_eq!(v.notice_title, "Can’t reach auth.example");
        assert_eq!(v.notice_action, "retry");
        assert!(v.items.is_empty());
        assert_eq!(
            s.handle(Msg::Retry),
            Todo::Load {
                seq: seq + 1,
                request
            },
            "retry sends the same form again"
        );
        s.handle(Msg::Loaded {
            seq: seq + 1,
            result: Err("again".into()),
        });
        assert_eq!(s.handle(Msg::Back), Todo::Nothing);
        assert_eq!(s.view("en-US", true).notice_title, "");
        assert_eq!(s.kind(), PageKind::Login, "back on the login page");
        assert_eq!(
            s.handle(Msg::Back),
            Todo::Close,
            "back from the first page closes"
        );
    }

    #[test]
    fn stale_loads_are_ignored_and_pages_are_classified() {
        let mut s = SignIn::new(Some("http://127.0.0.1:9/api/skill/link/".into()));
        loaded(&mut s, "https://auth.example/a", LOGIN);
        let b = s.find_control("Sign in").unwrap();
        let Todo::Load { seq, .. } = s.handle(Msg::Press { item: b }) else {
            panic!()
        };
        s.handle(Msg::Loaded {
            seq: seq - 1,
            result: Ok(page("https://auth.example/x", "<h1>old</h1>")),
        });
        assert!(s.loading(), "a stale answer does not end the load");
        s.handle(Msg::Loaded {
            seq,
            result: Ok(page(
                "https://auth.example/terms",
                r#"<h1>Terms of use</h1><form method="post"><button>Accept</button></form>"#,
            )),
        });
        assert_eq!(s.kind(), PageKind::Terms);
        loaded(
            &mut s,
            "https://auth.example/consent",
            r#"<h1>Allow Alexa?</h1><form method="post"><button name="d" value="allow">Allow</button><button name="d" value="deny">Deny</button></form>"#,
        );
        assert_eq!(s.kind(), PageKind::Consent);
        assert!(s.find_control("deny").is_some());
        loaded(
            &mut s,
            "http://127.0.0.1:9/api/skill/link/M1?state=s&code=c",
            "<h1>Linked</h1>",
        );
        assert_eq!(s.kind(), PageKind::Finishing);
    }

    #[test]
    fn checkboxes_radios_and_selects_change_on_tap() {
        let mut s = SignIn::new(None);
        loaded(
            &mut s,
            "https://auth.example/",
            r#"<form><label><input type="checkbox" name="t"> I agree</label>
            <input type="radio" name="r" value="a" checked id="a"><label for="a">A</label><input type="radio" name="r" value="b" id="b"><label for="b">B</label>
            <select name="s"><option value="1">One</option><option value="2">Two</option></select><button>Go</button></form>"#,
        );
        let cb = s.find_control("I agree").unwrap();
        let rb = s.find_control("B").unwrap();
        let sel = s
            .page
            .as_ref()
            .unwrap()
            .items
            .iter()
            .position(|i| i.kind == ItemKind::Select)
            .unwrap();
        s.handle(Msg::Press { item: cb });
        s.handle(Msg::Press { item: rb });
        s.handle(Msg::Press { item: sel });
        let v = s.view("en-US", true);
        assert!(v.items[cb].checked);
        assert!(v.items[rb].checked);
        assert!(!v.items[rb - 1].checked, "one radio of a group at a time");
        assert_eq!(v.items[sel].value, "Two");
        let Todo::Load { request, .. } = s.handle(Msg::Press {
            item: s.find_control("Go").unwrap(),
        }) else {
            panic!()
        };
        assert_eq!(request.url().as_str(), "https://auth.example/?t=on&r=b&s=2");
    }

    #[test]
    fn a_page_that_needs_javascript_offers_the_desktop_browser() {
        let mut s = SignIn::new(None);
        loaded(
            &mut s,
            "https://spa.example/login",
            r#"<div id="root"></div><noscript>Enable JavaScript</noscript><script src="/app.js"></script>"#,
        );
        let v = s.view("en-US", true);
        assert_eq!(v.notice_action, "open-external");
        assert_eq!(
            s.handle(Msg::OpenExternal),
            Todo::OpenExternal("https://spa.example/login".into())
        );
    }
}
