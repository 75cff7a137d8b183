//! The browser session as the screen draws it (a [`PageView`]).

use super::classify::main_button;
use super::*;

impl SignIn {
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
            v.rtl = p.rtl;
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
                // Arabic devices have an Arabic keyboard with a switch to Latin.
                v.keyboard_switch = crate::locale::writes_arabic(locale);
                v.keyboard_latin = !v.keyboard_switch || self.latin_keyboard(f);
                v.compose_label = p.items[f].text.clone();
                v.compose_value = v.items[f].value.clone();
                v.compose_password = v.items[f].password;
            }
        }
        v
    }
}
