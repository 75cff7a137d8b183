//! `linkscreen shoot`: renders scenes x devices x locales headless from fixed
//! fixture data (codes, URLs, names, clock), so the same inputs give the same
//! PNGs on any machine. Writes `OUT/<device>/<locale>/<scene>.png`,
//! `OUT/manifest.json` and the contact sheet `OUT/index.html`; compares with
//! goldens (`--check`), lints the layout, and renders in one process per core.
//!
//! Must not import: `device`, `script`, `cli`, `app` (shots render fixtures, never a running device).

pub mod apl;
pub mod compare;
mod fixtures;
mod golden;
pub mod lint;
mod merge;
pub mod report;
use report::finish;
pub mod sheet;
mod workers;

pub use crate::view::fixtures::fixture_model;
use fixtures::fixture_panel;
pub use fixtures::{FIXTURE_NOW, Subject, fixture, fixture_page, sign_in_html, subjects};

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{AppError, ErrorKind, Outcome};
use crate::flow::Scene;
use crate::locale;
use crate::protocol::viewport::{self, DeviceProfile};
use crate::view::{self, headless::Headless, model};

/// What `--check` found for one shot.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CheckResult {
    /// `pass`, `fail`, `missing` (no golden), `new` (a golden written where none was),
    /// `updated` (a golden rewritten) or `unchanged` (`--update all` found it identical).
    pub status: String,
    pub share: f64,
    pub expected: Option<String>,
    pub diff: Option<String>,
    /// Why the comparison could not count pixels (a golden of another size, and the device
    /// that size belongs to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
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
    /// Web images an APL shot drew as plain placeholders (offline; `--images DIR` draws them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offline_images: Vec<String>,
    /// The shot beside the reference image `--reference DIR` had for it (another renderer's
    /// pixels of the same document), side by side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
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
            apl: None,
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
    stage(hl, p, locale, subject);
    hl.render()
}

/// Puts one shot subject on the headless window, ready to draw.
/// The APL document's problems and offline images come back, with its snapshot (for
/// `--layout`).
fn stage(
    hl: &mut Headless,
    p: &DeviceProfile,
    locale: &str,
    subject: Subject,
) -> (apl::Staged, Option<std::sync::Arc<crate::apl::Snapshot>>) {
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
    let mut m = fixture_model(
        subject,
        p,
        locale,
        "Ride Hailer",
        // The sample skill's invocation name in this locale (katakana in Japanese).
        &crate::backend::skill::sample_invocation(&crate::config::Config::default().skill, locale),
        &crate::config::default_household(),
        sign_in_html(subject.scene, locale),
    );
    let mut staged = apl::stage(subject.apl, p, locale, &mut m);
    view::apply(&hl.app, p, scale, &m);
    // A component's onLayout runs once the view has laid it out (a few rounds at most, as
    // what it changes may move others).
    for _ in 0..4 {
        let Some(positions) = crate::view::apl::take_positions() else {
            break;
        };
        if !apl::laid_out(&mut staged, positions, &mut m) {
            break;
        }
        view::apply(&hl.app, p, scale, &m);
    }
    (staged, m.apl.clone())
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

/// `K/N` with `K` in `first..first + N`.
fn parse_shard(s: &str, first: usize) -> Option<(usize, usize)> {
    let (k, n) = s.split_once('/')?;
    let (k, n): (usize, usize) = (k.trim().parse().ok()?, n.trim().parse().ok()?);
    (n > 0 && k >= first && k < first + n).then(|| (k - first, n))
}

fn rel(base: &Path, p: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

fn fail(msg: impl std::fmt::Display) -> AppError {
    AppError::said(ErrorKind::Usage, msg)
}

/// Which goldens `--update` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UpdateMode {
    /// Only goldens that do not exist yet.
    Missing,
    /// Missing ones, and failing ones rewritten.
    Changed,
    /// Every golden.
    All,
}

impl UpdateMode {
    fn arg(self) -> &'static str {
        match self {
            UpdateMode::Missing => "missing",
            UpdateMode::Changed => "changed",
            UpdateMode::All => "all",
        }
    }
}

/// What `shoot` renders and checks (the command line's, as plain data).
#[derive(Clone)]
pub struct ShootPlan {
    pub scenes: String,
    pub locales: String,
    pub devices: String,
    pub out: PathBuf,
    pub check: Option<PathBuf>,
    pub tolerance: f64,
    pub pixel_threshold: u8,
    pub update: Option<UpdateMode>,
    pub strict: bool,
    pub jobs: Option<usize>,
    /// A CI machine's part of the matrix (`K/N`, K from 1).
    pub shard: Option<String>,
    /// A render worker (`K/N`: the K-th of N processes, K from 1), drawing the items its
    /// parent hands it on stdin: internal.
    pub worker: Option<String>,
    pub junit: Option<PathBuf>,
    /// Output directories of earlier `--shard` runs to join.
    pub merge: Vec<PathBuf>,
    /// Rectangles painted in one colour in both images before comparing.
    pub mask_regions: Vec<compare::Region>,
    /// APL documents (files or folders) shot as subjects.
    pub apl: Vec<PathBuf>,
    /// Folders an APL document's local images may come from besides its own.
    pub apl_images: Vec<PathBuf>,
    /// Write each APL shot's component tree with its bounds (`<scene>.layout.json`).
    pub layout: bool,
    /// A folder of Amazon's own APL package files, used in place of linkscreen's.
    pub apl_packages: Option<PathBuf>,
    /// Where web images are found offline (`--images DIR`).
    pub images: Option<PathBuf>,
    /// Another renderer's pixels of the same APL documents, to set beside the shots.
    pub reference: Option<PathBuf>,
    /// How long (ms) an APL shot waits at most for its onMount commands and animations.
    pub settle: u64,
}

type Work = (DeviceProfile, &'static str, Subject);

/// Renders (and checks) the items of `work` that `next` hands this process; `done` hears of
/// each shot. One thread: a second that encoded and wrote while the next shot was drawn
/// measured slower on two cores (they share the caches and the memory bus).
fn run_shard(
    a: &ShootPlan,
    work: &[Work],
    next: &mut dyn FnMut() -> Option<usize>,
    done: &dyn Fn(),
) -> Result<Vec<Shot>, String> {
    let mut window = None;
    let mut shots = vec![];
    while let Some((p, l, s)) = next().and_then(|i| work.get(i)) {
        let hl = match &mut window {
            Some(hl) => hl,
            None => window.insert(Headless::new(p.width, p.height).map_err(|e| e.to_string())?),
        };
        let (staged, snapshot) = stage(hl, p, l, *s);
        let img = hl.frame();
        if a.layout
            && let Some(tree) = snapshot.as_deref().and_then(crate::view::apl::layout_tree)
        {
            report::write_layout(a, p, l, *s, tree)?;
        }
        // The emulator shots are a whole window, not a screen: the lint is for screens.
        let warnings = match s.panel {
            // An APL document paints its own backgrounds: its lint is structural (its
            // problems, texts that do not fit, texts outside a round screen).
            None if s.apl.is_some() => apl::lint(staged.warnings, hl, p, l),
            None => {
                let mut w = lint::lint(&img, p);
                w.extend(lint::texts(&hl.clipped_texts(), l));
                w
            }
            Some(_) => vec![],
        };
        let mut shot = finish_shot(a, &img, p, l, *s, warnings)?;
        shot.offline_images = staged.offline_images;
        if let Some(dir) = a.reference.as_deref().filter(|_| s.apl.is_some()) {
            shot.reference = report::beside_reference(a, dir, &img, p, l, s.id)?;
        }
        shots.push(shot);
        drop(img);
        done();
    }
    Ok(shots)
}

/// Encodes, checks, hashes, lints and writes one rendered shot.
fn finish_shot(
    a: &ShootPlan,
    img: &image::RgbaImage,
    p: &DeviceProfile,
    l: &str,
    s: Subject,
    warnings: Vec<String>,
) -> Result<Shot, String> {
    let dir = a.out.join(p.id).join(l);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path: PathBuf = dir.join(format!("{}.png", s.id));
    let bytes = crate::view::headless::png(img);
    std::fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let check = match &a.check {
        None => None,
        Some(golden_dir) => Some(golden::check_one(a, golden_dir, p, l, s, img, &bytes)?),
    };
    Ok(Shot {
        scene: s.id.into(),
        device: p.id.into(),
        locale: l.to_string(),
        width: img.width(),
        height: img.height(),
        path: rel(&a.out, &path),
        sha256: hex::encode(Sha256::digest(&bytes)),
        warnings,
        offline_images: vec![],
        reference: None,
        check,
    })
}

fn child_args(a: &ShootPlan, k: usize, n: usize) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "shoot".into(),
        "--scenes".into(),
        a.scenes.clone(),
        "--locales".into(),
        a.locales.clone(),
        "--devices".into(),
        a.devices.clone(),
        "--out".into(),
        a.out.display().to_string(),
        "--tolerance".into(),
        a.tolerance.to_string(),
        "--pixel-threshold".into(),
        a.pixel_threshold.to_string(),
        "--worker".into(),
        format!("{k}/{n}"),
    ];
    if let Some(sh) = &a.shard {
        v.extend(["--shard".into(), sh.clone()]);
    }
    if let Some(c) = &a.check {
        v.extend(["--check".into(), c.display().to_string()]);
    }
    if let Some(u) = a.update {
        v.push(format!("--update={}", u.arg()));
    }
    for r in &a.mask_regions {
        v.push(format!("--mask-region={r}"));
    }
    // The files the documents came from, not the folders given: a worker reads the
    // documents, not every JSON file of a folder again (an ASK project's, a corpus's
    // reference layouts), and finds the same subjects in the same order.
    let mut sources: Vec<&Path> = apl::subjects().iter().map(|s| s.source.as_path()).collect();
    sources.dedup();
    for p in sources {
        v.extend(["--apl".into(), p.display().to_string()]);
    }
    for p in &a.apl_images {
        v.extend(["--apl-images".into(), p.display().to_string()]);
    }
    if a.layout {
        v.push("--layout".into());
    }
    if let Some(p) = &a.apl_packages {
        v.extend(["--apl-packages".into(), p.display().to_string()]);
    }
    if let Some(p) = &a.images {
        v.extend(["--images".into(), p.display().to_string()]);
    }
    if let Some(p) = &a.reference {
        v.extend(["--reference".into(), p.display().to_string()]);
    }
    v.extend(["--settle".into(), a.settle.to_string()]);
    v
}

/// Whether a folder holds any PNG, at any depth.
fn has_png(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.flatten().any(|e| {
            let p = e.path();
            if p.is_dir() {
                has_png(&p)
            } else {
                p.extension().is_some_and(|x| x == "png")
            }
        })
    })
}

/// The progress bar on stderr: drawn only when stderr is a terminal (indicatif hides it
/// otherwise), without colours.
fn progress(total: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} shots  {per_sec}  ETA {eta}")
    {
        bar.set_style(style.progress_chars("#>-"));
    }
    // Drawn at once (on a terminal), not only after the first shot.
    bar.tick();
    bar
}

pub fn shoot(a: ShootPlan) -> Outcome {
    if !a.merge.is_empty() {
        return merge::merge(&a);
    }
    apl::allow_images_from(&a.apl_images);
    apl::settle_for(a.settle);
    if let Some(dir) = &a.images {
        apl::web_images_from(dir).map_err(|e| fail(format!("--images {e}")))?;
    }
    if let Some(dir) = &a.apl_packages {
        let read = crate::apl::packages::use_folder(dir)
            .map_err(|e| fail(format!("--apl-packages {e}")))?;
        if a.worker.is_none() {
            eprintln!("APL packages from {}: {}", dir.display(), read.join(", "));
        }
    }
    // The scenes, then the APL documents of `--apl` (`--scenes apl`: only those).
    let mut all = subjects();
    let docs = if a.apl.is_empty() {
        &[][..]
    } else {
        let mut skipped = vec![];
        let docs = apl::load(&a.apl, &mut skipped);
        // Said once, by the process the user started (its workers load the same files), and
        // also when no document was left (a folder of broken documents says which they are).
        if a.worker.is_none() {
            for s in &skipped {
                eprintln!("warning: --apl: skipped {s}");
            }
        }
        docs.map_err(fail)?
    };
    for (i, d) in docs.iter().enumerate() {
        all.push(Subject {
            id: d.id,
            scene: crate::flow::Scene::SkillResponse,
            keyboard: false,
            panel: None,
            apl: Some(i as u16),
        });
    }
    let wanted = if a.scenes == "apl" {
        if docs.is_empty() {
            return Err(fail("--scenes apl: no --apl documents given"));
        }
        docs.iter().map(|d| d.id).collect::<Vec<_>>().join(",")
    } else {
        a.scenes.clone()
    };
    let scenes = pick(&wanted, &all, |s| s.id, "scenes").map_err(fail)?;
    let devices = pick(&a.devices, viewport::PROFILES, |p| p.id, "devices").map_err(fail)?;
    // `all` is every real locale; the pseudo-locales (en-XA, ar-XB) are asked for by name.
    let locales = if a.locales == "all" {
        locale::SUPPORTED.to_vec()
    } else {
        let known: Vec<&str> = locale::shootable().collect();
        pick(&a.locales, &known, |l| l, "locales").map_err(fail)?
    };
    let mut work: Vec<Work> = vec![];
    for p in &devices {
        for l in &locales {
            for s in &scenes {
                work.push((*p, l, *s));
            }
        }
    }
    // A CI machine's part of the matrix: every N-th item from the K-th.
    if let Some(sh) = &a.shard {
        let Some((k, n)) = parse_shard(sh, 1) else {
            return Err(fail(format!(
                "--shard: expected K/N with K from 1 to N, found {sh:?}"
            )));
        };
        work = work
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k)
            .map(|(_, w)| w)
            .collect();
    }
    if a.out.exists() && !a.out.is_dir() {
        return Err(fail(format!(
            "--out {}: is a file; give a folder (made if missing)",
            a.out.display()
        )));
    }
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        return Err(fail(format!("--out {}: {e}", a.out.display())));
    }

    // A worker: render what its parent hands it, say each shot, leave a partial manifest.
    if let Some(w) = &a.worker {
        let Some((k, _)) = parse_shard(w, 0) else {
            return Err(fail(format!("--worker: expected K/N, found {w:?}")));
        };
        let shots = run_shard(&a, &work, &mut workers::handed, &workers::drew).map_err(fail)?;
        return std::fs::write(
            a.out.join(format!(".manifest-shard-{k}.json")),
            serde_json::to_vec(&shots).expect("serializes"),
        )
        .map_err(fail);
    }
    if let Some(g) = &a.check
        && a.update.is_none()
        && !has_png(g)
    {
        return Err(fail(format!(
            "--check {}: no golden images there yet; run once with --update missing to create them",
            g.display()
        )));
    }

    let n = a
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .clamp(1, work.len().max(1));
    let exe = std::env::current_exe().map_err(fail)?;
    let bar = progress(work.len());
    let b = bar.clone();
    let mut shots = workers::share(
        &exe,
        n,
        work.len(),
        |k| child_args(&a, k, n),
        move || b.inc(1),
        |next| run_shard(&a, &work, next, &|| bar.inc(1)),
    )
    .map_err(fail)?;
    for k in 1..n {
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
    bar.finish_and_clear();
    finish(&a, shots)
}

#[cfg(test)]
mod tests;
