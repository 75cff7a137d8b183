//! Error responses: OAuth JSON errors (RFC 6749 §5.2) for API endpoints and
//! HTML error pages for the phone pages. Internal detail is logged, never sent.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::html;
use super::store::StoreError;
use crate::protocol::oauth::ErrorResponse;

/// An OAuth error answered as JSON with `Cache-Control: no-store`.
#[derive(Debug)]
pub struct OAuthError {
    pub status: StatusCode,
    pub body: ErrorResponse,
}

/// `400 {"error": code}` with an optional description.
pub fn oauth(code: &str, description: impl Into<Option<String>>) -> OAuthError {
    let status = match code {
        "invalid_client" => StatusCode::UNAUTHORIZED,
        "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
        "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    OAuthError {
        status,
        body: ErrorResponse::new(code, description.into()),
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            axum::Json(self.body),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"token\""),
            );
        }
        r
    }
}

pub use crate::protocol::oauth::STORAGE_ERROR;

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        tracing::error!("{e}");
        oauth(
            "server_error",
            Some(format!(
                "{STORAGE_ERROR}: linkscreen's database could not be read or written (its log says why)"
            )),
        )
    }
}

impl From<super::vault::VaultError> for OAuthError {
    fn from(e: super::vault::VaultError) -> Self {
        StoreError::from(e).into()
    }
}

impl From<rusqlite::Error> for OAuthError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::from(e).into()
    }
}

/// An HTML error page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
}

/// A page error with a status, a title and one sentence for the user.
pub fn page(status: StatusCode, title: &str, message: impl Into<String>) -> PageError {
    PageError {
        status,
        title: title.into(),
        message: message.into(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        (self.status, html::error_page(&self.title, &self.message)).into_response()
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        tracing::error!("{e}");
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &html::t("went_wrong_title", &[]),
            html::t("went_wrong_body", &[]),
        )
    }
}

impl From<super::vault::VaultError> for PageError {
    fn from(e: super::vault::VaultError) -> Self {
        StoreError::from(e).into()
    }
}

impl From<rusqlite::Error> for PageError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::from(e).into()
    }
}

/// A panic in a handler becomes a 500; the server keeps serving.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

/// A response that must not be cached (RFC 6749 §5.1: token responses carry secrets).
pub fn no_store<T: IntoResponse>(body: T) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    r
}

/// An OAuth endpoint's form body; a malformed one is `invalid_request`.
pub fn oauth_form(
    headers: &axum::http::HeaderMap,
    body: &axum::body::Bytes,
) -> Result<super::form::Form, OAuthError> {
    super::form::Form::parse(headers, body)
        .map_err(|e| oauth("invalid_request", Some(e.to_string())))
}
