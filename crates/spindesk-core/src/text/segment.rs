//! Splitting text into tokens by script, keeping byte offsets into the original text so callers
//! (snippets) can point back at what the customer or author wrote.

use unicode_normalization::UnicodeNormalization;

/// The writing system of a token; it decides how the token becomes terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Hangul syllables: Korean. Overlapping syllable bigrams.
    Hangul,
    /// Han ideographs, Hiragana, Katakana: Chinese and Japanese. Overlapping character bigrams.
    Cjk,
    /// Letters and digits of every other script (Latin, Cyrillic, Greek, ...): words.
    Word,
}

/// One token of the original text: `text[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
    pub script: Script,
}

/// What a character is for segmentation. Compatibility forms (full-width Latin, half-width
/// Katakana, circled digits) are classified by what NFKC turns them into, so `ＰＩＮ` is a word
/// and `ｶﾀｶﾅ` is CJK before normalisation runs.
fn class(c: char) -> Option<Script> {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric().then_some(Script::Word);
    }
    let c = if is_compatibility_form(c) {
        c.nfkc().next().unwrap_or(c)
    } else {
        c
    };
    match c as u32 {
        0xAC00..=0xD7A3 => Some(Script::Hangul),
        // Hiragana, Katakana (with the prolonged sound mark), CJK ideographs and extensions.
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF => Some(Script::Cjk),
        0x20000..=0x2FFFF => Some(Script::Cjk),
        // Hangul jamo on their own (ㅋㅋ, ㅠㅠ) are chat noise, not words.
        0x1100..=0x11FF | 0x3130..=0x318F => None,
        _ if c.is_alphanumeric() => Some(Script::Word),
        _ => None,
    }
}

fn is_compatibility_form(c: char) -> bool {
    matches!(c as u32, 0xFF00..=0xFFEF | 0x2460..=0x24FF | 0x3200..=0x33FF | 0xFB00..=0xFB4F)
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// The tokens of `text`, in order. An apostrophe between two letters stays inside a word
/// (`don't`, `customer's`); everything that is not a letter or digit separates tokens, and a
/// change of script does too (`iPhone에서` is `iPhone` + `에서`).
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    token_iter(text).collect()
}

/// [`tokens`] one at a time, for a caller that may stop early (a snippet needs the tokens up to
/// its window's end, not the whole body's).
pub fn token_iter(text: &str) -> Tokens<'_> {
    Tokens {
        text,
        chars: text.char_indices().peekable(),
        current: None,
    }
}

/// The iterator of [`token_iter`].
pub struct Tokens<'a> {
    text: &'a str,
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    /// The token being read: its start and script.
    current: Option<(usize, Script)>,
}

impl<'a> Tokens<'a> {
    fn token(&self, start: usize, end: usize, script: Script) -> Token<'a> {
        Token {
            start,
            end,
            text: &self.text[start..end],
            script,
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        while let Some((i, c)) = self.chars.next() {
            let cls = class(c);
            if let (Some((_, Script::Word)), true) = (self.current, is_apostrophe(c)) {
                let next_is_word = self
                    .chars
                    .peek()
                    .is_some_and(|&(_, n)| class(n) == Some(Script::Word));
                if next_is_word {
                    continue;
                }
            }
            match (self.current, cls) {
                (Some((_, script)), Some(cls)) if script == cls => {}
                (Some((start, script)), _) => {
                    self.current = cls.map(|s| (i, s));
                    return Some(self.token(start, i, script));
                }
                (None, cls) => self.current = cls.map(|s| (i, s)),
            }
        }
        let (start, script) = self.current.take()?;
        Some(self.token(start, self.text.len(), script))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(&str, Script)> {
        tokens(s).into_iter().map(|t| (t.text, t.script)).collect()
    }

    #[test]
    fn splits_by_script_and_keeps_apostrophes_inside_words() {
        assert_eq!(
            texts("I can't log in — iPhone에서 비밀번호를!"),
            [
                ("I", Script::Word),
                ("can't", Script::Word),
                ("log", Script::Word),
                ("in", Script::Word),
                ("iPhone", Script::Word),
                ("에서", Script::Hangul),
                ("비밀번호를", Script::Hangul),
            ]
        );
    }

    #[test]
    fn compatibility_forms_are_classified_by_their_normal_form() {
        assert_eq!(
            texts("ＰＩＮ ｶﾀｶﾅ ㅋㅋㅋ 東京"),
            [
                ("ＰＩＮ", Script::Word),
                ("ｶﾀｶﾅ", Script::Cjk),
                ("東京", Script::Cjk)
            ]
        );
    }

    #[test]
    fn offsets_point_into_the_original() {
        let s = "환불, refund's";
        for t in tokens(s) {
            assert_eq!(&s[t.start..t.end], t.text);
        }
    }
}
