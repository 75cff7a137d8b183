//! `linkscreen run`: the embedded backend plus the device, in a window or
//! headless (`--headless --frames DIR`).
//!
//! Must not import: `cli`, `app`, `view`'s window (`view::window`, `view::ui`).

use std::path::PathBuf;

use super::DeviceSetup;
use crate::backend::{self, Running};
use crate::clients::linking::LinkingClient;
use crate::clients::skill::Identity;
use crate::config::{Config, LinkingMode};
use crate::error::{AppError, ErrorKind, Outcome};
use crate::events::{EventLog, LogEvent};
use crate::plan::{RunPlan, speaker_id};
use crate::protocol::viewport::DeviceProfile;

/// Says what failed (now, so it stays in order with what follows on stderr).
pub fn fail(kind: ErrorKind, msg: impl std::fmt::Display) -> AppError {
    AppError::said(kind, msg)
}

/// Starts the backend and builds the device's clients.
/// Options of `prepare` beyond the config.
pub struct Prepare {
    /// The LAN address phones reach (`--lan`, `--lan-address`).
    pub lan: Option<std::net::IpAddr>,
    /// Recognized speaker's profile name.
    pub speaker: Option<String>,
    pub open_browser: bool,
    pub kiosk: Option<crate::flow::Kiosk>,
    /// Faults switched on once the device's clients are set up (`--fault`).
    pub faults: Vec<crate::faults::Fault>,
    /// `--speak`: voice the lines with espeak-ng.
    pub speak: bool,
    /// `--seed`: countdowns stand still on screen.
    pub still_clock: bool,
    /// `--settle`: how long (ms) an APL screen may take to settle.
    pub settle: u64,
    /// Said after "cannot listen on …: Address already in use" (see [`RunPlan::bind_hint`]).
    pub bind_hint: Option<String>,
}

impl Prepare {
    /// What a plan says about preparing its run; `open_browser`: pages that need JavaScript
    /// open in the desktop's browser (a window, not a kiosk or a headless run).
    pub fn of(a: &RunPlan, open_browser: bool) -> Prepare {
        Prepare {
            lan: a.lan,
            speaker: a.speaker.clone(),
            open_browser,
            kiosk: a.kiosk.as_ref().map(|k| k.times),
            faults: a.faults.clone(),
            speak: a.speak,
            still_clock: a.seed.is_some(),
            settle: a.settle,
            bind_hint: a.bind_hint.clone(),
        }
    }
}

pub async fn prepare(
    cfg: Config,
    profile: DeviceProfile,
    locale: &str,
    log: EventLog,
    opts: &Prepare,
) -> Result<(DeviceSetup, Running), AppError> {
    let mut backend_opts = backend::Options::new(cfg.clone());
    backend_opts.lan = opts.lan;
    let running = backend::start(backend_opts).await.map_err(|e| {
        let code = if e.is_setup() {
            ErrorKind::Usage
        } else {
            ErrorKind::Peer
        };
        match (&e, &opts.bind_hint) {
            (backend::StartError::Bind { source, .. }, Some(hint))
                if source.kind() == std::io::ErrorKind::AddrInUse =>
            {
                fail(code, format!("{e}\n  {hint}"))
            }
            _ => fail(code, e),
        }
    })?;
    // A port the system picked changes each start: both hints below say how to keep it.
    let changes = (cfg.backend.port == 0)
        .then_some("the port changes each start: fix it with --port N or [backend] port");
    if opts.lan.is_some() {
        // Phones on the LAN open this address (the QR code carries it); a firewall must let
        // them in.
        eprintln!(
            "linkscreen: phones on the LAN reach this device at {} (TCP port {}{})",
            running.shared.public_url,
            running.addr.port(),
            changes.map(|c| format!("; {c}")).unwrap_or_default()
        );
    }
    let shared = running.shared.clone();
    if cfg.account_linking.request.is_some() && matches!(cfg.linking.mode, LinkingMode::Alexa) {
        // The one thing a developer must set on their own server for this to work.
        let fixed = changes.map(|c| format!(" ({c})")).unwrap_or_default();
        eprintln!(
            "linkscreen: register this redirect URI with your authorization server: {}{fixed}",
            shared.redirect_uri()
        );
    }
    {
        // Token exchanges and conformance findings happen in the backend: into the event log.
        let log = log.clone();
        shared.observe(std::sync::Arc::new(move |e| log.log(e)));
    }
    let http = match shared.faults.proxy() {
        // No kept-alive connections: each request is routed (and the network-down fault
        // refuses it) afresh. Loopback connections cost microseconds.
        Some(p) => reqwest::Client::builder()
            .proxy(p)
            .pool_max_idle_per_host(0),
        None => reqwest::Client::builder(),
    }
    .build()
    .map_err(|e| fail(ErrorKind::Peer, e))?;
    let linking = match &cfg.linking.mode {
        LinkingMode::Alexa => LinkingClient::discover(
            http.clone(),
            &running.base_url,
            backend::DEVICE_CLIENT_ID,
            None,
            Some(shared.device_key.clone()),
        )
        .await
        .map_err(|e| fail(ErrorKind::Peer, e))?,
        LinkingMode::DeviceGrant(g) => match (
            &g.issuer,
            &g.device_authorization_endpoint,
            &g.token_endpoint,
        ) {
            (_, Some(da), Some(te)) => LinkingClient::with_metadata(
                http.clone(),
                crate::protocol::oauth::ServerMetadata {
                    issuer: g.issuer.clone().unwrap_or_default(),
                    token_endpoint: te.clone(),
                    device_authorization_endpoint: Some(da.clone()),
                    ..Default::default()
                },
                &g.client_id,
                g.scope.clone(),
                None,
            ),
            (Some(issuer), _, _) => {
                LinkingClient::discover(http.clone(), issuer, &g.client_id, g.scope.clone(), None)
                    .await
                    .map_err(|e| fail(ErrorKind::Peer, e))?
            }
            _ => {
                return Err(fail(
                    ErrorKind::Usage,
                    "linking: device-grant needs issuer or both endpoints",
                ));
            }
        },
    };
    let ids = |key: &str, prefix: &str| {
        shared.store.meta_or_init(key, || {
            format!(
                "{prefix}{}",
                crate::backend::crypto::random_token("account_id", 24)
            )
        })
    };
    let speaker_id =
        speaker_id(&cfg, opts.speaker.as_deref()).map_err(|e| fail(ErrorKind::Usage, e))?;
    let identity = Identity {
        skill_id: cfg.skill.skill_id.clone(),
        user_id: ids("user_id", "amzn1.ask.account.").map_err(|e| fail(ErrorKind::Peer, e))?,
        device_id: ids("device_id", "amzn1.ask.device.").map_err(|e| fail(ErrorKind::Peer, e))?,
        person_id: speaker_id.clone(),
    };
    // An ASK CLI project: its name, invocation name and model in this locale, and its handler.
    let (skill_name, nlu) = skill_in(&cfg, locale);
    let mut lambda = None;
    let mut skill_endpoint = if cfg.skill.is_embedded() {
        format!("{}/ridehailer/skill", running.base_url)
    } else {
        cfg.skill.endpoint.clone()
    };
    if let Some(p) = &cfg.project {
        if !p.names.contains_key(locale) {
            return Err(fail(
                ErrorKind::Usage,
                format!(
                    "--locale {locale}: the skill is published in {} (skill.json manifest.publishingInformation.locales)",
                    p.locales().join(", ")
                ),
            ));
        }
        if let crate::project::Endpoint::Lambda { handler, .. } = &p.endpoint {
            let runner = crate::clients::lambda::LambdaRunner::new(
                handler.clone(),
                cfg.skill.timeout(),
                log.clone(),
            );
            // A handler that does not load is a set-up mistake: say so now, not mid-journey.
            runner.warm_up().await.map_err(|e| {
                fail(
                    ErrorKind::Usage,
                    format!("{}: {}: {e}", handler.file.display(), handler.export),
                )
            })?;
            skill_endpoint = format!("lambda:{}", handler.file.display());
            lambda = Some(std::sync::Arc::new(runner));
        }
    }
    log.log(LogEvent::Start {
        backend: running.base_url.clone(),
        device: profile.id.into(),
        locale: locale.into(),
        skill_endpoint: skill_endpoint.clone(),
    });
    if opts.speak && which("espeak-ng").is_none() {
        return Err(fail(
            ErrorKind::Usage,
            "--speak needs espeak-ng, which is not installed (Debian: apt-get install -y espeak-ng)",
        ));
    }
    let voice_forward = shared.account_linking.voice_forward_enabled();
    if voice_forward && !linking.links_by_voice() {
        log.error("voice_forward", "device-grant mode: this linking service cannot link by voice; the skill's StartConnection will fail");
    }
    for f in &opts.faults {
        if let Err(why) = shared.faults.switch(*f, true) {
            return Err(fail(ErrorKind::Usage, format!("--fault {why}")));
        }
        log.log(LogEvent::Fault {
            fault: f.id().into(),
            on: true,
        });
    }
    Ok((
        DeviceSetup {
            apl_context: None,
            apl_documents: cfg
                .project
                .as_ref()
                .map(|p| p.root.join("skill-package/response/display")),
            images: std::sync::Arc::new(crate::clients::images::Images::new()),
            profile,
            locale: locale.to_owned(),
            skill_name,
            invocation: nlu.invocation.clone(),
            // The emulator's locale switch: the skill's name and invocation in that locale.
            skill_in: {
                let cfg = cfg.clone();
                std::sync::Arc::new(move |l: &str| {
                    cfg.project
                        .as_ref()
                        .is_none_or(|p| p.names.contains_key(l))
                        .then(|| skill_in(&cfg, l))
                })
            },
            skill_endpoint: skill_endpoint.clone(),
            identity,
            linking: std::sync::Arc::new(linking),
            account_linking: cfg.has_account_linking(),
            linking_required: cfg.account_linking.required,
            personal_linking: cfg.account_linking.personal_linking,
            household: cfg.household.clone(),
            speaker: speaker_id,
            open_browser: opts.open_browser,
            skill: match lambda {
                Some(runner) => std::sync::Arc::new(crate::clients::api::LambdaSkill(runner)),
                None => std::sync::Arc::new(crate::clients::api::HttpSkill {
                    http: http.clone(),
                    endpoint: skill_endpoint.clone(),
                }),
            },
            // The device's own browser has its own cookie jar, apart from any phone's.
            pages: std::sync::Arc::new(crate::clients::phone::Browser::with_agent_via(
                "Mozilla/5.0 (Linux; Android 11; AEO) AppleWebKit/537.36 (KHTML, like Gecko) linkscreen-device",
                shared.faults.proxy(),
                Some(locale),
            )),
            nlu,
            kiosk: opts.kiosk,
            faults: shared.faults.clone(),
            log,
            voice_forward,
            scopes: shared.account_linking.scopes.clone(),
            speak: opts.speak,
            conform: {
                let shared = shared.clone();
                std::sync::Arc::new(move |f| shared.conform([f]))
            },
            stored_in: cfg.backend.db.display().to_string(),
            still_clock: opts.still_clock,
            apl_settle_ms: opts.settle,
        },
        running,
    ))
}

/// The path of an executable on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// Stops the backend; first the conformance report's summary goes to stderr and the events.
pub async fn shutdown(
    running: crate::backend::Running,
    input: &super::DeviceInput,
    log: &EventLog,
) {
    use crate::backend::conformance::Level;
    // The device first: nothing of it may run into a backend that is going away.
    input.stop().await;
    running.shared.settle().await;
    log.close();
    let report = &running.shared.report;
    let all = report.findings();
    if !all.is_empty() {
        eprintln!("{}", report.summary());
        let count = |l: Level| all.iter().filter(|f| f.level == l).count();
        log.log_final(LogEvent::ConformanceSummary {
            reject: count(Level::Reject),
            warn: count(Level::Warn),
            unchecked: count(Level::Unchecked),
            pass: count(Level::Pass),
            findings: serde_json::to_value(&all).unwrap_or_default(),
        });
    }
    running.stop().await;
}

/// What every run starts with: its event log (`--events`) and a tokio runtime on two workers.
pub fn log_and_runtime(a: &RunPlan) -> Result<(EventLog, tokio::runtime::Runtime), AppError> {
    let log = EventLog::new(a.events.as_deref())
        .map_err(|e| fail(ErrorKind::Usage, format!("--events: {e}")))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime starts");
    Ok((log, rt))
}

/// The skill as the device knows it in `locale`: its name, and what is understood (its
/// invocation name and interaction model: the project's in that locale, or the sample's).
fn skill_in(cfg: &Config, locale: &str) -> (String, crate::project::nlu::Nlu) {
    let mut name = cfg.skill.name.clone();
    let mut nlu = crate::project::nlu::Nlu {
        invocation: cfg.skill.invocation(),
        model: None,
    };
    if cfg.skill.is_embedded() {
        nlu.invocation = crate::backend::skill::sample_invocation(&cfg.skill, locale);
        nlu.model = Some(crate::backend::skill::sample_model(&nlu.invocation, locale));
    }
    if let Some(p) = &cfg.project
        && p.names.contains_key(locale)
    {
        name = p.name_for(locale).to_owned();
        if let Some(m) = p.model_for(locale) {
            nlu.invocation = m.invocation_name.clone();
            nlu.model = Some(m.clone());
        }
    }
    (name, nlu)
}

pub fn first_utterance(a: &RunPlan, invocation: &str) -> String {
    a.say
        .clone()
        .unwrap_or_else(|| format!("Alexa, open {invocation}"))
}

/// On Ctrl+C (SIGINT) or SIGTERM, calls `stop` with the signal's number (once) and records it;
/// the run then stops as it would at its end: device, conformance summary, backend.
pub fn on_signals(
    rt: &tokio::runtime::Runtime,
    stop: impl Fn(i32) + Send + 'static,
) -> std::sync::Arc<std::sync::atomic::AtomicI32> {
    use tokio::signal::unix::{SignalKind, signal};
    let got = std::sync::Arc::new(std::sync::atomic::AtomicI32::new(0));
    let _g = rt.enter();
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return got;
    };
    let seen = got.clone();
    rt.spawn(async move {
        let n = tokio::select! {
            _ = int.recv() => libc::SIGINT,
            _ = term.recv() => libc::SIGTERM,
        };
        seen.store(n, std::sync::atomic::Ordering::SeqCst);
        stop(n);
    });
    got
}

/// How a run ended: as the signal that stopped it says (exit 128 + its number, as shells
/// report it), else as it ended by itself.
pub fn ended_by(got: &std::sync::atomic::AtomicI32, ended: Outcome) -> Outcome {
    match got.load(std::sync::atomic::Ordering::SeqCst) {
        0 => ended,
        n => Err(AppError::reported(ErrorKind::Signal(n))),
    }
}
