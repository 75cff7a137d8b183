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

/// The on-screen keyboard's key that switches between the locale's script and Latin
/// (ASCII's Shift Out: "switch to the other character set").
pub const SWITCH_SCRIPT: &str = "\u{e}";

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
    /// The keyboard's script chosen with its switch key, for the field it was chosen on
    /// (`true`: Latin); other fields start from their own default, and a new page forgets it.
    script: Option<(usize, bool)>,
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
                        self.script = None;
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
                        self.script = None;
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
            SWITCH_SCRIPT => {
                if let Some(f) = self.focus.filter(|f| self.is_field(*f)) {
                    self.script = Some((f, !self.latin_keyboard(f)));
                }
                Todo::Nothing
            }
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

    /// Whether the keyboard for field `i` shows Latin letters (else the locale's own script):
    /// what the user switched to, else Latin for what is typed in Latin in every language
    /// (email, password, URL, number, a username or a code), the locale's script otherwise.
    fn latin_keyboard(&self, i: usize) -> bool {
        if let Some((f, latin)) = self.script
            && f == i
        {
            return latin;
        }
        let Some(it) = self.page.as_ref().and_then(|p| p.items.get(i)) else {
            return true;
        };
        let name = it.name.as_deref().unwrap_or("").to_ascii_lowercase();
        matches!(
            it.input_type.as_str(),
            "email" | "password" | "url" | "tel" | "number"
        ) || ["user", "login", "mail", "code", "otp", "pin"]
            .iter()
            .any(|w| name.contains(w))
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

    /// True while a load is in flight.
    pub fn loading(&self) -> bool {
        self.loading.is_some()
    }
}

/// `host` or `host:port`, as an address bar shows it.
/// The placeholder URL of the first step, before the linking service named the page.
fn blank() -> url::Url {
    url::Url::parse("about:blank").expect("valid URL")
}

mod classify;
mod render;
#[cfg(test)]
mod tests;
