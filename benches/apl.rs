//! APL rendering next to a built-in scene, in one process (headless, echo-show-8): ten APL
//! documents (the corpus of `tests/fixtures/apl` and the sample skill's own) against the
//! skill-response scene. First frame: for APL, parse + bind + inflate + layout (text measured
//! by Slint) + draw; for the scene, switching to it and drawing. Later frames: a change that
//! lays the screen out again (an APL SetValue; the scene's next text) and a redraw. Medians of
//! many runs; the RSS growth of rendering every document.
//!
//! Also next to the device browser's consent page, a built-in scene with about as much on it.
//!
//! `cargo bench --bench apl` (later frames redraw what changed, as the window does);
//! `--whole` draws every frame whole, as shots do.

mod common;

use std::sync::Arc;
use std::time::Instant;

use linkscreen::apl::{ExecuteCommands, RenderDocument, Screen, Viewport};
use linkscreen::flow::Scene;
use linkscreen::protocol::viewport;
use linkscreen::view::{self, headless::Headless};

const DOCS: &[&str] = &[
    "text-list",
    "headline",
    "detail",
    "bindings",
    "wrap-grid",
    "light-theme",
    "scroll-sequence",
    "text-styles",
    "responsive",
];

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let p = viewport::profile("echo-show-8").unwrap();
    // `--whole`: every frame drawn whole (as shots are); by default later frames redraw only
    // what changed, as the window's renderer does.
    let whole = std::env::args().any(|a| a == "--whole");
    let hl = if whole {
        Headless::new(p.width, p.height)
    } else {
        Headless::redrawing_changes(p.width, p.height)
    }
    .unwrap();
    println!(
        "frames after the first: {}",
        if whole {
            "drawn whole (as shots)"
        } else {
            "only what changed redrawn (as the window)"
        }
    );
    view::set_profile(&hl.app, p, 1.0);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<(String, RenderDocument)> = DOCS
        .iter()
        .map(|n| {
            let v: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(root.join(format!("tests/fixtures/apl/{n}.json")))
                    .unwrap(),
            )
            .unwrap();
            (
                n.to_string(),
                RenderDocument {
                    token: "bench".into(),
                    document: v["document"].clone(),
                    datasources: v.get("datasources").cloned().unwrap_or_default(),
                },
            )
        })
        .collect();
    docs.push((
        "ride-places (sample skill)".into(),
        RenderDocument {
            token: "bench".into(),
            document: linkscreen::backend::skill::places_document(),
            datasources: serde_json::json!({"ride": {"skill": "Ride Hailer", "title": "Where would you like to go?",
                "places": ["Airport", "Central Station", "City Centre", "Harbour"]}}),
        },
    ));
    // Each document's first written Text can be changed (a layout's texts cannot).
    let changes: Vec<bool> = docs
        .iter_mut()
        .map(|(_, d)| {
            d.document
                .get_mut("mainTemplate")
                .is_some_and(name_first_text)
        })
        .collect();
    let scene = |s: Scene| {
        let st = linkscreen::view::fixtures::fixture(s, "en-US");
        linkscreen::view::model::build(
            s,
            &st,
            linkscreen::view::fixtures::FIXTURE_NOW,
            "en-US",
            "Ride Hailer",
            "ride hailer",
            &Default::default(),
        )
    };
    let home = scene(Scene::Home);
    let answer = scene(Scene::SkillResponse);
    const RUNS: usize = 30;

    // The built-in scene: home → skill-response (first frame), then its text changing.
    let (mut first, mut next, mut drawing) = (vec![], vec![], vec![]);
    for i in 0..RUNS {
        view::apply(&hl.app, p, 1.0, &home);
        let _ = hl.render();
        let t = Instant::now();
        view::apply(&hl.app, p, 1.0, &answer);
        let _ = hl.render();
        first.push(t.elapsed().as_secs_f64() * 1000.0);
        let mut m = answer.clone();
        m.skill_speech = format!("{} ({i})", m.skill_speech);
        let t = Instant::now();
        view::apply(&hl.app, p, 1.0, &m);
        let applied = t.elapsed().as_secs_f64() * 1000.0;
        let _ = hl.render();
        next.push(t.elapsed().as_secs_f64() * 1000.0);
        drawing.push(next[next.len() - 1] - applied);
    }
    let scene_drawing = common::pct(&mut drawing, 0.5);
    let scene_first = common::pct(&mut first, 0.5);
    let scene_next = common::pct(&mut next, 0.5);
    println!(
        "built-in skill-response scene: first frame {scene_first:.2} ms, next frame {scene_next:.2} ms, of it drawing {scene_drawing:.2} ms (median of {RUNS})"
    );

    // A built-in scene with as much on it as these documents: the device browser's consent
    // page (a third-party fixture: headings, scopes, checkboxes, buttons), a checkbox ticked.
    let mut consent = scene(Scene::Consent);
    consent.page = Some(linkscreen::view::fixtures::fixture_page(
        std::fs::read_to_string(root.join("tests/fixtures/pages/09-hydra-consent-scopes.html"))
            .unwrap(),
        false,
        "en-US",
        true,
    ));
    let (mut cfirst, mut cnext) = (vec![], vec![]);
    for _ in 0..RUNS {
        view::apply(&hl.app, p, 1.0, &home);
        let _ = hl.render();
        let t = Instant::now();
        view::apply(&hl.app, p, 1.0, &consent);
        let _ = hl.render();
        cfirst.push(t.elapsed().as_secs_f64() * 1000.0);
        let mut m = consent.clone();
        if let Some(page) = m.page.as_mut()
            && let Some(c) = page.items.iter_mut().find(|i| i.kind == "checkbox")
        {
            c.checked = !c.checked;
        }
        let t = Instant::now();
        view::apply(&hl.app, p, 1.0, &m);
        let _ = hl.render();
        cnext.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let consent_first = common::pct(&mut cfirst, 0.5);
    let consent_next = common::pct(&mut cnext, 0.5);
    println!(
        "built-in consent page (browser, {} items): first frame {consent_first:.2} ms, next frame {consent_next:.2} ms (median of {RUNS})",
        consent.page.as_ref().map_or(0, |p| p.items.len())
    );

    let rss0 = rss_kb();
    let (mut worst_first, mut worst_next) = (0f64, 0f64);
    let (mut worst_cfirst, mut worst_cnext) = (0f64, 0f64);
    for ((name, doc), changes) in docs.iter().zip(&changes) {
        let (mut first, mut next, mut parts) = (vec![], vec![], vec![]);
        for i in 0..RUNS {
            view::apply(&hl.app, p, 1.0, &home);
            let _ = hl.render();
            // Cold: no text of the document measured before.
            linkscreen::view::apl::forget_measurements();
            let t = Instant::now();
            let mut screen = Screen::new(doc, Viewport::of(p, "en-US", 1_767_268_800_000.0));
            let mut m = answer.clone();
            m.apl = Some(Arc::new(screen.snapshot()));
            view::apply(&hl.app, p, 1.0, &m);
            let _ = hl.render();
            first.push(t.elapsed().as_secs_f64() * 1000.0);
            // A change the skill makes: a new text on the screen, laid out again.
            let t = Instant::now();
            let id = screen
                .root()
                .and_then(first_text_id)
                .unwrap_or_else(|| "bench-text".into());
            screen.execute(&ExecuteCommands {
                token: "bench".into(),
                commands: serde_json::json!([{"type": "SetValue", "componentId": id, "property": "text", "value": format!("Changed {i}")}]),
            });
            m.apl = Some(Arc::new(screen.snapshot()));
            let t_model = t.elapsed().as_secs_f64() * 1000.0;
            view::apply(&hl.app, p, 1.0, &m);
            let t_apply = t.elapsed().as_secs_f64() * 1000.0;
            let _ = hl.render();
            next.push(t.elapsed().as_secs_f64() * 1000.0);
            parts.push((t_model, t_apply - t_model, next[next.len() - 1] - t_apply));
        }
        parts.sort_by(|a, b| (a.0 + a.1 + a.2).partial_cmp(&(b.0 + b.1 + b.2)).unwrap());
        let (pm, pa, pr) = parts[parts.len() / 2];
        let f = common::pct(&mut first, 0.5);
        let n = common::pct(&mut next, 0.5);
        worst_first = worst_first.max(f / scene_first);
        worst_next = worst_next.max(n / scene_next);
        worst_cfirst = worst_cfirst.max(f / consent_first);
        worst_cnext = worst_cnext.max(n / consent_next);
        let name = if *changes {
            name.clone()
        } else {
            format!("{name} (no text to change)")
        };
        println!(
            "{name:28} first frame {f:6.2} ms ({:4.1}× the scene)   next frame {n:6.2} ms ({:4.1}× the scene: commands+snapshot {pm:.2}, layout+items {pa:.2}, drawing {pr:.2})",
            f / scene_first,
            n / scene_next
        );
    }
    let grown = rss_kb().saturating_sub(rss0) as f64 / 1024.0;
    println!(
        "worst against the skill-response scene: first frame {worst_first:.1}× (limit 8×), next frame {worst_next:.1}× (limit 2×); RSS grew {grown:.1} MB rendering all ten (limit 20 MB)"
    );
    println!(
        "worst against the consent page: first frame {worst_cfirst:.1}× (limit 8×), next frame {worst_cnext:.1}× (limit 2×)"
    );
}

/// The id of the first Text on the screen (the bench names one `bench-text` in each document:
/// the change is a text that shows).
fn first_text_id(n: &linkscreen::apl::Node) -> Option<String> {
    if n.kind == linkscreen::apl::Kind::Text
        && let Some(id) = &n.id
    {
        return Some(id.clone());
    }
    n.children.iter().find_map(first_text_id)
}

/// Names the document's first Text component with a written text `bench-text` (unless it has
/// an id), so a SetValue can change it.
fn name_first_text(v: &mut serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(o) => {
            if o.get("type").and_then(|t| t.as_str()) == Some("Text") && o.get("text").is_some() {
                o.entry("id").or_insert_with(|| "bench-text".into());
                return true;
            }
            o.values_mut().any(name_first_text)
        }
        serde_json::Value::Array(a) => a.iter_mut().any(name_first_text),
        _ => false,
    }
}
