//! Device profiles and the `context.Viewport` each one reports (docs/design.md "Wire formats" §6).

use serde::Serialize;

/// Shape of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Shape {
    Rectangle,
    Round,
}

/// An emulated device with a screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeviceProfile {
    /// CLI name, e.g. `echo-show-5`.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub dpi: u32,
    pub shape: Shape,
    /// `HUB` or `TV`.
    pub mode: &'static str,
    pub touch: bool,
}

/// Every profile linkscreen knows, in the order `linkscreen devices` lists them.
pub const PROFILES: &[DeviceProfile] = &[
    DeviceProfile {
        id: "echo-spot",
        name: "Echo Spot",
        width: 480,
        height: 480,
        dpi: 160,
        shape: Shape::Round,
        mode: "HUB",
        touch: true,
    },
    DeviceProfile {
        id: "echo-show-5",
        name: "Echo Show 5",
        width: 960,
        height: 480,
        dpi: 160,
        shape: Shape::Rectangle,
        mode: "HUB",
        touch: true,
    },
    DeviceProfile {
        id: "echo-show-8",
        name: "Echo Show 8",
        width: 1280,
        height: 800,
        // Amazon's authoring tool lists Echo Show 8 as 960×600 dp at 213 dpi (1280×800 px,
        // hubLandscapeMedium); the Echo Show 10 is 1280×800 dp at 160.
        dpi: 213,
        shape: Shape::Rectangle,
        mode: "HUB",
        touch: true,
    },
    DeviceProfile {
        id: "echo-show-10",
        name: "Echo Show 10",
        width: 1280,
        height: 800,
        dpi: 160,
        shape: Shape::Rectangle,
        mode: "HUB",
        touch: true,
    },
    DeviceProfile {
        id: "echo-show-15",
        name: "Echo Show 15",
        width: 1920,
        height: 1080,
        dpi: 160,
        shape: Shape::Rectangle,
        mode: "HUB",
        touch: true,
    },
    DeviceProfile {
        id: "fire-tv",
        name: "Fire TV",
        width: 1920,
        height: 1080,
        dpi: 320,
        shape: Shape::Rectangle,
        mode: "TV",
        touch: false,
    },
];

/// The default profile when `--device` is not given.
pub const DEFAULT_PROFILE: &str = "echo-show-8";

/// Looks a profile up by its CLI name.
pub fn profile(id: &str) -> Option<&'static DeviceProfile> {
    PROFILES.iter().find(|p| p.id == id)
}

impl DeviceProfile {
    /// The `context.Viewport` object of an ASK request from this device.
    pub fn viewport_json(&self) -> serde_json::Value {
        // Arc-minutes follow the captured Echo Show request (246x144 at 1024x600 @160dpi),
        // scaled by pixel size and density.
        let arc = |px: u32| ((px as f64) * 246.0 / 1024.0 * 160.0 / self.dpi as f64).round() as u32;
        let mut v = serde_json::json!({
            "experiences": [{
                "arcMinuteWidth": arc(self.width),
                "arcMinuteHeight": arc(self.height),
                "canRotate": false,
                "canResize": false
            }],
            "mode": self.mode,
            "shape": self.shape,
            "pixelWidth": self.width,
            "pixelHeight": self.height,
            "dpi": self.dpi,
            "currentPixelWidth": self.width,
            "currentPixelHeight": self.height,
            "keyboard": ["DIRECTION"],
            "video": { "codecs": ["H_264_42", "H_264_41"] }
        });
        v["touch"] = if self.touch {
            serde_json::json!(["SINGLE"])
        } else {
            serde_json::json!([])
        };
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fire_tv_is_a_tv_viewport_with_high_dpi() {
        let v = profile("fire-tv").unwrap().viewport_json();
        assert_eq!(v["mode"], "TV");
        assert!(
            v["dpi"].as_u64().unwrap() >= 241,
            "TV_LANDSCAPE_XLARGE needs dpi >= HIGH"
        );
        assert_eq!(v["touch"], serde_json::json!([]));
    }

    #[test]
    fn echo_spot_is_round_and_small() {
        let v = profile("echo-spot").unwrap().viewport_json();
        assert_eq!(v["shape"], "ROUND");
        assert!(v["pixelWidth"].as_u64().unwrap() < 600);
    }

    #[test]
    fn ids_are_unique() {
        for (i, p) in PROFILES.iter().enumerate() {
            assert!(PROFILES[i + 1..].iter().all(|q| q.id != p.id));
        }
    }
}
