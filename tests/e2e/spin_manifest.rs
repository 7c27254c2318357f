//! `spin.toml` against the code: components against the surfaces and the workspace crates, routes
//! against the paths clients call, grants against each surface's `Uses`. When a surface starts
//! using something new, these tests say which lines `spin.toml` needs.

use spindesk_core::surface::Handler;
use spindesk_native::spin_routes::{template_variables, Manifest};
use spindesk_tests::surfaces;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn manifest() -> Manifest {
    Manifest::load(&root().join("spin.toml")).unwrap()
}

fn read_toml(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Fails once with every problem listed, so one run shows everything to fix.
fn assert_no_problems(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "spin.toml disagrees with the code:\n  - {}",
        problems.join("\n  - ")
    );
}

/// Whether a `components/` crate is a component dependency (`[package.metadata.spindesk]
/// kind = "dependency"`), not an HTTP component of its own.
fn is_dependency(cargo: &toml::Table) -> bool {
    cargo["package"]
        .get("metadata")
        .and_then(|m| m.get("spindesk"))
        .and_then(|s| s.get("kind"))
        .and_then(|k| k.as_str())
        == Some("dependency")
}

/// `components/<dir>` -> package name, for every HTTP component crate there.
fn component_crates() -> Vec<(String, toml::Table)> {
    all_component_crates()
        .into_iter()
        .filter(|(_, cargo)| !is_dependency(cargo))
        .collect()
}

/// `components/<dir>` -> package name, for every crate there.
fn all_component_crates() -> Vec<(String, toml::Table)> {
    let mut crates = Vec::new();
    for entry in std::fs::read_dir(root().join("components")).unwrap() {
        let dir = entry.unwrap().path();
        let cargo = dir.join("Cargo.toml");
        if cargo.exists() {
            crates.push((
                dir.file_name().unwrap().to_string_lossy().into_owned(),
                read_toml(&cargo),
            ));
        }
    }
    crates.sort_by(|a, b| a.0.cmp(&b.0));
    crates
}

#[test]
fn application_and_variables_let_spin_up_start() {
    let m = manifest();
    assert_eq!(m.application.name, "spindesk");
    let admin = &m.variables["admin_token"];
    assert_eq!(
        admin.default.as_deref(),
        Some(""),
        "admin_token needs an empty default so `spin up` starts"
    );
    assert!(admin.secret && !admin.required);
    let base = &m.variables["public_base_url"];
    assert_eq!(
        base.default.as_deref(),
        Some(""),
        "public_base_url is empty by default: a local address must not reach real customers"
    );
    for (name, var) in &m.variables {
        assert!(
            var.default.is_some() && !var.required,
            "variable {name} must have a default: a required variable stops `spin up` from starting"
        );
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "Spin variable names are lowercase letters, digits and _: {name}"
        );
    }
}

#[test]
fn every_surface_has_exactly_one_component_and_back() {
    let m = manifest();
    let all = surfaces();
    let surfaces: BTreeSet<&str> = all.iter().map(|s| s.component).collect();
    assert_eq!(
        surfaces.len(),
        all.len(),
        "two surfaces share a component id"
    );
    let components: BTreeSet<&str> = m.component.keys().map(String::as_str).collect();
    assert_eq!(components, surfaces);
}

#[test]
fn each_component_is_built_from_its_own_workspace_crate() {
    let m = manifest();
    let crates = component_crates();
    let mut problems = Vec::new();
    let dirs: BTreeSet<&str> = crates.iter().map(|(d, _)| d.as_str()).collect();
    let ids: BTreeSet<&str> = m.component.keys().map(String::as_str).collect();
    if dirs != ids {
        problems.push(format!(
            "components/ holds {dirs:?} but spin.toml has {ids:?}"
        ));
    }
    for (dir, cargo) in &crates {
        let name = cargo["package"]["name"].as_str().unwrap();
        if name != dir {
            problems.push(format!(
                "components/{dir} is package `{name}`; name it `{dir}`"
            ));
        }
        let cdylib = cargo
            .get("lib")
            .and_then(|l| l.get("crate-type"))
            .and_then(|t| t.as_array())
            .is_some_and(|t| t.iter().any(|v| v.as_str() == Some("cdylib")));
        if !cdylib {
            problems.push(format!(
                "components/{dir}: [lib] crate-type must be [\"cdylib\"]"
            ));
        }
        let lib = std::fs::read_to_string(root().join("components").join(dir).join("src/lib.rs"))
            .unwrap();
        // The static site's surface is a crate of its own (the pages stay out of the core).
        let surface = match dir.as_str() {
            "static-site" => "spindesk_static::SURFACE".to_owned(),
            _ => format!("spindesk_core::api::{}::SURFACE", dir.replace('-', "_")),
        };
        // A surface that answers first needs the ResponseOutparam form, which sends the
        // response before the follow-up; the others keep the request/response form. The
        // components that run the bot serve with the actions import, the others without (so
        // their Wasm does not import it and Spin has nothing to satisfy).
        let answers_first = spindesk_tests::surface(dir)
            .is_some_and(|s| matches!(s.handle, Handler::AnswerFirst(_)));
        let runs_bot = surfaces()
            .iter()
            .any(|s| s.component == dir && s.uses.actions);
        // A surface with streamed routes (uploads) takes spin-sdk's `IncomingRequest`, so those
        // routes read their body as it arrives.
        let streams = spindesk_tests::surface(dir).is_some_and(|s| !s.streamed.is_empty());
        let call = match (answers_first, runs_bot) {
            _ if streams && runs_bot => {
                "spindesk_spin::serve_incoming_with_actions(&SURFACE, req, response_out)"
            }
            _ if streams => {
                "spindesk_spin::serve_incoming_without_actions(&SURFACE, req, response_out)"
            }
            (true, true) => {
                "spindesk_spin::serve_answering_first_with_actions(&SURFACE, req, response_out)"
            }
            (true, false) => "spindesk_spin::serve_answering_first(&SURFACE, req, response_out)",
            (false, true) => "spindesk_spin::serve_with_actions(&SURFACE, req)",
            (false, false) => "spindesk_spin::serve(&SURFACE, req)",
        };
        let serves_own = lib.contains(&format!("use {surface};"))
            && lib.contains(&format!("is_component(&SURFACE, \"{dir}\")"))
            && lib.contains(call);
        if !serves_own {
            problems.push(format!("components/{dir}/src/lib.rs must serve {surface}"));
        }
    }
    for (id, c) in &m.component {
        let runs_bot = surfaces()
            .iter()
            .any(|s| s.component == id && s.uses.actions);
        // Cargo.toml's `release-small` profile ("z") is for components whose requests wait on
        // SQLite; the ones that run the bot (and search) keep `release` for speed.
        let small = c.source.starts_with("target/wasm32-wasip2/release-small/");
        if small && runs_bot {
            problems.push(format!(
                "[component.{id}] runs the bot: build it with --release, not release-small"
            ));
        }
        let (dir, flag) = if small {
            ("release-small", "--profile release-small")
        } else {
            ("release", "--release")
        };
        let wasm = format!("target/wasm32-wasip2/{dir}/{}.wasm", id.replace('-', "_"));
        if c.source != wasm {
            problems.push(format!(
                "[component.{id}] source = {:?}; expected {wasm:?}",
                c.source
            ));
        }
        // The actions dependency is built by the same command, before `spin up` composes it.
        let command = if runs_bot {
            format!("cargo build --target wasm32-wasip2 {flag} -p actions-builtin -p {id}")
        } else {
            format!("cargo build --target wasm32-wasip2 {flag} -p {id}")
        };
        match &c.build {
            None => problems.push(format!("[component.{id}.build] is missing")),
            Some(build) => {
                if build.command != command {
                    problems.push(format!(
                        "[component.{id}.build] command = {:?}; expected {command:?}",
                        build.command
                    ));
                }
                if build.workdir.as_deref().is_some_and(|w| w != ".") {
                    problems.push(format!(
                        "[component.{id}.build] workdir must be the workspace root"
                    ));
                }
                let mut wanted = vec![
                    format!("components/{id}/src/**/*.rs"),
                    "crates/spindesk-core/src/**/*.rs".into(),
                    "crates/spindesk-spin/src/**/*.rs".into(),
                ];
                if runs_bot {
                    wanted.push("components/actions-builtin/src/**/*.rs".into());
                    wanted.push("wit/*.wit".into());
                }
                if id == "static-site" {
                    wanted.push("crates/spindesk-static/src/**/*.rs".into());
                    wanted.push("crates/spindesk-static/Cargo.toml".into());
                    wanted.push("static/**/*".into());
                }
                for w in wanted {
                    if !build.watch.contains(&w) {
                        problems.push(format!("[component.{id}.build] watch lacks {w:?}"));
                    }
                }
            }
        }
    }
    assert_no_problems(problems);
}

/// The default `spindesk:bot/actions` dependency.
const ACTIONS_WASM: &str = "target/wasm32-wasip2/release/actions_builtin.wasm";

#[test]
fn dependency_crates_are_components_that_import_nothing_from_spin() {
    let mut problems = Vec::new();
    let deps: Vec<_> = all_component_crates()
        .into_iter()
        .filter(|(_, cargo)| is_dependency(cargo))
        .collect();
    assert!(
        deps.iter().any(|(dir, _)| dir == "actions-builtin"),
        "components/actions-builtin is the default actions dependency"
    );
    for (dir, cargo) in &deps {
        if cargo["package"]["name"].as_str() != Some(dir) {
            problems.push(format!("components/{dir}: name the package `{dir}`"));
        }
        let deps = cargo.get("dependencies").and_then(|d| d.as_table());
        if deps.is_some_and(|d| {
            d.keys()
                .any(|k| k.starts_with("spin") || k.starts_with("spindesk"))
        }) {
            problems.push(format!(
                "components/{dir} depends on Spin or Spindesk crates; a dependency gets only the data `wit/` passes"
            ));
        }
        if !deps.is_some_and(|d| d.contains_key("wit-bindgen")) {
            problems.push(format!(
                "components/{dir}: bindings come from wit/ through wit-bindgen"
            ));
        }
    }
    assert_no_problems(problems);
}

#[test]
fn component_crates_stay_out_of_native_builds() {
    let workspace = read_toml(&root().join("Cargo.toml"));
    let ws = &workspace["workspace"];
    let members: Vec<&str> = ws["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        members.contains(&"components/*"),
        "workspace members need components/*"
    );
    let default: Vec<&str> = ws["default-members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        default.iter().all(|d| !d.starts_with("components")),
        "component crates only link for wasm32-wasip2; keep them out of default-members"
    );
}

#[test]
fn routes_are_unique_and_every_component_is_reachable() {
    let m = manifest();
    let router = m.router().unwrap();
    let routed: BTreeSet<&str> = router.routes().map(|(_, t)| t.component.as_str()).collect();
    for id in m.component.keys() {
        assert!(
            routed.contains(id.as_str()),
            "component {id} has no [[trigger.http]]"
        );
    }
}

#[test]
fn client_paths_reach_the_right_component() {
    let router = manifest().router().unwrap();
    let table = [
        // Zendesk Support API, with and without the `.json` clients append.
        ("/api/v2/tickets.json", "tickets"),
        ("/api/v2/tickets", "tickets"),
        ("/api/v2/tickets/", "tickets"),
        ("/api/v2/tickets/1.json", "tickets"),
        ("/api/v2/tickets/1", "tickets"),
        ("/api/v2/tickets/1/comments.json", "tickets"),
        ("/api/v2/tickets/show_many.json", "tickets"),
        ("/api/v2/users.json", "tickets"),
        ("/api/v2/users/me.json", "tickets"),
        ("/api/v2/users/7/identities.json", "tickets"),
        ("/api/v2/users/7/tickets/requested.json", "tickets"),
        ("/api/v2/macros.json", "tickets"),
        ("/api/v2/macros", "tickets"),
        ("/api/v2/macros/active.json", "tickets"),
        ("/api/v2/macros/3.json", "tickets"),
        ("/api/v2/tickets/1/macros/3/apply.json", "tickets"),
        ("/api/v2/views.json", "tickets"),
        ("/api/v2/views", "tickets"),
        ("/api/v2/views/count_many.json", "tickets"),
        ("/api/v2/views/101/tickets.json", "tickets"),
        ("/api/v2/search.json", "search"),
        ("/api/v2/groups.json", "tickets"),
        ("/api/v2/groups", "tickets"),
        ("/api/v2/groups/3.json", "tickets"),
        ("/api/v2/groups/3/memberships.json", "tickets"),
        ("/api/v2/group_memberships.json", "tickets"),
        ("/api/v2/group_memberships/4.json", "tickets"),
        ("/api/v2/users/me/presence.json", "tickets"),
        ("/api/v2/tickets/1/audits.json", "tickets"),
        ("/api/v2/satisfaction_ratings.json", "tickets"),
        ("/api/v2/satisfaction_ratings", "tickets"),
        ("/api/v2/satisfaction_ratings/3.json", "tickets"),
        ("/api/v2/search", "search"),
        ("/api/v2/search/count.json", "search"),
        // Zendesk Help Center API: every path is below the prefix.
        ("/api/v2/help_center/articles.json", "help-center"),
        ("/api/v2/help_center/en-us/articles.json", "help-center"),
        ("/api/v2/help_center/en-us/articles/5.json", "help-center"),
        ("/api/v2/help_center/articles/search.json", "help-center"),
        (
            "/api/v2/help_center/ko/sections/2/articles.json",
            "help-center",
        ),
        // The public Help Center pages (articles' `html_url`).
        ("/hc", "help-center"),
        ("/hc/", "help-center"),
        ("/hc/en-us", "help-center"),
        (
            "/hc/ko/articles/12-%EB%B9%84%EB%B0%80%EB%B2%88%ED%98%B8",
            "help-center",
        ),
        ("/hc/en-us/articles/12", "help-center"),
        ("/hc/en-us/sections/3-orders", "help-center"),
        ("/hc/en-us/categories/1", "help-center"),
        ("/hc/en-us/search?query=refund", "help-center"),
        ("/hc/articles/12", "help-center"),
        // Ours.
        ("/api/widget/messages", "widget"),
        ("/api/widget", "widget"),
        ("/api/widget/conversations/1/messages?after=3", "widget"),
        ("/api/bot/flows", "bot"),
        ("/api/admin/channels", "admin"),
        ("/api/admin", "admin"),
        ("/api/admin/reports", "reports"),
        ("/api/v2/users/search.json", "search"),
        ("/api/v2/users/search", "search"),
        ("/api/v2/users/7.json", "tickets"),
        ("/api/admin/reports/x", "admin"),
        ("/webhooks/telegram/x", "channels"),
        ("/webhooks/whatsapp/abc", "channels"),
        // Sunshine Conversations v2.
        ("/v2/apps/a/conversations", "conversations"),
        ("/v2/apps/a/conversations/c/messages", "conversations"),
        // Pages.
        ("/", "static-site"),
        ("/widget.js", "static-site"),
        ("/demo.html", "static-site"),
        ("/agent/", "static-site"),
        ("/admin/", "static-site"),
        ("/admin", "static-site"),
        // Near misses fall through to the site, which answers 404 itself.
        ("/api/widgets", "static-site"),
        ("/api/v2/ticketsx", "static-site"),
        ("/v2apps", "static-site"),
        ("/hcx", "static-site"),
        ("/help", "static-site"),
    ];
    let mut problems = Vec::new();
    for (path, want) in table {
        let path_only = path.split('?').next().unwrap();
        match router.route(path_only) {
            Some(m) if m.component == want => {}
            Some(m) => problems.push(format!(
                "{path} -> {} (via {}), expected {want}",
                m.component, m.raw_route
            )),
            None => problems.push(format!("{path} -> no route, expected {want}")),
        }
    }
    assert_no_problems(problems);
}

#[test]
fn grants_are_exactly_what_each_surface_uses() {
    let m = manifest();
    let mut problems = Vec::new();
    for surface in surfaces() {
        let id = surface.component;
        let Some(c) = m.component.get(id) else {
            continue;
        };
        let uses = surface.uses;
        let default = vec!["default".to_owned()];
        // Attachment bytes live in a second database (`ports/files.rs`).
        let mut want_sql: Vec<String> = Vec::new();
        if uses.sqlite {
            want_sql.push("default".into());
        }
        if uses.files {
            want_sql.push("attachments".into());
        }
        // The help center lives in a third (`help_center/database.rs`).
        if uses.help_center {
            want_sql.push("help_center".into());
        }
        // The held long-polls in a fourth (`held_polls/database.rs`).
        if uses.live {
            want_sql.push("live".into());
        }
        let want_kv: &[String] = if uses.key_value { &default } else { &[] };
        if c.sqlite_databases != want_sql {
            problems.push(format!(
                "[component.{id}] sqlite_databases = {:?}; surface uses sqlite: {}, files: {}, \
                 help_center: {}, live: {} -> sqlite_databases = {want_sql:?}",
                c.sqlite_databases, uses.sqlite, uses.files, uses.help_center, uses.live,
            ));
        }
        if c.key_value_stores != want_kv {
            problems.push(format!(
                "[component.{id}] key_value_stores = {:?}; surface uses key-value: {} -> {}",
                c.key_value_stores,
                uses.key_value,
                if uses.key_value {
                    "key_value_stores = [\"default\"]"
                } else {
                    "remove it"
                }
            ));
        }
        if c.allowed_outbound_hosts.is_empty() == uses.outbound {
            problems.push(format!(
                "[component.{id}] allowed_outbound_hosts = {:?}; surface uses outbound: {} -> {}",
                c.allowed_outbound_hosts,
                uses.outbound,
                if uses.outbound {
                    "list the hosts it calls"
                } else {
                    "remove it"
                }
            ));
        }
        for entry in &c.allowed_outbound_hosts {
            for name in template_variables(entry) {
                if !m.variables.contains_key(&name) {
                    problems.push(format!(
                        "[component.{id}] allowed_outbound_hosts entry {entry:?} uses undeclared variable {name}"
                    ));
                }
            }
        }
        let actions = c.dependencies.get("spindesk:bot/actions");
        match (uses.actions, actions.and_then(|d| d.path.as_deref())) {
            (true, Some(ACTIONS_WASM)) | (false, None) => {}
            (true, other) => problems.push(format!(
                "[component.{id}.dependencies] \"spindesk:bot/actions\" = {other:?}; the surface runs the bot -> {{ path = {ACTIONS_WASM:?} }}"
            )),
            (false, Some(_)) => problems.push(format!(
                "[component.{id}.dependencies] names spindesk:bot/actions, which the surface does not import: remove it"
            )),
        }
        if c.dependencies.len() > usize::from(actions.is_some())
            || c.dependencies_inherit_configuration
        {
            problems.push(format!(
                "[component.{id}] only the actions dependency, and it inherits nothing (dependencies_inherit_configuration = false)"
            ));
        }
        let mapped: BTreeSet<&str> = c.variables.keys().map(String::as_str).collect();
        let used: BTreeSet<&str> = uses.variables.iter().copied().collect();
        for name in used.difference(&mapped) {
            problems.push(format!(
                "[component.{id}.variables] lacks {name} = \"{{{{ {name} }}}}\""
            ));
        }
        for name in mapped.difference(&used) {
            problems.push(format!(
                "[component.{id}.variables] maps {name}, which the surface does not use: remove it"
            ));
        }
        for (name, template) in &c.variables {
            for var in template_variables(template) {
                if !m.variables.contains_key(&var) {
                    problems.push(format!("[component.{id}.variables] {name} refers to {var}, which [variables] does not declare"));
                }
            }
        }
    }
    assert_no_problems(problems);
}

/// Spin defines only the SQLite database `default`; `spin up` refuses to start when a component
/// is granted another one its runtime config does not define. So every runtime config we ship
/// defines every database `spin.toml` grants, and a local file lands in `.spin/` beside Spin's
/// own: Spin resolves a relative SQLite path against the directory `spin up` runs in (the
/// repository's root, as the README says), not against the runtime config's folder.
#[test]
fn every_runtime_config_defines_the_databases_components_are_granted() {
    let spin: toml::Table = read_toml(&root().join("spin.toml"));
    let mut granted = BTreeSet::new();
    for (_, component) in spin["component"].as_table().unwrap() {
        for db in component
            .get("sqlite_databases")
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
        {
            granted.insert(db.as_str().unwrap().to_owned());
        }
    }
    granted.remove("default");
    assert!(granted.contains("attachments"), "{granted:?}");
    assert!(granted.contains("help_center"), "{granted:?}");
    let mut problems = Vec::new();
    let mut configs = 0;
    for entry in std::fs::read_dir(root().join("runtime-config")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        configs += 1;
        let config = read_toml(&path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let databases = config.get("sqlite_database").and_then(|d| d.as_table());
        for db in &granted {
            let Some(entry) = databases.and_then(|d| d.get(db)) else {
                problems.push(format!("{name} does not define sqlite_database.{db}"));
                continue;
            };
            let local = entry.get("type").and_then(|t| t.as_str()) == Some("spin");
            let path = entry.get("path").and_then(|p| p.as_str()).unwrap_or("");
            if local && !(path.starts_with(".spin/") || path.starts_with('/')) {
                problems.push(format!(
                    "{name}: sqlite_database.{db} path {path:?} is not under .spin/ \
                     (relative to where spin up runs)"
                ));
            }
        }
    }
    assert!(configs >= 4, "runtime-config/*.toml: {configs}");
    assert_no_problems(problems);
}
