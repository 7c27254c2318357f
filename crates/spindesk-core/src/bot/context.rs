//! What a turn reads from outside the bot: the clock, the outbound HTTP port, the help center,
//! the analysed phrases and what is known about the customer. Apart from the engine so the steps
//! can read it without reading the engine that runs them.

use super::phrases::PhraseIndex;
use super::state::ArticleCard;
use super::template::Variables;
use crate::ports::{Actions, Millis, Outbound, SqlError};

/// The help center, as the bot sees it.
pub trait Articles {
    fn by_ids(&self, ids: &[i64], locale: &str) -> Result<Vec<ArticleCard>, SqlError>;
    fn search(&self, query: &str, locale: &str, limit: usize)
        -> Result<Vec<ArticleCard>, SqlError>;
    /// Articles worth showing before the customer asked anything (promoted, popular).
    fn featured(&self, locale: &str, limit: usize) -> Result<Vec<ArticleCard>, SqlError>;
}

/// No help center (tests of flows that show no articles).
pub struct NoArticles;

impl Articles for NoArticles {
    fn by_ids(&self, _: &[i64], _: &str) -> Result<Vec<ArticleCard>, SqlError> {
        Ok(Vec::new())
    }
    fn search(&self, _: &str, _: &str, _: usize) -> Result<Vec<ArticleCard>, SqlError> {
        Ok(Vec::new())
    }
    fn featured(&self, _: &str, _: usize) -> Result<Vec<ArticleCard>, SqlError> {
        Ok(Vec::new())
    }
}

pub struct Context<'a> {
    /// The conversation's locale (`ko-KR`, `en`).
    pub locale: &'a str,
    pub now_ms: Millis,
    pub outbound: &'a dyn Outbound,
    /// The bot's actions (`run_action` steps), run inside the turn: only data goes in and out.
    pub actions: &'a dyn Actions,
    pub articles: &'a dyn Articles,
    /// The bot's training phrases, analysed when its version was published; `None` (or an
    /// index of another bot) analyses them during the turn.
    pub phrases: Option<&'a PhraseIndex>,
    /// What is known about the customer and the conversation (`customer.name`,
    /// `conversation.channel`); empty values are ignored.
    pub facts: &'a Variables,
}

/// How an awaited API call went: the variables to save, or why it failed.
pub type CallOutcome = Result<Variables, String>;
