//! Server-rendered HTML shared by the phone pages and the sample server:
//! mobile viewport, inline CSS, no scripts, nothing from another server.
//! maud escapes every interpolated value.
//!
//! The pages draw with the bundled Noto Sans (served here, the same files the device draws
//! with, Japanese and Arabic merged in): a phone without those scripts in its own fonts still
//! reads them, and a screenshot of a page is the same on any machine.

use maud::{DOCTYPE, Markup, PreEscaped, html};

const CSS: &str = r#"
@font-face{font-family:"LS Noto";src:url(/assets/fonts/noto-sans.ttf) format("truetype");font-weight:400;font-display:swap}
@font-face{font-family:"LS Noto";src:url(/assets/fonts/noto-sans-bold.ttf) format("truetype");font-weight:600 700;font-display:swap}
*{box-sizing:border-box}body{margin:0;font:16px/1.45 "LS Noto",sans-serif;background:#f2f4f7;color:#16191f;overflow-wrap:anywhere}
button,input,select,textarea{font-family:inherit}
header{background:#232f3e;color:#fff;padding:14px 18px;font-weight:600}
main{max-width:480px;margin:0 auto;padding:18px}
.card{background:#fff;border-radius:12px;padding:18px;margin:0 0 14px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.35em;margin:.2em 0 .5em}h2{font-size:1.1em}
.muted{color:#5f6b7a}.badge{display:inline-block;background:#e7f1fb;color:#0b5cab;border-radius:99px;padding:2px 10px;font-size:.85em}
.code{font:600 1.6em/1.2 "LS Noto",sans-serif;letter-spacing:.08em;font-variant-numeric:tabular-nums;unicode-bidi:isolate;direction:ltr;white-space:nowrap}
[dir=rtl] .code{text-align:right}
label{display:block;margin:.8em 0 .3em;font-weight:600}
input[type=text],input[type=password],input[type=email]{width:100%;padding:12px;border:1px solid #aab4c0;border-radius:8px;font-size:1em}
button,.button{display:block;width:100%;padding:13px;margin:.6em 0 0;border:0;border-radius:99px;background:#1f8ded;color:#fff;font-size:1em;font-weight:600;text-align:center;text-decoration:none}
button.secondary,.button.secondary{background:#e3e8ee;color:#16191f}
.error{background:#fdecea;color:#8a1c12;border-radius:8px;padding:10px 12px;margin:.6em 0}
.ok{background:#e6f4ea;color:#14532d;border-radius:8px;padding:10px 12px}
.banner{background:#fff4ce;border-radius:8px;padding:10px 12px;margin-bottom:14px}
"#;

/// A whole page with the given header text.
pub fn layout(header: &str, title: &str, body: Markup) -> Markup {
    layout_in("en", header, title, body)
}

/// A whole page in a language (`lang`, and `dir="rtl"` for a right-to-left one).
pub fn layout_in(lang: &str, header: &str, title: &str, body: Markup) -> Markup {
    let dir = if crate::locale::is_rtl(lang) {
        "rtl"
    } else {
        "ltr"
    };
    html! {
        (DOCTYPE)
        html lang=(lang) dir=(dir) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header { (header) }
                main { (body) }
            }
        }
    }
}

/// The bundled fonts the pages use, by the path the CSS names.
pub fn fonts_router<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    use axum::http::header;
    use axum::routing::get;
    fn font(bytes: &'static [u8]) -> impl axum::response::IntoResponse {
        (
            [
                (header::CONTENT_TYPE, "font/ttf"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            bytes,
        )
    }
    axum::Router::new()
        .route(
            "/assets/fonts/noto-sans.ttf",
            get(|| async { font(include_bytes!("../../../assets/fonts/NotoSans-Regular.ttf")) }),
        )
        .route(
            "/assets/fonts/noto-sans-bold.ttf",
            get(|| async { font(include_bytes!("../../../assets/fonts/NotoSans-Bold.ttf")) }),
        )
}

/// Headers every page carries: no other site may frame it (a page of ours in a stranger's
/// iframe could be pressed through an overlay), and no browser guesses another content type.
pub async fn page_headers(mut resp: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let h = resp.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

tokio::task_local! {
    /// The locale the request being answered asked for (its `Accept-Language`).
    static PAGE_LOCALE: &'static str;
}

/// Answers the request in the language its `Accept-Language` asks for: the Alexa app's pages
/// (and their error pages) read it with [`locale`] and [`t`]. A phone keeps its own language,
/// whatever the device's is.
pub async fn negotiate_locale(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let locale = crate::locale::from_accept_language(
        req.headers()
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    PAGE_LOCALE.scope(locale, next.run(req)).await
}

/// The locale of the request being answered; en-US outside one.
pub fn locale() -> &'static str {
    PAGE_LOCALE.try_with(|l| *l).unwrap_or("en-US")
}

/// The Alexa app's string `key` (locales' `app:` section) in the request's language.
pub fn t(key: &str, args: &[(&str, &str)]) -> String {
    crate::locale::tr_page(&format!("app.{key}"), locale(), args)
}

/// An "Alexa app" page, in the request's language.
pub fn alexa_page(title: &str, body: Markup) -> Markup {
    layout_in(locale(), "Alexa", title, body)
}

/// An error page in the Alexa app style.
pub fn error_page(title: &str, message: &str) -> Markup {
    alexa_page(
        title,
        html! { div.card { h1 { (title) } p.error { (message) } } },
    )
}
