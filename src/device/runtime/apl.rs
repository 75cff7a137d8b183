//! The skill's APL screen on the running device: the response's directives make and change
//! the document (`crate::apl`), touches run its commands, and what those ask of the device —
//! a UserEvent to the skill, a line spoken, an URL — is done here.

use super::effects::speak;
use super::{Event, LogEvent, Runtime, Scene, redacted, skill};
use crate::apl::ImageState;

/// What the APL screen's own tasks report to the device.
pub(super) enum AplMsg {
    /// An image arrived, or failed (its source, what became of it).
    Image(String, ImageState),
    /// The words of SpeakItem number N have been said: its highlight ends.
    Spoken(u64),
    /// The skill's answer to a UserEvent the screen sent.
    Answered(Box<Event>),
    /// The packages a document imports from their own addresses arrived (or failed): the
    /// document (number N) can be shown, and its response's commands run.
    Imported(Box<Imported>),
}

pub(super) struct Imported {
    seq: u64,
    render: crate::apl::RenderDocument,
    execute: Vec<crate::apl::ExecuteCommands>,
    packages: std::collections::HashMap<String, serde_json::Value>,
    problems: Vec<crate::apl::Problem>,
}

/// A package fetched as a device would: over HTTP(S), at most 1 MB, a JSON object.
async fn package(
    images: &std::sync::Arc<dyn crate::clients::api::ImageLoader>,
    url: &str,
) -> Result<serde_json::Value, String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err("only http(s) packages are fetched".into());
    }
    let bytes = images.load(url).await.map_err(|e| e.to_string())?;
    if bytes.len() > crate::apl::doc::MAX_DIRECTIVE_BYTES {
        return Err("larger than 1 MB".into());
    }
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        Ok(_) => Err("not a JSON object".into()),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

/// How long a device takes to say these words (no audio here: about 150 words a minute).
fn speaking_time(text: &str) -> std::time::Duration {
    std::time::Duration::from_millis(crate::apl::speaking_ms(text))
}

/// An URL for the log, its query (where tokens travel) redacted.
fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => redacted(&u),
        Err(_) => "(not an URL)".into(),
    }
}

/// A saved document of the project: `doc://alexa/apl/documents/NAME` is
/// `NAME/document.json` in its display folder (at most 1 MB, as Alexa allows).
fn linked(dir: Option<&std::path::Path>, src: &str) -> Option<serde_json::Value> {
    let name = src.strip_prefix("doc://alexa/apl/documents/")?;
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return None;
    }
    let file = dir?.join(name).join("document.json");
    if std::fs::metadata(&file).ok()?.len() > crate::apl::doc::MAX_DIRECTIVE_BYTES as u64 {
        return None;
    }
    serde_json::from_str(&std::fs::read_to_string(file).ok()?).ok()
}

impl Runtime {
    /// The APL directives of the skill's answer: a new document on the screen, commands run.
    pub(super) fn apl_directives(&mut self, all: &[serde_json::Value]) {
        // Linked documents (`type: Link`): the project's saved documents.
        let dir = self.setup.apl_documents.clone();
        let ds = crate::apl::doc::directives(all, &|src| linked(dir.as_deref(), src));
        self.apl_log(ds.problems);
        let Some(r) = ds.render else {
            self.apl_execute(ds.execute);
            return;
        };
        let wanted = crate::apl::doc::remote_imports(&r.document);
        self.apl_imports_seq += 1;
        if wanted.is_empty() {
            self.apl_waiting = None;
            self.apl_show(&r, &Default::default());
            self.apl_execute(ds.execute);
            return;
        }
        self.apl_waiting = Some((self.apl_imports_seq, r.token.clone(), vec![]));
        // The document waits for its packages (scripts wait with it); the response's
        // commands run once it shows.
        self.apl_asking += 1;
        let (images, tx, seq) = (
            self.setup.images.clone(),
            self.apl_tx.clone(),
            self.apl_imports_seq,
        );
        let execute = ds.execute;
        tokio::spawn(async move {
            let (mut packages, mut problems) = (std::collections::HashMap::new(), vec![]);
            for (n, name, url) in wanted {
                match package(&images, &url).await {
                    Ok(p) => {
                        packages.insert(name, p);
                    }
                    Err(why) => problems.push(crate::apl::Problem::error(
                        format!("$.document.import[{n}].source"),
                        format!("package {name:?} from {}: {why}", redacted_url(&url)),
                    )),
                }
            }
            let _ = tx.send(AplMsg::Imported(Box::new(Imported {
                seq,
                render: r,
                execute,
                packages,
                problems,
            })));
        });
    }

    /// A document on the screen, its onMount run.
    fn apl_show(
        &mut self,
        r: &crate::apl::RenderDocument,
        packages: &std::collections::HashMap<String, serde_json::Value>,
    ) {
        self.apl = Some(crate::apl::Screen::with_packages(
            r,
            self.apl_viewport(),
            packages,
        ));
        self.apl_mounted = Some(tokio::time::Instant::now());
        self.apl_act(crate::apl::Screen::mount);
    }

    /// The response's ExecuteCommands, on the document showing (or, for the document still
    /// waiting for its packages, once it shows: a device runs directives in order).
    fn apl_execute(&mut self, execute: Vec<crate::apl::ExecuteCommands>) {
        for ex in execute {
            if let Some((seq, token, later)) = self.apl_waiting.as_mut()
                && *seq == self.apl_imports_seq
                && *token == ex.token
            {
                later.push(ex);
                continue;
            }
            if self.apl.is_none() {
                self.setup.log.log(LogEvent::AplError {
                    path: "$.response.directives".into(),
                    message: "ExecuteCommands without a document on screen: ignored".into(),
                });
                continue;
            }
            self.apl_act(|s| s.execute(&ex));
        }
    }

    /// Does something to the screen, then what follows every change: its problems logged,
    /// what its commands ask of the device done, the images it now shows fetched.
    pub(super) fn apl_act(
        &mut self,
        act: impl FnOnce(&mut crate::apl::Screen) -> Vec<crate::apl::Outcome>,
    ) {
        let Some(screen) = self.apl.as_mut() else {
            return;
        };
        let mut out = act(screen);
        // A seeded run's screen does not wait for its clock: it jumps to where its commands
        // and animations have settled (at most --settle on), so shots are the same every run.
        if self.setup.still_clock && screen.busy() {
            let to = screen.clock() + self.setup.apl_settle_ms as f64;
            out.extend(screen.settle(to));
        }
        let p = screen.take_problems();
        self.apl_log(p);
        self.apl_outcomes(out);
        self.apl_fetch_images();
    }

    /// When the APL screen next changes by itself: a frame on (30 a second) while it
    /// animates, or when its next waiting command is due. None when nothing is timed, the
    /// screen is not showing, or the run's clock stands still.
    pub(super) fn apl_tick_at(&self) -> Option<tokio::time::Instant> {
        const FRAME: std::time::Duration = std::time::Duration::from_millis(33);
        if self.setup.still_clock || self.flow.scene() != crate::flow::Scene::SkillResponse {
            return None;
        }
        let (due, mounted) = (self.apl.as_ref()?.next_due()?, self.apl_mounted?);
        let at = mounted + std::time::Duration::from_secs_f64(due.max(0.0) / 1000.0);
        Some(at.max(tokio::time::Instant::now() + FRAME))
    }

    /// The APL screen's clock moves on to now.
    pub(super) fn apl_tick(&mut self) {
        let Some(mounted) = self.apl_mounted else {
            return;
        };
        let now = mounted.elapsed().as_secs_f64() * 1000.0;
        self.apl_act(|s| s.advance(now));
    }

    /// The device as the skill's APL sees it.
    pub(super) fn apl_viewport(&self) -> crate::apl::Viewport {
        // A seeded run's screen shows a fixed time (2026-01-01T12:00Z), like its countdown.
        let now = if self.setup.still_clock {
            1_767_268_800_000.0
        } else {
            chrono::Utc::now().timestamp_millis() as f64
        };
        crate::apl::Viewport::of(&self.setup.profile, &self.setup.locale, now)
    }

    /// Starts fetching the screen's images it does not have yet.
    pub(super) fn apl_fetch_images(&mut self) {
        let Some(screen) = self.apl.as_mut() else {
            return;
        };
        for src in screen.image_sources() {
            if screen.image(&src).is_some() {
                continue;
            }
            screen.set_image(&src, ImageState::Loading);
            let (images, tx, log) = (
                self.setup.images.clone(),
                self.apl_tx.clone(),
                self.setup.log.clone(),
            );
            tokio::spawn(async move {
                let state = match images.load(&src).await {
                    Ok(bytes) => ImageState::Loaded(std::sync::Arc::new(bytes)),
                    Err(e) => {
                        log.log(LogEvent::AplError {
                            path: "$.image".into(),
                            message: format!("image {}: {e}", redacted_url(&src)),
                        });
                        ImageState::Failed(e.to_string())
                    }
                };
                let _ = tx.send(AplMsg::Image(src, state));
            });
        }
    }

    /// An image arrived (or failed): the screen draws it if it still shows it. Or a spoken
    /// item is done.
    pub(super) fn apl_msg(&mut self, m: AplMsg) {
        let m = match m {
            AplMsg::Answered(ev) => {
                self.apl_asking = self.apl_asking.saturating_sub(1);
                self.event(*ev);
                return;
            }
            AplMsg::Imported(i) => {
                self.apl_asking = self.apl_asking.saturating_sub(1);
                // A later document took its place meanwhile: this one is not shown.
                if i.seq == self.apl_imports_seq {
                    let later = self.apl_waiting.take().map(|w| w.2).unwrap_or_default();
                    self.apl_log(i.problems);
                    self.apl_show(&i.render, &i.packages);
                    self.apl_execute(i.execute);
                    self.apl_execute(later);
                }
                return;
            }
            m => m,
        };
        let Some(screen) = self.apl.as_mut() else {
            return;
        };
        match m {
            AplMsg::Image(src, state) => {
                if screen.image(&src).is_some() {
                    screen.set_image(&src, state);
                }
            }
            AplMsg::Spoken(n) if n == self.karaoke_seq => screen.end_karaoke(),
            AplMsg::Spoken(_) | AplMsg::Answered(_) | AplMsg::Imported(_) => {}
        }
    }

    /// A touch on the APL screen.
    pub(super) fn apl_press(&mut self, uid: usize) {
        if self.flow.scene() != Scene::SkillResponse {
            return;
        }
        self.apl_act(|s| s.press(uid));
    }

    /// A finger on a touch target that hears its every move.
    pub(super) fn apl_pointer(&mut self, uid: usize, phase: crate::apl::Pointer, at: (f32, f32)) {
        if self.flow.scene() != Scene::SkillResponse {
            return;
        }
        self.apl_act(|s| s.pointer(uid, phase, at));
    }

    /// A key typed into the text field that has the keyboard.
    pub(super) fn apl_type(&mut self, key: &str) {
        if self.flow.scene() != Scene::SkillResponse {
            return;
        }
        self.apl_act(|s| s.type_key(key));
    }

    /// A swipe turned a Pager's page.
    pub(super) fn apl_page(&mut self, uid: usize, by: i32) {
        if self.flow.scene() != Scene::SkillResponse {
            return;
        }
        self.apl_act(|s| s.turn_page(uid, by));
    }

    /// The remote or keyboard: the focus moves, or Enter presses what it is on.
    pub(super) fn apl_key(&mut self, key: &str) {
        if self.flow.scene() != Scene::SkillResponse {
            return;
        }
        self.apl_act(|s| match key {
            "next" => {
                s.move_focus(1);
                vec![]
            }
            "prev" => {
                s.move_focus(-1);
                vec![]
            }
            _ => s.press_focused(),
        });
    }

    pub(super) fn apl_log(&mut self, problems: Vec<crate::apl::Problem>) {
        for p in problems {
            // What real Alexa would refuse goes into the conformance report as well; the rest
            // are counted there (each is in the event log).
            match crate::backend::alexa::apl_conformance::apl_problem(&p.path, &p.message) {
                Some(f) => (self.setup.conform)(f),
                None => {
                    self.apl_problems += 1;
                    (self.setup.conform)(crate::backend::alexa::apl_conformance::apl_problems(
                        self.apl_problems,
                        &format!("{} at {}: {}", p.kind, p.path, p.message),
                    ));
                }
            }
            self.setup.log.log(if p.kind == "apl_unsupported" {
                LogEvent::AplUnsupported {
                    path: p.path,
                    message: p.message,
                }
            } else {
                LogEvent::AplError {
                    path: p.path,
                    message: p.message,
                }
            });
        }
    }

    /// What the screen's commands ask of the device.
    pub(super) fn apl_outcomes(&mut self, out: Vec<crate::apl::Outcome>) {
        use crate::apl::Outcome;
        for o in out {
            match o {
                Outcome::UserEvent {
                    arguments,
                    source,
                    components,
                } => {
                    let token = self
                        .apl
                        .as_ref()
                        .map(|s| s.token.clone())
                        .unwrap_or_default();
                    self.ask_for_apl(skill::Ask::UserEvent {
                        token,
                        arguments,
                        source,
                        components,
                    });
                }
                Outcome::OpenUrl(url) => self.setup.log.log(LogEvent::AplCommand {
                    command: "OpenURL".into(),
                    detail: redacted_url(&url),
                }),
                Outcome::Speak(text) => {
                    self.setup.log.log(LogEvent::AplCommand {
                        command: "SpeakItem".into(),
                        detail: text.clone(),
                    });
                    if self.setup.speak {
                        speak(&text, &self.setup.locale, &self.setup.log);
                    }
                    // The item stays highlighted, its words captioned, while they are said.
                    self.karaoke_seq += 1;
                    let (tx, n, wait) =
                        (self.apl_tx.clone(), self.karaoke_seq, speaking_time(&text));
                    tokio::spawn(async move {
                        tokio::time::sleep(wait).await;
                        let _ = tx.send(AplMsg::Spoken(n));
                    });
                }
                Outcome::Logged { command, detail } => {
                    self.setup.log.log(LogEvent::AplCommand { command, detail })
                }
                Outcome::Finish => {
                    self.setup.log.log(LogEvent::AplCommand {
                        command: "Finish".into(),
                        detail: String::new(),
                    });
                    self.event(Event::TapHome);
                }
            }
        }
    }
}
