//! The `linkscreen` binary: parse the CLI, run one subcommand, map its error to an exit code.

use clap::Parser;
use linkscreen::cli::{Cli, Command, exit};

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LINKSCREEN_LOG")
                .unwrap_or_else(|_| "linkscreen=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Devices => {
            for p in linkscreen::protocol::viewport::PROFILES {
                println!("{}", p.id);
            }
            exit::OK
        }
        Command::Scenes => {
            for s in linkscreen::flow::Scene::ALL {
                println!("{}", s.id());
            }
            exit::OK
        }
        Command::Locales => {
            for l in linkscreen::locale::SUPPORTED {
                println!("{l}");
            }
            exit::OK
        }
        Command::Serve(a) => linkscreen::app::serve(a),
        Command::Run(a) => linkscreen::app::run(a),
        Command::Kiosk(a) => linkscreen::app::kiosk(a),
        Command::Shoot(a) => linkscreen::app::shoot(a),
    };
    std::process::exit(code);
}
