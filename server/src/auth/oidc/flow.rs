//! `GET /auth/oidc/start` and `GET /auth/oidc/callback`.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use openidconnect::core::{CoreGenderClaim, CoreResponseType};
use openidconnect::{
    AccessTokenHash, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, CsrfToken,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RequestTokenError, Scope,
    TokenResponse, UserInfoClaims,
};
use serde::Deserialize;

use super::accounts::{self, AccountError, Identity};
use super::logins::{self, Pending};
use super::{error_chain, ExtraClaims, Oidc};
use crate::auth::middleware::{cookie_value, session_token};
use crate::auth::rate_limit::{too_many, ClientIp};
use crate::auth::sessions;
use crate::state::AppState;

/// Binds a started sign-in to the browser that started it: the callback must
/// come with the same state in this cookie (no login CSRF).
const LOGIN_COOKIE: &str = "sb_oidc_login";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/oidc/start", get(start))
        .route("/auth/oidc/callback", get(callback))
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(query): Query<StartQuery>,
) -> Response {
    if let Err(wait) = state.auth.limiter.check(ip) {
        return too_many(wait);
    }
    let Some(oidc) = state.auth.oidc.clone() else {
        return Failure::NotConfigured.into_response();
    };
    let client = match oidc.client().await {
        Ok(c) => c,
        Err(e) => return Failure::Provider(format!("discovery: {e}")).into_response(),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf_state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scopes(oidc.settings.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        .url();
    let pending = Pending {
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        return_to: safe_return(query.next.as_deref()),
        expires_at: logins::expiry_from_now(),
    };
    if let Err(e) = logins::store(&state.db, csrf_state.secret(), &pending).await {
        return Failure::Internal(format!("cannot store the sign-in: {e}")).into_response();
    }
    let mut headers = HeaderMap::new();
    let cookie = format!(
        "{LOGIN_COOKIE}={}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age={}{}",
        csrf_state.secret(),
        logins::TTL.whole_seconds(),
        secure(&state)
    );
    append(&mut headers, SET_COOKIE, &cookie);
    append(&mut headers, LOCATION, url.as_str());
    (StatusCode::SEE_OTHER, headers).into_response()
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// RFC 9207: the issuer of the answer, when the provider says it.
    iss: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    if let Err(wait) = state.auth.limiter.check(ip) {
        return too_many(wait);
    }
    let Some(oidc) = state.auth.oidc.clone() else {
        return Failure::NotConfigured.into_response();
    };
    // A forged answer must not cancel the sign-in this browser has under way.
    let own_attempt = query.state.is_some()
        && cookie_value(&headers, LOGIN_COOKIE).as_deref() == query.state.as_deref();
    let (user, return_to) = match finish(&state, &oidc, &headers, query).await {
        Ok(done) => done,
        Err(failure) => {
            let mut response = failure.into_response();
            if !own_attempt {
                return response;
            }
            let clear = format!(
                "{LOGIN_COOKIE}=; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0{}",
                secure(&state)
            );
            append(response.headers_mut(), SET_COOKIE, &clear);
            return response;
        }
    };
    // A session the browser may already hold ends: one browser, one session.
    if let Some(old) = session_token(&headers) {
        if let Err(e) = sessions::end(&state.db, &old).await {
            tracing::warn!(error = %e, "cannot end the previous session");
        }
    }
    let token = match sessions::create(&state.db, &user, state.auth.session_ttl).await {
        Ok(token) => token,
        Err(e) => return Failure::Internal(format!("cannot start a session: {e}")).into_response(),
    };
    tracing::info!(user = %user, "signed in (OpenID Connect)");
    let mut out = HeaderMap::new();
    append(
        &mut out,
        SET_COOKIE,
        &sessions::cookie(&token, state.auth.session_ttl, state.auth.secure_cookies),
    );
    append(
        &mut out,
        SET_COOKIE,
        &format!(
            "{LOGIN_COOKIE}=; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0{}",
            secure(&state)
        ),
    );
    append(&mut out, LOCATION, &return_to);
    (StatusCode::SEE_OTHER, out).into_response()
}

/// Checks the answer of the provider and signs the user in; returns the
/// user id and the page to return to.
async fn finish(
    state: &AppState,
    oidc: &Arc<Oidc>,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> Result<(String, String), Failure> {
    let csrf_state = query
        .state
        .filter(|s| !s.is_empty())
        .ok_or(Failure::Refused("the answer has no state"))?;
    // The state must be the one this browser started with…
    if cookie_value(headers, LOGIN_COOKIE).as_deref() != Some(csrf_state.as_str()) {
        return Err(Failure::Refused(
            "the answer does not belong to a sign-in started in this browser",
        ));
    }
    // …and a stored, unexpired, unused one.
    let pending = logins::take(&state.db, &csrf_state)
        .await
        .map_err(|e| Failure::Internal(format!("cannot read the sign-in: {e}")))?
        .ok_or(Failure::Refused("the sign-in expired or was already used"))?;
    if let Some(error) = query.error {
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        tracing::warn!(error = %error, "the provider did not sign the user in");
        return Err(Failure::Denied(error));
    }
    if let Some(iss) = &query.iss {
        if iss.trim_end_matches('/') != oidc.settings.issuer.as_str().trim_end_matches('/') {
            return Err(Failure::Refused("the answer comes from another issuer"));
        }
    }
    let code = query
        .code
        .filter(|c| !c.is_empty())
        .ok_or(Failure::Refused("the answer has no authorization code"))?;

    let client = oidc
        .client()
        .await
        .map_err(|e| Failure::Provider(format!("discovery: {e}")))?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| Failure::Internal(format!("token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
        .request_async(&oidc.http)
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(answer) => {
                tracing::warn!(error = %answer.error(), "the provider refused the authorization code");
                Failure::Refused("the provider did not accept the authorization code")
            }
            other => Failure::Provider(format!("token endpoint: {}", error_chain(&other))),
        })?;

    let id_token = tokens
        .id_token()
        .ok_or_else(|| Failure::Provider("the token answer has no ID token".into()))?;
    let verifier = client.id_token_verifier();
    let claims = match id_token.claims(&verifier, &Nonce::new(pending.nonce)) {
        Ok(claims) => claims,
        Err(e) => {
            if matches!(e, ClaimsVerificationError::SignatureVerification(_)) {
                // The provider may have rotated its keys: read them again next time.
                oidc.forget_keys().await;
            }
            tracing::warn!(error = %e, "ID token refused");
            return Err(Failure::Refused("the ID token did not verify"));
        }
    };
    if let Some(expected) = claims.access_token_hash() {
        let actual = id_token
            .signing_alg()
            .map_err(|e| e.to_string())
            .and_then(|alg| {
                let key = id_token.signing_key(&verifier).map_err(|e| e.to_string())?;
                AccessTokenHash::from_token(tokens.access_token(), alg, key)
                    .map_err(|e| e.to_string())
            });
        if actual.as_ref() != Ok(expected) {
            tracing::warn!("ID token refused: its access-token hash does not match");
            return Err(Failure::Refused("the ID token did not verify"));
        }
    }

    let mapping = &oidc.settings.mapping;
    let extra = &claims.additional_claims().claims;
    let mut identity = Identity {
        issuer: oidc.settings.issuer.as_str().to_string(),
        subject: claims.subject().as_str().to_string(),
        preferred_username: claims.preferred_username().map(|u| u.as_str().to_string()),
        email: claims.email().map(|e| e.as_str().to_string()),
        email_verified: claims.email_verified(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
        groups: mapping.groups(extra),
    };
    // Providers put profile and group claims in the ID token, the userinfo
    // answer, or both; the userinfo answer must be about the same subject.
    if client.user_info_url().is_some() {
        let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = client
            .user_info(
                tokens.access_token().clone(),
                Some(claims.subject().clone()),
            )
            .map_err(|e| Failure::Internal(format!("userinfo: {e}")))?
            .request_async(&oidc.http)
            .await
            .map_err(|e| Failure::Provider(format!("userinfo: {}", error_chain(&e))))?;
        if identity.preferred_username.is_none() {
            identity.preferred_username = info.preferred_username().map(|u| u.as_str().to_string());
        }
        if identity.email.is_none() {
            identity.email = info.email().map(|e| e.as_str().to_string());
            identity.email_verified = info.email_verified();
        }
        if identity.name.is_none() {
            identity.name = info
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_string());
        }
        if info.additional_claims().claims.contains_key(&mapping.claim) {
            identity.groups = mapping.groups(&info.additional_claims().claims);
        }
    }

    let user = accounts::sign_in(&state.db, &identity, mapping, &state.auth.admins)
        .await
        .map_err(|e| match e {
            AccountError::Taken(id) => {
                tracing::warn!(user = %id, "sign-in refused: the user id belongs to another identity");
                Failure::Taken
            }
            AccountError::NoUsableId => Failure::Refused("the provider gave no usable user name"),
            AccountError::Db(e) => Failure::Internal(format!("cannot record the user: {e}")),
        })?;
    Ok((user, pending.return_to))
}

/// Where to go after signing in: a path of this site only (no open redirect).
pub fn safe_return(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/auth/")
                && path.len() <= 2000
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

fn secure(state: &AppState) -> &'static str {
    if state.auth.secure_cookies {
        "; Secure"
    } else {
        ""
    }
}

fn append(headers: &mut HeaderMap, name: axum::http::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.append(name, v);
    }
}

/// Why a sign-in did not happen. The page says what the user can do; the
/// details of provider and server trouble go to the log.
enum Failure {
    NotConfigured,
    Refused(&'static str),
    Denied(String),
    Taken,
    Provider(String),
    Internal(String),
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Failure::NotConfigured => (
                StatusCode::NOT_FOUND,
                "OpenID Connect sign-in is not configured.".to_string(),
            ),
            Failure::Refused(why) => {
                tracing::warn!(reason = why, "OpenID Connect sign-in refused");
                (StatusCode::BAD_REQUEST, format!("Sign-in refused: {why}."))
            }
            Failure::Denied(error) => (
                StatusCode::FORBIDDEN,
                format!("The sign-in provider did not sign you in ({error})."),
            ),
            Failure::Taken => (
                StatusCode::FORBIDDEN,
                "Sign-in refused: your user name already belongs to another account. \
                 Ask a platform admin."
                    .to_string(),
            ),
            Failure::Provider(cause) => {
                tracing::error!(cause = %cause, "OpenID Connect provider trouble");
                (
                    StatusCode::BAD_GATEWAY,
                    "The sign-in provider cannot be reached or answered wrongly; try again later."
                        .to_string(),
                )
            }
            Failure::Internal(cause) => {
                tracing::error!(cause = %cause, "OpenID Connect sign-in failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sign-in failed on our side; try again later.".to_string(),
                )
            }
        };
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Sign-in failed</title></head><body><main>\
             <h1>Sign-in failed</h1><p data-testid=\"sign-in-error\">{}</p>\
             <p><a href=\"/signin\">Sign in again</a></p></main></body></html>",
            html_escape(&message)
        );
        (status, Html(page)).into_response()
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::safe_return;

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        assert_eq!(
            safe_return(Some("/events/orders?tab=schema")),
            "/events/orders?tab=schema"
        );
        assert_eq!(safe_return(None), "/");
        for bad in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil.example",
            "evil",
            "/auth/oidc/start",
            "/a\r\nSet-Cookie: x=1",
            "javascript:alert(1)",
            "/caf\u{e9}",
        ] {
            assert_eq!(safe_return(Some(bad)), "/", "{bad:?}");
        }
    }
}
