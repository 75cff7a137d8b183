//! An X server of its own for a test that opens a real window (the kiosk, the emulator): Xvfb,
//! no window manager, stopped on drop; its root window captured with ImageMagick's `import`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `name` is a program on PATH.
pub fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

/// Xvfb on a display number of its own, at `WxH`.
pub struct Xvfb {
    child: Child,
    /// `:N`, for `DISPLAY`.
    pub display: String,
}

impl Xvfb {
    pub fn start(size: &str) -> Xvfb {
        // A display number nobody uses: tests running at once take different numbers (a
        // counter), and another process's server is skipped (its socket or lock).
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(90);
        let n = std::iter::repeat_with(|| NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
            .take_while(|n| *n < 400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free X display number");
        let child = Command::new("Xvfb")
            .args([
                &format!(":{n}"),
                "-screen",
                "0",
                &format!("{size}x24"),
                "-nolisten",
                "tcp",
                // Without it the server resets when its last client leaves (the readiness
                // probe below, a screenshot), and a window that connects during the reset is
                // refused ("Failed to open connection to X server", seen once in CI).
                "-noreset",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut x = Xvfb {
            child,
            display: format!(":{n}"),
        };
        // Up when its socket takes a client, not merely when the socket exists.
        let socket = format!("/tmp/.X11-unix/X{n}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                x.child.try_wait().unwrap().is_none(),
                "Xvfb :{n} exited (display taken)"
            );
            assert!(Instant::now() < deadline, "Xvfb :{n} did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        x
    }

    /// A screenshot of the root window.
    pub fn shot(&self, to: &Path) -> Option<image::RgbaImage> {
        let ok = Command::new("import")
            .args(["-display", &self.display, "-window", "root"])
            .arg(format!("png:{}", to.display()))
            .status()
            .ok()?
            .success();
        ok.then(|| image::open(to).ok().map(|i| i.to_rgba8()))?
    }

    /// Screenshots (into `to`) until one shows `what` (`ok`), while `app` keeps running.
    pub fn shot_until(
        &self,
        to: &Path,
        what: &str,
        app: &mut Child,
        ok: impl Fn(&image::RgbaImage) -> bool,
    ) -> image::RgbaImage {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(img) = self.shot(to)
                && ok(&img)
            {
                return img;
            }
            assert!(
                app.try_wait().unwrap().is_none(),
                "the program exited before showing {what}"
            );
            assert!(Instant::now() < deadline, "never saw {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM: the server removes its socket and lock file (SIGKILL would leave them, and
        // the display numbers would run out over many runs).
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}
