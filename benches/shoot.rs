//! Screenshot throughput: `linkscreen shoot` over the full matrix (every scene x device x
//! locale) and the default one (every scene x device, en-US); shots per second, ms per shot,
//! peak RSS of the workers; and, when `chromium` is installed, the time headless Chromium
//! takes to screenshot an HTML page of the same size, for comparison.
//!
//! Then Amazon's APL corpus: ms per shot on three devices (`-- --apl`: only that).
//!
//! `cargo bench --bench shoot`; `LINKSCREEN_BEFORE=/path/to/an/older/linkscreen` also runs the
//! full matrix with that binary, interleaved with this one (best of two each), and prints the
//! ratio: a speed-up measured in one run, on one machine.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

fn shoot(args: &[&str]) -> (f64, usize) {
    shoot_with(std::path::Path::new(env!("CARGO_BIN_EXE_linkscreen")), args)
}

fn shoot_with(bin: &std::path::Path, args: &[&str]) -> (f64, usize) {
    let out = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let st = Command::new(bin)
        .args(args)
        .arg("--out")
        .arg(out.path())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let secs = t.elapsed().as_secs_f64();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    // Binaries before issue 18 wrote the list itself; later ones `{"summary", "shots"}`.
    let shots = manifest.get("shots").unwrap_or(&manifest);
    (secs, shots.as_array().unwrap().len())
}

fn peak_rss_mb() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    ru.ru_maxrss as f64 / 1024.0
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|c| {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {c}"))
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

fn main() {
    // `cargo bench --bench shoot -- --apl`: only Amazon's APL corpus.
    if std::env::args().any(|a| a == "--apl") {
        apl_corpus();
        return;
    }
    const MATRIX: &[&str] = &[
        "shoot",
        "--scenes",
        "all",
        "--devices",
        "all",
        "--locales",
        "all",
    ];
    let (secs, n) = shoot(MATRIX);
    println!(
        "full matrix: {n} shots in {secs:.1} s = {:.1} shots/s, {:.1} ms per shot (wall, all cores)",
        n as f64 / secs,
        secs * 1000.0 / n as f64
    );
    // One worker per resolution: ms per shot, process start included.
    let mut per_shot = 0.0;
    for (device, size) in [
        ("echo-show-5", "960x480"),
        ("echo-show-8", "1280x800"),
        ("fire-tv", "1920x1080"),
    ] {
        let (secs1, n1) = shoot(&[
            "shoot",
            "--scenes",
            "all",
            "--devices",
            device,
            "--locales",
            "all",
            "--jobs",
            "1",
        ]);
        let ms = secs1 * 1000.0 / n1 as f64;
        if device == "echo-show-5" {
            per_shot = ms;
        }
        println!(
            "{device} ({size}), one worker: {n1} shots in {secs1:.2} s = {ms:.2} ms per shot (incl. process start)"
        );
    }
    apl_corpus();
    let (secs2, n2) = shoot(&["shoot"]);
    println!("default matrix (all scenes x all devices, en-US): {n2} shots in {secs2:.1} s");
    let rss = peak_rss_mb();
    println!("peak RSS of a shoot process: {rss:.1} MB");
    common::row(
        "`shoot`, full matrix on every core",
        &format!("{n} shots in {secs:.1} s"),
        "—",
        "—",
    );
    if let Some(before) = std::env::var_os("LINKSCREEN_BEFORE") {
        let before = PathBuf::from(before);
        let (mut now, mut then) = (f64::MAX, f64::MAX);
        for _ in 0..2 {
            then = then.min(shoot_with(&before, MATRIX).0);
            now = now.min(shoot(MATRIX).0);
        }
        println!(
            "full matrix, interleaved, best of two: {} {then:.1} s, this build {now:.1} s",
            before.display()
        );
        common::row(
            "`shoot`, full matrix, against an older binary (`LINKSCREEN_BEFORE`)",
            &format!("{now:.1} s"),
            &format!("{then:.1} s"),
            &format!("{:.1}× faster", then / now),
        );
    }
    common::row(
        "`shoot`, peak RSS of a worker",
        &format!("{rss:.1} MB"),
        "—",
        "—",
    );
    match chromium() {
        None => {
            println!("chromium: not installed (apt-get install chromium), comparison skipped");
            common::row(
                "`shoot`, one worker, 960×480",
                &format!("{per_shot:.2} ms/shot"),
                "chromium not installed",
                "—",
            );
        }
        Some(bin) => {
            let dir = tempfile::tempdir().unwrap();
            let page = dir.path().join("p.html");
            std::fs::write(&page, "<!doctype html><body style='margin:0;background:#0e1b2c;color:#fff;font:22px sans-serif'><div style='padding:24px'><b>To use Ride Hailer, you need to link your account.</b><p>Or visit http://127.0.0.1:8686/device and enter the code</p><h1>WDJB-MJHT</h1><button>Sign in using this device</button></div></body>").unwrap();
            let mut times = vec![];
            for i in 0..5 {
                let png = dir.path().join(format!("c{i}.png"));
                let t = Instant::now();
                let st = Command::new(&bin)
                    .args([
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--hide-scrollbars",
                        "--window-size=960,480",
                    ])
                    .arg(format!(
                        "--user-data-dir={}",
                        dir.path().join(format!("u{i}")).display()
                    ))
                    .arg(format!("--screenshot={}", png.display()))
                    .arg(format!("file://{}", page.display()))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert!(st.success() && png.exists());
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let chrome = times[times.len() / 2];
            println!("chromium headless screenshot, 960x480, cold: {chrome:.0} ms (median of 5)");
            println!(
                "linkscreen vs cold chromium: {:.0}x faster per shot (target >= 400x)",
                chrome / per_shot
            );
            common::row(
                "`shoot`, one worker, 960×480 vs cold `chromium --headless --screenshot`",
                &format!("{per_shot:.2} ms/shot"),
                &format!("{chrome:.0} ms"),
                &format!("{:.0}× faster", chrome / per_shot),
            );
            match playwright_warm(&bin, &page) {
                Ok(ms) => {
                    println!(
                        "warm Playwright (one page, setContent + screenshot), 960x480: {ms:.1} ms per shot"
                    );
                    println!(
                        "linkscreen vs warm Playwright: {:.1}x faster per shot (target >= 25x)",
                        ms / per_shot
                    );
                    common::row(
                        "`shoot`, one worker, 960×480 vs warm Playwright (`setContent` + `screenshot`)",
                        &format!("{per_shot:.2} ms/shot"),
                        &format!("{ms:.1} ms"),
                        &format!("{:.1}× faster", ms / per_shot),
                    );
                }
                Err(why) => println!("warm Playwright: skipped ({why})"),
            }
        }
    }
}

/// Amazon's APL corpus (`../shared/apl-corpus`, its 30 documents copied to a folder of their
/// own so that the oracle's files are not read): ms per shot on the issue's three devices, one
/// worker (a run of one document, the process start, taken away), and the issue's own run
/// (the three devices, every core) as a whole, start included. Best of five each: this
/// machine's timings move ±30% from run to run.
fn apl_corpus() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/apl-corpus");
    let Ok(rd) = std::fs::read_dir(&corpus) else {
        println!("APL corpus: {} not found, skipped", corpus.display());
        return;
    };
    let docs = tempfile::tempdir().unwrap();
    let one = tempfile::tempdir().unwrap();
    let mut n = 0;
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json") {
            std::fs::copy(&p, docs.path().join(e.file_name())).unwrap();
            if n == 0 {
                std::fs::copy(&p, one.path().join(e.file_name())).unwrap();
            }
            n += 1;
        }
    }
    let best = |dir: &std::path::Path, extra: &[&str]| {
        let d = dir.to_str().unwrap();
        let mut args = vec!["shoot", "--apl", d, "--scenes", "apl"];
        args.extend(extra);
        (0..5)
            .map(|_| shoot(&args))
            .min_by(|a, b| a.0.partial_cmp(&b.0).unwrap())
            .unwrap()
    };
    for device in ["echo-spot", "echo-show-8", "fire-tv"] {
        let one_worker = ["--devices", device, "--jobs", "1"];
        let (all, shots) = best(docs.path(), &one_worker);
        let (start, _) = best(one.path(), &one_worker);
        let ms = (all - start) * 1000.0 / (shots - 1) as f64;
        println!(
            "APL corpus, {device}, one worker: {shots} shots in {all:.3} s; {ms:.2} ms per shot (target <= 3 ms)"
        );
        common::row(
            &format!("`shoot --apl` Amazon's corpus, {device}, one worker"),
            &format!("{ms:.2} ms/shot"),
            "3 ms (target)",
            "—",
        );
    }
    let (all, shots) = best(docs.path(), &["--devices", "echo-show-8,echo-spot,fire-tv"]);
    let ms = all * 1000.0 / shots as f64;
    println!(
        "APL corpus, echo-show-8,echo-spot,fire-tv on every core: {shots} shots in {all:.3} s = {ms:.2} ms per shot, process start included"
    );
    common::row(
        "`shoot --apl` Amazon's corpus on echo-show-8, echo-spot and fire-tv, every core, start included",
        &format!("{ms:.2} ms/shot"),
        "3 ms (target)",
        "—",
    );
}

/// Warm Playwright on the same page: one browser, one page, `setContent` + `screenshot` per
/// shot (playwright-core from npm, installed once under target/, driving this chromium).
fn playwright_warm(chromium: &std::path::Path, page: &std::path::Path) -> Result<f64, String> {
    let dir = common::npm_dir("playwright-core@1")?;
    let js = r#"
const { chromium } = require('playwright-core');
(async () => {
  const html = require('fs').readFileSync(process.argv[3], 'utf8');
  const b = await chromium.launch({ executablePath: process.argv[2], args: ['--no-sandbox'] });
  const p = await b.newPage({ viewport: { width: 960, height: 480 } });
  for (let i = 0; i < 5; i++) { await p.setContent(html); await p.screenshot(); }
  const n = 50, t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) { await p.setContent(html); await p.screenshot(); }
  console.log(Number(process.hrtime.bigint() - t) / 1e6 / n);
  await b.close();
})().catch(e => { console.error(e); process.exit(1); });
"#;
    let script = dir.join("warm.js");
    std::fs::write(&script, js).map_err(|e| e.to_string())?;
    let out = Command::new("node")
        .arg(&script)
        .arg(chromium)
        .arg(page)
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .next()
            .unwrap_or("node failed")
            .to_owned());
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("{e}"))
}
