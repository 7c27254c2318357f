//! Text analysis shared by help-center search and the bot's intent matching: one function turns
//! text into the terms both index and query use, so a word is found the way it was written.
//!
//! - Unicode NFKC normalisation and case folding (`ＰＩＮ` = `pin`, `Ｒｅｆｕｎｄ` = `refund`).
//! - Hangul and other CJK text becomes overlapping character bigrams: Korean attaches particles
//!   to nouns (`비밀번호를`, `비밀번호가`) and writes compounds with or without spaces
//!   (`배송조회`, `배송 조회`), so whole tokens rarely match; bigrams do (`비밀번호를` →
//!   `비밀 밀번 번호 호를`), and a two-syllable word (`환불`) is exactly one bigram. A
//!   one-syllable token stays a unigram, and a one-syllable noun before a particle (`앱을`) also
//!   yields the noun (`앱`).
//! - Letter words (Latin and other alphabets) are stemmed with the locale language's Snowball
//!   stemmer (`refunds`, `refunded` → `refund`).
//! - Stop words (function words, greetings, Korean sentence endings) are dropped, so they can
//!   neither match everything nor drown the words that carry the question.
//!
//! Nothing here knows about HTTP or SQL. [`analyze`] is the index side, [`query`] the query side
//! (it adds synonyms). `docs/help-center.md` explains how to add a language.

mod analysis;
mod language;
mod query;
mod segment;
mod stopwords;
mod synonym_terms;
// The source of `synonym_terms` (its test reads it; requests use the analysed table).
#[cfg(test)]
mod synonyms;

pub use analysis::{
    analyze, normalize, strip_particle, terms, Analyzer, Term, ANALYSIS_VERSION, MAX_WORD_CHARS,
};
pub use language::Language;
pub use query::{phrases, query, Query, QueryTerm, MAX_QUERY_TERMS};
pub use segment::{token_iter, tokens, Script, Token};
