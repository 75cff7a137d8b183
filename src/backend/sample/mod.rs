//! What a skill vendor runs, as a sample: the Ride Hailer authorization server, the Ride Hailer
//! app on the phone (app-to-app linking from the app) and the Ride Hailer skill. Imports `infra`
//! and `protocol`; talks to the emulated Alexa (`alexa`) over HTTP only, as a vendor's would.
//!
//! Must not import: anything outside the backend but `protocol`, `config`, `project` and the leaves.

pub mod auth_server;
pub mod rh_app;
pub mod skill;

use crate::protocol::account_linking::{AccessTokenScheme, AccountLinkingRequest, GrantType};
use auth_server::SAMPLE_CLIENT_ID;

/// The sample server's account-linking configuration: its login pages at `public` (where a
/// phone reaches them), its token endpoint at `base` (Alexa's side, on this machine).
pub fn sample_account_linking(public: &str, base: &str, secret: &str) -> AccountLinkingRequest {
    AccountLinkingRequest {
        grant_type: GrantType::AuthCode,
        authorization_url: format!("{public}/ridehailer/oauth/authorize"),
        domains: vec![],
        client_id: SAMPLE_CLIENT_ID.into(),
        scopes: vec!["profile".into(), "rides".into()],
        access_token_url: Some(format!("{base}/ridehailer/oauth/token")),
        client_secret: Some(secret.into()),
        access_token_scheme: Some(AccessTokenScheme::HttpBasic),
        default_token_expiration_in_seconds: Some(3600),
        reciprocal_access_token_url: None,
        redirect_urls: vec![],
        authorization_urls_by_platform: vec![],
        skip_on_enablement: false,
        voice_forward_account_linking: Some("DISABLED".into()),
        pkce: true,
    }
}
