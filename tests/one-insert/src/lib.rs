//! One SQLite INSERT per request, on the `default` database in WAL mode: the reference the
//! busy-desk goals are stated against ("≥ 0.40× the one-INSERT component"). The table is made
//! on the first request that finds it missing, so every other request is the INSERT alone.

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::http_component;
use spin_sdk::sqlite::{Connection, Value};

#[http_component]
fn handle(_req: Request) -> anyhow::Result<impl IntoResponse> {
    let conn = Connection::open_default()?;
    let insert = || conn.execute("INSERT INTO hits (at) VALUES (?)", &[Value::Integer(1)]);
    if insert().is_err() {
        conn.execute("PRAGMA journal_mode = WAL", &[])?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)",
            &[],
        )?;
        insert()?;
    }
    Ok(Response::new(201, ()))
}
