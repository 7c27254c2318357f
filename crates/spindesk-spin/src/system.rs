use spindesk_core::ports::{Clock, Millis, Random};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `wasi:clocks`; sleeping parks the instance in the host, which keeps serving other requests.
#[derive(Clone, Copy, Default)]
pub struct SpinClock;

impl Clock for SpinClock {
    fn now_ms(&self) -> Millis {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Millis::try_from(since.as_millis()).unwrap_or(Millis::MAX)
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// `wasi:random/random` (the host's CSPRNG), called through the `wasi` 0.13 bindings that
/// spin-sdk itself uses. Not getrandom 0.3: it builds for wasm32-wasip2, but its `wasip2`
/// bindings declare WASI 0.2.12, which raises every WASI import of the component from 0.2.6 (what
/// spin-sdk 5.2 alone needs, and what Spin 4 is observed to run) to 0.2.12.
#[derive(Clone, Copy, Default)]
pub struct SpinRandom;

impl Random for SpinRandom {
    fn fill(&self, buf: &mut [u8]) {
        let mut filled = 0;
        while filled < buf.len() {
            let wanted = (buf.len() - filled) as u64;
            let bytes = wasi::random::random::get_random_bytes(wanted);
            // The interface returns exactly `wanted` bytes and cannot fail. Going on without
            // randomness would mint guessable tokens, so a broken host stops the request.
            assert!(!bytes.is_empty(), "wasi:random/random returned no bytes");
            let n = bytes.len().min(buf.len() - filled);
            buf[filled..filled + n].copy_from_slice(&bytes[..n]);
            filled += n;
        }
    }
}
