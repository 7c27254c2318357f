//! Writing a file's bytes to the files port, a part at a time.

use super::error::AttachmentError;
use crate::ports::Env;

/// Bytes per stored part: one row of the `attachments` database, and the most of an upload a
/// component holds at once. 256 KiB: 80 rows for a 20 MiB file (each insert is a host round
/// trip under Spin), while an instance's memory stays small.
pub const PART_BYTES: usize = 256 * 1024;

/// Writes `bytes` under `key` in parts; deletes what it wrote if a part fails.
pub(super) fn write_bytes(env: &Env, key: &str, bytes: &[u8]) -> Result<u64, AttachmentError> {
    let mut offset = 0u64;
    for part in bytes.chunks(PART_BYTES) {
        if let Err(e) = env.files.write_part(key, offset, part) {
            let _ = env.files.delete(key);
            return Err(e.into());
        }
        offset += part.len() as u64;
    }
    if let Err(e) = env.files.finish(key, offset) {
        let _ = env.files.delete(key);
        return Err(e.into());
    }
    Ok(offset)
}
