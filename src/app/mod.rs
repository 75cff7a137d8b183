//! One function per subcommand: turns CLI arguments into a validated config,
//! starts what the command needs, and says how it ended ([`Outcome`]; `main` maps it to an
//! exit code).
//!
//! Must not import: anything it likes — it is the composition root — but nothing except `main` may import it.

mod window;

use crate::cli::{KioskArgs, RunArgs, ServeArgs, ShootArgs, UnlinkArgs};
use crate::error::{AppError, ErrorKind, Outcome};

use crate::plan::load_config;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime starts")
}

/// `linkscreen serve`: the backend alone, until Ctrl-C.
pub fn serve(a: ServeArgs) -> Outcome {
    let mut cfg = load_config(a.common.config.as_deref())?;
    if let Some(b) = a.bind {
        if b.parse::<std::net::IpAddr>().is_err() {
            return Err(AppError::said(
                ErrorKind::Usage,
                format!("--bind: not an IP address: {b:?}"),
            ));
        }
        cfg.backend.bind = b;
    }
    cfg.backend.port = a.port.unwrap_or(if cfg.backend.port == 0 {
        8686
    } else {
        cfg.backend.port
    });
    if let Some(db) = a.db {
        cfg.backend.db = db;
    }
    runtime().block_on(async move {
        let running = match crate::backend::start(crate::backend::Options::new(cfg)).await {
            Ok(r) => r,
            Err(e) => {
                let kind = if e.is_setup() {
                    ErrorKind::Usage
                } else {
                    ErrorKind::Peer
                };
                return Err(AppError::said(kind, e));
            }
        };
        let b = &running.base_url;
        // Phones get the address they can reach (the LAN address for --bind 0.0.0.0).
        let p = &running.shared.public_url;
        println!("linkscreen backend on {b}");
        println!("  metadata      {b}/.well-known/oauth-authorization-server");
        println!("  phone pages   {p}/device   {p}/skill   {p}/cards");
        // The Alexa app's pages answer only the household's phone: one that scanned a device's
        // code, or opened a one-time pairing link like this one (the operator's own phone).
        println!(
            "  your phone    {}  (once, within 10 min: makes it the household's phone)",
            crate::backend::session::pairing_url(&running.shared, "/skill")
        );
        let cfg = &running.shared.config;
        if cfg.uses_sample_server() {
            println!(
                "  sample server {p}/ridehailer/oauth/authorize  (demo user {} / {})",
                crate::backend::auth_server::DEMO_USERNAME,
                crate::backend::auth_server::DEMO_PASSWORD
            );
            println!(
                "  sample client {} / {}  (the client Alexa uses at the sample server)",
                crate::backend::SAMPLE_CLIENT_ID,
                running.shared.sample_client_secret
            );
        } else if let Some(r) = &cfg.account_linking.request {
            println!(
                "  sign-in       {}  (your authorization server)",
                r.authorization_url
            );
        }
        if cfg.skill.is_embedded() && cfg.project.is_none() {
            println!("  sample skill  {b}/ridehailer/skill");
        } else {
            println!("  skill         {}  (your skill)", cfg.skill.endpoint);
        }
        println!("  redirect URI  {}", running.shared.redirect_uri());
        let _ = tokio::signal::ctrl_c().await;
        running.stop().await;
        Ok(())
    })
}

pub fn run(a: RunArgs) -> Outcome {
    launch(crate::plan::build(a, None)?)
}

/// `linkscreen kiosk`: `run`, fullscreen and touch first, resetting itself for each visitor.
pub fn kiosk(a: KioskArgs) -> Outcome {
    if a.idle_reset == 0 || a.answer_secs == 0 {
        return Err(AppError::said(
            ErrorKind::Usage,
            "--idle-reset and --answer-secs must be at least 1 second",
        ));
    }
    if let Some(pin) = &a.exit_pin
        && (pin.is_empty() || !pin.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(AppError::said(
            ErrorKind::Usage,
            format!("--exit-pin: digits only, found {pin:?}"),
        ));
    }
    let kiosk = crate::plan::KioskOptions {
        times: crate::flow::Kiosk {
            idle_ms: a.idle_reset * 1000,
            answer_ms: a.answer_secs * 1000,
        },
        exit_pin: a.exit_pin,
    };
    let plan = crate::plan::build(a.run, Some(kiosk))?;
    let db = plan.config.backend.db.clone();
    if a.keep_links {
        return launch(plan);
    }
    forget_links(&db, "starts")?;
    let out = launch(plan);
    // A stop the kiosk sees (its exit, SIGINT, SIGTERM); after a kill -9 the next start does it.
    if let Err(e) = forget_links(&db, "stops") {
        tracing::error!("{e:?}");
    }
    out
}

/// A public kiosk forgets every link when it starts and when it stops (`--keep-links` keeps
/// them): what one visitor linked never reaches the next.
fn forget_links(db: &std::path::Path, when: &str) -> Result<(), AppError> {
    if !db.exists() {
        return Ok(());
    }
    let store =
        crate::backend::store::Store::open(db).map_err(|e| AppError::said(ErrorKind::Usage, e))?;
    let gone = crate::backend::linking::unlink_all(&store)
        .map_err(|e| AppError::said(ErrorKind::Usage, format!("{}: {e}", db.display())))?;
    let n: usize = gone.iter().map(|u| u.deleted).sum();
    if n > 0 {
        tracing::warn!(
            "kiosk {when}: forgot {n} stored link(s) in {} (--keep-links keeps them)",
            db.display()
        );
    }
    Ok(())
}

/// A planned run: headless (the script module drives it) or in a window.
fn launch(plan: crate::plan::RunPlan) -> Outcome {
    if let Some(n) = plan.seed {
        crate::entropy::seed(n);
        tracing::warn!(
            "--seed {n}: codes and ids are reproducible (and so predictable), countdowns stand still; for tests only"
        );
    }
    if plan.headless {
        crate::script::run(plan)
    } else {
        window::run(plan)
    }
}

pub fn shoot(a: ShootArgs) -> Outcome {
    crate::shots::shoot(a.into())
}

/// What `unlink` says of one skill: what was deleted, and what could not be revoked.
fn unlinked_line(
    skill: &str,
    u: &crate::backend::linking::Unlinked,
    db: &std::path::Path,
) -> String {
    let kept = u.deleted - u.revoked;
    let mut line = format!(
        "unlinked {skill}: {} link(s) deleted from {}",
        u.deleted,
        db.display()
    );
    if u.revoked > 0 {
        line.push_str(&format!(
            "; {} revoked (tokens this machine issued)",
            u.revoked
        ));
    }
    if kept > 0 {
        line.push_str(&format!(
            "; {kept} not revoked: their tokens came from your authorization server, which \
             Alexa cannot revoke (account linking has no revocation call): they stay valid \
             there until they expire or you revoke them"
        ));
    }
    line
}

/// `linkscreen unlink`: revokes and deletes every stored link in the database.
pub fn unlink(a: UnlinkArgs) -> Outcome {
    let mut cfg = load_config(a.common.config.as_deref())?;
    if let Some(db) = a.db {
        cfg.backend.db = db;
    }
    let db = &cfg.backend.db;
    if !db.exists() {
        println!("nothing to unlink: no database at {}", db.display());
        return Ok(());
    }
    let store =
        crate::backend::store::Store::open(db).map_err(|e| AppError::said(ErrorKind::Usage, e))?;
    match crate::backend::linking::unlink_all(&store) {
        Ok(gone) if gone.is_empty() => {
            println!("nothing to unlink: no link stored in {}", db.display());
            Ok(())
        }
        Ok(gone) => {
            for u in gone {
                // The configured skill by its name; any other by its id.
                let name = if u.skill_id == cfg.skill.skill_id {
                    cfg.skill.name.clone()
                } else {
                    u.skill_id.clone()
                };
                println!("{}", unlinked_line(&name, &u, db));
            }
            Ok(())
        }
        Err(e) => Err(AppError::said(
            ErrorKind::Usage,
            format!("{}: {e}", db.display()),
        )),
    }
}
