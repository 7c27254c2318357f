//! Quoted phrases in ticket search (schema v17, `tickets::term_pairs`): a phrase is its
//! analysed terms next to each other, in order, in one line of one text (subject, description,
//! one comment) — never across two texts. Answered by the index of adjacent pairs, by the
//! text itself while that index catches up, and by the SQL path alike; and searches never
//! write, while a write is searchable the moment it answers.

use crate::desk_api::file_ticket;
use spindesk_core::ports::{Sql, Value};
use spindesk_tests::*;

fn encode(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// The count and the ids (ascending) a ticket search finds, checked against the count route.
fn found(app: &App, agent: &Agent, q: &str) -> (i64, Vec<i64>) {
    let query = encode(&format!("type:ticket {q}"));
    let r = app
        .zendesk_get(
            agent,
            &format!("/api/v2/search.json?query={query}&per_page=100"),
        )
        .expect(200)
        .json();
    let mut ids: Vec<i64> = r["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    ids.sort_unstable();
    let count = r["count"].as_i64().expect("count");
    let counted = app
        .zendesk_get(agent, &format!("/api/v2/search/count.json?query={query}"))
        .expect(200)
        .json()["count"]
        .as_i64()
        .expect("count");
    assert_eq!(count, counted, "{q}");
    (count, ids)
}

fn ids(app: &App, agent: &Agent, q: &str) -> Vec<i64> {
    let (count, ids) = found(app, agent, q);
    assert_eq!(count, ids.len() as i64, "{q}");
    ids
}

fn sql(app: &App, statement: &str, params: &[Value]) {
    app.db().execute(statement, params).expect(statement);
}

/// A ticket filed through the API: `subject`, `first` as description (and first comment),
/// then each of `more` as a comment of its own.
fn filed(app: &App, agent: &Agent, subject: &str, first: &str, more: &[&str]) -> i64 {
    let t = file_ticket(
        app,
        agent,
        json!({
            "subject": subject,
            "comment": {"body": first},
            "requester": {"name": "Min-ji Kim", "email": "minji@example.com"},
        }),
    );
    let id = t["id"].as_i64().expect("id");
    for body in more {
        comment(app, agent, id, body);
    }
    id
}

fn comment(app: &App, agent: &Agent, id: i64, body: &str) {
    app.zendesk_put(
        agent,
        &format!("/api/v2/tickets/{id}.json"),
        &json!({"ticket": {"comment": {"body": body, "public": false}}}),
    )
    .expect(200);
}

/// Tickets whose texts put the same words next to each other, apart, or across two texts.
struct Desk {
    agent: Agent,
    together: i64,
    across_comments: i64,
    across_subject: i64,
    reversed: i64,
    korean: i64,
    korean_other_particle: i64,
    korean_across: i64,
    korean_jamo: i64,
    three: i64,
    three_apart: i64,
}

fn desk(app: &App) -> Desk {
    let agent = app.agent("Ada", "ada@example.com");
    let a = &agent;
    Desk {
        together: filed(
            app,
            a,
            "Parcel",
            "hello",
            &["My late delivery was refunded twice"],
        ),
        across_comments: filed(
            app,
            a,
            "Parcel",
            "hello",
            &["it came late", "delivery was ok"],
        ),
        across_subject: filed(app, a, "Always late", "delivery was refunded", &[]),
        reversed: filed(app, a, "Parcel", "delivery late again", &[]),
        korean: filed(app, a, "문의", "환불을 요청합니다", &[]),
        korean_other_particle: filed(app, a, "문의", "환불이 요청되었어요", &[]),
        korean_across: filed(app, a, "문의", "지난주 환불을", &["요청합니다"]),
        // `환불` spelled in conjoining jamo, as some systems send Korean.
        korean_jamo: filed(
            app,
            a,
            "문의",
            "hello",
            &["\u{1112}\u{116A}\u{11AB}\u{1107}\u{116E}\u{11AF}을 요청합니다"],
        ),
        three: filed(app, a, "Kettle", "the kettle lid broke off today", &[]),
        three_apart: filed(
            app,
            a,
            "Kettle",
            "kettle lid is fine",
            &["but the lid broke"],
        ),
        agent,
    }
}

/// Every query with what it must find, for the desk above.
fn expectations(d: &Desk) -> Vec<(&'static str, Vec<i64>)> {
    let mut all = vec![
        d.together,
        d.across_comments,
        d.across_subject,
        d.reversed,
        d.korean,
        d.korean_other_particle,
        d.korean_across,
        d.korean_jamo,
        d.three,
        d.three_apart,
    ];
    all.sort_unstable();
    let without = |drop: &[i64]| {
        all.iter()
            .copied()
            .filter(|id| !drop.contains(id))
            .collect()
    };
    vec![
        ("\"late delivery\"", vec![d.together]),
        // Stemming and stop words as everywhere in search: `was`, `the` are skipped.
        ("\"delivery refunds\"", vec![d.together, d.across_subject]),
        (
            "\"deliveries were refunded\"",
            vec![d.together, d.across_subject],
        ),
        ("\"delivery late\"", vec![d.reversed]),
        ("\"환불을 요청\"", vec![d.korean, d.korean_jamo]),
        ("\"환불을\"", vec![d.korean, d.korean_across, d.korean_jamo]),
        ("\"환불을 요청합니다\"", vec![d.korean, d.korean_jamo]),
        ("\"kettle lid broke\"", vec![d.three]),
        ("\"lid broke\"", vec![d.three, d.three_apart]),
        ("\"kettle lid\"", vec![d.three, d.three_apart]),
        ("\"lid broke\" -\"kettle lid broke\"", vec![d.three_apart]),
        ("-\"late delivery\"", without(&[d.together])),
        ("-\"kettle lid broke\"", without(&[d.three])),
        (
            "late -\"late delivery\"",
            vec![d.across_comments, d.across_subject, d.reversed],
        ),
        ("\"late delivery\" \"refunded twice\"", vec![d.together]),
        ("\"refunded twice\" delivery", vec![d.together]),
        ("\"twice late\"", vec![]),
        // Stop words alone match nothing, as a free stop word does.
        ("\"the\"", vec![]),
        ("\"is it the\" kettle", vec![]),
    ]
}

/// The pair index as right after an upgrade that rebuilds it: no pairs, every ticket waiting
/// to be indexed again.
fn as_right_after_the_upgrade(app: &App) {
    sql(app, "DELETE FROM ticket_pairs", &[]);
    sql(app, "UPDATE ticket_search_docs SET head_pairs = NULL", &[]);
    sql(
        app,
        "INSERT INTO ticket_search_queue (ticket_id) SELECT id FROM tickets",
        &[],
    );
}

fn check_all(app: &App, d: &Desk, how: &str) {
    for (q, mut want) in expectations(d) {
        want.sort_unstable();
        assert_eq!(ids(app, &d.agent, q), want, "{how}: {q}");
    }
}

#[test]
fn a_phrase_is_adjacent_words_in_one_text_by_every_path() {
    let app = App::new();
    let d = desk(&app);
    assert_eq!(app.count("SELECT count(*) FROM ticket_search_queue"), 0);
    assert_eq!(app.count("SELECT count(*) FROM ticket_facet_queue"), 0);
    check_all(&app, &d, "pair index");

    // The pair index as right after the upgrade: every ticket waits to be indexed again, so
    // phrases are checked in the text (and the search still writes nothing).
    as_right_after_the_upgrade(&app);
    check_all(&app, &d, "text while catching up");

    // Records waiting to be rewritten: the SQL path answers (also checking in the text).
    sql(
        &app,
        "INSERT INTO ticket_facet_queue (ticket_id) VALUES (1000000)",
        &[],
    );
    check_all(&app, &d, "SQL path");
    assert_eq!(app.count("SELECT count(*) FROM ticket_facet_queue"), 1);

    // Writes catch up a batch each (20 tickets): one is enough here, and the pairs are back.
    comment(&app, &d.agent, d.three, "kettle lid broke again");
    assert_eq!(app.count("SELECT count(*) FROM ticket_search_queue"), 0);
    assert_eq!(app.count("SELECT count(*) FROM ticket_facet_queue"), 0);
    assert!(app.count("SELECT count(*) FROM ticket_pairs") > 20);
    check_all(&app, &d, "pair index again");
}

#[test]
fn pairs_follow_subject_edits_and_deleted_tickets() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let id = filed(
        &app,
        &agent,
        "Broken zipper jacket",
        "hello",
        &["zipper jacket again"],
    );
    let other = filed(&app, &agent, "Broken zipper", "hello", &[]);
    assert_eq!(ids(&app, &agent, "\"broken zipper\""), [id, other]);
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{id}.json"),
        &json!({"ticket": {"subject": "Zipper broken"}}),
    )
    .expect(200);
    // The subject's old pair is gone; the comment's pair stays.
    assert_eq!(ids(&app, &agent, "\"broken zipper\""), [other]);
    assert_eq!(ids(&app, &agent, "\"zipper broken\""), [id]);
    assert_eq!(ids(&app, &agent, "\"zipper jacket\""), [id]);
    let pairs = |t: i64| {
        app.count(&format!(
            "SELECT count(*) FROM ticket_pairs WHERE ticket_id = {t}"
        ))
    };
    assert!(pairs(other) > 0);
    app.delete_ticket_behind_the_apps_back(other, &["DELETE FROM tickets WHERE id = ?"]);
    // Gone from the results at once; its index entries go with the next write of a ticket or
    // a message (the delete queued it, and those writes run the index's upkeep before they
    // commit).
    assert_eq!(ids(&app, &agent, "\"broken zipper\""), Vec::<i64>::new());
    assert!(pairs(other) > 0);
    let terms = |t: i64| {
        app.count(&format!(
            "SELECT count(*) FROM ticket_terms WHERE ticket_id = {t}"
        ))
    };
    assert!(terms(other) > 0);
    // (A comment, not a new ticket: a new ticket would take the deleted one's id.)
    comment(&app, &agent, id, "any write will do");
    assert_eq!(pairs(other), 0);
    assert_eq!(terms(other), 0);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM ticket_search_docs WHERE ticket_id = {other}"
        )),
        0
    );
    assert_eq!(ids(&app, &agent, "\"broken zipper\""), Vec::<i64>::new());
    assert_eq!(ids(&app, &agent, "\"zipper jacket\""), [id]);
}

/// A ticket deleted behind the app's back gives its id back (tickets have no AUTOINCREMENT):
/// the next ticket filed takes it before anything drained the queue, and must not inherit the
/// deleted ticket's terms or pairs.
#[test]
fn a_deleted_ticket_s_id_taken_again_starts_a_fresh_entry() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let kept = filed(
        &app,
        &agent,
        "Broken zipper",
        "hello",
        &["zipper jacket again"],
    );
    let gone = filed(
        &app,
        &agent,
        "Broken zipper",
        "hello",
        &["blue jacket zipper"],
    );
    app.delete_ticket_behind_the_apps_back(
        gone,
        &[
            "DELETE FROM ticket_comments WHERE ticket_id = ?",
            "DELETE FROM tickets WHERE id = ?",
        ],
    );
    let parcel = filed(&app, &agent, "Late parcel", "where is my parcel", &[]);
    assert_eq!(parcel, gone, "the scenario needs the id taken again");
    assert_eq!(ids(&app, &agent, "\"broken zipper\""), [kept]);
    assert_eq!(ids(&app, &agent, "zipper"), [kept]);
    assert_eq!(ids(&app, &agent, "\"jacket zipper\""), Vec::<i64>::new());
    assert_eq!(ids(&app, &agent, "\"late parcel\""), [parcel]);
    let rows = |sql: &str| app.count(&sql.replace("{id}", &parcel.to_string()));
    assert_eq!(
        rows("SELECT count(*) FROM ticket_terms WHERE ticket_id = {id} AND term IN ('zipper', 'broken', 'jacket', 'blue')"),
        0
    );
    assert_eq!(
        rows("SELECT count(*) FROM ticket_pairs WHERE ticket_id = {id} AND pair LIKE '%zipper%'"),
        0
    );
    assert!(rows("SELECT count(*) FROM ticket_terms WHERE ticket_id = {id}") > 0);
}

/// SQLite's `data_version` of one connection changes when another connection commits.
fn data_version(db: &impl Sql) -> Value {
    db.execute("PRAGMA data_version", &[])
        .expect("data_version")
        .rows[0][0]
        .clone()
}

#[test]
fn searches_never_write_and_see_a_write_at_once() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let id = filed(&app, &agent, "Parcel", "late delivery", &[]);
    let other = filed(&app, &agent, "Parcel", "late delivery too", &[]);
    // Work a search would once have done itself: a record and a text queued behind the app's
    // back (as after an upgrade).
    sql(
        &app,
        "UPDATE tickets SET status = 'hold' WHERE id = ?",
        &[other.into()],
    );
    sql(
        &app,
        "INSERT INTO ticket_comments (ticket_id, author_id, body, public, via_channel, created_at) \
         SELECT id, requester_id, 'quokka sighting', 1, 'web', 0 FROM tickets WHERE id = ?",
        &[other.into()],
    );
    let watcher = app.db();
    let before = data_version(&watcher);
    let changes = |db: &spindesk_native::NativeSql| {
        db.execute(
            "SELECT (SELECT count(*) FROM ticket_facet_queue), \
             (SELECT count(*) FROM ticket_search_queue), (SELECT count(*) FROM ticket_terms), \
             (SELECT count(*) FROM ticket_pairs), \
             (SELECT group_concat(hex(records)) FROM ticket_facets)",
            &[],
        )
        .expect("state")
        .rows
    };
    let state = changes(&watcher);
    for q in [
        "status:hold",
        "\"late delivery\"",
        "late -\"late delivery\"",
        "status<solved late",
        "quokka",
    ] {
        found(&app, &agent, q);
    }
    app.zendesk_get(&agent, "/api/v2/users/search.json?query=ada")
        .expect(200);
    assert_eq!(data_version(&watcher), before, "a search wrote");
    assert_eq!(changes(&watcher), state);
    // Exact all the same: the held ticket by the SQL path; the queued comment is not in the
    // index yet (the next write indexes it).
    assert_eq!(ids(&app, &agent, "status:hold"), [other]);
    assert_eq!(ids(&app, &agent, "quokka"), Vec::<i64>::new());

    // A write brings everything up to date before it commits: the next search sees it.
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{id}.json"),
        &json!({"ticket": {"status": "pending", "comment": {"body": "refund approved", "public": false}}}),
    )
    .expect(200);
    assert_ne!(data_version(&watcher), before);
    assert_eq!(app.count("SELECT count(*) FROM ticket_facet_queue"), 0);
    assert_eq!(app.count("SELECT count(*) FROM ticket_search_queue"), 0);
    assert_eq!(ids(&app, &agent, "status:pending"), [id]);
    assert_eq!(ids(&app, &agent, "status:hold"), [other]);
    assert_eq!(
        ids(&app, &agent, "\"refund approved\" status:pending"),
        [id]
    );
    assert_eq!(ids(&app, &agent, "quokka"), [other]);
    assert_eq!(ids(&app, &agent, "\"quokka sighting\""), [other]);
}

/// `GET /api/admin/search_index/tickets` as JSON.
fn ticket_index(app: &App, method: &str, path: &str) -> Json {
    app.request("admin", method, path)
        .admin()
        .send()
        .expect(200)
        .json()["ticket_search_index"]
        .clone()
}

#[test]
fn an_admin_sees_and_finishes_the_ticket_index_catch_up() {
    let app = App::new();
    let d = desk(&app);
    let status = ticket_index(&app, "GET", "/api/admin/search_index/tickets");
    let tickets = app.count("SELECT count(*) FROM tickets");
    assert_eq!(status["tickets"], json!(tickets));
    assert_eq!(status["waiting_tickets"], json!(0));
    assert_eq!(status["complete"], json!(true));

    // As right after an upgrade that changed the analysis rules: nothing is indexed under the
    // current rules yet, and facet records wait too. Nobody writes on a quiet desk.
    sql(&app, "UPDATE ticket_search_state SET analysis = 0", &[]);
    sql(
        &app,
        "INSERT INTO ticket_facet_queue (ticket_id) SELECT id FROM tickets",
        &[],
    );
    let behind = ticket_index(&app, "GET", "/api/admin/search_index/tickets");
    assert_eq!(behind["waiting_tickets"], json!(tickets));
    assert_eq!(behind["waiting_facets"], json!(tickets));
    assert_eq!(behind["complete"], json!(false));
    assert_eq!(behind["progress"], json!(0.0));
    // Reading the status changes nothing.
    assert_eq!(app.count("SELECT count(*) FROM ticket_search_queue"), 0);

    // One step indexes a batch (200 tickets: all of these) and drains the facet records.
    let done = ticket_index(&app, "POST", "/api/admin/search_index/tickets/catch_up");
    assert_eq!(done["waiting_tickets"], json!(0));
    assert_eq!(done["waiting_facets"], json!(0));
    assert_eq!(done["complete"], json!(true));
    assert_eq!(done["progress"], json!(1.0));
    check_all(&app, &d, "after the admin's catch-up");

    // Admins only; each route its method.
    app.request("admin", "GET", "/api/admin/search_index/tickets")
        .send()
        .expect(401);
    app.request("admin", "GET", "/api/admin/search_index/tickets/catch_up")
        .admin()
        .send()
        .expect(405);
    app.request("admin", "DELETE", "/api/admin/search_index/tickets")
        .admin()
        .send()
        .expect(405);
}

/// A phrase of three terms or more is found by where its pairs sit (schema v25): its pairs one
/// after the other, never pairs from two lines, two texts, or apart in one line — by the
/// index, by the text while it catches up, and by the SQL path alike. An edited subject moves
/// only the head's positions; comments keep theirs.
#[test]
fn longer_phrases_need_their_pairs_in_a_row() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let a = &agent;
    let in_a_row = filed(&app, a, "Kettle", "hello", &["so the kettle lid broke off"]);
    let two_lines = filed(
        &app,
        a,
        "Kettle",
        "hello",
        &["kettle lid is fine\nlid broke"],
    );
    let apart = filed(&app, a, "Kettle", "hello", &["kettle lid, lid broke"]);
    let head_and_comment = filed(&app, a, "Kettle lid", "hello", &["lid broke"]);
    let repeated = filed(
        &app,
        a,
        "Orders",
        "hello",
        &["order order shipped order order"],
    );
    let three_orders = filed(&app, a, "Orders", "hello", &["orders order order"]);
    let korean = filed(&app, a, "문의", "hello", &["어제 환불을 요청했어요"]);
    let korean_apart = filed(&app, a, "문의", "hello", &["환불을 다시", "요청했어요"]);
    let subject = filed(
        &app,
        a,
        "Zipper snapped jacket today",
        "hello",
        &["zipper snapped jacket"],
    );
    let cases = |subject_edited: bool| -> Vec<(&str, Vec<i64>)> {
        vec![
            ("\"kettle lid broke\"", vec![in_a_row]),
            ("\"kettle lid broke off\"", vec![in_a_row]),
            (
                "\"lid broke\"",
                vec![in_a_row, two_lines, apart, head_and_comment],
            ),
            ("\"order order order\"", vec![three_orders]),
            ("\"order order\"", vec![repeated, three_orders]),
            ("\"환불을 요청했어요\"", vec![korean]),
            ("\"환불을 요청\" 어제", vec![korean]),
            ("\"환불을 요청\"", vec![korean]),
            ("\"환불을 다시\"", vec![korean_apart]),
            ("\"zipper snapped jacket\"", vec![subject]),
            (
                "\"zipper snapped jacket today\"",
                if subject_edited {
                    vec![]
                } else {
                    vec![subject]
                },
            ),
            (
                "\"zipper snapped jacket\" -\"snapped jacket today\"",
                if subject_edited {
                    vec![subject]
                } else {
                    vec![]
                },
            ),
            (
                "-\"kettle lid broke\" kettle",
                vec![two_lines, apart, head_and_comment],
            ),
        ]
    };
    let check = |how: &str, subject_edited: bool| {
        for (q, mut want) in cases(subject_edited) {
            want.sort_unstable();
            assert_eq!(ids(&app, a, q), want, "{how}: {q}");
        }
    };
    check("positions", false);
    let positions = |t: i64| {
        app.db()
            .execute(
                "SELECT positions FROM ticket_pairs WHERE ticket_id = ? AND pair LIKE 'zipper %'",
                &[t.into()],
            )
            .expect("positions")
            .rows
    };
    // The subject's pair in the head's numbering, the comment's in the comments'.
    assert_eq!(positions(subject), [[Value::Text("h0 0".into())]]);

    app.zendesk_put(
        a,
        &format!("/api/v2/tickets/{subject}.json"),
        &json!({"ticket": {"subject": "Help: zipper snapped"}}),
    )
    .expect(200);
    assert_eq!(positions(subject), [[Value::Text("h1 0".into())]]);
    check("positions after a subject edit", true);
    // A comment added later continues the comments' numbering (the first one took 0-2).
    comment(&app, a, subject, "zipper snapped jacket");
    assert_eq!(positions(subject), [[Value::Text("h1 0 3".into())]]);

    // While the index catches up (as after the upgrade), the text answers the same.
    as_right_after_the_upgrade(&app);
    check("text while catching up", true);
    // And the SQL path, with facet records waiting.
    sql(
        &app,
        "INSERT INTO ticket_facet_queue (ticket_id) VALUES (1000000)",
        &[],
    );
    check("SQL path", true);
}

/// A desk indexed before positions (version 24): the upgrade makes the pair table again and
/// queues every ticket; phrases are answered from the text meanwhile, and the writes' catch-up
/// brings the pairs back with their positions.
#[test]
fn pairs_indexed_before_positions_are_rebuilt_after_the_upgrade() {
    let app = App::new();
    let old = app.main_database_at(24);
    for statement in [
        "INSERT INTO users (id, public_id, role, name, email, created_at, updated_at) \
         VALUES (1, 'c1', 'end-user', 'Min-ji', 'minji@example.com', 0, 0)",
        "INSERT INTO tickets (id, requester_id, submitter_id, subject, description, status, \
         tags, via_channel, created_at, updated_at) \
         VALUES (1, 1, 1, 'Kettle', 'the kettle lid broke off', 'open', '[]', 'web', 0, 0), \
                (2, 1, 1, 'Kettle', 'kettle lid', 'open', '[]', 'web', 0, 0)",
        "INSERT INTO ticket_comments (ticket_id, author_id, body, public, via_channel, \
         created_at) VALUES (2, 1, 'lid broke', 1, 'web', 0)",
        // What version 17 kept for them: pairs without positions, a head as a JSON array.
        "INSERT INTO ticket_pairs (pair, ticket_id) VALUES ('kettl lid', 1), ('lid broke', 1), \
         ('kettl lid', 2), ('lid broke', 2)",
        "DELETE FROM ticket_search_queue",
    ] {
        old.execute(statement, &[]).expect(statement);
    }
    // And their terms, as that version's index had them.
    for (ticket, text) in [
        (1, "Kettle the kettle lid broke off"),
        (2, "Kettle lid broke"),
    ] {
        for term in spindesk_core::text::terms(text, "en") {
            old.execute(
                "INSERT OR IGNORE INTO ticket_terms (term, ticket_id) VALUES (?, ?)",
                &[term.into(), Value::Integer(ticket)],
            )
            .expect("terms");
        }
    }
    drop(old);
    let agent = app.agent("Ada", "ada@example.com");
    // Upgraded: the old pairs are gone and both tickets wait; the text answers meanwhile.
    assert_eq!(app.count("SELECT count(*) FROM ticket_pairs"), 0);
    assert_eq!(app.count("SELECT count(*) FROM ticket_search_queue"), 2);
    assert_eq!(ids(&app, &agent, "\"kettle lid broke\""), [1]);
    assert_eq!(ids(&app, &agent, "\"lid broke\""), [1, 2]);
    // A ticket write catches up (20 tickets a write): the pairs are back, with positions.
    comment(&app, &agent, 2, "kettle fixed");
    assert_eq!(app.count("SELECT count(*) FROM ticket_search_queue"), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_pairs WHERE pair = 'lid broke'"),
        2
    );
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_pairs WHERE positions = ''"),
        0
    );
    assert_eq!(ids(&app, &agent, "\"kettle lid broke\""), [1]);
    assert_eq!(ids(&app, &agent, "\"lid broke\""), [1, 2]);
    assert_eq!(ids(&app, &agent, "\"lid broke kettle\""), Vec::<i64>::new());
}
