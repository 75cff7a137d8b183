//! Runs a skill's AWS Lambda handler on this machine: one long-lived Node.js or Python child
//! process per skill (a warm container, not a process per request) that loads the handler once
//! and is handed each request envelope as the Lambda `event` with a Lambda-like `context`.
//! The handler's own output goes to the event log; a handler that throws, hangs past the
//! timeout or dies gives an error that names why, and the next request starts a fresh process.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{Mutex, mpsc};

use crate::events::{EventLog, LogEvent};
use crate::project::{Handler, Runtime};

/// The marker that starts the runner's protocol lines on stdout.
const MARK: &str = "\u{1e}LINKSCREEN ";
const NODE_RUNNER: &str = include_str!("../../assets/runners/node.js");
const PYTHON_RUNNER: &str = include_str!("../../assets/runners/python.py");
/// How long loading the handler (its `require`/`import`) may take.
const LOAD_TIMEOUT: Duration = Duration::from_secs(20);

/// Why the handler gave no response.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LambdaError {
    /// The interpreter is missing, or the runner could not start.
    #[error("{0}")]
    Setup(String),
    /// Loading the module failed, or its export is not a function.
    #[error("the handler did not load: {0}")]
    Load(String),
    #[error("the handler threw: {0}")]
    Threw(String),
    #[error("the handler did not answer within {0} s (Alexa gives up after 8 s)")]
    Timeout(u64),
    #[error("the handler's process ended: {0}")]
    Died(String),
}

struct Proc {
    child: Child,
    stdin: ChildStdin,
    answers: mpsc::UnboundedReceiver<Value>,
    /// The last lines of stderr, for errors.
    stderr_tail: Arc<std::sync::Mutex<Vec<String>>>,
}

/// One skill's handler, run locally.
pub struct LambdaRunner {
    handler: Handler,
    timeout: Duration,
    log: EventLog,
    proc: Mutex<Option<Proc>>,
    next_id: AtomicU64,
    /// Secrets of the request in flight, redacted from the handler's output.
    secrets: Arc<std::sync::Mutex<Vec<String>>>,
}

/// Writes the embedded runner script next to other temporary files (once per content).
fn runner_file(rt: Runtime) -> std::io::Result<PathBuf> {
    let (name, text) = match rt {
        Runtime::Node => ("js", NODE_RUNNER),
        Runtime::Python => ("py", PYTHON_RUNNER),
    };
    // Named by its content: a new runner never reuses an old file.
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(text.as_bytes()))
    };
    let path = std::env::temp_dir().join(format!("linkscreen-runner-{}.{name}", &hash[..12]));
    if !path.exists() {
        let tmp = path.with_extension(format!("{name}.{}", std::process::id()));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(path)
}

impl LambdaRunner {
    pub fn new(handler: Handler, timeout: Duration, log: EventLog) -> LambdaRunner {
        LambdaRunner {
            handler,
            timeout,
            log,
            proc: Mutex::new(None),
            next_id: AtomicU64::new(1),
            secrets: Default::default(),
        }
    }

    /// Starts the process and loads the handler (also a check at start-up: a handler that
    /// does not load is a configuration error).
    pub async fn warm_up(&self) -> Result<(), LambdaError> {
        let mut g = self.proc.lock().await;
        if g.is_none() {
            *g = Some(self.start().await?);
        }
        Ok(())
    }

    async fn start(&self) -> Result<Proc, LambdaError> {
        let h = &self.handler;
        let runner = runner_file(h.runtime)
            .map_err(|e| LambdaError::Setup(format!("cannot write the runner: {e}")))?;
        let mut cmd = Command::new(&h.interpreter);
        cmd.arg(&runner)
            .arg(&h.file)
            .arg(&h.export)
            .arg(&h.function_name)
            .current_dir(&h.dir)
            .env("AWS_LAMBDA_FUNCTION_NAME", &h.function_name)
            .env("AWS_REGION", "us-east-1")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| {
            let what = match h.runtime {
                Runtime::Node => "Node.js (`node`) is needed to run this skill's handler: install it (apt-get install nodejs)",
                Runtime::Python => "Python 3 is needed to run this skill's handler: install it (apt-get install python3)",
            };
            if e.kind() == std::io::ErrorKind::NotFound {
                LambdaError::Setup(format!("{what}; {} was not found", h.interpreter.display()))
            } else {
                LambdaError::Setup(format!("{}: {e}", h.interpreter.display()))
            }
        })?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let (tx, mut answers) = mpsc::unbounded_channel();
        let stderr_tail: Arc<std::sync::Mutex<Vec<String>>> = Default::default();
        let redact = {
            let secrets = self.secrets.clone();
            move |line: String| {
                let mut line = line;
                for s in secrets.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                    if !s.is_empty() {
                        line = line.replace(s.as_str(), "[redacted token]");
                    }
                }
                line
            }
        };
        {
            let (log, redact) = (self.log.clone(), redact.clone());
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    match line.strip_prefix(MARK) {
                        Some(msg) => {
                            if let Ok(v) = serde_json::from_str::<Value>(msg) {
                                let _ = tx.send(v);
                            }
                        }
                        None => log.log(LogEvent::SkillLog {
                            stream: "stdout".into(),
                            line: redact(line),
                        }),
                    }
                }
            });
        }
        {
            let (log, tail) = (self.log.clone(), stderr_tail.clone());
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let line = redact(line);
                    {
                        let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
                        t.push(line.clone());
                        let n = t.len();
                        if n > 20 {
                            t.drain(..n - 20);
                        }
                    }
                    log.log(LogEvent::SkillLog {
                        stream: "stderr".into(),
                        line,
                    });
                }
            });
        }
        let tail = |t: &Arc<std::sync::Mutex<Vec<String>>>| {
            t.lock().unwrap_or_else(|p| p.into_inner()).join("\n")
        };
        match tokio::time::timeout(LOAD_TIMEOUT, answers.recv()).await {
            Ok(Some(v)) if v["type"] == "ready" => {
                self.log.log(LogEvent::SkillProcess {
                    started: Some(h.file.display().to_string()),
                    runtime: Some(format!("{:?}", h.runtime)),
                    pid: child.id(),
                    killed: None,
                    after_ms: None,
                });
                Ok(Proc {
                    child,
                    stdin,
                    answers,
                    stderr_tail,
                })
            }
            Ok(Some(v)) => Err(LambdaError::Load(
                v["error"]
                    .as_str()
                    .unwrap_or("unknown error")
                    .trim()
                    .to_owned(),
            )),
            Ok(None) => {
                let status = child.wait().await.ok();
                Err(LambdaError::Load(format!(
                    "the process exited ({}) before the handler loaded: {}",
                    status.map(|s| s.to_string()).unwrap_or_default(),
                    tail(&stderr_tail)
                )))
            }
            Err(_) => Err(LambdaError::Load(format!(
                "loading took longer than {} s",
                LOAD_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Invokes the handler with `event`; the process is started on first use and after a
    /// failure that ended it.
    pub async fn invoke(&self, event: &Value) -> Result<Value, LambdaError> {
        let mut g = self.proc.lock().await;
        if g.is_none() {
            *g = Some(self.start().await?);
        }
        let p = g.as_mut().expect("started");
        {
            let mut s = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
            s.clear();
            for path in [
                &["context", "System", "user", "accessToken"][..],
                &["context", "System", "person", "accessToken"],
                &["session", "user", "accessToken"],
                &["context", "System", "apiAccessToken"],
            ] {
                if let Some(t) = path
                    .iter()
                    .try_fold(event, |v, k| v.get(k))
                    .and_then(|v| v.as_str())
                {
                    s.push(t.to_owned());
                }
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let line = json!({"id": id, "event": event, "timeoutMs": self.timeout.as_millis() as u64});
        let mut bytes = serde_json::to_vec(&line).expect("serializes");
        bytes.push(b'\n');
        // How the process ended (its exit code or signal), then its last line on stderr.
        let died = |p: &Proc, status: Option<std::process::ExitStatus>| {
            let t = p.stderr_tail.lock().unwrap_or_else(|p| p.into_inner());
            let last = t.last().cloned().unwrap_or_else(|| "no output".into());
            LambdaError::Died(match status {
                Some(st) => match (
                    st.code(),
                    std::os::unix::process::ExitStatusExt::signal(&st),
                ) {
                    (Some(c), _) => format!("it exited with code {c}: {last}"),
                    (None, Some(sig)) => format!("it was killed by signal {sig}: {last}"),
                    _ => last,
                },
                None => last,
            })
        };
        if p.stdin.write_all(&bytes).await.is_err() || p.stdin.flush().await.is_err() {
            let status = p.child.wait().await.ok();
            let e = died(p, status);
            *g = None;
            return Err(e);
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            match tokio::time::timeout_at(deadline, p.answers.recv()).await {
                Err(_) => {
                    // Lambda stops a function at its timeout; so does this: a fresh process next time.
                    let _ = p.child.start_kill();
                    self.log.log(LogEvent::SkillProcess {
                        started: None,
                        runtime: None,
                        pid: None,
                        killed: Some("timeout".into()),
                        after_ms: Some(self.timeout.as_millis() as u64),
                    });
                    *g = None;
                    return Err(LambdaError::Timeout(self.timeout.as_secs()));
                }
                Ok(None) => {
                    let status = p.child.wait().await.ok();
                    let e = died(p, status);
                    *g = None;
                    return Err(e);
                }
                Ok(Some(v)) if v["id"] == id => {
                    return match v.get("error") {
                        Some(e) => Err(LambdaError::Threw(
                            e.as_str()
                                .unwrap_or("unknown error")
                                .lines()
                                .next()
                                .unwrap_or("")
                                .to_owned(),
                        )),
                        None => Ok(v.get("result").cloned().unwrap_or(Value::Null)),
                    };
                }
                // An answer to an earlier request that timed out: not this one.
                Ok(Some(_)) => continue,
            }
        }
    }
}
