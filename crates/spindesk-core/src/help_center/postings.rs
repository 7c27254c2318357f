//! Posting blocks: for one term in one locale, which articles have it, how often, and how long
//! each article is — everything BM25 needs, so a search reads a few blobs and scores in memory
//! instead of asking the database about every matching article.
//!
//! An article's entry lives in block `id >> BLOCK_BITS` of each of its terms, so saving an
//! article rewrites one small blob per term (at most [`BLOCK_ARTICLES`] entries), and a common
//! term of a 10,000-article help center is read as ~80 blobs of a few hundred bytes.

/// Articles per block, as a power of two.
pub const BLOCK_BITS: u32 = 7;
pub const BLOCK_ARTICLES: i64 = 1 << BLOCK_BITS;
/// Bytes per entry: the article id's low bits (1), the weighted frequency (2, little-endian),
/// the article's length in terms (4, little-endian).
const ENTRY_BYTES: usize = 7;

/// One article's entry for a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub article_id: i64,
    /// Occurrences weighted by field (see `index::FIELD_WEIGHTS`), saturating at `u16::MAX`.
    pub frequency: u16,
    /// The article's indexed terms in all fields: BM25's document length.
    pub length: u32,
}

/// The block an article's entries go in.
pub fn block_of(article_id: i64) -> i64 {
    article_id >> BLOCK_BITS
}

/// The entries of a stored block, in article order. Bytes that do not make a whole entry (a
/// damaged blob) are ignored rather than misread.
pub fn decode(block: i64, bytes: &[u8]) -> impl Iterator<Item = Entry> + '_ {
    bytes.chunks_exact(ENTRY_BYTES).map(move |e| Entry {
        article_id: (block << BLOCK_BITS) | i64::from(e[0]),
        frequency: u16::from_le_bytes([e[1], e[2]]),
        length: u32::from_le_bytes([e[3], e[4], e[5], e[6]]),
    })
}

/// `bytes` with `entry` put in its place (replacing the article's old entry, if any).
pub fn upsert(bytes: &[u8], entry: Entry) -> Vec<u8> {
    let low = low_bits(entry.article_id);
    let mut out = Vec::with_capacity(bytes.len() + ENTRY_BYTES);
    let mut placed = false;
    for e in bytes.chunks_exact(ENTRY_BYTES) {
        if !placed && e[0] >= low {
            push(&mut out, low, entry);
            placed = true;
        }
        if e[0] != low {
            out.extend_from_slice(e);
        }
    }
    if !placed {
        push(&mut out, low, entry);
    }
    out
}

/// `bytes` without the article's entry.
pub fn remove(bytes: &[u8], article_id: i64) -> Vec<u8> {
    let low = low_bits(article_id);
    bytes
        .chunks_exact(ENTRY_BYTES)
        .filter(|e| e[0] != low)
        .flatten()
        .copied()
        .collect()
}

fn low_bits(article_id: i64) -> u8 {
    (article_id & (BLOCK_ARTICLES - 1)) as u8
}

fn push(out: &mut Vec<u8>, low: u8, entry: Entry) {
    out.push(low);
    out.extend_from_slice(&entry.frequency.to_le_bytes());
    out.extend_from_slice(&entry.length.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(article_id: i64, frequency: u16) -> Entry {
        Entry {
            article_id,
            frequency,
            length: 1_000 + article_id as u32,
        }
    }

    #[test]
    fn entries_stay_in_article_order_and_replace_their_old_selves() {
        let block = block_of(300);
        assert_eq!(block, 2);
        let mut bytes = Vec::new();
        for (id, f) in [(300, 1), (257, 2), (383, 3), (300, 9)] {
            bytes = upsert(&bytes, entry(id, f));
        }
        let entries: Vec<Entry> = decode(block, &bytes).collect();
        assert_eq!(entries, [entry(257, 2), entry(300, 9), entry(383, 3)]);
        let bytes = remove(&bytes, 300);
        let entries: Vec<Entry> = decode(block, &bytes).collect();
        assert_eq!(entries, [entry(257, 2), entry(383, 3)]);
        assert!(remove(&remove(&bytes, 257), 383).is_empty());
    }

    #[test]
    fn a_damaged_tail_is_ignored() {
        let mut bytes = upsert(&[], entry(5, 4));
        bytes.extend_from_slice(&[1, 2, 3]);
        assert_eq!(decode(0, &bytes).collect::<Vec<_>>(), [entry(5, 4)]);
    }
}
