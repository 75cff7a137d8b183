//! What a new user tries first, run the way they run it: the real binary, started from another
//! working directory with relative paths, Amazon's hello-world template (no account linking),
//! a headless run with nothing to show, and a second run on the same database.

use std::path::Path;
use std::process::{Command, Output};

use crate::project::copy_project;

/// Runs `linkscreen ARGS` in `cwd` (the process's working directory) and waits for it.
pub fn linkscreen_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(cwd)
        .args(args)
        .env("LINKSCREEN_LOG", "warn")
        .output()
        .unwrap()
}

fn events(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn of_type<'a>(ev: &'a [serde_json::Value], t: &str) -> Vec<&'a serde_json::Value> {
    ev.iter().filter(|e| e["type"] == t).collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs a script headless in a copy of the third-party `apl-hello-node` project, from the
/// project's own folder (`--skill-dir .`), its events, database and frames one folder up.
fn hello_script(
    script: &str,
    extra: &[&str],
) -> (tempfile::TempDir, Output, Vec<serde_json::Value>) {
    hello_script_with(script, extra, &[])
}

/// [`hello_script`] with environment variables for the skill.
fn hello_script_with(
    script: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (tempfile::TempDir, Output, Vec<serde_json::Value>) {
    let tmp = tempfile::tempdir().unwrap();
    let work = copy_project("apl-hello-node", tmp.path());
    std::fs::write(tmp.path().join("apl.script"), script).unwrap();
    let mut args = vec!["run", "--headless"];
    args.extend_from_slice(extra);
    args.extend([
        "--skill-dir",
        ".",
        "--script",
        "../apl.script",
        "--events",
        "../events.jsonl",
        "--db",
        "../ls.db",
        "--frames",
        "../frames",
    ]);
    let out = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(&work)
        .args(&args)
        .env("LINKSCREEN_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let ev = events(&tmp.path().join("events.jsonl"));
    (tmp, out, ev)
}

/// The bodies of the UserEvent requests the skill was sent.
fn user_events(ev: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    of_type(ev, "skill_request")
        .into_iter()
        .map(|r| &r["body"])
        .filter(|b| b["request"]["type"] == "Alexa.Presentation.APL.UserEvent")
        .collect()
}

/// The lines of `text` that contain `what`.
fn lines_with<'a>(text: &'a str, what: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(what)).collect()
}

/// Amazon's template has no account linking: open and an intent reach the skill at once,
/// without a token, and nothing asks to link.
fn hello_world_launches_without_linking(project: &str, answer: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let work = copy_project(project, tmp.path());
    std::fs::write(
        tmp.path().join("hello.script"),
        format!(
            "say Alexa, open hello world\nwait skill-response 30\n\
             expect Welcome, you can say Hello or Help\nsay hello\nexpect {answer}\n"
        ),
    )
    .unwrap();
    // The README's own command: cd into the project, `--skill-dir .`, other paths relative.
    let out = linkscreen_in(
        &work,
        &[
            "run",
            "--headless",
            "--skill-dir",
            ".",
            "--script",
            "../hello.script",
            "--events",
            "../events.jsonl",
            "--db",
            "../ls.db",
            "--frames",
            "../frames",
        ],
    );
    let ev = events(&tmp.path().join("events.jsonl"));
    assert_eq!(out.status.code(), Some(0), "{}\n{ev:#?}", stderr(&out));
    let requests = of_type(&ev, "skill_request");
    assert_eq!(requests.len(), 2, "{ev:#?}");
    assert_eq!(requests[0]["body"]["request"]["type"], "LaunchRequest");
    assert_eq!(requests[1]["body"]["request"]["type"], "IntentRequest");
    assert_eq!(
        requests[1]["body"]["request"]["intent"]["name"],
        "HelloWorldIntent"
    );
    assert_eq!(
        requests[1]["body"]["session"]["new"], false,
        "the welcome kept the session open"
    );
    for r in &requests {
        assert!(
            r["body"]["context"]["System"]["user"]
                .get("accessToken")
                .is_none(),
            "no token without account linking: {r}"
        );
    }
    let answers: Vec<String> = of_type(&ev, "skill_response")
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(answers.iter().any(|a| a.contains(answer)), "{answers:?}");
    assert!(of_type(&ev, "device_authorization").is_empty(), "{ev:#?}");
    assert!(of_type(&ev, "prompt").is_empty(), "{ev:#?}");
    assert!(
        !of_type(&ev, "scene")
            .iter()
            .any(|e| e["scene"] == "link-prompt"),
        "{ev:#?}"
    );
    // Frames went where the relative --frames said, beside the project, not inside it.
    assert!(tmp.path().join("frames/0000-home.png").is_file());
    assert!(!work.join("frames").exists());
}

#[test]
fn hello_world_node_launches_without_linking_from_its_own_folder() {
    hello_world_launches_without_linking("hello-world-node", "Hello World!");
}

#[test]
fn hello_world_python_launches_without_linking_from_its_own_folder() {
    hello_world_launches_without_linking("hello-world-python", "Hello Python World");
}

#[test]
fn a_link_account_card_without_account_linking_is_shown_and_reported() {
    // City Rides answers an unlinked launch with a LinkAccount card; the project has no
    // account linking, so real Alexa has nothing to link: the answer shows, and the report says so.
    let tmp = tempfile::tempdir().unwrap();
    copy_project("city-rides-node", tmp.path());
    std::fs::write(
        tmp.path().join("s.script"),
        "say Alexa, open city rides\nwait skill-response 30\nexpect link your City Rides account\n",
    )
    .unwrap();
    // From the parent folder: `--skill-dir city-rides-node`.
    let out = linkscreen_in(
        tmp.path(),
        &[
            "run",
            "--headless",
            "--skill-dir",
            "city-rides-node",
            "--script",
            "s.script",
            "--events",
            "ev.jsonl",
            "--db",
            "ls.db",
        ],
    );
    let ev = events(&tmp.path().join("ev.jsonl"));
    assert_eq!(out.status.code(), Some(0), "{}\n{ev:#?}", stderr(&out));
    assert!(of_type(&ev, "device_authorization").is_empty());
    let summary = of_type(&ev, "conformance_summary");
    assert_eq!(summary.len(), 1, "{ev:#?}");
    assert!(
        summary[0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "link-card-without-account-linking"),
        "{}",
        summary[0]
    );
    assert!(
        stderr(&out).contains("link-card-without-account-linking"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn relative_paths_in_a_config_file_resolve_against_its_folder() {
    // conf/ls.toml names the project, the account-linking choice and the database relative to
    // conf/; the binary runs from yet another folder and names the config relatively.
    let tmp = tempfile::tempdir().unwrap();
    copy_project("rides-python", tmp.path());
    let conf = tmp.path().join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::create_dir_all(tmp.path().join("elsewhere")).unwrap();
    std::fs::write(
        conf.join("ls.toml"),
        "[skill]\ndir = \"../rides-python\"\n[account_linking]\nsample = true\nrequired = false\n[backend]\ndb = \"data/ls.db\"\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("elsewhere/s.script"),
        "say Alexa, open pier taxis\nwait link-prompt 30\nphone link\nwait skill-response 30\nexpect You're linked with Pier Taxis\n",
    )
    .unwrap();
    let out = linkscreen_in(
        &tmp.path().join("elsewhere"),
        &[
            "run",
            "--headless",
            "--config",
            "../conf/ls.toml",
            "--locale",
            "en-GB",
            "--script",
            "s.script",
            "--events",
            "ev.jsonl",
        ],
    );
    let ev = events(&tmp.path().join("elsewhere/ev.jsonl"));
    assert_eq!(out.status.code(), Some(0), "{}\n{ev:#?}", stderr(&out));
    assert!(
        conf.join("data/ls.db").is_file(),
        "[backend] db is relative to the config file"
    );
    let requests = of_type(&ev, "skill_request");
    assert!(
        requests.last().unwrap()["body"]["context"]["System"]["user"]["accessToken"].is_string()
    );
}

#[test]
fn headless_with_nothing_else_prints_each_screen() {
    // The README's first example had exited 2 ("--headless shows nothing by itself"): now each
    // new screen is a line on stdout, with what it says.
    let tmp = tempfile::tempdir().unwrap();
    let out = linkscreen_in(
        tmp.path(),
        &[
            "run",
            "--headless",
            "--fresh",
            "--say",
            "Alexa, open Ride Hailer",
            "--until",
            "link-prompt",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = said.lines().collect();
    assert!(
        lines.first().is_some_and(|l| l.starts_with("home: ")),
        "{said}"
    );
    let prompt = lines
        .iter()
        .find(|l| l.starts_with("link-prompt: "))
        .expect(&said);
    assert!(prompt.contains("/device"), "{said}");
    assert!(!tmp.path().join("frames").exists());
}

#[test]
fn a_headless_run_says_how_to_finish_the_link_and_a_second_run_says_why_it_skips_the_prompt() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // First run, unscripted, stopping on the prompt: stderr has the code, the QR URL and how to
    // finish the link from this machine.
    let out = linkscreen_in(
        dir,
        &[
            "run",
            "--headless",
            "--events",
            "one.jsonl",
            "--db",
            "ls.db",
            "--until",
            "link-prompt",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ev = events(&dir.join("one.jsonl"));
    let prompt = of_type(&ev, "prompt")[0];
    let err = stderr(&out);
    for part in [
        prompt["user_code"].as_str().unwrap(),
        prompt["qr_url"].as_str().unwrap(),
        "waits for a phone",
        "phone link",
    ] {
        assert!(err.contains(part), "{part:?} missing from: {err}");
    }
    assert!(!dir.join("frames").exists(), "no frames without --frames");

    // Link once, with a script, on the same database.
    std::fs::write(
        dir.join("qr.script"),
        "say Alexa, open Ride Hailer\nwait link-prompt\nphone link\nwait skill-response 30\n",
    )
    .unwrap();
    let run_qr = || {
        linkscreen_in(
            dir,
            &[
                "run",
                "--headless",
                "--script",
                "qr.script",
                "--db",
                "ls.db",
            ],
        )
    };
    let out = run_qr();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The same script again: the stored link skips the prompt; stderr says so in one line and
    // the failing wait names the likely reason.
    let out = linkscreen_in(
        dir,
        &[
            "run",
            "--headless",
            "--script",
            "qr.script",
            "--db",
            "ls.db",
            "--events",
            "three.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    let notice = lines_with(&err, "is already linked");
    assert_eq!(notice.len(), 1, "{err}");
    assert!(notice[0].contains("Ride Hailer"), "{err}");
    assert!(notice[0].contains("ls.db"), "{err}");
    assert!(
        notice[0].contains("linkscreen unlink") && notice[0].contains("--fresh"),
        "{err}"
    );
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("likely because a link stored in"), "{err}");

    // --fresh: a throw-away database, so the prompt shows; the stored link is still there after.
    let out = linkscreen_in(
        dir,
        &["run", "--headless", "--script", "qr.script", "--fresh"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // `linkscreen unlink` revokes and deletes it; then the prompt shows again on ls.db.
    let out = linkscreen_in(dir, &["unlink", "--db", "ls.db"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("1 link(s) deleted")
            && said.contains("1 revoked (tokens this machine issued)"),
        "{said}"
    );
    assert!(!said.contains("not revoked"), "{said}");
    let out = run_qr();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = linkscreen_in(dir, &["unlink", "--db", "ls.db"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 link(s)"));
    let out = linkscreen_in(dir, &["unlink", "--db", "ls.db"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("nothing to unlink"),
        "twice in a row"
    );
}

#[test]
fn on_the_lan_every_url_a_phone_sees_names_the_lan_address() {
    use crate::journey::{Device, decode_qr};
    // 127.0.0.2 poses as the LAN address; the phone below talks only to what it is handed.
    let mut dev = Device::start(&["--lan-address", "127.0.0.2"]);
    let frame = dev.wait_scene("link-prompt");
    let qr = decode_qr(Path::new(frame["path"].as_str().unwrap()));
    let lan = url::Url::parse(&qr).unwrap();
    assert_eq!(lan.host_str(), Some("127.0.0.2"), "{qr}");
    let base = lan.origin().ascii_serialization();
    let phone = crate::util::Phone::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let done = rt.block_on(phone.link(&base, &qr));
    assert!(done.url.contains("/api/skill/link/"), "{}", done.url);
    dev.wait_scene("skill-response");
    assert_eq!(dev.wait_exit(), 0);
    let seen = phone.seen.lock().unwrap();
    assert!(seen.len() > 8, "{seen:#?}");
    for s in seen.iter() {
        assert!(
            !s.contains("127.0.0.1") && !s.contains("localhost"),
            "the phone was handed a loopback address: {s}"
        );
        if let Ok(u) = url::Url::parse(s) {
            assert_eq!(u.host_str(), Some("127.0.0.2"), "{s}");
        }
    }
}

#[test]
fn serve_on_every_address_hands_out_a_reachable_one() {
    let tmp = tempfile::tempdir().unwrap();
    let port = crate::journey::free_port().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(tmp.path())
        .args([
            "serve", "--bind", "0.0.0.0", "--port", &port, "--db", "s.db",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The banner is printed once the backend listens: read it on a thread, up to a deadline.
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stdout).lines() {
            if tx.send(l.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut out = String::new();
    while let Ok(l) = rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
    {
        out.push_str(&l);
        out.push('\n');
        if l.contains("redirect URI") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(out.contains("redirect URI"), "{out}");
    assert!(!out.contains("0.0.0.0"), "{out}");
    let phone_line = out.lines().find(|l| l.contains("phone pages")).unwrap();
    let host = phone_line
        .split("http://")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap();
    let ip: std::net::IpAddr = host.parse().unwrap();
    assert!(!ip.is_unspecified(), "{out}");
}

/// The frames a headless run in `cwd` wrote, in order: (scene, PNG bytes).
fn frames(ev: &[serde_json::Value], cwd: &Path) -> Vec<(String, Vec<u8>)> {
    of_type(ev, "frame")
        .iter()
        .map(|e| {
            (
                e["scene"].as_str().unwrap().to_owned(),
                std::fs::read(cwd.join(e["path"].as_str().unwrap())).unwrap(),
            )
        })
        .collect()
}

#[test]
fn headless_frames_follow_every_visible_change_not_only_scene_changes() {
    let (dev, code) = crate::journey::Device::run_script(
        "",
        "say Alexa, open Ride Hailer\nwait link-prompt 30\ntap Sign in using this device\nwait login 30\n\
         expect Sign in to Ride Hailer\nfill Email annie@example.com\nfill password wrong-one\nsubmit Sign in\n\
         expect The email or password is incorrect.\n",
        &[],
    );
    assert_eq!(code, 0);
    let all = frames(&dev.events(), dev.dir.path());
    let login: Vec<&Vec<u8>> = all
        .iter()
        .filter(|(s, _)| s == "login")
        .map(|(_, png)| png)
        .collect();
    // "Loading…", the page, the page as filled in, the page with the server's error at least.
    assert!(login.len() >= 4, "{} login frames", login.len());
    assert_ne!(
        login[0], login[1],
        "the loaded page differs from the placeholder"
    );
    let distinct: std::collections::HashSet<&Vec<u8>> = login.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        login.len(),
        "a frame only when the screen changed"
    );
    // The link prompt's countdown ticks every second, but it is one frame.
    assert_eq!(all.iter().filter(|(s, _)| s == "link-prompt").count(), 1);
}

#[test]
fn a_skill_that_stays_down_ends_an_unscripted_headless_run_with_exit_3() {
    let tmp = tempfile::tempdir().unwrap();
    let port = crate::journey::free_port();
    std::fs::write(
        tmp.path().join("ls.toml"),
        format!("[skill]\nendpoint = \"http://127.0.0.1:{port}/\"\n"),
    )
    .unwrap();
    let out = linkscreen_in(
        tmp.path(),
        &[
            "run",
            "--headless",
            "--config",
            "ls.toml",
            "--frames",
            "frames",
            "--events",
            "ev.jsonl",
            "--db",
            "ls.db",
            "--give-up",
            "3",
        ],
    );
    let ev = events(&tmp.path().join("ev.jsonl"));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the skill has been unreachable for 3 s"),
        "{err}"
    );
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    let retries = of_type(&ev, "error")
        .iter()
        .filter(|e| e["step"] == "Launch")
        .count();
    assert!(retries >= 2, "it retried meanwhile: {retries}");
    // From the first error on, the screen stays on it: no home or invoking screen between tries,
    // and one frame for it (its countdown ticks without new frames).
    let scenes: Vec<String> = frames(&ev, tmp.path())
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let first = scenes
        .iter()
        .position(|s| s == "server-unreachable")
        .expect("the error was shown");
    assert_eq!(&scenes[first..], ["server-unreachable"], "{scenes:?}");
    assert_eq!(of_type(&ev, "gave_up").len(), 1);
}

#[test]
fn until_stops_at_the_scene_and_nothing_happens_after_the_stop() {
    let tmp = tempfile::tempdir().unwrap();
    let out = linkscreen_in(
        tmp.path(),
        &[
            "run",
            "--headless",
            "--until",
            "link-prompt",
            "--events",
            "ev.jsonl",
            "--db",
            "ls.db",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ev = events(&tmp.path().join("ev.jsonl"));
    // The backend stopped after the device: its held poll did not run into a closed server.
    assert!(of_type(&ev, "error").is_empty(), "{ev:#?}");
    let scenes: Vec<&str> = of_type(&ev, "scene")
        .iter()
        .map(|e| e["scene"].as_str().unwrap())
        .collect();
    assert_eq!(scenes.last(), Some(&"link-prompt"), "{scenes:?}");
}

#[test]
fn say_code_waits_for_the_one_time_code_to_arrive() {
    // No `expect` between the approval and the code: the step waits for the code itself.
    let (dev, code) = crate::journey::Device::run_script(
        "",
        "say Alexa, open Ride Hailer\nwait skill-response\nsay link my account\nwait voice-link\n\
         say I approve\nsay my code is {code}\nexpect signed you in with Ride Hailer\n",
        &["--voice-forward", "--speaker", "Annie"],
    );
    assert_eq!(code, 0, "{:#?}", dev.events());
    let checked = dev
        .events()
        .into_iter()
        .filter(|e| e["type"] == "otp_checked")
        .collect::<Vec<_>>();
    assert_eq!(checked.len(), 1);
}

/// A child process killed if the test ends early.
struct Killed(Option<std::process::Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|s| {
                    // pid (comm) state ppid …: the comm may hold spaces; split after ')'.
                    let rest = &s[s.rfind(')')? + 2..];
                    rest.split(' ').nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// Running, not ended (a zombie waiting for its reaper has ended).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s[s.rfind(')')? + 2..].chars().next())
        .is_some_and(|state| state != 'Z' && state != 'X')
}

#[test]
fn sigterm_stops_cleanly_with_the_summary_and_no_handler_left_behind() {
    let tmp = tempfile::tempdir().unwrap();
    copy_project("city-rides-node", tmp.path());
    let child = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(tmp.path())
        .args([
            "run",
            "--headless",
            "--skill-dir",
            "city-rides-node",
            "--events",
            "ev.jsonl",
            "--db",
            "ls.db",
            // Never reached: the run waits on the skill's answer until it is stopped.
            "--until",
            "success",
        ])
        .env("LINKSCREEN_LOG", "warn")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Killed(Some(child));
    let evp = tmp.path().join("ev.jsonl");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !events(&evp)
        .iter()
        .any(|e| e["type"] == "scene" && e["scene"] == "skill-response")
    {
        assert!(std::time::Instant::now() < deadline, "{:#?}", events(&evp));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = child.0.as_ref().unwrap().id();
    let handlers = children_of(pid);
    assert!(!handlers.is_empty(), "the Lambda handler runs in a child");
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGTERM) }, 0);
    let out = child.0.take().unwrap().wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(128 + libc::SIGTERM),
        "{}",
        stderr(&out)
    );
    let ev = events(&evp);
    let summary = of_type(&ev, "conformance_summary");
    assert_eq!(summary.len(), 1, "{ev:#?}");
    assert!(stderr(&out).contains("conformance:"), "{}", stderr(&out));
    assert!(of_type(&ev, "error").is_empty(), "{ev:#?}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while handlers.iter().any(|p| alive(*p)) {
        assert!(
            std::time::Instant::now() < deadline,
            "handler processes left running: {handlers:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn speak_voices_the_link_prompt() {
    let has_espeak = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("espeak-ng").is_file()));
    let tmp = tempfile::tempdir().unwrap();
    let out = linkscreen_in(
        tmp.path(),
        &[
            "run",
            "--headless",
            "--speak",
            "--until",
            "link-prompt",
            "--events",
            "ev.jsonl",
            "--db",
            "ls.db",
        ],
    );
    if !has_espeak {
        assert_eq!(out.status.code(), Some(2));
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ev = events(&tmp.path().join("ev.jsonl"));
    let spoken: Vec<&str> = of_type(&ev, "speak")
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(
        spoken.contains(
            &"To use Ride Hailer, you need to link your account. Scan the QR code on the screen with your phone."
        ),
        "{spoken:?}"
    );
}

/// A third-party OAuth server shaped like real ones, and a skill behind it: `/authorize` sends a
/// browser without a session to its sign-in page first (302); once signed in it shows an
/// "Authorize" page with an Allow button and a Deny link; `/token` answers a code; `/skill`
/// says whether the request carried a token.
async fn third_party() -> String {
    use axum::extract::{Form, RawQuery};
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::{Html, IntoResponse};
    use axum::routing::{get, post};
    use std::collections::HashMap;
    fn found(to: &str, cookie: Option<&str>) -> axum::response::Response {
        let mut r = (StatusCode::FOUND, [(header::LOCATION, to.to_owned())]).into_response();
        if let Some(c) = cookie {
            r.headers_mut()
                .insert(header::SET_COOKIE, c.parse().unwrap());
        }
        r
    }
    fn enc(s: &str) -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }
    fn back(q: &str, extra: &str) -> String {
        let p: HashMap<String, String> = url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect();
        format!(
            "{}?{extra}&state={}",
            p["redirect_uri"],
            enc(p.get("state").map(String::as_str).unwrap_or(""))
        )
    }
    let app = axum::Router::new()
        .route(
            "/authorize",
            get(|h: HeaderMap, RawQuery(q): RawQuery| async move {
                let q = q.unwrap_or_default();
                let signed_in = h
                    .get(header::COOKIE)
                    .and_then(|c| c.to_str().ok())
                    .is_some_and(|c| c.contains("sid=annie"));
                if !signed_in {
                    return found(&format!("/login?return={}", enc(&format!("/authorize?{q}"))), None);
                }
                Html(format!(
                    "<!doctype html><html><head><title>Authorize</title></head><body><h1>Authorize</h1>\
                     <p>Alexa would like to:</p><ul><li>See your profile</li><li>Book rides</li></ul>\
                     <form method=post action=/decision><input type=hidden name=q value=\"{}\"><button type=submit>Allow</button></form>\
                     <a href=\"/decision?deny=1&amp;{}\">Deny</a></body></html>",
                    q.replace('&', "&amp;").replace('"', "&quot;"),
                    q.replace('&', "&amp;")
                ))
                .into_response()
            }),
        )
        .route(
            "/login",
            get(|h: HeaderMap, axum::extract::Query(p): axum::extract::Query<HashMap<String, String>>| async move {
                // Localized by Accept-Language, as most vendors' login pages are.
                let ja = h
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("ja"));
                let heading = if ja { "Example Ridesにサインイン" } else { "Sign in to Example Rides" };
                Html(format!(
                    "<!doctype html><html><head><title>Example Rides</title></head><body><h1>{heading}</h1>\
                     <form method=post action=/login><input type=hidden name=return value=\"{}\">\
                     <label for=u>Username</label><input id=u name=username><label for=p>Password</label>\
                     <input id=p name=password type=password><button type=submit>Sign in</button></form></body></html>",
                    p.get("return").cloned().unwrap_or_default().replace('&', "&amp;")
                ))
            })
            .post(|Form(f): Form<HashMap<String, String>>| async move {
                if f.get("password").map(String::as_str) != Some("pw") {
                    return (StatusCode::UNAUTHORIZED, Html("<h1>Wrong password</h1>")).into_response();
                }
                found(&f["return"], Some("sid=annie; Path=/; HttpOnly"))
            }),
        )
        .route(
            "/decision",
            post(|Form(f): Form<HashMap<String, String>>| async move {
                found(&back(&f["q"], "code=tp-code-1"), None)
            })
            .get(|RawQuery(q): RawQuery| async move {
                found(&back(&q.unwrap_or_default(), "error=access_denied"), None)
            }),
        )
        .route(
            "/token",
            post(|| async {
                axum::Json(serde_json::json!({"access_token": "tp-access-1", "token_type": "Bearer",
                    "expires_in": 3600, "refresh_token": "tp-refresh-1"}))
            }),
        )
        .route(
            "/skill",
            post(|axum::Json(env): axum::Json<serde_json::Value>| async move {
                let linked = env["context"]["System"]["user"]["accessToken"].is_string();
                let text = if linked { "Welcome back to Example Rides." } else { "Please link your account." };
                let mut r = serde_json::json!({"version": "1.0", "response": {
                    "outputSpeech": {"type": "PlainText", "text": text}, "shouldEndSession": true}});
                if !linked {
                    r["response"]["card"] = serde_json::json!({"type": "LinkAccount"});
                }
                axum::Json(r)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_party_server_that_signs_in_first_then_asks_to_authorize() {
    let idp = third_party().await;
    let toml = format!(
        "[skill]\nendpoint = \"{idp}/skill\"\n\
         [account_linking]\ntype = \"AUTH_CODE\"\nauthorizationUrl = \"{idp}/authorize\"\naccessTokenUrl = \"{idp}/token\"\n\
         clientId = \"alexa\"\nclientSecret = \"s3cret\"\naccessTokenScheme = \"HTTP_BASIC\"\nscopes = [\"profile\"]\n"
    );
    let script = "say Alexa, open Ride Hailer\nwait link-prompt 30\ntap Sign in using this device\nwait login 30\n\
        expect Sign in to Example Rides\nfill Username annie\nfill Password pw\nsubmit Sign in\n\
        wait consent 30\nexpect Alexa would like to\ntap Allow\nwait success 30\nwait skill-response 30\n\
        expect Welcome back to Example Rides.\n";
    let (dev, code) =
        tokio::task::block_in_place(|| crate::journey::Device::run_script(&toml, script, &[]));
    let ev = dev.events();
    assert_eq!(code, 0, "{ev:#?}");
    let last = of_type(&ev, "skill_request").last().unwrap()["body"].clone();
    assert!(
        last["context"]["System"]["user"]["accessToken"]
            .as_str()
            .unwrap()
            .starts_with("tp-a"),
        "{last}"
    );
    // The redirect-URI probe met the sign-in page: Alexa's three are "not checked", never passed;
    // the emulator's own is accepted, because a link came back through it.
    let summary = of_type(&ev, "conformance_summary")[0].clone();
    let findings = summary["findings"].as_array().unwrap();
    for host in [
        "pitangui.amazon.com",
        "layla.amazon.com",
        "alexa.amazon.co.jp",
    ] {
        let f: Vec<&serde_json::Value> = findings
            .iter()
            .filter(|f| f["evidence"].as_str().unwrap().contains(host))
            .collect();
        assert_eq!(f.len(), 1, "{host}: {findings:#?}");
        assert_eq!(f[0]["rule"], "redirect-uri-not-checked", "{host}");
        assert_eq!(f[0]["level"], "unchecked", "{host}");
    }
    let own: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "redirect-uri-accepted")
        .collect();
    assert_eq!(own.len(), 1, "{findings:#?}");
    assert!(
        own[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("accepted 127.0.0.1:")
    );
    assert_eq!(summary["unchecked"], 3);
}

/// The device's browser says the device's language: a vendor's login page localized by
/// `Accept-Language` answers a ja-JP device in Japanese (and an en-US one in English, above).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_japanese_device_gets_the_vendors_login_page_in_japanese() {
    let idp = third_party().await;
    let toml = format!(
        "[skill]\nendpoint = \"{idp}/skill\"\n\
         [account_linking]\ntype = \"AUTH_CODE\"\nauthorizationUrl = \"{idp}/authorize\"\naccessTokenUrl = \"{idp}/token\"\n\
         clientId = \"alexa\"\nclientSecret = \"s3cret\"\naccessTokenScheme = \"HTTP_BASIC\"\nscopes = [\"profile\"]\n"
    );
    let script = "say アレクサ、Ride Hailerを開いて\nwait link-prompt 30\ntap このデバイスでサインイン\n\
        wait login 30\nexpect Example Ridesにサインイン\n";
    let (dev, code) = tokio::task::block_in_place(|| {
        crate::journey::Device::run_script(&toml, script, &["--locale", "ja-JP"])
    });
    assert_eq!(code, 0, "{:#?}", dev.events());
}

/// The whole journey in one language: a ja-JP device on the sample server's pages, which
/// answer its Accept-Language in Japanese (a wrong password's error too), then the skill.
#[test]
fn the_whole_journey_in_japanese_on_the_sample_server() {
    // The sample skill is called in katakana in Japanese, as a Japanese skill would be.
    let script = "say アレクサ、ライドヘイラーを開いて\nwait link-prompt 30\ntap このデバイスでサインイン\n\
        wait login 30\nexpect Ride Hailerにサインイン\nfill メールアドレス annie@example.com\n\
        fill パスワード not-her-password\nsubmit サインイン\nexpect メールアドレスまたはパスワードが正しくありません。\n\
        fill パスワード ride-hailer\nsubmit サインイン\nwait terms 30\nexpect 利用規約\nsubmit 同意する\n\
        wait consent 30\nexpect Alexaに\nsubmit 許可\nwait success 30\nwait skill-response 30\n\
        expect Annieさん、こんにちは。\nsay 空港まで配車して\nwait skill-response 30\n\
        expect 空港行きの車が向かっています。\n";
    let (dev, code) = crate::journey::Device::run_script("", script, &["--locale", "ja-JP"]);
    assert_eq!(code, 0, "{:#?}", dev.events());
}

#[test]
fn with_your_own_server_on_the_lan_start_up_names_the_redirect_uri_to_register() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("ls.toml"),
        "[account_linking]\ntype = \"AUTH_CODE\"\nauthorizationUrl = \"https://id.example/authorize\"\n\
         accessTokenUrl = \"https://id.example/token\"\nclientId = \"alexa\"\nclientSecret = \"s\"\n\
         accessTokenScheme = \"HTTP_BASIC\"\nscopes = [\"profile\"]\n",
    )
    .unwrap();
    let out = linkscreen_in(
        tmp.path(),
        &[
            "run",
            "--headless",
            "--config",
            "ls.toml",
            "--lan-address",
            "127.0.0.2",
            "--until",
            "link-prompt",
            "--events",
            "ev.jsonl",
            "--db",
            "ls.db",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let line = lines_with(&err, "register this redirect URI");
    assert_eq!(line.len(), 1, "{err}");
    assert!(
        line[0].contains("http://127.0.0.2:") && line[0].contains("/api/skill/link/M2LSEMU0000001"),
        "{err}"
    );
}

/// A skill we did not write (its own document shapes, Amazon's sample style) shows its APL
/// screen: the list bound from its datasources, a labelled placeholder and an event for the
/// component linkscreen does not know, an error naming the binding that does not parse; a
/// touch sends a real UserEvent with the screen's visual context, and the skill's
/// ExecuteCommands changes the screen. Twice in a row, from the project's own folder.
#[test]
fn a_third_party_skills_apl_screen_is_drawn_and_touched() {
    // The skill's images, served on loopback: one there, one gone.
    let images = image_server();
    let (tmp, out, ev) = hello_script_with(
        "say Alexa, open hello world\nwait skill-response 30\nexpect Hello, screens\n\
         shot greetings\ntap Bonjour\nshot touched\nexpect greet Bonjour #1 on helloToken\n\
         tap Hallo (de)\nexpect greet Hallo #2 on helloToken\n\
         expect Made from a package\n\
         say hello\nexpect Goodbye, screens\nexpect from a linked document\n",
        &[],
        &[("APL_IMAGE_BASE", &images)],
    );
    assert_eq!(out.status.code(), Some(0), "{}\n{ev:#?}", stderr(&out));
    let requests = of_type(&ev, "skill_request");
    let launch = &requests[0]["body"];
    assert!(
        launch["context"]["System"]["device"]["supportedInterfaces"]["Alexa.Presentation.APL"]["runtime"]["maxVersion"]
            .is_string(),
        "{launch}"
    );
    let touches = user_events(&ev);
    assert_eq!(touches.len(), 2, "{ev:#?}");
    let t = &touches[0];
    assert_eq!(t["request"]["token"], "helloToken");
    assert_eq!(
        t["request"]["arguments"],
        serde_json::json!(["greet", "Bonjour", 1])
    );
    assert_eq!(t["request"]["source"]["type"], "TouchWrapper");
    assert_eq!(t["request"]["source"]["id"], "greeting-1");
    assert_eq!(t["request"]["components"]["status"], "Pick a greeting");
    assert_eq!(
        t["context"]["Alexa.Presentation.APL"]["token"],
        "helloToken"
    );
    assert!(t["request"]["requestId"].is_string() && t["request"]["timestamp"].is_string());
    assert_eq!(
        t["session"]["new"], false,
        "the launch kept the session open"
    );
    // The shot right after the touch waited for the skill's answer (the skill takes half a
    // second): it shows the new status, not the screen that was touched.
    let at = |pred: &dyn Fn(&serde_json::Value) -> bool| ev.iter().position(pred).unwrap();
    let answered = at(&|e| {
        e["type"] == "skill_response" && e["body"].to_string().contains("greet Bonjour #1")
    });
    let shot = at(&|e| e["type"] == "shot" && e["name"] == "touched");
    assert!(answered < shot, "{ev:#?}");
    let png = |n: &str| {
        image::open(tmp.path().join(format!("frames/{n}.png")))
            .unwrap()
            .to_rgba8()
    };
    assert_ne!(png("greetings"), png("touched"));
    // The second touch sees the text the first one's ExecuteCommands set.
    assert_eq!(
        touches[1]["request"]["components"]["status"],
        "greet Bonjour #1 on helloToken"
    );
    let unsupported = of_type(&ev, "apl_unsupported");
    assert!(
        unsupported.iter().any(
            |e| e["message"].as_str().unwrap_or("").contains("Sparkles3D")
                && e["path"] == "$.document.mainTemplate.item.items[4].type"
        ),
        "{unsupported:#?}"
    );
    let errors = of_type(&ev, "apl_error");
    assert!(
        errors
            .iter()
            .any(|e| e["path"] == "$.document.mainTemplate.item.items[7].text"),
        "{errors:#?}"
    );
    // The run's summary counts them, so they are seen without --events.
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        said.contains("apl-problems: the screen met") && said.contains("the latest: apl_"),
        "{said}"
    );
    // The skill's own package came from its address (its layout drew "Made from a package",
    // above); the one whose address is gone is named with why, and the rest still shows.
    assert!(
        errors
            .iter()
            .any(|e| e["path"] == "$.document.import[2].source"
                && e["message"].as_str().unwrap_or("").contains("HTTP 404")),
        "{errors:#?}"
    );
    // The screen was drawn: behind a document that paints no background the screen is black,
    // light theme or not (a theme paints nothing, as on a device), not the speech screen's
    // navy.
    let shot = image::open(tmp.path().join("frames/greetings.png"))
        .unwrap()
        .to_rgba8();
    assert_eq!(
        shot.get_pixel(shot.width() - 5, shot.height() / 2).0,
        [0, 0, 0, 0xff]
    );
    // The image came over HTTP and is drawn in its box (bottom right); the one that is gone
    // is named with why.
    let frames: Vec<_> = std::fs::read_dir(tmp.path().join("frames"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains("-skill-response"))
        })
        .collect();
    // A frame once the image had arrived (before the skill's next document replaced it).
    assert!(
        frames.iter().any(|f| {
            let img = image::open(f).unwrap().to_rgba8();
            let (w, h) = img.dimensions();
            img.get_pixel(w - 50, h - 50).0 == [0xff, 0x00, 0xff, 0xff]
        }),
        "no frame shows the image"
    );
    assert!(
        errors.iter().any(|e| e["message"]
            .as_str()
            .is_some_and(|m| m.contains("gone.png: HTTP 404"))),
        "{errors:#?}"
    );
}

/// A loopback server with `/photo.png` (a magenta square); anything else is 404. Its base URL.
fn image_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(16, 16, image::Rgba([0xff, 0, 0xff, 0xff]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let png = png.into_inner();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let package = serde_json::json!({"type": "APL", "version": "2023.3",
                "import": [{"name": "alexa-layouts", "version": "1.7.0"}],
                "layouts": {"HelloBadge": {"parameters": ["label"],
                    "item": {"type": "Text", "text": "Made ${label}", "fontSize": 20}}}});
            let app = axum::Router::new()
                .route(
                    "/photo.png",
                    axum::routing::get(move || {
                        let png = png.clone();
                        async move { ([(axum::http::header::CONTENT_TYPE, "image/png")], png) }
                    }),
                )
                .route(
                    "/hello-package.json",
                    axum::routing::get(move || async move { axum::Json(package) }),
                );
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    base
}

/// Fire TV has no touch: the remote moves a focus ring between the screen's touch targets and
/// select presses the focused one — the same UserEvent a touch sends.
#[test]
fn the_remote_drives_an_apl_screen_on_fire_tv() {
    let (tmp, out, ev) = hello_script(
        "say Alexa, open hello world\nwait skill-response 30\nexpect Hello, screens\n\
         remote down\nremote down\nshot focused\nremote select\nexpect greet Bonjour #1 on helloToken\n",
        &["--device", "fire-tv"],
    );
    assert_eq!(out.status.code(), Some(0), "{}\n{ev:#?}", stderr(&out));
    let touches = user_events(&ev);
    assert_eq!(touches.len(), 1, "{ev:#?}");
    assert_eq!(
        touches[0]["request"]["arguments"],
        serde_json::json!(["greet", "Bonjour", 1])
    );
    // The focused row is drawn in the document's focused style (not the device's own ring,
    // which is for targets without a style).
    let shot = image::open(tmp.path().join("frames/focused.png"))
        .unwrap()
        .to_rgba8();
    assert!(shot.pixels().any(|p| p.0 == [0x0a, 0x7d, 0x32, 0xff]));
    assert!(!shot.pixels().any(|p| p.0 == [0xff, 0xd2, 0x7a, 0xff]));
    // The skill's answer speaks the status line (no audio here: logged, captioned).
    let spoken: Vec<_> = of_type(&ev, "apl_command")
        .into_iter()
        .filter(|e| e["command"] == "SpeakItem")
        .collect();
    assert_eq!(spoken.len(), 1, "{ev:#?}");
    assert_eq!(spoken[0]["detail"], "greet Bonjour #1 on helloToken");
    // Elsewhere the remote step says what to do instead.
    std::fs::write(tmp.path().join("home.script"), "remote down\n").unwrap();
    let out = linkscreen_in(
        &tmp.path().join("apl-hello-node"),
        &[
            "run",
            "--headless",
            "--device",
            "fire-tv",
            "--skill-dir",
            ".",
            "--script",
            "../home.script",
            "--db",
            "../ls2.db",
            "--frames",
            "../frames2",
        ],
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("elsewhere use `tap`"),
        "{}",
        stderr(&out)
    );
}

/// A text field of a third-party skill's screen: a touch brings the keyboard up, typing
/// stops at its maxLength, Enter sends its onSubmit to the skill, whose answer changes the
/// screen; filling it again replaces what it held.
#[test]
fn a_skills_text_field_takes_the_keyboard_and_submits() {
    let (tmp, out, ev) = hello_script(
        "say Alexa, open hello world\nwait skill-response 30\n\
         tap Your name\nshot keyboard\n\
         fill \"Your name\" Ada Lovelace King\nsubmit\nexpect Nice to meet you, Ada Lovelace\n\
         shot submitted\n\
         fill \"Your name\" Grace\nsubmit\nexpect Nice to meet you, Grace\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}\n{ev:#?}", stderr(&out));
    let names: Vec<&serde_json::Value> = user_events(&ev)
        .into_iter()
        .map(|b| &b["request"])
        .collect();
    assert_eq!(names.len(), 2, "{ev:#?}");
    // maxLength 12: "Ada Lovelace King" stops at "Ada Lovelace".
    assert_eq!(
        names[0]["arguments"],
        serde_json::json!(["name", "Ada Lovelace"])
    );
    assert_eq!(names[0]["source"]["type"], "EditText");
    assert_eq!(names[0]["source"]["handler"], "Submit");
    assert_eq!(names[1]["arguments"], serde_json::json!(["name", "Grace"]));
    // The keyboard is up after the touch (its keys' colour), and gone after Enter.
    let keys = |name: &str| {
        image::open(tmp.path().join(format!("frames/{name}.png")))
            .unwrap()
            .to_rgba8()
            .pixels()
            .filter(|p| p.0 == [0x3a, 0x4f, 0x6b, 0xff])
            .count()
    };
    assert!(keys("keyboard") > 1000, "the keyboard shows");
    assert_eq!(keys("submitted"), 0, "the keyboard went away");
}

#[test]
fn slint_live_preview_on_a_build_without_it_says_how_to_get_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(tmp.path())
        .args(["run", "--headless", "--fresh", "--until", "home"])
        .env("SLINT_LIVE_PREVIEW", "1")
        .env("LINKSCREEN_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("SLINT_LIVE_PREVIEW is ignored")
            && err.contains("cargo run --features live-preview -- run"),
        "{err}"
    );
}
