//! The fast path of ticket search: candidates from the index's key ranges (rarest first), their
//! filter and sort columns from the facet records ([`super::facets`]), the count and the order
//! worked out in memory. No `tickets` row is read per match; only the page's tickets are read
//! afterwards. A phrase of three terms or more is settled by where its pairs sit (or, while the
//! pair index catches up, in the text of the tickets that pass everything else).
//!
//! Gives up (`Ok(None)`, the caller's SQL path answers) only while records wait in the facet
//! queue (the upgrade's backlog, a row changed behind the app's back: the next write rewrites
//! them, searches only read), or when a record cannot hold a value it is tested on (an id
//! beyond `u32`, a desk with more than 254 channels).

use super::facets::{self, Record, PRIORITIES, STATUSES};
use super::page::{Page, Searcher, SortBy};
use super::parse::{Filter, Person, Range, SearchQuery};
use super::phrase;
use crate::error::{Error, Result};
use crate::ports::Value;
use crate::store::Db;
use crate::tickets::{search_index, term_pairs};

/// The matches: how many, and the asked page's ticket ids in order (empty for a count).
pub struct Found {
    pub count: i64,
    pub ids: Vec<i64>,
}

/// Ranges are counted this far (see [`Source::count`]).
const COUNT_CAP: i64 = 4_000;

/// A key range of an index: the tickets with a term, with a tag, or with two terms adjacent.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Term(String),
    Tag(String),
    Pair(String),
}

impl Source {
    /// The index's table, key column and key expression (fixed fragments only).
    fn index(&self) -> (&'static str, &'static str, &str) {
        match self {
            Source::Term(t) => ("ticket_terms", "term = ?", t),
            Source::Tag(t) => ("ticket_tags", "tag = lower(?)", t),
            Source::Pair(p) => ("ticket_pairs", "pair = ?", p),
        }
    }

    /// How many tickets the range holds, counted up to `cap` ([`COUNT_CAP`] to order ranges
    /// rarest first and to choose between lookups and a merge, without reading a common one).
    fn count_to(&self, db: &Db, cap: i64) -> Result<i64> {
        let (table, key, value) = self.index();
        Ok(db
            .query_i64(
                &format!("SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {key} LIMIT ?)"),
                &[value.into(), cap.into()],
            )?
            .unwrap_or(0))
    }

    fn count(&self, db: &Db) -> Result<i64> {
        self.count_to(db, COUNT_CAP)
    }

    /// Every ticket id in the range, ascending. One row of text rather than a row per ticket:
    /// handing over a row costs more than SQLite's reading it, and a common word has 40,000.
    fn all(&self, db: &Db) -> Result<Vec<i64>> {
        let (table, key, value) = self.index();
        let rows = db
            .execute(
                &format!("SELECT group_concat(ticket_id) FROM {table} WHERE {key}"),
                &[value.into()],
            )?
            .rows;
        let text = match rows.first().and_then(|r| r.first()) {
            Some(Value::Text(text)) => text.as_str(),
            _ => "",
        };
        let mut out = text
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| Error::corrupt("a search index row without a ticket id"))
            })
            .collect::<Result<Vec<i64>>>()?;
        // The key range is read in ticket order; sorting makes that a guarantee (and is one
        // pass over sorted input).
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Those of `among` (ascending) in the range, ascending: one key lookup each.
    fn probe(&self, db: &Db, among: &[i64]) -> Result<Vec<i64>> {
        let (table, key, value) = self.index();
        ids(db
            .execute(
                &format!(
                    "SELECT ticket_id FROM {table} WHERE {key} \
                     AND ticket_id IN (SELECT value FROM json_each(?)) ORDER BY ticket_id"
                ),
                &[value.into(), json(among)?.into()],
            )?
            .rows)
    }

    /// Those of `among` (ascending) in the range: a key lookup each while `among` is much
    /// smaller than the range (`size`, counted up to [`COUNT_CAP`]), otherwise the whole range
    /// read and merged (reading a row of a range costs about an eighth of a lookup).
    fn narrow(&self, db: &Db, among: &[i64], size: Option<i64>) -> Result<Vec<i64>> {
        let size = match size {
            Some(n) => n,
            None => self.count(db)?,
        };
        if among.is_empty() || size == 0 {
            return Ok(Vec::new());
        }
        if (among.len() as i64) * 8 < size {
            return self.probe(db, among);
        }
        Ok(intersect(among, &self.all(db)?))
    }
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(Error::corrupt)
}

fn ids(rows: Vec<Vec<Value>>) -> Result<Vec<i64>> {
    rows.into_iter()
        .map(|row| match row.first() {
            Some(Value::Integer(id)) => Ok(*id),
            _ => Err(Error::corrupt("a search index row without a ticket id")),
        })
        .collect()
}

/// The ids in both ascending lists, ascending: galloping through the longer one.
fn intersect(small: &[i64], large: &[i64]) -> Vec<i64> {
    let (small, large) = if small.len() <= large.len() {
        (small, large)
    } else {
        (large, small)
    };
    let mut out = Vec::with_capacity(small.len());
    let mut rest = large;
    for &id in small {
        let mut step = 1;
        while step < rest.len() && rest[step] < id {
            step *= 2;
        }
        let end = (step + 1).min(rest.len());
        match rest[..end].binary_search(&id) {
            Ok(i) => {
                out.push(id);
                rest = &rest[i + 1..];
            }
            Err(i) => rest = &rest[i..],
        }
        if rest.is_empty() {
            break;
        }
    }
    out
}

/// Who a person keyword names, as the ids the column must hold (`None`: the column is empty).
fn people(db: &Db, who: &Person, searcher: Searcher, group: bool) -> Result<Option<Vec<i64>>> {
    let list = |sql: &str, params: &[Value]| -> Result<Option<Vec<i64>>> {
        Ok(Some(db.query(sql, params, |r| r.i64_at(0))?))
    };
    match (who, group) {
        (Person::Nobody, _) => Ok(None),
        (Person::Id(id), _) => Ok(Some(vec![*id])),
        (Person::Me, false) => Ok(Some(searcher.user_id.into_iter().collect())),
        (Person::Me, true) => list(
            "SELECT group_id FROM group_memberships WHERE user_id = ?",
            &[searcher.user_id.unwrap_or(0).into()],
        ),
        (Person::Email(email), false) => list(
            crate::users::IDS_BY_EMAIL,
            &[email.clone().into(), email.clone().into()],
        ),
        (Person::Name(name), false) => list(
            "SELECT id FROM users WHERE name = ? COLLATE NOCASE",
            &[name.clone().into()],
        ),
        (Person::Name(name) | Person::Email(name), true) => list(
            "SELECT id FROM groups WHERE name = ?",
            &[name.clone().into()],
        ),
    }
}

/// A record test: `None` when the record cannot hold the value tested (see `facets::record`).
type Test = Box<dyn Fn(&Record) -> Option<bool>>;

fn person_test(ids: Option<Vec<i64>>, field: fn(&Record) -> Option<i64>) -> Test {
    match ids {
        None => Box::new(move |r| field(r).map(|v| v == 0)),
        Some(ids) => Box::new(move |r| field(r).map(|v| v != 0 && ids.contains(&v))),
    }
}

fn range_test(range: Range, field: fn(&Record) -> i64) -> Test {
    Box::new(move |r| {
        let v = field(r);
        Some(range.from.is_none_or(|f| v >= f) && range.until.is_none_or(|u| v < u))
    })
}

/// One clause, ready to check.
enum Check {
    Facet(Test),
    Terms(Vec<String>),
    Tag(String),
    Phrase(Vec<String>),
    Never,
}

fn check(db: &Db, filter: &Filter, searcher: Searcher) -> Result<Option<Check>> {
    let facet = |t: Test| Ok(Some(Check::Facet(t)));
    match filter {
        Filter::Status(statuses) => {
            let codes: Vec<u8> = statuses
                .iter()
                .filter_map(|s| STATUSES.iter().position(|x| x == s))
                .map(|i| i as u8 + 1)
                .collect();
            facet(Box::new(move |r| Some(codes.contains(&r.status))))
        }
        Filter::Priority(list) => {
            let codes: Vec<u8> = list
                .iter()
                .map(|p| match p {
                    None => Some(0),
                    Some(p) => PRIORITIES.iter().position(|x| x == p).map(|i| i as u8 + 1),
                })
                .collect::<Option<Vec<u8>>>()
                .unwrap_or_default();
            facet(Box::new(move |r| Some(codes.contains(&r.priority))))
        }
        Filter::TicketType(None) => facet(Box::new(|r| Some(r.ticket_type == 0))),
        Filter::TicketType(Some(kind)) => {
            match crate::tickets::TYPES.iter().position(|t| t == kind) {
                Some(i) => {
                    let code = i as u8 + 1;
                    facet(Box::new(move |r| Some(r.ticket_type == code)))
                }
                None => Ok(Some(Check::Never)),
            }
        }
        Filter::Assignee(who) => facet(person_test(
            people(db, who, searcher, false)?,
            Record::assignee_id,
        )),
        Filter::Requester(who) => facet(person_test(
            people(db, who, searcher, false)?,
            Record::requester_id,
        )),
        Filter::Group(who) => facet(person_test(
            people(db, who, searcher, true)?,
            Record::group_id,
        )),
        Filter::Created(range) => facet(range_test(*range, |r| r.created_at)),
        Filter::Updated(range) => facet(range_test(*range, |r| r.updated_at)),
        Filter::Via(channel) => {
            let code = facets::via_code(db, channel)?;
            facet(Box::new(move |r| r.via_is(code)))
        }
        Filter::Tag(tag) => Ok(Some(Check::Tag(tag.clone()))),
        Filter::Words(terms) => Ok(Some(Check::Terms(terms.clone()))),
        Filter::Phrase(terms, _) => Ok(Some(Check::Phrase(terms.clone()))),
        Filter::Role(_)
        | Filter::Email(_)
        | Filter::Name(_)
        | Filter::ExternalId(_)
        | Filter::Nothing => Ok(Some(Check::Never)),
    }
}

/// Those of `among` (ascending) with every term.
fn with_all_terms(db: &Db, terms: &[String], among: &[i64]) -> Result<Vec<i64>> {
    let mut left = among.to_vec();
    for term in terms {
        left = Source::Term(term.clone()).narrow(db, &left, None)?;
    }
    Ok(left)
}

/// `keep` without the ids in `drop` (both ascending).
fn without(keep: Vec<(i64, Record)>, drop: &[i64]) -> Vec<(i64, Record)> {
    keep.into_iter()
        .filter(|(id, _)| drop.binary_search(id).is_err())
        .collect()
}

/// `keep` with only the ids in `wanted` (both ascending), in one merging pass.
fn only(keep: Vec<(i64, Record)>, wanted: &[i64]) -> Vec<(i64, Record)> {
    let mut rest = wanted;
    keep.into_iter()
        .filter(|(id, _)| {
            while rest.first().is_some_and(|w| w < id) {
                rest = &rest[1..];
            }
            rest.first() == Some(id)
        })
        .collect()
}

fn id_list(rows: &[(i64, Record)]) -> Vec<i64> {
    rows.iter().map(|(id, _)| *id).collect()
}

/// The sort key the SQL path orders by (`search::ticket_order`), as a number.
fn sort_key(sort: SortBy, r: &Record) -> i64 {
    match sort {
        SortBy::CreatedAt => r.created_at,
        SortBy::UpdatedAt => r.updated_at,
        // No priority sorts first (0), then low to urgent: the codes already are that order.
        SortBy::Priority => i64::from(r.priority),
        // new 0 ... solved 4, closed 5.
        SortBy::Status => i64::from(r.status) - 1,
        // coalesce(type, '') in text order: '', incident, problem, question, task.
        SortBy::TicketType => match r.ticket_type {
            0 => 0,
            2 => 1,
            1 => 2,
            other => i64::from(other),
        },
    }
}

/// The index ranges a clause's matches all lie in, and whether lying in all of them is
/// matching (`true`): a free word's terms, a tag, a phrase's adjacent pairs — exact for two
/// terms, a narrowing for more — or, while the pair index catches up, the phrase's terms.
fn ranges(c: &Check, pairs_ready: bool) -> (Vec<Source>, bool) {
    let distinct = |items: Vec<String>, wrap: fn(String) -> Source| {
        let mut out: Vec<Source> = Vec::new();
        for s in items.into_iter().map(wrap) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    };
    match c {
        Check::Terms(terms) => (distinct(terms.clone(), Source::Term), true),
        Check::Tag(tag) => (vec![Source::Tag(tag.clone())], true),
        Check::Phrase(seq) if seq.len() == 1 => (vec![Source::Term(seq[0].clone())], true),
        Check::Phrase(seq) if seq.len() > 1 && pairs_ready => {
            let pairs = seq.windows(2).map(|w| term_pairs::key(&w[0], &w[1]));
            (distinct(pairs.collect(), Source::Pair), seq.len() == 2)
        }
        Check::Phrase(seq) => (distinct(seq.clone(), Source::Term), false),
        _ => (Vec::new(), false),
    }
}

/// Whether the candidates a clause's ranges gave are its matches once the candidates went
/// through its phrase's positions (a phrase of three terms or more, with the pair index
/// complete: see [`run`]).
fn settled(c: &Check, pairs_ready: bool) -> bool {
    ranges(c, pairs_ready).1 || (pairs_ready && matches!(c, Check::Phrase(seq) if seq.len() > 1))
}

/// One free word of one term, or one phrase of two, the commonest kind of search: its count is
/// its key range's size (the indexes hold existing tickets only: deleting a ticket deletes its
/// rows), and when the range is large and the order is a time with an index, the page comes
/// from walking that index until enough of the tickets walked are in the range — a word in a
/// third of the tickets fills a page of 25 within ~75 entries, where the records of all 40,000
/// would be read otherwise.
fn one_range(
    db: &Db,
    checks: &[(bool, Check)],
    pairs_ready: bool,
    page: Option<&Page>,
) -> Result<Option<Found>> {
    let [(false, c @ (Check::Terms(_) | Check::Phrase(..)))] = checks else {
        return Ok(None);
    };
    let (sources, true) = ranges(c, pairs_ready) else {
        return Ok(None);
    };
    let [source] = &sources[..] else {
        return Ok(None);
    };
    let key = match page.map(|p| time_key(p.sort_by)) {
        None => "",
        Some(Some(key)) => key,
        Some(None) => return Ok(None),
    };
    let count = source.count_to(db, i64::MAX)?;
    let Some(page) = page else {
        return Ok(Some(Found {
            count,
            ids: Vec::new(),
        }));
    };
    let tickets = db
        .query_i64("SELECT max(id) FROM tickets", &[])?
        .unwrap_or(0);
    // A rarer word walks too far: its records are the cheaper way.
    if count * WALK_DENSITY < tickets {
        return Ok(None);
    }
    let ids = walk(db, key, page, count, tickets, &mut |walked| {
        source.probe(db, walked)
    })?;
    Ok(Some(Found { count, ids }))
}

/// The page of `count` matches in `key` order, walking the time index from the page's end of
/// it: `matching` says which of the walked ids (ascending) match.
fn walk(
    db: &Db,
    key: &str,
    page: &Page,
    count: i64,
    tickets: i64,
    matching: &mut dyn FnMut(&[i64]) -> Result<Vec<i64>>,
) -> Result<Vec<i64>> {
    let offset = usize::try_from(page.offset.max(0)).unwrap_or(usize::MAX);
    let limit = usize::try_from(page.limit.max(0)).unwrap_or(0);
    let need = offset.saturating_add(limit);
    if need == 0 || count <= 0 || offset >= usize::try_from(count).unwrap_or(0) {
        return Ok(Vec::new());
    }
    let dir = if page.descending { "DESC" } else { "ASC" };
    // Enough index entries for the page at the matches' density, twice over.
    let chunk = ((need as i64).saturating_mul(tickets) / count)
        .saturating_mul(2)
        .clamp(100, 5_000);
    let mut hits = Vec::with_capacity(need);
    let mut walked_so_far = 0i64;
    while hits.len() < need {
        let walked = ids(db
            .execute(
                &format!("SELECT id FROM tickets ORDER BY {key} {dir}, id {dir} LIMIT ? OFFSET ?"),
                &[chunk.into(), walked_so_far.into()],
            )?
            .rows)?;
        let mut ascending = walked.clone();
        ascending.sort_unstable();
        let with = matching(&ascending)?;
        hits.extend(
            walked
                .iter()
                .filter(|id| with.binary_search(id).is_ok())
                .take(need - hits.len()),
        );
        if (walked.len() as i64) < chunk {
            break;
        }
        walked_so_far += chunk;
    }
    Ok(hits.get(offset..).unwrap_or_default().to_vec())
}

/// Free words only, sorted by a time: their tickets are known, so the page walks the time
/// index unless that means more than this many entries (a rare combination), where reading
/// the candidates' records is cheaper.
const WALK_LIMIT: i64 = 10_000;

/// The index column a sort walks, if it has one.
fn time_key(sort: SortBy) -> Option<&'static str> {
    match sort {
        SortBy::UpdatedAt => Some("updated_at"),
        SortBy::CreatedAt => Some("created_at"),
        _ => None,
    }
}

/// A word in at least one ticket in this many has its page found by walking the time index
/// (see [`one_term`]).
const WALK_DENSITY: i64 = 20;

/// The tickets matching `query`: the count, and with `page` its ids in order. `Ok(None)` when
/// the fast path cannot answer exactly (see the module's comment).
pub fn run(
    db: &Db,
    query: &SearchQuery,
    searcher: Searcher,
    page: Option<&Page>,
) -> Result<Option<Found>> {
    // Searches never write: records still queued (a row changed behind the app's back, the
    // upgrade's backlog) are rewritten by the next write, and until then the SQL path answers.
    if !facets::settled(db)? {
        return Ok(None);
    }
    let mut checks = Vec::with_capacity(query.clauses.len());
    for clause in &query.clauses {
        let Some(c) = check(db, &clause.filter, searcher)? else {
            return Ok(None);
        };
        if !clause.negated && matches!(c, Check::Never) {
            return Ok(Some(Found {
                count: 0,
                ids: Vec::new(),
            }));
        }
        checks.push((clause.negated, c));
    }
    let has_phrase = checks.iter().any(|(_, c)| matches!(c, Check::Phrase(..)));
    let pairs_ready = has_phrase && search_index::pairs_ready(db)?;
    if let Some(found) = one_range(db, &checks, pairs_ready, page)? {
        return Ok(Some(found));
    }
    // The index ranges every match must be in, rarest first.
    let mut sources: Vec<(i64, Source)> = Vec::new();
    for (negated, c) in &checks {
        let wanted = if *negated {
            Vec::new()
        } else {
            ranges(c, pairs_ready).0
        };
        for s in wanted {
            if !sources.iter().any(|(_, known)| *known == s) {
                sources.push((0, s));
            }
        }
    }
    // One range needs no count: it is read whole either way.
    if sources.len() > 1 {
        for (n, s) in sources.iter_mut() {
            *n = s.count(db)?;
        }
        sources.sort_by_key(|(n, _)| *n);
    }
    let mut rows = match sources.split_first() {
        None => facets::load_all(db)?,
        Some(((_, rarest), rest)) => {
            let mut candidates = rarest.all(db)?;
            for (n, s) in rest {
                candidates = s.narrow(db, &candidates, Some(*n))?;
            }
            // Longer phrases by where their pairs sit, before any record is read.
            for (negated, c) in &checks {
                if let (false, Check::Phrase(seq)) = (negated, c) {
                    if pairs_ready && !ranges(c, pairs_ready).1 {
                        candidates = phrase::holding(db, seq, &candidates, true)?;
                    }
                }
            }
            let words_only = checks.iter().all(|(negated, c)| {
                !negated
                    && matches!(c, Check::Terms(_) | Check::Phrase(..))
                    && settled(c, pairs_ready)
            });
            if words_only {
                // The indexes hold existing tickets only, so the candidates are the matches.
                let count = candidates.len() as i64;
                let Some(page) = page else {
                    return Ok(Some(Found {
                        count,
                        ids: Vec::new(),
                    }));
                };
                if let Some(key) = time_key(page.sort_by) {
                    let tickets = db
                        .query_i64("SELECT max(id) FROM tickets", &[])?
                        .unwrap_or(0);
                    let need = page.offset.saturating_add(page.limit).max(1);
                    if count > 0 && need.saturating_mul(tickets) / count <= WALK_LIMIT {
                        let ids = walk(db, key, page, count, tickets, &mut |walked| {
                            Ok(intersect(walked, &candidates))
                        })?;
                        return Ok(Some(Found { count, ids }));
                    }
                }
            }
            facets::load(db, &candidates)?
        }
    };
    // Record tests first (cheap), then the index and the text for what is left.
    let mut cannot_tell = false;
    for (negated, c) in &checks {
        if let Check::Facet(test) = c {
            rows.retain(|(_, r)| match test(r) {
                Some(holds) => holds != *negated,
                None => {
                    cannot_tell = true;
                    false
                }
            });
        }
    }
    if cannot_tell {
        return Ok(None);
    }
    for (negated, c) in &checks {
        match c {
            Check::Terms(terms) if *negated => {
                let with = with_all_terms(db, terms, &id_list(&rows))?;
                rows = without(rows, &with);
            }
            Check::Tag(tag) if *negated => {
                let with = Source::Tag(tag.clone()).narrow(db, &id_list(&rows), None)?;
                rows = without(rows, &with);
            }
            _ => {}
        }
    }
    // Phrases last: what their ranges do not settle is looked for in the text.
    for (negated, c) in &checks {
        let Check::Phrase(seq) = c else {
            continue;
        };
        let (sources, exact) = ranges(c, pairs_ready);
        if !negated && settled(c, pairs_ready) {
            continue; // the candidates came from its ranges and positions
        }
        let mut with = id_list(&rows);
        if *negated {
            for source in &sources {
                with = source.narrow(db, &with, None)?;
            }
        }
        let with = if exact {
            with
        } else {
            phrase::holding(db, seq, &with, pairs_ready)?
        };
        rows = if *negated {
            without(rows, &with)
        } else {
            only(rows, &with)
        };
    }
    let count = rows.len() as i64;
    let Some(page) = page else {
        return Ok(Some(Found {
            count,
            ids: Vec::new(),
        }));
    };
    let offset = usize::try_from(page.offset.max(0)).unwrap_or(usize::MAX);
    let limit = usize::try_from(page.limit.max(0)).unwrap_or(0);
    if offset >= rows.len() || limit == 0 {
        return Ok(Some(Found {
            count,
            ids: Vec::new(),
        }));
    }
    let mut keyed: Vec<(i64, i64)> = rows
        .iter()
        .map(|(id, r)| (sort_key(page.sort_by, r), *id))
        .collect();
    let order = |a: &(i64, i64), b: &(i64, i64)| {
        if page.descending {
            b.cmp(a)
        } else {
            a.cmp(b)
        }
    };
    let need = offset.saturating_add(limit).min(keyed.len());
    if need < keyed.len() {
        keyed.select_nth_unstable_by(need - 1, order);
        keyed.truncate(need);
    }
    keyed.sort_unstable_by(order);
    Ok(Some(Found {
        count,
        ids: keyed[offset..].iter().map(|(_, id)| *id).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::intersect;

    #[test]
    fn intersection_gallops_either_way() {
        let a = [2, 5, 9, 40, 41, 100];
        let b: Vec<i64> = (0..200).filter(|n| n % 5 == 0 || *n == 41).collect();
        assert_eq!(intersect(&a, &b), [5, 40, 41, 100]);
        assert_eq!(intersect(&b, &a), [5, 40, 41, 100]);
        assert!(intersect(&[], &b).is_empty());
        assert_eq!(intersect(&[199], &[1, 199]), [199]);
    }
}
