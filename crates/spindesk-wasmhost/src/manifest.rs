//! What the host reads from `spin.toml` (manifest version 2): the routes, and per component its
//! Wasm file, its grants (SQLite databases, key-value stores, outbound hosts), its variables and
//! its `spindesk:bot/actions` dependency. Anything else in the file is ignored.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    pub trigger: Triggers,
    pub component: BTreeMap<String, Component>,
}

#[derive(Debug, Deserialize)]
pub struct Triggers {
    pub http: Vec<HttpTrigger>,
}

#[derive(Debug, Deserialize)]
pub struct HttpTrigger {
    pub route: String,
    pub component: String,
}

/// An application variable (`[variables]`).
#[derive(Debug, Deserialize)]
pub struct Variable {
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Deserialize)]
pub struct Component {
    pub source: PathBuf,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    /// The component's variables: a name and its template (`"{{ admin_token }}"`).
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub dependencies: BTreeMap<String, Dependency>,
}

#[derive(Debug, Deserialize)]
pub struct Dependency {
    pub path: PathBuf,
}

impl Manifest {
    /// Reads `spin.toml`; relative paths in it are then relative to its folder.
    pub fn read(path: &Path) -> anyhow::Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        let manifest: Manifest =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        for trigger in &manifest.trigger.http {
            if !manifest.component.contains_key(&trigger.component) {
                anyhow::bail!(
                    "route {} names component {:?}, which spin.toml does not define",
                    trigger.route,
                    trigger.component
                );
            }
        }
        Ok(manifest)
    }
}

/// Fills a template's `{{ name }}` parts from `lookup`: Spin's variable syntax in component
/// variables and outbound hosts. An unknown name is an error, as in Spin.
pub fn expand(template: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unclosed {{{{ in {template:?}"))?;
        let name = after[..end].trim();
        let value = lookup(name).ok_or_else(|| format!("no variable {name:?} in {template:?}"))?;
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn templates_fill_from_variables_and_refuse_unknown_ones() {
        let lookup = |n: &str| (n == "host").then(|| "https://a.example".to_owned());
        assert_eq!(
            expand("{{ host }}/x/{{host}}", lookup).unwrap(),
            "https://a.example/x/https://a.example"
        );
        assert!(expand("{{ nope }}", lookup).is_err());
        assert!(expand("{{ host", lookup).is_err());
        assert_eq!(expand("plain", lookup).unwrap(), "plain");
    }
}
