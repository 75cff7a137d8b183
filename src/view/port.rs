//! What the window's adapters need from outside the view, as traits the composition root
//! (`app::window`) implements: [`Controls`] drives the running device, [`PanelHost`] answers
//! the emulator panel's questions about the embedded services. The view calls these and never
//! imports the device runtime or the backend.
//!
//! Must not import: `device`, `backend`, `clients` (beyond page data), `app`, `cli`.

use super::model::UiModel;
use super::signin::Msg;
use crate::faults::Fault;
use crate::findings::Finding;
use crate::flow::Event;
use crate::protocol::viewport::DeviceProfile;

/// The designer's emulator switches these while the device runs; `None` keeps the current.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub profile: Option<DeviceProfile>,
    pub locale: Option<String>,
    /// `Some(None)`: nobody recognized.
    pub speaker: Option<Option<String>>,
}

/// Input to the running device from the window: taps, keys, words, the panel's switches.
pub trait Controls {
    /// An event for the flow (a button on the screen, a profile picked).
    fn send(&self, e: Event);
    /// Input for the device's own browser (the login, terms and consent scenes).
    fn browse(&self, m: Msg);
    /// Words said to the device (the utterance bar).
    fn say(&self, text: &str);
    /// Switches the device profile, locale or recognized speaker.
    fn configure(&self, s: Settings);
    /// Unlinks everything and goes home.
    fn reset(&self);
    /// Switches a fault on or off.
    fn fault(&self, f: Fault, on: bool);
    /// A touch on the skill's APL screen: the component (uid) that takes it.
    fn apl_press(&self, uid: usize);
    /// The remote or keyboard on the APL screen: `next`, `prev` or `press`.
    fn apl_key(&self, key: &str);
    /// A scrolling component of the APL screen moved (uid, offset in dp).
    fn apl_scroll(&self, uid: usize, offset: f32, extent: f32);
    /// A swipe turned a Pager's page (uid, +1 next, -1 before).
    fn apl_page(&self, uid: usize, by: i32);
    /// A finger down on a touch target of the APL screen (uid), or up (None): drawn pressed.
    fn apl_pressing(&self, uid: Option<usize>);
    /// A finger on a touch target of the APL screen that hears its every move (uid): what it
    /// did and where, as a fraction of the target's width and height.
    fn apl_pointer(&self, uid: usize, phase: crate::apl::Pointer, at: (f32, f32));
    /// A key typed into the APL screen's text field that has the keyboard.
    fn apl_type(&self, key: &str);
    /// Where the APL screen's components with an id were laid out (for the visual context).
    fn apl_laid_out(&self, positions: crate::apl::bounds::Positions);
}

/// What the emulator panel asks of the embedded services.
pub trait PanelHost {
    /// What the phone opens now: the QR code's URL, the Activity page with the one-time
    /// code, or the Alexa app's skill page (through a one-time pairing link).
    fn phone_url(&self) -> String;
    /// The one-time code sent to the phone in the voice-forward dialog on screen.
    fn one_time_code(&self) -> Option<String>;
    /// Every fault: whether it is on, and whether it applies to this run (the sample
    /// server's faults need the sample server).
    fn faults(&self) -> Vec<(Fault, bool, bool)>;
    fn findings(&self) -> Vec<Finding>;
    /// The scenes the panel can preview, by id, in order.
    fn scenes(&self) -> Vec<&'static str>;
    /// The screen of a previewed scene.
    fn preview(&self, scene: &str, p: &DeviceProfile, locale: &str) -> Option<UiModel>;
}
