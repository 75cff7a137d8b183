//! The embedded backend: one axum server over one SQLite file, made of four
//! parts that each mount alone — the linking service (plays the Alexa cloud
//! towards the device, RFC 8628), the phone-facing "Alexa app" pages, the
//! sample Ride Hailer authorization server and the sample Ride Hailer skill.

pub mod auth_server;
pub mod conformance;
pub mod crypto;
pub mod enablement;
pub mod error;
pub mod exchange;
pub mod faults;
pub mod form;
pub mod html;
pub mod limits;
pub mod linking;
pub mod lwa;
pub mod phone;
pub mod rh_app;
pub mod session;
pub mod skill;
pub mod store;
pub mod vault;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::protocol::account_linking::{AccessTokenScheme, AccountLinkingRequest, GrantType};
use store::Store;

/// Milliseconds since the Unix epoch, shiftable by tests to expire codes
/// without waiting.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        let sys = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        sys + self.offset_ms.load(Ordering::Relaxed)
    }
    /// Moves this clock forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as i64, Ordering::Relaxed);
    }
}

/// The public client id the device uses at the linking service.
pub const DEVICE_CLIENT_ID: &str = "linkscreen-device";
/// The sample authorization server's client id for "Alexa".
pub const SAMPLE_CLIENT_ID: &str = "alexa-ride-hailer";
/// Alexa gives up on a token endpoint after 4.5 s (PROTOCOL.md §2).
pub const TOKEN_ENDPOINT_TIMEOUT: Duration = Duration::from_millis(4500);
/// Largest request body any endpoint accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Which parts to mount.
#[derive(Debug, Clone, Copy)]
pub struct Parts {
    pub linking: bool,
    pub phone: bool,
    pub auth_server: bool,
    pub skill: bool,
}

impl Parts {
    pub const ALL: Parts = Parts {
        linking: true,
        phone: true,
        auth_server: true,
        skill: true,
    };
}

/// How to start the backend.
#[derive(Clone)]
pub struct Options {
    pub config: Config,
    pub clock: Arc<Clock>,
    /// Phone pages also listen on this LAN address, and the QR code points there.
    pub lan: Option<IpAddr>,
    pub parts: Parts,
}

impl Options {
    pub fn new(config: Config) -> Self {
        Options {
            config,
            clock: Arc::new(Clock::default()),
            lan: None,
            parts: Parts::ALL,
        }
    }
}

/// State shared by every handler.
pub struct Shared {
    pub store: Store,
    pub clock: Arc<Clock>,
    pub config: Config,
    /// Base URL the device (on this machine) uses.
    pub base_url: String,
    /// Base URL phones use (the LAN address with `--lan`).
    pub public_url: String,
    /// The account-linking configuration in force (the user's, or the sample server's).
    pub account_linking: AccountLinkingRequest,
    /// Secret the sample server's "Alexa" client authenticates with.
    pub sample_client_secret: String,
    /// Bearer key for the device-only endpoints.
    pub device_key: String,
    pub http: reqwest::Client,
    pub waiters: linking::Waiters,
    /// One-time pairing links the device handed out (see [`session`]).
    pub pairings: session::Pairings,
    /// Per-address rate limits on unauthenticated writes.
    pub limits: limits::Limits,
    pub attempts: phone::Attempts,
    /// How many times a server task died and was restarted.
    pub restarts: std::sync::atomic::AtomicU32,
    /// Faults switched on (the designer's emulator).
    pub faults: Arc<faults::Faults>,
    /// What real Alexa would reject or warn about in this set-up.
    pub report: conformance::Report,
    /// The redirect URIs were probed at the authorization endpoint (once per run), by this task.
    probed: std::sync::atomic::AtomicBool,
    probe: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Who hears about token exchanges and conformance findings (the device's event log).
    observer: std::sync::OnceLock<Observer>,
}

/// Receives backend events: `(type, fields)`, secrets not yet redacted.
pub type Observer = Arc<dyn Fn(&str, serde_json::Value) + Send + Sync>;

impl Shared {
    /// Alexa's redirect URL for this emulator: `http://HOST:PORT/api/skill/link/<VendorId>`.
    pub fn redirect_uri(&self) -> String {
        format!(
            "{}/api/skill/link/{}",
            self.public_url, self.config.backend.vendor_id
        )
    }
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Sets who hears about token exchanges and findings (once).
    /// Findings made before (the configuration's, at start) are replayed to it.
    pub fn observe(&self, o: Observer) {
        if self.observer.set(o).is_ok() {
            for f in self.report.findings() {
                self.note("conformance", serde_json::to_value(&f).unwrap_or_default());
            }
        }
    }

    /// Tells the observer about something that happened.
    pub fn note(&self, kind: &str, fields: serde_json::Value) {
        if let Some(o) = self.observer.get() {
            o(kind, fields);
        }
    }

    /// Records conformance findings; new ones go to the observer as `conformance` events.
    pub fn conform(&self, fs: impl IntoIterator<Item = conformance::Finding>) {
        for f in fs {
            if self.report.add(&f) {
                match f.level {
                    conformance::Level::Pass | conformance::Level::Unchecked => {}
                    _ => tracing::warn!("conformance: {}: {} ({})", f.rule, f.message, f.evidence),
                }
                self.note("conformance", serde_json::to_value(&f).unwrap_or_default());
            }
        }
    }

    /// Once per run, asks the authorization endpoint whether it accepts the emulator's and
    /// Alexa's three redirect URIs (an authorization request per URI, redirects not followed).
    pub fn probe_redirects(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        let al = &self.account_linking;
        if al.grant_type != GrantType::AuthCode || self.probed.swap(true, Ordering::SeqCst) {
            return;
        }
        let vendor = &self.config.backend.vendor_id;
        let mut uris = vec![self.redirect_uri()];
        uris.extend(
            [
                "https://pitangui.amazon.com",
                "https://layla.amazon.com",
                "https://alexa.amazon.co.jp",
            ]
            .map(|h| format!("{h}/api/skill/link/{vendor}")),
        );
        let me = self.clone();
        let task = tokio::spawn(async move {
            for uri in uris {
                let f = match me.probe_one(&uri).await {
                    Ok((status, snippet, location)) => {
                        conformance::check_redirect_uri(&uri, status, &snippet, location.as_deref())
                    }
                    Err(e) => {
                        tracing::debug!("redirect probe {uri}: {e}");
                        continue;
                    }
                };
                me.conform([f]);
            }
        });
        *self.probe.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
    }

    /// Waits (at most 10 s) for the redirect-URI probe, so a report read now is complete.
    pub async fn settle(&self) {
        let task = self.probe.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(t) = task {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
    }

    /// One authorization request: its status, the page's gist, and where it redirects.
    async fn probe_one(&self, redirect_uri: &str) -> Result<(u16, String, Option<String>), String> {
        let al = &self.account_linking;
        let state = format!("linkscreen-probe-{}", crypto::random_token(8));
        let verifier = al.pkce.then(|| crypto::random_token(32));
        let url = phone::authorization_url(
            al,
            &al.authorization_url,
            &state,
            redirect_uri,
            verifier.as_deref(),
        )
        .map_err(|e| e.to_string())?;
        let r = self
            .http
            .get(url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        // Absolute, as a browser would follow it.
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(|l| {
                r.url()
                    .join(l)
                    .map(|u| u.to_string())
                    .unwrap_or(l.to_owned())
            });
        let body = r.text().await.unwrap_or_default();
        Ok((status, page_gist(&body), location))
    }
}

/// A page's title (or its first words), for evidence.
fn page_gist(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let pick = |sel: &str| {
        scraper::Selector::parse(sel).ok().and_then(|s| {
            doc.select(&s)
                .map(|e| e.text().collect::<Vec<_>>().join(" "))
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .find(|t| !t.is_empty())
        })
    };
    let mut t = pick("h1")
        .or_else(|| pick("title"))
        .or_else(|| pick("body"))
        .unwrap_or_default();
    if t.chars().count() > 120 {
        t = t.chars().take(120).collect::<String>() + "…";
    }
    t
}

impl StartError {
    /// The user's to fix (a database file, an address in use): not a peer's fault.
    pub fn is_setup(&self) -> bool {
        matches!(self, StartError::Store(_) | StartError::Bind { .. })
    }
}

/// Why the backend could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("http client: {0}")]
    Http(#[from] reqwest::Error),
}

/// A running backend; dropping it does not stop it, [`Running::stop`] does.
pub struct Running {
    pub addr: SocketAddr,
    pub base_url: String,
    pub shared: Arc<Shared>,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The server tasks the supervisors run now (and ran before).
    servers: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, and waits for the server tasks.
    pub async fn stop(mut self) {
        self.shared.waiters.wake_all();
        let _ = self.stop.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }

    /// Fault injection: kills the running server tasks as a crash would; the supervisors
    /// restart them (see [`Shared::restarts`]).
    pub fn crash_servers(&self) {
        for s in self
            .servers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            s.abort();
        }
    }
}

/// The sample server's account-linking configuration: its login pages at `public` (where a
/// phone reaches them), its token endpoint at `base` (Alexa's side, on this machine).
pub fn sample_account_linking(public: &str, base: &str, secret: &str) -> AccountLinkingRequest {
    AccountLinkingRequest {
        grant_type: GrantType::AuthCode,
        authorization_url: format!("{public}/ridehailer/oauth/authorize"),
        domains: vec![],
        client_id: SAMPLE_CLIENT_ID.into(),
        scopes: vec!["profile".into(), "rides".into()],
        access_token_url: Some(format!("{base}/ridehailer/oauth/token")),
        client_secret: Some(secret.into()),
        access_token_scheme: Some(AccessTokenScheme::HttpBasic),
        default_token_expiration_in_seconds: Some(3600),
        reciprocal_access_token_url: None,
        redirect_urls: vec![],
        authorization_urls_by_platform: vec![],
        skip_on_enablement: false,
        voice_forward_account_linking: Some("DISABLED".into()),
        pkce: true,
    }
}

/// How often expired rows are purged.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Builds the router for the chosen parts.
pub fn router(shared: Arc<Shared>, parts: Parts) -> Router {
    let mut r = Router::new();
    if parts.linking {
        r = r
            .merge(linking::router())
            .merge(lwa::router())
            .merge(enablement::router());
    }
    if parts.phone {
        r = r.merge(phone::router());
    }
    if parts.auth_server {
        r = r.merge(auth_server::router()).merge(rh_app::router());
    }
    if parts.skill {
        r = r.merge(skill::router());
    }
    r.layer(axum::middleware::from_fn_with_state(
        shared.clone(),
        limits::limit,
    ))
    .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
    .layer(tower_http::limit::RequestBodyLimitLayer::new(
        MAX_BODY_BYTES,
    ))
    .layer(tower_http::catch_panic::CatchPanicLayer::custom(
        error::panic_response,
    ))
    .with_state(shared)
}

/// Opens the database, binds, seeds the sample data and serves.
pub async fn start(opts: Options) -> Result<Running, StartError> {
    let cfg = &opts.config;
    let store = Store::open(&cfg.backend.db)?;
    let addr_s = format!("{}:{}", cfg.backend.bind, cfg.backend.port);
    let listener = TcpListener::bind(&addr_s)
        .await
        .map_err(|source| StartError::Bind {
            addr: addr_s.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: addr_s.clone(),
        source,
    })?;
    // An unspecified bind address (0.0.0.0, ::) is nobody's address: this machine talks to
    // itself over loopback, and phones get the LAN address.
    let own = if addr.ip().is_unspecified() {
        SocketAddr::new(
            match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            },
            addr.port(),
        )
    } else {
        addr
    };
    let base_url = format!("http://{}", display_addr(own));

    let mut lan_listener = None;
    let public_url = match opts.lan {
        // Listening on every address already: only the address handed out changes.
        Some(ip) if addr.ip().is_unspecified() => {
            format!("http://{}", display_addr(SocketAddr::new(ip, addr.port())))
        }
        Some(ip) if ip != addr.ip() => {
            let a = SocketAddr::new(ip, addr.port());
            let l = TcpListener::bind(a)
                .await
                .map_err(|source| StartError::Bind {
                    addr: a.to_string(),
                    source,
                })?;
            lan_listener = Some(l);
            format!("http://{}", display_addr(a))
        }
        Some(_) => base_url.clone(),
        None if addr.ip().is_unspecified() => match lan_address() {
            Some(ip) => format!("http://{}", display_addr(SocketAddr::new(ip, addr.port()))),
            None => base_url.clone(),
        },
        None => base_url.clone(),
    };

    let sample_client_secret =
        store.secret_or_init("sample_client_secret", || crypto::random_token(24))?;
    let device_key = store.secret_or_init("device_key", || crypto::random_token(24))?;
    let mut account_linking =
        cfg.account_linking.request.clone().unwrap_or_else(|| {
            sample_account_linking(&public_url, &base_url, &sample_client_secret)
        });
    if cfg.account_linking.voice_forward {
        account_linking.voice_forward_account_linking = Some("ENABLED".into());
    }
    if opts.parts.auth_server {
        auth_server::seed(&store)?;
    }
    let interrupted =
        linking::fail_interrupted_exchanges(&store).map_err(store::StoreError::from)?;
    if interrupted > 0 {
        tracing::warn!(
            "{interrupted} device code(s) whose token exchange was cut short by a restart: failed, so their devices offer a new code"
        );
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;

    let shared = Arc::new(Shared {
        store,
        clock: opts.clock.clone(),
        config: cfg.clone(),
        base_url: base_url.clone(),
        public_url,
        account_linking,
        sample_client_secret,
        device_key,
        http,
        waiters: Default::default(),
        attempts: Default::default(),
        pairings: Default::default(),
        limits: Default::default(),
        restarts: Default::default(),
        faults: Default::default(),
        report: Default::default(),
        probed: Default::default(),
        probe: Default::default(),
        observer: Default::default(),
    });
    // The user's own configuration: are its URLs what Alexa accepts?
    if cfg.account_linking.request.is_some()
        && shared.account_linking.grant_type == GrantType::AuthCode
    {
        shared.conform(conformance::check_urls(&shared.account_linking));
    }
    if cfg.account_linking.request.is_some() {
        shared.conform(conformance::check_voice_forward(&shared.account_linking));
    }
    let app = router(shared.clone(), opts.parts);

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = vec![];
    // Expired codes, states and transactions go at start and every minute: storage stays bounded
    // however many unauthenticated requests came.
    {
        let (shared, mut stopped) = (shared.clone(), stopped.clone());
        tasks.push(tokio::spawn(async move {
            let mut every = tokio::time::interval(PURGE_EVERY);
            loop {
                tokio::select! {
                    _ = every.tick() => {}
                    _ = stopped.wait_for(|s| *s) => return,
                }
                shared.limits.forget_idle();
                match shared.store.purge_expired(shared.now_ms()) {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!("purged {n} expired rows"),
                    Err(e) => tracing::warn!("purging expired rows: {e}"),
                }
            }
        }));
    }
    let servers: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>> = Default::default();
    for l in std::iter::once(listener).chain(lan_listener) {
        tasks.push(tokio::spawn(supervise(
            l,
            app.clone(),
            stopped.clone(),
            shared.clone(),
            servers.clone(),
        )));
    }
    tracing::info!("backend listening on {base_url}");
    Ok(Running {
        addr,
        base_url,
        shared,
        stop,
        tasks,
        servers,
    })
}

/// Serves on `listener` and restarts the server (on the same address) whenever its task dies,
/// until `stopped` turns true: a fault in the backend never leaves the device talking to nothing.
async fn supervise(
    listener: TcpListener,
    app: axum::Router,
    mut stopped: tokio::sync::watch::Receiver<bool>,
    shared: Arc<Shared>,
    servers: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
) {
    let Ok(addr) = listener.local_addr() else {
        return;
    };
    let mut listener = Some(listener);
    loop {
        let l = match listener.take() {
            Some(l) => l,
            None => match TcpListener::bind(addr).await {
                Ok(l) => l,
                // Running was dropped meanwhile: nobody wants this server any more.
                Err(_) if stopped.has_changed().is_err() => return,
                Err(e) => {
                    tracing::error!("backend: cannot listen on {addr} again: {e}; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    continue;
                }
            },
        };
        let mut signal = stopped.clone();
        let app = app.clone();
        let server = tokio::spawn(async move {
            axum::serve(l, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = signal.wait_for(|s| *s).await;
                })
                .await
        });
        servers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(server.abort_handle());
        let outcome = server.await;
        // Stopped, or Running dropped (its sender gone): not a crash, no restart.
        if *stopped.borrow_and_update() || stopped.has_changed().is_err() {
            return;
        }
        match outcome {
            Ok(Ok(())) => tracing::error!("backend server on {addr} ended; restarting"),
            Ok(Err(e)) => tracing::error!("backend server on {addr} failed: {e}; restarting"),
            Err(e) => tracing::error!("backend server task on {addr} died ({e}); restarting"),
        }
        shared
            .restarts
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

fn display_addr(a: SocketAddr) -> String {
    match a.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", a.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", a.port()),
    }
}

/// The machine's LAN address: the source address of a route to a public IP
/// (no packet is sent; UDP connect only picks a route).
pub fn lan_address() -> Option<IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}
