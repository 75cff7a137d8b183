//! Command-line interface (docs/cli.md, docs/usage.md), parsed with clap, and the one
//! place where errors become exit codes.
//!
//! Must not import: anything that runs: it parses, `plan` and `app` act.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Exit codes (docs/usage.md): 0 ok, 2 usage/config, 3 peer, 4 check differences, 5 script step.
pub mod exit {
    pub const OK: i32 = 0;
    pub const USAGE: i32 = 2;
    pub const PEER: i32 = 3;
    pub const CHECK: i32 = 4;
    pub const SCRIPT: i32 = 5;
}

#[derive(Parser, Debug)]
#[command(
    name = "linkscreen",
    version,
    about = "Emulates an Alexa device with a screen for a custom skill's account-linking journey"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the device (window, or --headless) with everything embedded unless --config says otherwise.
    Run(RunArgs),
    /// Fullscreen touch kiosk that resets itself for the next visitor.
    Kiosk(KioskArgs),
    /// Run only the backend (linking service, phone pages, sample server and skill).
    Serve(ServeArgs),
    /// Render scenes x devices x locales to PNG without a display.
    Shoot(ShootArgs),
    /// Revoke and delete the stored account links, so the next `run` starts unlinked.
    Unlink(UnlinkArgs),
    /// List device profiles, one per line.
    Devices,
    /// List scenes, one per line.
    Scenes,
    /// List locales, one per line.
    Locales,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// linkscreen.toml to use (default: everything embedded).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: Common,
    /// Device profile (`linkscreen devices`).
    #[arg(long, default_value = crate::protocol::viewport::DEFAULT_PROFILE)]
    pub device: String,
    /// Locale (`linkscreen locales`).
    #[arg(long, default_value = "en-US")]
    pub locale: String,
    /// Window scale factor (0.25 to 4).
    #[arg(long, default_value_t = 1.0, value_parser = scale)]
    pub scale: f32,
    /// Serve the phone pages on the LAN address and put it in the QR code (and in every URL a
    /// phone is sent to).
    #[arg(long)]
    pub lan: bool,
    /// `--lan` on this address of this machine (when it has several interfaces).
    #[arg(long, value_name = "ADDR")]
    pub lan_address: Option<std::net::IpAddr>,
    /// The port the phone pages and the linking service listen on (default `[backend] port`,
    /// else one the system picks each start): fix it for a firewall rule on a LAN.
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// No window: render each new screen to --frames DIR with the software renderer.
    #[arg(long)]
    pub headless: bool,
    /// Where --headless writes NNNN-<scene>.png.
    #[arg(long, value_name = "DIR")]
    pub frames: Option<PathBuf>,
    /// Append one JSON object per line for every state change, HTTP exchange and error.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Drive the device from a script, one step a line.
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// A one-step script: say this.
    #[arg(long, value_name = "TEXT")]
    pub say: Option<String>,
    /// Database file (default from config, else the user data directory).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Use a throw-away database: nothing stored by earlier runs (no link), nothing kept.
    #[arg(long, conflicts_with = "db")]
    pub fresh: bool,
    /// The recognized speaker: a household profile name (personal account linking).
    #[arg(long, value_name = "NAME")]
    pub speaker: Option<String>,
    /// An ASK CLI skill project: the device uses its name, invocation name, locales and
    /// endpoint, and runs its Lambda handler (Node.js or Python) locally.
    #[arg(long, value_name = "DIR")]
    pub skill_dir: Option<PathBuf>,
    /// Stop after the journey reaches this scene (headless runs).
    #[arg(long, value_name = "SCENE")]
    pub until: Option<String>,
    /// Give up after this many seconds (headless runs; 1 to 86400).
    #[arg(long, value_name = "SECS", value_parser = day_secs)]
    pub timeout: Option<u64>,
    /// A headless run ends (exit 3), and a script's `wait` fails, once the skill or the linking
    /// service has been unreachable this many seconds in a row.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = hour_secs)]
    pub give_up: u64,
    /// Compare each script `shot NAME` with GOLDEN_DIR/NAME.png (exit 4 on a difference).
    #[arg(long, value_name = "GOLDEN_DIR", requires = "script")]
    pub check: Option<PathBuf>,
    /// Share of pixels allowed to differ from the golden.
    #[arg(long, default_value_t = crate::shots::compare::DEFAULT_TOLERANCE, value_parser = share)]
    pub tolerance: f64,
    /// Write the script's shots as the goldens instead of comparing.
    #[arg(long, requires = "check")]
    pub update: bool,
    /// Write a JUnit XML report of the script (one testcase per step) for CI systems.
    #[arg(long, value_name = "FILE", requires = "script")]
    pub junit: Option<PathBuf>,
    /// Leave the live parts of the link prompt out of `--check`: `code`, `qr`, `countdown`,
    /// `url` (comma-separated). They are drawn as fixed stand-ins in the compared image.
    #[arg(
        long,
        value_name = "PARTS",
        value_delimiter = ',',
        requires = "check",
        value_enum
    )]
    pub mask: Vec<crate::view::model::Masked>,
    /// A rectangle (X,Y,W,H in pixels) painted in one colour in both images before comparing
    /// (repeatable).
    #[arg(long, value_name = "X,Y,W,H", requires = "check")]
    pub mask_region: Vec<crate::shots::compare::Region>,
    /// Start with a fault switched on (repeatable): slow-auth, deny, network-down,
    /// short-expiry, skill-error, skill-invalid-json. The emulator's panel toggles them live.
    #[arg(long = "fault", value_name = "FAULT", value_parser = parse_fault)]
    pub faults: Vec<crate::backend::faults::Fault>,
    /// The device screen alone, without the emulator's frame and side panel.
    #[arg(long)]
    pub no_panel: bool,
    /// Switch voice-forward account linking on (voiceForwardAccountLinking: ENABLED): the
    /// skill is asked even when unlinked, and the sample skill offers to link by voice.
    #[arg(long)]
    pub voice_forward: bool,
    /// Speak Alexa's and the skill's lines aloud with espeak-ng.
    #[arg(long)]
    pub speak: bool,
    /// Make the run reproducible for screenshot tests: codes, QR payloads, ids and retry
    /// jitter come from N, countdowns stand still on screen, the database starts empty
    /// (as --fresh), and with `backend.port = 0` the port is chosen from N. Codes become
    /// predictable: not with --lan or in a kiosk.
    #[arg(long, value_name = "N", conflicts_with_all = ["lan", "lan_address"])]
    pub seed: Option<u64>,
    /// A script's `shot` of the skill's APL screen waits until its onMount commands and
    /// animations have settled, but at most this many ms (with --seed the screen's clock
    /// jumps there at once, so shots are the same every run).
    #[arg(long, value_name = "MS", default_value_t = crate::apl::SETTLE_MS, value_parser = settle_ms)]
    pub settle: u64,
}

#[derive(Args, Debug, Clone)]
pub struct KioskArgs {
    /// Everything `run` takes (device, locale, --lan, --headless, --script, …).
    #[command(flatten)]
    pub run: RunArgs,
    /// Back to the home screen after this many seconds without a touch (unlinking what the
    /// visitor linked).
    #[arg(long, default_value_t = 90, value_name = "SECS", value_parser = day_secs)]
    pub idle_reset: u64,
    /// After a completed journey the skill's answer shows this long, then the link is revoked
    /// and deleted and the home screen waits for the next visitor.
    #[arg(long, default_value_t = 15, value_name = "SECS", value_parser = hour_secs)]
    pub answer_secs: u64,
    /// The PIN that leaves the kiosk after Ctrl+Shift+Q (without one, the key combination alone).
    #[arg(long, value_name = "DIGITS")]
    pub exit_pin: Option<String>,
    /// Keep stored links across starts (a private demo). By default a kiosk forgets every link
    /// in its database when it starts and when it stops, so a visitor's link never reaches the
    /// next visitor, even after a crash or `kill -9` in the answer window.
    #[arg(long)]
    pub keep_links: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: Common,
    /// Address to bind (default 127.0.0.1).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Port (default from config, else 8686).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Database file.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct UnlinkArgs {
    #[command(flatten)]
    pub common: Common,
    /// Database file (default from config, else the user data directory).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct ShootArgs {
    #[command(flatten)]
    pub common: Common,
    /// `all` or a comma-separated list: the scenes (`linkscreen scenes`), and `keyboard` (the
    /// login page with the on-screen keyboard up), `emulator` and `emulator-report` (the whole
    /// emulator window), and `apl` (the documents of --apl).
    #[arg(long, default_value = "all")]
    pub scenes: String,
    /// `all` (the 17 real locales) or a comma-separated list (`linkscreen locales`; the
    /// pseudo-locales en-XA and ar-XB only by name).
    #[arg(long, default_value = "en-US")]
    pub locales: String,
    /// `all` or a comma-separated list (`linkscreen devices`).
    #[arg(long, default_value = "all")]
    pub devices: String,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Compare with golden images in this directory.
    #[arg(long, value_name = "GOLDEN_DIR")]
    pub check: Option<PathBuf>,
    /// Share of pixels allowed to differ from the golden, 0 to 1 (a pixel differs when a
    /// channel moves by more than --pixel-threshold).
    #[arg(long, default_value_t = crate::shots::compare::DEFAULT_TOLERANCE, value_parser = share)]
    pub tolerance: f64,
    /// How far (0 to 255) a colour channel may move before the pixel counts as different.
    #[arg(long, default_value_t = crate::shots::compare::CHANNEL_THRESHOLD, value_parser = pixel_threshold)]
    pub pixel_threshold: u8,
    /// Write goldens into the --check directory: `missing` (only those that do not exist),
    /// `changed` (also rewrite failing ones) or `all` (the default of a bare --update).
    #[arg(long, requires = "check", num_args = 0..=1, default_missing_value = "all", value_enum)]
    pub update: Option<crate::shots::UpdateMode>,
    /// Write a JUnit XML report (one testcase per shot) for CI systems.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// A rectangle (X,Y,W,H in pixels) painted in one colour in both images before comparing
    /// (repeatable).
    #[arg(long, value_name = "X,Y,W,H", requires = "check")]
    pub mask_region: Vec<crate::shots::compare::Region>,
    /// Join the outputs of several `--shard` runs (each a --out directory) into --out: one
    /// manifest, one contact sheet (and --junit); nothing is rendered.
    #[arg(long, value_name = "DIR", num_args = 1.., conflicts_with_all = ["check", "shard"])]
    pub merge: Vec<PathBuf>,
    /// Layout warnings fail the run (exit 4).
    #[arg(long)]
    pub strict: bool,
    /// Render in this many processes (default: one per core).
    #[arg(long)]
    #[arg(value_parser = jobs)]
    pub jobs: Option<usize>,
    /// Render only shard K of N (`K/N`, K from 1): split the matrix across CI machines, then
    /// join their --out directories with --merge.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// APL documents to shoot on the skill's screen (repeatable): a document file (its
    /// datasources from `<name>.datasources.json`, `datasources.json` or `data.json` beside
    /// it), a RenderDocument directive, or a folder searched for them (an ASK project's
    /// skill-package or lambda). Subjects are named `apl-<file>`; `--scenes apl` shoots only them.
    #[arg(long, value_name = "PATH")]
    pub apl: Vec<PathBuf>,
    /// A folder an APL document's local images may also come from (repeatable). Without it a
    /// document's images (relative paths or `file://`) are read from its own folder and below,
    /// never from elsewhere on the machine.
    #[arg(long, value_name = "DIR")]
    pub apl_images: Vec<PathBuf>,
    /// Also write each APL shot's component tree, with every component's uid, type, id and
    /// bounds in dp and pixels, beside its image (`<scene>.layout.json`).
    #[arg(long)]
    pub layout: bool,
    /// A folder of APL package files (`alexa-layouts-1.0.json`, `alexa-styles.json`, …) used
    /// in place of linkscreen's own definitions: Amazon's own packages, saved from its CDN,
    /// draw exactly what a device draws.
    #[arg(long, value_name = "DIR")]
    pub apl_packages: Option<PathBuf>,
    /// A folder of web images for APL shots, which fetch nothing: an image's address finds the
    /// file named as its last part, or the file `DIR/images.json` maps it to
    /// (`{"https://…/logo.png": "logo.png"}`). Images found nowhere are drawn as plain
    /// placeholders and listed in the manifest (`offline_images`). A Video's frame comes from
    /// here too: `…/clip.mp4` finds `clip.png` (or `.jpg`), or what `images.json` maps its
    /// address to; a web video with none is listed in `offline_images`.
    #[arg(long, value_name = "DIR")]
    pub images: Option<PathBuf>,
    /// A folder of another renderer's pixels of the same APL documents (Amazon's own, say),
    /// named `<document>.<device>.png` or `<document>.png`: each APL shot is also written side
    /// by side with its reference (`apl-<document>.vs-reference.png`, linkscreen left), and the
    /// contact sheet shows the pairs.
    #[arg(long, value_name = "DIR")]
    pub reference: Option<PathBuf>,
    /// An APL shot is taken once its document's onMount commands and animations have
    /// settled, but at most this many ms after it appeared (an animation that repeats for ever
    /// is shot there); 0 shoots the document as it is inflated.
    #[arg(long, value_name = "MS", default_value_t = crate::apl::SETTLE_MS, value_parser = settle_ms)]
    pub settle: u64,
    /// Internal: a render worker (`K/N`, the K-th of N processes), drawing the items its
    /// parent hands it on stdin.
    #[arg(long, hide = true)]
    pub worker: Option<String>,
}

fn parse_fault(s: &str) -> Result<crate::backend::faults::Fault, String> {
    use crate::backend::faults::Fault;
    Fault::from_id(s).ok_or_else(|| format!("unknown fault {s:?} (one of {})", Fault::names()))
}

// Every number on the command line has a range, checked here at parse time: clap then exits 2
// naming the flag, and the message says the range ("--timeout <SECS>: … from 1 to 86400").

/// A whole number in `lo..=hi`.
pub fn whole_in(s: &str, lo: u64, hi: u64) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(format!(
            "must be a whole number from {lo} to {hi}, found {s:?}"
        )),
    }
}

/// A finite number in `lo..=hi`.
fn finite_in(s: &str, lo: f64, hi: f64) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (lo..=hi).contains(&x) => Ok(x),
        _ => Err(format!("must be a number from {lo} to {hi}, found {s:?}")),
    }
}

/// Seconds, 1 to a day.
fn day_secs(s: &str) -> Result<u64, String> {
    whole_in(s, 1, 86_400)
}

/// Seconds, 1 to an hour.
fn hour_secs(s: &str) -> Result<u64, String> {
    whole_in(s, 1, 3_600)
}

/// A share of pixels, 0 to 1.
fn share(s: &str) -> Result<f64, String> {
    finite_in(s, 0.0, 1.0)
}

/// A window scale factor.
fn scale(s: &str) -> Result<f32, String> {
    finite_in(s, 0.25, 4.0).map(|x| x as f32)
}

/// Worker processes.
fn pixel_threshold(s: &str) -> Result<u8, String> {
    whole_in(s, 0, 255).map(|n| n as u8)
}

/// How long an APL screen may take to settle (ms).
pub fn settle_ms(s: &str) -> Result<u64, String> {
    whole_in(s, 0, 600_000)
}

fn jobs(s: &str) -> Result<usize, String> {
    whole_in(s, 1, 64).map(|n| n as usize)
}
