//! Docs that cannot go stale: every `sh` block of README.md and docs/*.md runs here with the real
//! binary, from a working directory of its own (with the repository's `tests/` beside it, so
//! the examples' paths resolve), and docs/cli.md is what clap generates from the program.
//!
//! A block's info string says how it runs:
//! - `sh`: each command ends with exit 0 (or `sh exit=N`: with N);
//! - `sh starts`: each command is long-running (a window, a server): it must come up — its window
//!   shows on an X server of its own, or `serve` prints its URLs — and is then stopped;
//! - `sh not-run: REASON`: not run here, and the reason says why (a set-up step, hardware).
//!
//! In a block that runs, every line is a `linkscreen` command (`cargo run --release --` counts as
//! `linkscreen`); comments start with `#`. `LINKSCREEN_UPDATE_DOCS=1` rewrites docs/cli.md.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::xvfb::{Xvfb, on_path};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every docs/*.md.
fn doc_files() -> Vec<PathBuf> {
    let mut v = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    v.extend(docs);
    v
}

/// A fenced block: where it is, its info string, its lines.
#[derive(Debug)]
struct Block {
    at: String,
    info: String,
    lines: Vec<String>,
}

fn blocks(path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.strip_prefix(root()).unwrap().display().to_string();
    let mut out = vec![];
    let mut open: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut open, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block {
                    at: format!("{name}:{}", i + 1),
                    info: info.trim().to_owned(),
                    lines: vec![],
                });
            }
            (Some(_), Some(_)) => out.push(open.take().unwrap()),
            (Some(b), None) => b.lines.push(line.to_owned()),
            (None, None) => {}
        }
    }
    out
}

/// The commands of a block: continuation lines joined, comments and blank lines left out.
fn commands(b: &Block) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    for l in &b.lines {
        let l = l.trim();
        if cur.is_empty() && (l.is_empty() || l.starts_with('#')) {
            continue;
        }
        match l.strip_suffix('\\') {
            Some(head) => cur.push_str(&format!("{} ", head.trim_end())),
            None => {
                cur.push_str(l);
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    out
}

/// A command line split as a POSIX shell would (quotes, no expansion), with `linkscreen` or
/// `cargo run --release --` removed; None if it is another program.
fn linkscreen_args(cmd: &str) -> Option<Vec<String>> {
    let mut words = vec![];
    let (mut w, mut quote, mut any) = (String::new(), None::<char>, false);
    for c in cmd.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => w.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !w.is_empty() {
                    words.push(std::mem::take(&mut w));
                }
                any = false;
            }
            (None, c) => w.push(c),
        }
    }
    if any || !w.is_empty() {
        words.push(w);
    }
    match words.first().map(String::as_str) {
        Some("linkscreen") => Some(words[1..].to_vec()),
        Some("cargo")
            if words.get(1..4) == Some(&["run".into(), "--release".into(), "--".into()]) =>
        {
            Some(words[4..].to_vec())
        }
        _ => None,
    }
}

/// A working directory of the block's own, the repository's `tests/` linked into it.
fn workdir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root().join("tests"), d.path().join("tests")).unwrap();
    d
}

fn linkscreen(dir: &Path, args: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_linkscreen"));
    c.current_dir(dir)
        .args(args)
        // The user data directory (the default database) is the block's own.
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join(".local/share"))
        // The log as a user gets it, with its default filter.
        .env_remove("LINKSCREEN_LOG")
        .env_remove("WAYLAND_DISPLAY");
    c
}

/// Runs a command to its end (within 5 minutes); its exit code and what it said.
fn run_to_end(dir: &Path, args: &[String]) -> (Option<i32>, String) {
    let out_path = dir.join(".said");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut child = linkscreen(dir, args)
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .env_remove("DISPLAY")
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status.code(),
        std::fs::read_to_string(&out_path).unwrap_or_default(),
    )
}

/// Starts a long-running command and waits until it is up: a window on its own X server, or
/// `serve`'s URLs on stdout. Then stops it. Err says what went wrong.
fn comes_up(dir: &Path, args: &[String]) -> Result<(), String> {
    let said = dir.join(".said");
    let out = std::fs::File::create(&said).unwrap();
    let windowed = !args.iter().any(|a| a == "--headless") && args[0] != "serve";
    let x = windowed.then(|| Xvfb::start("1920x1080"));
    let mut cmd = linkscreen(dir, args);
    if let Some(x) = &x {
        cmd.env("DISPLAY", &x.display);
    }
    let mut child = cmd
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let up = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Err(format!("exited ({s}) before it was up"));
        }
        let ready = match &x {
            Some(x) => Command::new("xdotool")
                .args(["search", "--onlyvisible", "--name", "linkscreen"])
                .env("DISPLAY", &x.display)
                .output()
                .is_ok_and(|o| o.status.success() && !o.stdout.is_empty()),
            None => std::fs::read_to_string(&said)
                .unwrap_or_default()
                .contains("linkscreen backend on"),
        };
        if ready {
            break Ok(());
        }
        if Instant::now() > deadline {
            break Err("not up within 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&said).unwrap_or_default();
    up.map_err(|e| format!("{e}: {text}"))?;
    // A window starts quietly: the libraries under it (winit, D-Bus, the accessibility bridge)
    // print nothing a user must read past.
    match text
        .lines()
        .find(|l| l.contains("WARN") || l.contains("ERROR") || l.to_lowercase().contains("error"))
    {
        Some(l) if windowed => Err(format!("the window's start printed: {l}")),
        _ => Ok(()),
    }
}

#[test]
fn every_documented_command_runs() {
    let windows = on_path("Xvfb") && on_path("xdotool");
    if !windows && std::env::var_os("CI").is_some() {
        panic!("CI must have Xvfb and xdotool (.ci/run installs them)");
    }
    let mut ran = 0;
    let mut failures = vec![];
    for file in doc_files() {
        for b in blocks(&file) {
            let mut info = b.info.split_whitespace();
            if info.next() != Some("sh") {
                continue;
            }
            let how = info.collect::<Vec<_>>().join(" ");
            if let Some(reason) = how.strip_prefix("not-run:") {
                assert!(
                    reason.trim().len() > 10,
                    "{}: a block that is not run says why",
                    b.at
                );
                continue;
            }
            let (starts, want) = match how.as_str() {
                "" => (false, 0),
                "starts" => (true, 0),
                s => match s.strip_prefix("exit=").and_then(|n| n.parse().ok()) {
                    Some(n) => (false, n),
                    None => panic!("{}: unknown block kind {s:?}", b.at),
                },
            };
            let dir = workdir();
            for cmd in commands(&b) {
                let Some(args) = linkscreen_args(&cmd) else {
                    panic!(
                        "{}: {cmd:?} is not a linkscreen command: mark the block `sh not-run: REASON`",
                        b.at
                    );
                };
                ran += 1;
                eprintln!("{}: {cmd}", b.at);
                if starts {
                    if !windows && !args.iter().any(|a| a == "--headless") && args[0] != "serve" {
                        eprintln!("skipped (no Xvfb/xdotool): {}: {cmd}", b.at);
                        continue;
                    }
                    if let Err(e) = comes_up(dir.path(), &args) {
                        failures.push(format!("{}: {cmd}\n  {e}", b.at));
                    }
                } else {
                    let (code, said) = run_to_end(dir.path(), &args);
                    if code != Some(want) {
                        failures.push(format!(
                            "{}: {cmd}\n  exit {code:?}, want {want}:\n{said}",
                            b.at
                        ));
                    }
                }
            }
        }
    }
    eprintln!("{ran} documented commands ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(ran >= 10, "only {ran} documented commands found");
}

/// docs/cli.md from clap: every subcommand, its usage and each flag with its values, default
/// and help.
fn cli_markdown() -> String {
    use clap::CommandFactory;
    let mut cmd = linkscreen::cli::Cli::command();
    cmd.build();
    let mut md = String::from(
        "# CLI reference\n\nGenerated from the program's own argument definitions (clap) by \
         `tests/it/docs.rs`, which fails when this file is not current; rewrite it with \
         `LINKSCREEN_UPDATE_DOCS=1 cargo test --test tests docs::`. What the subcommands do, \
         in prose: [usage.md](usage.md).\n",
    );
    for sub in cmd.get_subcommands_mut() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let name = sub.get_name().to_owned();
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        let usage = sub.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ");
        let usage = if usage.starts_with("linkscreen ") {
            usage.to_owned()
        } else {
            format!("linkscreen {usage}")
        };
        md.push_str(&format!(
            "\n## `linkscreen {name}`\n\n{about}\n\n```text\n{usage}\n```\n"
        ));
        let args: Vec<_> = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && a.get_id() != "help")
            .collect();
        if args.is_empty() {
            continue;
        }
        md.push_str("\n| option | default | what it does |\n|---|---|---|\n");
        for a in args {
            let flag = match a.get_long() {
                Some(l) => format!("--{l}"),
                None => a.get_id().to_string().to_uppercase(),
            };
            let value = a
                .get_value_names()
                .filter(|_| a.get_action().takes_values())
                .map(|v| {
                    format!(
                        " {}",
                        v.iter()
                            .map(|s| format!("<{s}>"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                })
                .unwrap_or_else(|| {
                    if a.get_action().takes_values() {
                        format!(" <{}>", a.get_id().as_str().to_uppercase())
                    } else {
                        String::new()
                    }
                });
            let default = a
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(",");
            let mut help = a
                .get_long_help()
                .or(a.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default()
                .replace('\n', " ")
                .replace('|', "\\|");
            let possible: Vec<String> = a
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| format!("`{}`", v.get_name()))
                .collect();
            if !help.is_empty() && !help.ends_with('.') {
                help.push('.');
            }
            if !possible.is_empty() && a.get_action().takes_values() {
                help.push_str(&format!(" One of: {}.", possible.join(", ")));
            }
            let default = if default.is_empty() {
                String::new()
            } else {
                format!("`{default}`")
            };
            md.push_str(&format!("| `{flag}{value}` | {default} | {help} |\n"));
        }
    }
    md
}

#[test]
fn the_cli_reference_is_current() {
    let path = root().join("docs/cli.md");
    let want = cli_markdown();
    if std::env::var_os("LINKSCREEN_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/cli.md is not what the program's flags say: run LINKSCREEN_UPDATE_DOCS=1 cargo test --test tests docs::"
    );
}

#[test]
fn the_readme_is_a_front_page_and_no_doc_points_outside_the_project() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let n = readme.lines().count();
    assert!(n <= 300, "README.md has {n} lines (at most 300)");
    for file in doc_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for outside in [
            "DESIGN.md",
            "PROTOCOL.md",
            "STYLE.md",
            "SLINT-NOTES",
            "BROWSER-NOTES",
        ] {
            assert!(
                !text.contains(outside),
                "{} points to {outside}, outside the project",
                file.display()
            );
        }
        // Every relative link leads to a file of the project.
        let dir = file.parent().unwrap();
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')').unwrap_or(0)];
            if target.is_empty() || target.contains("://") || target.starts_with('#') {
                continue;
            }
            let target = target.split('#').next().unwrap();
            assert!(
                dir.join(target).exists(),
                "{}: link to {target}, which does not exist",
                file.display()
            );
        }
    }
}
