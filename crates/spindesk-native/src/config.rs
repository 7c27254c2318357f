use spindesk_core::ports::Config;
use std::collections::HashMap;

/// Variables from a map; empty values count as unset, as with Spin's `default = ""`.
#[derive(Clone, Default)]
pub struct MapConfig {
    values: HashMap<String, String>,
}

impl MapConfig {
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.values.insert(name.to_owned(), value.to_owned());
        self
    }
}

impl Config for MapConfig {
    fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).filter(|v| !v.is_empty()).cloned()
    }
}
