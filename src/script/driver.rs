//! The headless driver: renders each frame the device sends to PNG (when asked), keeps what is
//! on screen, and pumps the device until a scene, a condition or a deadline. Used by headless
//! runs and by the script executor.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::device::Frame;
use crate::events::{EventLog, LogEvent};
use crate::flow::Scene;
use crate::protocol::viewport::DeviceProfile;
use crate::view::{self, headless::Headless};

/// How long `expect` waits for its text to appear.
pub(crate) const EXPECT_SECS: u64 = 10;

/// Scenes a headless run stops at by default: the journey's possible ends.
pub(crate) const END_SCENES: &[Scene] = &[
    Scene::SkillResponse,
    Scene::AccessDenied,
    Scene::CodeExpired,
    Scene::LinkFailed,
    Scene::SkillError,
];

/// `now + d`, or as far as the clock goes.
pub(crate) fn far(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400))
}

/// What reaches the headless screen: the device's frames, or a signal to stop.
pub(crate) enum Feed {
    Frame(Box<Frame>),
    Stop(i32),
}

/// How an unscripted headless run ended.
pub(crate) enum Ending {
    Reached,
    TimedOut(Option<Scene>),
    /// A peer stayed unreachable.
    GaveUp,
    /// The screen reached a scene it cannot leave without a step (a skill error, a failed
    /// or refused link, an expired code) while the run waits for another one.
    DeadEnd(Scene),
}

/// Scenes the device rests on until someone acts: waiting there for any other scene cannot
/// end well, so a run stops at once instead of waiting out its timeout.
pub(crate) const DEAD_ENDS: &[Scene] = &[
    Scene::SkillError,
    Scene::LinkFailed,
    Scene::AccessDenied,
    Scene::CodeExpired,
];

/// Why the device sits on `scene`, from the run's events: the skill's or the token exchange's
/// error, and the APL errors of the skill's answer since the step that led there.
pub(crate) fn dead_end_reason(log: &EventLog, scene: Scene) -> String {
    let mut why = match scene {
        Scene::SkillError => log
            .latest("skill_error", "reason")
            .unwrap_or_else(|| "the skill's answer was not usable".into()),
        Scene::LinkFailed => log
            .latest("token_exchange", "reason")
            .or_else(|| log.latest("error", "reason"))
            .unwrap_or_else(|| "the token exchange failed".into()),
        Scene::AccessDenied => "the user chose Deny on the consent page".into(),
        Scene::CodeExpired => "the code expired before anyone signed in".into(),
        Scene::ServerUnreachable => log.latest("error", "reason").unwrap_or_default(),
        _ => String::new(),
    };
    let apl = log.since("apl_error", "script_step");
    for e in apl.iter().take(3) {
        why.push_str(&format!(
            "; APL error at {}: {}",
            e["path"].as_str().unwrap_or("?"),
            e["message"].as_str().unwrap_or("?")
        ));
    }
    if apl.len() > 3 {
        why.push_str(&format!(
            "; and {} more APL errors (--events)",
            apl.len() - 3
        ));
    }
    why
}

/// The headless screen: applies frames, writes a PNG per visible change, and runs script steps.
pub(crate) struct Driver {
    pub(crate) hl: Headless,
    pub(crate) rx: std::sync::mpsc::Receiver<Feed>,
    pub(crate) profile: DeviceProfile,
    /// Where frames (with `--frames`) and script shots go.
    pub(crate) dir: PathBuf,
    /// `--frames` was given: a PNG each time the screen changes.
    pub(crate) write_frames: bool,
    /// No script drives the device: tell the person at the terminal what the screen asks.
    pub(crate) announce: bool,
    pub(crate) n: u32,
    pub(crate) current: Option<Frame>,
    /// What the last written frame showed, but for its countdowns.
    pub(crate) last_shown: Option<crate::view::model::UiModel>,
    /// Since when the screen has said "can't reach the server" without a break.
    pub(crate) unreachable_since: Option<Instant>,
    pub(crate) log: EventLog,
    /// `--check GOLDEN_DIR`, `--tolerance`, `--update` for script shots.
    pub(crate) check: Option<(PathBuf, f64, bool)>,
    /// Shots that differ from (or lack) their golden.
    pub(crate) mismatches: Vec<String>,
    /// How each script step went, for `--junit`.
    pub(crate) steps: Vec<StepReport>,
    /// What `--check` leaves out of the compared image.
    pub(crate) mask: Vec<crate::view::model::Masked>,
    pub(crate) mask_regions: Vec<crate::shots::compare::Region>,
    /// Nothing else shows the run (no --frames, --events or --script): each new screen is a
    /// line on stdout, with what it says.
    pub(crate) print_scenes: bool,
    /// The embedded sample server signs people in (its demo user is worth a hint).
    pub(crate) sample_server: bool,
    /// How long a shot waits at most for the APL screen to settle (`--settle`).
    pub(crate) settle: Duration,
    /// The device, told where the APL screen's components were laid out.
    pub(crate) device: crate::device::DeviceInput,
    /// `--give-up`: how long a peer may stay unreachable before a wait stops.
    pub(crate) give_up: Duration,
}

/// One script step's outcome: a failure (its error, or the golden check it failed), or
/// skipped after an earlier failure.
#[derive(Debug, Clone)]
pub struct StepReport {
    pub line: usize,
    pub step: String,
    pub failure: Option<String>,
    pub skipped: bool,
}

/// Writes a JUnit XML report of a script run: one testcase per step.
pub fn write_junit(
    path: &std::path::Path,
    script: &str,
    steps: &[StepReport],
) -> Result<(), String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new(script);
    for s in steps {
        let status = match (&s.failure, s.skipped) {
            (_, true) => TestCaseStatus::skipped(),
            (Some(f), false) => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(f.clone());
                st
            }
            (None, false) => TestCaseStatus::success(),
        };
        let mut case = TestCase::new(format!("line {}: {}", s.line, s.step), status);
        case.set_classname("linkscreen.script");
        suite.add_test_case(case);
    }
    let mut report = Report::new("linkscreen run --script");
    report.add_test_suite(suite);
    let xml = report.to_string().map_err(|e| e.to_string())?;
    std::fs::write(path, xml).map_err(|e| format!("--junit {}: {e}", path.display()))
}

impl Driver {
    /// Takes one frame (or times out); writes a PNG when the scene changed.
    pub(crate) fn pump(&mut self, deadline: Instant) -> Result<bool, String> {
        let left = deadline.saturating_duration_since(Instant::now());
        let f = match self.rx.recv_timeout(left) {
            Ok(Feed::Frame(f)) => *f,
            Ok(Feed::Stop(n)) => {
                let name = if n == libc::SIGINT {
                    "SIGINT (Ctrl+C)"
                } else {
                    "SIGTERM"
                };
                return Err(format!("stopped by {name}"));
            }
            Err(_) => return Ok(false),
        };
        view::apply(&self.hl.app, &self.profile, 1.0, &f.model);
        // Where the APL screen's components were laid out: the visual context says so.
        if let Some(p) = view::apl::take_positions() {
            self.device.apl_laid_out(p);
        }
        let changed = self.current.as_ref().map(|c| c.scene) != Some(f.scene);
        let scene = f.scene;
        // A frame each time what is on screen changes (a page loaded, an error shown), but not
        // for a countdown's tick.
        let shown = f.model.without_clock();
        let visible = self.last_shown.as_ref() != Some(&shown);
        if scene != Scene::ServerUnreachable {
            self.unreachable_since = None;
        } else if self.unreachable_since.is_none() {
            self.unreachable_since = Some(Instant::now());
        }
        self.current = Some(f);
        if visible {
            self.last_shown = Some(shown);
            if self.write_frames {
                self.save(&format!("{:04}-{}", self.n, scene.id()), true)?;
                self.n += 1;
            }
        }
        if changed && self.print_scenes {
            let said: Vec<String> = self
                .shown_text()
                .into_iter()
                .filter(|t| !t.trim().is_empty())
                .collect();
            println!("{}: {}", scene.id(), said.join(" | "));
        }
        if changed && self.announce && scene == Scene::LinkPrompt {
            self.announce_prompt();
        }
        Ok(true)
    }

    /// Headless and unscripted, the link prompt would wait unseen: say on stderr what it shows
    /// and how to finish the link from this machine.
    pub(crate) fn announce_prompt(&self) {
        let (Some(code), Some(qr)) = (
            self.log.latest("prompt", "user_code"),
            self.log.latest("prompt", "qr_url"),
        ) else {
            return;
        };
        let uri = self
            .log
            .latest("prompt", "verification_uri")
            .unwrap_or_default();
        let who = if self.sample_server {
            format!(
                "sign in as the sample server's demo user {} / {}",
                crate::backend::auth_server::DEMO_USERNAME,
                crate::backend::auth_server::DEMO_PASSWORD
            )
        } else {
            "sign in to your authorization server".into()
        };
        eprintln!(
            "linkscreen: the device shows the link prompt and waits for a phone to link.\n  \
             code {code} at {uri}\n  QR code: {qr}\n  \
             To finish from this machine, open the QR code's URL in a browser and {who}, \
             or drive the device with a script whose `phone link USER PASSWORD` step plays \
             the phone."
        );
    }

    pub(crate) fn save(&mut self, name: &str, is_frame: bool) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let path = self.dir.join(format!("{name}.png"));
        let img = self.hl.render();
        std::fs::write(&path, crate::view::headless::png(&img))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let (scene, path_shown, name_shown) = (
            self.scene().map(|s| s.id().to_owned()),
            path.display().to_string(),
            name.to_owned(),
        );
        self.log.log(if is_frame {
            LogEvent::Frame {
                scene,
                path: path_shown,
                name: name_shown,
            }
        } else {
            LogEvent::Shot {
                scene,
                path: path_shown,
                name: name_shown,
            }
        });
        if let (false, Some((dir, tolerance, update))) = (is_frame, self.check.clone()) {
            let golden = dir.join(format!("{name}.png"));
            let img = self.compared(img);
            if update {
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                std::fs::write(&golden, crate::view::headless::png_small(&img))
                    .map_err(|e| format!("{}: {e}", golden.display()))?;
                return Ok(());
            }
            let verdict = match image::open(&golden) {
                Err(_) => Some(format!("shot {name}: no golden {}", golden.display())),
                Ok(expected) => {
                    let mut expected = expected.to_rgba8();
                    crate::shots::compare::paint(&mut expected, &self.mask_regions);
                    let (c, diff) = crate::shots::compare::compare(&img, &expected);
                    if c.passes(tolerance) {
                        None
                    } else if c.size_mismatch {
                        Some(format!(
                            "shot {name}: {} ({})",
                            crate::shots::compare::size_note(
                                expected.dimensions(),
                                img.dimensions()
                            ),
                            golden.display()
                        ))
                    } else {
                        let dp = self.dir.join(format!("{name}.diff.png"));
                        diff.save(&dp)
                            .map_err(|e| format!("{}: {e}", dp.display()))?;
                        Some(format!(
                            "shot {name}: {:.3}% of pixels differ from {} (diff: {})",
                            c.share() * 100.0,
                            golden.display(),
                            dp.display()
                        ))
                    }
                }
            };
            if let Some(v) = verdict {
                self.log.log(LogEvent::Check {
                    name: name.into(),
                    result: "fail".into(),
                    reason: v.clone(),
                });
                self.mismatches.push(v);
            }
        }
        Ok(())
    }

    /// The image `--check` compares: the live parts `--mask` names drawn as fixed stand-ins,
    /// and the `--mask-region` rectangles painted over.
    fn compared(&self, img: image::RgbaImage) -> image::RgbaImage {
        let mut img = match (&self.current, self.mask.is_empty()) {
            (Some(f), false) => {
                view::apply(
                    &self.hl.app,
                    &self.profile,
                    1.0,
                    &f.model.masked(&self.mask),
                );
                let masked = self.hl.render();
                view::apply(&self.hl.app, &self.profile, 1.0, &f.model);
                masked
            }
            _ => img,
        };
        crate::shots::compare::paint(&mut img, &self.mask_regions);
        img
    }

    pub(crate) fn scene(&self) -> Option<Scene> {
        self.current.as_ref().map(|f| f.scene)
    }

    /// The device browser's page on screen.
    pub(crate) fn page(&self) -> Option<&crate::view::model::PageView> {
        self.current.as_ref().and_then(|f| f.model.page.as_ref())
    }

    /// The skill's APL screen on the device now, if it shows one.
    pub(crate) fn apl(&self) -> Option<&crate::apl::Snapshot> {
        self.current.as_ref().and_then(|f| f.model.apl.as_deref())
    }

    /// The item of `kinds` labelled (or named, or typed) `what`: exact match first, then a
    /// case-insensitive substring.
    pub(crate) fn find_item(&self, what: &str, kinds: &[&str]) -> Option<usize> {
        let items = &self.page()?.items;
        let w = what.trim().to_lowercase();
        let keys = |i: &crate::view::model::ItemView| {
            [
                i.text.to_lowercase(),
                i.name.to_lowercase(),
                i.input_type.to_lowercase(),
            ]
        };
        let hit = |exact: bool| {
            items.iter().position(|i| {
                kinds.contains(&i.kind)
                    && keys(i)
                        .iter()
                        .any(|k| !k.is_empty() && if exact { *k == w } else { k.contains(&w) })
            })
        };
        hit(true).or_else(|| hit(false))
    }

    /// Pumps frames until the browser shows a loaded page on which `found` finds something
    /// (or the deadline passes); returns what it found.
    pub(crate) fn wait_page<T>(
        &mut self,
        found: impl Fn(&Driver) -> Option<T>,
    ) -> Result<Option<T>, String> {
        let deadline = Instant::now() + Duration::from_secs(EXPECT_SECS);
        loop {
            if self.page().is_some_and(|p| !p.loading)
                && let Some(t) = found(self)
            {
                return Ok(Some(t));
            }
            if !self.pump(deadline)? && Instant::now() >= deadline {
                return Ok(None);
            }
        }
    }

    /// Everything readable on screen, for `expect`.
    pub(crate) fn shown_text(&self) -> Vec<String> {
        let Some(f) = &self.current else {
            return vec![];
        };
        let m = &f.model;
        let mut v = vec![
            m.title.clone(),
            m.body.clone(),
            m.caption.clone(),
            m.skill_speech.clone(),
            m.or_visit.clone(),
            m.verification_url.clone(),
            m.enter_code.clone(),
            m.user_code.clone(),
            m.countdown.clone(),
            m.details.clone(),
            m.primary_label.clone(),
            m.secondary_label.clone(),
        ];
        if let Some(a) = &m.apl {
            v.extend(a.texts());
        }
        if let Some(p) = &m.page {
            v.extend([
                p.address.clone(),
                p.notice_title.clone(),
                p.notice_body.clone(),
                p.notice_label.clone(),
            ]);
            v.extend(
                p.items
                    .iter()
                    .flat_map(|i| [i.text.clone(), i.value.clone()]),
            );
        }
        v
    }

    /// Takes every frame already published, then waits until the device has taken in every
    /// input sent so far — and until the skill has answered what a touch on its APL screen
    /// sent it — so a step never looks at a screen older than the previous step.
    pub(crate) fn sync(&mut self, sent: u64) -> Result<(), String> {
        while self.pump(Instant::now())? {}
        let deadline = Instant::now() + Duration::from_secs(EXPECT_SECS);
        while self.current.as_ref().is_none_or(|f| f.acked < sent) {
            if !self.pump(deadline)? && Instant::now() >= deadline {
                return Err(format!(
                    "the device did not take in input {sent} within {EXPECT_SECS} s"
                ));
            }
        }
        while self.current.as_ref().is_some_and(|f| f.apl_waiting) {
            if !self.pump(deadline)? && Instant::now() >= deadline {
                return Err(format!(
                    "the skill did not answer the screen's UserEvent within {EXPECT_SECS} s"
                ));
            }
        }
        Ok(())
    }

    /// Waits until the skill's APL screen has settled (its onMount commands and animations
    /// ended), at most `--settle` ms: a shot shows it as a person would see it.
    pub(crate) fn settle(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + self.settle;
        while self.current.as_ref().is_some_and(|f| f.apl_busy) {
            if !self.pump(deadline)? && Instant::now() >= deadline {
                break;
            }
        }
        Ok(())
    }

    /// How long the screen has said "can't reach the server" without a break.
    pub(crate) fn unreachable_for(&self) -> Duration {
        self.unreachable_since
            .map(|t| t.elapsed())
            .unwrap_or_default()
    }

    /// Pumps frames until one of `scenes` shows (or, with no scene to wait for, until `secs`),
    /// giving up once a peer has been unreachable for `give_up` (an unscripted run's rule).
    pub(crate) fn run_until(
        &mut self,
        scenes: &[Scene],
        secs: u64,
        give_up: Duration,
    ) -> Result<Ending, String> {
        let deadline = far(Duration::from_secs(secs));
        loop {
            match self.scene() {
                Some(s) if scenes.contains(&s) => return Ok(Ending::Reached),
                Some(s) if DEAD_ENDS.contains(&s) && !scenes.is_empty() => {
                    return Ok(Ending::DeadEnd(s));
                }
                _ => {}
            }
            if self.unreachable_since.is_some() && self.unreachable_for() >= give_up {
                return Ok(Ending::GaveUp);
            }
            // Wake in time to give up, even when no frame comes.
            let wake = match self.unreachable_since.and_then(|t| t.checked_add(give_up)) {
                Some(g) => deadline.min(g),
                None => deadline,
            };
            if !self.pump(wake)? && Instant::now() >= deadline {
                return Ok(Ending::TimedOut(self.scene()));
            }
        }
    }

    /// Pumps frames until one of `scenes` shows; how else it ended otherwise (a timeout, a
    /// dead end, or a peer unreachable for the run's `--give-up`).
    pub(crate) fn wait_for(&mut self, scenes: &[Scene], secs: u64) -> Result<Ending, String> {
        self.run_until(scenes, secs, self.give_up)
    }
}
