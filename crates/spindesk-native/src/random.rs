use spindesk_core::ports::Random;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The operating system's generator.
#[derive(Clone, Copy, Default)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        getrandom::fill(buf).expect("operating system random source");
    }
}

/// Predictable bytes for tests that need stable tokens: a counter mixed with splitmix64.
#[derive(Clone, Default)]
pub struct SeqRandom {
    state: Arc<AtomicU64>,
}

impl Random for SeqRandom {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let mut z = self
                .state
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::SeqCst);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}
