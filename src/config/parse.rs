//! Reading `linkscreen.toml`: the raw TOML shapes, their validation into a [`Config`], and
//! errors that name the file, the field and the reason.

use super::*;

impl Config {
    /// Parses config text; `path` names the file in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let fail = |field: &str, reason: String| ConfigError {
            file: file.clone(),
            field: field.into(),
            reason,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            // The field's dotted path: from the message ("unknown field `x`"), else from where
            // in the text the error is ("backend.port" for a bad value of `port` in [backend]).
            // An unknown field is named with its table ("backend.nope", not "nope").
            let at_span = e.span().and_then(|s| key_path_at(text, s.start));
            let field = match (toml_error_field(&e), at_span) {
                (Some(n), Some(p)) if p == n || p.ends_with(&format!(".{n}")) => p,
                (Some(n), _) => n,
                (None, p) => p.unwrap_or_else(|| "(toml)".into()),
            };
            let at = e
                .span()
                .map(|s| line_col(text, s.start))
                .map(|(l, c)| format!(" (line {l}, column {c})"))
                .unwrap_or_default();
            fail(&field, format!("{}{at}", plain_type_error(e.message())))
        })?;
        // Paths in the file are relative to the file's folder, whatever the working directory
        // (and absolute from here on: a Lambda handler runs in another working directory).
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let dir = &std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
        let mut cfg = Config::default();

        if let Some(skill) = raw.skill {
            if skill.endpoint != "embedded" {
                match url::Url::parse(&skill.endpoint) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                    _ => {
                        return Err(fail(
                            "skill.endpoint",
                            format!(
                                "must be \"embedded\" or an http(s) URL, found {:?}",
                                skill.endpoint
                            ),
                        ));
                    }
                }
            }
            if skill.name.trim().is_empty() {
                return Err(fail("skill.name", "must not be empty".into()));
            }
            if skill.timeout.is_some_and(|t| !(1..=60).contains(&t)) {
                return Err(fail(
                    "skill.timeout",
                    format!(
                        "must be 1 to 60 seconds, found {}",
                        skill.timeout.unwrap_or(0)
                    ),
                ));
            }
            for (i, l) in skill.locales.iter().enumerate() {
                if !crate::locale::is_supported(l) {
                    return Err(fail(
                        &format!("skill.locales[{i}]"),
                        format!("unsupported locale {l:?}; `linkscreen locales` lists them"),
                    ));
                }
            }
            cfg.skill = skill;
            if let Some(d) = cfg.skill.dir.take() {
                cfg.skill.dir = Some(dir.join(d));
            }
        }

        if let Some(al) = raw.account_linking {
            cfg.account_linking.personal_linking = al.personal_linking.unwrap_or(false);
            cfg.account_linking.required = al.required.unwrap_or(true);
            cfg.account_linking.sample = al.sample;
            if al.sample == Some(true) && (al.file.is_some() || !al.inline.is_empty()) {
                return Err(fail(
                    "account_linking.sample",
                    "sample = true links against the embedded sample server: give it, or a file / inline accountLinkingRequest fields, not both".into(),
                ));
            }
            let field_err =
                |prefix: &str, e: FieldError| fail(&format!("{prefix}{}", e.field), e.reason);
            match (al.file, al.inline.is_empty()) {
                (Some(_), false) => {
                    return Err(fail(
                        "account_linking.file",
                        "give either file or inline accountLinkingRequest fields, not both".into(),
                    ));
                }
                (Some(f), true) => {
                    let p = dir.join(&f);
                    let text = read_capped(&p).map_err(|e| {
                        fail("account_linking.file", format!("{}: {e}", p.display()))
                    })?;
                    let req = AccountLinkingRequest::from_json(&text).map_err(|e| ConfigError {
                        file: p.display().to_string(),
                        field: e.field,
                        reason: e.reason,
                    })?;
                    cfg.account_linking.request = Some(req);
                }
                (None, false) => {
                    let json = serde_json::to_string(&al.inline)
                        .map_err(|e| fail("account_linking", e.to_string()))?;
                    let req = AccountLinkingRequest::from_json(&json)
                        .map_err(|e| field_err("account_linking.", e))?;
                    cfg.account_linking.request = Some(req);
                }
                (None, true) => {}
            }
        }

        if let Some(l) = raw.linking {
            if let Some(e) = l.expires_in {
                if !(10..=86_400).contains(&e) {
                    return Err(fail(
                        "linking.expires_in",
                        format!("must be between 10 and 86400 seconds, found {e}"),
                    ));
                }
                cfg.linking.expires_in = e;
            }
            if let Some(i) = l.interval {
                // 0 would make the device poll as fast as it can.
                if !(1..=60).contains(&i) {
                    return Err(fail(
                        "linking.interval",
                        format!("must be 1 to 60 seconds, found {i}"),
                    ));
                }
                cfg.linking.interval = i;
            }
            cfg.linking.mode = match l.mode.as_deref().unwrap_or("alexa") {
                "alexa" => LinkingMode::Alexa,
                "device-grant" => {
                    let client_id = l.client_id.ok_or_else(|| {
                        fail(
                            "linking.client_id",
                            "required when mode is \"device-grant\"".into(),
                        )
                    })?;
                    if l.issuer.is_none()
                        && (l.device_authorization_endpoint.is_none() || l.token_endpoint.is_none())
                    {
                        return Err(fail(
                            "linking.issuer",
                            "mode \"device-grant\" needs issuer, or both device_authorization_endpoint and token_endpoint".into(),
                        ));
                    }
                    for (name, v) in [
                        ("issuer", &l.issuer),
                        (
                            "device_authorization_endpoint",
                            &l.device_authorization_endpoint,
                        ),
                        ("token_endpoint", &l.token_endpoint),
                    ] {
                        if let Some(v) = v
                            && url::Url::parse(v).is_err()
                        {
                            return Err(fail(
                                &format!("linking.{name}"),
                                format!("not an absolute URL: {v:?}"),
                            ));
                        }
                    }
                    LinkingMode::DeviceGrant(DeviceGrant {
                        issuer: l.issuer,
                        device_authorization_endpoint: l.device_authorization_endpoint,
                        token_endpoint: l.token_endpoint,
                        client_id,
                        scope: l.scope,
                    })
                }
                other => {
                    return Err(fail(
                        "linking.mode",
                        format!("must be \"alexa\" or \"device-grant\", found {other:?}"),
                    ));
                }
            };
        }

        if let Some(h) = raw.household
            && !h.profiles.is_empty()
        {
            for (i, p) in h.profiles.iter().enumerate() {
                if p.name.trim().is_empty() {
                    return Err(fail(
                        &format!("household.profiles[{i}].name"),
                        "must not be empty".into(),
                    ));
                }
                if !is_hex_colour(&p.colour) {
                    return Err(fail(
                        &format!("household.profiles[{i}].colour"),
                        format!("must be #rrggbb, found {:?}", p.colour),
                    ));
                }
            }
            cfg.household = h.profiles;
        }

        if let Some(b) = raw.backend {
            if let Some(bind) = b.bind {
                bind.parse::<std::net::IpAddr>()
                    .map_err(|_| fail("backend.bind", format!("not an IP address: {bind:?}")))?;
                cfg.backend.bind = bind;
            }
            if let Some(p) = b.port {
                cfg.backend.port = p;
            }
            if let Some(db) = b.db {
                cfg.backend.db = dir.join(db);
            }
            if let Some(v) = b.vendor_id {
                if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(fail(
                        "backend.vendor_id",
                        format!("must be letters and digits, found {v:?}"),
                    ));
                }
                cfg.backend.vendor_id = v;
            }
        }
        if let Some(d) = cfg.skill.dir.clone() {
            cfg.use_project(&d)?;
        }
        Ok(cfg)
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    skill: Option<Skill>,
    #[serde(default)]
    account_linking: Option<RawAccountLinking>,
    #[serde(default)]
    linking: Option<RawLinking>,
    #[serde(default)]
    household: Option<RawHousehold>,
    #[serde(default)]
    backend: Option<RawBackend>,
}

#[derive(Deserialize)]
pub(super) struct RawAccountLinking {
    #[serde(default)]
    file: Option<PathBuf>,
    #[serde(default)]
    sample: Option<bool>,
    #[serde(default)]
    personal_linking: Option<bool>,
    #[serde(default)]
    required: Option<bool>,
    /// Inline `accountLinkingRequest` fields.
    #[serde(flatten)]
    inline: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLinking {
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    interval: Option<u64>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    device_authorization_endpoint: Option<String>,
    #[serde(default)]
    token_endpoint: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHousehold {
    #[serde(default)]
    profiles: Vec<Profile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBackend {
    #[serde(default)]
    bind: Option<String>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    db: Option<PathBuf>,
    #[serde(default)]
    vendor_id: Option<String>,
}

pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// The dotted path of the key whose value is at `offset` in TOML `text`: the last `[table]`
/// header before its line and the key on it ("backend.port").
pub(super) fn key_path_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let (key, _) = text[start..end].split_once('=')?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') {
        return None;
    }
    let table = text[..start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{key}"),
        _ => key.to_owned(),
    })
}

/// serde's "invalid type: string \"eighty\", expected u16" in words a config's author uses:
/// "expected an integer from 0 to 65535, found \"eighty\"".
pub(super) fn plain_type_error(msg: &str) -> String {
    let Some(rest) = msg
        .strip_prefix("invalid type: ")
        .or_else(|| msg.strip_prefix("invalid value: "))
    else {
        return msg.to_owned();
    };
    let Some((found, expected)) = rest.split_once(", expected ") else {
        return msg.to_owned();
    };
    let found = ["string ", "integer ", "floating point ", "boolean "]
        .iter()
        .find_map(|p| found.strip_prefix(p))
        .unwrap_or(found)
        .trim_matches('`');
    let expected = match expected.trim() {
        "u16" => "an integer from 0 to 65535",
        "u32" | "u64" | "usize" => "a whole number (0 or more)",
        "i64" | "i32" => "an integer",
        "a boolean" | "bool" => "true or false",
        "f64" | "f32" => "a number",
        other => other,
    };
    format!("expected {expected}, found {found}")
}

/// The field a toml/serde message names ("unknown field `x`", "missing field `x`").
pub(super) fn toml_error_field(e: &toml::de::Error) -> Option<String> {
    crate::protocol::account_linking::field_from_message(e.message())
}
