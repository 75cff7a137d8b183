//! Amazon's own APL documents laid out as Amazon's engine lays them out: the real binary
//! shoots the corpus (`../shared/apl-corpus/`, read at test time) with `--layout`, and each
//! component tree is compared with the tree apl-core 2024.3 computed for the same document
//! and device (`../shared/apl-corpus/oracle/`). Amazon's alexa-* packages 1.0 are loaded
//! with `--apl-packages`, as they were for the oracle.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// The components that draw something (boxes, texts, images, graphics).
const DRAWN: [&str; 7] = [
    "Frame",
    "TouchWrapper",
    "Image",
    "VectorGraphic",
    "Text",
    "EditText",
    "Video",
];

#[derive(Default)]
struct Tally {
    /// Components whose bounds do not depend on text: compared, and within 2 dp.
    fixed: (usize, usize),
    /// Every compared component: compared, and within 8 dp.
    all: (usize, usize),
    /// What is off, and by how much.
    off: Vec<String>,
}

fn rect(v: &Value) -> Option<[f64; 4]> {
    let g = v.get("global")?;
    Some([
        g["x"].as_f64()?,
        g["y"].as_f64()?,
        g["width"].as_f64()?,
        g["height"].as_f64()?,
    ])
}

fn shown(v: &Value) -> bool {
    v.get("displayed") != Some(&Value::Bool(false)) && v.get("laidOut") != Some(&Value::Bool(false))
}

fn kids(v: &Value) -> Vec<&Value> {
    v.get("children")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn kind(v: &Value) -> &str {
    v["type"].as_str().unwrap_or_default()
}

/// The pairs of a longest common subsequence of the two lists of children, by type.
fn pairs<'a>(a: &[&'a Value], b: &[&'a Value]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if kind(a[i]) == kind(b[j]) {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, vec![]);
    while i < n && j < m {
        if kind(a[i]) == kind(b[j]) {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Compares the oracle's component `o` with ours `a`, and their children.
fn walk(o: &Value, a: &Value, at: &str, tally: &mut Tally) {
    if !shown(o) || !shown(a) {
        return;
    }
    let text = o["textSensitive"].as_bool().unwrap_or(false);
    if DRAWN.contains(&kind(o)) {
        let (Some(r1), Some(r2)) = (rect(o), rect(a)) else {
            return;
        };
        let d = (0..4).map(|i| (r1[i] - r2[i]).abs()).fold(0.0, f64::max);
        count(tally, text, d, &format!("{at}/{}", kind(o)), Some((r1, r2)));
    }
    let (ok, ak) = (kids(o), kids(a));
    let matched = pairs(&ok, &ak);
    for (i, c) in ok.iter().enumerate() {
        match matched.iter().find(|(x, _)| *x == i) {
            Some((_, j)) => walk(c, ak[*j], &format!("{at}/{i}"), tally),
            // A component Amazon's engine drew that linkscreen did not.
            None if DRAWN.contains(&kind(c)) && shown(c) => {
                let text = c["textSensitive"].as_bool().unwrap_or(false);
                count(
                    tally,
                    text,
                    f64::INFINITY,
                    &format!("{at}/{i}/{}", kind(c)),
                    None,
                );
            }
            None => {}
        }
    }
}

fn count(tally: &mut Tally, text: bool, d: f64, at: &str, rects: Option<([f64; 4], [f64; 4])>) {
    tally.all.0 += 1;
    if d <= 8.0 {
        tally.all.1 += 1;
    }
    if !text {
        tally.fixed.0 += 1;
        if d <= 2.0 {
            tally.fixed.1 += 1;
        }
    }
    if (!text && d > 2.0) || d > 8.0 {
        tally.off.push(match rects {
            Some((o, a)) => format!(
                "{at}{}: off by {d:.1} dp (Amazon {o:?}, linkscreen {a:?})",
                if text { " (text)" } else { "" }
            ),
            None => format!("{at}: missing"),
        });
    }
}

#[test]
fn amazons_documents_lay_out_as_amazons_engine_lays_them_out() {
    let corpus = shared().join("apl-corpus");
    let oracle = corpus.join("oracle");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // The real binary, from another working directory.
    let o = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(dir.path())
        .args(["shoot", "--apl"])
        .arg(&corpus)
        .args(["--scenes", "apl", "--layout", "--apl-packages"])
        .arg(shared().join("apl-packages"))
        // The oracle's state: onMount run, its clock 10 ms on.
        .args(["--settle", "10"])
        .args([
            "--devices",
            "echo-show-8,echo-show-10,echo-spot,fire-tv",
            "--out",
        ])
        .arg(&out)
        .env("LINKSCREEN_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The documents ask for newer packages than the files given: each is told so.
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("the package files given (--apl-packages) have 1.0, used in its place"),
        "no notice of the package versions"
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&oracle)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 100, "the oracle has {} files", files.len());
    let mut tally = Tally::default();
    let mut compared = 0;
    for f in &files {
        let ora: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        // The one document apl-core inflated nothing of (its top component needs a newer
        // alexa-layouts than 1.0).
        if ora["ok"] != Value::Bool(true) {
            continue;
        }
        let doc = ora["document"].as_str().unwrap().trim_end_matches(".json");
        let profile = ora["profile"].as_str().unwrap();
        let ours = out.join(format!("{profile}/en-US/apl-{doc}.layout.json"));
        let ours: Value = serde_json::from_str(
            &std::fs::read_to_string(&ours).unwrap_or_else(|e| panic!("{}: {e}", ours.display())),
        )
        .unwrap();
        assert_eq!(
            ours["viewport"]["pixelWidth"], ora["viewport"]["pixelWidth"],
            "{doc} on {profile}"
        );
        assert_eq!(
            ours["viewport"]["dpi"], ora["viewport"]["dpi"],
            "{doc} on {profile}"
        );
        walk(
            &ora["root"],
            &ours["root"],
            &format!("{doc} on {profile}: "),
            &mut tally,
        );
        compared += 1;
    }
    let share = |(n, k): (usize, usize)| 100.0 * k as f64 / n.max(1) as f64;
    let summary = format!(
        "{compared} layouts: {}/{} components that do not depend on text within 2 dp ({:.1}%), \
         {}/{} of all within 8 dp ({:.1}%)\n{}",
        tally.fixed.1,
        tally.fixed.0,
        share(tally.fixed),
        tally.all.1,
        tally.all.0,
        share(tally.all),
        tally.off.join("\n")
    );
    println!("{summary}");
    assert!(compared >= 100, "{summary}");
    assert!(tally.fixed.0 >= 300 && tally.all.0 >= 700, "{summary}");
    assert!(share(tally.fixed) >= 97.0, "{summary}");
    assert!(share(tally.all) >= 90.0, "{summary}");
}
