//! `linkscreen.toml`: parsing and validation in one place. Everything after
//! this module works on a checked [`Config`]; a bad file becomes a
//! [`ConfigError`] that names the file, the field and the reason (exit 2).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::protocol::account_linking::{AccountLinkingRequest, FieldError};

/// A config file problem: which file, which field, why.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{file}: {field}: {reason}")]
pub struct ConfigError {
    pub file: String,
    pub field: String,
    pub reason: String,
}

pub use crate::project::{MAX_FILE_BYTES, read_capped};

impl From<crate::project::ProjectError> for ConfigError {
    fn from(e: crate::project::ProjectError) -> Self {
        ConfigError {
            file: e.file,
            field: e.field,
            reason: e.reason,
        }
    }
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub skill: Skill,
    pub account_linking: AccountLinking,
    pub linking: Linking,
    pub household: Vec<Profile>,
    pub backend: Backend,
    /// The ASK CLI project of `[skill] dir` / `--skill-dir`, once loaded.
    pub project: Option<crate::project::Project>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skill {
    #[serde(default = "default_skill_name")]
    pub name: String,
    #[serde(default)]
    pub invocation_name: Option<String>,
    #[serde(default = "default_vendor_name")]
    pub vendor_name: String,
    /// `"embedded"` or an http(s) URL.
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
    #[serde(default)]
    pub locales: Vec<String>,
    #[serde(default = "default_skill_id")]
    pub skill_id: String,
    /// An ASK CLI project folder: name, locales, invocation name, endpoint or local Lambda
    /// handler, interaction models and account linking come from it.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// Seconds the skill may take to answer (Alexa: 8).
    #[serde(default)]
    pub timeout: Option<u64>,
}

fn default_skill_name() -> String {
    "Ride Hailer".into()
}
fn default_vendor_name() -> String {
    "Ride Hailer Inc.".into()
}
fn default_endpoint() -> String {
    "embedded".into()
}
fn default_skill_id() -> String {
    "amzn1.ask.skill.6b1f3c52-7d0e-4a8b-9c61-2f4e5d6a7b80".into()
}

impl Default for Skill {
    fn default() -> Self {
        Skill {
            name: default_skill_name(),
            invocation_name: None,
            vendor_name: default_vendor_name(),
            endpoint: default_endpoint(),
            locales: vec![],
            skill_id: default_skill_id(),
            dir: None,
            timeout: None,
        }
    }
}

impl Skill {
    /// The name users say, lower-case.
    pub fn invocation(&self) -> String {
        self.invocation_name
            .clone()
            .unwrap_or_else(|| self.name.to_lowercase())
    }
    /// True when the embedded sample skill answers.
    pub fn is_embedded(&self) -> bool {
        self.endpoint == "embedded"
    }

    /// How long the skill may take to answer.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout.unwrap_or(8))
    }
}

/// Account linking: the skill's `accountLinkingRequest`, the embedded sample server's, or none.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountLinking {
    /// The skill's own configuration (a file, inline fields, or the ASK project's).
    pub request: Option<AccountLinkingRequest>,
    /// `sample = true`: link against the embedded Ride Hailer authorization server. The
    /// default for the embedded sample skill; for any other skill an explicit choice.
    /// `None`: not said (the default applies).
    pub sample: Option<bool>,
    pub personal_linking: bool,
    pub required: bool,
    /// `run --voice-forward`: voiceForwardAccountLinking is switched ENABLED (as in the
    /// developer console) in whichever configuration is in force.
    pub voice_forward: bool,
}

impl Default for AccountLinking {
    fn default() -> Self {
        AccountLinking {
            request: None,
            sample: None,
            personal_linking: false,
            required: true,
            voice_forward: false,
        }
    }
}

/// How the device links.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkingMode {
    /// The emulator plays the Alexa cloud: auth-code grant against the skill's server.
    Alexa,
    /// The device runs RFC 8628 directly against an IdP.
    DeviceGrant(DeviceGrant),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceGrant {
    /// RFC 8414 issuer; endpoints are discovered from its metadata when not given.
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    pub client_id: String,
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Linking {
    pub mode: LinkingMode,
    /// Lifetime of device and user codes, seconds (RFC 8628 `expires_in`).
    pub expires_in: u64,
    /// Minimum polling interval, seconds.
    pub interval: u64,
}

impl Default for Linking {
    fn default() -> Self {
        Linking {
            mode: LinkingMode::Alexa,
            expires_in: 600,
            interval: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub initials: Option<String>,
    #[serde(default = "default_colour")]
    pub colour: String,
}

fn default_colour() -> String {
    "#1f8ded".into()
}

impl Profile {
    /// A stable `amzn1.ask.person.…` id for this household member (derived from the name).
    pub fn person_id(&self) -> String {
        use sha2::Digest;
        let h = sha2::Sha256::digest(self.name.trim().to_lowercase().as_bytes());
        format!("amzn1.ask.person.{}", hex::encode(&h[..16]).to_uppercase())
    }

    pub fn initials(&self) -> String {
        self.initials.clone().unwrap_or_else(|| {
            self.name
                .split_whitespace()
                .filter_map(|w| w.chars().next())
                .take(2)
                .collect()
        })
    }
}

/// The default household: the seed's Annie and two more.
pub fn default_household() -> Vec<Profile> {
    [
        ("Annie", "#1f8ded"),
        ("Sam", "#e8743b"),
        ("Priya", "#19a979"),
    ]
    .iter()
    .map(|(n, c)| Profile {
        name: (*n).into(),
        initials: None,
        colour: (*c).into(),
    })
    .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub bind: String,
    /// 0 picks a free port.
    pub port: u16,
    pub db: PathBuf,
    /// The `<VendorId>` in Alexa's redirect URL `/api/skill/link/<VendorId>`.
    pub vendor_id: String,
}

impl Default for Backend {
    fn default() -> Self {
        Backend {
            bind: "127.0.0.1".into(),
            port: 0,
            db: default_db_path(),
            vendor_id: "M2LSEMU0000001".into(),
        }
    }
}

/// `$XDG_DATA_HOME/linkscreen/linkscreen.db`, else `~/.local/share/...`, else `./linkscreen.db`.
pub fn default_db_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    match base {
        Some(b) => b.join("linkscreen").join("linkscreen.db"),
        None => PathBuf::from("linkscreen.db"),
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            skill: Skill::default(),
            account_linking: AccountLinking::default(),
            linking: Linking::default(),
            household: default_household(),
            backend: Backend::default(),
            project: None,
        }
    }
}

// ---- raw file shapes -------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
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
struct RawAccountLinking {
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
struct RawLinking {
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
struct RawHousehold {
    #[serde(default)]
    profiles: Vec<Profile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBackend {
    #[serde(default)]
    bind: Option<String>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    db: Option<PathBuf>,
    #[serde(default)]
    vendor_id: Option<String>,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = read_capped(path).map_err(|e| ConfigError {
            file: file.clone(),
            field: "(file)".into(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, path)
    }

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
            let field = toml_error_field(&e)
                .or_else(|| e.span().and_then(|s| key_path_at(text, s.start)))
                .unwrap_or_else(|| "(toml)".into());
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

    /// Takes the skill from an ASK CLI project (`[skill] dir`, `--skill-dir`): its name,
    /// locales, invocation name, skill id, endpoint (or local Lambda handler) and, unless the
    /// config gives one, its account linking.
    pub fn use_project(&mut self, dir: &Path) -> Result<(), ConfigError> {
        let p = crate::project::load(dir)?;
        // The project's own root, absolute: `--skill-dir .` means the folder, not "." later.
        let dir = &p.root.clone();
        let supported: Vec<String> = p
            .locales()
            .into_iter()
            .filter(|l| crate::locale::is_supported(l))
            .collect();
        let Some(first) = supported
            .iter()
            .find(|l| *l == "en-US")
            .or(supported.first())
            .cloned()
        else {
            return Err(ConfigError {
                file: dir.join("skill-package/skill.json").display().to_string(),
                field: "manifest.publishingInformation.locales".into(),
                reason: format!(
                    "none of {:?} is a locale linkscreen renders; `linkscreen locales` lists them",
                    p.locales()
                ),
            });
        };
        self.skill.dir = Some(dir.to_path_buf());
        self.skill.name = p.name_for(&first).to_owned();
        self.skill.invocation_name = p.model_for(&first).map(|m| m.invocation_name.clone());
        self.skill.locales = supported;
        if let Some(id) = &p.skill_id {
            self.skill.skill_id = id.clone();
        }
        self.skill.endpoint = match &p.endpoint {
            crate::project::Endpoint::Https(u) => u.clone(),
            crate::project::Endpoint::Lambda { .. } => "lambda".into(),
        };
        if self.account_linking.request.is_none() {
            self.account_linking.request = p.account_linking.clone();
        }
        self.project = Some(p);
        Ok(())
    }
}

impl Config {
    /// Links against the embedded sample authorization server: said with `sample = true`, or
    /// the embedded sample skill with no account linking of its own.
    pub fn uses_sample_server(&self) -> bool {
        self.account_linking.request.is_none()
            && self
                .account_linking
                .sample
                .unwrap_or(self.skill.is_embedded() && self.project.is_none())
    }

    /// The skill has account linking at all. Without it Alexa sends every request straight to
    /// the skill, without a token, and has nothing to link.
    pub fn has_account_linking(&self) -> bool {
        self.account_linking.request.is_some()
            || self.uses_sample_server()
            || matches!(self.linking.mode, LinkingMode::DeviceGrant(_))
    }
}

fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
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
fn key_path_at(text: &str, offset: usize) -> Option<String> {
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
fn plain_type_error(msg: &str) -> String {
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
fn toml_error_field(e: &toml::de::Error) -> Option<String> {
    crate::protocol::account_linking::field_from_message(e.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("linkscreen.toml"))
    }

    #[test]
    fn empty_file_is_the_embedded_default() {
        let c = parse("").unwrap();
        assert!(c.skill.is_embedded());
        assert_eq!(c.linking.mode, LinkingMode::Alexa);
        assert_eq!(c.backend.bind, "127.0.0.1");
    }

    #[test]
    fn inline_account_linking_is_validated_with_the_field_named() {
        let e = parse(
            "[account_linking]\ntype = \"AUTH_CODE\"\nauthorizationUrl = \"https://a.example/auth\"\nclientId = \"x\"\nclientSecret = \"s\"\naccessTokenScheme = \"HTTP_BASIC\"\n",
        )
        .unwrap_err();
        assert_eq!(e.field, "account_linking.accessTokenUrl");
        assert_eq!(e.file, "linkscreen.toml");
        assert!(
            e.to_string()
                .starts_with("linkscreen.toml: account_linking.accessTokenUrl: required")
        );
    }

    #[test]
    fn bad_mode_and_bad_type_are_named() {
        assert_eq!(
            parse("[linking]\nmode = \"magic\"").unwrap_err().field,
            "linking.mode"
        );
        let e = parse("[backend]\nport = \"eighty\"").unwrap_err();
        assert!(e.reason.contains("line 2"), "{e}");
        assert_eq!(e.field, "backend.port");
        assert!(
            e.to_string().starts_with(
                "linkscreen.toml: backend.port: expected an integer from 0 to 65535, found \"eighty\""
            ),
            "{e}"
        );
        let e = parse("[linking]\nmode = \"alexa\"\ninterval = -1\n").unwrap_err();
        assert_eq!(e.field, "linking.interval", "{e}");
        assert!(e.reason.contains("found -1"), "{e}");
        let e = parse("[skill]\nname = \"x\"\ntimeout = \"8\"\n").unwrap_err();
        assert_eq!(e.field, "skill.timeout", "{e}");
        assert_eq!(parse("[skil]\nname = \"x\"").unwrap_err().field, "skil");
        assert_eq!(
            parse("[linking]\nmode = \"device-grant\"\nclient_id = \"c\"")
                .unwrap_err()
                .field,
            "linking.issuer"
        );
    }

    #[test]
    fn account_linking_file_errors_name_that_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("al.json"), r#"{"accountLinkingRequest": {"type": "AUTH_CODE", "authorizationUrl": "https://a/x", "clientId": "c", "clientSecret": "s", "accessTokenUrl": "https://a/t", "accessTokenScheme": "NOPE"}}"#).unwrap();
        let cfg = dir.path().join("linkscreen.toml");
        std::fs::write(&cfg, "[account_linking]\nfile = \"al.json\"\n").unwrap();
        let e = Config::load(&cfg).unwrap_err();
        assert!(e.file.ends_with("al.json"));
        assert_eq!(e.field, "accountLinkingRequest.accessTokenScheme");
    }
}
