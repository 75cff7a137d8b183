//! The SMAPI `accountLinkingRequest` (docs/design.md "Wire formats" §2), as `ask smapi` takes it,
//! and its consistency checks.

use serde::{Deserialize, Deserializer, Serialize};

/// `type` of the grant Alexa uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GrantType {
    AuthCode,
    Implicit,
}

/// How Alexa authenticates to `accessTokenUrl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccessTokenScheme {
    HttpBasic,
    RequestBodyCredentials,
}

/// One entry of `authorizationUrlsByPlatform`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlatformAuthorizationUrl {
    pub platform_type: String,
    pub platform_authorization_url: String,
}

/// The account-linking configuration of a skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountLinkingRequest {
    #[serde(rename = "type")]
    pub grant_type: GrantType,
    pub authorization_url: String,
    #[serde(default)]
    pub domains: Vec<String>,
    pub client_id: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub access_token_url: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub access_token_scheme: Option<AccessTokenScheme>,
    #[serde(default)]
    pub default_token_expiration_in_seconds: Option<u64>,
    #[serde(default)]
    pub reciprocal_access_token_url: Option<String>,
    #[serde(default)]
    pub redirect_urls: Vec<String>,
    #[serde(default)]
    pub authorization_urls_by_platform: Vec<PlatformAuthorizationUrl>,
    /// Amazon's samples send `"true"` as a string; the schema says boolean. Accept both.
    #[serde(default, deserialize_with = "bool_or_string")]
    pub skip_on_enablement: bool,
    #[serde(default)]
    pub voice_forward_account_linking: Option<String>,
    /// linkscreen extension (Alexa "uses PKCE when enabled"): send an S256 code challenge.
    #[serde(default)]
    pub pkce: bool,
}

fn bool_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        B(bool),
        S(String),
    }
    match B::deserialize(d)? {
        B::B(b) => Ok(b),
        B::S(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        B::S(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        B::S(s) => Err(serde::de::Error::custom(format!(
            "expected true or false, found {s:?}"
        ))),
    }
}

/// A field that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

fn err(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

fn check_url(field: &str, value: &str) -> Result<url::Url, FieldError> {
    let u = url::Url::parse(value)
        .map_err(|e| err(field, format!("not an absolute URL ({e}): {value:?}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(err(
            field,
            format!("must be an http(s) URL, found scheme {:?}", u.scheme()),
        ));
    }
    Ok(u)
}

/// Longest URL a field may hold.
pub const MAX_URL_LEN: usize = 2048;
/// Longest client id, scope, domain; longest client secret.
pub const MAX_ID_LEN: usize = 256;
pub const MAX_SECRET_LEN: usize = 512;
/// Most entries a list may hold (scopes, domains, redirect URLs, platform URLs).
pub const MAX_ITEMS: usize = 15;

fn max_len(field: &str, value: &str, limit: usize) -> Result<(), FieldError> {
    if value.len() > limit {
        return Err(err(
            field,
            format!(
                "is {} characters long; at most {limit} are allowed",
                value.len()
            ),
        ));
    }
    Ok(())
}

impl AccountLinkingRequest {
    /// Bounds on every field (Amazon's schema publishes scope and domain counts, not lengths;
    /// these are the console's practical limits: URLs as browsers take them, ids and scopes as
    /// the device-authorization endpoint does).
    fn check_lengths(&self) -> Result<(), FieldError> {
        let lists = [
            ("scopes", self.scopes.len()),
            ("domains", self.domains.len()),
            ("redirectUrls", self.redirect_urls.len()),
            (
                "authorizationUrlsByPlatform",
                self.authorization_urls_by_platform.len(),
            ),
        ];
        for (field, n) in lists {
            if n > MAX_ITEMS {
                return Err(err(
                    field,
                    format!("has {n} entries; at most {MAX_ITEMS} are allowed"),
                ));
            }
        }
        max_len("authorizationUrl", &self.authorization_url, MAX_URL_LEN)?;
        max_len("clientId", &self.client_id, MAX_ID_LEN)?;
        for (field, v) in [
            ("accessTokenUrl", &self.access_token_url),
            (
                "reciprocalAccessTokenUrl",
                &self.reciprocal_access_token_url,
            ),
        ] {
            if let Some(v) = v {
                max_len(field, v, MAX_URL_LEN)?;
            }
        }
        if let Some(v) = &self.client_secret {
            max_len("clientSecret", v, MAX_SECRET_LEN)?;
        }
        for (i, v) in self.scopes.iter().enumerate() {
            max_len(&format!("scopes[{i}]"), v, MAX_ID_LEN)?;
        }
        for (i, v) in self.domains.iter().enumerate() {
            max_len(&format!("domains[{i}]"), v, MAX_ID_LEN)?;
        }
        for (i, v) in self.redirect_urls.iter().enumerate() {
            max_len(&format!("redirectUrls[{i}]"), v, MAX_URL_LEN)?;
        }
        for (i, p) in self.authorization_urls_by_platform.iter().enumerate() {
            max_len(
                &format!("authorizationUrlsByPlatform[{i}].platformAuthorizationUrl"),
                &p.platform_authorization_url,
                MAX_URL_LEN,
            )?;
        }
        Ok(())
    }

    /// `voiceForwardAccountLinking: "ENABLED"` (docs/design.md "Wire formats" §4).
    pub fn voice_forward_enabled(&self) -> bool {
        self.voice_forward_account_linking.as_deref() == Some("ENABLED")
    }

    /// Parses `{"accountLinkingRequest": {...}}` or the bare object.
    pub fn from_json(text: &str) -> Result<Self, FieldError> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            err(
                "(json)",
                format!("line {} column {}: {e}", e.line(), e.column()),
            )
        })?;
        let (inner, prefix) = match v.get("accountLinkingRequest") {
            Some(inner) => (inner.clone(), "accountLinkingRequest."),
            None => (v, ""),
        };
        let parsed: Self = serde_path_to_error(inner).map_err(|e| FieldError {
            field: format!("{prefix}{}", e.field),
            reason: e.reason,
        })?;
        parsed.validate().map_err(|e| FieldError {
            field: format!("{prefix}{}", e.field),
            ..e
        })?;
        Ok(parsed)
    }

    /// Checks what Alexa's console would refuse.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.check_lengths()?;
        check_url("authorizationUrl", &self.authorization_url)?;
        if self.client_id.trim().is_empty() {
            return Err(err("clientId", "must not be empty"));
        }
        for (i, s) in self.scopes.iter().enumerate() {
            if s.is_empty()
                || s.chars()
                    .any(|c| c.is_whitespace() || c == '"' || c == '\\' || c.is_control())
            {
                return Err(err(
                    &format!("scopes[{i}]"),
                    format!(
                        "{s:?} is not a valid scope token (RFC 6749 §3.3: no spaces, quotes or backslashes)"
                    ),
                ));
            }
        }
        if self.grant_type == GrantType::AuthCode {
            match &self.access_token_url {
                None => return Err(err("accessTokenUrl", "required when type is AUTH_CODE")),
                Some(u) => {
                    check_url("accessTokenUrl", u)?;
                }
            }
            if self.access_token_scheme.is_none() {
                return Err(err(
                    "accessTokenScheme",
                    "required when type is AUTH_CODE (HTTP_BASIC or REQUEST_BODY_CREDENTIALS)",
                ));
            }
            if self.client_secret.as_deref().unwrap_or("").is_empty() {
                return Err(err("clientSecret", "required when type is AUTH_CODE"));
            }
        }
        for (i, p) in self.authorization_urls_by_platform.iter().enumerate() {
            if !matches!(p.platform_type.as_str(), "iOS" | "Android") {
                return Err(err(
                    &format!("authorizationUrlsByPlatform[{i}].platformType"),
                    format!("must be iOS or Android, found {:?}", p.platform_type),
                ));
            }
            check_url(
                &format!("authorizationUrlsByPlatform[{i}].platformAuthorizationUrl"),
                &p.platform_authorization_url,
            )?;
        }
        if let Some(v) = &self.voice_forward_account_linking
            && !matches!(v.as_str(), "ENABLED" | "DISABLED")
        {
            return Err(err(
                "voiceForwardAccountLinking",
                format!("must be ENABLED or DISABLED, found {v:?}"),
            ));
        }
        Ok(())
    }

    /// The scopes as one space-separated string (RFC 6749 §3.3).
    pub fn scope_string(&self) -> String {
        self.scopes.join(" ")
    }
}

/// Deserializes, reporting the JSON path of the failing field (e.g. `scopes[0]`).
fn serde_path_to_error<T: serde::de::DeserializeOwned>(
    v: serde_json::Value,
) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let inner = e.inner().to_string();
        let path = e.path().to_string();
        // A missing field has no path of its own; serde names it in the message.
        let field = if path == "." {
            field_from_message(&inner).unwrap_or(path)
        } else {
            path
        };
        FieldError {
            field,
            reason: inner,
        }
    })
}

/// The field serde names in an "unknown field `x`" or "missing field `x`" message.
pub(crate) fn field_from_message(msg: &str) -> Option<String> {
    for pat in ["unknown field `", "missing field `"] {
        if let Some(i) = msg.find(pat) {
            let rest = &msg[i + pat.len()..];
            return rest.find('`').map(|j| rest[..j].to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"accountLinkingRequest": {
        "type": "AUTH_CODE",
        "authorizationUrl": "https://localhost:8443/oauth/authorize",
        "accessTokenUrl": "https://localhost:8443/oauth/token",
        "clientId": "alexa-skill", "clientSecret": "dev-secret",
        "accessTokenScheme": "HTTP_BASIC", "scopes": ["profile"], "domains": [],
        "defaultTokenExpirationInSeconds": 3600, "skipOnEnablement": "true",
        "redirectUrls": ["https://example.com/alexa/return"],
        "authorizationUrlsByPlatform": [{"platformType": "iOS", "platformAuthorizationUrl": "https://example.com/ios"}],
        "voiceForwardAccountLinking": "DISABLED"}}"#;

    #[test]
    fn parses_the_smapi_sample_wrapped_and_bare() {
        let a = AccountLinkingRequest::from_json(SAMPLE).unwrap();
        assert_eq!(a.access_token_scheme, Some(AccessTokenScheme::HttpBasic));
        assert!(a.skip_on_enablement);
        let inner: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        let bare = serde_json::to_string(&inner["accountLinkingRequest"]).unwrap();
        assert_eq!(AccountLinkingRequest::from_json(&bare).unwrap(), a);
    }

    #[test]
    fn auth_code_without_token_url_names_the_field() {
        let text = SAMPLE.replace(
            r#""accessTokenUrl": "https://localhost:8443/oauth/token","#,
            "",
        );
        let e = AccountLinkingRequest::from_json(&text).unwrap_err();
        assert_eq!(e.field, "accountLinkingRequest.accessTokenUrl");
        assert!(e.reason.contains("AUTH_CODE"));
    }

    #[test]
    fn unknown_scheme_is_refused() {
        let e =
            AccountLinkingRequest::from_json(&SAMPLE.replace("HTTP_BASIC", "DIGEST")).unwrap_err();
        assert_eq!(e.field, "accountLinkingRequest.accessTokenScheme", "{e}");
    }

    #[test]
    fn scope_with_space_is_refused() {
        let e = AccountLinkingRequest::from_json(
            &SAMPLE.replace(r#"["profile"]"#, r#"["profile email"]"#),
        )
        .unwrap_err();
        assert_eq!(e.field, "accountLinkingRequest.scopes[0]");
    }

    #[test]
    fn unknown_field_is_named() {
        let e = AccountLinkingRequest::from_json(&SAMPLE.replace("\"domains\"", "\"domain\""))
            .unwrap_err();
        assert_eq!(e.field, "accountLinkingRequest.domain");
    }
}
