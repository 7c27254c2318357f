//! A satisfaction rating's values: its score, and what a ticket shows of it.

use crate::ports::SqlError;
use crate::store::Row;

/// A rating's score. `Unoffered` is never stored: it is a ticket without a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Score {
    Unoffered,
    Offered,
    Good,
    Bad,
}

impl Score {
    pub fn as_str(self) -> &'static str {
        match self {
            Score::Unoffered => "unoffered",
            Score::Offered => "offered",
            Score::Good => "good",
            Score::Bad => "bad",
        }
    }

    pub fn parse(raw: &str) -> Option<Score> {
        [Score::Unoffered, Score::Offered, Score::Good, Score::Bad]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// What a ticket shows of its rating (`json_array(id, score, comment)` in
/// [`super::record::COLUMNS`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub id: i64,
    pub score: Score,
    pub comment: String,
}

impl Summary {
    pub fn from_json(raw: Option<&str>) -> Result<Option<Summary>, SqlError> {
        let Some(raw) = raw else {
            return Ok(None);
        };
        let parsed: Option<(i64, String, String)> = serde_json::from_str(raw).ok();
        let (id, score, comment) =
            parsed.ok_or_else(|| Row::invalid("satisfaction", format!("not a rating: {raw}")))?;
        let score = Score::parse(&score)
            .ok_or_else(|| Row::invalid("satisfaction", format!("unknown score {score:?}")))?;
        Ok(Some(Summary { id, score, comment }))
    }
}
