//! How URLs are shown: the host an address bar or a verdict names, and the form logs and
//! errors use (no query or fragment: that is where `state`, codes and tokens travel). Used by
//! every layer; no IO.

/// `host[:port]` of a URL, as an address bar shows it.
pub fn host_and_port(u: &url::Url) -> String {
    let host = u.host_str().unwrap_or("");
    match u.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// A URL for errors, events and logs: its query replaced by `redacted`, no fragment.
pub fn without_query(u: &url::Url) -> String {
    let mut u = u.clone();
    if u.query().is_some() {
        u.set_query(Some("redacted"));
    }
    u.set_fragment(None);
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_redaction() {
        let u =
            url::Url::parse("http://127.0.0.1:8686/api/skill/link/M2?state=s&code=c#x").unwrap();
        assert_eq!(host_and_port(&u), "127.0.0.1:8686");
        assert_eq!(
            without_query(&u),
            "http://127.0.0.1:8686/api/skill/link/M2?redacted"
        );
        let p = url::Url::parse("https://pitangui.amazon.com/api/skill/link/M2").unwrap();
        assert_eq!(host_and_port(&p), "pitangui.amazon.com");
        assert_eq!(
            without_query(&p),
            "https://pitangui.amazon.com/api/skill/link/M2"
        );
    }
}
