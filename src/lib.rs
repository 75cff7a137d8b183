//! linkscreen: an Alexa device-with-a-screen emulator for the account-linking
//! journey of a custom skill. See docs/design.md for the shape:
//! `flow` decides, `device` runs effects, `view` renders, `backend` serves.

rust_i18n::i18n!("locales", fallback = "en");

pub mod apl;
pub mod app;
pub mod backend;
pub mod cli;
pub mod clients;
pub mod config;
pub mod desktop;
pub mod device;
pub mod entropy;
pub mod error;
pub mod events;
pub mod faults;
pub mod findings;
pub mod flow;
pub mod locale;
pub mod plan;
pub mod project;
pub mod protocol;
pub mod script;
pub mod shots;
pub mod view;
