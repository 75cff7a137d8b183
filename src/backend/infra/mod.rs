//! What every part of the backend stands on: the shared state, the SQLite store and its key
//! file, forms, HTML, errors, hashing, rate limits, long-poll waiters, findings and faults as
//! data. Imports neither `alexa` nor `sample`.
//!
//! Must not import: `backend::alexa`, `backend::sample` (infra is what they stand on).

pub mod crypto;
pub mod error;
pub mod form;
pub mod html;
pub mod limits;
pub mod pace;
pub mod serve;
pub mod session;
pub mod state;
pub mod store;
pub mod vault;
pub mod waiters;
