//! Text splitting and trimming to the limits each vendor puts on a message.

/// How a vendor counts a message's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Unicode scalar values (WhatsApp, Messenger, Viber, Slack, Twilio).
    Chars,
    /// UTF-16 code units (Telegram, LINE): an emoji outside the BMP counts twice.
    Utf16,
    /// UTF-8 bytes (Instagram's 1000-byte text limit).
    Bytes,
}

impl Measure {
    fn of_char(self, c: char) -> usize {
        match self {
            Measure::Chars => 1,
            Measure::Utf16 => c.len_utf16(),
            Measure::Bytes => c.len_utf8(),
        }
    }

    pub fn len(self, text: &str) -> usize {
        match self {
            Measure::Chars => text.chars().count(),
            Measure::Utf16 => text.encode_utf16().count(),
            Measure::Bytes => text.len(),
        }
    }
}

/// Splits `text` into pieces of at most `max` (by `measure`), breaking at a paragraph, line or
/// word boundary in the second half of a piece when there is one, else mid-word. Never breaks
/// inside a character. An empty text is one empty piece.
pub fn split_text(text: &str, max: usize, measure: Measure) -> Vec<String> {
    let max = max.max(1);
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while measure.len(rest) > max {
        // The byte index where the longest allowed prefix ends.
        let mut used = 0;
        let mut end = 0;
        for (i, c) in rest.char_indices() {
            let w = measure.of_char(c);
            if used + w > max {
                break;
            }
            used += w;
            end = i + c.len_utf8();
        }
        if end == 0 {
            // One character wider than `max` (only possible for max < 4): take it anyway.
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let window = &rest[..end];
        let half = window.len() / 2;
        // The window already ends at a word boundary when whitespace follows it.
        let at_boundary = rest[end..].starts_with(char::is_whitespace);
        let cut = if at_boundary {
            end
        } else {
            ["\n\n", "\n", " "]
                .iter()
                .filter_map(|sep| window.rfind(sep).filter(|&at| at >= half && at > 0))
                .next()
                .unwrap_or(end)
        };
        let piece = rest[..cut].trim_end();
        if !piece.is_empty() {
            pieces.push(piece.to_owned());
        }
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest.to_owned());
    }
    pieces
}

/// Splits `text` for a message whose last piece carries options, where that piece has its own
/// (smaller) limit: WhatsApp's interactive body, Slack's section text.
pub fn split_for_options(
    text: &str,
    max: usize,
    max_last: usize,
    measure: Measure,
) -> (Vec<String>, String) {
    let mut pieces = split_text(text, max, measure);
    let last = pieces.pop().unwrap_or_default();
    if measure.len(&last) <= max_last {
        return (pieces, last);
    }
    let mut tail = split_text(&last, max_last, measure);
    let last = tail.pop().unwrap_or_default();
    pieces.extend(tail);
    (pieces, last)
}

/// At most `max` (by `measure`), with an ellipsis when cut: button titles.
pub fn truncate(text: &str, max: usize, measure: Measure) -> String {
    let text = text.trim();
    if measure.len(text) <= max {
        return text.to_owned();
    }
    let mut used = measure.of_char('…');
    let mut out = String::new();
    for c in text.chars() {
        let w = measure.of_char(c);
        if used + w > max {
            break;
        }
        used += w;
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// The payload to send with option `index` (0-based): the bot's own payload when the vendor can
/// carry it, else `#<n>` (1-based), which the conversation maps back to the nth option offered.
pub fn option_payload(payload: &str, index: usize, max_bytes: usize) -> String {
    if !payload.is_empty() && payload.len() <= max_bytes {
        payload.to_owned()
    } else {
        format!("#{}", index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split_text("  hello  ", 10, Measure::Chars), ["hello"]);
        assert_eq!(split_text("", 10, Measure::Chars), [""]);
    }

    #[test]
    fn splits_at_word_boundaries_within_the_limit() {
        let pieces = split_text("one two three four five six", 10, Measure::Chars);
        assert_eq!(pieces, ["one two", "three four", "five six"]);
        assert!(pieces.iter().all(|p| p.chars().count() <= 10));
    }

    #[test]
    fn prefers_paragraph_breaks() {
        let pieces = split_text("first para\n\nsecond one here", 20, Measure::Chars);
        assert_eq!(pieces, ["first para", "second one here"]);
    }

    #[test]
    fn cuts_mid_word_when_there_is_no_space() {
        assert_eq!(
            split_text("abcdefghij", 4, Measure::Chars),
            ["abcd", "efgh", "ij"]
        );
    }

    #[test]
    fn utf16_counts_astral_characters_twice_and_never_splits_them() {
        let text = "😀😀😀"; // 6 UTF-16 units, 3 chars, 12 bytes
        assert_eq!(split_text(text, 4, Measure::Utf16), ["😀😀", "😀"]);
        assert_eq!(split_text(text, 4, Measure::Chars), [text]);
        assert_eq!(split_text(text, 5, Measure::Bytes), ["😀", "😀", "😀"]);
    }

    #[test]
    fn korean_text_splits_on_character_boundaries() {
        let text = "안녕하세요 고객님 주문하신 상품이 내일 도착합니다";
        let pieces = split_text(text, 10, Measure::Bytes);
        assert!(pieces.iter().all(|p| p.len() <= 10), "{pieces:?}");
        assert_eq!(pieces.join(" ").replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn the_options_piece_gets_its_own_limit() {
        let (lead, last) = split_for_options("aaaa bbbb cccc", 100, 5, Measure::Chars);
        assert_eq!(lead, ["aaaa", "bbbb"]);
        assert_eq!(last, "cccc");
    }

    #[test]
    fn truncation_adds_an_ellipsis_within_the_limit() {
        assert_eq!(truncate("Track my order", 8, Measure::Chars), "Track m…");
        assert_eq!(truncate("Short", 8, Measure::Chars), "Short");
    }

    #[test]
    fn long_payloads_fall_back_to_the_option_number() {
        assert_eq!(option_payload("agent", 0, 64), "agent");
        assert_eq!(option_payload(&"x".repeat(65), 2, 64), "#3");
    }
}
