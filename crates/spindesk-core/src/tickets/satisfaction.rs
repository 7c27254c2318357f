//! Customer satisfaction (Zendesk's `satisfaction_rating`): when a ticket is solved, the
//! customer is asked in their own conversation — so every channel delivers the question the
//! way it delivers the bot (widget buttons, quick replies, numbered options on SMS) — to rate
//! the support Good or Bad, then invited to add a comment. They can change the rating until
//! the ticket closes. One row per ticket; each rating is also an audit event.

use super::audit::{self, Event, EventType};
use super::rating::Score;
use super::record::{by_id as ticket_by_id, Ticket};
use super::status::TicketStatus;
use crate::bot;
use crate::conversation::{self, Conversation, Outgoing};
use crate::error::{Error, Result};
use crate::message::{AuthorType, Message, QuickReply};
use crate::ports::{Env, Millis, SqlError};
use crate::store::{Db, Row};
use crate::users::User;

#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub id: i64,
    pub ticket_id: i64,
    pub score: Score,
    pub comment: String,
    pub awaiting_comment: bool,
    pub created_at: Millis,
    pub rated_at: Option<Millis>,
    pub updated_at: Millis,
}

pub const COLUMNS: &str =
    "id, ticket_id, score, comment, awaiting_comment, created_at, rated_at, updated_at";

pub fn from_row(r: &Row) -> Result<Rating, SqlError> {
    let raw = r.string("score")?;
    Ok(Rating {
        id: r.i64("id")?,
        ticket_id: r.i64("ticket_id")?,
        score: Score::parse(&raw)
            .ok_or_else(|| Row::invalid("score", format!("unknown score {raw:?}")))?,
        comment: r.string("comment")?,
        awaiting_comment: r.bool("awaiting_comment")?,
        created_at: r.i64("created_at")?,
        rated_at: r.opt_i64("rated_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

pub fn of_ticket(db: &Db, ticket_id: i64) -> Result<Option<Rating>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM satisfaction_ratings WHERE ticket_id = ?"),
        &[ticket_id.into()],
        from_row,
    )?)
}

pub fn by_id(db: &Db, id: i64) -> Result<Option<Rating>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM satisfaction_ratings WHERE id = ?"),
        &[id.into()],
        from_row,
    )?)
}

/// The texts the customer sees, in their language (Korean or English).
struct Texts {
    question: &'static str,
    good: &'static str,
    bad: &'static str,
    ask_comment: &'static str,
    no_comment: &'static str,
    thanks: &'static str,
}

const EN: Texts = Texts {
    question: "How would you rate the support you received?",
    good: "Good",
    bad: "Bad",
    ask_comment: "Thanks! Anything you want to add?",
    no_comment: "No, thanks",
    thanks: "Thank you for your feedback.",
};

const KO: Texts = Texts {
    question: "받으신 상담은 어떠셨나요?",
    good: "좋았어요",
    bad: "아쉬웠어요",
    ask_comment: "감사합니다! 더 남기고 싶은 말씀이 있으신가요?",
    no_comment: "없어요",
    thanks: "소중한 의견 감사합니다.",
};

fn texts(user: &User) -> &'static Texts {
    if user.locale.to_ascii_lowercase().starts_with("ko") {
        &KO
    } else {
        &EN
    }
}

/// What a tap on one of the rating's buttons carries: `csat:<good|bad|skip>:<ticket id>`.
const PREFIX: &str = "csat:";

fn payload(choice: &str, ticket_id: i64) -> String {
    format!("{PREFIX}{choice}:{ticket_id}")
}

/// A tap: the choice and the ticket it rates.
fn parse_payload(raw: &str) -> Option<(Choice, i64)> {
    let rest = raw.strip_prefix(PREFIX)?;
    let (choice, id) = rest.split_once(':')?;
    let choice = match choice {
        "good" => Choice::Rate(Score::Good),
        "bad" => Choice::Rate(Score::Bad),
        "skip" => Choice::Skip,
        _ => return None,
    };
    Some((choice, id.parse().ok()?))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Rate(Score),
    Skip,
}

fn say(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    text: &str,
    actions: Vec<QuickReply>,
) -> Result<Message> {
    conversation::post(
        env,
        db,
        conversation_id,
        &Outgoing {
            author_type: AuthorType::Bot,
            author_id: None,
            author_name: bot::NAME.to_owned(),
            text: text.to_owned(),
            actions,
        },
    )
}

/// Asks the customer to rate a ticket just solved (caller's transaction): once per ticket —
/// a ticket solved again after a reopen keeps its rating and the buttons already sent. Nothing
/// for tickets without a conversation (nowhere to ask). Returns the question posted and the
/// `SatisfactionRating` event for the caller's audit of the update.
pub fn offer(env: &Env, db: &Db, ticket: &Ticket) -> Result<Option<(Message, Event)>> {
    let Some(conversation_id) = ticket.conversation_id else {
        return Ok(None);
    };
    let now = env.clock.now_ms();
    let inserted = db.query_i64(
        "INSERT INTO satisfaction_ratings (ticket_id, score, created_at, updated_at)
         VALUES (?, 'offered', ?, ?) ON CONFLICT (ticket_id) DO NOTHING RETURNING id",
        &[ticket.id.into(), now.into(), now.into()],
    )?;
    if inserted.is_none() {
        return Ok(None);
    }
    let requester = crate::users::by_id(db, ticket.requester_id)?.ok_or(Error::NotFound("user"))?;
    let t = texts(&requester);
    let actions = vec![
        QuickReply::new(t.good, &payload("good", ticket.id)),
        QuickReply::new(t.bad, &payload("bad", ticket.id)),
    ];
    let message = say(env, db, conversation_id, t.question, actions)?;
    let offered = Event {
        kind: EventType::SatisfactionRating,
        field_name: Some("satisfaction_score".into()),
        value: Some(Score::Offered.as_str().into()),
        previous_value: Some(Score::Unoffered.as_str().into()),
        reason: Some("solved".into()),
    };
    Ok(Some((message, offered)))
}

/// Takes the customer's `message` as their rating or its comment, when it is one (caller's
/// transaction): a tap on the rating's buttons for a ticket of this conversation that is not
/// closed, or the free text that follows a rating of the conversation's solved ticket. Returns
/// what Spindesk answered, or `None` when the message is not about a rating — then the bot or
/// the agents take it as usual (after close a tap changes nothing).
pub fn intercept(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    message: &Message,
) -> Result<Option<Vec<Message>>> {
    match message.payload.as_deref().and_then(parse_payload) {
        Some((choice, ticket_id)) => tapped(env, db, conversation, user, choice, ticket_id),
        None if message.payload.is_none() => commented(env, db, conversation, user, message),
        None => Ok(None),
    }
}

/// The rating's ticket, if `user` may rate it now: theirs, from this conversation, offered,
/// and not closed.
fn rateable(
    db: &Db,
    conversation: &Conversation,
    user: &User,
    ticket_id: i64,
) -> Result<Option<(Ticket, Rating)>> {
    let Some(ticket) = ticket_by_id(db, ticket_id)? else {
        return Ok(None);
    };
    if ticket.conversation_id != Some(conversation.id)
        || ticket.requester_id != user.id
        || ticket.status == TicketStatus::Closed
    {
        return Ok(None);
    }
    Ok(of_ticket(db, ticket_id)?.map(|rating| (ticket, rating)))
}

fn tapped(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    choice: Choice,
    ticket_id: i64,
) -> Result<Option<Vec<Message>>> {
    let Some((ticket, rating)) = rateable(db, conversation, user, ticket_id)? else {
        return Ok(None);
    };
    let now = env.clock.now_ms();
    let t = texts(user);
    match choice {
        Choice::Rate(score) => {
            db.execute(
                "UPDATE satisfaction_ratings SET score = ?, awaiting_comment = 1, rated_at = ?,
                     updated_at = ? WHERE id = ?",
                &[
                    score.as_str().into(),
                    now.into(),
                    now.into(),
                    rating.id.into(),
                ],
            )?;
            if rating.score != score {
                record(
                    db,
                    now,
                    &ticket,
                    user,
                    "satisfaction_score",
                    rating.score.as_str(),
                    score.as_str(),
                )?;
            }
            let ask = vec![QuickReply::new(t.no_comment, &payload("skip", ticket.id))];
            Ok(Some(vec![say(
                env,
                db,
                conversation.id,
                t.ask_comment,
                ask,
            )?]))
        }
        Choice::Skip => {
            db.execute(
                "UPDATE satisfaction_ratings SET awaiting_comment = 0, updated_at = ? WHERE id = ?",
                &[now.into(), rating.id.into()],
            )?;
            Ok(Some(vec![say(
                env,
                db,
                conversation.id,
                t.thanks,
                Vec::new(),
            )?]))
        }
    }
}

/// Free text right after a rating is its comment — while the ticket is still solved (once an
/// agent reopened it, the customer's words are for the agents).
fn commented(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    message: &Message,
) -> Result<Option<Vec<Message>>> {
    let Some(ticket_id) = conversation.ticket_id else {
        return Ok(None);
    };
    let Some((ticket, rating)) = rateable(db, conversation, user, ticket_id)? else {
        return Ok(None);
    };
    if !rating.awaiting_comment || ticket.status != TicketStatus::Solved {
        return Ok(None);
    }
    let now = env.clock.now_ms();
    db.execute(
        "UPDATE satisfaction_ratings SET comment = ?, awaiting_comment = 0, updated_at = ?
         WHERE id = ?",
        &[message.text.clone().into(), now.into(), rating.id.into()],
    )?;
    record(
        db,
        now,
        &ticket,
        user,
        "satisfaction_comment",
        &rating.comment,
        &message.text,
    )?;
    let t = texts(user);
    Ok(Some(vec![say(
        env,
        db,
        conversation.id,
        t.thanks,
        Vec::new(),
    )?]))
}

fn record(
    db: &Db,
    now: Millis,
    ticket: &Ticket,
    user: &User,
    field: &str,
    previous: &str,
    value: &str,
) -> Result<()> {
    audit::record(
        db,
        now,
        ticket.id,
        Some(user.id),
        &ticket.via_channel,
        &[Event {
            kind: EventType::SatisfactionRating,
            field_name: Some(field.to_owned()),
            value: Some(value.to_owned()),
            previous_value: Some(previous.to_owned()),
            reason: None,
        }],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_refuse_nonsense() {
        assert_eq!(
            parse_payload(&payload("good", 12)),
            Some((Choice::Rate(Score::Good), 12))
        );
        assert_eq!(
            parse_payload(&payload("bad", 3)),
            Some((Choice::Rate(Score::Bad), 3))
        );
        assert_eq!(parse_payload(&payload("skip", 3)), Some((Choice::Skip, 3)));
        for raw in [
            "csat:great:1",
            "csat:good:",
            "csat:good:x",
            "handoff",
            "csat:good",
        ] {
            assert_eq!(parse_payload(raw), None, "{raw}");
        }
    }

    #[test]
    fn scores_round_trip() {
        for s in [Score::Unoffered, Score::Offered, Score::Good, Score::Bad] {
            assert_eq!(Score::parse(s.as_str()), Some(s));
        }
        assert_eq!(Score::parse("Good"), None);
    }
}
