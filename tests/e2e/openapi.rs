//! The OpenAPI documents (`docs/openapi/<component>.json`) against what Spindesk serves:
//!
//! - every document is served (`/api/openapi/<component>.json`, listed by `/api/openapi.json`)
//!   and is a self-contained OpenAPI 3.1 document whose references resolve;
//! - every `spin.toml` route has a documented path, and every documented path is routed by
//!   `spin.toml` to the component its document is named after;
//! - every documented path answers with exactly the documented methods (a request with a
//!   method no route takes gets 405, whose `allow` header must list the documented ones);
//! - every path pattern the routers match (their `segments(path)` match arms, read from the
//!   source) is in the documents.
//!
//! Adding a route: add its path and methods to the component's document; each failure below
//! names the route and the document.

use spindesk_native::spin_routes::{Manifest, Router};
use spindesk_tests::{json, App, Json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn router() -> Router {
    Manifest::load(&root().join("spin.toml"))
        .and_then(|m| m.router())
        .expect("spin.toml")
}

/// `(component, document)` for every `docs/openapi/<component>.json` but the index.
fn documents() -> Vec<(String, Json)> {
    let dir = root().join("docs/openapi");
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("docs/openapi") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(component) = name.strip_suffix(".json") else {
            continue;
        };
        if component == "index" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read document");
        let doc: Json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("docs/openapi/{name} is not JSON: {e}"));
        docs.push((component.to_owned(), doc));
    }
    docs.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(docs.len() >= 10, "documents in {}", dir.display());
    docs
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Every `(path, methods)` of a document, methods upper case.
fn operations(doc: &Json) -> Vec<(String, BTreeSet<String>)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .map(|(path, item)| {
            let methods = METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| m.to_uppercase())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// A concrete path for a documented one: each `{param}` replaced by the parameter's `example`,
/// else its first `enum` value, else `1` (ids).
fn sample(doc: &Json, path: &str) -> String {
    let item = &doc["paths"][path];
    let mut params: Vec<&Json> = Vec::new();
    for list in [
        &item["parameters"],
        &item["get"]["parameters"],
        &item["post"]["parameters"],
    ] {
        if let Some(list) = list.as_array() {
            params.extend(list);
        }
    }
    let value = |name: &str| -> String {
        let p = params
            .iter()
            .find(|p| p["name"] == name && p["in"] == "path")
            .unwrap_or_else(|| panic!("{path}: path parameter {name} is not declared"));
        if let Some(e) = p["example"].as_str() {
            return e.to_owned();
        }
        if let Some(e) = p["schema"]["enum"][0].as_str() {
            return e.to_owned();
        }
        "1".to_owned()
    };
    path.split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => value(name),
                None => seg.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Json, out: &mut Vec<&'a str>) {
    match value {
        Json::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Json::as_str) {
                out.push(r);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Fails once with every problem listed, so one run shows everything to fix.
fn assert_no_problems(what: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{what}:\n  - {}",
        problems.join("\n  - ")
    );
}

#[test]
fn every_document_is_served_indexed_and_self_contained() {
    let app = App::new();
    let index = app
        .request("static-site", "GET", "/api/openapi.json")
        .send()
        .expect(200);
    assert_eq!(index.header("content-type"), Some("application/json"));
    let listed: Vec<(String, String)> = index.json()["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| {
            (
                d["component"].as_str().expect("component").to_owned(),
                d["url"].as_str().expect("url").to_owned(),
            )
        })
        .collect();
    let mut problems = Vec::new();
    let docs = documents();
    for (component, doc) in &docs {
        let url = format!("/api/openapi/{component}.json");
        if !listed.contains(&(component.clone(), url.clone())) {
            problems.push(format!(
                "docs/openapi/index.json does not list {component} at {url}"
            ));
        }
        let served = app.request("static-site", "GET", &url).send();
        let on_disk = std::fs::read(root().join(format!("docs/openapi/{component}.json")))
            .expect("read document");
        if served.status != 200 || served.body != on_disk {
            problems.push(format!(
                "{url} does not serve docs/openapi/{component}.json (status {}): add \
                 api_doc!(\"{component}\") to crates/spindesk-static/src/lib.rs",
                served.status
            ));
        }
        if doc["openapi"] != "3.1.0" {
            problems.push(format!("{component}.json: `openapi` is not 3.1.0"));
        }
        if doc["info"]["title"].as_str().is_none_or(str::is_empty) {
            problems.push(format!("{component}.json: no info.title"));
        }
        let mut found = Vec::new();
        refs(doc, &mut found);
        for r in found {
            let target = r.strip_prefix('#').and_then(|pointer| doc.pointer(pointer));
            if target.is_none() {
                problems.push(format!("{component}.json: $ref {r} resolves to nothing"));
            }
        }
        for (path, methods) in operations(doc) {
            for m in &methods {
                let op = &doc["paths"][&path][m.to_lowercase()];
                if op["responses"]["default"].is_null() {
                    problems.push(format!(
                        "{component}.json: {m} {path} documents no `default` (error) response"
                    ));
                }
            }
        }
    }
    for (component, url) in &listed {
        if !docs.iter().any(|(c, _)| c == component) {
            problems.push(format!(
                "docs/openapi/index.json lists {url}, but docs/openapi/{component}.json does not exist"
            ));
        }
    }
    assert_no_problems("The served OpenAPI documents", problems);
}

#[test]
fn spin_toml_routes_and_documented_paths_agree() {
    let router = router();
    let docs = documents();
    let mut problems = Vec::new();
    // Documented path -> the component spin.toml sends it to.
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for (component, doc) in &docs {
        for (path, _) in operations(doc) {
            let concrete = sample(doc, &path);
            // Zendesk clients append `.json`; spin.toml has exact routes for those.
            for variant in [concrete.clone(), format!("{concrete}.json")] {
                if let Some(m) = router.route(&variant) {
                    if m.component == component {
                        covered.insert(m.raw_route.to_owned());
                    }
                }
            }
            match router.route(&concrete) {
                Some(m) if m.component == component => {}
                Some(m) => problems.push(format!(
                    "{path} is in docs/openapi/{component}.json, but spin.toml routes it \
                     ({}) to the {} component: move it to docs/openapi/{}.json",
                    m.raw_route, m.component, m.component
                )),
                None => problems.push(format!(
                    "{path} is in docs/openapi/{component}.json, but no spin.toml route takes it"
                )),
            }
        }
    }
    for (_, trigger) in router.routes() {
        if !covered.contains(&trigger.route) {
            problems.push(format!(
                "spin.toml route {} (component {}) has no path in docs/openapi/{}.json",
                trigger.route, trigger.component, trigger.component
            ));
        }
    }
    assert_no_problems("spin.toml and docs/openapi disagree", problems);
}

/// A method no route answers: its 405 lists what the route does answer.
const PROBE: &str = "TRACE";

#[test]
fn every_documented_path_answers_exactly_its_documented_methods() {
    let app = App::new();
    let mut problems = Vec::new();
    for (component, doc) in documents() {
        for (path, documented) in operations(&doc) {
            let concrete = sample(&doc, &path);
            // The admin token: routes that authenticate before matching (admin, bot,
            // reports, Sunshine) then say what they answer; the others ignore it.
            let r = app.request(&component, PROBE, &concrete).admin().send();
            let allowed: BTreeSet<String> = r
                .header("allow")
                .unwrap_or_default()
                .split(',')
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty() && m != "HEAD" && m != "OPTIONS")
                .collect();
            if r.status != 405 {
                problems.push(format!(
                    "{path} (docs/openapi/{component}.json): the {component} component has no \
                     such route ({PROBE} {concrete} answered {}, not 405): {}",
                    r.status,
                    r.text().chars().take(200).collect::<String>()
                ));
            } else if allowed != documented {
                problems.push(format!(
                    "{path}: docs/openapi/{component}.json documents {documented:?}, the \
                     {component} component answers {allowed:?}"
                ));
            }
        }
    }
    assert_no_problems("Documented methods and the routers disagree", problems);
}

/// The help center's pages answer 405 to any path under `/hc`, so each documented page is also
/// fetched, with content to show, and must not be the 404 page.
#[test]
fn every_documented_help_center_page_exists() {
    let app = App::new();
    let section = app.hc_section("en-us", "Orders");
    let article = app.hc_article(
        "en-us",
        section,
        json!({"title": "Where is my order", "body": "<p>Tracking</p>"}),
    );
    assert_eq!((section, article), (1, 1), "the samples use id 1");
    let docs = documents();
    let (_, doc) = docs
        .iter()
        .find(|(c, _)| c == "help-center")
        .expect("help-center.json");
    let mut problems = Vec::new();
    let mut pages = 0;
    for (path, _) in operations(doc)
        .into_iter()
        .filter(|(p, _)| p.starts_with("/hc"))
    {
        pages += 1;
        let concrete = sample(doc, &path);
        let r = app.request("help-center", "GET", &concrete).send();
        if ![200, 301, 302].contains(&r.status) {
            problems.push(format!("GET {concrete} ({path}) answered {}", r.status));
        }
    }
    assert!(pages >= 6, "{pages} pages documented");
    assert_no_problems("Documented help-center pages", problems);
}

/// The router sources, and the path prefix of their relative patterns (a router that matches
/// the rest of the path after its prefix).
const ROUTERS: &[(&str, &[&str])] = &[
    ("crates/spindesk-core/src/api", &[]),
    ("crates/spindesk-core/src/api/bot.rs", &["api", "bot"]),
    (
        "crates/spindesk-core/src/api/help_center.rs",
        &["api", "v2", "help_center"],
    ),
    (
        "crates/spindesk-core/src/help_center_site/pages.rs",
        &["hc", "{}"],
    ),
];

/// The first segments of an absolute path pattern.
const ROOTS: [&str; 4] = ["api", "v2", "hc", "webhooks"];

/// One segment of a slice pattern: a literal, or anything (a binding, `_`, `kind @ (..)`).
/// `None` for a rest pattern (`..`, `rest @ ..`), whose arm hands on to another router.
fn segment(raw: &str) -> Option<Option<String>> {
    let raw = raw.trim();
    if raw.ends_with("..") {
        return None;
    }
    Some(
        raw.strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .map(str::to_owned),
    )
}

/// The slice patterns in `source` that are match arms or `let ... else` patterns: `[` ... `]`
/// followed by `=>`, `|`, `)`, `=` or `, Method::`.
fn slice_patterns(source: &str) -> Vec<Vec<Option<String>>> {
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(start) = source[i..].find('[').map(|s| s + i) {
        i = start + 1;
        let Some(len) = source[start..].find(']') else {
            break;
        };
        // `x["key"]` is indexing, not a pattern.
        let indexing = source[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | ')' | ']'));
        let inner = &source[start + 1..start + len];
        let after = source[start + len + 1..].trim_start();
        let is_pattern = after.starts_with("=>")
            || after.starts_with('|')
            || after.starts_with(')')
            || (after.starts_with('=') && !after.starts_with("=="))
            || after.starts_with(", Method::");
        // Patterns hold string literals and names only, no nested brackets or calls.
        if indexing
            || !is_pattern
            || inner.contains('[')
            || inner.contains('{')
            || inner.contains(';')
        {
            continue;
        }
        // `kind @ ("a" | "b")` is one segment: split on commas outside parentheses.
        let mut segs = Vec::new();
        let mut depth = 0;
        let mut current = String::new();
        for c in inner.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    segs.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        if !current.trim().is_empty() {
            segs.push(current);
        }
        let parsed: Option<Vec<Option<String>>> = segs.iter().map(|s| segment(s)).collect();
        if let Some(parsed) = parsed {
            found.push(parsed);
        }
    }
    found
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read dir") {
            rust_files(&entry.expect("entry").path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_owned());
    }
}

/// Whether a router's pattern (`None` = any segment) matches a documented path (`{x}` segments
/// are parameters, and a `.json` suffix is what `segments()` strips).
fn pattern_matches(pattern: &[Option<String>], documented: &str) -> bool {
    let segs: Vec<&str> = documented.split('/').filter(|s| !s.is_empty()).collect();
    segs.len() == pattern.len()
        && pattern.iter().zip(&segs).all(|(p, s)| match p {
            None => true,
            Some(lit) => lit == s,
        })
}

#[test]
fn every_router_pattern_is_documented() {
    let docs = documents();
    let documented: Vec<(String, String)> = docs
        .iter()
        .flat_map(|(c, d)| operations(d).into_iter().map(move |(p, _)| (c.clone(), p)))
        .collect();
    let mut problems = Vec::new();
    let mut patterns = 0;
    for (source, prefix) in ROUTERS {
        let mut files = Vec::new();
        rust_files(&root().join(source), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read source");
            // Unit tests build paths and arrays that are not routes.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for pattern in slice_patterns(text) {
                let absolute =
                    matches!(pattern.first(), Some(Some(s)) if ROOTS.contains(&s.as_str()));
                let full: Vec<Option<String>> = if absolute && prefix.is_empty() {
                    pattern
                } else if !prefix.is_empty() && !absolute {
                    prefix
                        .iter()
                        .map(|p| (*p != "{}").then(|| (*p).to_owned()))
                        .chain(pattern)
                        .collect()
                } else {
                    continue;
                };
                patterns += 1;
                let shown: Vec<String> = full
                    .iter()
                    .map(|s| s.clone().unwrap_or_else(|| "{_}".to_owned()))
                    .collect();
                if !documented.iter().any(|(_, p)| pattern_matches(&full, p)) {
                    problems.push(format!(
                        "/{} (matched in {}) is in no docs/openapi document",
                        shown.join("/"),
                        file.strip_prefix(root()).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    assert!(patterns > 60, "only {patterns} router patterns found");
    assert_no_problems("Routes the code matches but no document lists", problems);
}
