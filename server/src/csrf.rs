//! Cross-site request forgery: a request that changes something through the web app (a form
//! post, a server function) must come from one of this server's own pages.
//!
//! The session cookie is `SameSite=Lax`, which keeps it off cross-site posts in current
//! browsers, but not off requests from a sibling subdomain ("same site") or from browsers that
//! ignore the attribute. So the browser's own word is checked as well: `Origin`, which every
//! browser sends with a post, and `Sec-Fetch-Site`. Neither can be set by a page's script.
//! The JSON API under `/api/v1` is not a browser's: it authenticates with keys and bearer
//! tokens, which a forged request cannot carry, and is not behind this check.

use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::forwarded_https;
use crate::state::AppState;

/// Server functions declared with `input = …::codec::Json`. A form cannot send JSON, and a
/// script on another site can send it only after a CORS preflight this server never grants, so
/// these refuse any other content type (behind the origin check, in case it is ever wrong).
/// Leptos does not say which encoding a server function takes; the test at the bottom reads
/// `app/src` and fails when this list and the declarations disagree.
const JSON_FUNCTIONS: &[&str] = &[
    "acting_log",
    "audit_log",
    "bulk_progress",
    "end_matching",
    "ended_sessions",
    "filter_options",
    "login_history",
    "preview_matching",
    "sessions_page",
    "terminate_sessions",
];

/// Where Leptos serves server functions: `#[server(endpoint = "x")]` is `/api/x`.
const SERVER_FUNCTION_PREFIX: &str = "/api/";

/// Refuses state-changing requests that did not come from this server's pages (403), and
/// JSON server functions called with another content type (415). Outside the cookie
/// middleware, so a refused request never reaches the database.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if !changes_state(request.method()) || is_json_api(path) {
        return next.run(request).await;
    }
    if let Err(reason) = check_origin(request.headers(), || own_origin(&state, &request)) {
        return (StatusCode::FORBIDDEN, reason).into_response();
    }
    if takes_json(path) && !is_json(request.headers()) {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "This function takes application/json.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Everything but reading: browsers send `Origin` with all of these.
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_json_api(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/")
}

fn takes_json(path: &str) -> bool {
    path.strip_prefix(SERVER_FUNCTION_PREFIX)
        .is_some_and(|endpoint| JSON_FUNCTIONS.contains(&endpoint))
}

/// `Content-Type: application/json`, with or without parameters.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
}

/// `Ok` when the browser says the request comes from one of our pages: its `Origin` is ours,
/// or, without `Origin`, `Sec-Fetch-Site` says `same-origin`. A `Sec-Fetch-Site` that says
/// anything else refuses the request whatever `Origin` says. Neither header: refused, as no
/// browser posts without `Origin`. `own_origin` is asked only when `Origin` is compared.
fn check_origin(
    headers: &HeaderMap,
    own_origin: impl FnOnce() -> Option<String>,
) -> Result<(), &'static str> {
    const CROSS_SITE: &str = "Cross-site request refused.";
    let fetch_site = headers.get("sec-fetch-site");
    if fetch_site.is_some_and(|site| site != "same-origin") {
        return Err(CROSS_SITE);
    }
    match headers.get(ORIGIN) {
        Some(origin) => {
            let origin = origin.to_str().map_err(|_| CROSS_SITE)?;
            match own_origin() {
                Some(own) if origin.eq_ignore_ascii_case(&own) => Ok(()),
                _ => Err(CROSS_SITE),
            }
        }
        None if fetch_site.is_some() => Ok(()),
        None => Err("Request refused: it does not say where it comes from (no Origin)."),
    }
}

/// This server's origin as browsers write it in `Origin`: the configured public URL's, or else
/// the scheme the request came over (https only when a trusted proxy says so) and its host.
fn own_origin(state: &AppState, request: &Request) -> Option<String> {
    if let Some(public) = &state.public_origin {
        return Some(public.clone());
    }
    // HTTP/2 names the host in the request line, not in `Host`.
    let host = match request.headers().get(HOST) {
        Some(host) => host.to_str().ok()?,
        None => request.uri().authority()?.as_str(),
    };
    let https = forwarded_https(
        &state.trusted_proxies,
        request.headers(),
        request.extensions(),
    );
    Some(origin(if https { "https" } else { "http" }, host))
}

/// `scheme://host[:port]` as a browser serialises it: lower case, without the default port.
fn origin(scheme: &str, authority: &str) -> String {
    let authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    format!("{scheme}://{authority}")
}

/// Checks `--public-url` and keeps only its origin, the form `Origin` is compared in:
/// `https://Sessions.Example.com:443/` becomes `https://sessions.example.com`. Sessionboard
/// serves from the root of its host, so a path is refused rather than ignored.
pub fn parse_public_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{url:?} is not a URL: use e.g. https://sessions.example.com"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(format!(
            "{url:?}: the public URL must be https:// (or http://)"
        ));
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let bad = |c: char| matches!(c, '/' | '?' | '#' | '@') || c.is_whitespace();
    if authority.is_empty() || authority.contains(bad) {
        return Err(format!(
            "{url:?}: give only the scheme and host, e.g. https://sessions.example.com \
             (Sessionboard serves from the root of its host)"
        ));
    }
    Ok(origin(&scheme, authority))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for &(name, value) in pairs {
            headers.insert(name, HeaderValue::from_static(value));
        }
        headers
    }

    fn ours() -> Option<String> {
        Some("https://sessions.example.com".to_owned())
    }

    #[test]
    fn only_our_own_origin_is_accepted() {
        let check = |pairs: &[(&'static str, &'static str)]| check_origin(&headers(pairs), ours);
        assert!(check(&[("origin", "https://sessions.example.com")]).is_ok());
        assert!(check(&[("origin", "https://Sessions.Example.com")]).is_ok());
        for foreign in [
            "https://evil.example",
            "http://sessions.example.com",
            "https://sessions.example.com:8443",
            "https://sessions.example.com.evil.example",
            "null",
        ] {
            assert!(check(&[("origin", foreign)]).is_err(), "{foreign}");
        }
    }

    #[test]
    fn without_origin_only_a_same_origin_fetch_is_accepted() {
        let check = |pairs: &[(&'static str, &'static str)]| check_origin(&headers(pairs), ours);
        assert!(check(&[("sec-fetch-site", "same-origin")]).is_ok());
        assert!(check(&[]).is_err());
        for site in ["cross-site", "same-site", "none"] {
            assert!(check(&[("sec-fetch-site", site)]).is_err(), "{site}");
        }
    }

    #[test]
    fn a_cross_site_fetch_is_refused_even_with_our_origin() {
        let pairs = [
            ("origin", "https://sessions.example.com"),
            ("sec-fetch-site", "same-site"),
        ];
        assert!(check_origin(&headers(&pairs), ours).is_err());
    }

    #[test]
    fn without_a_known_origin_of_our_own_nothing_matches() {
        let pairs = [("origin", "http://localhost")];
        assert!(check_origin(&headers(&pairs), || None).is_err());
    }

    #[test]
    fn origins_are_written_as_browsers_write_them() {
        assert_eq!(origin("http", "Example.com:80"), "http://example.com");
        assert_eq!(origin("https", "example.com:443"), "https://example.com");
        assert_eq!(origin("http", "127.0.0.1:3000"), "http://127.0.0.1:3000");
        assert_eq!(origin("https", "example.com:80"), "https://example.com:80");
    }

    #[test]
    fn the_public_url_is_kept_as_its_origin() {
        for (url, expected) in [
            (
                "https://sessions.example.com",
                "https://sessions.example.com",
            ),
            (
                "https://Sessions.Example.com:443/",
                "https://sessions.example.com",
            ),
            ("HTTP://localhost:3000", "http://localhost:3000"),
        ] {
            assert_eq!(parse_public_url(url).as_deref(), Ok(expected), "{url}");
        }
        for url in [
            "sessions.example.com",
            "ftp://sessions.example.com",
            "https://",
            "https://sessions.example.com/board",
            "https://user@sessions.example.com",
            "https://sessions.example.com?x=1",
        ] {
            assert!(parse_public_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn json_is_recognised_with_parameters_and_in_any_case() {
        assert!(is_json(&headers(&[("content-type", "application/json")])));
        assert!(is_json(&headers(&[(
            "content-type",
            "Application/JSON; charset=utf-8"
        )])));
        for other in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/jsonx",
        ] {
            assert!(!is_json(&headers(&[("content-type", other)])), "{other}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn only_the_json_api_and_reads_are_exempt() {
        assert!(is_json_api("/api/v1/sessions"));
        assert!(is_json_api("/api/v1"));
        assert!(!is_json_api("/api/v1x"));
        assert!(!is_json_api("/api/sign_in"));
        assert!(!changes_state(&Method::GET));
        assert!(changes_state(&Method::POST));
        assert!(changes_state(&Method::DELETE));
    }

    /// The endpoints of `#[server(...)]` declarations in one file, with whether each takes
    /// JSON.
    fn server_functions(source: &str) -> Vec<(String, bool)> {
        source
            .split("#[server(")
            .skip(1)
            .map(|rest| {
                let arguments = &rest[..rest.find(")]").expect("a closed #[server(...)]")];
                let value = |key: &str| {
                    arguments.split(',').find_map(|pair| {
                        let (name, value) = pair.split_once('=')?;
                        (name.trim() == key).then(|| value.trim().trim_matches('"').to_owned())
                    })
                };
                let endpoint = value("endpoint").unwrap_or_else(|| {
                    panic!("#[server({arguments})] has no endpoint: name one, the CSRF check does")
                });
                let json = value("input").is_some_and(|input| input.ends_with("Json"));
                (endpoint, json)
            })
            .collect()
    }

    fn rust_files(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    #[test]
    fn the_json_list_names_exactly_the_server_functions_that_take_json() {
        let mut sources = Vec::new();
        rust_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src"),
            &mut sources,
        );
        let functions: Vec<_> = sources.iter().flat_map(|s| server_functions(s)).collect();
        assert!(
            functions.iter().any(|(endpoint, _)| endpoint == "sign_in"),
            "the scan found the app's server functions"
        );
        let json: BTreeSet<&str> = functions
            .iter()
            .filter(|(_, json)| *json)
            .map(|(endpoint, _)| endpoint.as_str())
            .collect();
        assert_eq!(
            json,
            JSON_FUNCTIONS.iter().copied().collect::<BTreeSet<_>>()
        );
    }

    #[test]
    fn the_declaration_scan_reads_endpoints_and_encodings() {
        let source = r#"
            #[server(endpoint = "plain")]
            #[server(endpoint = "typed", input = leptos::server_fn::codec::Json)]
        "#;
        assert_eq!(
            server_functions(source),
            [("plain".to_owned(), false), ("typed".to_owned(), true)]
        );
    }
}
