//! `linkscreen run`: the embedded backend plus the device, in a window or
//! headless (`--headless --frames DIR`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use slint::ComponentHandle;

use super::events::EventLog;
use super::{DeviceSetup, Frame};
use crate::backend::{self, Running};
use crate::cli::{RunArgs, exit};
use crate::clients::linking::LinkingClient;
use crate::clients::skill::Identity;
use crate::config::{Config, LinkingMode};
use crate::flow::Scene;
use crate::protocol::viewport::{self, DeviceProfile};
use crate::view::{
    self,
    headless::Headless,
    model::action_event,
    ui::{AppWindow, Screen},
};

/// Scenes a headless run stops at by default: the journey's possible ends.
const END_SCENES: &[Scene] = &[
    Scene::SkillResponse,
    Scene::AccessDenied,
    Scene::CodeExpired,
    Scene::SkillError,
];

fn fail(code: i32, msg: impl std::fmt::Display) -> i32 {
    eprintln!("linkscreen: {msg}");
    code
}

/// Checks `--device` and `--locale`.
pub fn profile_and_locale(device: &str, locale: &str) -> Result<&'static DeviceProfile, i32> {
    let p = viewport::profile(device).ok_or_else(|| {
        let names: Vec<&str> = viewport::PROFILES.iter().map(|p| p.id).collect();
        fail(
            exit::USAGE,
            format!(
                "--device: unknown profile {device:?}; known: {}",
                names.join(", ")
            ),
        )
    })?;
    if !crate::locale::is_supported(locale) {
        return Err(fail(
            exit::USAGE,
            format!("--locale: unsupported locale {locale:?}; `linkscreen locales` lists them"),
        ));
    }
    Ok(p)
}

/// Starts the backend and builds the device's clients.
pub async fn prepare(
    cfg: Config,
    profile: DeviceProfile,
    locale: &str,
    log: EventLog,
    lan: bool,
) -> Result<(DeviceSetup, Running), i32> {
    let mut opts = backend::Options::new(cfg.clone());
    if lan {
        opts.lan = Some(
            backend::lan_address()
                .ok_or_else(|| fail(exit::USAGE, "--lan: no LAN address found on this machine"))?,
        );
    }
    let running = backend::start(opts)
        .await
        .map_err(|e| fail(exit::PEER, e))?;
    let shared = running.shared.clone();
    let http = reqwest::Client::builder()
        .build()
        .map_err(|e| fail(exit::PEER, e))?;
    let linking = match &cfg.linking.mode {
        LinkingMode::Alexa => LinkingClient::discover(
            http.clone(),
            &running.base_url,
            backend::DEVICE_CLIENT_ID,
            None,
            Some(shared.device_key.clone()),
        )
        .await
        .map_err(|e| fail(exit::PEER, e))?,
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
                    .map_err(|e| fail(exit::PEER, e))?
            }
            _ => {
                return Err(fail(
                    exit::USAGE,
                    "linking: device-grant needs issuer or both endpoints",
                ));
            }
        },
    };
    let ids = |key: &str, prefix: &str| {
        shared.store.meta_or_init(key, || {
            format!("{prefix}{}", crate::backend::crypto::random_token(24))
        })
    };
    let identity = Identity {
        skill_id: cfg.skill.skill_id.clone(),
        user_id: ids("user_id", "amzn1.ask.account.").map_err(|e| fail(exit::PEER, e))?,
        device_id: ids("device_id", "amzn1.ask.device.").map_err(|e| fail(exit::PEER, e))?,
        person_id: None,
    };
    let skill_endpoint = if cfg.skill.is_embedded() {
        format!("{}/ridehailer/skill", running.base_url)
    } else {
        cfg.skill.endpoint.clone()
    };
    log.emit("start", serde_json::json!({"backend": running.base_url, "device": profile.id, "locale": locale, "skill_endpoint": skill_endpoint}));
    Ok((
        DeviceSetup {
            profile,
            locale: locale.to_owned(),
            skill_name: cfg.skill.name.clone(),
            invocation: cfg.skill.invocation(),
            skill_endpoint,
            identity,
            linking,
            linking_required: cfg.account_linking.required,
            http,
            log,
        },
        running,
    ))
}

pub fn run_command(a: RunArgs) -> i32 {
    let mut cfg = match crate::app::load_config(a.common.config.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Some(db) = &a.db {
        cfg.backend.db = db.clone();
    }
    let profile = match profile_and_locale(&a.device, &a.locale) {
        Ok(p) => *p,
        Err(code) => return code,
    };
    let log = match EventLog::new(a.events.as_deref()) {
        Ok(l) => l,
        Err(e) => return fail(exit::USAGE, format!("--events: {e}")),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime starts");
    if a.headless {
        headless(a, cfg, profile, log, &rt)
    } else {
        windowed(a, cfg, profile, log, &rt)
    }
}

fn first_utterance(a: &RunArgs, cfg: &Config) -> String {
    a.say
        .clone()
        .unwrap_or_else(|| format!("Alexa, open {}", cfg.skill.invocation()))
}

fn headless(
    a: RunArgs,
    cfg: Config,
    profile: DeviceProfile,
    log: EventLog,
    rt: &tokio::runtime::Runtime,
) -> i32 {
    let Some(dir) = a.frames.clone().or_else(|| Some(PathBuf::from("frames"))) else {
        unreachable!()
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return fail(exit::USAGE, format!("--frames {}: {e}", dir.display()));
    }
    let until: Vec<Scene> = match &a.until {
        Some(s) => match Scene::from_id(s) {
            Some(sc) => vec![sc],
            None => {
                return fail(
                    exit::USAGE,
                    format!("--until: unknown scene {s:?}; `linkscreen scenes` lists them"),
                );
            }
        },
        None => END_SCENES.to_vec(),
    };
    let utterance = first_utterance(&a, &cfg);
    let invocation = cfg.skill.invocation();
    let (setup, running) = match rt.block_on(prepare(cfg, profile, &a.locale, log.clone(), a.lan)) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let (tx, rx) = std::sync::mpsc::channel::<Frame>();
    let input = {
        let _g = rt.enter();
        super::spawn(setup, move |f| {
            let _ = tx.send(f);
        })
    };
    let mut hl = match Headless::new(profile.width, profile.height) {
        Ok(h) => h,
        Err(e) => return fail(exit::USAGE, e),
    };
    view::set_profile(&hl.app, &profile, 1.0);
    hl.resize(profile.width, profile.height);
    if !input.say(&utterance, &invocation) {
        log.emit("error", serde_json::json!({"step": "say", "reason": format!("Alexa did not understand {utterance:?}")}));
    }
    let deadline = Instant::now() + Duration::from_secs(a.timeout.unwrap_or(900));
    let mut n = 0u32;
    let mut last_scene = None;
    let code = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(f) => {
                view::apply(&hl.app, &profile, 1.0, &f.model);
                if last_scene != Some(f.scene) {
                    last_scene = Some(f.scene);
                    let path = dir.join(format!("{n:04}-{}.png", f.scene.id()));
                    if let Err(e) = hl.render().save(&path) {
                        break fail(exit::USAGE, format!("{}: {e}", path.display()));
                    }
                    log.emit("frame", serde_json::json!({"scene": f.scene.id(), "path": path.display().to_string()}));
                    n += 1;
                    if until.contains(&f.scene) {
                        break exit::OK;
                    }
                }
            }
            Err(_) => {
                let at = last_scene.map(|s| s.id()).unwrap_or("none");
                break fail(
                    exit::PEER,
                    format!(
                        "timed out on scene {at} waiting for {}",
                        until.iter().map(|s| s.id()).collect::<Vec<_>>().join("|")
                    ),
                );
            }
        }
    };
    rt.block_on(running.stop());
    code
}

fn windowed(
    a: RunArgs,
    cfg: Config,
    profile: DeviceProfile,
    log: EventLog,
    rt: &tokio::runtime::Runtime,
) -> i32 {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return fail(
            exit::USAGE,
            "no display found (DISPLAY and WAYLAND_DISPLAY are unset). Use `linkscreen run --headless --frames DIR` to run without one.",
        );
    }
    let invocation = cfg.skill.invocation();
    let say = a.say.clone();
    let (setup, running) = match rt.block_on(prepare(cfg, profile, &a.locale, log, a.lan)) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let app = match AppWindow::new() {
        Ok(app) => app,
        Err(e) => return fail(exit::USAGE, format!("cannot open a window: {e}")),
    };
    let scale = a.scale.clamp(0.25, 4.0);
    view::set_profile(&app, &profile, scale);
    let weak = app.as_weak();
    let input = {
        let _g = rt.enter();
        super::spawn(setup, move |f| {
            let _ =
                weak.upgrade_in_event_loop(move |app| view::apply(&app, &profile, scale, &f.model));
        })
    };
    {
        let input = input.clone();
        let weak = app.as_weak();
        app.global::<Screen>().on_action(move |action| {
            if let Some(app) = weak.upgrade() {
                let scene = app.global::<Screen>().get_scene();
                if let Some(ev) = action_event(&scene, &action) {
                    input.send(ev);
                }
            }
        });
    }
    if let Some(s) = say {
        input.say(&s, &invocation);
    }
    let code = match app.run() {
        Ok(()) => exit::OK,
        Err(e) => fail(exit::USAGE, format!("window: {e}")),
    };
    rt.block_on(running.stop());
    code
}
