use spindesk_core::ports::{log_line, Level, Log, Random};
use std::sync::{Arc, Mutex};

/// Keeps every line, for tests that check what was logged (and that no secret was).
#[derive(Clone, Default)]
pub struct RecordingLog {
    lines: Arc<Mutex<Vec<String>>>,
}

impl RecordingLog {
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Log for RecordingLog {
    fn log(&self, level: Level, event: &str, detail: &str) {
        if let Ok(mut lines) = self.lines.lock() {
            lines.push(log_line("test", level, event, detail));
        }
    }
}

/// Standard error, one line per event, tagged with the request (the dev server's log).
pub struct StderrLog {
    request_id: String,
}

impl StderrLog {
    /// A log for one request, with a fresh id.
    pub fn for_request(random: &dyn Random) -> Self {
        let mut bytes = [0u8; 4];
        random.fill(&mut bytes);
        StderrLog {
            request_id: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

impl Log for StderrLog {
    fn log(&self, level: Level, event: &str, detail: &str) {
        eprintln!("{}", log_line(&self.request_id, level, event, detail));
    }
}
