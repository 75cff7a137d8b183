//! APL documents as `shoot` subjects (`--apl PATH`): each document, with its datasources, is
//! drawn on the skill-response screen of every device and locale, checked against goldens and
//! linted like the built-in scenes — plus what is particular to APL: the document's own
//! problems (bindings that do not evaluate, unsupported components) and text outside a round
//! screen.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::apl::RenderDocument;
use crate::protocol::viewport::{DeviceProfile, Shape};

/// One document to shoot.
#[derive(Debug, Clone)]
pub struct AplSubject {
    /// `apl-<name>`: the shot's file name.
    pub id: &'static str,
    pub render: RenderDocument,
    pub source: PathBuf,
}

static LOADED: OnceLock<Vec<AplSubject>> = OnceLock::new();

/// The subjects loaded for this run (empty without `--apl`).
pub fn subjects() -> &'static [AplSubject] {
    LOADED.get().map(Vec::as_slice).unwrap_or(&[])
}

/// Loads the documents under `paths` once for the process. Files in a folder that could not be
/// read (not JSON, unreadable, a broken datasources file beside a document) are skipped and
/// named in `skipped` (the parent process says them once).
pub fn load(paths: &[PathBuf], skipped: &mut Vec<String>) -> Result<&'static [AplSubject], String> {
    if let Some(s) = LOADED.get() {
        return Ok(s);
    }
    let mut found = vec![];
    for p in paths {
        if p.is_dir() {
            let mut files = vec![];
            walk(p, &mut files, skipped);
            files.sort();
            let before = found.len();
            for f in files {
                match read(&f) {
                    Ok(s) => found.extend(s),
                    Err(e) => skipped.push(format!("{}: {e}", f.display())),
                }
            }
            if found.len() == before {
                return Err(format!(
                    "--apl {}: no APL documents there (JSON files with \"type\": \"APL\", or RenderDocument directives)",
                    p.display()
                ));
            }
        } else {
            match read(p) {
                Ok(s) if s.is_empty() => {
                    return Err(format!(
                        "--apl {}: not an APL document (\"type\" must be \"APL\"), a RenderDocument directive nor a list of subjects",
                        p.display()
                    ));
                }
                Ok(s) => found.extend(s),
                Err(e) => return Err(format!("--apl {}: {e}", p.display())),
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for s in &found {
        if !seen.insert(s.id) {
            return Err(format!(
                "--apl: two documents are both named {:?} ({}); rename one",
                s.id,
                s.source.display()
            ));
        }
    }
    Ok(LOADED.get_or_init(|| found))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, skipped: &mut Vec<String>) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            skipped.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "node_modules" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out, skipped);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// A file as subjects: an APL document (its datasources beside it), a directive, or a list of
/// subjects (none: the file is none of these).
fn read(path: &Path) -> Result<Vec<AplSubject>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let not_json = |e: serde_json::Error| format!("not JSON: {e}");
    // A document says "APL" and a list says "subjects", in those letters or in `\u` escapes:
    // a file that has none of them is only checked to be JSON, not built into a tree (a
    // folder's other JSON files, such as a project's reference layouts, cost most of a
    // run's start when each was).
    if !["APL", "subjects", "\\u"].iter().any(|w| text.contains(w)) {
        serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(not_json)?;
        return Ok(vec![]);
    }
    let v: Value = serde_json::from_str(&text).map_err(not_json)?;
    if let Some(list) = v.get("subjects").and_then(Value::as_array) {
        return list
            .iter()
            .enumerate()
            .map(|(i, s)| listed(path, i, s))
            .collect();
    }
    Ok(one(path, v)?.into_iter().collect())
}

/// One subject of a list file (`{"subjects": [{"name", "document", "datasources"}…]}`): the
/// document and datasources inline, or paths relative to the list file.
fn listed(list: &Path, i: usize, s: &Value) -> Result<AplSubject, String> {
    let at = |field: &str, why: String| format!("subjects[{i}].{field}: {why}");
    let name = s
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| at("name", "missing (each subject names its shot)".into()))?;
    let dir = list.parent().unwrap_or(Path::new("."));
    let load = |field: &str| -> Result<Option<Value>, String> {
        match s.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(rel)) => {
                let p = dir.join(rel);
                let t = std::fs::read_to_string(&p)
                    .map_err(|e| at(field, format!("{}: {e}", p.display())))?;
                serde_json::from_str(&t)
                    .map(Some)
                    .map_err(|e| at(field, format!("{}: not JSON: {e}", p.display())))
            }
            Some(v) => Ok(Some(v.clone())),
        }
    };
    let doc = load("document")?.ok_or_else(|| at("document", "missing".into()))?;
    // The document may be a directive (with its datasources) or a bare document.
    let (document, mut datasources) = match doc.get("document") {
        Some(d) => (d.clone(), doc.get("datasources").cloned()),
        None => (doc, None),
    };
    if document.get("type").and_then(Value::as_str) != Some("APL") {
        return Err(at(
            "document",
            "not an APL document (\"type\" must be \"APL\")".into(),
        ));
    }
    if let Some(d) = load("datasources")? {
        datasources = Some(d);
    }
    let mut subject = subject(list, document, datasources.unwrap_or(Value::Null));
    subject.id = Box::leak(format!("apl-{}", slug(name)).into_boxed_str());
    Ok(subject)
}

/// A file that is one document or directive.
fn one(path: &Path, mut v: Value) -> Result<Option<AplSubject>, String> {
    let (document, datasources) = if v.get("type").and_then(Value::as_str) == Some("APL") {
        (v, datasources_beside(path)?)
    } else if v
        .get("document")
        .and_then(|d| d.get("type"))
        .and_then(Value::as_str)
        == Some("APL")
    {
        (
            v["document"].take(),
            v.get_mut("datasources")
                .map(Value::take)
                .unwrap_or(Value::Null),
        )
    } else {
        return Ok(None);
    };
    Ok(Some(subject(path, document, datasources)))
}

fn subject(path: &Path, document: Value, datasources: Value) -> AplSubject {
    let token = document
        .get("token")
        .or(Some(&Value::Null))
        .and_then(Value::as_str)
        .unwrap_or("linkscreen-shot")
        .to_owned();
    let id: &'static str = Box::leak(format!("apl-{}", name_of(path)).into_boxed_str());
    AplSubject {
        id,
        render: RenderDocument {
            token,
            document,
            datasources,
        },
        source: path.to_owned(),
    }
}

/// A document's name: its file's stem, or its folder's for `document.json` (an ASK
/// project's `response/display/<name>/document.json`).
fn name_of(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = if stem == "document" {
        path.parent()
            .and_then(Path::file_name)
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or(stem)
    } else {
        stem
    };
    slug(&name)
}

/// A name as a file name: lower-case letters, digits and dashes.
fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The datasources of a document: `<stem>.datasources.json`, `datasources.json` or
/// `data.json` beside it, or (ASK projects) `datasources/default.json` in its folder.
fn datasources_beside(path: &Path) -> Result<Value, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for c in [
        dir.join(format!("{stem}.datasources.json")),
        dir.join("datasources.json"),
        dir.join("data.json"),
        dir.join("datasources").join("default.json"),
    ] {
        // One that is there but broken is said, not passed over for the next.
        if let Ok(t) = std::fs::read_to_string(&c) {
            return serde_json::from_str(&t)
                .map_err(|e| format!("its datasources {}: not JSON: {e}", c.display()));
        }
    }
    Ok(Value::Null)
}

/// Texts of a round screen whose ink reaches outside its circle (`ink`: x0, y0, x1, y1 in
/// pixels).
pub fn outside_round(ink: &[(String, [f32; 4])], p: &DeviceProfile) -> Vec<String> {
    if p.shape != Shape::Round {
        return vec![];
    }
    let r = p.width.min(p.height) as f32 / 2.0;
    let (cx, cy) = (p.width as f32 / 2.0, p.height as f32 / 2.0);
    // A pixel of slack for anti-aliased edges.
    let inside = |x: f32, y: f32| (x - cx).powi(2) + (y - cy).powi(2) <= (r + 1.0).powi(2);
    ink.iter()
        .filter(|(_, [x0, y0, x1, y1])| {
            ![(*x0, *y0), (*x1, *y0), (*x0, *y1), (*x1, *y1)]
                .iter()
                .all(|&(x, y)| inside(x, y))
        })
        .map(|(t, [x0, y0, x1, y1])| {
            format!(
                "APL text “{}” reaches outside the round screen ({:.0}×{:.0} at {:.0},{:.0})",
                t.trim(),
                x1 - x0,
                y1 - y0,
                x0,
                y0
            )
        })
        .collect()
}

/// The clipped texts that are not cut by a scrolling component on purpose (inside a box that
/// reaches past its scroller: it scrolls into view).
pub fn not_scrolled(
    clipped: Vec<crate::view::headless::ClippedText>,
    scrolled: &[[f32; 4]],
) -> Vec<crate::view::headless::ClippedText> {
    clipped
        .into_iter()
        .filter(|c| {
            !scrolled.iter().any(|b| {
                c.x >= b[0] - 1.0
                    && c.y >= b[1] - 1.0
                    && c.x + c.width <= b[2] + 1.0
                    && c.y + c.height <= b[3] + 1.0
            })
        })
        .collect()
}

/// The device clock APL documents see in shots (2026-01-01T12:00Z): `Time.*` and `localTime`
/// draw the same every run.
const APL_NOW: f64 = 1_767_268_800_000.0;

/// How long this process's APL shots wait at most for their documents to settle (`--settle`).
static SETTLE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

/// Sets `--settle` (once a process).
pub fn settle_for(ms: u64) {
    let _ = SETTLE.set(ms);
}

/// What staging an APL subject gives: the document's problems (the shot's first warnings)
/// and the web images it drew as placeholders (offline, not under `--images`).
#[derive(Default)]
pub struct Staged {
    pub warnings: Vec<String>,
    pub offline_images: Vec<String>,
    /// The screen, for what its layout runs ([`laid_out`]).
    pub screen: Option<crate::apl::Screen>,
}

/// After the view laid the document out: its components' `onLayout` commands run with where
/// they went, and the screen settles again; true when that changed what is drawn (the caller
/// shows the new snapshot in `m` and lays it out again).
pub fn laid_out(
    staged: &mut Staged,
    positions: crate::apl::bounds::Positions,
    m: &mut crate::view::UiModel,
) -> bool {
    let Some(screen) = staged.screen.as_mut() else {
        return false;
    };
    let before = screen.serial();
    screen.set_positions(positions);
    if screen.serial() == before {
        return false;
    }
    // What onLayout started settles too, within the same limit as the rest (ms after mount).
    let limit = SETTLE.get().copied().unwrap_or(crate::apl::SETTLE_MS);
    if limit > 0 {
        screen.settle(limit as f64);
    }
    staged.warnings.extend(
        screen
            .take_problems()
            .into_iter()
            .map(|pr| format!("{} at {}: {}", pr.kind, pr.path, pr.message)),
    );
    m.apl = Some(std::sync::Arc::new(screen.snapshot()));
    true
}

/// Puts the document of an APL subject (its index) on the screen model.
pub fn stage(
    apl: Option<u16>,
    p: &DeviceProfile,
    locale: &str,
    m: &mut crate::view::UiModel,
) -> Staged {
    let Some(doc) = apl.and_then(|i| subjects().get(i as usize)) else {
        return Staged::default();
    };
    let mut screen =
        crate::apl::Screen::new(&doc.render, crate::apl::Viewport::of(p, locale, APL_NOW));
    let mut refused = vec![];
    let mut offline_images = vec![];
    for src in screen.image_sources() {
        let state = local_image(&doc.source, &src);
        // An image that cannot load is the shot's warning (it shows as such); a web image
        // not fetched is listed in the manifest.
        match &state {
            crate::apl::ImageState::Failed(why) => refused.push(format!("image {src:?}: {why}")),
            crate::apl::ImageState::Offline => offline_images.push(src.clone()),
            crate::apl::ImageState::Loaded(bytes)
                if !matches!(
                    image::guess_format(bytes),
                    Ok(image::ImageFormat::Png | image::ImageFormat::Jpeg)
                ) =>
            {
                refused.push(format!("image {src:?}: the file is not a PNG or JPEG"))
            }
            _ => {}
        }
        screen.set_image(&src, state);
    }
    for src in screen.video_sources() {
        match video_frame(&doc.source, &src) {
            Some(state @ crate::apl::ImageState::Loaded(_)) => screen.set_image(&src, state),
            Some(crate::apl::ImageState::Failed(why)) => {
                refused.push(format!("video {src:?}: its frame {why}"))
            }
            // A web video with no frame: listed, as a web image is (`--images` can give one).
            _ if src.contains("://") && !src.starts_with("file:") => {
                offline_images.push(src.clone())
            }
            _ => {}
        }
    }
    // As a device shows it: its onMount commands run, and the shot waits (on the screen's own
    // clock, at once) for them and its animations to end, or for `--settle`.
    let limit = SETTLE.get().copied().unwrap_or(crate::apl::SETTLE_MS);
    if limit > 0 {
        screen.mount();
        screen.settle(limit as f64);
        // Whatever it said has been said by then: its highlight is gone.
        screen.end_karaoke();
    }
    m.apl = Some(std::sync::Arc::new(screen.snapshot()));
    let warnings = screen
        .take_problems()
        .into_iter()
        .map(|pr| format!("{} at {}: {}", pr.kind, pr.path, pr.message))
        .chain(refused)
        .collect();
    Staged {
        warnings,
        offline_images,
        screen: Some(screen),
    }
}

/// An APL shot's lint: a document paints its own backgrounds, so the lint is structural — the
/// document's problems, texts that do not fit (but for those a scroller cuts on purpose), and
/// texts outside a round screen.
pub fn lint(
    mut warnings: Vec<String>,
    hl: &crate::view::headless::Headless,
    p: &DeviceProfile,
    locale: &str,
) -> Vec<String> {
    let cut = not_scrolled(hl.clipped_texts(), &crate::view::apl::scrolled_boxes());
    warnings.extend(super::lint::texts(&cut, locale));
    warnings.extend(outside_round(&crate::view::apl::text_ink(&hl.app), p));
    warnings
}

/// Why a local image was not read.
const OUTSIDE: &str = "outside the document's folder (shoot --apl-images DIR allows another)";

/// Folders besides a document's own that its local images may come from (`--apl-images`).
static IMAGE_ROOTS: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();

/// Where a shot's web images are found offline (`--images DIR`), with `DIR/images.json`'s
/// map of address to file, if there is one.
static WEB_IMAGES: std::sync::OnceLock<(PathBuf, std::collections::HashMap<String, String>)> =
    std::sync::OnceLock::new();

/// Sets the folder of `--images` (once a process); a broken `images.json` is an error naming
/// it.
pub fn web_images_from(dir: &Path) -> Result<(), String> {
    let map_file = dir.join("images.json");
    let map = match std::fs::read_to_string(&map_file) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: {e} (expected a map of image address to file name)",
                map_file.display()
            )
        })?,
        Err(_) => std::collections::HashMap::new(),
    };
    if !dir.is_dir() {
        return Err(format!("{}: no such folder", dir.display()));
    }
    let _ = WEB_IMAGES.set((dir.to_path_buf(), map));
    Ok(())
}

/// A web image's file under `--images DIR`: the one `images.json` names for its address, else
/// the file named as the address's last part.
fn web_image(src: &str, u: &url::Url) -> Option<crate::apl::ImageState> {
    let (dir, map) = WEB_IMAGES.get()?;
    let (name, mapped) = match map.get(src) {
        Some(f) => (f.clone(), true),
        None => (u.path_segments()?.next_back()?.to_owned(), false),
    };
    let failed = |why: String| Some(crate::apl::ImageState::Failed(why));
    // A name, not a path: nothing outside the folder.
    if name.is_empty() || name.contains(['/', '\\']) || name == ".." {
        return if mapped {
            failed(format!(
                "images.json maps it to {name:?}: a file name in the folder, not a path, is expected"
            ))
        } else {
            None
        };
    }
    match std::fs::read(dir.join(&name)) {
        Ok(bytes) => Some(crate::apl::ImageState::Loaded(std::sync::Arc::new(bytes))),
        Err(_) if mapped => failed(format!(
            "images.json maps it to {name:?}, which is not in {}",
            dir.display()
        )),
        Err(_) => None,
    }
}

/// The pictures that stand for a video's frame: its name with these endings.
const FRAME_ENDINGS: [&str; 3] = ["png", "jpg", "jpeg"];

/// A Video's frame in a shot (linkscreen decodes no video): for a web video, the picture
/// `--images DIR/images.json` names for its address, else `DIR/NAME.png` (or `.jpg`) for a
/// video `…/NAME.mp4`; for a local video, the picture beside it named the same way. None when
/// there is none (the Video's box is black, as before a device plays it).
fn video_frame(document: &Path, src: &str) -> Option<crate::apl::ImageState> {
    use crate::apl::ImageState;
    let stem = |name: &str| name.rsplit_once('.').map_or(name, |(s, _)| s).to_owned();
    match url::Url::parse(src) {
        Ok(u) if u.scheme() != "file" => {
            let (dir, map) = WEB_IMAGES.get()?;
            if map.contains_key(src) {
                return web_image(src, &u);
            }
            let name = stem(u.path_segments()?.next_back()?);
            if name.is_empty() || name.contains(['\\']) || name.starts_with('.') {
                return None;
            }
            FRAME_ENDINGS.iter().find_map(|e| {
                let bytes = std::fs::read(dir.join(format!("{name}.{e}"))).ok()?;
                Some(ImageState::Loaded(std::sync::Arc::new(bytes)))
            })
        }
        _ => FRAME_ENDINGS.iter().find_map(|e| {
            let (path, _) = src.rsplit_once('.').unwrap_or((src, ""));
            match local_image(document, &format!("{path}.{e}")) {
                ImageState::Loaded(b) => Some(ImageState::Loaded(b)),
                // Refused (outside the folder): said, not searched further.
                ImageState::Failed(why) if why == OUTSIDE => Some(ImageState::Failed(why)),
                _ => None,
            }
        }),
    }
}

/// Sets the folders of `--apl-images` (once a process).
pub fn allow_images_from(dirs: &[PathBuf]) {
    let _ = IMAGE_ROOTS.set(dirs.iter().filter_map(|d| d.canonicalize().ok()).collect());
}

/// A shot's image: a file in the document's folder or below (a relative path or `file://`),
/// or under a folder of `--apl-images`; anything else on the machine is refused (a document
/// from elsewhere must not read `../../secret.png` into a shot). Images on the network are
/// not fetched, so a shot never depends on it.
fn local_image(document: &Path, src: &str) -> crate::apl::ImageState {
    use crate::apl::ImageState;
    // A bare file name's folder is "" (the working directory).
    let folder = document
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let path = match url::Url::parse(src) {
        Ok(u) if u.scheme() == "file" => u.to_file_path().ok(),
        Ok(u) => return web_image(src, &u).unwrap_or(ImageState::Offline),
        Err(_) => Some(folder.join(src)),
    };
    let Some(path) = path.and_then(|p| p.canonicalize().ok()) else {
        return ImageState::Failed("no such file".into());
    };
    let own = folder.canonicalize().ok();
    let allowed = own
        .iter()
        .chain(IMAGE_ROOTS.get().into_iter().flatten())
        .any(|root| path.starts_with(root));
    if !allowed {
        return ImageState::Failed(OUTSIDE.into());
    }
    match std::fs::read(&path) {
        Ok(b) => ImageState::Loaded(std::sync::Arc::new(b)),
        Err(_) => ImageState::Failed("no such file".into()),
    }
}
