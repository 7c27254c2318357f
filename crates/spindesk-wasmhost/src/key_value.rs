//! `fermyon:spin/key-value@2.0.0` as Spin's default (local) store keeps it: rows in a SQLite
//! file (`sqlite_key_value.db` in the state folder), one table for every label. Only a label
//! the component is granted (`key_value_stores`) opens; Spindesk's components are granted none
//! today, so this answers their `open` with `access-denied`, as Spin would.

use crate::bindings::fermyon::spin::key_value::{self, Error};
use crate::state::Instance;
use rusqlite::OptionalExtension;
use std::sync::{Arc, Mutex};
use wasmtime::component::Resource;

/// An open store (the `store` resource).
pub struct Store {
    label: String,
    conn: Arc<Mutex<rusqlite::Connection>>,
}

impl key_value::Host for Instance {}

fn other(e: impl std::fmt::Display) -> Error {
    Error::Other(e.to_string())
}

impl Instance {
    async fn in_store<T: Send + 'static>(
        &mut self,
        store: &Resource<Store>,
        work: impl FnOnce(&rusqlite::Connection, &str) -> rusqlite::Result<T> + Send + 'static,
    ) -> wasmtime::Result<Result<T, Error>> {
        let s = self.table.get(store)?;
        let (conn, label) = (Arc::clone(&s.conn), s.label.clone());
        Ok(tokio::task::spawn_blocking(move || {
            let conn = conn.lock().map_err(other)?;
            work(&conn, &label).map_err(other)
        })
        .await?)
    }
}

impl key_value::HostStore for Instance {
    async fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<Store>, Error>> {
        if !self.grants.key_value_stores.contains(&label) {
            return Ok(Err(Error::AccessDenied));
        }
        let path = self.app.key_value_path.clone();
        let opened = tokio::task::spawn_blocking(move || {
            let conn = rusqlite::Connection::open(path)?;
            conn.execute(
                "CREATE TABLE IF NOT EXISTS spin_key_value \
                 (store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, \
                  PRIMARY KEY (store, key))",
                [],
            )?;
            Ok::<_, rusqlite::Error>(conn)
        })
        .await?;
        match opened {
            Ok(conn) => Ok(Ok(self.table.push(Store {
                label,
                conn: Arc::new(Mutex::new(conn)),
            })?)),
            Err(e) => Ok(Err(other(e))),
        }
    }

    async fn get(
        &mut self,
        store: Resource<Store>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        self.in_store(&store, move |c, label| {
            c.query_row(
                "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
                (label, &key),
                |r| r.get(0),
            )
            .optional()
        })
        .await
    }

    async fn set(
        &mut self,
        store: Resource<Store>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        self.in_store(&store, move |c, label| {
            c.execute(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
                (label, &key, &value),
            )
            .map(drop)
        })
        .await
    }

    async fn delete(
        &mut self,
        store: Resource<Store>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        self.in_store(&store, move |c, label| {
            c.execute(
                "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                (label, &key),
            )
            .map(drop)
        })
        .await
    }

    async fn exists(
        &mut self,
        store: Resource<Store>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        self.in_store(&store, move |c, label| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2)",
                (label, &key),
                |r| r.get(0),
            )
        })
        .await
    }

    async fn get_keys(
        &mut self,
        store: Resource<Store>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        self.in_store(&store, |c, label| {
            let mut stmt =
                c.prepare("SELECT key FROM spin_key_value WHERE store = ?1 ORDER BY key")?;
            let keys = stmt.query_map([label], |r| r.get(0))?.collect();
            keys
        })
        .await
    }

    async fn drop(&mut self, store: Resource<Store>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}
