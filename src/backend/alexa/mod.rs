//! What Amazon runs: the linking service towards the device (RFC 8628, stored links, voice-forward
//! codes), the Alexa app's pages on the phone (verification, redirect handler, skill pages, cards,
//! app-to-app Link), the household phone's session, Login with Amazon, the Skill Enablement API,
//! token exchanges with the skill's server and the conformance checks on what it sees.
//!
//! Imports `infra` and `protocol`; never `sample` (the sample app and server talk to Alexa over
//! HTTP, as a vendor's would).
//!
//! Must not import: `backend::sample` (a vendor's app talks to Alexa over HTTP), nor anything outside the backend but `protocol`, `config` and the leaves.

pub mod apl_conformance;
pub mod app_pages;
pub mod authorize;
pub mod conformance;
pub mod enablement;
pub mod exchange;
pub mod linking;
pub mod lwa;
pub mod phone;
pub mod polling;
