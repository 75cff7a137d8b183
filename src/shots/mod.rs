//! `linkscreen shoot`: renders scenes x devices x locales headless from fixed
//! fixture data (codes, URLs, names, clock), so the same inputs give the same
//! PNGs on any machine. Writes `OUT/<device>/<locale>/<scene>.png`,
//! `OUT/manifest.json` and the contact sheet `OUT/index.html`; compares with
//! goldens (`--check`), lints the layout, and renders in one process per core.
//!
//! Must not import: `device`, `script`, `cli`, `app` (shots render fixtures, never a running device).

pub mod compare;
mod fixtures;
pub mod lint;
pub mod sheet;

pub use crate::view::fixtures::fixture_model;
use fixtures::fixture_panel;
pub use fixtures::{FIXTURE_NOW, Subject, fixture, fixture_page, sign_in_html, subjects};

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{AppError, ErrorKind, Outcome};
use crate::flow::Scene;
use crate::locale;
use crate::protocol::viewport::{self, DeviceProfile};
use crate::view::{self, headless::Headless, model};

/// What `--check` found for one shot.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CheckResult {
    /// `pass`, `fail`, `missing` or `updated`.
    pub status: String,
    pub share: f64,
    pub expected: Option<String>,
    pub diff: Option<String>,
}

/// One rendered shot, as listed in `manifest.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Shot {
    pub scene: String,
    pub device: String,
    pub locale: String,
    pub width: u32,
    pub height: u32,
    pub path: String,
    pub sha256: String,
    pub warnings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckResult>,
}

/// Renders one scene of the fixture journey for a device and locale: the
/// library entry point for users' own tests (one [`Headless`] per process).
///
/// ```no_run
/// use linkscreen::{flow::Scene, protocol::viewport, shots, view::headless::Headless};
/// let p = viewport::profile("echo-show-5").unwrap();
/// let mut hl = Headless::new(p.width, p.height).unwrap();
/// let img = shots::render(&mut hl, p, "de-DE", Scene::LinkPrompt);
/// img.save("link-prompt.png").unwrap();
/// ```
pub fn render(
    hl: &mut Headless,
    p: &DeviceProfile,
    locale: &str,
    scene: Scene,
) -> image::RgbaImage {
    render_subject(
        hl,
        p,
        locale,
        Subject {
            id: scene.id(),
            scene,
            keyboard: false,
            panel: None,
        },
    )
}

/// Renders one shot subject (a scene, or the keyboard shot).
pub fn render_subject(
    hl: &mut Headless,
    p: &DeviceProfile,
    locale: &str,
    subject: Subject,
) -> image::RgbaImage {
    use crate::view::emulator;
    let scale = match subject.panel {
        Some(tab) => {
            let s = emulator::default_scale(p);
            let (w, h) = emulator::window_size(p, s);
            hl.resize(w, h);
            emulator::apply_panel(&hl.app, &fixture_panel(p, locale, tab));
            s
        }
        None => {
            emulator::hide_panel(&hl.app);
            hl.resize(p.width, p.height);
            1.0
        }
    };
    view::set_profile(&hl.app, p, scale);
    let m = fixture_model(
        subject,
        p,
        locale,
        "Ride Hailer",
        "ride hailer",
        &crate::config::default_household(),
        sign_in_html(subject.scene),
    );
    view::apply(&hl.app, p, scale, &m);
    hl.render()
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
                .ok_or_else(|| {
                    format!("--{what}: unknown {name:?}; `linkscreen {what}` lists them")
                })
        })
        .collect()
}

fn parse_shard(s: &str) -> Option<(usize, usize)> {
    let (k, n) = s.split_once('/')?;
    let (k, n) = (k.parse().ok()?, n.parse().ok()?);
    (k < n).then_some((k, n))
}

fn rel(base: &Path, p: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

fn fail(msg: impl std::fmt::Display) -> AppError {
    AppError::said(ErrorKind::Usage, msg)
}

/// What `shoot` renders and checks (the command line's, as plain data).
pub struct ShootPlan {
    pub scenes: String,
    pub locales: String,
    pub devices: String,
    pub out: PathBuf,
    pub check: Option<PathBuf>,
    pub tolerance: f64,
    pub update: bool,
    pub strict: bool,
    pub jobs: Option<usize>,
    pub shard: Option<String>,
}

type Work = (DeviceProfile, &'static str, Subject);

/// Renders (and checks) the items of one shard.
fn run_shard(a: &ShootPlan, work: &[Work]) -> Result<Vec<Shot>, String> {
    let Some(first) = work.first() else {
        return Ok(vec![]);
    };
    let mut hl = Headless::new(first.0.width, first.0.height).map_err(|e| e.to_string())?;
    let mut shots = vec![];
    for (p, l, s) in work {
        let dir = a.out.join(p.id).join(l);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let img = render_subject(&mut hl, p, l, *s);
        let path: PathBuf = dir.join(format!("{}.png", s.id));
        let bytes = crate::view::headless::png(&img);
        std::fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let check = match &a.check {
            None => None,
            Some(golden_dir) => Some(check_one(a, golden_dir, p, l, *s, &img, &path)?),
        };
        shots.push(Shot {
            scene: s.id.into(),
            device: p.id.into(),
            locale: l.to_string(),
            width: img.width(),
            height: img.height(),
            path: rel(&a.out, &path),
            sha256: hex::encode(Sha256::digest(&bytes)),
            // The emulator shots are a whole window, not a screen: the edge lint is for screens.
            warnings: match s.panel {
                None => lint::lint(&img, p),
                Some(_) => vec![],
            },
            check,
        });
    }
    Ok(shots)
}

fn check_one(
    a: &ShootPlan,
    golden_dir: &Path,
    p: &DeviceProfile,
    l: &str,
    s: Subject,
    img: &image::RgbaImage,
    actual: &Path,
) -> Result<CheckResult, String> {
    let golden = golden_dir.join(p.id).join(l).join(format!("{}.png", s.id));
    if a.update {
        if let Some(d) = golden.parent() {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        std::fs::copy(actual, &golden).map_err(|e| format!("{}: {e}", golden.display()))?;
        return Ok(CheckResult {
            status: "updated".into(),
            share: 0.0,
            expected: None,
            diff: None,
        });
    }
    let expected = match image::open(&golden) {
        Ok(i) => i.to_rgba8(),
        Err(_) => {
            return Ok(CheckResult {
                status: "missing".into(),
                share: 1.0,
                expected: None,
                diff: None,
            });
        }
    };
    let (c, diff) = compare::compare(img, &expected);
    if c.passes(a.tolerance) {
        return Ok(CheckResult {
            status: "pass".into(),
            share: c.share(),
            expected: None,
            diff: None,
        });
    }
    let fdir = a.out.join("failures").join(p.id).join(l);
    std::fs::create_dir_all(&fdir).map_err(|e| format!("{}: {e}", fdir.display()))?;
    let (ep, dp, ap) = (
        fdir.join(format!("{}.expected.png", s.id)),
        fdir.join(format!("{}.diff.png", s.id)),
        fdir.join(format!("{}.actual.png", s.id)),
    );
    expected.save(&ep).map_err(|e| e.to_string())?;
    diff.save(&dp).map_err(|e| e.to_string())?;
    std::fs::copy(actual, &ap).map_err(|e| e.to_string())?;
    Ok(CheckResult {
        status: "fail".into(),
        share: c.share(),
        expected: Some(rel(&a.out, &ep)),
        diff: Some(rel(&a.out, &dp)),
    })
}

fn child_args(a: &ShootPlan, k: usize, n: usize) -> Vec<String> {
    let mut v = vec![
        "shoot".into(),
        "--scenes".into(),
        a.scenes.clone(),
        "--locales".into(),
        a.locales.clone(),
        "--devices".into(),
        a.devices.clone(),
    ];
    v.extend([
        "--out".into(),
        a.out.display().to_string(),
        "--tolerance".into(),
        a.tolerance.to_string(),
        "--shard".into(),
        format!("{k}/{n}"),
    ]);
    if let Some(c) = &a.check {
        v.extend(["--check".into(), c.display().to_string()]);
    }
    if a.update {
        v.push("--update".into());
    }
    v
}

pub fn shoot(a: ShootPlan) -> Outcome {
    let scenes = match pick(&a.scenes, &subjects(), |s| s.id, "scenes") {
        Ok(s) => s,
        Err(e) => return Err(fail(e)),
    };
    let devices = match pick(&a.devices, viewport::PROFILES, |p| p.id, "devices") {
        Ok(d) => d,
        Err(e) => return Err(fail(e)),
    };
    let locales = match pick(&a.locales, locale::SUPPORTED, |l| l, "locales") {
        Ok(l) => l,
        Err(e) => return Err(fail(e)),
    };
    let mut work: Vec<Work> = vec![];
    for p in &devices {
        for l in &locales {
            for s in &scenes {
                work.push((*p, l, *s));
            }
        }
    }
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        return Err(fail(format!("--out {}: {e}", a.out.display())));
    }

    // A worker: render its shard, leave a partial manifest for the parent.
    if let Some(sh) = &a.shard {
        let Some((k, n)) = parse_shard(sh) else {
            return Err(fail(format!("--shard: expected K/N, found {sh:?}")));
        };
        let mine: Vec<Work> = work
            .iter()
            .enumerate()
            .filter(|(i, _)| i % n == k)
            .map(|(_, w)| *w)
            .collect();
        return match run_shard(&a, &mine) {
            Ok(shots) => match std::fs::write(
                a.out.join(format!(".manifest-shard-{k}.json")),
                serde_json::to_vec(&shots).expect("serializes"),
            ) {
                Ok(()) => Ok(()),
                Err(e) => Err(fail(e)),
            },
            Err(e) => Err(fail(e)),
        };
    }

    let n = a
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .clamp(1, work.len().max(1));
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return Err(fail(e)),
    };
    let mut children = vec![];
    for k in 1..n {
        match Command::new(&exe).args(child_args(&a, k, n)).spawn() {
            Ok(c) => children.push((k, c)),
            Err(e) => return Err(fail(format!("cannot start a render worker: {e}"))),
        }
    }
    let mine: Vec<Work> = work
        .iter()
        .enumerate()
        .filter(|(i, _)| i % n == 0)
        .map(|(_, w)| *w)
        .collect();
    let mut shots = match run_shard(&a, &mine) {
        Ok(s) => s,
        Err(e) => return Err(fail(e)),
    };
    for (k, mut c) in children {
        match c.wait() {
            Ok(st) if st.success() => {}
            Ok(st) => return Err(fail(format!("render worker {k} failed ({st})"))),
            Err(e) => return Err(fail(e)),
        }
        let part = a.out.join(format!(".manifest-shard-{k}.json"));
        match std::fs::read(&part)
            .ok()
            .and_then(|b| serde_json::from_slice::<Vec<Shot>>(&b).ok())
        {
            Some(s) => shots.extend(s),
            None => return Err(fail(format!("render worker {k} left no manifest"))),
        }
        let _ = std::fs::remove_file(part);
    }
    let order = |s: &Shot| {
        (
            viewport::PROFILES.iter().position(|p| p.id == s.device),
            locale::SUPPORTED.iter().position(|l| *l == s.locale),
            subjects().iter().position(|x| x.id == s.scene),
        )
    };
    shots.sort_by_key(order);

    if let Err(e) = std::fs::write(
        a.out.join("manifest.json"),
        serde_json::to_string_pretty(&shots).expect("serializes"),
    ) {
        return Err(fail(format!("manifest.json: {e}")));
    }
    if let Err(e) = std::fs::write(a.out.join("index.html"), sheet::render(&shots)) {
        return Err(fail(format!("index.html: {e}")));
    }
    let mut warnings = 0;
    for s in &shots {
        for w in &s.warnings {
            eprintln!("warning: {}/{}/{}: {w}", s.device, s.locale, s.scene);
            warnings += 1;
        }
    }
    let failed: Vec<&Shot> = shots
        .iter()
        .filter(|s| {
            s.check
                .as_ref()
                .is_some_and(|c| c.status == "fail" || c.status == "missing")
        })
        .collect();
    for s in &failed {
        let c = s.check.as_ref().expect("checked");
        eprintln!(
            "{}: {}/{}/{} ({:.3}% of pixels differ)",
            c.status,
            s.device,
            s.locale,
            s.scene,
            c.share * 100.0
        );
    }
    println!(
        "{} shots, {} warnings{} -> {}",
        shots.len(),
        warnings,
        if a.check.is_some() {
            format!(", {} differ from the goldens", failed.len())
        } else {
            String::new()
        },
        a.out.join("index.html").display()
    );
    if !failed.is_empty() || (a.strict && warnings > 0) {
        Err(AppError::reported(ErrorKind::Check))
    } else {
        Ok(())
    }
}
