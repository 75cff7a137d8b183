//! Device-token polls (RFC 8628 §3.4) per second and their p50/p99 latency, with 1,000 pending
//! device codes: the embedded linking service, and side by side in the same run a well-known
//! RFC 8628 server, panva's oidc-provider (Node, installed from npm under target/), under the
//! same load from the same client. Each server runs on its own threads (ours: a 2-worker tokio
//! runtime, as `linkscreen serve`; the peer: its Node process); the client has its own 2
//! workers. Absolute figures depend on the machine; the ratio is the figure to compare.
//!
//! The client is as light as wrk: one hyper HTTP/1 connection per simulated device and every
//! body encoded before the clock starts. With a pooled reqwest client instead, the client
//! itself took 56% of the two cores (perf, by thread), and most of the p99 measured was its
//! own queueing: 2.2 ms then, 1.4 ms now for the same server. What is left is the server's
//! queue under 32 connections: an unsupported grant, answered before any lookup, has the same
//! p99/p50 ratio (2.5) as a pending poll, so no lock, allocation or log adds a tail of its own.
//!
//! `cargo bench --bench polls` (env POLL_SECS, POLL_CLIENTS, POLL_CODES to change the run;
//! NO_PEER=1 to leave the peer out).

mod common;

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

use linkscreen::backend::{self, Options};
use linkscreen::config::Config;
use linkscreen::protocol::oauth::{DEVICE_CODE_GRANT, DeviceAuthorization};

fn env_or<T: std::str::FromStr>(k: &str, d: T) -> T {
    std::env::var(k)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(d)
}

/// What a load run measured.
struct Stats {
    polls: usize,
    secs: f64,
    p50: f64,
    p99: f64,
    max: f64,
    unexpected: u64,
}

impl Stats {
    fn rate(&self) -> f64 {
        self.polls as f64 / self.secs
    }
    fn print(&self, who: &str) {
        println!(
            "{who:<16} {:>8.0} polls/s   p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>7.2} ms   ({} polls in {:.1} s, unexpected answers: {})",
            self.rate(),
            self.p50,
            self.p99,
            self.max,
            self.polls,
            self.secs,
            self.unexpected
        );
    }
}

/// A device-token endpoint and how to get codes from it.
struct Server {
    device_authorization: String,
    token: String,
    client_id: String,
    /// `Authorization: Bearer` for code requests (our device's key: not rate limited).
    bearer: Option<String>,
}

/// Asks `n` device codes, then polls them round robin from `clients` connections for `secs`.
async fn load(s: &Server, n: usize, clients: usize, secs: u64) -> Stats {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let mut codes = Vec::with_capacity(n);
    for _ in 0..n {
        let mut r = http
            .post(&s.device_authorization)
            .form(&[("client_id", s.client_id.as_str())]);
        if let Some(b) = &s.bearer {
            r = r.bearer_auth(b);
        }
        let d: DeviceAuthorization = r.send().await.unwrap().json().await.unwrap();
        codes.push(d.device_code);
    }
    // Each poll's body is encoded up front, and each client is one raw hyper HTTP/1
    // connection (as wrk's are): the client's own work stays small beside the server's.
    let url: hyper::Uri = s.token.parse().unwrap();
    let addr = format!("{}:{}", url.host().unwrap(), url.port_u16().unwrap_or(80));
    let bodies: Arc<Vec<Bytes>> = Arc::new(
        codes
            .iter()
            .map(|code| {
                Bytes::from(
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("grant_type", DEVICE_CODE_GRANT)
                        .append_pair("device_code", code)
                        .append_pair("client_id", &s.client_id)
                        .finish(),
                )
            })
            .collect(),
    );
    let start = Instant::now();
    let end = start + Duration::from_secs(secs);
    let mut tasks = vec![];
    for c in 0..clients {
        let (bodies, url, addr) = (bodies.clone(), url.clone(), addr.clone());
        tasks.push(tokio::spawn(async move {
            let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
            tcp.set_nodelay(true).unwrap();
            let (mut send, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                    .await
                    .unwrap();
            tokio::spawn(conn);
            // Sized up front: a growing vector's reallocations would stall the client.
            let mut lat = Vec::with_capacity(400_000);
            let mut i = c;
            let mut bad = 0u64;
            while Instant::now() < end {
                let body = bodies[i % bodies.len()].clone();
                i += clients;
                let req = hyper::Request::post(url.path())
                    .header("host", &addr)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Full::new(body))
                    .unwrap();
                let t = Instant::now();
                send.ready().await.unwrap();
                let r = send.send_request(req).await.unwrap();
                let body = r.into_body().collect().await.unwrap().to_bytes();
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                if !body.starts_with(br#"{"error":"authorization_pending""#) {
                    if bad == 0 && std::env::var_os("POLL_DEBUG").is_some() {
                        eprintln!("unexpected: {}", String::from_utf8_lossy(&body));
                    }
                    bad += 1;
                }
            }
            (lat, bad)
        }));
    }
    let (mut all, mut unexpected) = (vec![], 0);
    for t in tasks {
        let (l, b) = t.await.unwrap();
        all.extend(l);
        unexpected += b;
    }
    let secs = start.elapsed().as_secs_f64();
    Stats {
        polls: all.len(),
        secs,
        p50: common::pct(&mut all, 0.50),
        p99: common::pct(&mut all, 0.99),
        max: common::pct(&mut all, 1.0),
        unexpected,
    }
}

/// panva's oidc-provider with the device flow on and one public client; prints its port. Its
/// built-in memory adapter keeps only 1,000 entries (an LRU, two per device code), so codes
/// would be evicted: the peer stores in a plain `Map` instead, as a production adapter (Redis,
/// a database) would keep every code.
const PEER: &str = r#"
import Provider from 'oidc-provider';
const store = new Map();
class MapAdapter {
  constructor(model) { this.model = model; }
  key(id) { return `${this.model}:${id}`; }
  async upsert(id, payload) {
    store.set(this.key(id), payload);
    if (payload.userCode) store.set(`userCode:${payload.userCode}`, id);
    if (payload.uid) store.set(`uid:${payload.uid}`, id);
  }
  async find(id) { return store.get(this.key(id)); }
  async findByUserCode(c) { return this.find(store.get(`userCode:${c}`)); }
  async findByUid(u) { return this.find(store.get(`uid:${u}`)); }
  async consume(id) { const p = store.get(this.key(id)); if (p) p.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { store.delete(this.key(id)); }
  async revokeByGrantId() {}
}
const provider = new Provider('http://127.0.0.1', {
  adapter: MapAdapter,
  clients: [{
    client_id: 'bench', token_endpoint_auth_method: 'none',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
    response_types: [], redirect_uris: [],
  }],
  features: { deviceFlow: { enabled: true }, devInteractions: { enabled: false } },
});
const server = provider.listen(0, '127.0.0.1', () => console.log(server.address().port));
"#;

/// Starts the peer; its process and base URL.
fn start_peer() -> Result<(std::process::Child, String), String> {
    let dir = common::npm_dir("oidc-provider@8")?;
    let script = dir.join("oidc-peer.mjs");
    std::fs::write(&script, PEER).map_err(|e| e.to_string())?;
    let mut child = Command::new("node")
        .arg(&script)
        .current_dir(&dir)
        .env("NODE_ENV", "production")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("node: {e}"))?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let port: u16 = line
        .trim()
        .parse()
        .map_err(|_| format!("oidc-provider did not start (said {line:?})"))?;
    Ok((child, format!("http://127.0.0.1:{port}")))
}

fn main() {
    let secs: u64 = env_or("POLL_SECS", 5);
    let clients: usize = env_or("POLL_CLIENTS", 32);
    let n: usize = env_or("POLL_CODES", 1000);
    let threads = |name: &str, n: usize| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .thread_name(name)
            .enable_all()
            .build()
            .unwrap()
    };
    let (server_rt, client_rt) = (
        threads("server", env_or("POLL_SERVER_THREADS", 2)),
        threads("client", 2),
    );
    println!(
        "device-token polls: {n} pending codes, {clients} clients, {secs} s each, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.backend.db = dir.path().join("bench.db");
    // Interval 0: every poll is a legal poll, so the bench measures the work of answering one
    // (the peer does not enforce the interval either).
    cfg.linking.interval = 0;
    let running = server_rt
        .block_on(backend::start(Options::new(cfg)))
        .unwrap();
    let ours = Server {
        device_authorization: format!("{}/oauth/device_authorization", running.base_url),
        token: format!("{}/oauth/token", running.base_url),
        client_id: backend::DEVICE_CLIENT_ID.into(),
        bearer: Some(running.shared.device_key.clone()),
    };
    let mine = client_rt.block_on(load(&ours, n, clients, secs));
    mine.print("linkscreen");
    server_rt.block_on(running.stop());
    drop(server_rt);

    if std::env::var_os("NO_PEER").is_some() {
        println!("oidc-provider    skipped: NO_PEER is set");
        return;
    }
    match start_peer() {
        Err(why) => println!("oidc-provider    skipped: {why}"),
        Ok((mut child, base)) => {
            let peer = Server {
                device_authorization: format!("{base}/device/auth"),
                token: format!("{base}/token"),
                client_id: "bench".into(),
                bearer: None,
            };
            let theirs = client_rt.block_on(load(&peer, n, clients, secs));
            let _ = child.kill();
            let _ = child.wait();
            theirs.print("oidc-provider");
            println!(
                "ratio: {:.1}x oidc-provider's throughput, p99 {:.2}x of its p99 (same run, same client)",
                mine.rate() / theirs.rate(),
                mine.p99 / theirs.p99
            );
            common::row(
                &format!(
                    "device-token polls, {n} pending codes, {clients} clients, vs oidc-provider 8"
                ),
                &format!("{:.0}/s", mine.rate()),
                &format!("{:.0}/s", theirs.rate()),
                &format!("{:.1}× the throughput", mine.rate() / theirs.rate()),
            );
            common::row(
                "same, p99 latency",
                &format!("{:.2} ms", mine.p99),
                &format!("{:.2} ms", theirs.p99),
                &format!("{:.2}× its p99", mine.p99 / theirs.p99),
            );
        }
    }
}
