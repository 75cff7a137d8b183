//! The phone-facing "Alexa app" pages, part two: the skill's detail and settings pages (link,
//! unlink), the Activity page with cards and voice-forward's one-time code, the app-to-app Link
//! page, and the device's pairing link. Every one answers only the household's phone
//! (`infra::session`).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use rusqlite::OptionalExtension;
use serde::Deserialize;

use super::phone::{form_of, linking_badge};
use crate::backend::infra::error::{PageError, page};
use crate::backend::infra::html::{alexa_page, t};
use crate::backend::infra::session;
use crate::backend::infra::state::Shared;

type S = State<Arc<Shared>>;

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/skill", get(skill_detail))
        .route("/skill/settings", get(skill_settings))
        .route("/skill/link", post(skill_link))
        .route("/skill/unlink", post(skill_unlink))
        .route("/cards", get(cards))
        .route("/alexa/app/link", get(app_link_page).post(app_link_decide))
        .route("/phone", get(pair))
}

#[derive(Deserialize)]
struct Pairing {
    pair: Option<String>,
    next: Option<String>,
}

/// A pairing link the device handed out: this browser becomes the household's phone, then
/// sees `next`. A used, expired or made-up link is refused like any request without a session.
async fn pair(State(s): S, headers: HeaderMap, Query(q): Query<Pairing>) -> Response {
    // A `next` a browser would read as another site (a tab or a backslash it drops) or that
    // cannot go in a header: refused before the one-time link is used, so it still works.
    if q.next.as_deref().is_some_and(session::unsafe_next) {
        return page(
            StatusCode::BAD_REQUEST,
            &t("went_wrong_title", &[]),
            "This link's next page is not a path on this server.".to_owned(),
        )
        .into_response();
    }
    if !q.pair.as_deref().is_some_and(|t| session::redeem(&s, t)) {
        return page(
            StatusCode::FORBIDDEN,
            &t("expired_link_title", &[]),
            t("expired_link_body", &[]),
        )
        .into_response();
    }
    let (_, jar) = session::grant(&s, &headers);
    (jar, Redirect::to(session::local_path(q.next.as_deref()))).into_response()
}

fn linked(s: &Shared) -> Result<bool, PageError> {
    Ok(s.store
        .conn()
        .query_row(
            "SELECT 1 FROM links WHERE skill_id = ?1 AND person_id = '' AND status = 'active'",
            [&s.config.skill.skill_id],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false))
}

async fn skill_detail(State(s): S, headers: HeaderMap) -> Result<Markup, PageError> {
    let session = session::require(&s, &headers)?;
    let skill = &s.config.skill;
    let is_linked = linked(&s)?;
    Ok(alexa_page(
        &skill.name,
        html! {
            div.card {
                h1 { bdi { (skill.name) } }
                @if let Some(vendor) = skill.vendor() {
                    p.muted { bdi { (vendor) } }
                }
                form method="post" action="/skill/link" {
                    (session.field())
                    button type="submit" { (t(if is_linked { "launch" } else { "enable" }, &[])) }
                }
                p { span.badge { (linking_badge(&s)) } }
                a.button.secondary href="/skill/settings" { (t("settings", &[])) }
            }
        },
    ))
}

async fn skill_settings(State(s): S, headers: HeaderMap) -> Result<Markup, PageError> {
    let session = session::require(&s, &headers)?;
    let skill = &s.config.skill;
    let is_linked = linked(&s)?;
    let app = s.account_linking.authorization_urls_by_platform.first();
    let name = [("skill_name", skill.name.as_str())];
    let title = t("settings_title", &name);
    Ok(alexa_page(
        &title,
        html! {
            div.card {
                h1 { (title) }
                @if is_linked {
                    p.ok { (t("account_linked", &[])) }
                    form method="post" action="/skill/unlink" { (session.field()) button.secondary type="submit" { (t("unlink", &name)) } }
                } @else {
                    p { span.badge { (linking_badge(&s)) } }
                    form method="post" action="/skill/link" { (session.field()) button type="submit" { (t("link_account", &[])) } }
                    @if let Some(p) = app {
                        form method="post" action="/skill/link" {
                            (session.field())
                            input type="hidden" name="via" value=(p.platform_type);
                            button.secondary type="submit" { (t("open_in_app", &name)) }
                        }
                    }
                }
            }
        },
    ))
}

/// Starts linking from the Alexa app (no device code): settings, skill detail or a card.
async fn skill_link(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    let f = form_of(&headers, &body)?;
    session::check(&s, &headers, &f)?;
    let platform = f.get("via").and_then(|v| {
        s.account_linking
            .authorization_urls_by_platform
            .iter()
            .find(|p| p.platform_type == v)
            .map(|p| p.platform_authorization_url.clone())
    });
    if linked(&s)? && platform.is_none() && f.get("via").is_none() {
        return Ok(Redirect::to("/skill/settings").into_response());
    }
    let authz = super::authorize::authorization_redirect(&s, None, "", platform.as_deref())?;
    super::conformance::probe_redirects(&s);
    Ok(authz.redirect())
}

async fn skill_unlink(State(s): S, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    session::check(&s, &headers, &form_of(&headers, &body)?)?;
    s.store.conn().execute(
        "DELETE FROM links WHERE skill_id = ?1",
        [&s.config.skill.skill_id],
    )?;
    Ok(Redirect::to("/skill/settings").into_response())
}

async fn cards(State(s): S, headers: HeaderMap) -> Result<Markup, PageError> {
    let session = session::require(&s, &headers)?;
    let rows: Vec<(String, Option<String>)> = {
        let c = s.store.conn();
        let mut st = c.prepare_cached(
            "SELECT kind, speech FROM cards WHERE skill_id = ?1 ORDER BY id DESC LIMIT 20",
        )?;
        st.query_map([&s.config.skill.skill_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    // Voice-forward linking's one-time code: the text message this phone received.
    let otp = super::lwa::message_on_phone(&s)?;
    let skill = &s.config.skill;
    let unlinked = !linked(&s)?;
    let skill_name = [("skill_name", skill.name.as_str())];
    Ok(alexa_page(
        &t("activity", &[]),
        html! {
            @if let Some((code, name, expires_at)) = &otp {
                @let message = t("otp_message", &[("name", name), ("skill_name", &skill.name)]);
                @let (before, after) = message.split_once("%{code}").unwrap_or((&message, ""));
                @let mins = crate::locale::digits(
                    crate::backend::infra::html::locale(),
                    &((expires_at - s.now_ms()).max(0) / 60_000 + 1).to_string(),
                );
                div.card role="status" {
                    h2 { (t("message_from_amazon", &[])) }
                    p { (before) strong.otp dir="ltr" { (code) } (after) }
                    p.muted { (t("otp_expires", &[("mins", &mins)])) }
                }
            }
            @if unlinked && rows.iter().any(|(k, _)| k == "LinkAccount") {
                div.banner role="status" { strong { (t("banner_title", &skill_name)) } " — " (t("banner_body", &skill_name)) }
            }
            @if rows.is_empty() { div.card { p.muted { (t("no_cards", &[])) } } }
            @for (kind, speech) in &rows {
                div.card {
                    @if kind == "LinkAccount" {
                        h2 { (t("link_skill_account", &skill_name)) }
                        @if let Some(sp) = speech { p.muted { (sp) } }
                        form method="post" action="/skill/link" { (session.field()) button type="submit" { (t("link_skill_account", &skill_name)) } }
                    } @else {
                        h2 { bdi { (skill.name) } }
                        @if let Some(sp) = speech { p { (sp) } }
                    }
                }
            }
        },
    ))
}

/// The Alexa app's Link page for app-to-app linking started in the skill's app: the app opened
/// it (a universal link) with an LWA authorization request; Link sends the user back to the
/// app with an Amazon authorization code.
async fn app_link_page(
    State(s): S,
    headers: HeaderMap,
    Query(q): Query<super::lwa::AuthQuery>,
) -> Result<Response, PageError> {
    let session = session::require(&s, &headers)?;
    let p = match super::lwa::authorize(&s, &q)? {
        Ok(p) => p,
        Err(redirect) => return Ok(redirect),
    };
    let (_, owner) = super::lwa::account_owner(&s);
    let skill = &s.config.skill;
    Ok(alexa_page(
        &t("link", &[]),
        html! {
            div.card {
                h1 { (t("app_link_title", &[("skill_name", &skill.name)])) }
                p { (t("asks_to", &[("app", &p.client_name)])) }
                ul { @for l in super::lwa::scope_lines(&p.scope, &skill.name) { li { (l) } } }
                p.muted { (t("alexa_account", &[("owner", &owner)])) }
                form method="post" action="/alexa/app/link" {
                    input type="hidden" name="request" value=(p.id);
                    (session.field())
                    button type="submit" name="decision" value="allow" { (t("link", &[])) }
                    button.secondary type="submit" name="decision" value="deny" { (t("cancel", &[])) }
                }
            }
        },
    )
    .into_response())
}

async fn app_link_decide(
    State(s): S,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    super::lwa::decide(&s, &headers, &body)
}
