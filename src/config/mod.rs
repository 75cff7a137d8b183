//! `linkscreen.toml`: parsing and validation in one place. Everything after
//! this module works on a checked [`Config`]; a bad file becomes a
//! [`ConfigError`] that names the file, the field and the reason (exit 2).
//!
//! Must not import: `backend`, `device`, `view`, `clients`, `cli`, `app` (configuration is data).

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
    /// The developer shown under the skill's name ("by …"); the sample's is Ride Hailer Inc.,
    /// any other skill shows none unless it is set ([`Skill::vendor`]).
    #[serde(default)]
    pub vendor_name: Option<String>,
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

pub(crate) fn default_skill_name() -> String {
    "Ride Hailer".into()
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
            vendor_name: None,
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
    /// The developer's name shown under the skill's: the configured one, Ride Hailer Inc. for
    /// the embedded sample, else none (a skill of your own never says "by Ride Hailer Inc.").
    pub fn vendor(&self) -> Option<&str> {
        match &self.vendor_name {
            Some(v) if !v.trim().is_empty() => Some(v),
            Some(_) => None,
            None if self.is_embedded()
                && self.dir.is_none()
                && self.name == default_skill_name() =>
            {
                Some("Ride Hailer Inc.")
            }
            None => None,
        }
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

mod parse;
#[cfg(test)]
mod tests;
