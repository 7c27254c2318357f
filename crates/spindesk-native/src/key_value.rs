use spindesk_core::ports::{KeyValue, KvError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// An in-memory store shared by every "instance" a test creates (clone it).
#[derive(Clone, Default)]
pub struct MemoryKeyValue {
    map: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl MemoryKeyValue {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl KeyValue for MemoryKeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.lock().get(key).cloned())
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.lock().insert(key.to_owned(), value.to_vec());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.lock().remove(key);
        Ok(())
    }
}
