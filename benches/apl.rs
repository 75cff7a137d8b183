//! APL rendering next to a built-in scene, in one process (headless, echo-show-8): ten APL
//! documents (the corpus of `tests/fixtures/apl` and the sample skill's own) against the
//! skill-response scene. First frame: for APL, parse + bind + inflate + layout (text measured
//! by Slint) + draw; for the scene, switching to it and drawing. Later frames: the same change
//! on both sides, a text of the screen with a counter added to it, laid out again and redrawn
//! (for APL a SetValue of the document's first Text; for the scene, the skill's words it
//! shows). Medians of many runs; the RSS growth of rendering every document.
//!
//! Also next to the device browser's consent page, a built-in scene with about as much on it.
//!
//! Each later frame is timed two ways: to a headless image (drawn, copied out of the renderer
//! and un-premultiplied, as `shoot` and scripts' `shot` need), and drawn only (the renderer's
//! buffer, as the window shows it). The copy costs the same on both sides of a ratio.
//!
//! `cargo bench --bench apl` (later frames redraw what changed, as the window does);
//! `--whole` draws every frame whole, as shots do; `--corpus` times only Amazon's documents
//! against apl-core.

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
    // `--corpus`: only Amazon's documents against apl-core.
    if std::env::args().any(|a| a == "--corpus") {
        corpus(f64::NAN);
        return;
    }
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
    let (mut first, mut next, mut drawn) = (vec![], vec![], vec![]);
    for i in 0..RUNS {
        view::apply(&hl.app, p, 1.0, &home);
        drop(hl.frame());
        let t = Instant::now();
        view::apply(&hl.app, p, 1.0, &answer);
        drop(hl.frame());
        first.push(ms(t));
        let mut m = answer.clone();
        // The scene's text: what the skill said (its body).
        m.body = format!("{} ({i})", answer.body);
        let t = Instant::now();
        view::apply(&hl.app, p, 1.0, &m);
        drop(hl.frame());
        next.push(ms(t));
        m.body = format!("{} (again {i})", answer.body);
        let t = Instant::now();
        view::apply(&hl.app, p, 1.0, &m);
        hl.draw();
        drawn.push(ms(t));
    }
    let scene_first = common::pct(&mut first, 0.5);
    let scene_next = common::pct(&mut next, 0.5);
    let scene_drawn = common::pct(&mut drawn, 0.5);
    println!(
        "built-in skill-response scene: first frame {scene_first:.2} ms; next frame {scene_next:.2} ms to an image, {scene_drawn:.3} ms drawn only (median of {RUNS})"
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
    let (mut cfirst, mut cnext, mut cdrawn) = (vec![], vec![], vec![]);
    let ticked = |on: bool| {
        let mut m = consent.clone();
        if let Some(page) = m.page.as_mut()
            && let Some(c) = page.items.iter_mut().find(|i| i.kind == "checkbox")
        {
            c.checked = on;
        }
        m
    };
    let (on, off) = (ticked(true), ticked(false));
    for _ in 0..RUNS {
        view::apply(&hl.app, p, 1.0, &home);
        drop(hl.frame());
        let t = Instant::now();
        view::apply(&hl.app, p, 1.0, &off);
        drop(hl.frame());
        cfirst.push(ms(t));
        let t = Instant::now();
        view::apply(&hl.app, p, 1.0, &on);
        drop(hl.frame());
        cnext.push(ms(t));
        let t = Instant::now();
        view::apply(&hl.app, p, 1.0, &off);
        hl.draw();
        cdrawn.push(ms(t));
    }
    let consent_first = common::pct(&mut cfirst, 0.5);
    let consent_next = common::pct(&mut cnext, 0.5);
    let consent_drawn = common::pct(&mut cdrawn, 0.5);
    println!(
        "built-in consent page (browser, {} items): first frame {consent_first:.2} ms; next frame {consent_next:.2} ms to an image, {consent_drawn:.3} ms drawn only (median of {RUNS})",
        consent.page.as_ref().map_or(0, |p| p.items.len())
    );

    let rss0 = rss_kb();
    let mut worst = Worst::default();
    for ((name, doc), changes) in docs.iter().zip(&changes) {
        let (mut first, mut next, mut drawn) = (vec![], vec![], vec![]);
        let (mut parts, mut first_parts) = (vec![], vec![]);
        for i in 0..RUNS {
            view::apply(&hl.app, p, 1.0, &home);
            drop(hl.frame());
            // Cold: no text of the document measured or laid out before.
            linkscreen::view::apl::forget_measurements();
            let t = Instant::now();
            let mut screen = Screen::new(doc, Viewport::of(p, "en-US", 1_767_268_800_000.0));
            let mut m = answer.clone();
            m.apl = Some(Arc::new(screen.snapshot()));
            let t_model = ms(t);
            view::apply(&hl.app, p, 1.0, &m);
            let t_apply = ms(t);
            drop(hl.frame());
            first.push(ms(t));
            first_parts.push((t_model, t_apply - t_model, ms(t) - t_apply));
            // A change the skill makes: its first text with a counter added, laid out again;
            // to an image, then (another counter) drawn only.
            let (id, text) = screen
                .root()
                .and_then(first_text)
                .unwrap_or_else(|| ("bench-text".into(), String::new()));
            for (n, times) in [(0, &mut next), (1, &mut drawn)] {
                let t = Instant::now();
                screen.execute(&ExecuteCommands {
                    token: "bench".into(),
                    commands: serde_json::json!([{"type": "SetValue", "componentId": id, "property": "text", "value": format!("{text} ({i}.{n})")}]),
                });
                m.apl = Some(Arc::new(screen.snapshot()));
                let t_model = ms(t);
                view::apply(&hl.app, p, 1.0, &m);
                let t_apply = ms(t);
                if n == 0 {
                    drop(hl.frame());
                } else {
                    hl.draw();
                    parts.push((t_model, t_apply - t_model, ms(t) - t_apply));
                }
                times.push(ms(t));
            }
        }
        let (pm, pa, pr) = median_parts(&mut parts);
        let (fm, fa, fr) = median_parts(&mut first_parts);
        let f = common::pct(&mut first, 0.5);
        let n = common::pct(&mut next, 0.5);
        let d = common::pct(&mut drawn, 0.5);
        worst.first = worst.first.max(f / scene_first);
        worst.next = worst.next.max(n / scene_next);
        worst.drawn = worst.drawn.max(d / scene_drawn);
        worst.cfirst = worst.cfirst.max(f / consent_first);
        worst.cnext = worst.cnext.max(n / consent_next);
        worst.cdrawn = worst.cdrawn.max(d / consent_drawn);
        let name = if *changes {
            name.clone()
        } else {
            format!("{name} (no text to change)")
        };
        println!(
            "{name}\n    first frame: parse, bind and inflate {fm:.2} ms, layout (texts measured) and items {fa:.2} ms, drawing {fr:.2} ms"
        );
        println!(
            "    first frame {f:5.2} ms ({:4.1}× the scene); next frame {n:5.2} ms to an image ({:4.1}×), {d:5.3} ms drawn only ({:4.1}×: commands+snapshot {pm:.3}, layout+items {pa:.3}, drawing {pr:.3})",
            f / scene_first,
            n / scene_next,
            d / scene_drawn,
        );
    }
    let grown = rss_kb().saturating_sub(rss0) as f64 / 1024.0;
    println!(
        "worst against the skill-response scene: first frame {:.1}× (limit 8×); next frame {:.1}× to an image, {:.1}× drawn only (limit 2×); RSS grew {grown:.1} MB rendering all ten (limit 20 MB)",
        worst.first, worst.next, worst.drawn
    );
    println!(
        "worst against the consent page: first frame {:.1}× (limit 8×); next frame {:.1}× to an image, {:.1}× drawn only (limit 2×)",
        worst.cfirst, worst.cnext, worst.cdrawn
    );
    corpus(scene_first);
}

/// Amazon's own documents (`../shared/apl-corpus`), load + inflate + first layout, beside the
/// apl-core 2024.3 figures `../shared/apl-corpus/oracle/TIMINGS.md` gives for them (measured
/// on this kind of machine) and beside the built-in scene drawn in this run: parse the
/// document and its datasources, inflate with Amazon's alexa-* packages 1.0 (as apl-core had
/// them), run onMount and lay out with a text measure that waits on no font engine (as both
/// sides did there). Packages are read once a run, as a device caches them.
fn corpus(scene_first: f64) {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let Ok(timings) = std::fs::read_to_string(shared.join("apl-corpus/oracle/TIMINGS.md")) else {
        println!("(no ../shared/apl-corpus here: the corpus comparison is skipped)");
        return;
    };
    if let Err(e) = linkscreen::apl::packages::use_folder(&shared.join("apl-packages")) {
        println!("corpus: {e}");
        return;
    }
    let p = viewport::profile("echo-show-8").unwrap();
    println!(
        "\nAmazon's documents on {} ({}×{} px, {} dpi): load + inflate + first layout, median of 100 (ms)",
        p.id, p.width, p.height, p.dpi
    );
    println!(
        "{:<30} {:>9} {:>9} {:>7} {:>11} {:>6}",
        "document", "apl-core", "linkscr", "ratio", "÷ scene", "comps"
    );
    let (mut ours_total, mut theirs_total, mut slowest) = (0.0, 0.0, (0.0f64, String::new()));
    for row in timings
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| document"))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (name, core) = (cells[1], cells[2]);
        let Some(core_ms) = core
            .split('/')
            .next()
            .and_then(|x| x.trim().parse::<f64>().ok())
        else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(shared.join(format!("apl-corpus/{name}.json")))
        else {
            continue;
        };
        let mut times = vec![];
        let mut split = vec![];
        let mut comps = 0;
        for i in 0..105 {
            let t = Instant::now();
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            // As a device takes the directive it parsed: moved, not copied.
            let (document, datasources) = match v.get_mut("document").map(serde_json::Value::take) {
                Some(d) => (d, v["datasources"].take()),
                None => (v, serde_json::Value::Null),
            };
            let render = RenderDocument {
                token: "bench".into(),
                document,
                datasources,
            };
            let t_parse = ms(t);
            let mut screen = Screen::new(render, Viewport::of(p, "en-US", 1_767_268_800_000.0));
            let t_inflate = ms(t);
            screen.mount();
            let t_mount = ms(t);
            let prims = screen.draw(&mut Advances);
            if i >= 5 {
                times.push(ms(t));
                split.push((
                    t_parse,
                    t_inflate - t_parse,
                    t_mount - t_inflate,
                    ms(t) - t_mount,
                ));
            }
            comps = screen.root().map_or(0, count);
            drop(prims);
        }
        let ours = common::pct(&mut times, 0.5);
        split.sort_by(|a, b| (a.0 + a.1 + a.2 + a.3).total_cmp(&(b.0 + b.1 + b.2 + b.3)));
        let (sp, si, sm, sl) = split[split.len() / 2];
        // core-complex-list: apl-core's 250 components against linkscreen's own count.
        // Alone (`--corpus`) the scene is not drawn: its column says so.
        let vs_scene = if scene_first.is_finite() {
            format!("{:.2}×", ours / scene_first)
        } else {
            "—".to_owned()
        };
        println!(
            "{name:<30} {core_ms:>9.3} {ours:>9.3} {:>6.2}× {vs_scene:>11} {comps:>6}   parse {sp:.3}, inflate {si:.3}, onMount {sm:.3}, layout {sl:.3}",
            ours / core_ms,
        );
        ours_total += ours;
        theirs_total += core_ms;
        if ours / core_ms > slowest.0 {
            slowest = (ours / core_ms, name.to_owned());
        }
    }
    let scene = if scene_first.is_finite() {
        format!("; the built-in scene's first frame here: {scene_first:.2} ms")
    } else {
        String::new()
    };
    println!(
        "in all: apl-core {theirs_total:.2} ms, linkscreen {ours_total:.2} ms ({:.2}×); the slowest against apl-core: {} ({:.2}×){scene}",
        ours_total / theirs_total,
        slowest.1,
        slowest.0
    );
}

/// Components in a tree.
fn count(n: &linkscreen::apl::Node) -> usize {
    1 + n.children.iter().map(count).sum::<usize>()
}

/// Text measured from fixed advances (0.55 × the size a character, words wrapped greedily,
/// 1.25 × the size a line): as cheap as the advance-table measure the apl-core figures used.
struct Advances;

impl linkscreen::apl::Measure for Advances {
    fn text(
        &mut self,
        text: &str,
        s: &linkscreen::apl::TextStyle,
        max_width: Option<f32>,
    ) -> (f32, f32) {
        let adv = |w: &str| w.chars().count() as f32 * (0.55 * s.size + s.letter_spacing);
        let space = adv(" ");
        let (mut widest, mut line, mut lines) = (0.0f32, 0.0f32, 1);
        for word in text.split_whitespace() {
            let w = adv(word);
            if line > 0.0 && max_width.is_some_and(|m| line + space + w > m) {
                widest = widest.max(line);
                lines += 1;
                line = w;
            } else {
                line += if line > 0.0 { space + w } else { w };
            }
        }
        widest = widest.max(line);
        (widest, lines as f32 * 1.25 * s.size)
    }
}

/// The worst ratios of the documents against the two built-in scenes.
#[derive(Default)]
struct Worst {
    first: f64,
    next: f64,
    drawn: f64,
    cfirst: f64,
    cnext: f64,
    cdrawn: f64,
}

/// The parts of the run whose total is the median.
fn median_parts(parts: &mut [(f64, f64, f64)]) -> (f64, f64, f64) {
    parts.sort_by(|a, b| (a.0 + a.1 + a.2).total_cmp(&(b.0 + b.1 + b.2)));
    parts[parts.len() / 2]
}

/// Milliseconds since `t`.
fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// The id and text of the first Text on the screen with an id (the bench names one
/// `bench-text` in each document: the change is a text that shows).
fn first_text(n: &linkscreen::apl::Node) -> Option<(String, String)> {
    if n.kind == linkscreen::apl::Kind::Text
        && let Some(id) = &n.id
    {
        return Some((id.clone(), n.text("text").unwrap_or_default()));
    }
    n.children.iter().find_map(first_text)
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
