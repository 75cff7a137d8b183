//! The form planner on hand-written pages that mimic real login, terms and consent pages.
use super::*;

fn page_at(url: &str, html: &str) -> Page {
    Page {
        url: url::Url::parse(url).unwrap(),
        status: 200,
        html: html.into(),
    }
}

fn page(html: &str) -> Page {
    page_at("https://auth.example/login?x=1", html)
}

fn intent(allow: bool) -> Intent {
    Intent {
        username: "annie@example.com".into(),
        password: "pw".into(),
        allow,
    }
}

fn f(k: &str, v: &str) -> (String, String) {
    (k.into(), v.into())
}

/// What a plan submits: method, URL (GET fields in its query) and POST fields.
struct Planned {
    method: String,
    action: url::Url,
    fields: Vec<(String, String)>,
}

fn plan(page: &Page, intent: &Intent) -> Option<Planned> {
    match super::plan(page, intent)? {
        Request::Submit {
            method,
            url,
            fields,
            ..
        } => Some(Planned {
            // A GET form's fields travel in the URL's query.
            fields: if method == "get" {
                url.query_pairs().into_owned().collect()
            } else {
                fields
            },
            method,
            action: url,
        }),
        Request::Get(_) => None,
    }
}

#[test]
fn sample_style_login_keeps_hidden_fields_and_types_credentials() {
    let p = page(
        r#"<form method="POST" action="/session"><input type="hidden" name="csrf" value="t1"><label>Email <input name="user" type="email"></label><input name="pass" type="password"><button name="go" value="1">Sign in</button></form>"#,
    );
    let plan = plan(&p, &intent(true)).unwrap();
    assert_eq!(plan.action.as_str(), "https://auth.example/session");
    assert_eq!(plan.method, "post");
    assert_eq!(
        plan.fields,
        vec![
            f("csrf", "t1"),
            f("user", "annie@example.com"),
            f("pass", "pw"),
            f("go", "1")
        ]
    );
}

#[test]
fn text_username_and_input_submit() {
    let p = page(
        r#"<form method="post" action="login"><input type="text" name="login"><input type="password" name="password"><input type="submit" name="commit" value="Log in"></form>"#,
    );
    let plan = plan(&p, &intent(true)).unwrap();
    assert_eq!(plan.action.as_str(), "https://auth.example/login");
    assert_eq!(
        plan.fields,
        vec![
            f("login", "annie@example.com"),
            f("password", "pw"),
            f("commit", "Log in")
        ]
    );
}

#[test]
fn consent_sends_the_pressed_buttons_name_and_value() {
    let p = page(
        r#"<form method="post"><button name="decision" value="allow">Allow</button><button name="decision" value="deny">Deny</button></form>"#,
    );
    assert_eq!(
        plan(&p, &intent(true)).unwrap().fields,
        vec![f("decision", "allow")]
    );
    assert_eq!(
        plan(&p, &intent(false)).unwrap().fields,
        vec![f("decision", "deny")]
    );
    assert_eq!(
        plan(&p, &intent(true)).unwrap().action.as_str(),
        "https://auth.example/login?x=1",
        "no action: the page's own URL"
    );
}

#[test]
fn consent_with_one_form_per_choice() {
    let p = page(
        r#"<h1>Authorize Alexa?</h1><form method="post" action="/oauth/approve"><input type="hidden" name="t" value="9"><button>Authorize</button></form><form method="post" action="/oauth/reject"><input type="hidden" name="t" value="9"><button>Cancel</button></form>"#,
    );
    assert_eq!(
        plan(&p, &intent(true)).unwrap().action.path(),
        "/oauth/approve"
    );
    assert_eq!(
        plan(&p, &intent(false)).unwrap().action.path(),
        "/oauth/reject"
    );
}

#[test]
fn terms_with_a_required_checkbox() {
    let p = page(
        r#"<p>Read the terms.</p><form method="post" action="/terms"><label><input type="checkbox" name="agree" value="yes" required> I agree</label><label><input type="checkbox" name="news"> Newsletter</label><button type="submit">Continue</button></form>"#,
    );
    assert_eq!(
        plan(&p, &intent(true)).unwrap().fields,
        vec![f("agree", "yes")],
        "required ticked, optional left alone"
    );
}

#[test]
fn the_login_form_wins_over_a_language_picker() {
    let p = page(
        r#"<form action="/lang"><select name="lang"><option value="en">English</option><option value="de" selected>Deutsch</option></select><button>Go</button></form><form method="post" action="/session"><input name="email" type="email"><input name="password" type="password"><button>Sign in now</button></form>"#,
    );
    let plan = plan(&p, &intent(true)).unwrap();
    assert_eq!(plan.action.path(), "/session");
    assert_eq!(
        plan.fields,
        vec![f("email", "annie@example.com"), f("password", "pw")],
        "a button without a name sends nothing"
    );
}

#[test]
fn relative_actions_resolve_against_the_page() {
    let p = page_at(
        "https://id.example/realms/x/protocol/openid-connect/auth?client_id=a",
        r#"<form method="post" action="../login-actions/authenticate?session_code=s1"><input name="username"><input name="password" type="password"><input type="submit" value="Sign In"></form>"#,
    );
    assert_eq!(
        plan(&p, &intent(true)).unwrap().action.as_str(),
        "https://id.example/realms/x/protocol/login-actions/authenticate?session_code=s1"
    );
}

#[test]
fn plain_buttons_are_not_submit_buttons() {
    let p = page(
        r#"<form method="post" action="/s"><input name="u" type="email"><input name="p" type="password"><button type="button" name="reveal" value="1">Show password</button><button type="submit" name="a" value="login">Sign in</button></form>"#,
    );
    assert_eq!(
        plan(&p, &intent(true)).unwrap().fields.last().unwrap(),
        &f("a", "login")
    );
}

#[test]
fn get_forms_select_radio_and_textarea() {
    let p = page(
        r#"<form method="get" action="/continue"><select name="account"><option>Personal</option><option>Work</option></select><input type="radio" name="plan" value="basic"><input type="radio" name="plan" value="plus" checked><textarea name="note">hi</textarea><button>Next</button></form>"#,
    );
    let plan = plan(&p, &intent(true)).unwrap();
    assert_eq!(plan.method, "get");
    assert_eq!(
        plan.fields,
        vec![f("account", "Personal"), f("plan", "plus"), f("note", "hi")],
        "in document order, as browsers send them"
    );
}

#[test]
fn a_javascript_only_page_needs_a_full_browser() {
    let p = page(
        r#"<div id="root"></div><script src="/app.js"></script><noscript>You need to enable JavaScript to run this app.</noscript>"#,
    );
    assert!(needs_js(&p));
    assert!(plan(&p, &intent(true)).is_none());
    let login = page(
        r#"<form method="post"><input name="u"><input name="p" type="password"><button>Sign in</button></form><script>analytics()</script>"#,
    );
    assert!(
        !needs_js(&login),
        "a page with a usable form works without its scripts"
    );
}

#[test]
fn deny_picks_the_refusal_even_when_allow_comes_first() {
    let p = page(
        r#"<form method="post" action="/consent"><input type="hidden" name="csrf" value="c"><input type="submit" name="approve" value="Allow access"><input type="submit" name="reject" value="No, thanks"></form>"#,
    );
    assert_eq!(
        plan(&p, &intent(false)).unwrap().fields,
        vec![f("csrf", "c"), f("reject", "No, thanks")]
    );
    assert_eq!(
        plan(&p, &intent(true)).unwrap().fields,
        vec![f("csrf", "c"), f("approve", "Allow access")]
    );
}

#[test]
fn visible_text_is_collapsed() {
    let p = page("<html><body><h1>Linked</h1>\n<p>You can   close\nthis window.</p></body></html>");
    assert_eq!(p.text(), "Linked You can close this window.");
}
