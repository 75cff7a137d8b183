//! What kind of page the device browser is on (sign-in, terms, consent), read from its
//! text and controls as a person would.

use super::*;

impl SignIn {
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
            TERMS.iter().any(|w| t.contains(w))
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
}

/// Terms wording, in the device's languages (a vendor's page answers in the device's language:
/// its browser sends `Accept-Language`).
const TERMS: &[&str] = &[
    "terms",
    "conditions",
    "agreement",
    "privacy policy",
    "nutzungsbedingungen",
    "geschäftsbedingungen",
    "términos",
    "condiciones",
    "termini",
    "condizioni",
    "termos",
    "condições",
    "voorwaarden",
    "शर्तें",
    "規約",
    "الشروط",
    "الأحكام",
];

/// The page's main action: the button it styles as primary, else its first button.
pub(super) fn main_button(p: &PageModel) -> Option<&crate::clients::page::Item> {
    let buttons = || p.items.iter().filter(|i| i.kind == ItemKind::Button);
    buttons().find(|b| b.emphasis).or_else(|| buttons().next())
}

/// Says yes to an authorization request: "Allow", "Authorize", "Approve", "Accept", "Yes", …
pub(super) const ALLOW: &[&str] = &[
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
    "erlauben",
    "zulassen",
    "zustimmen",
    "autoriser",
    "accepter",
    "permitir",
    "aceptar",
    "consenti",
    "accetta",
    "aceitar",
    "toestaan",
    "accepteren",
    "अनुमति दें",
    "許可",
    "同意",
    "السماح",
    "موافق",
];

/// Says no: "Deny", "Decline", "Cancel", "No", "Don't allow", …
pub(super) const DENY: &[&str] = &[
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
    "ablehnen",
    "refuser",
    "denegar",
    "rechazar",
    "nega",
    "negar",
    "weigeren",
    "अस्वीकार",
    "拒否",
    "رفض",
];

/// A heading or title that asks for an authorization.
pub(super) const ASKS: &[&str] = &[
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
    "erlauben",
    "autoriser",
    "permitir",
    "consentire",
    "toestaan",
    "अनुमति",
    "許可",
    "تسمح",
];

/// True when `text` says one of `phrases`: a multi-word phrase anywhere, a single word as a
/// whole word ("no" is not "now").
pub(super) fn says(text: &str, phrases: &[&str]) -> bool {
    let t = text.to_lowercase().replace(['’', '\''], "'");
    let words: Vec<&str> = t
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    phrases.iter().any(|p| {
        // Japanese writes no spaces, and Devanagari's vowel signs are not letters: a phrase
        // in a script past Latin is looked for anywhere.
        if p.contains(' ') || p.chars().any(|c| c > '\u{024F}') {
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
pub(super) fn is_consent(p: &PageModel) -> bool {
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
