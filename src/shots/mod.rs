//! `linkscreen shoot`: renders scenes x devices x locales headless from fixed
//! fixture data (codes, URLs, names, clock), so the same inputs give the same
//! PNGs on any machine, and writes `OUT/<device>/<locale>/<scene>.png` plus a
//! `manifest.json`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::cli::{ShootArgs, exit};
use crate::flow::{LinkCode, Millis, Scene, SkillAnswer, State, Step};
use crate::locale::{self, tr};
use crate::protocol::viewport::{self, DeviceProfile};
use crate::view::{self, headless::Headless, model};

/// The fixed clock of every shot: 32 s after the code was issued.
pub const FIXTURE_NOW: Millis = 32_000;

/// The fixture state shown for a scene.
pub fn fixture(scene: Scene, locale: &str) -> State {
    match scene {
        Scene::Home => State::Home,
        Scene::Invoking => State::Invoking { token: None },
        Scene::LinkPrompt => State::Prompt {
            code: LinkCode {
                device_code: "fixture".into(),
                user_code: "WDJB-MJHT".into(),
                verification_uri: "http://127.0.0.1:8686/device".into(),
                verification_uri_complete: Some(
                    "http://127.0.0.1:8686/device?user_code=WDJB-MJHT".into(),
                ),
                expires_at: 600_000,
                interval_ms: 5_000,
            },
            skill_speech: None,
            epoch: 1,
        },
        Scene::Success => State::Success {
            until: FIXTURE_NOW + 2_000,
            token: "fixture".into(),
        },
        Scene::SkillResponse => State::SkillResponse(SkillAnswer {
            speech: Some(tr("skill.linked", locale, &[("name", "Annie")])),
            ..Default::default()
        }),
        Scene::CodeExpired => State::CodeExpired,
        Scene::AccessDenied => State::AccessDenied,
        Scene::ServerUnreachable => State::Unreachable {
            step: Step::Poll,
            reason: "http://127.0.0.1:8686/oauth/token: connection refused".into(),
            retry_at: FIXTURE_NOW + 4_000,
            attempt: 2,
            resume: None,
        },
        Scene::SkillError => State::SkillError {
            reason: "the skill's answer is not a response envelope: missing field `version`".into(),
        },
    }
}

/// One rendered shot.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shot {
    pub scene: &'static str,
    pub device: &'static str,
    pub locale: String,
    pub width: u32,
    pub height: u32,
    pub path: String,
    pub sha256: String,
    pub warnings: Vec<String>,
}

fn pick<T: Copy>(
    arg: &str,
    all: &[T],
    id: impl Fn(&T) -> &str,
    what: &str,
) -> Result<Vec<T>, String> {
    if arg == "all" {
        return Ok(all.to_vec());
    }
    arg.split(',')
        .map(|name| {
            all.iter()
                .copied()
                .find(|x| id(x) == name.trim())
                .ok_or_else(|| format!("--{what}: unknown {name:?}"))
        })
        .collect()
}

/// Renders the state of `scene` for a device and locale.
pub fn render(
    hl: &mut Headless,
    p: &DeviceProfile,
    locale: &str,
    scene: Scene,
) -> image::RgbaImage {
    view::set_profile(&hl.app, p, 1.0);
    hl.resize(p.width, p.height);
    let state = fixture(scene, locale);
    let m = model::build(
        scene,
        &state,
        FIXTURE_NOW,
        locale,
        "Ride Hailer",
        "ride hailer",
    );
    view::apply(&hl.app, p, 1.0, &m);
    hl.render()
}

pub fn shoot(a: ShootArgs) -> i32 {
    let scenes = match pick(&a.scenes, Scene::ALL, |s| s.id(), "scenes") {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let devices = match pick(&a.devices, viewport::PROFILES, |p| p.id, "devices") {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let locales = match pick(&a.locales, locale::SUPPORTED, |l| l, "locales") {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let mut hl = match Headless::new(devices[0].width, devices[0].height) {
        Ok(h) => h,
        Err(e) => return fail(e.to_string()),
    };
    let mut shots = vec![];
    for p in &devices {
        for l in &locales {
            let dir = a.out.join(p.id).join(l);
            if let Err(e) = std::fs::create_dir_all(&dir) {
                return fail(format!("{}: {e}", dir.display()));
            }
            for s in &scenes {
                let img = render(&mut hl, p, l, *s);
                let path: PathBuf = dir.join(format!("{}.png", s.id()));
                if let Err(e) = img.save(&path) {
                    return fail(format!("{}: {e}", path.display()));
                }
                shots.push(Shot {
                    scene: s.id(),
                    device: p.id,
                    locale: l.to_string(),
                    width: p.width,
                    height: p.height,
                    path: rel(&a.out, &path),
                    sha256: hex::encode(Sha256::digest(std::fs::read(&path).unwrap_or_default())),
                    warnings: vec![],
                });
            }
        }
    }
    let manifest = serde_json::to_string_pretty(&shots).expect("manifest serializes");
    if let Err(e) = std::fs::write(a.out.join("manifest.json"), manifest) {
        return fail(format!("manifest.json: {e}"));
    }
    println!("{} shots in {}", shots.len(), a.out.display());
    exit::OK
}

fn rel(base: &Path, p: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

fn fail(msg: impl std::fmt::Display) -> i32 {
    eprintln!("linkscreen: {msg}");
    exit::USAGE
}
