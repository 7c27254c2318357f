//! The shape of the code, checked like behaviour (`docs/architecture.md` explains it): the
//! core's files import downward only — no file imports a file that imports it, directly or
//! round a longer circle —, no source file is over 800 lines, and only the store and its
//! adapters turn engine messages into `SqlError`s (the domain says what went wrong with
//! `spindesk_core::Error`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the repository")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A module path (`["channels", "wire"]`) for each file of the core, `lib.rs` as `[]`.
fn modules(src: &Path) -> BTreeMap<Vec<String>, String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(src)
                .expect("under src")
                .with_extension("");
            let mut module: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module == ["lib"] {
                module.clear();
            }
            let text = std::fs::read_to_string(&path).expect("readable source");
            (module, text)
        })
        .collect()
}

/// The code a file runs, without its unit tests, comments and visibility paths
/// (`pub(in crate::channels)` names a scope, not a dependency).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::new();
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("");
        out.push_str(line);
        out.push('\n');
    }
    while let Some(start) = out.find("pub(in ") {
        let end = out[start..].find(')').map_or(out.len(), |e| start + e + 1);
        out.replace_range(start..end, "pub");
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Paths a file names: `crate::a::b`, `super::a`, its own submodules `child::x`, and the
/// members of `use crate::a::{b, c::d}` groups. Each as segments from the crate root.
fn named_paths(module: &[String], code: &str, children: &[String]) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if i > 0 && (is_ident(chars[i - 1]) || chars[i - 1] == ':') || !is_ident(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut segments: Vec<String> = Vec::new();
        loop {
            let s = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            segments.push(chars[s..i].iter().collect());
            if chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':') {
                i += 2;
                if chars.get(i) == Some(&'{') {
                    // A use group: each member continues the path so far.
                    let end = chars[i..]
                        .iter()
                        .position(|c| *c == '}')
                        .map_or(chars.len(), |e| i + e);
                    let group: String = chars[i + 1..end].iter().collect();
                    for member in group.split(',') {
                        let member = member.split(" as ").next().unwrap_or("").trim();
                        if member.is_empty() || member == "self" {
                            continue;
                        }
                        let mut full = segments.clone();
                        full.extend(member.split("::").map(|m| m.trim().to_owned()));
                        paths.push(full);
                    }
                    i = end;
                    break;
                }
                if i < chars.len() && is_ident(chars[i]) {
                    continue;
                }
            }
            break;
        }
        if i == start {
            i += 1;
        }
        if segments.len() > 1 {
            paths.push(segments);
        }
    }
    paths
        .into_iter()
        .filter_map(|path| {
            let mut full: Vec<String> = match path[0].as_str() {
                "crate" => Vec::new(),
                "super" => module.to_vec(),
                first if children.iter().any(|c| c == first) => module.to_vec(),
                _ => return None,
            };
            let mut rest = &path[..];
            if rest[0] == "crate" {
                rest = &rest[1..];
            }
            while rest.first().is_some_and(|s| s == "super") {
                rest = &rest[1..];
                full.pop();
            }
            full.extend(rest.iter().cloned());
            Some(full)
        })
        .collect()
}

/// Which file a path lands in: the longest prefix that is a module of the crate.
fn file_of<'a>(
    path: &[String],
    modules: &'a BTreeMap<Vec<String>, String>,
) -> Option<&'a Vec<String>> {
    (1..=path.len())
        .rev()
        .find_map(|n| modules.get_key_value(&path[..n]).map(|(k, _)| k))
}

fn children(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line.strip_prefix("pub ").unwrap_or(line);
            let rest = match rest.strip_prefix("pub(") {
                Some(r) => r.split_once(") ").map_or(r, |(_, r)| r),
                None => rest,
            };
            let name = rest.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.to_owned())
        })
        .collect()
}

/// Each file's imports of other files of the crate (lib.rs, which only declares and
/// re-exports, is left out).
fn imports(
    modules: &BTreeMap<Vec<String>, String>,
) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    modules
        .iter()
        .filter(|(m, _)| !m.is_empty())
        .map(|(module, text)| {
            let kids = children(text);
            let deps = named_paths(module, &code(text), &kids)
                .iter()
                .filter_map(|p| file_of(p, modules))
                .filter(|f| !f.is_empty() && *f != module)
                .cloned()
                .collect();
            (module.clone(), deps)
        })
        .collect()
}

/// One circle of imports, if there is any (a depth-first search for a back edge).
fn a_circle(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        marks: &mut BTreeMap<Vec<String>, Mark>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<String>> {
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut circle: Vec<String> =
                        stack[from..].iter().map(|n| n.join("/")).collect();
                    circle.push(next.join("/"));
                    return Some(circle);
                }
                Some(Mark::Done) => {}
                None => {
                    if let Some(circle) = visit(next, graph, marks, stack) {
                        return Some(circle);
                    }
                }
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if !marks.contains_key(node) {
            if let Some(circle) = visit(node, graph, &mut marks, &mut Vec::new()) {
                return Some(circle);
            }
        }
    }
    None
}

#[test]
fn the_core_has_no_import_circles() {
    let modules = modules(&repo().join("crates/spindesk-core/src"));
    let graph = imports(&modules);
    // The check must see real imports, or an empty graph would pass.
    let switchboard = graph
        .get(&vec!["switchboard".to_owned()])
        .expect("switchboard.rs");
    assert!(switchboard.contains(&vec!["conversation".to_owned()]));
    assert!(switchboard.contains(&vec!["tickets".to_owned()]));
    if let Some(circle) = a_circle(&graph) {
        panic!("import circle: {}", circle.join(" -> "));
    }
}

#[test]
fn the_circle_check_finds_a_circle() {
    let mut modules = BTreeMap::new();
    modules.insert(vec!["a".to_owned()], "use crate::b::Thing;\n".to_owned());
    modules.insert(
        vec!["b".to_owned()],
        "use super::{a::Other, c};\n".to_owned(),
    );
    modules.insert(vec!["c".to_owned()], "pub fn f() {}\n".to_owned());
    let circle = a_circle(&imports(&modules)).expect("a and b import each other");
    assert_eq!(circle.first(), circle.last());
    assert!(circle.contains(&"a".to_owned()) && circle.contains(&"b".to_owned()));
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut files = Vec::new();
    for dir in ["crates", "components"] {
        rust_files(&repo().join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter(|p| p.components().any(|c| c.as_os_str() == "src"))
        .filter_map(|p| {
            let lines = std::fs::read_to_string(p).ok()?.lines().count();
            (lines > 800).then(|| format!("{} ({lines} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "split by responsibility: {long:?}");
}

#[test]
fn only_the_store_and_its_adapters_make_sql_errors_from_messages() {
    let src = repo().join("crates/spindesk-core/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let outside: Vec<String> = files
        .iter()
        .filter(|p| !p.starts_with(src.join("store")) && *p != &src.join("ports.rs"))
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("SqlError::from_message")))
        .map(|p| p.display().to_string())
        .collect();
    assert!(outside.is_empty(), "use spindesk_core::Error: {outside:?}");
}
