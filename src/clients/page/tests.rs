use super::*;

fn parse(html: &str) -> PageModel {
    PageModel::parse(
        &url::Url::parse("https://auth.example/oauth/authorize?state=s").unwrap(),
        html,
    )
}

const LOGIN: &str = r#"<!DOCTYPE html><html><head><title>Sign in to Ride Hailer</title></head><body>
    <header>Ride Hailer</header><main><div class="card"><h1>Sign in to Ride Hailer</h1>
    <p class="error" role="alert">The email or password is incorrect.</p>
    <form method="post" action="/ridehailer/login"><input type="hidden" name="csrf" value="c1">
    <label for="username">Email</label><input id="username" type="email" name="username" value="annie@example.com">
    <label for="password">Password</label><input id="password" type="password" name="password">
    <button type="submit" name="action" value="login">Sign in</button></form></div></main></body></html>"#;

#[test]
fn a_login_page_becomes_items_with_labels_errors_and_a_form() {
    let p = parse(LOGIN);
    assert_eq!(p.title, "Sign in to Ride Hailer");
    let kinds: Vec<ItemKind> = p.items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ItemKind::Paragraph,
            ItemKind::Heading,
            ItemKind::Error,
            ItemKind::Field,
            ItemKind::Field,
            ItemKind::Button
        ]
    );
    assert_eq!(p.items[2].text, "The email or password is incorrect.");
    assert_eq!(
        (
            p.items[3].text.as_str(),
            p.items[3].input_type.as_str(),
            p.items[3].value.as_str()
        ),
        ("Email", "email", "annie@example.com")
    );
    assert_eq!(
        (p.items[4].text.as_str(), p.items[4].input_type.as_str()),
        ("Password", "password")
    );
    assert_eq!(
        p.forms[0].hidden,
        vec![("csrf".to_owned(), "c1".to_owned())]
    );
    assert_eq!(p.address(), ("auth.example".to_owned(), true));
    assert!(!p.needs_js);
}

#[test]
fn submitting_sends_hidden_fields_typed_values_and_the_pressed_button() {
    let mut p = parse(LOGIN);
    p.items[4].value = "ride-hailer".into();
    let (method, url, fields) = p.submission(5).unwrap();
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("post", "https://auth.example/ridehailer/login")
    );
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        f,
        vec![
            ("csrf", "c1"),
            ("username", "annie@example.com"),
            ("password", "ride-hailer"),
            ("action", "login")
        ]
    );
    assert!(p.submission(0).is_none(), "a paragraph is not a button");
}

#[test]
fn consent_buttons_carry_their_own_values() {
    let p = parse(
        r#"<h1>Allow Alexa?</h1><ul><li>See your name</li><li>Book rides</li></ul><form method="post"><input type="hidden" name="csrf" value="c"><button name="decision" value="allow">Allow</button><button name="decision" value="deny">Deny</button></form>"#,
    );
    let deny = p.items.iter().position(|i| i.text == "Deny").unwrap();
    let (_, url, fields) = p.submission(deny).unwrap();
    assert_eq!(
        url.as_str(),
        "https://auth.example/oauth/authorize?state=s",
        "no action: the page's own URL"
    );
    assert_eq!(
        fields.last().unwrap(),
        &("decision".to_owned(), "deny".to_owned())
    );
    assert_eq!(
        p.items
            .iter()
            .filter(|i| i.kind == ItemKind::Paragraph)
            .count(),
        2
    );
}

#[test]
fn links_images_checkboxes_radios_and_selects() {
    let mut p = parse(
        r#"<img src="logo.png" alt="Ride Hailer logo"><p>New here? <a href="/signup">Create an account</a></p>
        <form action="next"><label><input type="checkbox" name="terms" value="yes"> I accept the terms</label>
        <input type="radio" name="plan" value="basic" id="b"><label for="b">Basic</label><input type="radio" name="plan" value="plus" checked id="p"><label for="p">Plus</label>
        <label for="c">Country</label><select id="c" name="country"><option value="nl">Netherlands</option><option value="de" selected>Germany</option></select>
        <input type="submit" value="Continue"></form>"#,
    );
    assert_eq!(
        p.items[0],
        Item {
            kind: ItemKind::Image,
            text: "Ride Hailer logo".into(),
            ..item(ItemKind::Image, String::new())
        }
    );
    let link = p.items.iter().find(|i| i.kind == ItemKind::Link).unwrap();
    assert_eq!(
        (link.text.as_str(), link.href.as_deref()),
        ("Create an account", Some("/signup"))
    );
    let terms = p
        .items
        .iter()
        .position(|i| i.kind == ItemKind::Checkbox)
        .unwrap();
    assert_eq!(p.items[terms].text, "I accept the terms");
    let select = p.items.iter().find(|i| i.kind == ItemKind::Select).unwrap();
    assert_eq!(
        (
            select.text.as_str(),
            select.value.as_str(),
            select.options.len()
        ),
        ("Country", "de", 2)
    );
    p.items[terms].checked = true;
    let submit = p
        .items
        .iter()
        .position(|i| i.kind == ItemKind::Button)
        .unwrap();
    let (method, url, _) = p.submission(submit).unwrap();
    assert_eq!(method, "get");
    assert_eq!(
        url.as_str(),
        "https://auth.example/oauth/next?terms=yes&plan=plus&country=de"
    );
}

#[test]
fn a_script_only_page_needs_a_full_browser() {
    let p = parse(
        r#"<div id="app"></div><noscript>Please enable JavaScript.</noscript><script src="/bundle.js"></script>"#,
    );
    assert!(p.needs_js);
    assert!(!parse(LOGIN).needs_js);
}

#[test]
fn a_page_says_it_runs_right_to_left_with_dir() {
    let u = url::Url::parse("https://id.example/login").unwrap();
    let rtl = |html: &str| PageModel::parse(&u, html).rtl;
    assert!(rtl(
        "<html lang=ar dir=rtl><body><h1>تسجيل الدخول</h1></body></html>"
    ));
    assert!(rtl("<html><body dir=\"RTL\"><h1>x</h1></body></html>"));
    assert!(!rtl("<html lang=ar><body><h1>x</h1></body></html>"));
    assert!(!rtl("<html dir=ltr><body><h1>x</h1></body></html>"));
}
