// Zendesk's own Node client, node-zendesk (pinned in package.json), used unchanged against the
// Spindesk dev server: an agent signs in the Zendesk way (Basic `email/token:TOKEN`), the admin
// token is the OAuth bearer, and every call below goes through the library's own methods, so
// the URLs, query strings (`.json`, `page[size]`, `ids=1%2C2`), bodies and the unwrapping of
// the answers are exactly what a Zendesk integration sends and expects.
//
//   BASE_URL=http://127.0.0.1:3000 ADMIN_TOKEN=... node node-zendesk.test.mjs
//
// Exits non-zero on the first failed check, naming the step.
import zendesk from 'node-zendesk';

const BASE = (process.env.BASE_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');
const ADMIN_TOKEN = process.env.ADMIN_TOKEN || 'dev-admin-token-0123456789abcdefghij';
// node-zendesk builds every URL as `${endpointUri}/${path}.json`; without `endpointUri` it
// would be `https://${subdomain}.zendesk.com/api/v2`.
const ENDPOINT = `${BASE}/api/v2`;
// Unique per run, so the test works on a database that already has content.
const RUN = Date.now().toString(36);
const WORD = `printer${RUN}`;

let step = 'start';
let passed = 0;
function check(cond, msg) { if (!cond) throw new Error(msg); }
async function go(name, fn) {
  step = name;
  const t0 = performance.now();
  await fn();
  passed += 1;
  console.log(`ok ${name} (${Math.round(performance.now() - t0)} ms)`);
}
const ids = (list) => list.map((x) => x.id);

/** The admin API is Spindesk's own (Zendesk has no equivalent): plain fetch. */
async function createAgent(name, email) {
  const res = await fetch(`${BASE}/api/admin/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent: { name, email } }),
  });
  const body = await res.json();
  check(res.status === 201, `creating the agent: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

try {
  let agent; let admin; let agentUser; let agentToken;
  let ticket; let koTicket; let macro; let group;
  const requester = { name: 'Grace Hopper', email: `grace-${RUN}@example.com` };

  await go('clients: an agent with Basic email/token, the admin token as OAuth bearer', async () => {
    const created = await createAgent('Ada Lovelace', `ada-${RUN}@example.com`);
    agentToken = created.api_token;
    agent = zendesk.createClient({ username: created.agent.email, token: agentToken, endpointUri: ENDPOINT });
    admin = zendesk.createClient({ token: ADMIN_TOKEN, oauth: true, endpointUri: ENDPOINT });
    const { result } = await agent.users.me();
    check(result.id === created.agent.id && result.role === 'agent', `users.me: ${JSON.stringify(result)}`);
    agentUser = result;
  });

  await go('tickets.create: requester by name and email, comment, priority, tags', async () => {
    const { response, result } = await agent.tickets.create({
      ticket: {
        subject: `Printer on fire ${WORD}`,
        comment: { body: `The printer ${WORD} is on fire (${RUN})`, public: true },
        requester,
        priority: 'high',
        tags: ['printer', RUN],
      },
    });
    check(response.status === 201, `status ${response.status}`);
    check(result.id > 0 && result.status === 'new', `ticket: ${JSON.stringify(result)}`);
    check(result.priority === 'high', `priority ${result.priority}`);
    check(result.tags.includes('printer') && result.tags.includes(RUN), `tags ${result.tags}`);
    check(result.via.channel === 'api', `via ${JSON.stringify(result.via)}`);
    ticket = result;

    const ko = await agent.tickets.create({
      ticket: {
        comment: { body: `배송이 늦어요 ${RUN}`, public: true },
        requester: { name: '김민준', email: `minjun-${RUN}@example.com` },
        priority: 'normal',
        tags: ['배송'],
      },
    });
    koTicket = ko.result;
    check(koTicket.subject.startsWith('배송이'), `subject defaults to the comment: ${koTicket.subject}`);
  });

  await go('tickets.show, tickets.list (page[size]=100), showMany, users.showMany, users.show', async () => {
    const { result } = await agent.tickets.show(ticket.id);
    check(result.id === ticket.id && result.subject === ticket.subject, `show: ${JSON.stringify(result)}`);
    const all = await agent.tickets.list();
    check(Array.isArray(all) && ids(all).includes(ticket.id) && ids(all).includes(koTicket.id), `list: ${ids(all)}`);
    const many = (await agent.tickets.showMany([koTicket.id, ticket.id])).result;
    check(JSON.stringify(ids(many)) === JSON.stringify([ticket.id, koTicket.id]), `showMany: ${ids(many)}`);
    const people = (await agent.users.showMany([ticket.requester_id, koTicket.requester_id])).result;
    check(ids(people).length === 2 && ids(people).includes(koTicket.requester_id), `users.showMany: ${ids(people)}`);
    const user = (await agent.users.show(ticket.requester_id)).result;
    check(user.email === requester.email && user.name === requester.name && user.role === 'end-user',
      `requester: ${JSON.stringify(user)}`);
  });

  await go('search.query: type:ticket status:new <word>, a Korean word, and the count', async () => {
    const { result } = await agent.search.query(`type:ticket status:new ${WORD}`);
    check(Array.isArray(result) && result.length === 1, `results: ${JSON.stringify(result)}`);
    check(result[0].id === ticket.id && result[0].result_type === 'ticket', `hit: ${JSON.stringify(result[0])}`);
    // "배송을" with its particle finds "배송이": particles are stripped on both sides.
    const ko = (await agent.search.query(`type:ticket 배송을 ${RUN}`)).result;
    check(ids(ko).includes(koTicket.id) && !ids(ko).includes(ticket.id), `Korean: ${ids(ko)}`);
    const all = await agent.search.queryAll(`type:ticket ${RUN}`);
    check(ids(all).includes(ticket.id) && ids(all).includes(koTicket.id), `queryAll: ${ids(all)}`);
    const count = (await agent.search.showResultsCount(`type:ticket ${RUN}`)).result;
    check(count.count === 2, `count: ${JSON.stringify(count)}`);
  });

  await go('users.search and users.listWithFilter(role)', async () => {
    const found = await agent.users.search({ query: requester.email });
    check(found.length === 1 && found[0].id === ticket.requester_id, `search: ${JSON.stringify(found)}`);
    const byName = await agent.users.search({ query: '김민준' });
    check(ids(byName).includes(koTicket.requester_id), `search by Korean name: ${ids(byName)}`);
    const agents = await agent.users.listWithFilter('role', 'agent');
    check(ids(agents).includes(agentUser.id) && !ids(agents).includes(ticket.requester_id), `agents: ${ids(agents)}`);
    const customers = await agent.users.listWithFilter('role', 'end-user');
    check(ids(customers).includes(ticket.requester_id) && !ids(customers).includes(agentUser.id),
      `end-users: ${ids(customers)}`);
  });

  await go('macros: created by the admin (OAuth), listed and applied by the agent', async () => {
    const { response, result } = await admin.macros.create({
      macro: {
        title: `Ask for the model ${RUN}`,
        actions: [
          { field: 'comment_value', value: 'Hi {{ticket.requester.first_name}}, which model is it?' },
          { field: 'status', value: 'pending' },
          { field: 'current_tags', value: 'needs_model' },
        ],
      },
    });
    // The library unwraps only `macros`, so a single macro comes as `{macro}`.
    check(response.status === 201 && result.macro.id > 0, `create: ${response.status} ${JSON.stringify(result)}`);
    macro = result.macro;
    const active = (await agent.macros.listActive()).result;
    check(ids(active).includes(macro.id), `listActive: ${JSON.stringify(active)}`);
    const listed = await agent.macros.list();
    check(ids(listed).includes(macro.id), `list: ${ids(listed)}`);
    const shown = (await agent.macros.show(macro.id)).result.macro;
    check(shown.title === macro.title, `show: ${JSON.stringify(shown)}`);
    // `applyTicket` answers `{result: {ticket, comment}}` and changes nothing.
    const applied = (await agent.macros.applyTicket(ticket.id, macro.id)).result;
    check(applied.result.ticket.status === 'pending', `apply: ${JSON.stringify(applied)}`);
    check(applied.result.ticket.tags.includes('needs_model'), `apply tags: ${applied.result.ticket.tags}`);
    check(applied.result.comment.body === 'Hi Grace, which model is it?', `apply comment: ${applied.result.comment.body}`);
    const after = (await agent.tickets.show(ticket.id)).result;
    check(after.status === 'new', `apply changed the ticket: ${after.status}`);
    // An agent can't write macros: the library throws with the status.
    let refused = null;
    try { await agent.macros.create({ macro: { title: 'x', actions: [{ field: 'status', value: 'open' }] } }); } catch (e) { refused = e; }
    check(refused && /403/.test(refused.message), `agent create: ${refused}`);
  });

  await go('views: list, count_many, view tickets', async () => {
    const views = await agent.views.list();
    check([1, 2, 3, 4, 5, 6].every((id) => ids(views).includes(id)), `views: ${ids(views)}`);
    const counts = (await agent.views.showCounts([2, 3])).result;
    check(Array.isArray(counts.view_counts) && counts.view_counts.length === 2, `count_many: ${JSON.stringify(counts)}`);
    const unsolved = counts.view_counts.find((c) => c.view_id === 3);
    check(unsolved && unsolved.value >= 2 && unsolved.fresh === true, `All unsolved: ${JSON.stringify(unsolved)}`);
    // The library unwraps only `views`/`view`, so `tickets` gives the whole page.
    const pages = await agent.views.tickets(3);
    const tickets = pages.flatMap((p) => p.tickets);
    check(ids(tickets).includes(ticket.id) && ids(tickets).includes(koTicket.id), `view 3: ${ids(tickets)}`);
  });

  await go('tickets.update with a comment, listAssigned, listByUserRequested, getComments, audits', async () => {
    const { result } = await agent.tickets.update(ticket.id, {
      ticket: { comment: { body: 'Which model is it?', public: true }, status: 'pending', tags: ['printer', RUN, 'asked'] },
    });
    check(result.id === ticket.id && result.status === 'pending', `update: ${JSON.stringify(result)}`);
    check(result.tags.includes('asked'), `tags: ${result.tags}`);
    const assigned = await agent.tickets.update(koTicket.id, { ticket: { assignee_id: agentUser.id } });
    check(assigned.result.assignee_id === agentUser.id, `assign: ${JSON.stringify(assigned.result)}`);
    const mine = await agent.tickets.listAssigned(agentUser.id);
    check(JSON.stringify(ids(mine)) === JSON.stringify([koTicket.id]), `listAssigned: ${ids(mine)}`);
    const requested = await agent.tickets.listByUserRequested(ticket.requester_id);
    check(JSON.stringify(ids(requested)) === JSON.stringify([ticket.id]), `listByUserRequested: ${ids(requested)}`);
    const comments = await agent.tickets.getComments(ticket.id);
    check(comments.length === 2, `comments: ${JSON.stringify(comments)}`);
    check(comments[0].body.includes(WORD) && comments[0].author_id === ticket.requester_id, `first: ${JSON.stringify(comments[0])}`);
    check(comments[1].body === 'Which model is it?' && comments[1].public === true && comments[1].author_id === agentUser.id,
      `second: ${JSON.stringify(comments[1])}`);
    const audits = await agent.ticketaudits.list(ticket.id);
    check(audits.length === 2 && audits[1].events.some((e) => e.type === 'Comment'), `audits: ${JSON.stringify(audits)}`);
  });

  await go('groups: created by the admin (OAuth), listed by the agent', async () => {
    const { result } = await admin.groups.create({ group: { name: `Printers ${RUN}` } });
    check(result.id > 0 && result.name === `Printers ${RUN}`, `create: ${JSON.stringify(result)}`);
    group = result;
    const groups = await agent.groups.list();
    check(ids(groups).includes(group.id), `list: ${ids(groups)}`);
    const shown = (await agent.groups.show(group.id)).result;
    check(shown.name === group.name, `show: ${JSON.stringify(shown)}`);
  });

  await go('cursor pagination: the library walks links.next one row a page (its `query` option)', async () => {
    // node-zendesk asks for `page[size]=100` by itself; its `query` option overrides the size.
    const paged = zendesk.createClient({
      username: agentUser.email, token: agentToken, endpointUri: ENDPOINT, query: { page: { size: 1 } },
    });
    const requests = [];
    paged.tickets.on('debug::request', (event) => requests.push(event.detail.uri));
    const all = await agent.tickets.list();
    const one = await paged.tickets.list();
    check(one.length === all.length && all.length >= 2, `one a page: ${one.length} of ${all.length}`);
    check(JSON.stringify(ids(one)) === JSON.stringify(ids(all)), `same tickets: ${ids(one)} vs ${ids(all)}`);
    check(requests.length === all.length, `one request a ticket: ${requests.length}`);
    check(requests.every((u) => u.startsWith(`${ENDPOINT}/tickets.json?`)), `followed links: ${requests}`);
    const comments = await paged.tickets.getComments(ticket.id);
    check(comments.length === 2, `comments a page each: ${comments.length}`);
    const views = await paged.views.list();
    check(views.length === (await agent.views.list()).length, `views: ${views.length}`);
    const endUsers = await paged.users.listWithFilter('role', 'end-user');
    check(ids(endUsers).includes(ticket.requester_id) && ids(endUsers).includes(koTicket.requester_id),
      `end-users: ${ids(endUsers)}`);
  });

  await go('errors: 404 and 401 reach the caller as the library\'s errors', async () => {
    let missing = null;
    try { await agent.tickets.show(999999999); } catch (e) { missing = e; }
    check(missing && /404/.test(missing.message), `404: ${missing}`);
    const wrong = zendesk.createClient({ username: agentUser.email, token: 'not-the-token', endpointUri: ENDPOINT });
    let refused = null;
    try { await wrong.users.me(); } catch (e) { refused = e; }
    check(refused && /401/.test(refused.message), `401: ${refused}`);
  });

  console.log(`node-zendesk: ${passed} steps passed`);
} catch (e) {
  console.error(`FAILED at ${step}: ${e.stack || e}`);
  process.exit(1);
}
