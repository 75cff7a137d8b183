//! `shoot --check`: one shot against its golden — pass, fail (with the expected, actual and
//! diff images under `failures/`), missing, or a golden written by `--update`.

use std::path::Path;

use super::{CheckResult, ShootPlan, Subject, UpdateMode, compare, rel};
use crate::protocol::viewport::DeviceProfile;

pub(super) fn check_one(
    a: &ShootPlan,
    golden_dir: &Path,
    p: &DeviceProfile,
    l: &str,
    s: Subject,
    img: &image::RgbaImage,
    png: &[u8],
) -> Result<CheckResult, String> {
    let golden = golden_dir.join(p.id).join(l).join(format!("{}.png", s.id));
    let write = |status: &str| -> Result<CheckResult, String> {
        if let Some(d) = golden.parent() {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        // Goldens are committed: the smaller encoding (the same pixels as the shot's).
        std::fs::write(&golden, crate::view::headless::png_small(img))
            .map_err(|e| format!("{}: {e}", golden.display()))?;
        Ok(CheckResult {
            status: status.into(),
            share: 0.0,
            expected: None,
            diff: None,
            note: None,
        })
    };
    let exists = golden.exists();
    match a.update {
        // A bare --update rewrites every golden, but one that is already these pixels stays
        // as it is and is not counted as updated.
        Some(UpdateMode::All) => {
            let same = image::open(&golden).is_ok_and(|g| {
                let g = g.to_rgba8();
                g.dimensions() == img.dimensions() && g.as_raw() == img.as_raw()
            });
            return if same {
                Ok(CheckResult {
                    status: "unchanged".into(),
                    share: 0.0,
                    expected: None,
                    diff: None,
                    note: None,
                })
            } else {
                write(if exists { "updated" } else { "new" })
            };
        }
        Some(UpdateMode::Missing | UpdateMode::Changed) if !exists => return write("new"),
        _ => {}
    }
    let mut expected = match image::open(&golden) {
        Ok(i) => i.to_rgba8(),
        Err(_) => {
            return Ok(CheckResult {
                status: "missing".into(),
                share: 1.0,
                expected: None,
                diff: None,
                note: None,
            });
        }
    };
    let masked;
    let img = if a.mask_regions.is_empty() {
        img
    } else {
        let mut m = img.clone();
        compare::paint(&mut m, &a.mask_regions);
        compare::paint(&mut expected, &a.mask_regions);
        masked = m;
        &masked
    };
    let (c, diff) = compare::compare_with(img, &expected, a.pixel_threshold);
    if c.passes(a.tolerance) {
        return Ok(CheckResult {
            status: "pass".into(),
            share: c.share(),
            expected: None,
            diff: None,
            note: None,
        });
    }
    if a.update == Some(UpdateMode::Changed) {
        return write("updated");
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
    std::fs::write(&ap, png).map_err(|e| e.to_string())?;
    Ok(CheckResult {
        status: "fail".into(),
        share: c.share(),
        expected: Some(rel(&a.out, &ep)),
        diff: Some(rel(&a.out, &dp)),
        note: c
            .size_mismatch
            .then(|| compare::size_note(expected.dimensions(), img.dimensions())),
    })
}
