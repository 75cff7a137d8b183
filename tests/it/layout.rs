//! The architecture as the tree shows it, checked from the sources (issue 17): which module may
//! use which. Reads `src/`, collects each file's references to other modules (`crate::a::b`,
//! `super::x`, `use super::{x, y}`), and asserts the allowed directions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A file's module path under `src/backend`: `alexa::phone`, `infra::store`, `mod` for the root.
fn module_of(rel: &Path) -> String {
    let s = rel.with_extension("").to_string_lossy().replace('/', "::");
    s.strip_suffix("::mod").map(str::to_owned).unwrap_or(s)
}

/// The code of a file without its `#[cfg(test)] mod tests` (tests may use anything).
fn code(text: &str) -> &str {
    text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text)
}

/// The backend modules (`group::file`) a backend file refers to.
fn backend_refs(module: &str, text: &str) -> BTreeSet<String> {
    let group = module.split("::").next().unwrap_or("");
    let mut out = BTreeSet::new();
    let words: Vec<&str> = code(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .collect();
    for w in words {
        let w = w.trim_start_matches(':');
        if let Some(rest) = w.strip_prefix("crate::backend::") {
            let parts: Vec<&str> = rest.split("::").collect();
            if parts.len() >= 2 && ["alexa", "infra", "sample"].contains(&parts[0]) {
                out.insert(format!("{}::{}", parts[0], parts[1]));
            } else {
                out.insert(format!("(root)::{}", parts[0]));
            }
        } else if let Some(rest) = w.strip_prefix("super::")
            && module.contains("::")
        {
            let name = rest.split("::").next().unwrap_or("");
            if !name.is_empty() && name != "*" {
                out.insert(format!("{group}::{name}"));
            }
        }
    }
    // `use super::{a, b};`
    for line in code(text).lines() {
        if let Some(list) = line.trim().strip_prefix("use super::{") {
            for name in list.trim_end_matches("};").split(',') {
                let name = name.trim().split("::").next().unwrap_or("");
                if !name.is_empty() && module.contains("::") {
                    out.insert(format!("{group}::{name}"));
                }
            }
        }
    }
    out.remove(module);
    out
}

fn backend_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/backend");
    let mut all = vec![];
    files(&root, &mut all);
    all.iter()
        .map(|p| {
            let m = module_of(p.strip_prefix(&root).unwrap());
            let text = std::fs::read_to_string(p).unwrap();
            let refs = backend_refs(&m, &text);
            (m, refs)
        })
        .collect()
}

#[test]
fn the_backend_is_three_layers_without_cycles() {
    let g = backend_graph();
    assert!(
        g.contains_key("alexa::phone") && g.contains_key("infra::store"),
        "{g:?}"
    );
    for (m, refs) in &g {
        let group = m.split("::").next().unwrap();
        for r in refs {
            let to = r.split("::").next().unwrap();
            // Only the composition root (backend/mod.rs) sees every layer; its re-exports are
            // for the rest of the program, not for the layers.
            assert_ne!(
                to, "(root)",
                "{m} uses the backend root ({r}): name the layer"
            );
            match group {
                "infra" => assert_eq!(to, "infra", "infra must not use {r} (in {m})"),
                "alexa" => assert_ne!(to, "sample", "alexa must not use the sample ({r} in {m})"),
                _ => {}
            }
        }
    }
    no_cycle(&g);
}

/// Each top-level module of `src/` and the top-level modules its code (tests aside) names.
fn crate_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = vec![];
    files(&src, &mut all);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in all {
        let rel = p.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        let text = std::fs::read_to_string(&p).unwrap();
        let entry = g.entry(top.clone()).or_default();
        for w in code(&text).split("crate::").skip(1) {
            let name: String = w
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != top {
                entry.insert(name);
            }
        }
    }
    g
}

#[test]
fn the_crates_modules_use_each_other_in_the_allowed_directions() {
    let g = crate_graph();
    let uses = |m: &str, other: &str| g.get(m).is_some_and(|s| s.contains(other));
    // The command line is read in one place: main, the subcommands (app) and the plan.
    for (m, _) in g.iter() {
        if !["main", "app", "plan", "cli", "lib"].contains(&m.as_str()) {
            assert!(!uses(m, "cli"), "{m} reads the command line (crate::cli)");
            assert!(!uses(m, "app"), "{m} uses crate::app");
        }
    }
    assert!(
        !uses("plan", "app") && !uses("plan", "device"),
        "{:?}",
        g["plan"]
    );
    // The view draws what it is given and drives the device through its own port traits:
    // no backend, no device runtime, no shots.
    for other in ["backend", "device", "shots", "script"] {
        assert!(!uses("view", other), "view uses {other}: {:?}", g["view"]);
    }
    // The clients speak to peers over HTTP (or a local process): they know nothing of the
    // backend that may be one of those peers, nor of the device or the screen.
    for other in ["backend", "device", "view", "shots", "script"] {
        assert!(
            !uses("clients", other),
            "clients use {other}: {:?}",
            g["clients"]
        );
    }
    // The device runtime composes no window and renders no shots.
    assert!(!uses("device", "shots"), "{:?}", g["device"]);
    // The flow is a pure state machine: nothing that does IO.
    for io in [
        "backend", "clients", "device", "view", "shots", "app", "plan",
    ] {
        assert!(!uses("flow", io), "flow uses {io}");
    }
    // Shared vocabulary in leaves: they use nothing of the crate.
    for leaf in [
        "error", "events", "findings", "faults", "entropy", "desktop",
    ] {
        assert!(
            g.get(leaf).is_some_and(|s| s.is_empty()),
            "{leaf} is a leaf: {:?}",
            g.get(leaf)
        );
    }
    // The backend stands on protocol, config and the leaves, never on the device side.
    for side in ["device", "clients", "view", "shots", "flow"] {
        assert!(!uses("backend", side), "backend uses {side}");
    }
}

/// `src/` and every `.rs` file under it.
fn src_files() -> (PathBuf, Vec<PathBuf>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = vec![];
    files(&src, &mut all);
    (src, all)
}

/// Slint is the view's business: no other module names it.
#[test]
fn only_the_view_touches_slint() {
    let (src, all) = src_files();
    let outside: Vec<_> = all
        .iter()
        .filter(|p| !p.starts_with(src.join("view")))
        .filter(|p| {
            // Code, not comments (a header may say what it must not import).
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .any(|l| l.contains("slint::") || l.contains("view::ui"))
        })
        .collect();
    assert!(
        outside.is_empty(),
        "Slint code outside src/view: {outside:?}"
    );
}

/// Panics naming the first import cycle a depth-first search finds.
fn no_cycle(g: &BTreeMap<String, BTreeSet<String>>) {
    fn visit<'a>(
        m: &'a str,
        g: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(i) = path.iter().position(|p| *p == m) {
            panic!("import cycle: {} -> {m}", path[i..].join(" -> "));
        }
        path.push(m);
        for r in g.get(m).into_iter().flatten() {
            if g.contains_key(r.as_str()) {
                visit(r, g, path, done);
            }
        }
        path.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        visit(m, g, &mut vec![], &mut done);
    }
}

#[test]
fn no_import_cycle_between_the_crates_modules() {
    let mut g = crate_graph();
    // lib.rs declares every module; main.rs is the binary.
    g.remove("lib");
    no_cycle(&g);
}

/// Files stay small enough to read: none over 600 lines, tests aside.
#[test]
fn no_source_file_is_over_600_lines() {
    let (_, all) = src_files();
    let long: Vec<_> = all
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .map(|p| (p, std::fs::read_to_string(p).unwrap().lines().count()))
        .filter(|(_, n)| *n > 600)
        .collect();
    assert!(long.is_empty(), "over 600 lines: {long:?}");
}

/// Every device profile's APL viewport (dp size and density) is the one Amazon's authoring tool
/// lists for that device (`../shared/apl-packages/authoring-tool-viewports/`, read at test time).
#[test]
fn device_profiles_match_amazons_authoring_tool() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/apl-packages/authoring-tool-viewports");
    let mut listed = std::collections::HashMap::new();
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for d in v["exampleDevices"].as_array().into_iter().flatten() {
            listed.insert(
                d["id"].as_str().unwrap().to_owned(),
                (
                    d["width"].as_u64().unwrap(),
                    d["height"].as_u64().unwrap(),
                    d["dpi"].as_u64().unwrap(),
                ),
            );
        }
    }
    // Ours, and the authoring tool's id for the same device (Echo Show 10 is listed as the
    // Echo Show 2's class: 1280×800 dp at 160).
    for (ours, theirs) in [
        ("echo-spot", "echoSpot"),
        ("echo-show-5", "echoShow5"),
        ("echo-show-8", "echoShow8"),
        ("echo-show-10", "echoShow2"),
        ("echo-show-15", "hoyaLandscape"),
        ("fire-tv", "fireTvFullscreen"),
    ] {
        let p = linkscreen::protocol::viewport::profile(ours).unwrap();
        let (w, h, dpi) = listed[theirs];
        assert_eq!(u64::from(p.dpi), dpi, "{ours}: dpi");
        // 1280 px at 213 dpi is 961.5 dp: the tool rounds to 960, so within 2 dp.
        let dp = |px: u32| f64::from(px) * 160.0 / f64::from(p.dpi);
        assert!(
            (dp(p.width) - w as f64).abs() <= 2.0 && (dp(p.height) - h as f64).abs() <= 2.0,
            "{ours}: {}×{} dp, Amazon's {w}×{h}",
            dp(p.width),
            dp(p.height)
        );
        // The request's `context.Viewport` says the same density.
        assert_eq!(p.viewport_json()["dpi"], dpi, "{ours}: context.Viewport");
    }
}

/// The files of one folder of modules and which of them each uses: `super::x` and
/// `use super::{x, y}` name a sibling (or, for a name that is no sibling, the folder's
/// `mod.rs`); `mod.rs` uses a sibling where its code names it, its `pub use` lines (the
/// folder's face to the rest of the program) included, so a file that goes through `mod.rs`
/// for a sibling's item depends on that sibling too. Tests are left out.
fn folder_graph(folder: &str) -> BTreeMap<String, BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(folder);
    let names: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            let stem = p.file_stem()?.to_str()?.to_owned();
            (p.extension().is_some_and(|x| x == "rs") || p.is_dir()).then_some(stem)
        })
        .filter(|n| n != "tests" && !n.ends_with("_tests"))
        .collect();
    let mut g = BTreeMap::new();
    for m in &names {
        let Ok(text) = std::fs::read_to_string(dir.join(format!("{m}.rs"))) else {
            continue;
        };
        let mut refs = BTreeSet::new();
        let target = |name: &str| {
            if names.contains(name) {
                name.to_owned()
            } else {
                "mod".to_owned()
            }
        };
        // Without its inline tests (`mod tests;` in a file is a test file, left out above).
        let text = text
            .split("#[cfg(test)]\nmod tests {")
            .next()
            .unwrap_or(&text);
        for line in text.lines() {
            let l = line.trim();
            if l.starts_with("//") {
                continue;
            }
            if m == "mod" {
                if l.starts_with("mod ") || l.starts_with("pub mod ") || l.starts_with("#[") {
                    continue;
                }
                for n in &names {
                    if n != "mod" && l.contains(&format!("{n}::")) {
                        refs.insert(n.clone());
                    }
                }
                continue;
            }
            if let Some(list) = l
                .strip_prefix("use super::{")
                .or_else(|| l.strip_prefix("pub use super::{"))
                .or_else(|| l.strip_prefix("pub(super) use super::{"))
            {
                for name in list.trim_end_matches("};").split(',') {
                    let name = name.trim().split("::").next().unwrap_or("");
                    if !name.is_empty() {
                        refs.insert(target(name));
                    }
                }
                continue;
            }
            for (i, _) in l.match_indices("super::") {
                let before = &l[..i];
                if before.ends_with("super::") {
                    continue;
                }
                let rest = &l[i + "super::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "super" {
                    refs.insert(target(&name));
                }
            }
        }
        refs.remove(m);
        g.insert(m.clone(), refs);
    }
    g
}

/// Whether a graph has an import cycle.
fn has_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> bool {
    let g = g.clone();
    std::panic::catch_unwind(move || no_cycle(&g)).is_err()
}

/// Folders whose `mod.rs` and files still use each other (types kept in `mod.rs`): the list
/// only shrinks, since a folder on it that has no cycle any more fails the test.
const NOT_YET_UNTANGLED: [&str; 4] = ["device", "flow", "shots", "view"];

/// Inside a folder of modules too, no module uses one that uses it (issue 33: `apl/` had a
/// nine-file circle; now it reads from its primitives up, `mod.rs` only its face).
#[test]
fn no_import_cycle_inside_a_folder() {
    let g = folder_graph("apl");
    assert!(
        g["draw"].contains("primitives") && g["primitives"].contains("node"),
        "the graph is read: {g:?}"
    );
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let Some(folder) = p
            .is_dir()
            .then(|| p.file_name().unwrap().to_str().unwrap().to_owned())
        else {
            continue;
        };
        let g = folder_graph(&folder);
        if NOT_YET_UNTANGLED.contains(&folder.as_str()) {
            assert!(
                has_cycle(&g),
                "src/{folder} has no import cycle any more: take it off NOT_YET_UNTANGLED"
            );
        } else {
            no_cycle(&g);
        }
    }
}
