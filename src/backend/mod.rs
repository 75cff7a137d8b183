//! The embedded backend, the composition root: one axum server over one SQLite file, made of
//! parts that each mount alone — the linking service (plays the Alexa cloud towards the device,
//! RFC 8628), the phone-facing "Alexa app" pages, the sample Ride Hailer authorization server and
//! the sample Ride Hailer skill. Three layers: `alexa` (what Amazon runs), `sample` (what a vendor
//! runs), `infra` (what both stand on); only this file sees all three.
//!
//! Must not import: `device`, `clients`, `view`, `shots`, `script`, `flow`, `app`, `cli` (the backend stands on `protocol`, `config` and the leaves).

pub mod alexa;
pub mod infra;
pub mod sample;

// The paths the rest of the program (and the tests) use.
pub use crate::{faults, findings};
pub use alexa::conformance::TOKEN_ENDPOINT_TIMEOUT;
pub use alexa::linking::DEVICE_CLIENT_ID;
pub use alexa::{authorize, conformance, enablement, exchange, linking, lwa, phone};
pub use infra::state::{Clock, Observer, Shared};
pub use infra::{crypto, error, form, html, limits, serve, session, store, vault, waiters};
pub use sample::auth_server::SAMPLE_CLIENT_ID;
pub use sample::sample_account_linking;
pub use sample::{auth_server, rh_app, skill};

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::protocol::account_linking::GrantType;
use store::Store;

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

/// How often expired rows are purged.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Builds the router for the chosen parts.
pub fn router(shared: Arc<Shared>, parts: Parts) -> Router {
    // Pages answer in the language their request asks for; the APIs (polls among them) are
    // not pages, and skip the negotiation.
    let pages = |r: Router<Arc<Shared>>| {
        r.layer(axum::middleware::from_fn(
            crate::backend::infra::html::negotiate_locale,
        ))
        .layer(axum::middleware::map_response(
            crate::backend::infra::html::page_headers,
        ))
    };
    let mut r = Router::new();
    if parts.linking {
        r = r
            .merge(linking::router())
            .merge(alexa::polling::router())
            .merge(pages(lwa::router()))
            .merge(enablement::router());
    }
    if parts.phone {
        r = r.merge(pages(phone::router().merge(alexa::app_pages::router())));
    }
    if parts.auth_server {
        r = r.merge(pages(auth_server::router().merge(rh_app::router())));
    }
    if parts.skill {
        r = r.merge(skill::router());
    }
    if parts.phone || parts.auth_server {
        r = r.merge(crate::backend::infra::html::fonts_router());
    }
    r.layer(axum::middleware::from_fn_with_state(
        shared.clone(),
        rate_limit,
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

/// Per-address rate limits on unauthenticated writes (see [`limits`]).
async fn rate_limit(
    axum::extract::State(s): axum::extract::State<Arc<Shared>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match s.limits.refuse(&req, &s.device_key) {
        Some(refused) => refused,
        None => next.run(req).await,
    }
}

/// The state every handler shares, over an open store: secrets (sealed in it), the
/// account-linking configuration in force, the sample's seed data, and the start-up findings.
/// `base_url` is where this machine reaches the server, `public_url` where phones do.
pub fn state(
    opts: &Options,
    store: Store,
    base_url: String,
    public_url: String,
) -> Result<Arc<Shared>, StartError> {
    let cfg = &opts.config;
    let sample_client_secret =
        store.secret_or_init("sample_client_secret", || crypto::secret_token(24))?;
    let device_key = store.secret_or_init("device_key", || crypto::secret_token(24))?;
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
        pace: Default::default(),
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
    Ok(shared)
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

    let shared = state(&opts, store, base_url.clone(), public_url)?;
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
        let server = tokio::spawn(infra::serve::serve(l, app.clone(), stopped.clone()));
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
