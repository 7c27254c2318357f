//! The one path a write takes: the work in one transaction, channel sends queued before the
//! commit, and after it the effects of what was committed — the change feed, the sends, the
//! API calls bots wait for (whose results are written the same way, until nothing waits).

use crate::bot;
use crate::change_feed;
use crate::channels::{delivery, outbox};
use crate::committed::{AwaitedCall, CommitChecks, Committed};
use crate::error::Error;
use crate::message::Message;
use crate::ports::{Env, SqlError};
use crate::store::Db;
use crate::surface::FollowUp;
use crate::switchboard;
use crate::tickets::search;
use crate::webhooks;
use std::collections::VecDeque;

/// Runs `work` in one write transaction, then [`after_commit`]. Returns `work`'s value and
/// every message posted: those `work` committed, then those the bots posted after their calls.
pub fn write<T, E>(
    env: &Env,
    db: &Db,
    work: impl FnOnce(&Db) -> Result<(T, Committed), E>,
) -> Result<(T, Vec<Message>), E>
where
    E: From<Error> + From<SqlError>,
{
    let (value, committed) = transaction(env, db, work)?;
    let mut messages = committed.messages.clone();
    messages.extend(after_commit(env, db, committed));
    Ok((value, messages))
}

/// [`write`] for a caller that answers before the effects: runs `work` in one write
/// transaction and returns, with `work`'s value, the [`after_commit`] effects as a
/// [`FollowUp`] to run once the response is sent. The transaction has committed everything
/// the effects need (outbox rows, the bot's awaited call), so effects cut short — the
/// instance ended after the response — are taken up by the outbox drain and the stalled-call
/// recovery.
pub fn write_then<T, E>(
    env: &Env,
    db: &Db,
    work: impl FnOnce(&Db) -> Result<(T, Committed), E>,
) -> Result<(T, FollowUp), E>
where
    E: From<Error> + From<SqlError>,
{
    let (value, committed) = transaction(env, db, work)?;
    if committed.is_empty() {
        return Ok((value, FollowUp::none()));
    }
    let follow_up = FollowUp::new(move |env: &Env| {
        // The request's own connection; its schema was brought up to date before the work.
        let db = Db::new(env.sql).with_waits(env.clock, env.random);
        after_commit(env, &db, committed);
    });
    Ok((value, follow_up))
}

/// `work` in one transaction, with the channel sends for the messages it posted queued in the
/// same transaction, and the search structures brought up to date with what it changed
/// ([`search::upkeep`]) before it commits: searches only read.
fn transaction<T, E>(
    env: &Env,
    db: &Db,
    work: impl FnOnce(&Db) -> Result<(T, Committed), E>,
) -> Result<(T, Committed), E>
where
    E: From<Error> + From<SqlError>,
{
    db.transaction(|db| {
        let (value, mut committed) = work(db)?;
        before_commit(env, db, &mut committed)?;
        Ok((value, committed))
    })
}

/// What every write does last in its transaction: the search structures brought up to date,
/// the message events recorded for webhooks, the channel sends queued. The two checks come
/// first in one read — under the write lock each statement is a host round trip on Spin — or
/// with the work's own write when it brought them ([`Committed::checks_at_commit`]), and the
/// steps they call for do not ask them again. Not generic and not inlined: the components
/// with many kinds of write (one copy of [`transaction`] each) carry it once, close to their
/// 2 MB.
#[inline(never)]
fn before_commit(env: &Env, db: &Db, committed: &mut Committed) -> Result<(), Error> {
    let checks = match committed.checks_at_commit() {
        Some(checks) => checks,
        None => db
            .query_opt(
                &format!("SELECT {}", CommitChecks::columns()),
                &[],
                CommitChecks::from_row,
            )?
            .unwrap_or(CommitChecks {
                settled: false,
                heard: true,
            }),
    };
    let CommitChecks { settled, heard } = checks;
    if !settled {
        search::upkeep_waiting(db)?;
    }
    if heard && !committed.messages.is_empty() {
        webhooks::events::messages(db, env.clock.now_ms(), &committed.messages)?;
    }
    let queued = delivery::queue_sends(env, db, &committed.messages, &committed.routes)?;
    committed.queued.extend(queued);
    Ok(())
}

/// The effects of a commit, in order: tell live clients about the conversations and tickets
/// that changed (published to the push hub if there is one; long-polls on SQLite read the
/// committed `last_seq` themselves);
/// send what was queued for channels (within a short budget: what fails stays in the outbox
/// for the drain); then make each API call a bot awaits, outside any transaction, and write
/// what the bot says with the result — which may await another call (the engine's loop guard
/// bounds the chain). Failures are logged, not returned: what was committed stays committed.
/// Returns the messages posted after the first commit, in order.
pub fn after_commit(env: &Env, db: &Db, committed: Committed) -> Vec<Message> {
    let mut posted = Vec::new();
    let mut pending = VecDeque::from([committed]);
    let mut first = true;
    while let Some(committed) = pending.pop_front() {
        if !first {
            posted.extend(committed.messages.iter().cloned());
        }
        first = false;
        change_feed::publish(env, &committed.messages, &committed.tickets);
        if !committed.queued.is_empty() {
            if let Err(e) = outbox::deliver_conversations(env, db, &committed.queued) {
                env.warn("outbox.deliver", e);
            }
        }
        for awaited in &committed.awaited {
            match call_and_continue(env, db, awaited) {
                Ok(next) if !next.is_empty() => pending.push_back(next),
                Ok(_) => {}
                Err(e) => env.warn(
                    "bot.api_call",
                    format!("conversation {}: {e}", awaited.conversation_id),
                ),
            }
        }
    }
    posted
}

/// Makes the call a bot awaits (unless its conversation moved on meanwhile) and lets the bot
/// go on with the result in a new transaction.
fn call_and_continue(env: &Env, db: &Db, awaited: &AwaitedCall) -> Result<Committed, Error> {
    // A plain read takes no write lock; a call nobody waits for any more is not made.
    if !switchboard::still_awaits(db, awaited)? {
        return Ok(Committed::default());
    }
    let outcome = bot::api_call::perform(&awaited.call.request, env.outbound);
    // The bot's next turn before the write lock, as for a customer's message.
    let ahead = switchboard::prepare_continue(env, db, awaited, &outcome)?;
    let ((), committed) = transaction(env, db, |db| {
        let committed = switchboard::continue_after_call(env, db, awaited, outcome, ahead)?;
        Ok::<_, Error>(((), committed))
    })?;
    Ok(committed)
}

/// A conversation whose bot lost its API call (the instance making it died) continues down
/// the failure branch: called on the customer's reads, so the conversation does not wait for
/// them to write again. Returns the messages posted.
pub fn recover_stalled_call(env: &Env, db: &Db, conversation_id: i64) -> Vec<Message> {
    let recovered = switchboard::stalled_call(env, db, conversation_id).and_then(|stalled| {
        let Some(awaited) = stalled else {
            return Ok(None);
        };
        let outcome = switchboard::stalled_outcome();
        let ahead = switchboard::prepare_continue(env, db, &awaited, &outcome)?;
        let ((), committed) = transaction(env, db, |db| {
            let committed = switchboard::continue_after_call(env, db, &awaited, outcome, ahead)?;
            Ok::<_, Error>(((), committed))
        })?;
        Ok(Some(committed))
    });
    match recovered {
        Ok(Some(committed)) => {
            let mut posted = committed.messages.clone();
            posted.extend(after_commit(env, db, committed));
            posted
        }
        Ok(None) => Vec::new(),
        Err(e) => {
            env.warn(
                "bot.stalled_call",
                format!("conversation {conversation_id}: {e}"),
            );
            Vec::new()
        }
    }
}

/// [`recover_stalled_call`] for every conversation with a stalled call, at most `limit`:
/// called by the outbox drain, because a channel conversation has no widget whose reads would
/// recover it (the instance that was to make the call may have ended right after answering
/// the webhook). Returns how many conversations went on.
pub fn recover_stalled_calls(env: &Env, db: &Db, limit: i64) -> Result<usize, Error> {
    let stalled = switchboard::stalled_conversations(env, db, limit)?;
    Ok(stalled
        .into_iter()
        .filter(|id| !recover_stalled_call(env, db, *id).is_empty())
        .count())
}
