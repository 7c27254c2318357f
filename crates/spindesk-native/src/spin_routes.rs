//! `spin.toml` as Spin reads the parts Spindesk uses — HTTP triggers, components with their
//! grants, application variables — and Spin's HTTP routing, so the dev server routes exactly as
//! `spin up` does and a test can check the manifest against the code.
//!
//! Routing follows Spin (its router is the `routefinder` crate): a route is either exact
//! (`/api/v2/tickets.json`) or a wildcard `/prefix/...` that matches `/prefix` and everything
//! below it (`/prefix/a/b`) but not `/prefixes` or `/prefix.json`; `/...` matches every path.
//! Leading and trailing slashes are ignored on both sides. When several routes match, an exact
//! route beats any wildcard and a longer wildcard prefix beats a shorter one. Spindesk uses no
//! `:param` segments, so they are refused here rather than half-implemented.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The parts of a `spin_manifest_version = 2` manifest that Spindesk uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub spin_manifest_version: u32,
    pub application: Application,
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    #[serde(default)]
    pub trigger: Triggers,
    #[serde(default)]
    pub component: BTreeMap<String, Component>,
    /// The folder the manifest was loaded from: Spin reads relative paths (`source`, a
    /// dependency's `path`) from there. Empty for [`Manifest::parse`]: the current folder.
    #[serde(skip)]
    pub dir: std::path::PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Application {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// An application variable under `[variables]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Variable {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Triggers {
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
}

/// One `[[trigger.http]]`.
#[derive(Debug, Clone, Deserialize)]
pub struct HttpTrigger {
    pub route: String,
    pub component: String,
}

/// One `[component.<id>]` with its grants.
#[derive(Debug, Clone, Deserialize)]
pub struct Component {
    pub source: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    /// Component variable name to template (`"{{ admin_token }}"`).
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub build: Option<Build>,
    /// Whether dependencies may use this component's stores, variables and hosts (Spin's
    /// default: they may not).
    #[serde(default)]
    pub dependencies_inherit_configuration: bool,
    /// Imports (`"spindesk:bot/actions"`) satisfied by other components.
    #[serde(default)]
    pub dependencies: BTreeMap<String, Dependency>,
}

/// One `[component.<id>.dependencies]` entry. Only local files are understood here (`path`);
/// Spin also takes registry packages, URLs and other components of the app.
#[derive(Debug, Clone, Deserialize)]
pub struct Dependency {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub export: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Build {
    pub command: String,
    #[serde(default)]
    pub workdir: Option<String>,
    #[serde(default)]
    pub watch: Vec<String>,
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| format!("spin.toml: {e}"))?;
        if manifest.spin_manifest_version != 2 {
            return Err(format!(
                "spin.toml: spin_manifest_version {} (expected 2)",
                manifest.spin_manifest_version
            ));
        }
        Ok(manifest)
    }

    pub fn load(path: &Path) -> Result<Manifest, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let mut manifest = Manifest::parse(&text)?;
        manifest.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(manifest)
    }

    /// The router over every `[[trigger.http]]`; fails on a route Spin would not accept the same
    /// way, a trigger naming an unknown component, or two triggers with the same route.
    pub fn router(&self) -> Result<Router, String> {
        let mut routes: Vec<(Route, HttpTrigger)> = Vec::new();
        for trigger in &self.trigger.http {
            if !self.component.contains_key(&trigger.component) {
                return Err(format!(
                    "route {} names component `{}`, which has no [component.{}]",
                    trigger.route, trigger.component, trigger.component
                ));
            }
            let route = Route::parse(&trigger.route)?;
            if let Some((_, other)) = routes.iter().find(|(r, _)| *r == route) {
                return Err(format!(
                    "route {} (component `{}`) duplicates route {} (component `{}`)",
                    trigger.route, trigger.component, other.route, other.component
                ));
            }
            routes.push((route, trigger.clone()));
        }
        Ok(Router { routes })
    }
}

/// Replaces `{{ name }}` in a component variable's template with application variables.
/// Returns `None` when the template names a variable `lookup` does not know.
pub fn expand_template(template: &str, lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}")?;
        out.push_str(&lookup(after[..end].trim())?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// The application variables a template refers to (`"{{ admin_token }}"` -> `["admin_token"]`).
pub fn template_variables(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(after[..end].trim().to_owned());
        rest = &after[end + 2..];
    }
    names
}

/// A parsed `route`, with slashes normalised away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Matches this path only, e.g. `api/v2/tickets.json`.
    Exact(String),
    /// `/<prefix>/...`: the prefix and everything below it; `""` for `/...`.
    Wildcard(String),
}

impl Route {
    pub fn parse(route: &str) -> Result<Route, String> {
        if !route.starts_with('/') {
            return Err(format!("route {route:?} must start with /"));
        }
        let (wildcard, body) = match route.strip_suffix("/...") {
            Some(prefix) => (true, prefix),
            None => (false, route),
        };
        let body = trim_slashes(body);
        if body.contains("...") || body.contains(['*', ':']) || body.contains("//") {
            return Err(format!(
                "route {route:?}: only exact routes and a trailing /... are supported"
            ));
        }
        let body = body.to_owned();
        Ok(if wildcard {
            Route::Wildcard(body)
        } else {
            Route::Exact(body)
        })
    }

    /// Whether a request path (without the query) reaches this route.
    pub fn matches(&self, path: &str) -> bool {
        self.rest(path).is_some()
    }

    /// For a matching path, what lies below the route: Spin's `spin-path-info`
    /// (`/x/y` for `/api/widget/x/y` on `/api/widget/...`; empty for an exact route).
    pub fn path_info(&self, path: &str) -> Option<String> {
        self.rest(path).map(|rest| {
            if rest.is_empty() {
                String::new()
            } else {
                format!("/{rest}")
            }
        })
    }

    /// The route without its wildcard: Spin's `spin-component-route` (`/api/widget`, or empty
    /// for `/...`).
    pub fn base(&self) -> String {
        match self {
            Route::Exact(p) | Route::Wildcard(p) if p.is_empty() => String::new(),
            Route::Exact(p) | Route::Wildcard(p) => format!("/{p}"),
        }
    }

    fn rest<'p>(&self, path: &'p str) -> Option<&'p str> {
        let path = trim_slashes(path);
        match self {
            Route::Exact(exact) => (path == exact).then_some(""),
            Route::Wildcard(prefix) if prefix.is_empty() => Some(path),
            Route::Wildcard(prefix) => {
                let rest = path.strip_prefix(prefix.as_str())?;
                if rest.is_empty() {
                    Some(rest)
                } else {
                    rest.strip_prefix('/')
                }
            }
        }
    }

    /// Higher wins among routes that match one path: exact first, then the longest prefix.
    fn specificity(&self) -> (bool, usize) {
        match self {
            Route::Exact(p) => (true, p.len()),
            Route::Wildcard(p) => (
                false,
                if p.is_empty() {
                    0
                } else {
                    p.split('/').count()
                },
            ),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Exact(p) => write!(f, "/{p}"),
            Route::Wildcard(p) if p.is_empty() => f.write_str("/..."),
            Route::Wildcard(p) => write!(f, "/{p}/..."),
        }
    }
}

/// One `allowed_outbound_hosts` entry: `scheme://host[:port]`, where the scheme, the host, a
/// leading host label (`*.example.com`) or the port may be `*`, and the port may be a range
/// `8000..8010`. Without a port only the scheme's default port is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct AllowedHost {
    scheme: Option<String>,
    host: HostMatch,
    port: PortMatch,
}

#[derive(Debug, Clone, PartialEq)]
enum HostMatch {
    Any,
    Exact(String),
    /// `*.example.com` -> `.example.com`
    Subdomain(String),
}

#[derive(Debug, Clone, PartialEq)]
enum PortMatch {
    Any,
    SchemeDefault,
    Range(u16, u16),
}

impl AllowedHost {
    /// The entry, or `None` for one this does not understand.
    pub fn parse(entry: &str) -> Option<AllowedHost> {
        let (scheme, rest) = entry.split_once("://")?;
        let rest = rest.trim_end_matches('/');
        if rest.contains(['/', '{', '[']) {
            return None;
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, "*")) => (host, PortMatch::Any),
            Some((host, port)) => match port.split_once("..") {
                Some((lo, hi)) => (
                    host,
                    PortMatch::Range(lo.parse().ok()?, hi.parse::<u16>().ok()?.checked_sub(1)?),
                ),
                None => {
                    let p = port.parse().ok()?;
                    (host, PortMatch::Range(p, p))
                }
            },
            None => (rest, PortMatch::SchemeDefault),
        };
        let host = match host {
            "*" => HostMatch::Any,
            h if h.starts_with("*.") => HostMatch::Subdomain(h[1..].to_ascii_lowercase()),
            h if h.is_empty() || h.contains('*') => return None,
            h => HostMatch::Exact(h.to_ascii_lowercase()),
        };
        let scheme = (scheme != "*").then(|| scheme.to_ascii_lowercase());
        if scheme.is_none() && port == PortMatch::SchemeDefault {
            return None;
        }
        Some(AllowedHost { scheme, host, port })
    }

    /// Whether a request to `uri` may go out.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return false;
        };
        let scheme = scheme.to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => 0,
        };
        let port = uri.port_u16().unwrap_or(default_port);
        self.scheme.as_ref().is_none_or(|s| *s == scheme)
            && match &self.host {
                HostMatch::Any => true,
                HostMatch::Exact(h) => *h == host,
                HostMatch::Subdomain(suffix) => host.ends_with(suffix.as_str()),
            }
            && match self.port {
                PortMatch::Any => true,
                PortMatch::SchemeDefault => port == default_port,
                PortMatch::Range(lo, hi) => (lo..=hi).contains(&port),
            }
    }
}

fn trim_slashes(path: &str) -> &str {
    path.trim_start_matches('/').trim_end_matches('/')
}

/// Every HTTP trigger of a manifest, answering "which component serves this path".
#[derive(Debug, Clone)]
pub struct Router {
    routes: Vec<(Route, HttpTrigger)>,
}

/// Where a path was routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch<'a> {
    pub component: &'a str,
    /// The route as written in `spin.toml` (`spin-matched-route`).
    pub raw_route: &'a str,
    pub route: &'a Route,
    /// `spin-path-info`.
    pub path_info: String,
}

impl Router {
    /// The most specific route for `path` (without the query), or `None` (Spin's own 404).
    pub fn route(&self, path: &str) -> Option<RouteMatch<'_>> {
        self.routes
            .iter()
            .filter_map(|(route, trigger)| route.path_info(path).map(|info| (route, trigger, info)))
            .max_by_key(|(route, _, _)| route.specificity())
            .map(|(route, trigger, path_info)| RouteMatch {
                component: &trigger.component,
                raw_route: &trigger.route,
                route,
                path_info,
            })
    }

    pub fn routes(&self) -> impl Iterator<Item = (&Route, &HttpTrigger)> {
        self.routes.iter().map(|(r, t)| (r, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        let mut text = String::from("spin_manifest_version = 2\n[application]\nname = \"t\"\n");
        for (route, component) in routes {
            text +=
                &format!("[[trigger.http]]\nroute = \"{route}\"\ncomponent = \"{component}\"\n");
        }
        let mut ids: Vec<_> = routes.iter().map(|(_, c)| *c).collect();
        ids.dedup();
        for id in ids {
            text += &format!("[component.{id}]\nsource = \"{id}.wasm\"\n");
        }
        Manifest::parse(&text).unwrap().router().unwrap()
    }

    fn to(router: &Router, path: &str) -> Option<String> {
        router.route(path).map(|m| m.component.to_owned())
    }

    #[test]
    fn wildcard_matches_its_prefix_and_below_only() {
        let r = router(&[("/api/widget/...", "w")]);
        assert_eq!(to(&r, "/api/widget").as_deref(), Some("w"));
        assert_eq!(to(&r, "/api/widget/").as_deref(), Some("w"));
        assert_eq!(to(&r, "/api/widget/x/y").as_deref(), Some("w"));
        assert_eq!(to(&r, "/api/widgets"), None);
        assert_eq!(to(&r, "/api/widget.json"), None);
        assert_eq!(to(&r, "/api"), None);
    }

    #[test]
    fn exact_beats_wildcards_and_longer_prefixes_beat_shorter() {
        let r = router(&[
            ("/...", "site"),
            ("/api/v2/tickets/...", "t"),
            ("/api/v2/tickets.json", "t2"),
        ]);
        assert_eq!(to(&r, "/").as_deref(), Some("site"));
        assert_eq!(to(&r, "/widget.js").as_deref(), Some("site"));
        assert_eq!(to(&r, "/api/v2/tickets.json").as_deref(), Some("t2"));
        assert_eq!(to(&r, "/api/v2/tickets").as_deref(), Some("t"));
        assert_eq!(to(&r, "/api/v2/tickets/1.json").as_deref(), Some("t"));
        assert_eq!(to(&r, "/api/v2/ticketsx").as_deref(), Some("site"));
        let r = router(&[("/a/...", "short"), ("/a/b/...", "long"), ("/a/b", "exact")]);
        assert_eq!(to(&r, "/a/b").as_deref(), Some("exact"));
        assert_eq!(to(&r, "/a/b/c").as_deref(), Some("long"));
        assert_eq!(to(&r, "/a/c").as_deref(), Some("short"));
    }

    #[test]
    fn path_info_and_base_are_what_spin_sends() {
        let r = router(&[("/api/widget/...", "w"), ("/...", "site"), ("/x.json", "x")]);
        let m = r.route("/api/widget/messages/1").unwrap();
        assert_eq!(m.path_info, "/messages/1");
        assert_eq!(m.route.base(), "/api/widget");
        assert_eq!(m.raw_route, "/api/widget/...");
        let m = r.route("/env/api").unwrap();
        assert_eq!(
            (m.path_info.as_str(), m.route.base()),
            ("/env/api", String::new())
        );
        assert_eq!(r.route("/x.json").unwrap().path_info, "");
    }

    #[test]
    fn unsupported_or_duplicate_routes_are_refused() {
        assert!(Route::parse("api/x").is_err());
        assert!(Route::parse("/users/:id").is_err());
        assert!(Route::parse("/a/.../b").is_err());
        let text = "spin_manifest_version = 2\n[application]\nname = \"t\"\n\
            [[trigger.http]]\nroute = \"/a/b\"\ncomponent = \"x\"\n\
            [[trigger.http]]\nroute = \"/a/b/\"\ncomponent = \"x\"\n\
            [component.x]\nsource = \"x.wasm\"\n";
        assert!(Manifest::parse(text)
            .unwrap()
            .router()
            .unwrap_err()
            .contains("duplicates"));
        let text = "spin_manifest_version = 2\n[application]\nname = \"t\"\n\
            [[trigger.http]]\nroute = \"/a/...\"\ncomponent = \"ghost\"\n";
        assert!(Manifest::parse(text)
            .unwrap()
            .router()
            .unwrap_err()
            .contains("ghost"));
    }

    #[test]
    fn templates_expand_and_name_their_variables() {
        let lookup = |n: &str| (n == "admin_token").then(|| "t0k".to_owned());
        assert_eq!(
            expand_template("{{ admin_token }}", lookup).as_deref(),
            Some("t0k")
        );
        assert_eq!(
            expand_template("Bearer {{admin_token}}!", lookup).as_deref(),
            Some("Bearer t0k!")
        );
        assert_eq!(expand_template("{{ other }}", lookup), None);
        assert_eq!(template_variables("{{ a }}-{{b}}"), vec!["a", "b"]);
    }
}
