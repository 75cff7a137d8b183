//! Handlers without a socket (issue 17, the axum testing pattern): the router over an in-memory
//! store, requests sent with `tower::ServiceExt::oneshot`. For what a real socket adds nothing
//! to; journeys and attacks over loopback live in the other files.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use linkscreen::backend::{self, Options, Parts, Shared, store::Store};
use linkscreen::config::Config;
use tower::ServiceExt;

fn app() -> (Router, Arc<Shared>) {
    let opts = Options::new(Config::default());
    let base = "http://127.0.0.1:8686".to_owned();
    let shared = backend::state(&opts, Store::in_memory().unwrap(), base.clone(), base).unwrap();
    let app = backend::router(shared.clone(), Parts::ALL)
        .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 50_000))));
    (app, shared)
}

async fn body(r: axum::response::Response) -> String {
    let b = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
    String::from_utf8_lossy(&b).into_owned()
}

fn form(uri: &str, fields: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(fields.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn a_code_issued_opens_the_verification_page_and_grants_the_phone_a_session() {
    let (app, shared) = app();
    // The device asks with its key: its code's page makes the browser the household's phone.
    let mut req = form("/oauth/device_authorization", "client_id=linkscreen-device");
    req.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {}", shared.device_key).parse().unwrap(),
    );
    let r = app.clone().oneshot(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let d: serde_json::Value = serde_json::from_str(&body(r).await).unwrap();
    let code = d["user_code"].as_str().unwrap();
    assert_eq!(d["verification_uri"], "http://127.0.0.1:8686/device");

    let r = app
        .clone()
        .oneshot(
            Request::get(format!("/device?user_code={code}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("ls_phone=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(body(r).await.contains(code));
}

#[tokio::test]
async fn without_the_phones_session_nothing_changes() {
    let (app, _) = app();
    for (uri, fields) in [
        ("/skill/unlink", "csrf=x"),
        ("/skill/link", "csrf=x"),
        ("/device/cancel", "user_code=BCDF-GHJK"),
    ] {
        let r = app.clone().oneshot(form(uri, fields)).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{uri}");
    }
    let r = app
        .clone()
        .oneshot(Request::get("/cards").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(body(r).await.contains("Scan the QR code"));
}

#[tokio::test]
async fn the_metadata_names_the_device_flow_endpoints() {
    let (app, _) = app();
    let r = app
        .oneshot(
            Request::get("/.well-known/oauth-authorization-server")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let m: serde_json::Value = serde_json::from_str(&body(r).await).unwrap();
    assert_eq!(
        m["device_authorization_endpoint"],
        "http://127.0.0.1:8686/oauth/device_authorization"
    );
}
