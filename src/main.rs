//! The `linkscreen` binary: parse the CLI, run one subcommand, map its error to an exit code.

use clap::Parser;
use linkscreen::cli::{Cli, Command, exit};
use linkscreen::error::{ErrorKind, Outcome};

/// glibc raises its mmap threshold each time a large block is freed, after which the frames,
/// PNG buffers and password hashes a long-running kiosk allocates again and again are carved
/// from the heap and kept: RSS grew ~1 MB per journey (110 MB to 205 MB over 90 journeys,
/// with the live heap at ~22 MB). A fixed threshold hands large blocks back to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_memory_returnable() {
    // SAFETY: mallopt only changes allocator tuning; called first thing, before other threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_memory_returnable() {}

fn main() {
    let cli = Cli::parse();
    // A kiosk or a long run frees and allocates frames for days; `shoot` allocates its buffers
    // once and would only pay page faults for handing them back.
    if !matches!(cli.command, Command::Shoot(_)) {
        keep_memory_returnable();
    }
    // Colours only for a person at a terminal (and never with NO_COLOR): log files and CI
    // logs get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LINKSCREEN_LOG")
                // The window's libraries (winit, its Wayland and X glue, the accessibility
                // bridge over D-Bus) warn on every start about a desktop they cannot fully
                // use (no a11y bus, no IME): errors only, by default.
                .unwrap_or_else(|_| {
                    "linkscreen=info,warn,winit=error,sctk=error,calloop=error,zbus=error,\
                     accesskit_unix=error,atspi=error,i_slint_backend_winit=error,\
                     i_slint_core=error,i_slint_renderer_skia=error,i_slint_renderer_femtovg=error"
                        .into()
                })
                // The phone's cookie jar logs every Set-Cookie whole (sessions, states) at
                // debug: never below warn, whatever LINKSCREEN_LOG asks for.
                .add_directive("cookie_store=warn".parse().expect("a valid directive")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
    // Slint's live preview needs the `.slint` sources and an interpreter at run time: a build
    // without the `live-preview` feature has its screens compiled in, and says so.
    if !cfg!(feature = "live-preview")
        && matches!(cli.command, Command::Run(_) | Command::Kiosk(_))
        && std::env::var_os("SLINT_LIVE_PREVIEW").is_some_and(|v| !v.is_empty() && v != "0")
    {
        eprintln!(
            "linkscreen: SLINT_LIVE_PREVIEW is ignored: this build has its screens compiled in. \
             For live preview, run from the source tree: \
             SLINT_LIVE_PREVIEW=1 cargo run --features live-preview -- run"
        );
    }
    let ended = match cli.command {
        Command::Devices => {
            for p in linkscreen::protocol::viewport::PROFILES {
                println!("{}", p.id);
            }
            Ok(())
        }
        Command::Scenes => {
            for s in linkscreen::flow::Scene::ALL {
                println!("{}", s.id());
            }
            Ok(())
        }
        Command::Locales => {
            for l in linkscreen::locale::SUPPORTED {
                println!("{l}");
            }
            for l in linkscreen::locale::PSEUDO {
                println!("{l}\tpseudo-locale: shoot only");
            }
            Ok(())
        }
        Command::Serve(a) => linkscreen::app::serve(a),
        Command::Run(a) => linkscreen::app::run(a),
        Command::Kiosk(a) => linkscreen::app::kiosk(a),
        Command::Shoot(a) => linkscreen::app::shoot(a),
        Command::Unlink(a) => linkscreen::app::unlink(a),
    };
    std::process::exit(exit_code(ended));
}

/// The one place an ending becomes an exit code (README, CLI). A message not yet said is
/// printed here.
fn exit_code(ended: Outcome) -> i32 {
    let Err(e) = ended else { return exit::OK };
    if let Some(m) = &e.message {
        eprintln!("linkscreen: {m}");
    }
    match e.kind {
        ErrorKind::Usage => exit::USAGE,
        ErrorKind::Peer => exit::PEER,
        ErrorKind::Check => exit::CHECK,
        ErrorKind::Script => exit::SCRIPT,
        ErrorKind::Signal(n) => 128 + n,
    }
}
