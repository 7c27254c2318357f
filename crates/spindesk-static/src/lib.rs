//! The `static-site` surface: the catch-all route. It serves the files in `static/` (compiled
//! into the component, so a deploy is one artifact and needs no file mounts) and answers every
//! path nothing else claims — including unknown `/api/...` paths — with a JSON 404.
//!
//! A crate of its own rather than a surface of `spindesk-core`: the pages change far more often
//! than the domain, and an edit to one of them should rebuild this crate and the `static-site`
//! component only.

use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS,
};
use http::{Method, StatusCode};
use sha2::{Digest, Sha256};

use spindesk_core::ports::Env;
use spindesk_core::surface::{Handler, Request, Response, Surface, Uses};
use spindesk_core::web::{ApiError, Family};

pub const SURFACE: Surface = Surface {
    component: "static-site",
    handle: Handler::Respond(handle),
    uses: Uses {
        sqlite: false,
        key_value: false,
        variables: &[],
        outbound: false,
        actions: false,
        files: false,
        help_center: false,
        live: false,
    },
    streamed: &[],
};

struct Asset {
    path: &'static str,
    body: &'static [u8],
    content_type: &'static str,
    cache_control: &'static str,
    /// Loaded by other sites (the widget and what the demo page shares with it); the agent
    /// workspace's and the admin console's files are for this origin only.
    cross_origin: bool,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JSON: &str = "application/json";
/// HTML must revalidate so a deploy shows at once; the ETag keeps that to a 304.
const REVALIDATE: &str = "no-cache";

/// A file of a staff app (the agent workspace, the admin console), `static/<app>/<file>` at
/// `/<app>/<file>`, for this origin only. Their ES modules import each other by fixed URLs (no
/// build step, no fingerprints), so scripts and styles revalidate like the page (an ETag makes
/// that a 304): a deploy never pairs a new page with old modules.
macro_rules! app_file {
    ($app:literal, $file:literal, $content_type:expr) => {
        Asset {
            path: concat!("/", $app, "/", $file),
            body: include_bytes!(concat!("../../../static/", $app, "/", $file)),
            content_type: $content_type,
            cache_control: REVALIDATE,
            cross_origin: false,
        }
    };
}

/// Spindesk's OpenAPI documents (`docs/openapi/`, one per component), at
/// `/api/openapi/<component>.json`; `/api/openapi.json` is their index. Served here, as files,
/// because this component has room in its size budget and needs no JSON code to serve them.
macro_rules! api_doc {
    ($name:literal) => {
        Asset {
            path: concat!("/api/openapi/", $name, ".json"),
            body: include_bytes!(concat!("../../../docs/openapi/", $name, ".json")),
            content_type: JSON,
            cache_control: REVALIDATE,
            cross_origin: false,
        }
    };
}

/// Everything under `static/`, and the API documents. Adding a page is one entry here.
const ASSETS: &[Asset] = &[
    Asset {
        path: "/index.html",
        body: include_bytes!("../../../static/index.html"),
        content_type: HTML,
        cache_control: REVALIDATE,
        cross_origin: true,
    },
    Asset {
        path: "/widget.js",
        body: include_bytes!("../../../static/widget.js"),
        content_type: "text/javascript; charset=utf-8",
        // Embedded on other sites with a fixed URL, so it cannot be fingerprinted: a short
        // max-age bounds how long a fix takes to reach visitors.
        cache_control: "public, max-age=300",
        cross_origin: true,
    },
    // Loaded by widget.js only on pages a proactive rule is for, and the queue stub a page
    // may load before widget.js (docs/widget-api.md); same caching as widget.js.
    Asset {
        path: "/widget-proactive.js",
        body: include_bytes!("../../../static/widget-proactive.js"),
        content_type: "text/javascript; charset=utf-8",
        cache_control: "public, max-age=300",
        cross_origin: true,
    },
    Asset {
        path: "/widget-stub.js",
        body: include_bytes!("../../../static/widget-stub.js"),
        content_type: "text/javascript; charset=utf-8",
        cache_control: "public, max-age=300",
        cross_origin: true,
    },
    Asset {
        path: "/demo.css",
        body: include_bytes!("../../../static/demo.css"),
        content_type: "text/css; charset=utf-8",
        cache_control: REVALIDATE,
        cross_origin: true,
    },
    Asset {
        path: "/favicon.svg",
        body: include_bytes!("../../../static/favicon.svg"),
        content_type: "image/svg+xml",
        cache_control: "public, max-age=86400",
        cross_origin: true,
    },
    // The agent workspace: `agent.js` is the entry module and imports the rest.
    app_file!("agent", "index.html", HTML),
    app_file!("agent", "agent.css", CSS),
    app_file!("agent", "agent.js", JS),
    app_file!("agent", "strings.js", JS),
    app_file!("agent", "ui.js", JS),
    app_file!("agent", "api.js", JS),
    app_file!("agent", "state.js", JS),
    app_file!("agent", "inbox.js", JS),
    app_file!("agent", "ticket.js", JS),
    app_file!("agent", "fields.js", JS),
    app_file!("agent", "composer.js", JS),
    app_file!("agent", "window.js", JS),
    app_file!("agent", "assign.js", JS),
    app_file!("agent", "macros.js", JS),
    app_file!("agent", "presence.js", JS),
    app_file!("agent", "notify.js", JS),
    app_file!("agent", "keys.js", JS),
    app_file!("agent", "live.js", JS),
    app_file!("agent", "files.js", JS),
    app_file!("agent", "errors.js", JS),
    // What a failed request means, in the page's language: the steps both staff apps share
    // (`static/shared/`), each with its own codes and words.
    app_file!("shared", "errors.js", JS),
    // The admin console: `app.js` is the entry module.
    app_file!("admin", "index.html", HTML),
    app_file!("admin", "admin.css", CSS),
    // The article preview's stylesheet, loaded by a sandboxed frame whose origin is opaque
    // (`<iframe sandbox srcdoc>`): to that frame even this origin is another origin.
    Asset {
        path: "/admin/preview.css",
        body: include_bytes!("../../../static/admin/preview.css"),
        content_type: CSS,
        cache_control: REVALIDATE,
        cross_origin: true,
    },
    app_file!("admin", "app.js", JS),
    app_file!("admin", "strings.js", JS),
    app_file!("admin", "ui.js", JS),
    app_file!("admin", "api.js", JS),
    app_file!("admin", "errors.js", JS),
    app_file!("admin", "agents.js", JS),
    app_file!("admin", "groups.js", JS),
    app_file!("admin", "channels.js", JS),
    app_file!("admin", "templates.js", JS),
    app_file!("admin", "help-center.js", JS),
    app_file!("admin", "search-index.js", JS),
    app_file!("admin", "preview.js", JS),
    app_file!("admin", "bot.js", JS),
    app_file!("admin", "reports.js", JS),
    app_file!("admin", "webhooks.js", JS),
    app_file!("admin", "signing-keys.js", JS),
    Asset {
        path: "/api/openapi.json",
        body: include_bytes!("../../../docs/openapi/index.json"),
        content_type: JSON,
        cache_control: REVALIDATE,
        cross_origin: false,
    },
    api_doc!("widget"),
    api_doc!("tickets"),
    api_doc!("search"),
    api_doc!("help-center"),
    api_doc!("bot"),
    api_doc!("admin"),
    api_doc!("reports"),
    api_doc!("live"),
    api_doc!("files"),
    api_doc!("channels"),
    api_doc!("conversations"),
    api_doc!("static-site"),
    app_file!("admin", "widget.js", JS),
];

/// Our own pages load only their own files: no inline script or style at all (the widget
/// styles itself with a constructed stylesheet, which `style-src` does not govern), and data
/// comes from this origin. `blob:` images are the widget's and the workspace's previews of
/// files picked for upload (the browser's own rendering of the local file).
const HTML_CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

const ALLOWED: &str = "GET, HEAD";

fn handle(_env: &Env, req: Request) -> Response {
    let path = req.uri().path();
    let lookup = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    };
    let head = req.method() == Method::HEAD;
    let Some(asset) = ASSETS.iter().find(|a| a.path == lookup) else {
        if head || req.method() == Method::GET {
            if let Some(redirect) = directory_redirect(&req) {
                return redirect;
            }
        }
        return ApiError::no_route(req.method(), clip(path, 200)).into_response(Family::Spindesk);
    };
    if !head && req.method() != Method::GET {
        return ApiError::method_not_allowed(req.method(), ALLOWED).into_response(Family::Spindesk);
    }

    let etag = etag_of(asset.body);
    let not_modified = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| etag_matches(v, &etag));

    let mut builder = http::Response::builder()
        .header(ETAG, &etag)
        .header(CACHE_CONTROL, asset.cache_control)
        .header(CONTENT_TYPE, asset.content_type)
        .header(X_CONTENT_TYPE_OPTIONS, "nosniff");
    if asset.content_type == HTML {
        builder = builder
            .header(CONTENT_SECURITY_POLICY, HTML_CSP)
            .header(REFERRER_POLICY, "strict-origin-when-cross-origin");
    }
    // The widget is loaded by other sites, including ones that set
    // `Cross-Origin-Embedder-Policy`; the agent workspace's files are not for them.
    builder = builder.header(
        "cross-origin-resource-policy",
        if asset.cross_origin {
            "cross-origin"
        } else {
            "same-origin"
        },
    );
    // No content-length: the host derives it from the body, and a HEAD reply with a declared
    // length but no bytes is a body-size mismatch for wasi-http.
    let (status, body) = match (not_modified, head) {
        (true, _) => (StatusCode::NOT_MODIFIED, Vec::new()),
        (false, true) => (StatusCode::OK, Vec::new()),
        (false, false) => (StatusCode::OK, asset.body.to_vec()),
    };
    builder
        .status(status)
        .body(body)
        .unwrap_or_else(|e| ApiError::internal(e).into_response(Family::Spindesk))
}

/// `/agent` → `/agent/`: a folder with an index page is reached without its slash too. The
/// `Location` is a path (with the query kept), never built from the `Host` header.
fn directory_redirect(req: &Request) -> Option<Response> {
    let path = req.uri().path();
    if path.ends_with('/')
        || !ASSETS
            .iter()
            .any(|a| a.path == format!("{path}/index.html"))
    {
        return None;
    }
    let location = match req.uri().query() {
        Some(query) => format!("{path}/?{query}"),
        None => format!("{path}/"),
    };
    http::Response::builder()
        .status(StatusCode::MOVED_PERMANENTLY)
        .header(http::header::LOCATION, location)
        .header(CACHE_CONTROL, "public, max-age=3600")
        .body(Vec::new())
        .ok()
}

fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let mut tag = String::with_capacity(34);
    tag.push('"');
    for byte in &digest[..16] {
        tag.push(char::from(HEX[usize::from(byte >> 4)]));
        tag.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    tag.push('"');
    tag
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `If-None-Match` uses weak comparison (RFC 9110 13.1.2): `W/` prefixes are ignored.
fn etag_matches(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

fn clip(s: &str, max_chars: usize) -> &str {
    s.char_indices().nth(max_chars).map_or(s, |(i, _)| &s[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_listed_etags_match() {
        let tag = etag_of(b"x");
        assert!(etag_matches(&tag, &tag));
        assert!(etag_matches(&format!("\"other\", W/{tag}"), &tag));
        assert!(etag_matches("*", &tag));
        assert!(!etag_matches("\"other\"", &tag));
    }

    /// A file in `static/` that is not listed here would be a 404 in the browser only.
    #[test]
    fn every_file_in_static_is_served() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("read static/") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    files(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static");
        let mut found = Vec::new();
        files(&root, &mut found);
        assert!(found.len() > 10, "{}", root.display());
        for file in found {
            let relative = file.strip_prefix(&root).expect("under static/");
            let path = format!("/{}", relative.to_string_lossy());
            let asset = ASSETS.iter().find(|a| a.path == path);
            assert!(asset.is_some(), "static{path} is not in ASSETS");
            let on_disk = std::fs::read(&file).expect("read");
            assert!(
                asset.is_some_and(|a| a.body == on_disk.as_slice()),
                "{path}"
            );
        }
    }

    #[test]
    fn clip_respects_char_boundaries() {
        assert_eq!(clip("héllo", 2), "hé");
        assert_eq!(clip("hi", 10), "hi");
    }
}
