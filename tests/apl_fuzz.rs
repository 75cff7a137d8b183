//! Hostile APL, drawn the whole way (inflate, bind, lay out with the real fonts, draw with
//! Slint's software renderer) in a process of its own, so its memory is this test's alone:
//! the attacks found against the release binary (a `fontSize` of 1e6 and 1e308; 1 KB of
//! layouts ten wide and nine deep; lists nested three deep over `Array.range(1000)`), then a
//! deterministic proptest run over random documents and mutations of Amazon's own documents
//! in `../shared/apl-corpus`. Every document must draw without a panic, within a generous
//! time (a hang detector, not a benchmark), and the process must stay within a memory bound.

use std::sync::Arc;
use std::time::{Duration, Instant};

use linkscreen::apl::{RenderDocument, Screen, Viewport};
use linkscreen::flow::Scene;
use linkscreen::protocol::viewport;
use linkscreen::view::{self, headless::Headless};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

/// A frame that takes longer than this has hung (the densest corpus document takes ~5 ms).
const HANG: Duration = Duration::from_secs(20);
/// The process's peak memory may not pass this (a hostile document used to take it all).
const MEMORY_KB: u64 = 3 * 1024 * 1024;

struct Stage {
    hl: Headless,
    profile: &'static viewport::DeviceProfile,
    answer: view::model::UiModel,
}

impl Stage {
    fn new() -> Stage {
        let profile = viewport::profile("echo-show-8").unwrap();
        let hl = Headless::new(profile.width, profile.height).unwrap();
        view::set_profile(&hl.app, profile, 1.0);
        let st = view::fixtures::fixture(Scene::SkillResponse, "en-US");
        let answer = view::model::build(
            Scene::SkillResponse,
            &st,
            view::fixtures::FIXTURE_NOW,
            "en-US",
            "Ride Hailer",
            "ride hailer",
            &Default::default(),
        );
        Stage {
            hl,
            profile,
            answer,
        }
    }

    /// Draws `document` with `datasources`; the problems the engine reported.
    fn draw(&self, what: &str, document: Value, datasources: Value) -> Vec<String> {
        let t = Instant::now();
        let render = RenderDocument {
            token: "fuzz".into(),
            document,
            datasources,
        };
        let mut screen = Screen::new(&render, Viewport::of(self.profile, "en-US", 0.0));
        let mut m = self.answer.clone();
        m.apl = Some(Arc::new(screen.snapshot()));
        view::apply(&self.hl.app, self.profile, 1.0, &m);
        drop(self.hl.frame());
        let took = t.elapsed();
        assert!(took < HANG, "{what}: a frame took {took:?}");
        let peak = peak_kb();
        assert!(peak < MEMORY_KB, "{what}: peak memory {peak} kB");
        screen
            .take_problems()
            .into_iter()
            .map(|p| format!("{} at {}: {}", p.kind, p.path, p.message))
            .collect()
    }
}

fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn doc(items: Value) -> Value {
    json!({"type": "APL", "version": "2023.3", "mainTemplate": {"parameters": ["payload"], "items": [items]}})
}

/// Amazon's documents in `../shared/apl-corpus` (document and datasources), when present.
fn corpus() -> Vec<(String, Value, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/apl-corpus");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!(
            "no APL corpus at {}: fuzzing random documents only",
            dir.display()
        );
        return vec![];
    };
    let mut out: Vec<(String, Value, Value)> = rd
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(e.path()).ok()?).ok()?;
            let name = e.file_name().to_string_lossy().into_owned();
            Some(match v.get("document") {
                Some(d) => (
                    name,
                    d.clone(),
                    v.get("datasources").cloned().unwrap_or_default(),
                ),
                None => (name, v, Value::Null),
            })
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// One test: Slint's platform is the process's, so the stage is made once and used in turn.
#[test]
fn hostile_random_and_mutated_documents_draw_within_bounds() {
    let stage = Stage::new();
    the_attacks_found(&stage);
    random_and_mutated(&stage);
}

fn the_attacks_found(stage: &Stage) {
    // Font sizes past any screen: drawn (clamped), no panic.
    for size in [
        json!(1e6),
        json!(1e308),
        json!(-1e308),
        json!("1e308dp"),
        json!("99999999vw"),
    ] {
        let d = doc(json!({"type": "Text", "text": "Huge", "fontSize": size,
            "width": 1e308, "height": "1e308px", "paddingLeft": -1e308, "letterSpacing": 1e308,
            "lineHeight": 1e308, "borderRadius": 1e308, "opacity": 1e308}));
        stage.draw(&format!("fontSize {size}"), d, Value::Null);
    }

    // 1 KB of layouts, each ten of the one below, nine deep: 10^9 components asked for.
    let mut layouts = serde_json::Map::new();
    layouts.insert("L0".into(), json!({"item": {"type": "Text", "text": "x"}}));
    for d in 1..=9 {
        let below = format!("L{}", d - 1);
        let items: Vec<Value> = (0..10).map(|_| json!({"type": below})).collect();
        layouts.insert(
            format!("L{d}"),
            json!({"item": {"type": "Container", "items": items}}),
        );
    }
    let mut d = doc(json!({"type": "L9"}));
    d["layouts"] = Value::Object(layouts);
    let problems = stage.draw("layouts 10 wide, 9 deep", d, Value::Null);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("apl_error") && p.contains("more than 20000 components")),
        "{problems:?}"
    );

    // Lists nested three deep over Array.range(1000).
    let inner = json!({"type": "Text", "text": "${data}"});
    let mid = json!({"type": "Container", "data": "${Array.range(1000)}", "items": [inner]});
    let outer = json!({"type": "Container", "data": "${Array.range(1000)}", "items": [mid]});
    let d = doc(json!({"type": "Sequence", "data": "${Array.range(1000)}", "items": [outer]}));
    let problems = stage.draw("three nested lists of 1000", d, Value::Null);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("more than 20000 components")),
        "{problems:?}"
    );

    // Amazon's documents themselves draw.
    for (name, d, ds) in corpus() {
        stage.draw(&name, d, ds);
    }
}

/// A JSON value a hostile skill might put anywhere.
fn hostile_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(4294967296u64)),
        Just(json!("1e308dp")),
        Just(json!("-100000%")),
        Just(json!("${Array.range(1000)}")),
        Just(json!("${1/0}")),
        Just(json!("${((((((((((1))))))))))}")),
        Just(json!(null)),
        Just(json!([])),
        Just(json!({})),
        Just(json!("@missingResource")),
        "[a-zA-Z${}@.()<>/ ]{0,12}".prop_map(Value::String),
        any::<f64>().prop_map(|f| json!(f)),
    ]
}

/// Replaces the `k`-th value (depth first) of `v` with `leaf`.
fn mutate(v: &mut Value, k: &mut usize, leaf: &Value) -> bool {
    if *k == 0 {
        *v = leaf.clone();
        return true;
    }
    *k -= 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|x| mutate(x, k, leaf)),
        Value::Object(o) => o.values_mut().any(|x| mutate(x, k, leaf)),
        _ => false,
    }
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

const TYPES: &[&str] = &[
    "Text",
    "Container",
    "Frame",
    "Image",
    "Sequence",
    "GridSequence",
    "Pager",
    "ScrollView",
    "TouchWrapper",
    "VectorGraphic",
    "EditText",
    "AlexaButton",
    "Nope",
];
const PROPS: &[&str] = &[
    "width",
    "height",
    "fontSize",
    "padding",
    "paddingTop",
    "spacing",
    "borderWidth",
    "borderRadius",
    "lineHeight",
    "letterSpacing",
    "maxLines",
    "opacity",
    "data",
    "when",
    "text",
    "source",
    "direction",
    "numbered",
    "firstItem",
    "items",
    "shadowRadius",
];

/// A random component tree of hostile properties.
fn component(depth: u32) -> BoxedStrategy<Value> {
    let leaf = (
        proptest::sample::select(TYPES),
        proptest::collection::vec((proptest::sample::select(PROPS), hostile_leaf()), 0..6),
    )
        .prop_map(|(t, props)| {
            let mut o = serde_json::Map::new();
            o.insert("type".into(), json!(t));
            for (k, v) in props {
                o.insert(k.into(), v);
            }
            Value::Object(o)
        });
    if depth == 0 {
        return leaf.boxed();
    }
    (leaf, proptest::collection::vec(component(depth - 1), 0..4))
        .prop_map(|(mut c, kids)| {
            c["items"] = Value::Array(kids);
            c
        })
        .boxed()
}

fn random_and_mutated(stage: &Stage) {
    let corpus = corpus();
    // Deterministic: the same cases every run, so a failure reproduces.
    let config = Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config.clone(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    runner
        .run(&component(3), |c| {
            stage.draw(&format!("random {c}"), doc(c), Value::Null);
            Ok(())
        })
        .unwrap();
    if corpus.is_empty() {
        return;
    }
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let n = corpus.len();
    runner
        .run(
            &(
                0..n,
                proptest::collection::vec((any::<usize>(), hostile_leaf()), 1..8),
            ),
            |(i, edits)| {
                let (name, mut d, mut ds) = corpus[i].clone();
                for (at, leaf) in &edits {
                    let (nd, nds) = (count(&d), count(&ds));
                    let mut k = at % (nd + nds);
                    if k < nd {
                        mutate(&mut d, &mut k, leaf);
                    } else {
                        k -= nd;
                        mutate(&mut ds, &mut k, leaf);
                    }
                }
                stage.draw(&format!("{name} mutated by {edits:?}"), d, ds);
                Ok(())
            },
        )
        .unwrap();
}
