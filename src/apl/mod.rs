//! APL, the skill's screen: a `RenderDocument` directive becomes a [`Screen`] — the document
//! parsed ([`doc`]), bound to its datasources and inflated ([`inflate`], expressions in
//! [`expr`]), laid out with a flexbox engine and flattened into boxes, texts and images
//! ([`layout`]) that the view draws. Touches and `ExecuteCommands` run APL commands here;
//! what reaches the outside world (a `UserEvent` to the skill, an URL to open) comes back as
//! [`Outcome`]s. Pure: no Slint, no IO, no clock (the time is the caller's).
//!
//! The files are layered without a circle (see `docs/design.md`): values and expressions,
//! the document and its scope, the component tree (`node`) and the primitives, inflation,
//! layout, the snapshot, then the screen and its behaviour. This file is only the folder's
//! face: the files import each other, never it.
//!
//! Must not import: `view`, `device`, `backend`, `clients`, `shots`, `app`, `cli`.

mod affine;
mod animate;
mod avg;
pub mod bounds;
mod children;
mod clock;
mod commands;
pub mod doc;
pub mod draw;
pub mod easing;
pub mod edit;
#[cfg(test)]
mod engine_tests;
mod expand;
pub mod expr;
mod functions;
pub mod inflate;
mod insert;
pub mod layout;
mod lex;
mod media;
mod node;
pub mod packages;
mod pointer;
#[cfg(test)]
mod pointer_tests;
mod primitives;
mod problem;
mod props;
mod queries;
mod rebind;
mod rich;
pub mod scope;
mod screen;
mod snapshot;
mod speech;
#[cfg(test)]
mod state_tests;
mod style;
#[cfg(test)]
mod tests;
mod timeline;
pub mod transform;
mod tree;
mod turn;
mod value;

pub use doc::{APL_VERSION, Directives, ExecuteCommands, RenderDocument};
pub use node::{Kind, LiveState, Node};
pub use pointer::Pointer;
pub use primitives::{Gradient, Measure, Paint, Prim, Rgba, TextStyle};
pub use problem::{ImageState, Images, Outcome, Problem};
pub use queries::image_source;
pub use scope::Viewport;
pub use screen::Screen;
pub use snapshot::Snapshot;
pub use speech::speaking_ms;
pub use tree::Kept;
pub use turn::svg as turned_svg;

/// How long a shot waits at most for a document's onMount commands and animations to settle
/// by default (ms): Amazon's samples fade in over 1 to 2 s, and a slide show's pages wait
/// longer.
pub const SETTLE_MS: u64 = 5000;
