//! `linkscreen shoot`: renders scenes x devices x locales headless from fixed
//! fixture data (codes, URLs, names, clock), so the same inputs give the same
//! PNGs on any machine. Writes `OUT/<device>/<locale>/<scene>.png`,
//! `OUT/manifest.json` and the contact sheet `OUT/index.html`; compares with
//! goldens (`--check`), lints the layout, and renders in one process per core.

pub mod compare;
pub mod lint;
pub mod sheet;

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{AppError, ErrorKind, Outcome};
use crate::flow::{LinkCode, Millis, PageKind, Scene, SkillAnswer, State, Step};
use crate::locale::{self, tr};
use crate::protocol::viewport::{self, DeviceProfile};
use crate::view::{self, headless::Headless, model};

/// The fixed clock of every shot: 32 s after the code was issued.
pub const FIXTURE_NOW: Millis = 32_000;

/// What one shot shows: a scene, or (`keyboard`) the login scene with a field focused and
/// the on-screen keyboard up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub id: &'static str,
    pub scene: Scene,
    pub keyboard: bool,
    /// The designer's emulator window around the scene, its panel on this tab
    /// (0 events, 2 report).
    pub panel: Option<i32>,
}

/// Every shot subject, in `shoot` order: each scene, then `keyboard`.
pub fn subjects() -> Vec<Subject> {
    let mut v: Vec<Subject> = Scene::ALL
        .iter()
        .map(|s| Subject {
            id: s.id(),
            scene: *s,
            keyboard: false,
            panel: None,
        })
        .collect();
    v.push(Subject {
        id: "keyboard",
        scene: Scene::Login,
        keyboard: true,
        panel: None,
    });
    v.push(Subject {
        id: "emulator",
        scene: Scene::LinkPrompt,
        keyboard: false,
        panel: Some(0),
    });
    v.push(Subject {
        id: "emulator-report",
        scene: Scene::SkillResponse,
        keyboard: false,
        panel: Some(2),
    });
    v
}

/// The screen model of a shot subject (also the emulator's scene preview).
pub fn fixture_model(
    subject: Subject,
    p: &DeviceProfile,
    locale: &str,
    skill_name: &str,
    invocation: &str,
    household: &[crate::config::Profile],
) -> model::UiModel {
    let state = fixture(subject.scene, locale);
    let mut m = model::build(
        subject.scene,
        &state,
        FIXTURE_NOW,
        locale,
        skill_name,
        invocation,
        &model::Talk {
            household,
            speaker: Some("Annie"),
            scopes: &["profile".to_owned()],
        },
    );
    m.page = fixture_page(subject, locale, p.touch);
    if subject.scene == Scene::VoiceLink {
        // What the person in front of it said: in the device's language.
        m.heard = crate::locale::tr("alexa.approve_phrase", locale, &[]);
        m.listening = true;
    }
    m
}

/// The emulator panel of the `emulator` shots: a journey's events, one selected, and a report.
fn fixture_panel(p: &DeviceProfile, locale: &str, tab: i32) -> crate::view::emulator::Panel {
    use crate::backend::conformance as c;
    use serde_json::json;
    let envelope = json!({"version": "1.0", "request": {"type": "LaunchRequest", "requestId": "amzn1.echo-api.request.fixture", "locale": locale}, "context": {"System": {"user": {"userId": "amzn1.ask.account.fixture"}}}});
    let mut events = vec![
        json!({"type": "start", "t": 3, "backend": "http://127.0.0.1:8686", "device": p.id, "locale": locale}),
        json!({"type": "scene", "t": 5, "scene": "home"}),
        json!({"type": "nlu", "t": 12, "utterance": "Alexa, open ride hailer", "result": "launch"}),
        json!({"type": "skill_request", "t": 15, "url": "http://127.0.0.1:8686/ridehailer/skill", "body": envelope}),
        json!({"type": "skill_response", "t": 41, "body": {"version": "1.0", "response": {"outputSpeech": {"type": "PlainText", "text": "To use Ride Hailer, link your account."}, "card": {"type": "LinkAccount"}, "shouldEndSession": true}}}),
        json!({"type": "device_authorization", "t": 52, "user_code": "WDJB-MJHT", "expires_in": 600, "interval": 5}),
        json!({"type": "prompt", "t": 53, "user_code": "WDJB-MJHT", "verification_uri": "http://127.0.0.1:8686/device", "qr_url": "http://127.0.0.1:8686/device?user_code=WDJB-MJHT"}),
        json!({"type": "scene", "t": 54, "scene": "link-prompt"}),
        json!({"type": "poll", "t": 5061, "result": "authorization_pending", "elapsed_ms": 5004, "wait_s": 5}),
        json!({"type": "token_exchange", "t": 9020, "grant_type": "authorization_code", "result": "ok", "elapsed_ms": 4720, "expires_in": 3600, "refresh_token": true}),
        json!({"type": "conformance", "t": 9021, "level": "reject", "rule": "token-endpoint-slow"}),
    ];
    // The panel lists the newest first.
    events.reverse();
    let findings = vec![
        c::check_token_time(
            "https://id.ridehailer.example/oauth/token",
            "authorization_code",
            std::time::Duration::from_millis(4720),
            false,
        ),
        c::check_token_response(Some(120), false, None, "authorization_code")
            .into_iter()
            .filter(|f| f.level != c::Level::Pass)
            .collect::<Vec<_>>()
            .remove(0),
        c::check_state(Some("x"), true),
        c::check_redirect_uri(
            "https://pitangui.amazon.com/api/skill/link/M2LSEMU0000001",
            302,
            "",
            Some("https://id.ridehailer.example/login?next=%2Fauthorize"),
        ),
    ];
    crate::view::emulator::Panel {
        skill_name: "Ride Hailer".into(),
        device: p.id.into(),
        locale: locale.into(),
        speaker: "Annie".into(),
        preview: String::new(),
        user_code: "WDJB-MJHT".into(),
        can_open_phone: true,
        status: String::new(),
        selected: Some(7),
        events,
        faults: crate::backend::faults::Fault::ALL
            .into_iter()
            .map(|f| (f, f == crate::backend::faults::Fault::SlowAuth, true))
            .collect(),
        findings,
        tab,
    }
}

/// The device's browser on the sample server's real sign-in pages (rendered by the same code
/// that serves them), for the login, terms, consent and keyboard shots.
pub fn fixture_page(subject: Subject, locale: &str, touch: bool) -> Option<model::PageView> {
    use crate::backend::auth_server;
    use crate::view::signin::{Msg, SignIn, Todo};
    let html = match subject.scene {
        Scene::Login => auth_server::login_form("fixture", None, "annie@example.com"),
        Scene::Terms => auth_server::terms_markup("fixture"),
        Scene::Consent => auth_server::consent_markup("fixture", "profile rides"),
        _ => return None,
    }
    .into_string();
    let url = "https://ridehailer.example/ridehailer/oauth/authorize";
    let mut s = SignIn::new(None);
    if let Todo::Load { seq, .. } = s.handle(Msg::Navigate(url.into())) {
        s.handle(Msg::Loaded {
            seq,
            result: Ok(crate::clients::phone::Page {
                url: url::Url::parse(url).expect("valid URL"),
                status: 200,
                html,
            }),
        });
    }
    if subject.keyboard
        && let Some(pw) = s.find_field("password")
    {
        s.handle(Msg::Press { item: pw });
        for c in "ride-h".chars() {
            s.handle(Msg::Key(c.to_string()));
        }
    }
    Some(s.view(locale, touch))
}

/// The fixture state shown for a scene.
pub fn fixture(scene: Scene, locale: &str) -> State {
    // The link prompt, showing the QR code or the device's browser on a page of `view`.
    let prompt = |view| State::Prompt {
        code: LinkCode {
            device_code: "fixture".into(),
            user_code: "WDJB-MJHT".into(),
            verification_uri: "http://127.0.0.1:8686/device".into(),
            verification_uri_complete: Some(
                "http://127.0.0.1:8686/device?user_code=WDJB-MJHT".into(),
            ),
            expires_at: 600_000,
            interval_ms: 5_000,
        },
        skill_speech: None,
        epoch: 1,
        view,
    };
    let browser = |kind| prompt(crate::flow::View::Browser(kind));
    match scene {
        Scene::Login => browser(PageKind::Login),
        Scene::Terms => browser(PageKind::Terms),
        Scene::Consent => browser(PageKind::Consent),
        Scene::Linking => browser(PageKind::Finishing),
        Scene::Home => State::Home,
        Scene::Invoking => State::Invoking { token: None },
        Scene::LinkPrompt => prompt(crate::flow::View::Qr),
        Scene::ProfilePicker => State::Picking { skill_speech: None },
        Scene::Success => State::Success {
            until: FIXTURE_NOW + 2_000,
            token: "fixture".into(),
        },
        Scene::SkillResponse => State::SkillResponse(SkillAnswer {
            speech: Some(tr("skill.linked", locale, &[("name", "Annie")])),
            ..Default::default()
        }),
        Scene::CodeExpired => State::CodeExpired,
        Scene::AccessDenied => State::AccessDenied,
        Scene::LinkFailed => State::LinkFailed {
            reason: "invalid_grant: linking failed: the token endpoint did not answer within 4.5 s"
                .into(),
        },
        Scene::ServerUnreachable => State::Unreachable {
            step: Step::Poll,
            reason: "http://127.0.0.1:8686/oauth/token: connection refused".into(),
            retry_at: FIXTURE_NOW + 4_000,
            attempt: 2,
            resume: None,
        },
        Scene::SkillError => State::SkillError {
            reason: "the skill's answer is not a response envelope: missing field `version`".into(),
        },
        Scene::VoiceLink => State::VoiceLink {
            link: crate::flow::LinkRequest {
                token: "accountLinking".into(),
                errors_only: false,
            },
            step: crate::flow::VoiceStep::Code { retry: false },
            tries: 0,
        },
    }
}

/// What `--check` found for one shot.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CheckResult {
    /// `pass`, `fail`, `missing` or `updated`.
    pub status: String,
    pub share: f64,
    pub expected: Option<String>,
    pub diff: Option<String>,
}

/// One rendered shot, as listed in `manifest.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Shot {
    pub scene: String,
    pub device: String,
    pub locale: String,
    pub width: u32,
    pub height: u32,
    pub path: String,
    pub sha256: String,
    pub warnings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckResult>,
}

/// Renders one scene of the fixture journey for a device and locale: the
/// library entry point for users' own tests (one [`Headless`] per process).
///
/// ```no_run
/// use linkscreen::{flow::Scene, protocol::viewport, shots, view::headless::Headless};
/// let p = viewport::profile("echo-show-5").unwrap();
/// let mut hl = Headless::new(p.width, p.height).unwrap();
/// let img = shots::render(&mut hl, p, "de-DE", Scene::LinkPrompt);
/// img.save("link-prompt.png").unwrap();
/// ```
pub fn render(
    hl: &mut Headless,
    p: &DeviceProfile,
    locale: &str,
    scene: Scene,
) -> image::RgbaImage {
    render_subject(
        hl,
        p,
        locale,
        Subject {
            id: scene.id(),
            scene,
            keyboard: false,
            panel: None,
        },
    )
}

/// Renders one shot subject (a scene, or the keyboard shot).
pub fn render_subject(
    hl: &mut Headless,
    p: &DeviceProfile,
    locale: &str,
    subject: Subject,
) -> image::RgbaImage {
    use crate::view::emulator;
    let scale = match subject.panel {
        Some(tab) => {
            let s = emulator::default_scale(p);
            let (w, h) = emulator::window_size(p, s);
            hl.resize(w, h);
            emulator::apply_panel(&hl.app, &fixture_panel(p, locale, tab));
            s
        }
        None => {
            emulator::hide_panel(&hl.app);
            hl.resize(p.width, p.height);
            1.0
        }
    };
    view::set_profile(&hl.app, p, scale);
    let m = fixture_model(
        subject,
        p,
        locale,
        "Ride Hailer",
        "ride hailer",
        &crate::config::default_household(),
    );
    view::apply(&hl.app, p, scale, &m);
    hl.render()
}

fn pick<T: Copy>(
    arg: &str,
    all: &[T],
    id: impl Fn(&T) -> &str,
    what: &str,
) -> Result<Vec<T>, String> {
    if arg == "all" {
        return Ok(all.to_vec());
    }
    arg.split(',')
        .map(|name| {
            all.iter()
                .copied()
                .find(|x| id(x) == name.trim())
                .ok_or_else(|| {
                    format!("--{what}: unknown {name:?}; `linkscreen {what}` lists them")
                })
        })
        .collect()
}

fn parse_shard(s: &str) -> Option<(usize, usize)> {
    let (k, n) = s.split_once('/')?;
    let (k, n) = (k.parse().ok()?, n.parse().ok()?);
    (k < n).then_some((k, n))
}

fn rel(base: &Path, p: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

fn fail(msg: impl std::fmt::Display) -> AppError {
    AppError::said(ErrorKind::Usage, msg)
}

/// What `shoot` renders and checks (the command line's, as plain data).
pub struct ShootPlan {
    pub scenes: String,
    pub locales: String,
    pub devices: String,
    pub out: PathBuf,
    pub check: Option<PathBuf>,
    pub tolerance: f64,
    pub update: bool,
    pub strict: bool,
    pub jobs: Option<usize>,
    pub shard: Option<String>,
}

type Work = (DeviceProfile, &'static str, Subject);

/// Renders (and checks) the items of one shard.
fn run_shard(a: &ShootPlan, work: &[Work]) -> Result<Vec<Shot>, String> {
    let Some(first) = work.first() else {
        return Ok(vec![]);
    };
    let mut hl = Headless::new(first.0.width, first.0.height).map_err(|e| e.to_string())?;
    let mut shots = vec![];
    for (p, l, s) in work {
        let dir = a.out.join(p.id).join(l);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let img = render_subject(&mut hl, p, l, *s);
        let path: PathBuf = dir.join(format!("{}.png", s.id));
        img.save(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let check = match &a.check {
            None => None,
            Some(golden_dir) => Some(check_one(a, golden_dir, p, l, *s, &img, &path)?),
        };
        shots.push(Shot {
            scene: s.id.into(),
            device: p.id.into(),
            locale: l.to_string(),
            width: img.width(),
            height: img.height(),
            path: rel(&a.out, &path),
            sha256: hex::encode(Sha256::digest(&bytes)),
            // The emulator shots are a whole window, not a screen: the edge lint is for screens.
            warnings: match s.panel {
                None => lint::lint(&img, p),
                Some(_) => vec![],
            },
            check,
        });
    }
    Ok(shots)
}

fn check_one(
    a: &ShootPlan,
    golden_dir: &Path,
    p: &DeviceProfile,
    l: &str,
    s: Subject,
    img: &image::RgbaImage,
    actual: &Path,
) -> Result<CheckResult, String> {
    let golden = golden_dir.join(p.id).join(l).join(format!("{}.png", s.id));
    if a.update {
        if let Some(d) = golden.parent() {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        std::fs::copy(actual, &golden).map_err(|e| format!("{}: {e}", golden.display()))?;
        return Ok(CheckResult {
            status: "updated".into(),
            share: 0.0,
            expected: None,
            diff: None,
        });
    }
    let expected = match image::open(&golden) {
        Ok(i) => i.to_rgba8(),
        Err(_) => {
            return Ok(CheckResult {
                status: "missing".into(),
                share: 1.0,
                expected: None,
                diff: None,
            });
        }
    };
    let (c, diff) = compare::compare(img, &expected);
    if c.passes(a.tolerance) {
        return Ok(CheckResult {
            status: "pass".into(),
            share: c.share(),
            expected: None,
            diff: None,
        });
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
    std::fs::copy(actual, &ap).map_err(|e| e.to_string())?;
    Ok(CheckResult {
        status: "fail".into(),
        share: c.share(),
        expected: Some(rel(&a.out, &ep)),
        diff: Some(rel(&a.out, &dp)),
    })
}

fn child_args(a: &ShootPlan, k: usize, n: usize) -> Vec<String> {
    let mut v = vec![
        "shoot".into(),
        "--scenes".into(),
        a.scenes.clone(),
        "--locales".into(),
        a.locales.clone(),
        "--devices".into(),
        a.devices.clone(),
    ];
    v.extend([
        "--out".into(),
        a.out.display().to_string(),
        "--tolerance".into(),
        a.tolerance.to_string(),
        "--shard".into(),
        format!("{k}/{n}"),
    ]);
    if let Some(c) = &a.check {
        v.extend(["--check".into(), c.display().to_string()]);
    }
    if a.update {
        v.push("--update".into());
    }
    v
}

pub fn shoot(a: ShootPlan) -> Outcome {
    let scenes = match pick(&a.scenes, &subjects(), |s| s.id, "scenes") {
        Ok(s) => s,
        Err(e) => return Err(fail(e)),
    };
    let devices = match pick(&a.devices, viewport::PROFILES, |p| p.id, "devices") {
        Ok(d) => d,
        Err(e) => return Err(fail(e)),
    };
    let locales = match pick(&a.locales, locale::SUPPORTED, |l| l, "locales") {
        Ok(l) => l,
        Err(e) => return Err(fail(e)),
    };
    let mut work: Vec<Work> = vec![];
    for p in &devices {
        for l in &locales {
            for s in &scenes {
                work.push((*p, l, *s));
            }
        }
    }
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        return Err(fail(format!("--out {}: {e}", a.out.display())));
    }

    // A worker: render its shard, leave a partial manifest for the parent.
    if let Some(sh) = &a.shard {
        let Some((k, n)) = parse_shard(sh) else {
            return Err(fail(format!("--shard: expected K/N, found {sh:?}")));
        };
        let mine: Vec<Work> = work
            .iter()
            .enumerate()
            .filter(|(i, _)| i % n == k)
            .map(|(_, w)| *w)
            .collect();
        return match run_shard(&a, &mine) {
            Ok(shots) => match std::fs::write(
                a.out.join(format!(".manifest-shard-{k}.json")),
                serde_json::to_vec(&shots).expect("serializes"),
            ) {
                Ok(()) => Ok(()),
                Err(e) => Err(fail(e)),
            },
            Err(e) => Err(fail(e)),
        };
    }

    let n = a
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .clamp(1, work.len().max(1));
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return Err(fail(e)),
    };
    let mut children = vec![];
    for k in 1..n {
        match Command::new(&exe).args(child_args(&a, k, n)).spawn() {
            Ok(c) => children.push((k, c)),
            Err(e) => return Err(fail(format!("cannot start a render worker: {e}"))),
        }
    }
    let mine: Vec<Work> = work
        .iter()
        .enumerate()
        .filter(|(i, _)| i % n == 0)
        .map(|(_, w)| *w)
        .collect();
    let mut shots = match run_shard(&a, &mine) {
        Ok(s) => s,
        Err(e) => return Err(fail(e)),
    };
    for (k, mut c) in children {
        match c.wait() {
            Ok(st) if st.success() => {}
            Ok(st) => return Err(fail(format!("render worker {k} failed ({st})"))),
            Err(e) => return Err(fail(e)),
        }
        let part = a.out.join(format!(".manifest-shard-{k}.json"));
        match std::fs::read(&part)
            .ok()
            .and_then(|b| serde_json::from_slice::<Vec<Shot>>(&b).ok())
        {
            Some(s) => shots.extend(s),
            None => return Err(fail(format!("render worker {k} left no manifest"))),
        }
        let _ = std::fs::remove_file(part);
    }
    let order = |s: &Shot| {
        (
            viewport::PROFILES.iter().position(|p| p.id == s.device),
            locale::SUPPORTED.iter().position(|l| *l == s.locale),
            subjects().iter().position(|x| x.id == s.scene),
        )
    };
    shots.sort_by_key(order);

    if let Err(e) = std::fs::write(
        a.out.join("manifest.json"),
        serde_json::to_string_pretty(&shots).expect("serializes"),
    ) {
        return Err(fail(format!("manifest.json: {e}")));
    }
    if let Err(e) = std::fs::write(a.out.join("index.html"), sheet::render(&shots)) {
        return Err(fail(format!("index.html: {e}")));
    }
    let mut warnings = 0;
    for s in &shots {
        for w in &s.warnings {
            eprintln!("warning: {}/{}/{}: {w}", s.device, s.locale, s.scene);
            warnings += 1;
        }
    }
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
        eprintln!(
            "{}: {}/{}/{} ({:.3}% of pixels differ)",
            c.status,
            s.device,
            s.locale,
            s.scene,
            c.share * 100.0
        );
    }
    println!(
        "{} shots, {} warnings{} -> {}",
        shots.len(),
        warnings,
        if a.check.is_some() {
            format!(", {} differ from the goldens", failed.len())
        } else {
            String::new()
        },
        a.out.join("index.html").display()
    );
    if !failed.is_empty() || (a.strict && warnings > 0) {
        Err(AppError::reported(ErrorKind::Check))
    } else {
        Ok(())
    }
}
