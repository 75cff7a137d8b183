//! Wire formats, as serde types: the ASK request/response envelope, the SMAPI
//! `accountLinkingRequest`, OAuth 2.0 / RFC 8628 / RFC 8414 messages and the
//! device viewport presets. No IO here: only shapes and their validation.
//!
//! Must not import: anything of the crate: wire formats are plain serde types.

pub mod account_linking;
pub mod ask;
pub mod oauth;
pub mod urls;
pub mod viewport;
