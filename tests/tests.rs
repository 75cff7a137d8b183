//! Integration tests, one binary (ripgrep's layout): real servers on loopback.

#[path = "it/util.rs"]
mod util;

#[path = "it/backend.rs"]
mod backend;

#[path = "it/journey.rs"]
mod journey;

#[path = "it/shots.rs"]
mod shots;

#[path = "it/apl_drawn.rs"]
mod apl_drawn;

#[path = "it/apl_finger.rs"]
mod apl_finger;

#[path = "it/signin.rs"]
mod signin;

#[path = "it/pages.rs"]
mod pages;

#[path = "it/project.rs"]
mod project;

#[path = "it/kiosk.rs"]
mod kiosk;
#[path = "it/xvfb.rs"]
mod xvfb;

#[path = "it/emulator.rs"]
mod emulator;

#[path = "it/voice.rs"]
mod voice;

#[path = "it/app_link.rs"]
mod app_link;

#[path = "it/first_run.rs"]
mod first_run;

#[path = "it/numbers.rs"]
mod numbers;

#[path = "it/security.rs"]
mod security;

#[path = "it/robust.rs"]
mod robust;

#[path = "it/session.rs"]
mod session;

#[path = "it/layout.rs"]
mod layout;

#[path = "it/handlers.rs"]
mod handlers;

#[path = "it/browser.rs"]
mod browser;

#[path = "it/phone_browser.rs"]
mod phone_browser;

#[path = "it/phone_refusals.rs"]
mod phone_refusals;

#[path = "it/phone_pages.rs"]
mod phone_pages;

#[path = "it/apl_oracle.rs"]
mod apl_oracle;
#[path = "it/ci_messages.rs"]
mod ci_messages;
#[path = "it/docs.rs"]
mod docs;
#[path = "it/hardening.rs"]
mod hardening;
#[path = "it/own_server.rs"]
mod own_server;
#[path = "it/ports.rs"]
mod ports;

#[path = "it/apl_time.rs"]
mod apl_time;

#[path = "it/apl_context.rs"]
mod apl_context;
