//! `spindesk-hold-open FILE...`: holds one idle connection to each SQLite database file for as
//! long as it runs, beside `spin up`, so that no Spin instance's connection is the last to close.
//!
//! SQLite's last connection to close a WAL database checkpoints the log into the database,
//! syncing both, and deletes it; the next connection creates the log again and syncs its header
//! on its first commit. Every Spin instance opens its own connection and closes it when the
//! instance ends, so on a quiet desk (one request at a time) every request does all of that.
//! Held open here, the log stays: SQLite's automatic checkpoints (every 1,000 pages) and the
//! drain's (`POST /api/admin/outbox/drain`) move it into the database instead. The dev server
//! holds its databases itself. See README, "A quiet desk: the last connection to close".

use spindesk_native::WalAnchor;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: spindesk-hold-open FILE...

Holds one idle connection to each SQLite database FILE (e.g. .spin/sqlite_db.db
.spin/help_center.db .spin/attachments.db .spin/live.db) until stopped. A FILE that does not exist yet, or
is not yet in WAL mode, is held once Spindesk's first request has made it so.";

fn main() -> ExitCode {
    let files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if files.is_empty()
        || files
            .iter()
            .any(|f| f.to_str().is_some_and(|f| f.starts_with('-')))
    {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let anchor = WalAnchor::new(files.iter().cloned());
    let mut said = 0;
    loop {
        anchor.hold();
        let held = anchor.held();
        if held != said {
            eprintln!(
                "spindesk-hold-open: holding {held} of {} databases",
                files.len()
            );
            said = held;
        }
        std::thread::sleep(Duration::from_secs(if held == files.len() {
            60
        } else {
            1
        }));
    }
}
