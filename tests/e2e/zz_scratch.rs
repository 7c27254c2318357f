use spindesk_core::ports::Sql;
use spindesk_native::NativeSql;

#[test]
fn scratch_schema_cost() {
    for f in ["/tmp/sch/hc_trig.db", "/tmp/sch/hc_notrig.db", "/tmp/sch/main_full.db"] {
        let (c0, b0) = spindesk_native::heap_in_use();
        let sql = NativeSql::open(std::path::Path::new(f));
        sql.execute("SELECT count(*) FROM sqlite_schema", &[]).unwrap();
        let (c1, b1) = spindesk_native::heap_in_use();
        drop(sql);
        let t = std::time::Instant::now();
        for _ in 0..2000 {
            let sql = NativeSql::open(std::path::Path::new(f));
            sql.execute("SELECT count(*) FROM sqlite_schema", &[]).unwrap();
        }
        println!("SCHEMA {f}: {} allocs, {} bytes; {:.1} us per open+load", c1 - c0, b1 - b0, t.elapsed().as_secs_f64() * 1e6 / 2000.0);
    }
}
