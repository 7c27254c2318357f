//! The `static-site` surface: the catch-all that serves `static/` and answers unknown paths.

use spindesk_tests::{json, App, Resp};

const SURFACE: &str = "static-site";

fn get(app: &App, path: &str) -> Resp {
    app.request(SURFACE, "GET", path).send()
}

fn header<'a>(resp: &'a Resp, name: &str) -> &'a str {
    resp.header(name)
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[test]
fn the_root_serves_the_demo_page_with_one_script_tag() {
    let app = App::new();
    let page = get(&app, "/").expect(200);
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert!(header(&page, "referrer-policy").contains("origin"));
    let csp = header(&page, "content-security-policy");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(
        csp.contains("style-src 'self';"),
        "no inline styles either: {csp}"
    );
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    let html = page.text();
    assert!(html.contains(r#"<script src="/widget.js" defer></script>"#));
    assert_eq!(
        html.matches("<script").count(),
        1,
        "the demo embeds the widget and nothing else"
    );
    assert!(
        !html.contains("<style") && !html.contains("style="),
        "the CSP forbids inline style"
    );
    assert_eq!(get(&app, "/index.html").body, page.body);
    assert_eq!(get(&app, "/?utm_source=x").body, page.body);
}

#[test]
fn the_widget_is_cacheable_javascript() {
    let app = App::new();
    let script = get(&app, "/widget.js").expect(200);
    assert_eq!(
        header(&script, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&script, "cache-control"), "public, max-age=300");
    assert_eq!(
        header(&script, "cross-origin-resource-policy"),
        "cross-origin"
    );
    let source = script.text();
    assert!(source.contains("/api/widget"));
    assert!(
        !source.contains("innerHTML"),
        "message text must never become markup"
    );
    let icon = get(&app, "/favicon.svg").expect(200);
    assert_eq!(header(&icon, "content-type"), "image/svg+xml");
    let css = get(&app, "/demo.css").expect(200);
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");
}

#[test]
fn a_matching_etag_answers_304_without_a_body() {
    let app = App::new();
    let first = get(&app, "/widget.js").expect(200);
    let etag = header(&first, "etag").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let again = app
        .request(SURFACE, "GET", "/widget.js")
        .header("if-none-match", &etag)
        .send()
        .expect(304);
    assert!(again.body.is_empty());
    assert_eq!(header(&again, "etag"), etag);
    assert_eq!(header(&again, "cache-control"), "public, max-age=300");

    app.request(SURFACE, "GET", "/widget.js")
        .header("if-none-match", &format!("\"stale\", W/{etag}"))
        .send()
        .expect(304);

    let changed = app
        .request(SURFACE, "GET", "/widget.js")
        .header("if-none-match", "\"stale\"")
        .send()
        .expect(200);
    assert_eq!(changed.body, first.body);

    assert_ne!(
        header(&get(&app, "/"), "etag"),
        etag,
        "each file has its own tag"
    );
}

#[test]
fn head_has_the_headers_and_no_body() {
    let app = App::new();
    let head = app.request(SURFACE, "HEAD", "/").send().expect(200);
    let get = get(&app, "/");
    assert!(head.body.is_empty());
    for name in [
        "content-type",
        "etag",
        "cache-control",
        "content-security-policy",
    ] {
        assert_eq!(header(&head, name), header(&get, name), "{name}");
    }
}

#[test]
fn other_methods_are_405_with_allow() {
    let app = App::new();
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let resp = app
            .request(SURFACE, method, "/widget.js")
            .send()
            .expect(405);
        assert_eq!(header(&resp, "allow"), "GET, HEAD");
        assert!(header(&resp, "content-type").starts_with("application/json"));
        assert_eq!(resp.error_code(), "method_not_allowed");
        let title = resp.json()["errors"][0]["title"]
            .as_str()
            .map(str::to_owned);
        assert!(title.is_some_and(|t| t.contains(method)), "{method}");
    }
}

#[test]
fn unknown_paths_are_json_404s_in_the_error_envelope() {
    let app = App::new();
    for (method, path) in [
        ("GET", "/nope"),
        ("GET", "/api/nope"),
        ("POST", "/api/v2/nothing.json"),
        ("GET", "/static/../Cargo.toml"),
        ("GET", "/widget.js/"),
    ] {
        let resp = app.request(SURFACE, method, path).send().expect(404);
        assert!(header(&resp, "content-type").starts_with("application/json"));
        assert_eq!(
            resp.json(),
            json!({"errors": [{"code": "not_found", "title": format!("No route for {method} {path}")}]})
        );
    }
}

#[test]
fn the_surface_uses_no_ports() {
    // The harness refuses undeclared ports, so the tests above also prove the handler keeps to this.
    let uses = spindesk_tests::surface(SURFACE).expect("surface").uses;
    assert!(!uses.sqlite && !uses.key_value && !uses.outbound && uses.variables.is_empty());
}

/// The headers of the staff pages (agent workspace, admin console): HTML that revalidates, no
/// sniffing, same-origin only, and a CSP with no inline script or style.
fn assert_app_page_headers(page: &Resp) {
    assert_eq!(header(page, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(page, "cache-control"), "no-cache");
    assert_eq!(header(page, "x-content-type-options"), "nosniff");
    assert_eq!(header(page, "cross-origin-resource-policy"), "same-origin");
    let csp = header(page, "content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "style-src 'self';",
        "connect-src 'self'",
        "frame-ancestors 'self'",
    ] {
        assert!(csp.contains(directive), "{directive} missing: {csp}");
    }
}

#[test]
fn the_agent_workspace_is_a_strict_csp_page_with_its_own_files() {
    let app = App::new();
    let page = get(&app, "/agent/").expect(200);
    assert_app_page_headers(&page);
    let html = page.text();
    assert_eq!(
        html.matches("<script").count(),
        1,
        "one script, from a file"
    );
    assert!(html.contains(r#"<script type="module" src="/agent/agent.js"></script>"#));
    assert!(html.contains(r#"<link rel="stylesheet" href="/agent/agent.css">"#));
    assert!(
        !html.contains("<style") && !html.contains("style="),
        "no inline style under this CSP"
    );
    assert!(has_event_handler_attribute(r#"<a onclick="x">"#));
    assert!(
        !has_event_handler_attribute(&html),
        "no inline handlers under this CSP"
    );
    assert!(
        html.contains(r#"method="post""#),
        "a sign-in form that submits without the script never puts the token in the URL"
    );
    assert_eq!(get(&app, "/agent/index.html").body, page.body);

    let modules = served_modules(&app, "agent", "agent.js");
    for area in [
        "strings.js",
        "ui.js",
        "api.js",
        "state.js",
        "inbox.js",
        "ticket.js",
        "fields.js",
        "composer.js",
        "assign.js",
        "macros.js",
        "presence.js",
        "notify.js",
        "keys.js",
        "live.js",
        "errors.js",
        "/shared/errors.js",
    ] {
        assert!(
            modules.contains_key(area),
            "{area} not reached from agent.js: {:?}",
            modules.keys()
        );
    }
    for (file, source) in &modules {
        assert!(
            !source.contains("localStorage"),
            "{file}: the API token is kept for this tab only"
        );
        assert!(
            !source.contains("console."),
            "{file}: nothing is logged (the token least of all)"
        );
    }
    assert!(
        modules
            .values()
            .any(|source| source.contains("sessionStorage")),
        "the API token is kept for this tab only"
    );
    let css = get(&app, "/agent/agent.css").expect(200);
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");
    assert_eq!(header(&css, "cache-control"), "no-cache");

    let script = get(&app, "/agent/agent.js").expect(200);
    let again = app
        .request(SURFACE, "GET", "/agent/agent.js")
        .header("if-none-match", header(&script, "etag"))
        .send()
        .expect(304);
    assert!(again.body.is_empty());
}

#[test]
fn a_folder_without_its_slash_redirects_to_it() {
    let app = App::new();
    for (method, path, location) in [
        ("GET", "/agent", "/agent/"),
        ("HEAD", "/agent", "/agent/"),
        ("GET", "/agent?view=all", "/agent/?view=all"),
    ] {
        let r = app.request(SURFACE, method, path).send().expect(301);
        assert_eq!(header(&r, "location"), location, "{method} {path}");
        assert!(r.body.is_empty());
    }
    // The Location is a path: a forged Host never ends up in it.
    let r = app
        .request(SURFACE, "GET", "/agent")
        .header("host", "evil.example")
        .send()
        .expect(301);
    assert_eq!(header(&r, "location"), "/agent/");
    // Only folders that exist, and only for reads.
    app.request(SURFACE, "POST", "/agent").send().expect(404);
    get(&app, "/agents").expect(404);
    get(&app, "/agent/nope.js").expect(404);
    let r = app.request(SURFACE, "POST", "/agent/").send().expect(405);
    assert_eq!(header(&r, "allow"), "GET, HEAD");
}

/// ` onclick=`, ` onload=`, ...: an attribute name starting with "on" followed by `=`.
fn has_event_handler_attribute(html: &str) -> bool {
    html.match_indices(" on").any(|(i, _)| {
        let rest = &html[i + 3..];
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        name_len > 0 && rest[name_len..].starts_with('=')
    })
}

#[test]
fn the_admin_console_is_one_page_under_the_strict_csp() {
    let app = App::new();
    let page = get(&app, "/admin/").expect(200);
    assert_app_page_headers(&page);
    let csp = header(&page, "content-security-policy");
    assert!(!csp.contains("unsafe"), "{csp}");
    let html = page.text();
    assert_eq!(
        html.matches("<script").count(),
        1,
        "one module script and nothing inline: {html}"
    );
    assert!(html.contains(r#"<script type="module" src="/admin/app.js"></script>"#));
    assert!(!html.contains("<style") && !html.contains("style="));
    assert_eq!(get(&app, "/admin/index.html").body, page.body);
}

#[test]
fn admin_without_the_slash_redirects_to_the_page() {
    let app = App::new();
    let moved = get(&app, "/admin").expect(301);
    assert_eq!(header(&moved, "location"), "/admin/");
    assert!(moved.body.is_empty());
    let head = app.request(SURFACE, "HEAD", "/admin").send().expect(301);
    assert_eq!(header(&head, "location"), "/admin/");
    // Only GET and HEAD are redirected; only directories with a page are.
    app.request(SURFACE, "POST", "/admin").send().expect(404);
    get(&app, "/adm").expect(404);
    get(&app, "/admin/app").expect(404);
}

/// Every ES module of the staff app under `/<dir>/`, transitively imported from `entry`, by file
/// name (`strings.js`; a module outside the app's folder, such as the error words both staff apps
/// share, by its path: `/shared/errors.js`): each is served as revalidated, same-origin
/// JavaScript that never turns data into markup. A file missing from the asset list would break
/// the page in the browser only.
fn served_modules(app: &App, dir: &str, entry: &str) -> std::collections::BTreeMap<String, String> {
    let mut pending = vec![format!("/{dir}/{entry}")];
    let mut seen = std::collections::BTreeMap::new();
    let own = format!("/{dir}/");
    while let Some(path) = pending.pop() {
        let file = path.strip_prefix(&own).unwrap_or(&path).to_owned();
        if seen.contains_key(&file) {
            continue;
        }
        let script = get(app, &path);
        assert_eq!(script.status, 200, "{path}");
        assert_eq!(
            header(&script, "content-type"),
            "text/javascript; charset=utf-8",
            "{path}"
        );
        assert_eq!(header(&script, "cache-control"), "no-cache", "{path}");
        assert_eq!(
            header(&script, "cross-origin-resource-policy"),
            "same-origin",
            "{path}: for this origin only"
        );
        let source = script.text();
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(
                !source.contains(sink),
                "{path} uses {sink}: data must reach the page as text"
            );
        }
        for line in source.lines().filter(|l| l.starts_with("import ")) {
            let spec = line
                .split(" from '")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .filter(|spec| spec.starts_with("./") || spec.starts_with("../"))
                .unwrap_or_else(|| panic!("{path}: unexpected import {line}"));
            pending.push(resolve(&path, spec));
        }
        seen.insert(file, source);
    }
    seen
}

/// A relative module specifier (`./ui.js`, `../shared/errors.js`) as the browser resolves it
/// against the importing module's path.
fn resolve(from: &str, spec: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    parts.pop();
    for part in spec.split('/') {
        match part {
            "." => {}
            ".." => {
                assert!(parts.pop().is_some(), "{from}: {spec} leaves the site");
            }
            name => parts.push(name),
        }
    }
    format!("/{}", parts.join("/"))
}

#[test]
fn every_admin_module_is_served_as_revalidated_javascript() {
    let app = App::new();
    let seen = served_modules(&app, "admin", "app.js");
    for area in [
        "agents.js",
        "groups.js",
        "channels.js",
        "help-center.js",
        "bot.js",
        "preview.js",
        "errors.js",
        "/shared/errors.js",
    ] {
        assert!(
            seen.contains_key(area),
            "{area} not reached from app.js: {:?}",
            seen.keys()
        );
    }
    // The preview's stylesheet is loaded by the sandboxed preview frame, an opaque origin.
    for (css, corp) in [
        ("/admin/admin.css", "same-origin"),
        ("/admin/preview.css", "cross-origin"),
    ] {
        let sheet = get(&app, css).expect(200);
        assert_eq!(header(&sheet, "content-type"), "text/css; charset=utf-8");
        assert_eq!(header(&sheet, "cache-control"), "no-cache");
        assert_eq!(
            header(&sheet, "cross-origin-resource-policy"),
            corp,
            "{css}"
        );
    }
    let etag = header(&get(&app, "/admin/app.js"), "etag").to_owned();
    app.request(SURFACE, "GET", "/admin/app.js")
        .header("if-none-match", &etag)
        .send()
        .expect(304);
}
