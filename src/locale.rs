//! Locales linkscreen ships (DESIGN.md "Locales") and translation lookup.
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

/// Translates `key` for `locale`, replacing `%{name}` placeholders.
pub fn tr(key: &str, locale: &str, args: &[(&str, &str)]) -> String {
    let mut s = rust_i18n::t!(key, locale = resolve(locale)).into_owned();
    for (name, value) in args {
        s = s.replace(&format!("%{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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
