//! Locales linkscreen ships (docs/designer.md "Locales") and translation lookup.
//! Strings live in `locales/*.yml` (rust-i18n); a locale such as `en-GB`
//! falls back to its language file (`en`), then to English.
//!
//! Must not import: anything but the translation files.

/// Every locale the device and the sample skill speak, in `linkscreen locales` order.
pub const SUPPORTED: &[&str] = &[
    "en-US", "en-GB", "en-IN", "en-AU", "en-CA", "nl-NL", "fr-FR", "fr-CA", "de-DE", "hi-IN",
    "it-IT", "pt-BR", "es-ES", "es-MX", "es-US", "ja-JP", "ar-SA",
];

/// True when `tag`'s script runs right to left (Arabic): its screens are mirrored.
pub fn is_rtl(tag: &str) -> bool {
    matches!(tag.split('-').next(), Some("ar" | "he" | "fa" | "ur"))
}

/// True when `locale`'s text is Arabic (ar-SA; not ar-XB, which is English mirrored): its
/// digits and its on-screen keyboard are Arabic.
pub fn writes_arabic(locale: &str) -> bool {
    locale.split('-').next() == Some("ar") && !PSEUDO.contains(&locale)
}

/// A number as `locale` writes it in running text: Arabic-Indic digits (٠–٩) in Arabic, as
/// Alexa's Arabic screens show counts and times; ASCII digits elsewhere (and in ar-XB, which is
/// English). Codes and URLs never go through here: they stay Latin in every locale.
pub fn digits(locale: &str, number: &str) -> String {
    if !writes_arabic(locale) {
        return number.to_owned();
    }
    number
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_u32(0x0660 + d).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// True when `tag` is one of [`SUPPORTED`].
pub fn is_supported(tag: &str) -> bool {
    SUPPORTED.contains(&tag)
}

/// The supported locale for a request's locale: itself if supported, else en-US.
pub fn resolve(tag: &str) -> &'static str {
    SUPPORTED
        .iter()
        .find(|s| **s == tag)
        .copied()
        .unwrap_or("en-US")
}

/// The supported locale a browser's `Accept-Language` asks for first (RFC 9110 §12.5.4, its
/// weights honoured): a tag linkscreen has, else the first of its locales in a language the
/// header names ("de" → de-DE); en-US when it names none (or the header is absent).
pub fn from_accept_language(header: &str) -> &'static str {
    let lang = |t: &str| t.split('-').next().unwrap_or("").to_ascii_lowercase();
    for tag in accept_language::parse(header) {
        if let Some(l) = SUPPORTED.iter().find(|s| s.eq_ignore_ascii_case(&tag)) {
            return l;
        }
        if let Some(l) = SUPPORTED.iter().find(|s| lang(s) == lang(&tag)) {
            return l;
        }
    }
    "en-US"
}

/// Pseudo-locales for designers (`shoot` only, never offered to a skill): `en-XA` is English
/// accented and ~35% longer in brackets (truncation and hard-coded text show), `ar-XB` is English
/// mirrored: a right-to-left screen whose strings read backwards (layout bugs show).
pub const PSEUDO: &[&str] = &["en-XA", "ar-XB"];

/// Every locale `shoot` draws: [`SUPPORTED`], then [`PSEUDO`].
pub fn shootable() -> impl Iterator<Item = &'static str> {
    SUPPORTED.iter().chain(PSEUDO).copied()
}

/// Translates `key` for `locale`, replacing `%{name}` placeholders.
pub fn tr(key: &str, locale: &str, args: &[(&str, &str)]) -> String {
    let mut s = rust_i18n::t!(key, locale = resolve(locale)).into_owned();
    match locale {
        "en-XA" => s = pseudo::accented(&s),
        "ar-XB" => s = pseudo::mirrored(&s),
        _ => {}
    }
    for (name, value) in args {
        s = s.replace(&format!("%{{{name}}}"), value);
    }
    s
}

/// [`tr`] for a web page: in a right-to-left locale each value is a bidi isolate (FSI … PDI),
/// so a Latin name, an email address or a URL keeps its own order inside an Arabic sentence
/// ("Ride Hailer Inc." does not become ".Ride Hailer Inc").
pub fn tr_page(key: &str, locale: &str, args: &[(&str, &str)]) -> String {
    if !is_rtl(locale) {
        return tr(key, locale, args);
    }
    let isolated: Vec<String> = args
        .iter()
        .map(|(_, v)| format!("\u{2068}{v}\u{2069}"))
        .collect();
    let pairs: Vec<(&str, &str)> = args
        .iter()
        .zip(&isolated)
        .map(|((k, _), v)| (*k, v.as_str()))
        .collect();
    tr(key, locale, &pairs)
}

/// The pseudo-locales' transforms. en-XA leaves `%{name}` placeholders untouched, so what a
/// caller puts in (a skill's name) stays as it is — only linkscreen's own strings change.
mod pseudo {
    /// Splits a template into (literal, placeholder) pieces.
    fn pieces(s: &str) -> Vec<(bool, &str)> {
        let mut out = vec![];
        let mut rest = s;
        while let Some(i) = rest.find("%{") {
            let Some(j) = rest[i..].find('}') else { break };
            if i > 0 {
                out.push((false, &rest[..i]));
            }
            out.push((true, &rest[i..i + j + 1]));
            rest = &rest[i + j + 1..];
        }
        if !rest.is_empty() {
            out.push((false, rest));
        }
        out
    }

    const LOWER: [char; 26] = [
        'á', 'ƀ', 'ç', 'ð', 'é', 'ƒ', 'ĝ', 'ĥ', 'î', 'ĵ', 'ķ', 'ļ', 'ɱ', 'ñ', 'ö', 'þ', 'ǫ', 'ŕ',
        'š', 'ţ', 'û', 'ṽ', 'ŵ', 'ẋ', 'ý', 'ž',
    ];
    const UPPER: [char; 26] = [
        'Å', 'Ɓ', 'Ç', 'Ð', 'É', 'Ƒ', 'Ĝ', 'Ĥ', 'Î', 'Ĵ', 'Ķ', 'Ļ', 'Ṁ', 'Ñ', 'Ö', 'Þ', 'Ǫ', 'Ŕ',
        'Š', 'Ţ', 'Û', 'Ṽ', 'Ŵ', 'Ẋ', 'Ý', 'Ž',
    ];
    const PAD: &[&str] = &[
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];

    fn accent(c: char) -> char {
        match c {
            'a'..='z' => LOWER[c as usize - 'a' as usize],
            'A'..='Z' => UPPER[c as usize - 'A' as usize],
            c => c,
        }
    }

    /// "[Ŵéļçöɱé ţö %{skill_name}! one two]": accented, padded to ~135% of its length with
    /// numbers' words (as translations into German or Finnish grow), in brackets so a clipped
    /// end shows.
    pub fn accented(s: &str) -> String {
        let mut out = String::from("[");
        let mut letters = 0;
        for (placeholder, p) in pieces(s) {
            if placeholder {
                out.push_str(p);
            } else {
                out.extend(p.chars().map(accent));
                letters += p.chars().count();
            }
        }
        let want = (letters * 35).div_ceil(100).max(1);
        let mut added = 0;
        for w in PAD.iter().cycle() {
            if added >= want {
                break;
            }
            out.push(' ');
            out.extend(w.chars().map(accent));
            added += w.len() + 1;
        }
        out.push(']');
        out
    }

    /// English read backwards on a right-to-left screen: the whole string (what is put in
    /// too: a run per piece left gaps where they meet) is one right-to-left override
    /// (U+202E … U+202C), so the bidi algorithm lays its letters out from the right.
    pub fn mirrored(s: &str) -> String {
        format!("\u{202E}{s}\u{202C}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_writes_numbers_in_arabic_indic_digits() {
        assert_eq!(digits("ar-SA", "9:05"), "٩:٠٥");
        assert_eq!(digits("ar-SA", "120"), "١٢٠");
        assert_eq!(digits("ar-XB", "9:05"), "9:05");
        assert_eq!(digits("ja-JP", "9:05"), "9:05");
        assert_eq!(digits("hi-IN", "9:05"), "9:05");
    }

    #[test]
    fn accept_language_picks_the_first_supported_by_weight() {
        assert_eq!(from_accept_language("ja-JP,ja;q=0.9"), "ja-JP");
        assert_eq!(from_accept_language("sv-SE, de;q=0.8, en;q=0.5"), "de-DE");
        assert_eq!(from_accept_language("en;q=0.2, fr-CA;q=0.9"), "fr-CA");
        assert_eq!(from_accept_language("ar"), "ar-SA");
        assert_eq!(from_accept_language(""), "en-US");
        assert_eq!(from_accept_language("*"), "en-US");
    }

    #[test]
    fn pseudo_locales_accent_and_lengthen_or_mirror_linkscreens_strings() {
        let xa = tr("device.home", "en-XA", &[]);
        assert!(xa.starts_with("[Ĥöɱé") && xa.ends_with(']'), "{xa}");
        let (long, en) = (
            tr("device.waiting", "en-XA", &[]),
            tr("device.waiting", "en-US", &[]),
        );
        // ~35% longer, and the brackets.
        let (l, e) = (long.chars().count() as f64, en.chars().count() as f64);
        assert!(l >= e * 1.3 && l <= e * 1.5, "{long} / {en}");
        // The skill's name as given.
        let named = tr(
            "device.success_body",
            "en-XA",
            &[("skill_name", "Ride Hailer")],
        );
        assert!(named.contains("Ride Hailer"), "{named}");
        let xb = tr(
            "device.success_body",
            "ar-XB",
            &[("skill_name", "Ride Hailer")],
        );
        assert_eq!(
            xb,
            "\u{202E}Your Ride Hailer account is now linked. Starting Ride Hailer…\u{202C}"
        );
        assert!(is_rtl("ar-XB") && !is_rtl("en-XA"));
        assert!(
            !is_supported("en-XA") && !is_supported("ar-XB"),
            "never offered to a skill"
        );
        assert_eq!(shootable().count(), SUPPORTED.len() + 2);
    }

    #[test]
    fn every_locale_has_the_seed_prompt() {
        for l in SUPPORTED {
            let s = tr("skill.link_prompt", l, &[("skill_name", "Ride Hailer")]);
            assert!(s.contains("Ride Hailer") && s.contains("Alexa"), "{l}: {s}");
            assert!(!s.contains("%{"), "{l}: {s}");
        }
    }

    #[test]
    fn german_prompt_is_the_seeds_sentence() {
        assert!(
            tr(
                "skill.link_prompt",
                "de-DE",
                &[("skill_name", "Ride Hailer")]
            )
            .starts_with("Willkommen bei Ride Hailer!")
        );
        assert!(
            tr("skill.link_prompt", "es-MX", &[("skill_name", "X")])
                .starts_with("¡Bienvenido a X!")
        );
        assert!(
            tr("skill.link_prompt", "xx-XX", &[("skill_name", "X")]).starts_with("Welcome to X!")
        );
    }
}
