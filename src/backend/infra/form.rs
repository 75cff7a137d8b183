//! `application/x-www-form-urlencoded` bodies parsed the way RFC 6749 wants:
//! right content type, valid encoding, no repeated parameters; and the cookies a browser sends
//! back with a form.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, header};

/// The value of cookie `name` in a request's `Cookie` headers (axum-extra's cookie jar parses
/// them).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    axum_extra::extract::cookie::CookieJar::from_headers(headers)
        .get(name)
        .map(|c| c.value().to_owned())
}

/// A parsed form: each parameter at most once.
#[derive(Debug, Default)]
pub struct Form(pub HashMap<String, String>);

/// Why a form body was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormError {
    #[error("Content-Type must be application/x-www-form-urlencoded")]
    ContentType,
    #[error("parameter {0} is repeated")]
    Repeated(String),
    #[error("body is not valid UTF-8")]
    Encoding,
}

impl Form {
    /// Parses a form body, checking the content type.
    pub fn parse(headers: &HeaderMap, body: &Bytes) -> Result<Form, FormError> {
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = ct.split(';').next().unwrap_or("").trim();
        if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(FormError::ContentType);
        }
        std::str::from_utf8(body).map_err(|_| FormError::Encoding)?;
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            if map.insert(k.to_string(), v.to_string()).is_some() {
                return Err(FormError::Repeated(k.to_string()));
            }
        }
        Ok(Form(map))
    }

    /// A parameter, treating an empty value as absent (RFC 6749 §3.1).
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str).filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, ct.parse().unwrap());
        h
    }

    #[test]
    fn parses_and_refuses_repeats_and_wrong_type() {
        let f = Form::parse(
            &headers("application/x-www-form-urlencoded; charset=UTF-8"),
            &Bytes::from("a=1&b=x+y&c="),
        )
        .unwrap();
        assert_eq!(f.get("b"), Some("x y"));
        assert_eq!(f.get("c"), None);
        assert_eq!(
            Form::parse(
                &headers("application/x-www-form-urlencoded"),
                &Bytes::from("a=1&a=2")
            )
            .unwrap_err(),
            FormError::Repeated("a".into())
        );
        assert_eq!(
            Form::parse(&headers("application/json"), &Bytes::from("{}")).unwrap_err(),
            FormError::ContentType
        );
    }
}
