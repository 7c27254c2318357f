use spindesk_core::ports::{log_line, Level, Log, Random};

/// Component stderr, which Spin writes to its log (`.spin/logs/<component>_stderr.txt` under
/// `spin up`), one line per event tagged with the request. Spin gives a component no request
/// id of its own, so this is the `x-request-id` a proxy in front set, else a fresh one.
pub struct SpinLog {
    request_id: String,
}

impl SpinLog {
    pub fn for_request(req: &http::Request<Vec<u8>>, random: &dyn Random) -> Self {
        let given = req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()));
        let request_id = match given {
            Some(id) => id.to_owned(),
            None => {
                let mut bytes = [0u8; 4];
                random.fill(&mut bytes);
                bytes.iter().map(|b| format!("{b:02x}")).collect()
            }
        };
        SpinLog { request_id }
    }
}

impl Log for SpinLog {
    fn log(&self, level: Level, event: &str, detail: &str) {
        eprintln!("{}", log_line(&self.request_id, level, event, detail));
    }
}
