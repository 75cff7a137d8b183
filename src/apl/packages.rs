//! Amazon's APL packages, which real devices load from a CDN the emulator cannot reach:
//! `alexa-layouts` (the responsive components), `alexa-styles` and `alexa-viewport-profiles`.
//! These are linkscreen's own APL definitions of the documented components and parameters
//! (developer.amazon.com "Responsive Components" pages), written in APL and inflated like a
//! skill's own layouts — close in shape, not pixel copies of Amazon's.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

/// Package files a user saved (Amazon's own, from its CDN), by name: they replace
/// linkscreen's definitions for this run (see [`use_folder`]).
static SAVED: OnceLock<HashMap<String, (String, Value)>> = OnceLock::new();

/// The version of the saved package `name` in use, when the user gave package files.
pub fn saved_version(name: &str) -> Option<&'static str> {
    SAVED
        .get()?
        .get(name)
        .map(|(v, _)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Reads every package file in `dir` (`<name>.json` or `<name>-<version>.json`; of two
/// versions of one package the later wins) to use in place of linkscreen's own for the rest of
/// the run. Returns the names and versions read; a file that is not an APL package is an
/// error naming it.
pub fn use_folder(dir: &Path) -> Result<Vec<String>, String> {
    let mut found: HashMap<String, (Vec<u32>, Value)> = HashMap::new();
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let Some(stem) = path
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.strip_suffix(".json"))
        else {
            continue;
        };
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let pkg: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        if pkg.get("type").and_then(Value::as_str) != Some("APL") {
            return Err(format!(
                "{}: not an APL package (\"type\" must be \"APL\")",
                path.display()
            ));
        }
        // `alexa-layouts-1.0` → name `alexa-layouts`, version 1.0; `alexa-layouts.json` has no
        // version (its "version" is the APL version it is written in).
        let (name, rank): (&str, Vec<u32>) = match stem.rsplit_once('-') {
            Some((n, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => {
                (n, v.split('.').map(|p| p.parse().unwrap_or(0)).collect())
            }
            _ => (stem, vec![]),
        };
        if found.get(name).is_none_or(|(r, _)| *r < rank) {
            found.insert(name.to_owned(), (rank, pkg));
        }
    }
    let mut names: Vec<String> = found
        .iter()
        .map(|(n, (r, _))| {
            let v: Vec<String> = r.iter().map(u32::to_string).collect();
            if v.is_empty() {
                format!("{n} (no version in its file name)")
            } else {
                format!("{n} {}", v.join("."))
            }
        })
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(format!(
            "{}: no APL package files here (NAME-VERSION.json or NAME.json, \"type\": \"APL\")",
            dir.display()
        ));
    }
    let saved = found
        .into_iter()
        .map(|(n, (r, p))| {
            let v: Vec<String> = r.iter().map(u32::to_string).collect();
            (n, (v.join("."), p))
        })
        .collect();
    SAVED
        .set(saved)
        .map_err(|_| "APL packages were already chosen for this run".to_owned())?;
    Ok(names)
}

/// The package named `name`: the user's saved file, else linkscreen's own, if either.
pub fn get(name: &str) -> Option<Value> {
    if let Some((_, p)) = SAVED.get().and_then(|s| s.get(name)) {
        return Some(p.clone());
    }
    static ALL: OnceLock<Value> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        serde_json::from_str(PACKAGES).expect("the built-in APL packages are valid JSON")
    });
    let pkg = all.get(name)?.clone();
    // alexa-layouts brings the styles and viewport profiles with it, as Amazon's does.
    if name == "alexa-layouts" {
        let mut merged = all.get("alexa-styles")?.clone();
        // Its own resources come last: they may name the styles' (`@marginHorizontal`).
        let mut resources = vec![];
        for from in [all.get("alexa-viewport-profiles"), Some(&pkg)] {
            if let Some(Value::Array(r)) = from.and_then(|p| p.get("resources")) {
                resources.extend(r.iter().cloned());
            }
        }
        if let Some(Value::Array(a)) = merged.get_mut("resources") {
            a.extend(resources);
        }
        merged["layouts"] = pkg["layouts"].clone();
        merged["graphics"] = pkg["graphics"].clone();
        return Some(merged);
    }
    Some(pkg)
}

/// linkscreen's own definitions, in APL: the documented components and resources, written
/// for linkscreen (not Amazon's files).
const PACKAGES: &str = include_str!("packages.json");
