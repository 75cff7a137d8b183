//! Driving the device without a person: the `--script` language (its parser), the headless
//! driver that turns frames into PNGs and waits on scenes, the executor that plays a script's
//! steps, and `run --headless` itself. Uses the device's public surface (`device::spawn`,
//! `DeviceInput`, `prepare`); the device never uses this module.
//!
//! Must not import: `cli`, `app`, `slint`.

mod driver;
mod exec;
mod headless;
pub mod parse;

pub use headless::run;
pub use parse::{Action, PhoneAction, Step, parse};
