//! OAuth 2.0 messages: RFC 6749 token responses and errors, RFC 8628 device
//! authorization, RFC 8414 server metadata.

/// What a 5xx from linkscreen's own services says (its `error_description` starts so) when its
/// database failed: the device shows a storage error, not "can't reach the server".
pub const STORAGE_ERROR: &str = "storage error";

use serde::{Deserialize, Serialize};

/// The grant type RFC 8628 §3.4 defines for polling.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// RFC 8628 §3.2 device authorization response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    /// RFC 8628 §3.2: when absent the client MUST use 5 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
}

impl DeviceAuthorization {
    /// The polling interval the client must use.
    pub fn interval_secs(&self) -> u64 {
        self.interval.unwrap_or(5)
    }
}

/// RFC 6749 §5.1 successful token response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// RFC 6749 §5.2 / RFC 8628 §3.5 error response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorResponse {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl ErrorResponse {
    pub fn new(error: &str, description: impl Into<Option<String>>) -> Self {
        Self {
            error: error.to_owned(),
            error_description: description.into(),
        }
    }
}

/// RFC 8414 authorization server metadata (the fields linkscreen uses).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ServerMetadata {
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_types_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code_challenge_methods_supported: Vec<String>,
    /// linkscreen extension: the token endpoint honours `Prefer: wait=N`
    /// (RFC 7240) on device-code polls and holds the request until the link
    /// completes or N seconds (at most the interval) pass.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub linkscreen_long_poll: bool,
    /// linkscreen extension: where the device asks for the stored link of a skill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkscreen_link_endpoint: Option<String>,
    /// linkscreen extension: where the device asks for the authorization URL of a pending
    /// code, to open the skill's sign-in page in its own browser ("Sign in using this device").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkscreen_sign_in_endpoint: Option<String>,
    /// linkscreen extension: voice-forward linking (`/code` sends a one-time code to the
    /// speaker's phone, `/verify` checks the spoken one and links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkscreen_voice_link_endpoint: Option<String>,
}
