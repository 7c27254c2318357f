//! Spin's HTTP routing as `spin.toml` uses it: an exact route (`/api/admin/reports`) or a
//! wildcard (`/api/admin/...`, which also matches `/api/admin` itself). An exact route wins over
//! any wildcard, and a longer wildcard over a shorter one.

#[derive(Debug, Clone)]
pub struct Route {
    /// The route as written (`spin-matched-route`).
    pub pattern: String,
    /// The component's index in the host's list.
    pub component: usize,
    prefix: String,
    wildcard: bool,
}

/// What a request's path matched.
pub struct Matched<'a> {
    pub route: &'a Route,
    /// The path after the route's prefix (`spin-path-info`).
    pub path_info: String,
}

impl Route {
    pub fn new(pattern: &str, component: usize) -> Route {
        let (prefix, wildcard) = match pattern.strip_suffix("/...") {
            Some(p) => (p.to_owned(), true),
            None => (pattern.trim_end_matches('/').to_owned(), false),
        };
        Route {
            pattern: pattern.to_owned(),
            component,
            prefix,
            wildcard,
        }
    }

    fn matches(&self, path: &str) -> Option<String> {
        let path = if path.len() > 1 {
            path.trim_end_matches('/')
        } else {
            path
        };
        if !self.wildcard {
            return (path == self.prefix || (self.prefix.is_empty() && path == "/"))
                .then(String::new);
        }
        let rest = path.strip_prefix(self.prefix.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then(|| rest.to_owned())
    }
}

/// Picks the route for `path` (no query string).
pub fn pick<'a>(routes: &'a [Route], path: &str) -> Option<Matched<'a>> {
    routes
        .iter()
        .filter_map(|r| r.matches(path).map(|info| (r, info)))
        .max_by_key(|(r, _)| (!r.wildcard, r.prefix.len()))
        .map(|(route, path_info)| Matched { route, path_info })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> Vec<Route> {
        [
            "/...",
            "/api/admin/...",
            "/api/admin/reports",
            "/api/v2/tickets.json",
        ]
        .iter()
        .enumerate()
        .map(|(i, p)| Route::new(p, i))
        .collect()
    }

    fn component(path: &str) -> usize {
        pick(&routes(), path).expect("a route").route.component
    }

    #[test]
    fn exact_beats_wildcard_and_longer_prefixes_win() {
        assert_eq!(component("/api/admin/reports"), 2);
        assert_eq!(component("/api/admin/reports/x"), 1);
        assert_eq!(component("/api/admin"), 1);
        assert_eq!(component("/api/admin/agents"), 1);
        assert_eq!(component("/api/adminx"), 0);
        assert_eq!(component("/api/v2/tickets.json"), 3);
        assert_eq!(component("/"), 0);
        let r = routes();
        let m = pick(&r, "/api/admin/agents/7").unwrap();
        assert_eq!(m.path_info, "/agents/7");
    }
}
