//! One validated plan for `run` and `kiosk`: the command line and the configuration become a
//! [`RunPlan`] here, and nowhere else — the config loaded (`--config`, `--db`, `--fresh`,
//! `--skill-dir`, `--voice-forward`), the device profile and locale, the speaker, the LAN
//! address, what a headless run must produce. Bad input is an [`AppError`] (exit 2) before
//! anything starts. With `app`, the only module that reads `cli`; the device takes the plan.
//! Imports neither `app` nor `device`.
//!
//! Must not import: `app`, `device` (the plan is built before anything runs).

use std::path::{Path, PathBuf};

use crate::cli::RunArgs;
use crate::config::Config;
use crate::error::{AppError, ErrorKind};
use crate::protocol::viewport::{self, DeviceProfile};

/// Everything `run` (and `kiosk`) needs, checked.
pub struct RunPlan {
    pub config: Config,
    pub profile: DeviceProfile,
    pub locale: String,
    /// Window scale factor.
    pub scale: f32,
    /// The LAN address phones reach (`--lan`, `--lan-address`), when asked for.
    pub lan: Option<std::net::IpAddr>,
    pub headless: bool,
    pub frames: Option<PathBuf>,
    pub events: Option<PathBuf>,
    pub script: Option<PathBuf>,
    /// The first utterance (`--say`); else "Alexa, open <invocation>".
    pub say: Option<String>,
    /// The recognized speaker's profile name (checked against the household).
    pub speaker: Option<String>,
    pub until: Option<String>,
    pub timeout: Option<u64>,
    pub give_up: u64,
    pub check: Option<PathBuf>,
    pub tolerance: f64,
    pub update: bool,
    /// `--junit FILE`: the script's steps as a JUnit report.
    pub junit: Option<PathBuf>,
    /// What `--check` leaves out: live parts of the prompt, and rectangles.
    pub mask: Vec<crate::view::model::Masked>,
    pub mask_regions: Vec<crate::shots::compare::Region>,
    pub faults: Vec<crate::backend::faults::Fault>,
    pub no_panel: bool,
    pub speak: bool,
    /// `--seed N`: reproducible codes, ids and a clock that stands still on screen.
    /// How long (ms) an APL screen may take to settle before a script's shot (`--settle`).
    pub settle: u64,
    pub seed: Option<u64>,
    pub kiosk: Option<KioskOptions>,
    /// What to tell the user when the port is taken (how it was chosen and how to change it).
    pub bind_hint: Option<String>,
    /// `--fresh`: the throw-away database's folder, removed when the plan is dropped.
    pub fresh: Option<tempfile::TempDir>,
}

/// Loads `--config` (or the embedded defaults). Errors are bad input (exit 2).
pub fn load_config(path: Option<&Path>) -> Result<Config, AppError> {
    match path {
        None => Ok(Config::default()),
        Some(p) => Config::load(p).map_err(|e| AppError::said(ErrorKind::Usage, e)),
    }
}

/// `linkscreen kiosk`'s options beyond `run`'s.
#[derive(Debug, Clone)]
pub struct KioskOptions {
    pub times: crate::flow::Kiosk,
    pub exit_pin: Option<String>,
}

fn usage(msg: impl std::fmt::Display) -> AppError {
    AppError::said(ErrorKind::Usage, msg)
}

/// Checks `--device` and `--locale`.
pub fn profile_and_locale(device: &str, locale: &str) -> Result<&'static DeviceProfile, AppError> {
    let p = viewport::profile(device).ok_or_else(|| {
        let names: Vec<&str> = viewport::PROFILES.iter().map(|p| p.id).collect();
        usage(format!(
            "--device: unknown profile {device:?}; known: {}",
            names.join(", ")
        ))
    })?;
    if !crate::locale::is_supported(locale) {
        return Err(usage(format!(
            "--locale: unsupported locale {locale:?}; `linkscreen locales` lists them"
        )));
    }
    Ok(p)
}

/// The person id of the recognized speaker `--speaker NAME`, a household profile.
pub fn speaker_id(cfg: &Config, name: Option<&str>) -> Result<Option<String>, String> {
    let Some(name) = name else { return Ok(None) };
    match cfg
        .household
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
    {
        Some(p) => Ok(Some(p.person_id())),
        None => {
            let names: Vec<&str> = cfg.household.iter().map(|p| p.name.as_str()).collect();
            Err(format!(
                "--speaker: no profile {name:?} in the household ({})",
                names.join(", ")
            ))
        }
    }
}

/// Builds the plan of a `run` (or, with `kiosk`, of a `kiosk`).
pub fn build(a: RunArgs, kiosk: Option<KioskOptions>) -> Result<RunPlan, AppError> {
    let mut cfg = load_config(a.common.config.as_deref())?;
    if let Some(db) = &a.db {
        cfg.backend.db = db.clone();
    }
    // `--fresh`: a database that lives as long as this run. A seeded run always starts from
    // one: its codes and ids repeat run after run, and a kept database already holds them
    // (and its stored links would change the journey).
    if a.seed.is_some() && a.db.is_some() {
        return Err(usage(
            "--seed starts from an empty database each run (its codes repeat run after run); leave out --db",
        ));
    }
    let fresh = if a.fresh || a.seed.is_some() {
        let d = tempfile::TempDir::with_prefix("linkscreen-fresh-")
            .map_err(|e| usage(format!("--fresh: {e}")))?;
        cfg.backend.db = d.path().join("linkscreen.db");
        Some(d)
    } else {
        None
    };
    if a.voice_forward {
        cfg.account_linking.voice_forward = true;
    }
    if let Some(dir) = &a.skill_dir {
        cfg.use_project(dir).map_err(usage)?;
    }
    if a.voice_forward && !cfg.has_account_linking() {
        return Err(usage(
            "--voice-forward: this skill has no account linking (no accountLinking.json in the project, no [account_linking] in the config; `sample = true` links with the embedded sample server)",
        ));
    }
    let profile = *profile_and_locale(&a.device, &a.locale)?;
    speaker_id(&cfg, a.speaker.as_deref()).map_err(usage)?;
    if let Some(p) = a.port {
        cfg.backend.port = p;
    }
    let mut bind_hint = if cfg.backend.port == 0 {
        None
    } else {
        Some(format!(
            "another program (perhaps another linkscreen) listens on port {}: pick another with --port N, or [backend] port in the config",
            cfg.backend.port
        ))
    };
    if kiosk.is_some() && a.headless && a.until.is_some() && a.say.is_none() && a.script.is_none() {
        return Err(usage(
            "--until: a kiosk waits for its visitors and says nothing itself, so the scene would never come: add --say \"Alexa, open …\" or --script FILE",
        ));
    }
    if let Some(n) = a.seed {
        if kiosk.is_some() {
            return Err(usage(
                "--seed makes codes predictable: a kiosk's visitors need codes nobody can guess",
            ));
        }
        if cfg.backend.port == 0 && a.port.is_none() {
            // The URL and the QR code carry the port: a seeded run picks it from the seed
            // (an explicit --port, 0 included, is kept).
            cfg.backend.port = seeded_port(n);
            bind_hint = Some(format!(
                "--seed {n} picks port {} (20000 + seed mod 40000) so that its URLs and QR codes repeat: another run has it, perhaps one with the same seed (or one 40000 apart). Give this run --port N (its URLs then repeat on N), or another --seed",
                cfg.backend.port
            ));
        }
    }
    let lan = match (a.lan_address, a.lan) {
        (Some(ip), _) => Some(ip),
        (None, true) => Some(crate::backend::lan_address().ok_or_else(|| {
            usage("--lan: no LAN address found on this machine; name one with --lan-address ADDR")
        })?),
        (None, false) => None,
    };
    Ok(RunPlan {
        config: cfg,
        profile,
        locale: a.locale,
        scale: a.scale,
        lan,
        headless: a.headless,
        frames: a.frames,
        events: a.events,
        script: a.script,
        say: a.say,
        speaker: a.speaker,
        until: a.until,
        timeout: a.timeout,
        give_up: a.give_up,
        check: a.check,
        junit: a.junit,
        mask: a.mask,
        mask_regions: a.mask_region,
        tolerance: a.tolerance,
        update: a.update,
        faults: a.faults,
        no_panel: a.no_panel,
        speak: a.speak,
        seed: a.seed,
        settle: a.settle,
        kiosk,
        fresh,
        bind_hint,
    })
}

/// The port a seeded run binds when the configuration leaves it to the system
/// (`backend.port = 0`): one of 20000–59999, the same for the same seed.
pub fn seeded_port(seed: u64) -> u16 {
    20_000 + (seed % 40_000) as u16
}

impl From<crate::cli::ShootArgs> for crate::shots::ShootPlan {
    fn from(a: crate::cli::ShootArgs) -> Self {
        crate::shots::ShootPlan {
            scenes: a.scenes,
            locales: a.locales,
            devices: a.devices,
            out: a.out,
            check: a.check,
            tolerance: a.tolerance,
            pixel_threshold: a.pixel_threshold,
            update: a.update,
            strict: a.strict,
            jobs: a.jobs,
            shard: a.shard,
            worker: a.worker,
            junit: a.junit,
            merge: a.merge,
            mask_regions: a.mask_region,
            apl: a.apl,
            apl_images: a.apl_images,
            layout: a.layout,
            apl_packages: a.apl_packages,
            images: a.images,
            reference: a.reference,
            settle: a.settle,
        }
    }
}
