//! The desktop's browser: opens a URL the way `xdg-open` (or `$BROWSER`) does, and says how it
//! went. The opener is waited for (no zombie process is left behind), and one that fails —
//! no browser installed, no desktop session — is an error the caller shows, not silence.
//!
//! A leaf: uses nothing of the crate.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long an opener may take to say whether it worked. `xdg-open` hands the URL to the
/// browser and exits at once; a browser started directly (`$BROWSER=firefox`) keeps running,
/// which counts as opened, and is reaped by a thread when it ends.
const SETTLE: Duration = Duration::from_secs(3);

/// Opens `url` in the desktop's browser. Blocks up to a few seconds: call it off the UI thread.
pub fn open(url: &str) -> Result<(), String> {
    let opener = std::env::var("BROWSER")
        .ok()
        .and_then(|b| {
            b.split(':')
                .map(str::trim)
                .find(|c| !c.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "xdg-open".into());
    let mut child = Command::new(&opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {opener}: {e}"))?;
    let until = Instant::now() + SETTLE;
    loop {
        match child.try_wait() {
            Ok(Some(st)) if st.success() => return Ok(()),
            Ok(Some(st)) => {
                return Err(match st.code() {
                    Some(c) => format!("{opener} exited with code {c} (is a browser installed?)"),
                    None => format!("{opener} was stopped by a signal"),
                });
            }
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                std::thread::spawn(move || child.wait());
                return Ok(());
            }
            Err(e) => return Err(format!("{opener}: {e}")),
        }
    }
}

/// [`open`] on a thread of its own (it may take seconds): `then` gets how it went.
pub fn open_in_background(url: String, then: impl FnOnce(Result<(), String>) + Send + 'static) {
    std::thread::spawn(move || then(open(&url)));
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test sets $BROWSER in turn (the variable is process-wide).
    #[test]
    fn a_failing_opener_is_an_error_and_a_working_one_is_reaped() {
        let dir = tempfile::tempdir().unwrap();
        let fails = dir.path().join("fails.sh");
        std::fs::write(&fails, "#!/bin/sh\nexit 3\n").unwrap();
        let works = dir.path().join("works.sh");
        std::fs::write(
            &works,
            "#!/bin/sh\necho \"$1\" > \"$(dirname \"$0\")/opened\"\n",
        )
        .unwrap();
        for f in [&fails, &works] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        // SAFETY: no other test of this crate reads $BROWSER.
        unsafe { std::env::set_var("BROWSER", &fails) };
        let e = open("http://127.0.0.1:1/skill").unwrap_err();
        assert!(e.contains("exited with code 3"), "{e}");
        unsafe { std::env::set_var("BROWSER", &works) };
        open("http://127.0.0.1:1/skill").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("opened"))
                .unwrap()
                .trim(),
            "http://127.0.0.1:1/skill"
        );
        unsafe { std::env::set_var("BROWSER", dir.path().join("missing")) };
        assert!(open("http://x/").unwrap_err().starts_with("cannot run"));
        unsafe { std::env::remove_var("BROWSER") };
    }
}
