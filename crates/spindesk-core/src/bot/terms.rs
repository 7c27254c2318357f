//! The text analysis intent matching uses: the one function [`terms`].
//!
//! Interim: lower-cased Latin words without a few stop words and a plural `s`, and Hangul runs
//! as syllable bigrams (Korean attaches particles to nouns: `비밀번호를` and `비밀번호` share
//! `비밀`, `밀번`, `번호`). To be replaced by the shared `crate::text` analysis that search uses.

const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "i", "my", "me", "is", "are", "to", "of", "and", "or", "in", "on", "for",
    "it", "do", "can", "you", "your", "what", "how", "please", "s",
];

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = text.to_lowercase();
    for word in lower.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let mut latin = String::new();
        let mut hangul: Vec<char> = Vec::new();
        for c in word.chars() {
            if is_hangul(c) {
                push_latin(&mut out, &mut latin);
                hangul.push(c);
            } else {
                push_hangul(&mut out, &mut hangul);
                latin.push(c);
            }
        }
        push_latin(&mut out, &mut latin);
        push_hangul(&mut out, &mut hangul);
    }
    out
}

fn push_latin(out: &mut Vec<String>, word: &mut String) {
    let w = std::mem::take(word);
    if w.is_empty() || STOP_WORDS.contains(&w.as_str()) {
        return;
    }
    let stemmed = match w.strip_suffix('s') {
        Some(stem) if stem.len() >= 3 && !stem.ends_with('s') => stem.to_owned(),
        _ => w,
    };
    out.push(stemmed);
}

fn push_hangul(out: &mut Vec<String>, run: &mut Vec<char>) {
    let r = std::mem::take(run);
    match r.len() {
        0 => {}
        1 => out.push(r[0].to_string()),
        _ => out.extend(r.windows(2).map(|w| w.iter().collect())),
    }
}

#[cfg(test)]
mod tests {
    use super::terms;

    #[test]
    fn latin_words_and_hangul_bigrams() {
        assert_eq!(terms("Where are my Orders?"), ["where", "order"]);
        assert_eq!(
            terms("비밀번호를 잊음"),
            ["비밀", "밀번", "번호", "호를", "잊음"]
        );
        assert_eq!(terms("SMS인증"), ["sms", "인증"]);
    }
}
