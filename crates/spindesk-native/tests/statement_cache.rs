//! `NativeSql` keeps a connection's statements compiled, as Spin's host does (`prepare_cached`),
//! and `count_memory_calls` sees what SQLite allocates. Its own test binary: the counting
//! allocator must be installed before anything in the process initialises SQLite.

use spindesk_core::ports::{Sql, Value};
use spindesk_native::{count_memory_calls, memory_calls, NativeSql};

fn calls() -> u64 {
    memory_calls().iter().sum()
}

#[test]
fn a_statement_run_again_on_its_connection_is_not_compiled_again() {
    assert!(
        count_memory_calls(),
        "SQLite was initialised before the test"
    );
    let sql = NativeSql::open_in_memory();
    sql.execute(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER)",
        &[],
    )
    .expect("create");
    // Big enough to be compiled outside the connection's lookaside.
    let insert = "INSERT INTO notes (body, at) VALUES (?1, ?2)
                  RETURNING id, body, at, length(body) AS size, upper(body) AS loud,
                            (SELECT count(*) FROM notes) AS total,
                            (SELECT max(id) FROM notes) AS last";
    let run = |body: &str| {
        let before = calls();
        let rows = sql
            .execute(insert, &[body.into(), Value::Integer(1)])
            .expect("insert");
        (calls() - before, rows)
    };
    let (first, rows) = run("one");
    assert_eq!(rows.rows.len(), 1);
    assert_eq!(rows.rows[0][1], Value::Text("one".into()));
    let (again, rows) = run("two");
    assert_eq!(rows.rows[0][1], Value::Text("two".into()));
    assert!(
        first > 0,
        "the first run compiled the statement: {first} calls"
    );
    assert!(
        again * 4 < first,
        "compiled once: {first} memory calls the first time, {again} the second"
    );
    // Another connection compiles it for itself, as another Spin instance would.
    let other = NativeSql::open_in_memory();
    other
        .execute(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER)",
            &[],
        )
        .expect("create");
    let before = calls();
    other
        .execute(insert, &["three".into(), Value::Integer(1)])
        .expect("insert");
    assert!(
        calls() - before > again,
        "a fresh connection compiles again"
    );
}
