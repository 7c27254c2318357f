use spin_sdk::key_value::{Error, Store};
use spindesk_core::ports::{KeyValue, KvError};
use std::cell::OnceCell;

/// The component's `default` key-value store, opened on first use.
#[derive(Default)]
pub struct SpinKeyValue {
    store: OnceCell<Store>,
}

impl SpinKeyValue {
    fn store(&self) -> Result<&Store, KvError> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let opened = Store::open_default().map_err(to_error)?;
        Ok(self.store.get_or_init(|| opened))
    }
}

impl KeyValue for SpinKeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.store()?.get(key).map_err(to_error)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.store()?.set(key, value).map_err(to_error)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.store()?.delete(key).map_err(to_error)
    }
}

pub(crate) fn to_error(e: Error) -> KvError {
    KvError(match e {
        Error::AccessDenied => {
            "access denied: the component has no `key_value_stores = [\"default\"]` grant".into()
        }
        Error::NoSuchStore => "no such store: default".into(),
        Error::StoreTableFull => "too many stores open".into(),
        Error::Other(message) => message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_what_went_wrong() {
        assert!(to_error(Error::AccessDenied).0.contains("key_value_stores"));
        assert_eq!(to_error(Error::Other("redis down".into())).0, "redis down");
    }
}
