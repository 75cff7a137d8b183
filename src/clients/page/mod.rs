//! A sign-in page as the device's own login view will show it (issue #6): the
//! HTML parsed with a real parser (scraper/html5ever) into a flat list of
//! things to draw — headings, paragraphs, inline errors, links, images by alt
//! text, form fields with their labels, buttons — plus what submitting a form
//! sends (hidden fields, the pressed button's name/value, GET or POST,
//! relative or absent `action`).

use scraper::{ElementRef, Html, Node, Selector};

/// What one item on the page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Heading,
    Paragraph,
    /// An inline error (`role=alert`, or a class naming an error).
    Error,
    Link,
    /// An image, shown by its alt text.
    Image,
    /// text, email, password, tel, number, search, url (see `input_type`) and textarea.
    Field,
    Checkbox,
    Radio,
    Select,
    Button,
}

/// One thing to draw, in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    /// Visible text: heading/paragraph text, the field's label, the button's label, alt text.
    pub text: String,
    /// Index into [`PageModel::forms`] for controls.
    pub form: Option<usize>,
    pub name: Option<String>,
    pub value: String,
    /// For fields: `text`, `email`, `password`, … (`textarea` for a textarea).
    pub input_type: String,
    pub checked: bool,
    /// For selects: (value, label).
    pub options: Vec<(String, String)>,
    pub href: Option<String>,
    /// The page styles this button as its main action (a class naming "primary").
    pub emphasis: bool,
    /// The control has `required` (a terms checkbox, a radio group that needs an answer).
    pub required: bool,
}

/// A form's submission target.
#[derive(Debug, Clone, PartialEq)]
pub struct FormModel {
    pub action: url::Url,
    /// `get` or `post`.
    pub method: String,
    /// `application/x-www-form-urlencoded` or `multipart/form-data`.
    pub enctype: String,
    /// Hidden fields, sent as they are.
    pub hidden: Vec<(String, String)>,
}

/// What a form sends: method (`get`/`post`), URL (with the query for GET), and POST fields.
pub type Submission = (String, url::Url, Vec<(String, String)>);

/// A parsed page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageModel {
    pub url: url::Url,
    pub title: String,
    pub items: Vec<Item>,
    pub forms: Vec<FormModel>,
    /// No usable form and scripts present: this page needs a full browser.
    pub needs_js: bool,
    /// The page says it runs right to left (`<html dir="rtl">` or `<body dir="rtl">`).
    pub rtl: bool,
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

fn text_of(e: &ElementRef) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_error(e: &ElementRef) -> bool {
    let v = e.value();
    v.attr("role").is_some_and(|r| r == "alert")
        || v.attr("id").is_some_and(|i| i.contains("error"))
        || v.attr("class").is_some_and(|c| {
            c.split_whitespace()
                .any(|k| k.contains("error") || k.contains("alert") || k == "invalid-feedback")
        })
}

/// Hidden from people: `hidden`, `aria-hidden="true"`, or an inline `display:none`
/// (honeypot and autofill-trap fields some sign-in pages carry).
fn is_hidden(e: &ElementRef) -> bool {
    let v = e.value();
    v.attr("hidden").is_some()
        || v.attr("aria-hidden").is_some_and(|a| a == "true")
        || v.attr("style").is_some_and(|s| {
            s.replace(' ', "")
                .to_ascii_lowercase()
                .contains("display:none")
        })
}

impl PageModel {
    /// Parses `html` fetched from `url`.
    pub fn parse(url: &url::Url, html: &str) -> PageModel {
        let doc = Html::parse_document(html);
        let title = doc
            .select(&sel("title"))
            .next()
            .map(|t| text_of(&t))
            .unwrap_or_default();
        let forms_el: Vec<ElementRef> = doc.select(&sel("form")).collect();
        let forms: Vec<FormModel> = forms_el
            .iter()
            .map(|f| {
                let v = f.value();
                FormModel {
                    action: url
                        .join(v.attr("action").unwrap_or(""))
                        .unwrap_or_else(|_| url.clone()),
                    method: v.attr("method").unwrap_or("get").to_ascii_lowercase(),
                    enctype: v
                        .attr("enctype")
                        .unwrap_or("application/x-www-form-urlencoded")
                        .to_ascii_lowercase(),
                    hidden: f
                        .select(&sel("input"))
                        .filter(|i| {
                            i.value()
                                .attr("type")
                                .is_some_and(|t| t.eq_ignore_ascii_case("hidden"))
                        })
                        .filter_map(|i| {
                            Some((
                                i.value().attr("name")?.to_owned(),
                                i.value().attr("value").unwrap_or("").to_owned(),
                            ))
                        })
                        .collect(),
                }
            })
            .collect();
        // Labels by `for`.
        let labels: Vec<(String, String)> = doc
            .select(&sel("label[for]"))
            .filter_map(|l| Some((l.value().attr("for")?.to_owned(), text_of(&l))))
            .collect();
        let form_of = |e: &ElementRef| -> Option<usize> {
            let mut p = e.parent();
            while let Some(n) = p {
                if let Some(el) = ElementRef::wrap(n)
                    && el.value().name() == "form"
                {
                    return forms_el.iter().position(|f| f.id() == el.id());
                }
                p = n.parent();
            }
            None
        };
        let label_for = |e: &ElementRef| -> String {
            if let Some(id) = e.value().attr("id")
                && let Some((_, t)) = labels.iter().find(|(f, _)| f == id)
            {
                return t.clone();
            }
            // A wrapping <label>: its own text.
            let mut p = e.parent();
            while let Some(n) = p {
                if let Some(el) = ElementRef::wrap(n)
                    && el.value().name() == "label"
                {
                    return text_of(&el);
                }
                p = n.parent();
            }
            e.value()
                .attr("aria-label")
                .or(e.value().attr("placeholder"))
                .unwrap_or("")
                .to_owned()
        };
        let mut items = vec![];
        let body = doc
            .select(&sel("body"))
            .next()
            .unwrap_or_else(|| doc.root_element());
        walk(body, &mut items, &form_of, &label_for);
        let usable = items.iter().any(|i| {
            matches!(
                i.kind,
                ItemKind::Field | ItemKind::Button | ItemKind::Checkbox | ItemKind::Select
            )
        });
        let scripts = doc.select(&sel("script, noscript")).next().is_some();
        let rtl = doc.select(&sel("html[dir], body[dir]")).any(|e| {
            e.value()
                .attr("dir")
                .is_some_and(|d| d.eq_ignore_ascii_case("rtl"))
        });
        PageModel {
            url: url.clone(),
            title,
            items,
            forms,
            needs_js: !usable && scripts,
            rtl,
        }
    }

    /// The host shown in the address bar, and whether the page came over https.
    pub fn address(&self) -> (String, bool) {
        (
            self.url.host_str().unwrap_or("").to_owned(),
            self.url.scheme() == "https",
        )
    }

    /// What pressing button `pressed` asks the browser to load (with the form's enctype).
    pub fn request(&self, pressed: usize) -> Option<super::phone::Request> {
        self.form_request(self.items.get(pressed)?.form?, Some(pressed))
    }

    /// What submitting form `form` sends, with button `pressed` (None: a form without buttons,
    /// submitted the way Enter would).
    pub fn form_request(
        &self,
        form: usize,
        pressed: Option<usize>,
    ) -> Option<super::phone::Request> {
        let (method, url, fields) = self.send(form, pressed)?;
        Some(super::phone::Request::Submit {
            method,
            url,
            fields,
            enctype: self.forms.get(form)?.enctype.clone(),
        })
    }

    /// Where link `item` goes, resolved against the page's URL.
    pub fn link(&self, item: usize) -> Option<url::Url> {
        let href = self.items.get(item)?.href.as_deref()?;
        self.url.join(href).ok()
    }

    /// What pressing button `pressed` sends: method, URL, and the fields (hidden ones first,
    /// then each control of that form in order, checkboxes/radios only when checked, the
    /// pressed button's name/value last).
    pub fn submission(&self, pressed: usize) -> Option<Submission> {
        let b = self.items.get(pressed)?;
        if b.kind != ItemKind::Button {
            return None;
        }
        self.send(b.form?, Some(pressed))
    }

    fn send(&self, fi: usize, pressed: Option<usize>) -> Option<Submission> {
        let form = self.forms.get(fi)?;
        let mut fields = form.hidden.clone();
        for it in self.items.iter().filter(|i| i.form == Some(fi)) {
            let Some(name) = &it.name else { continue };
            match it.kind {
                ItemKind::Field | ItemKind::Select => fields.push((name.clone(), it.value.clone())),
                ItemKind::Checkbox | ItemKind::Radio if it.checked => {
                    fields.push((name.clone(), it.value.clone()))
                }
                _ => {}
            }
        }
        if let Some(b) = pressed.and_then(|p| self.items.get(p))
            && let Some(name) = &b.name
        {
            fields.push((name.clone(), b.value.clone()));
        }
        let mut url = form.action.clone();
        if form.method == "get" {
            url.query_pairs_mut().clear().extend_pairs(fields.iter());
            return Some(("get".into(), url, vec![]));
        }
        Some(("post".into(), url, fields))
    }
}

fn item(kind: ItemKind, text: String) -> Item {
    Item {
        kind,
        text,
        form: None,
        name: None,
        value: String::new(),
        input_type: String::new(),
        checked: false,
        options: vec![],
        href: None,
        emphasis: false,
        required: false,
    }
}

fn walk(
    e: ElementRef,
    items: &mut Vec<Item>,
    form_of: &dyn Fn(&ElementRef) -> Option<usize>,
    label_for: &dyn Fn(&ElementRef) -> String,
) {
    for child in e.children() {
        let Some(el) = ElementRef::wrap(child) else {
            // Loose text directly inside body/div/form.
            if let Node::Text(t) = child.value() {
                let s = t.split_whitespace().collect::<Vec<_>>().join(" ");
                if !s.is_empty()
                    && matches!(
                        e.value().name(),
                        "body"
                            | "div"
                            | "main"
                            | "section"
                            | "article"
                            | "aside"
                            | "header"
                            | "footer"
                            | "nav"
                            | "form"
                            | "center"
                            | "td"
                            | "th"
                    )
                {
                    items.push(item(ItemKind::Paragraph, s));
                }
            }
            continue;
        };
        let v = el.value();
        let name = v.name();
        let control =
            |kind: ItemKind, text: String, value: String, input_type: &str, checked: bool| Item {
                kind,
                text,
                form: form_of(&el),
                name: v.attr("name").map(str::to_owned),
                value,
                input_type: input_type.to_owned(),
                checked,
                options: vec![],
                href: None,
                emphasis: v.attr("class").is_some_and(|c| c.contains("primary"))
                    || v.attr("data-action-button-primary").is_some(),
                required: v.attr("required").is_some(),
            };
        match name {
            "script" | "style" | "noscript" | "template" | "head" => {}
            _ if is_hidden(&el) => {}
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                items.push(item(ItemKind::Heading, text_of(&el)))
            }
            _ if is_error(&el) => {
                let t = text_of(&el);
                if !t.is_empty() {
                    items.push(item(ItemKind::Error, t));
                }
            }
            "p" | "li" | "dt" | "dd" | "legend" | "figcaption" => {
                // Paragraphs may hold links or controls; keep them as their own items.
                if el
                    .select(&sel("a[href], input, button, select, img[alt]"))
                    .next()
                    .is_some()
                {
                    walk(el, items, form_of, label_for);
                } else {
                    let t = text_of(&el);
                    if !t.is_empty() {
                        // List items keep their bullet: consent pages list scopes this way.
                        let t = if name == "li" { format!("• {t}") } else { t };
                        items.push(item(ItemKind::Paragraph, t));
                    }
                }
            }
            "a" if v.attr("href").is_some() => {
                let mut it = item(ItemKind::Link, text_of(&el));
                it.href = v.attr("href").map(str::to_owned);
                items.push(it);
            }
            "img" => {
                if let Some(alt) = v.attr("alt").filter(|a| !a.trim().is_empty()) {
                    items.push(item(ItemKind::Image, alt.trim().to_owned()));
                }
            }
            "label" => {
                // The label's text goes with its control (found by label_for); walk for nested controls.
                if el.select(&sel("input, select, textarea")).next().is_some() {
                    walk(el, items, form_of, label_for);
                }
            }
            "input" => {
                let t = v.attr("type").unwrap_or("text").to_ascii_lowercase();
                let val = v.attr("value").unwrap_or("").to_owned();
                match t.as_str() {
                    "hidden" | "file" | "reset" | "image" => {}
                    "submit" | "button" if t == "submit" => items.push(control(
                        ItemKind::Button,
                        if val.is_empty() {
                            "Submit".into()
                        } else {
                            val.clone()
                        },
                        val,
                        "submit",
                        false,
                    )),
                    "button" => {}
                    "checkbox" => items.push(control(
                        ItemKind::Checkbox,
                        label_for(&el),
                        if val.is_empty() { "on".into() } else { val },
                        "checkbox",
                        v.attr("checked").is_some(),
                    )),
                    "radio" => items.push(control(
                        ItemKind::Radio,
                        label_for(&el),
                        if val.is_empty() { "on".into() } else { val },
                        "radio",
                        v.attr("checked").is_some(),
                    )),
                    other => {
                        items.push(control(ItemKind::Field, label_for(&el), val, other, false))
                    }
                }
            }
            "textarea" => items.push(control(
                ItemKind::Field,
                label_for(&el),
                el.text().collect(),
                "textarea",
                false,
            )),
            "select" => {
                let opts: Vec<(String, String)> = el
                    .select(&sel("option"))
                    .map(|o| {
                        (
                            o.value()
                                .attr("value")
                                .map(str::to_owned)
                                .unwrap_or_else(|| text_of(&o)),
                            text_of(&o),
                        )
                    })
                    .collect();
                let chosen = el
                    .select(&sel("option"))
                    .position(|o| o.value().attr("selected").is_some())
                    .unwrap_or(0);
                let mut it = control(
                    ItemKind::Select,
                    label_for(&el),
                    opts.get(chosen).map(|o| o.0.clone()).unwrap_or_default(),
                    "select",
                    false,
                );
                it.options = opts;
                items.push(it);
            }
            "button" => {
                let t = v.attr("type").unwrap_or("submit").to_ascii_lowercase();
                if t == "submit" {
                    items.push(control(
                        ItemKind::Button,
                        text_of(&el),
                        v.attr("value").unwrap_or("").to_owned(),
                        "submit",
                        false,
                    ));
                }
            }
            _ => walk(el, items, form_of, label_for),
        }
    }
}

#[cfg(test)]
mod tests;
