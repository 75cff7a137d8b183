use super::*;

fn page(url: &str, html: &str) -> Page {
    Page {
        url: url::Url::parse(url).unwrap(),
        status: 200,
        html: html.into(),
    }
}

const LOGIN: &str = r#"<title>Sign in</title><h1>Sign in</h1><form method="post" action="/login"><input type="hidden" name="csrf" value="c">
    <label for="u">Email</label><input id="u" type="email" name="username"><label for="p">Password</label><input id="p" type="password" name="password">
    <button name="action" value="login">Sign in</button></form>"#;

fn loaded(s: &mut SignIn, url: &str, html: &str) {
    let Todo::Load { seq, .. } = s.handle(Msg::Navigate(url.into())) else {
        panic!("no load")
    };
    s.handle(Msg::Loaded {
        seq,
        result: Ok(page(url, html)),
    });
}

#[test]
fn typing_then_enter_submits_the_form_with_what_was_typed() {
    let mut s = SignIn::new(None);
    loaded(&mut s, "https://auth.example/authorize?state=x", LOGIN);
    assert_eq!(s.kind(), PageKind::Login);
    let user = s.find_field("email").unwrap();
    let pass = s.find_field("password").unwrap();
    s.handle(Msg::Edit {
        item: user,
        value: "annie@example.com".into(),
    });
    s.handle(Msg::Press { item: pass });
    for k in ["p", "w", "x", "\u{8}"] {
        s.handle(Msg::Key(k.into()));
    }
    let v = s.view("en-US", true);
    assert!(
        v.keyboard,
        "a focused field shows the keyboard on touch screens"
    );
    assert!(!s.view("en-US", false).keyboard, "not on a TV");
    assert_eq!(v.items[pass].value, "••", "passwords are masked");
    assert_eq!(v.compose_value, "••");
    s.handle(Msg::Reveal);
    assert_eq!(s.view("en-US", true).items[pass].value, "pw");
    assert!(v.items[pass].password);
    let Todo::Load { request, .. } = s.handle(Msg::Key("\n".into())) else {
        panic!("enter did not submit")
    };
    let Request::Submit {
        method,
        url,
        fields,
        ..
    } = request
    else {
        panic!("not a submission")
    };
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("post", "https://auth.example/login")
    );
    assert_eq!(
        fields,
        vec![
            ("csrf".to_owned(), "c".to_owned()),
            ("username".to_owned(), "annie@example.com".to_owned()),
            ("password".to_owned(), "pw".to_owned()),
            ("action".to_owned(), "login".to_owned())
        ]
    );
    assert!(s.view("en-US", true).loading);
}

#[test]
fn an_unreachable_page_offers_retry_and_back_keeps_the_previous_page() {
    let mut s = SignIn::new(None);
    loaded(&mut s, "https://auth.example/authorize", LOGIN);
    let b = s.find_control("").unwrap();
    let Todo::Load { seq, request } = s.handle(Msg::Press { item: b }) else {
        panic!()
    };
    s.handle(Msg::Loaded {
        seq,
        result: Err("https://auth.example/login: connection refused".into()),
    });
    let v = s.view("en-US", true);
    assert_eq!(v.notice_title, "Can’t reach auth.example");
    assert_eq!(v.notice_action, "retry");
    assert!(v.items.is_empty());
    assert_eq!(
        s.handle(Msg::Retry),
        Todo::Load {
            seq: seq + 1,
            request
        },
        "retry sends the same form again"
    );
    s.handle(Msg::Loaded {
        seq: seq + 1,
        result: Err("again".into()),
    });
    assert_eq!(s.handle(Msg::Back), Todo::Nothing);
    assert_eq!(s.view("en-US", true).notice_title, "");
    assert_eq!(s.kind(), PageKind::Login, "back on the login page");
    assert_eq!(
        s.handle(Msg::Back),
        Todo::Close,
        "back from the first page closes"
    );
}

#[test]
fn stale_loads_are_ignored_and_pages_are_classified() {
    let mut s = SignIn::new(Some("http://127.0.0.1:9/api/skill/link/".into()));
    loaded(&mut s, "https://auth.example/a", LOGIN);
    let b = s.find_control("Sign in").unwrap();
    let Todo::Load { seq, .. } = s.handle(Msg::Press { item: b }) else {
        panic!()
    };
    s.handle(Msg::Loaded {
        seq: seq - 1,
        result: Ok(page("https://auth.example/x", "<h1>old</h1>")),
    });
    assert!(s.loading(), "a stale answer does not end the load");
    s.handle(Msg::Loaded {
        seq,
        result: Ok(page(
            "https://auth.example/terms",
            r#"<h1>Terms of use</h1><form method="post"><button>Accept</button></form>"#,
        )),
    });
    assert_eq!(s.kind(), PageKind::Terms);
    loaded(
        &mut s,
        "https://auth.example/consent",
        r#"<h1>Allow Alexa?</h1><form method="post"><button name="d" value="allow">Allow</button><button name="d" value="deny">Deny</button></form>"#,
    );
    assert_eq!(s.kind(), PageKind::Consent);
    assert!(s.find_control("deny").is_some());
    loaded(
        &mut s,
        "http://127.0.0.1:9/api/skill/link/M1?state=s&code=c",
        "<h1>Linked</h1>",
    );
    assert_eq!(s.kind(), PageKind::Finishing);
}

#[test]
fn checkboxes_radios_and_selects_change_on_tap() {
    let mut s = SignIn::new(None);
    loaded(
        &mut s,
        "https://auth.example/",
        r#"<form><label><input type="checkbox" name="t"> I agree</label>
        <input type="radio" name="r" value="a" checked id="a"><label for="a">A</label><input type="radio" name="r" value="b" id="b"><label for="b">B</label>
        <select name="s"><option value="1">One</option><option value="2">Two</option></select><button>Go</button></form>"#,
    );
    let cb = s.find_control("I agree").unwrap();
    let rb = s.find_control("B").unwrap();
    let sel = s
        .page
        .as_ref()
        .unwrap()
        .items
        .iter()
        .position(|i| i.kind == ItemKind::Select)
        .unwrap();
    s.handle(Msg::Press { item: cb });
    s.handle(Msg::Press { item: rb });
    s.handle(Msg::Press { item: sel });
    let v = s.view("en-US", true);
    assert!(v.items[cb].checked);
    assert!(v.items[rb].checked);
    assert!(!v.items[rb - 1].checked, "one radio of a group at a time");
    assert_eq!(v.items[sel].value, "Two");
    let Todo::Load { request, .. } = s.handle(Msg::Press {
        item: s.find_control("Go").unwrap(),
    }) else {
        panic!()
    };
    assert_eq!(request.url().as_str(), "https://auth.example/?t=on&r=b&s=2");
}

#[test]
fn a_page_that_needs_javascript_offers_the_desktop_browser() {
    let mut s = SignIn::new(None);
    loaded(
        &mut s,
        "https://spa.example/login",
        r#"<div id="root"></div><noscript>Enable JavaScript</noscript><script src="/app.js"></script>"#,
    );
    let v = s.view("en-US", true);
    assert_eq!(v.notice_action, "open-external");
    assert_eq!(
        s.handle(Msg::OpenExternal),
        Todo::OpenExternal("https://spa.example/login".into())
    );
}

#[test]
fn an_arabic_device_types_arabic_in_text_fields_and_latin_in_email_and_password() {
    const PROFILE: &str = r#"<form method="post" action="/p"><label for="n">الاسم</label><input id="n" type="text" name="full_name">
        <label for="u">Username</label><input id="u" type="text" name="username"><label for="e">Email</label><input id="e" type="email" name="email">
        <label for="p">Password</label><input id="p" type="password" name="password"><button>حفظ</button></form>"#;
    let mut s = SignIn::new(None);
    loaded(&mut s, "https://auth.example/profile", PROFILE);
    let field = |s: &SignIn, n: &str| {
        s.page
            .as_ref()
            .unwrap()
            .items
            .iter()
            .position(|i| i.name.as_deref() == Some(n))
            .unwrap()
    };
    let [name, user, email, pass] =
        ["full_name", "username", "email", "password"].map(|n| field(&s, n));
    let latin = |s: &mut SignIn, f: usize| {
        s.handle(Msg::Press { item: f });
        let v = s.view("ar-SA", true);
        assert!(
            v.keyboard && v.keyboard_switch,
            "an Arabic keyboard can switch"
        );
        v.keyboard_latin
    };
    assert!(!latin(&mut s, name), "a name is typed in Arabic");
    for f in [user, email, pass] {
        assert!(
            latin(&mut s, f),
            "usernames, emails and passwords are Latin"
        );
    }
    // The switch key: the name field to Latin, and Arabic letters typed into it stay as typed.
    s.handle(Msg::Press { item: name });
    for k in ["ل", "ي", "ل", "ى", SWITCH_SCRIPT, "L"] {
        s.handle(Msg::Key(k.into()));
    }
    let v = s.view("ar-SA", true);
    assert!(v.keyboard_latin);
    assert_eq!(v.items[name].value, "ليلىL", "the switch key types nothing");
    // The next field starts from its own default; back on the name, the choice made there.
    assert!(latin(&mut s, email));
    assert!(
        latin(&mut s, name),
        "the name field stays Latin, as switched"
    );
    // The next page forgets the choice: its field at the same place starts in Arabic.
    loaded(&mut s, "https://auth.example/profile2", PROFILE);
    assert!(
        !latin(&mut s, name),
        "a new page starts from the fields' defaults"
    );
    // Other languages have one keyboard, Latin, and no switch (ar-XB is English).
    for locale in ["en-US", "ja-JP", "ar-XB"] {
        let v = s.view(locale, true);
        assert!(v.keyboard_latin && !v.keyboard_switch, "{locale}");
    }
}
