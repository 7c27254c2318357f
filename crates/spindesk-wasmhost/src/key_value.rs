//! `fermyon:spin/key-value@2.0.0`. No component of Spindesk's is granted a key-value store
//! (`key_value_stores`): its shared state lives in SQLite. The host refuses to start with a
//! manifest that grants one (`App::load`), so every `open` is a component asking for what it
//! was not granted, and gets Spin's answer, `access-denied`; no store is ever open.

use crate::bindings::fermyon::spin::key_value::{self, Error};
use crate::state::Instance;
use wasmtime::component::Resource;

/// An open store: never made (see above).
pub enum Store {}

impl key_value::Host for Instance {}

fn never_open<T>(store: Resource<Store>) -> wasmtime::Result<T> {
    Err(wasmtime::Error::msg(format!(
        "key-value store handle {} was never opened",
        store.rep()
    )))
}

impl key_value::HostStore for Instance {
    async fn open(&mut self, _label: String) -> wasmtime::Result<Result<Resource<Store>, Error>> {
        Ok(Err(Error::AccessDenied))
    }

    async fn get(
        &mut self,
        store: Resource<Store>,
        _key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        never_open(store)
    }

    async fn set(
        &mut self,
        store: Resource<Store>,
        _key: String,
        _value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        never_open(store)
    }

    async fn delete(
        &mut self,
        store: Resource<Store>,
        _key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        never_open(store)
    }

    async fn exists(
        &mut self,
        store: Resource<Store>,
        _key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        never_open(store)
    }

    async fn get_keys(
        &mut self,
        store: Resource<Store>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        never_open(store)
    }

    async fn drop(&mut self, store: Resource<Store>) -> wasmtime::Result<()> {
        never_open(store)
    }
}
