//! What a `shoot` run tells CI: the manifest (a summary and every shot), and a JUnit XML
//! report (one testcase per shot, failures naming the diff) written with `quick-junit`.

use std::path::Path;

use super::{ShootPlan, Shot, fail, sheet, subjects};
use crate::error::{AppError, ErrorKind, Outcome};
use crate::locale;
use crate::protocol::viewport;

/// The manifest's top-level summary: counts by check status and the thresholds in force.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub shots: usize,
    /// Matched their golden.
    pub passed: usize,
    /// Differed from their golden, or had none (`--check` without `--update missing`).
    pub failed: usize,
    /// Goldens written because none existed (`--update missing` or `changed`).
    pub new: usize,
    /// Goldens rewritten (`--update changed` for a failing shot, or `--update all`).
    pub updated: usize,
    /// Goldens `--update all` left as they were: already these pixels.
    #[serde(default)]
    pub unchanged: usize,
    /// Layout warnings.
    pub warnings: usize,
    /// Share of pixels allowed to differ, and the per-channel distance that makes a pixel
    /// differ (absent without `--check`).
    pub tolerance: Option<f64>,
    pub pixel_threshold: Option<u8>,
    /// `--mask-region` rectangles (X,Y,W,H) painted over both images before comparing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mask_regions: Vec<String>,
}

/// `manifest.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub summary: Summary,
    pub shots: Vec<Shot>,
}

impl Summary {
    pub fn of(
        shots: &[Shot],
        thresholds: Option<(f64, u8)>,
        masks: &[crate::shots::compare::Region],
    ) -> Summary {
        let count = |st: &str| {
            shots
                .iter()
                .filter(|s| s.check.as_ref().is_some_and(|c| c.status == st))
                .count()
        };
        Summary {
            shots: shots.len(),
            passed: count("pass"),
            failed: count("fail") + count("missing"),
            new: count("new"),
            updated: count("updated"),
            unchanged: count("unchanged"),
            warnings: shots.iter().map(|s| s.warnings.len()).sum(),
            tolerance: thresholds.map(|t| t.0),
            pixel_threshold: thresholds.map(|t| t.1),
            mask_regions: masks.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Writes the JUnit XML report: a testsuite per device, a testcase per shot
/// (`<locale>/<scene>`); a failed check is a `<failure>` naming the share of differing pixels
/// and the diff image, a layout warning under `--strict` too.
pub fn write_junit(path: &Path, shots: &[Shot], strict: bool) -> Result<(), String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("linkscreen shoot");
    let mut devices: Vec<&str> = shots.iter().map(|s| s.device.as_str()).collect();
    devices.dedup();
    for d in devices {
        let mut suite = TestSuite::new(d);
        for s in shots.iter().filter(|s| s.device == d) {
            let name = format!("{}/{}", s.locale, s.scene);
            let failed_check = s
                .check
                .as_ref()
                .filter(|c| c.status == "fail" || c.status == "missing");
            let status = match (failed_check, strict && !s.warnings.is_empty()) {
                (Some(c), _) => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    let msg = match c.status.as_str() {
                        "missing" => "no golden image".to_owned(),
                        _ => match &c.note {
                            Some(n) => n.clone(),
                            None => format!("{:.3}% of pixels differ", c.share * 100.0),
                        },
                    };
                    st.set_message(msg);
                    st.set_type(c.status.clone());
                    let mut desc = format!("actual: {}", s.path);
                    if let Some(e) = &c.expected {
                        desc.push_str(&format!("\nexpected: {e}"));
                    }
                    if let Some(df) = &c.diff {
                        desc.push_str(&format!("\ndiff: {df}"));
                    }
                    st.set_description(desc);
                    st
                }
                (None, true) => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    st.set_message(s.warnings.join("; "));
                    st.set_type("layout");
                    st
                }
                (None, false) => TestCaseStatus::success(),
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(format!("linkscreen.{d}"));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    let xml = report.to_string().map_err(|e| e.to_string())?;
    std::fs::write(path, xml).map_err(|e| format!("--junit {}: {e}", path.display()))
}

/// Sorts the shots, writes the manifest, the contact sheet and the JUnit report, and says how
/// the run went.
pub(super) fn finish(a: &ShootPlan, mut shots: Vec<Shot>) -> Outcome {
    let order = |s: &Shot| {
        (
            viewport::PROFILES.iter().position(|p| p.id == s.device),
            locale::shootable().position(|l| l == s.locale),
            subjects().iter().position(|x| x.id == s.scene),
            // The documents of `--apl` in the order they were found (shots arrive in any
            // order from the processes that draw them).
            super::apl::subjects().iter().position(|x| x.id == s.scene),
        )
    };
    shots.sort_by_key(order);
    let thresholds = a.check.as_ref().map(|_| (a.tolerance, a.pixel_threshold));
    let manifest = Manifest {
        summary: Summary::of(&shots, thresholds, &a.mask_regions),
        shots,
    };
    let (summary, shots) = (&manifest.summary, &manifest.shots);
    std::fs::write(
        a.out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).expect("serializes"),
    )
    .map_err(|e| fail(format!("manifest.json: {e}")))?;
    std::fs::write(a.out.join("index.html"), sheet::render(shots, summary))
        .map_err(|e| fail(format!("index.html: {e}")))?;
    if let Some(j) = &a.junit {
        write_junit(j, shots, a.strict).map_err(fail)?;
    }
    // Said in one write (a line each would be a write each, nine for a warning).
    let mut said = String::new();
    for s in shots {
        for w in &s.warnings {
            said.push_str(&format!(
                "warning: {}/{}/{}: {w}\n",
                s.device, s.locale, s.scene
            ));
        }
    }
    eprint!("{said}");
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
        let why = match (c.status.as_str(), &c.note) {
            ("missing", _) => "no golden image; --update missing writes it".to_owned(),
            (_, Some(note)) => note.clone(),
            _ => format!("{:.3}% of pixels differ", c.share * 100.0),
        };
        let diff = c
            .diff
            .as_ref()
            .map(|d| format!("; diff: {}", a.out.join(d).display()))
            .unwrap_or_default();
        eprintln!(
            "{}: {}/{}/{} ({why}{diff})",
            c.status, s.device, s.locale, s.scene
        );
    }
    if a.strict && summary.warnings > 0 {
        let (s, w) = shots
            .iter()
            .find_map(|s| s.warnings.first().map(|w| (s, w)))
            .expect("a warning");
        eprintln!(
            "--strict: {} layout warning(s) fail this run, the first {}/{}/{}: {w}",
            summary.warnings, s.device, s.locale, s.scene
        );
    }
    let mut written = String::new();
    if summary.new + summary.updated + summary.unchanged > 0 {
        written = format!(
            ", {} new and {} updated goldens",
            summary.new, summary.updated
        );
        if summary.unchanged > 0 {
            written.push_str(&format!(", {} unchanged", summary.unchanged));
        }
    }
    apl_summary(shots);
    if let Some(dir) = &a.reference {
        let missing: Vec<String> = shots
            .iter()
            .filter(|s| s.scene.starts_with("apl-") && s.reference.is_none())
            .map(|s| format!("{}/{}", s.device, s.scene))
            .collect();
        if !missing.is_empty() {
            eprintln!(
                "--reference {}: no <document>.<device>.png for {} shot(s), shot alone: {}{}",
                dir.display(),
                missing.len(),
                missing[..missing.len().min(5)].join(", "),
                if missing.len() > 5 { ", …" } else { "" }
            );
        }
    }
    println!(
        "{} shots, {} warnings{}{} -> {}",
        shots.len(),
        summary.warnings,
        if a.check.is_some() {
            format!(", {} differ from the goldens", failed.len())
        } else {
            String::new()
        },
        written,
        a.out.join("index.html").display()
    );
    if !failed.is_empty() || (a.strict && summary.warnings > 0) {
        Err(AppError::reported(ErrorKind::Check))
    } else {
        Ok(())
    }
}

/// The APL problems of a run, on stderr: how many, in how many shots, and the commonest (by
/// message, their JSON paths aside), so they are seen without opening the manifest; and how
/// many shots drew web images as placeholders (a dark text meant for over a photo then sits
/// on grey), with the option that draws them.
fn apl_summary(shots: &[Shot]) {
    let offline = shots
        .iter()
        .filter(|s| !s.offline_images.is_empty())
        .count();
    if offline > 0 {
        eprintln!(
            "APL: {offline} of {} shots draw web images as grey placeholders, offline (each in the manifest's offline_images); `--images DIR` draws them from files",
            shots.len()
        );
    }
    let mut by: std::collections::BTreeMap<String, usize> = Default::default();
    let mut total = 0;
    let mut hit = 0;
    for s in shots {
        let mut any = false;
        for w in s.warnings.iter().filter(|w| w.starts_with("apl_")) {
            total += 1;
            any = true;
            // "apl_error at $.path: message" → "apl_error: message".
            let key = match (w.split_once(" at "), w.split_once(": ")) {
                (Some((kind, _)), Some((_, msg))) => format!("{kind}: {msg}"),
                _ => w.clone(),
            };
            *by.entry(key).or_default() += 1;
        }
        hit += usize::from(any);
    }
    if total == 0 {
        return;
    }
    let mut top: Vec<(String, usize)> = by.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    eprintln!(
        "APL: {total} problem(s) in {hit} of {} shots (each in the manifest with its JSON path); the commonest:",
        shots.len()
    );
    for (msg, n) in top.iter().take(5) {
        let cut = msg.chars().count() > 160;
        let msg: String = msg.chars().take(160).collect();
        eprintln!("  {n}× {msg}{}", if cut { "…" } else { "" });
    }
}

/// Writes an APL shot beside its reference image from `dir` (`<document>.<device>.png`, else
/// `<document>.png`), the reference scaled to the shot's height: linkscreen left, the
/// reference right. The pair's path (relative to the output), or None when `dir` has none.
pub(super) fn beside_reference(
    a: &ShootPlan,
    dir: &Path,
    img: &image::RgbaImage,
    p: &viewport::DeviceProfile,
    l: &str,
    scene: &str,
) -> Result<Option<String>, String> {
    let name = scene.strip_prefix("apl-").unwrap_or(scene);
    let Some(path) = [format!("{name}.{}.png", p.id), format!("{name}.png")]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|f| f.is_file())
    else {
        return Ok(None);
    };
    let reference = image::open(&path)
        .map_err(|e| format!("--reference {}: {e}", path.display()))?
        .to_rgba8();
    let (w, h) = img.dimensions();
    let reference = if reference.height() == h {
        reference
    } else {
        let rw = (reference.width() as u64 * h as u64 / reference.height().max(1) as u64) as u32;
        image::imageops::resize(
            &reference,
            rw.max(1),
            h,
            image::imageops::FilterType::Triangle,
        )
    };
    let gap = 8;
    let mut pair = image::RgbaImage::from_pixel(
        w + gap + reference.width(),
        h,
        image::Rgba([128, 128, 128, 255]),
    );
    image::imageops::replace(&mut pair, img, 0, 0);
    image::imageops::replace(&mut pair, &reference, (w + gap) as i64, 0);
    let out = a
        .out
        .join(p.id)
        .join(l)
        .join(format!("{scene}.vs-reference.png"));
    std::fs::write(&out, crate::view::headless::png(&pair))
        .map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(Some(super::rel(&a.out, &out)))
}

/// Writes an APL shot's laid-out component tree beside its image (`<scene>.layout.json`).
pub(super) fn write_layout(
    a: &ShootPlan,
    p: &viewport::DeviceProfile,
    l: &str,
    s: crate::view::fixtures::Subject,
    tree: serde_json::Value,
) -> Result<(), String> {
    let dir = a.out.join(p.id).join(l);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{}.layout.json", s.id));
    let vp = crate::apl::Viewport::of(p, l, 0.0);
    let doc = serde_json::json!({
        "scene": s.id,
        "profile": p.id,
        "viewport": {
            "pixelWidth": p.width, "pixelHeight": p.height, "dpi": p.dpi,
            "widthDp": vp.width_dp(), "heightDp": vp.height_dp(),
        },
        "units": {"bounds": "dp, in the parent", "global": "dp, on the screen", "globalPx": "pixels, on the screen"},
        "root": tree,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}
