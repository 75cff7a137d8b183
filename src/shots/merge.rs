//! `shoot --merge DIR...`: joins the outputs of several `--shard K/N` runs (one per CI
//! machine) into one: their images copied under `--out`, one manifest, one contact sheet,
//! one JUnit report. Nothing is rendered.

use std::path::Path;

use super::report::Manifest;
use super::{ShootPlan, Shot, fail, finish};
use crate::error::Outcome;

/// Whether a manifest's path stays inside its folder: relative, and only plain names (no
/// `..`, no root, no drive).
fn stays_inside(rel: &str) -> bool {
    use std::path::Component;
    let p = Path::new(rel);
    !rel.is_empty()
        && !rel.contains('\\')
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Whether two paths name one file (a shard merged into itself).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Copies `rel` from `from` to the same place under `to`; a path that leaves its folder is
/// refused (a manifest naming `../x` would write outside `--out`).
fn copy(from: &Path, to: &Path, rel: &str) -> Result<(), String> {
    if !stays_inside(rel) {
        return Err(format!(
            "--merge {}: manifest.json names {rel:?}, a path that leaves its folder; nothing of it is copied",
            from.display()
        ));
    }
    let (src, dst) = (from.join(rel), to.join(rel));
    if src == dst || same_file(&src, &dst) {
        return Ok(());
    }
    if let Some(d) = dst.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    std::fs::copy(&src, &dst)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", src.display()))
}

pub fn merge(a: &ShootPlan) -> Outcome {
    std::fs::create_dir_all(&a.out).map_err(|e| fail(format!("--out {}: {e}", a.out.display())))?;
    let mut shots: Vec<Shot> = vec![];
    let mut seen = std::collections::HashSet::new();
    let mut checked = false;
    let mut masks: Vec<super::compare::Region> = vec![];
    for dir in &a.merge {
        let file = dir.join("manifest.json");
        let text = std::fs::read(&file).map_err(|e| {
            fail(format!(
                "--merge {}: {e} (expected the --out directory of a shoot run)",
                file.display()
            ))
        })?;
        let m: Manifest = serde_json::from_slice(&text).map_err(|e| {
            fail(format!(
                "--merge {}: not a shoot manifest: {e}",
                file.display()
            ))
        })?;
        checked |= m.summary.tolerance.is_some();
        for r in &m.summary.mask_regions {
            let r: super::compare::Region = r
                .parse()
                .map_err(|e| fail(format!("--merge {}: mask_regions: {e}", file.display())))?;
            if !masks.contains(&r) {
                masks.push(r);
            }
        }
        for s in m.shots {
            if !seen.insert((s.device.clone(), s.locale.clone(), s.scene.clone())) {
                return Err(fail(format!(
                    "--merge: {}/{}/{} is in more than one shard",
                    s.device, s.locale, s.scene
                )));
            }
            copy(dir, &a.out, &s.path).map_err(fail)?;
            if let Some(c) = &s.check {
                for p in [&c.expected, &c.diff].into_iter().flatten() {
                    copy(dir, &a.out, p).map_err(fail)?;
                }
                if let Some(e) = &c.expected {
                    // The failure's actual image sits beside its expected one (which passed
                    // the check above).
                    let actual = e.replace(".expected.png", ".actual.png");
                    let _ = copy(dir, &a.out, &actual);
                }
            }
            shots.push(s);
        }
    }
    let plan = ShootPlan {
        check: checked.then(|| a.out.clone()),
        merge: vec![],
        mask_regions: masks,
        ..a.clone()
    };
    finish(&plan, shots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_that_leaves_its_folder_is_refused() {
        for bad in ["../x.png", "a/../../x.png", "/etc/passwd", "", "a\\..\\x"] {
            assert!(!stays_inside(bad), "{bad:?}");
        }
        assert!(stays_inside("echo-show-8/en-US/home.png"));
        assert!(stays_inside("./failures/a.diff.png"));
    }
}
