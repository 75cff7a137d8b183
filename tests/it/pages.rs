//! The device browser's HTML understanding on pages written to mimic real sign-in, terms and
//! consent pages of third-party servers (tests/fixtures/pages), and its HTTP side (charsets,
//! multipart, redirects, cookies) against a real loopback server.

use std::path::Path;

use linkscreen::clients::page::{ItemKind, PageModel};
use linkscreen::clients::phone::{self, Browser, Request};
use linkscreen::flow::PageKind;
use linkscreen::view::signin::{Msg, SignIn, Todo};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pages")
            .join(name),
    )
    .unwrap()
}

/// The fixture as the device's browser holds it after loading it from `url`.
fn session(name: &str, url: &str) -> SignIn {
    let html = phone::decode(Some("text/html"), &fixture(name));
    let mut s = SignIn::new(None);
    let Todo::Load { seq, .. } = s.handle(Msg::Navigate(url.into())) else {
        panic!("no load")
    };
    s.handle(Msg::Loaded {
        seq,
        result: Ok(phone::Page {
            url: url::Url::parse(url).unwrap(),
            status: 200,
            html,
        }),
    });
    s
}

fn page(s: &SignIn) -> &PageModel {
    s.page.as_ref().unwrap()
}

fn texts(s: &SignIn, kind: ItemKind) -> Vec<String> {
    page(s)
        .items
        .iter()
        .filter(|i| i.kind == kind)
        .map(|i| i.text.clone())
        .collect()
}

/// Types into fields by label, presses the button labelled `button`; returns what is sent.
fn submit(
    s: &mut SignIn,
    typed: &[(&str, &str)],
    button: &str,
) -> (String, String, Vec<(String, String)>) {
    for (field, value) in typed {
        let item = s
            .find_field(field)
            .unwrap_or_else(|| panic!("no field {field}"));
        s.handle(Msg::Edit {
            item,
            value: value.to_string(),
        });
    }
    let b = s
        .find_control(button)
        .unwrap_or_else(|| panic!("no button {button}"));
    match s.handle(Msg::Press { item: b }) {
        Todo::Load {
            request:
                Request::Submit {
                    method,
                    url,
                    fields,
                    ..
                },
            ..
        } => (method, url.to_string(), fields),
        other => panic!("{other:?}"),
    }
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn keycloak_login_error_remember_me_and_links() {
    let mut s = session(
        "01-keycloak-login.html",
        "https://sso.example.com/realms/example/protocol/openid-connect/auth?client_id=alexa",
    );
    assert_eq!(s.kind(), PageKind::Login);
    assert_eq!(page(&s).title, "Sign in to Example");
    assert_eq!(
        texts(&s, ItemKind::Error),
        ["Invalid username or password."]
    );
    assert_eq!(
        texts(&s, ItemKind::Field),
        ["Username or email", "Password"]
    );
    assert_eq!(texts(&s, ItemKind::Checkbox), ["Remember me"]);
    assert_eq!(texts(&s, ItemKind::Link), ["Forgot Password?", "Register"]);
    let (method, url, fields) = submit(&mut s, &[("Password", "pw")], "Sign In");
    assert_eq!(method, "post");
    assert_eq!(
        url,
        "https://sso.example.com/realms/example/login-actions/authenticate?session_code=abc&execution=def&client_id=alexa&tab_id=ghi"
    );
    assert_eq!(
        fields,
        pairs(&[
            ("credentialId", ""),
            ("username", "annie"),
            ("password", "pw"),
            ("login", "Sign In")
        ])
    );
}

#[test]
fn auth0_identifier_first_skips_the_hidden_trap_field() {
    let mut s = session(
        "02-auth0-identifier-first.html",
        "https://ridehailer.eu.auth0.com/u/login/identifier?state=hKFo2SBxX0tfWm",
    );
    assert_eq!(
        texts(&s, ItemKind::Field),
        ["Email address"],
        "the aria-hidden password trap is not shown"
    );
    assert_eq!(texts(&s, ItemKind::Image), ["Ride Hailer"]);
    assert_eq!(texts(&s, ItemKind::Heading), ["Welcome"]);
    assert_eq!(texts(&s, ItemKind::Error), ["Wrong email or password"]);
    let (_, url, fields) = submit(
        &mut s,
        &[("Email address", "annie@example.com")],
        "Continue",
    );
    assert_eq!(
        url, "https://ridehailer.eu.auth0.com/u/login/identifier?state=hKFo2SBxX0tfWm",
        "no action: the page's URL"
    );
    assert_eq!(
        fields,
        pairs(&[
            ("state", "hKFo2SBxX0tfWm"),
            ("username", "annie@example.com"),
            ("action", "default")
        ])
    );
}

#[test]
fn okta_widget_page_needs_a_full_browser() {
    let s = session(
        "03-okta-spa.html",
        "https://example.okta.com/oauth2/v1/authorize",
    );
    assert!(page(&s).needs_js);
    assert_eq!(s.view("en-US", true).notice_action, "open-external");
}

#[test]
fn django_admin_login_keeps_the_next_hidden_field_and_the_query_in_action() {
    let mut s = session(
        "04-django-admin-login.html",
        "https://rides.example/admin/login/?next=/oauth/authorize/",
    );
    assert!(
        texts(&s, ItemKind::Error)[0].starts_with("Please enter the correct username and password")
    );
    let (_, url, fields) = submit(&mut s, &[("Password:", "pw")], "Log in");
    assert_eq!(
        url,
        "https://rides.example/admin/login/?next=/oauth/authorize/%3Fclient_id%3Dalexa"
    );
    assert_eq!(
        fields,
        pairs(&[
            ("csrfmiddlewaretoken", "Tq3h5oYxYb0"),
            ("next", "/oauth/authorize/?client_id=alexa"),
            ("username", "annie"),
            ("password", "pw"),
        ])
    );
}

#[test]
fn rails_devise_checkbox_after_its_hidden_twin() {
    let mut s = session(
        "05-rails-devise-login.html",
        "https://rides.example/users/sign_in",
    );
    assert_eq!(texts(&s, ItemKind::Error), ["Invalid Email or password."]);
    let remember = s.find_control("Remember me").unwrap();
    s.handle(Msg::Press { item: remember });
    let (_, _, fields) = submit(&mut s, &[("Password", "pw")], "Log in");
    assert_eq!(
        fields,
        pairs(&[
            ("authenticity_token", "Ab12Cd"),
            ("user[remember_me]", "0"),
            ("user[email]", "annie@example.com"),
            ("user[password]", "pw"),
            ("user[remember_me]", "1"),
            ("commit", "Log in"),
        ])
    );
}

#[test]
fn github_style_authorize_is_a_consent_page_whose_primary_is_authorize() {
    let mut s = session(
        "06-github-style-authorize.html",
        "https://git.example/login/oauth/authorize?client_id=x",
    );
    assert_eq!(s.kind(), PageKind::Consent);
    let v = s.view("en-US", true);
    let primary: Vec<&str> = v
        .items
        .iter()
        .filter(|i| i.primary)
        .map(|i| i.text.as_str())
        .collect();
    assert_eq!(
        primary,
        ["Authorize ridehailer"],
        "the page's btn-primary, not the first button"
    );
    assert!(
        v.items
            .iter()
            .any(|i| i.text == "• Personal user data Email addresses (read-only)")
    );
    let (_, _, fields) = submit(&mut s, &[], "Cancel");
    assert_eq!(
        fields.last().unwrap(),
        &("authorize".to_owned(), "0".to_owned())
    );
}

#[test]
fn spring_security_default_login() {
    let mut s = session(
        "07-spring-security-login.html",
        "http://localhost:8080/login",
    );
    assert_eq!(texts(&s, ItemKind::Error), ["Bad credentials"]);
    assert!(!s.view("en-US", true).secure, "http: not secure");
    let (_, url, fields) = submit(
        &mut s,
        &[("Username", "annie"), ("Password", "pw")],
        "Sign in",
    );
    assert_eq!(url, "http://localhost:8080/login");
    assert_eq!(
        fields,
        pairs(&[
            ("_csrf", "k3Y8-Zq"),
            ("username", "annie"),
            ("password", "pw")
        ])
    );
}

#[test]
fn terms_with_a_required_checkbox() {
    let mut s = session(
        "08-terms-required-checkbox.html",
        "https://rides.example/account/terms",
    );
    assert_eq!(s.kind(), PageKind::Terms);
    let agree = s.find_control("I have read and agree").unwrap();
    s.handle(Msg::Press { item: agree });
    let (_, url, fields) = submit(&mut s, &[], "Continue");
    assert_eq!(
        url,
        "https://rides.example/account/terms?return=%2Foauth%2Fauthorize"
    );
    assert_eq!(fields, pairs(&[("csrf_token", "t-77"), ("agree", "yes")]));
    assert_eq!(texts(&s, ItemKind::Link), ["Decline and sign out"]);
}

#[test]
fn hydra_consent_sends_the_checked_scopes_and_the_pressed_button() {
    let mut s = session(
        "09-hydra-consent-scopes.html",
        "https://auth.example/consent?consent_challenge=a3f9c2",
    );
    assert_eq!(s.kind(), PageKind::Consent);
    assert_eq!(
        texts(&s, ItemKind::Checkbox),
        ["openid", "rides", "offline", "Do not ask me again"]
    );
    assert_eq!(texts(&s, ItemKind::Image), ["Alexa Ride Hailer"]);
    let (_, url, fields) = submit(&mut s, &[], "Deny access");
    assert_eq!(url, "https://auth.example/consent");
    assert_eq!(
        fields,
        pairs(&[
            ("challenge", "a3f9c2"),
            ("_csrf", "x1"),
            ("grant_scope", "openid"),
            ("grant_scope", "rides"),
            ("submit", "Deny access"),
        ])
    );
}

#[test]
fn a_latin1_page_is_decoded_by_its_meta_charset() {
    let bytes = fixture("10-latin1-login.html");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture really is ISO-8859-1"
    );
    let mut s = session(
        "10-latin1-login.html",
        "https://taxi-eclair.example/connexion.php",
    );
    assert_eq!(page(&s).title, "Connexion à Taxi Éclair");
    assert_eq!(
        texts(&s, ItemKind::Error),
        ["Mot de passe erroné. Réessayez."]
    );
    assert_eq!(
        texts(&s, ItemKind::Field),
        ["Adresse électronique", "Mot de passe"]
    );
    assert_eq!(texts(&s, ItemKind::Link), ["Mot de passe oublié ?"]);
    let (_, _, fields) = submit(&mut s, &[("Mot de passe", "été")], "Se connecter »");
    assert_eq!(fields[1], ("mdp".to_owned(), "été".to_owned()));
}

#[test]
fn multipart_form_with_select_tel_radio_number_and_textarea() {
    let mut s = session("11-multipart-verify.html", "https://auth.example/mfa/");
    assert_eq!(page(&s).forms[0].enctype, "multipart/form-data");
    let country = page(&s)
        .items
        .iter()
        .position(|i| i.kind == ItemKind::Select)
        .unwrap();
    s.handle(Msg::Press { item: country });
    let voice = s.find_control("Voice call").unwrap();
    s.handle(Msg::Press { item: voice });
    assert_eq!(s.view("en-US", true).items[country].value, "India (+91)");
    let (method, url, fields) = submit(&mut s, &[("Note for support", "second")], "Send code");
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("post", "https://auth.example/mfa/verify/send")
    );
    assert_eq!(
        fields,
        pairs(&[
            ("flow", "f-9"),
            ("country", "IN"),
            ("phone", "612345678"),
            ("channel", "voice"),
            ("year", "1990"),
            ("note", "second"),
            ("go", "send"),
        ])
    );
}

#[test]
fn wordpress_login_error_by_id_and_type_button_ignored() {
    let mut s = session(
        "12-wordpress-login.html",
        "https://ridehailer.example/wp-login.php",
    );
    assert!(texts(&s, ItemKind::Error)[0].starts_with("Error: The password you entered"));
    assert!(!page(&s).needs_js, "scripts, but a usable form");
    let buttons = texts(&s, ItemKind::Button);
    assert_eq!(
        buttons,
        ["Log In"],
        "the show-password type=button is not a submit"
    );
    let (_, url, fields) = submit(&mut s, &[("Password", "pw")], "Log In");
    assert_eq!(url, "https://ridehailer.example/wp-login.php");
    assert_eq!(
        fields,
        pairs(&[
            (
                "redirect_to",
                "https://ridehailer.example/oauth/authorize?client_id=alexa"
            ),
            ("testcookie", "1"),
            ("log", "annie"),
            ("pwd", "pw"),
            ("wp-submit", "Log In"),
        ])
    );
}

/// The browser over real HTTP: a Latin-1 page by its Content-Type header, a multipart
/// submission the server parses, a redirect chain with a cookie set on the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_browser_speaks_http_like_a_browser() {
    use axum::{
        Router,
        http::header,
        response::{IntoResponse, Redirect},
        routing::{get, post},
    };
    let app = Router::new()
        .route(
            "/latin1",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=ISO-8859-1")],
                    b"<title>Caf\xe9</title><h1>Cr\xe8me br\xfbl\xe9e</h1>".to_vec(),
                )
            }),
        )
        .route(
            "/start",
            get(|| async {
                (
                    [(header::SET_COOKIE, "sid=s1; Path=/; HttpOnly")],
                    Redirect::to("/hop"),
                )
            }),
        )
        .route("/hop", get(|| async { Redirect::to("/form") }))
        .route(
            "/form",
            get(|headers: axum::http::HeaderMap| async move {
                let cookie = headers
                    .get(header::COOKIE)
                    .and_then(|c| c.to_str().ok())
                    .unwrap_or("none")
                    .to_owned();
                axum::response::Html(format!(
                    r#"<h1>cookie {cookie}</h1><form method="post" action="upload" enctype="multipart/form-data"><label for="n">Name</label><input id="n" name="name"><button name="go" value="1">Send</button></form>"#
                ))
            }),
        )
        .route(
            "/upload",
            post(|headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                // A multipart body, read part by part with the boundary from the header.
                let ct = headers[header::CONTENT_TYPE].to_str().unwrap().to_owned();
                let boundary = ct.split("boundary=").nth(1).unwrap().to_owned();
                let body = String::from_utf8(body.to_vec()).unwrap();
                let got: Vec<String> = body
                    .split(&format!("--{boundary}"))
                    .filter_map(|part| {
                        let (head, value) = part.split_once("\r\n\r\n")?;
                        let name = head.split("name=\"").nth(1)?.split('"').next()?;
                        Some(format!("{name}={}", value.trim_end_matches("\r\n")))
                    })
                    .collect();
                axum::response::Html(format!("<h1>{} got {}</h1>", ct.split(';').next().unwrap(), got.join("&"))).into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let b = Browser::with_agent("test");
    let p = b
        .load(&Request::Get(
            url::Url::parse(&format!("{base}/latin1")).unwrap(),
        ))
        .await
        .unwrap();
    let m = PageModel::parse(&p.url, &p.html);
    assert_eq!(
        (m.title.as_str(), m.items[0].text.as_str()),
        ("Café", "Crème brûlée")
    );

    let p = b
        .load(&Request::Get(
            url::Url::parse(&format!("{base}/start")).unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(p.url.path(), "/form", "redirects followed to the page");
    let mut m = PageModel::parse(&p.url, &p.html);
    assert_eq!(
        m.items[0].text, "cookie sid=s1",
        "the cookie set mid-redirect was sent"
    );
    m.items[1].value = "Annie Émile".into();
    let req = m.request(2).unwrap();
    let p = b.load(&req).await.unwrap();
    assert_eq!(
        PageModel::parse(&p.url, &p.html).items[0].text,
        "multipart/form-data got name=Annie Émile&go=1"
    );
}

#[test]
fn every_fixture_gets_the_scene_its_content_says() {
    // Recognised by what a page contains (a password field, terms wording, an authorization
    // request with allow/deny controls or scopes), not by one server's markup.
    let table = [
        ("01-keycloak-login.html", PageKind::Login),
        ("02-auth0-identifier-first.html", PageKind::Login),
        ("04-django-admin-login.html", PageKind::Login),
        ("05-rails-devise-login.html", PageKind::Login),
        ("06-github-style-authorize.html", PageKind::Consent),
        ("07-spring-security-login.html", PageKind::Login),
        ("08-terms-required-checkbox.html", PageKind::Terms),
        ("09-hydra-consent-scopes.html", PageKind::Consent),
        ("12-wordpress-login.html", PageKind::Login),
        ("13-keycloak-consent.html", PageKind::Consent),
        ("14-auth0-consent.html", PageKind::Consent),
        ("15-hydra-consent-deny-link.html", PageKind::Consent),
        ("16-github-authorize-cancel-link.html", PageKind::Consent),
        ("17-plain-authorize-deny-link.html", PageKind::Consent),
        (
            "18-spring-authorization-server-consent.html",
            PageKind::Consent,
        ),
        ("19-login-titled-authorize.html", PageKind::Login),
        ("20-keycloak-terms.html", PageKind::Terms),
    ];
    for (name, want) in table {
        let s = session(name, "https://id.example/oauth/authorize?client_id=x");
        assert_eq!(s.kind(), want, "{name}");
    }
}

#[test]
fn a_deny_link_beside_an_allow_button_is_the_consent_pair() {
    let mut s = session(
        "17-plain-authorize-deny-link.html",
        "https://id.example/oauth/authorize?client_id=x",
    );
    assert_eq!(s.kind(), PageKind::Consent);
    let (_, _, fields) = submit(&mut s, &[], "Allow");
    assert_eq!(
        fields,
        pairs(&[("txn", "t-77"), ("allow", "yes")]),
        "Allow posts the form"
    );
}
