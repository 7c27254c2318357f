//! Which answer a customer's free text is about.
//!
//! Each answer is scored by the best overlap (Dice coefficient of analysed terms) between the
//! message and one of its training phrases in the conversation's locale (falling back to every
//! locale's phrases); a keyword contained in the message scores 1. Above [`THRESHOLD`] the best
//! answer wins; two answers within [`TIE_MARGIN`] of each other are ambiguous (the bot asks which
//! one was meant).

use super::model::{Answer, Bot};
use super::terms::terms;
use std::collections::BTreeSet;

pub const THRESHOLD: f64 = 0.4;
pub const TIE_MARGIN: f64 = 0.05;

#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Answer { id: String, score: f64 },
    Ambiguous(Vec<String>),
    Nothing,
}

fn dice(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count();
    2.0 * shared as f64 / (a.len() + b.len()) as f64
}

fn phrases_for<'a>(answer: &'a Answer, locale: &str) -> Vec<&'a String> {
    let language = locale.split(['-', '_']).next().unwrap_or(locale);
    let local: Vec<&String> = answer
        .phrases
        .iter()
        .filter(|(l, _)| l.eq_ignore_ascii_case(locale) || l.eq_ignore_ascii_case(language))
        .flat_map(|(_, p)| p)
        .collect();
    if local.is_empty() {
        answer.phrases.values().flatten().collect()
    } else {
        local
    }
}

/// How well `message` (already analysed into `words`) fits `answer`, in 0..=1.
fn score(answer: &Answer, message: &str, words: &BTreeSet<String>, locale: &str) -> f64 {
    let folded = message.to_lowercase();
    let keyword_hit = answer.keywords.iter().any(|k| {
        let k = k.trim().to_lowercase();
        !k.is_empty() && folded.contains(&k)
    });
    if keyword_hit {
        return 1.0;
    }
    phrases_for(answer, locale)
        .into_iter()
        .map(|p| dice(words, &terms(p).into_iter().collect()))
        .fold(0.0, f64::max)
}

pub fn match_answer(bot: &Bot, message: &str, locale: &str) -> Intent {
    let words: BTreeSet<String> = terms(message).into_iter().collect();
    let mut scored: Vec<(f64, &str)> = bot
        .answers
        .iter()
        .map(|a| (score(a, message, &words, locale), a.id.as_str()))
        .filter(|(s, _)| *s >= THRESHOLD)
        .collect();
    // Highest first; equal scores keep the admin's order of answers (stable sort).
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    match scored.as_slice() {
        [] => Intent::Nothing,
        [(best, id), rest @ ..] => {
            let tied: Vec<String> = std::iter::once(*id)
                .chain(
                    rest.iter()
                        .take_while(|(s, _)| best - s < TIE_MARGIN)
                        .map(|(_, id)| *id),
                )
                .map(str::to_owned)
                .collect();
            if tied.len() > 1 {
                Intent::Ambiguous(tied.into_iter().take(3).collect())
            } else {
                Intent::Answer {
                    id: (*id).to_owned(),
                    score: *best,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bot() -> Bot {
        serde_json::from_value(json!({
            "answers": [
                {"id": "password", "name": "Reset password",
                 "phrases": {"en": ["I forgot my password", "reset my password"],
                             "ko": ["비밀번호를 잊어버렸어요", "비밀번호 재설정"]},
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]},
                {"id": "order", "name": "Order status",
                 "phrases": {"en": ["where is my order", "track my order"],
                             "ko": ["주문한 상품이 어디 있나요", "배송 조회"]},
                 "keywords": ["tracking number"],
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]},
                {"id": "refund-order", "name": "Refund",
                 "phrases": {"en": ["refund my order"]},
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]},
                {"id": "cancel-order", "name": "Cancel",
                 "phrases": {"en": ["cancel my order"]},
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]}
            ]
        }))
        .unwrap()
    }

    fn id(i: Intent) -> String {
        match i {
            Intent::Answer { id, .. } => id,
            other => panic!("expected one answer, got {other:?}"),
        }
    }

    #[test]
    fn english_and_korean_messages_find_their_answer() {
        let b = bot();
        assert_eq!(
            id(match_answer(&b, "I forgot the password!", "en")),
            "password"
        );
        assert_eq!(
            id(match_answer(&b, "비밀번호를 까먹었어요", "ko-KR")),
            "password"
        );
        assert_eq!(id(match_answer(&b, "배송 조회 하고 싶어요", "ko")), "order");
        assert_eq!(id(match_answer(&b, "Where's my order?", "en")), "order");
    }

    #[test]
    fn keywords_win_outright() {
        assert_eq!(
            id(match_answer(&bot(), "what is the TRACKING NUMBER", "en")),
            "order"
        );
    }

    #[test]
    fn unrelated_text_matches_nothing() {
        assert_eq!(match_answer(&bot(), "hello there", "en"), Intent::Nothing);
        assert_eq!(match_answer(&bot(), "", "en"), Intent::Nothing);
    }

    #[test]
    fn equally_good_answers_are_ambiguous() {
        assert_eq!(
            match_answer(&bot(), "order refund or cancel", "en"),
            Intent::Ambiguous(vec!["refund-order".into(), "cancel-order".into()])
        );
    }
}
