// The agent workspace as a desk, in real browsers against the dev server: two agents and one
// customer. An admin sets up a default group with two agents and a macro (APIs); both agents go
// online with the presence switch; the customer hands off twice from the widget page and the
// tickets go one to each agent (round robin), each agent's tab counting its new assignment; one
// agent goes away and the next hand-off goes to the other; that agent opens it from the keyboard,
// applies the macro (the customer's name filled in), edits and sends it; finds the ticket by a
// word of the customer's message; solves it; the customer taps Good in the widget and the agent
// sees the rating. Ben turns on the sound and desktop notifications; Ada moves a ticket to
// another group and to Ben with the group and assignee selects; Ben's tab beeps and notifies;
// Ben's idle (automatic) away shows beside his choice. No console errors on any page.
//
//   BASE_URL=http://127.0.0.1:3000 ADMIN_TOKEN=... node desk.test.mjs
import { join } from 'node:path';
import { ADMIN_TOKEN, BASE, OUT, check, currentStep, go, launch, request, setStep } from './harness.mjs';

const RUN = Date.now().toString(36);
const ADMIN = `Bearer ${ADMIN_TOKEN}`;
const api = (method, path, { body, auth = ADMIN } = {}) => request(method, path, { body, headers: { authorization: auth } });
async function ok(method, path, opts, status = 200) {
  const r = await api(method, path, opts);
  check(r.status === status, `${method} ${path} answered ${r.status}: ${r.text}`);
  return r.json;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const browsers = [];
const problems = [];
let expectStatus = null;
let failed = false;
const t0 = performance.now();
function watch(page, who) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expectStatus && m.text().includes(`status of ${expectStatus}`)) return;
    problems.push(`console (${who}): ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error (${who}): ${e.message}`));
  page.on('dialog', async (d) => { problems.push(`dialog (${who}): ${d.message()}`); await d.dismiss(); });
}
async function open(name, viewport) {
  const b = await launch(name, viewport);
  browsers.push(b);
  const page = b.context.pages()[0] || await b.context.newPage();
  watch(page, name);
  // Headless Chromium plays sound to nowhere and shows no notification: the page's calls into
  // the real Web Audio and Notification APIs are recorded (and still made) so a step can see them.
  await page.addInitScript(() => {
    window.__beeps = 0;
    window.__notes = [];
    if (window.AudioContext) {
      const start = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function () { window.__beeps += 1; return start.call(this); };
    }
    if (window.Notification) {
      const Real = window.Notification;
      const Recorded = function (title, opts) {
        const n = new Real(title, opts);
        window.__notes.push({ title, body: opts && opts.body, note: n });
        return n;
      };
      Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
      Recorded.requestPermission = (...a) => Real.requestPermission(...a);
      window.Notification = Recorded;
    }
  });
  return { page, context: b.context };
}

try {
  // ---- Setup through the APIs: a default group, two agents in it, a macro ----------------
  const agents = {};
  let macroTitle;
  await go('an admin sets up a group of two agents and a macro', async () => {
    const group = (await ok('POST', '/api/v2/groups', { body: { group: { name: `Desk ${RUN}`, default: true } } }, 201)).group;
    for (const [key, name] of [['ada', 'Ada Desk'], ['ben', 'Ben Desk']]) {
      const email = `${key}+${RUN}@example.com`;
      const created = await ok('POST', '/api/admin/agents', { body: { agent: { name: `${name} ${RUN}`, email } } }, 201);
      await ok('POST', '/api/v2/group_memberships', { body: { group_membership: { user_id: created.agent.id, group_id: group.id } } }, 201);
      agents[key] = {
        id: created.agent.id, name: `${name} ${RUN}`, email, token: created.api_token,
        auth: 'Basic ' + Buffer.from(`${email}/token:${created.api_token}`).toString('base64'),
      };
    }
    // A second group with Ben alone: Ada moves a ticket there with the selects at the end.
    const billing = (await ok('POST', '/api/v2/groups', { body: { group: { name: `Billing ${RUN}` } } }, 201)).group;
    await ok('POST', '/api/v2/group_memberships', { body: { group_membership: { user_id: agents.ben.id, group_id: billing.id } } }, 201);
    agents.billing = billing;
    macroTitle = `Refund sent ${RUN}`;
    await ok('POST', '/api/v2/macros', {
      body: { macro: { title: macroTitle, actions: [
        { field: 'comment_value', value: 'Hi {{ticket.requester.first_name}}, your refund is on its way.' },
        { field: 'priority', value: 'high' },
        { field: 'current_tags', value: `refund macro-${RUN}` },
      ] } },
    }, 201);
  });

  // ---- Two agents sign in and go online ------------------------------------------------
  const pages = {};
  const contexts = {};
  await go('both agents sign in and go online with the presence switch', async () => {
    for (const key of ['ada', 'ben']) {
      const a = agents[key];
      const { page, context } = await open(`desk-${key}`, { width: 1280, height: 800 });
      pages[key] = page;
      contexts[key] = context;
      await page.goto(BASE + '/agent/');
      await page.getByLabel('Email').fill(a.email);
      await page.getByLabel('API token').fill(a.token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#desk').waitFor({ state: 'visible', timeout: 5000 });
      const presence = page.getByLabel('Your availability');
      await presence.waitFor({ timeout: 5000 });
      check(await presence.inputValue() === 'offline', 'a new agent starts offline');
      await presence.selectOption('online');
      await page.locator('#presence-box[data-status=online]').waitFor({ timeout: 3000 });
      const p = (await ok('GET', '/api/v2/users/me/presence', { auth: a.auth })).presence;
      check(p.status === 'online', `the server has them online: ${JSON.stringify(p)}`);
    }
  });

  // ---- The customer hands off from the widget ---------------------------------------------
  const { page: customer } = await open('desk-customer', { width: 420, height: 800 });
  let lastTicket = (await ok('GET', '/api/v2/tickets.json?sort_by=id&sort_order=desc&per_page=1')).tickets[0]?.id || 0;
  async function handoff(text) {
    // A new visitor each time: the widget keeps its session in localStorage.
    await customer.goto(BASE + '/');
    await customer.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
    await customer.reload();
    await customer.getByRole('button', { name: 'Open chat' }).click();
    const box = customer.getByRole('textbox', { name: 'Message' });
    await box.fill('hello');
    await customer.getByRole('button', { name: 'Send', exact: true }).click();
    await customer.getByRole('button', { name: 'Talk to a person' }).click();
    const t = await until('the hand-off ticket', async () => {
      const list = (await ok('GET', '/api/v2/tickets.json?sort_by=id&sort_order=desc&per_page=1')).tickets;
      return list[0] && list[0].id > lastTicket ? list[0] : null;
    });
    lastTicket = t.id;
    await box.fill(text);
    await customer.getByRole('button', { name: 'Send', exact: true }).click();
    await until('the message as a comment', async () =>
      (await ok('GET', `/api/v2/tickets/${t.id}/comments.json`)).comments.some((c) => c.body === text));
    return (await ok('GET', `/api/v2/tickets/${t.id}.json`)).ticket;
  }

  let first, second;
  await go('two hand-offs go one to each agent; each tab counts its new assignment', async () => {
    first = await handoff(`First question ${RUN}`);
    second = await handoff(`Second question ${RUN}`);
    const owners = [first.assignee_id, second.assignee_id].sort();
    check(JSON.stringify(owners) === JSON.stringify([agents.ada.id, agents.ben.id].sort()),
      `round robin: ${first.assignee_id}, ${second.assignee_id}`);
    for (const key of ['ada', 'ben']) {
      const page = pages[key];
      await page.waitForFunction(() => document.title.startsWith('(1) Spindesk'), null, { timeout: 8000 });
      await page.locator('#new-badge', { hasText: '1 new ticket assigned to you' }).waitFor({ timeout: 3000 });
      const mine = first.assignee_id === agents[key].id ? first : second;
      await page.locator(`#tickets a[href="#ticket/${mine.id}"]`).waitFor({ timeout: 5000 });
      const count = await page.getByRole('button', { name: /^Your unsolved tickets/ }).textContent();
      check(/ 1$/.test(count), `Your unsolved tickets counts 1: ${count}`);
    }
    await pages.ada.screenshot({ path: join(OUT, 'desk-assigned.png') });
  });

  let third;
  const word = `kumquat${RUN}`;
  await go('Ben goes away; the next hand-off goes to Ada', async () => {
    await pages.ben.getByLabel('Your availability').selectOption('away');
    await pages.ben.locator('#presence-box[data-status=away]').waitFor({ timeout: 3000 });
    third = await handoff(`My parcel with the ${word} never arrived`);
    check(third.assignee_id === agents.ada.id, `assigned to Ada: ${third.assignee_id}`);
    await pages.ada.waitForFunction(() => document.title.startsWith('(2) Spindesk'), null, { timeout: 8000 });
    // The customer gave their name in the conversation; the agent writes it down.
    await ok('PUT', `/api/v2/users/${third.requester_id}`, { auth: agents.ada.auth, body: { user: { name: `Grace Hopper ${RUN}` } } });
  });

  const ada = pages.ada;
  const textbox = ada.locator('#reply');
  await go('Ada opens the newest ticket from the keyboard (j, Enter)', async () => {
    const row = ada.locator(`#tickets a[href="#ticket/${third.id}"]`);
    await row.waitFor({ timeout: 5000 });
    await ada.locator('#tickets').focus();
    await ada.keyboard.press('j');
    check(await row.evaluate((a) => a === document.activeElement), 'j focused the newest ticket');
    await ada.keyboard.press('Enter');
    await ada.waitForURL((u) => u.hash === `#ticket/${third.id}`);
    await ada.locator('#t-log .msg.customer', { hasText: word }).waitFor({ timeout: 5000 });
    await ada.waitForFunction(() => document.title.startsWith('(1) Spindesk'), null, { timeout: 3000 });
    check(await ada.getByLabel('Group').locator('option:checked').textContent() === `Desk ${RUN}`, 'group shown');
    const assignee = ada.getByLabel('Assignee', { exact: true });
    await until('Ada in the assignee select', async () => await assignee.inputValue() === String(agents.ada.id));
    const names = await assignee.locator('option').allTextContents();
    check(names.includes(`${agents.ada.name} (you)`) && names.includes(agents.ben.name), `the group's members: ${names}`);
  });

  await go('Ada applies the macro: the customer’s name filled in, edited, sent with its fields', async () => {
    await ada.locator('#t-subject').focus();
    await ada.keyboard.press('m');
    const macro = ada.getByLabel('Macro', { exact: true });
    check(await macro.evaluate((el) => el === document.activeElement), 'm focused the macros menu');
    await macro.selectOption({ label: macroTitle });
    await until('the macro’s comment in the composer', async () => (await textbox.inputValue()).startsWith('Hi Grace,'));
    const preview = await ada.locator('#macro-preview').textContent();
    check(preview.includes('Priority: High') && preview.includes(`macro-${RUN}`), `field changes shown: ${preview}`);
    await textbox.press('End');
    await textbox.type(' Anything else?');
    await textbox.press('Control+Enter');
    await ada.locator('#t-log .msg.agent', { hasText: 'Anything else?' }).waitFor({ timeout: 5000 });
    check(await ada.locator('#macro-preview').isHidden(), 'the preview is done');
    const t = (await ok('GET', `/api/v2/tickets/${third.id}.json`)).ticket;
    check(t.priority === 'high' && t.tags.includes(`macro-${RUN}`), `fields applied: ${t.priority} ${t.tags}`);
    const cs = (await ok('GET', `/api/v2/tickets/${third.id}/comments.json`)).comments;
    check(cs.some((c) => c.body === 'Hi Grace, your refund is on its way. Anything else?' && c.public), 'the edited comment, public');
    await ada.screenshot({ path: join(OUT, 'desk-macro.png') });
  });

  await go('Ada searches: a bad keyword is explained, a word of the message finds the ticket', async () => {
    await ada.locator('#t-subject').focus();
    await ada.keyboard.press('/');
    const search = ada.getByLabel('Search tickets and users');
    check(await search.evaluate((el) => el === document.activeElement), '/ focused the search box');
    expectStatus = 400;
    await search.fill('mood:happy');
    await search.press('Enter');
    await ada.locator('#search-error', { hasText: 'mood' }).waitFor({ timeout: 5000 });
    expectStatus = null;
    await search.fill(word);
    await search.press('Enter');
    await ada.locator(`#tickets a[href="#ticket/${third.id}"]`).waitFor({ timeout: 5000 });
    check(await ada.locator('#search-error').textContent() === '', 'the error went with the good query');
    check((await ada.locator('#list-summary').textContent()).includes('1 result'), 'one result');
    await ada.getByRole('button', { name: 'Clear' }).click();
    await ada.getByRole('button', { name: /^Your unsolved tickets/ }).waitFor({ timeout: 3000 });
  });

  await go('Ada solves; the customer taps Good; Ada sees the rating', async () => {
    check((await ada.locator('#t-csat').textContent()).includes('Not asked'), 'not asked yet');
    await ada.getByLabel('Status', { exact: true }).selectOption('solved');
    await ada.getByRole('button', { name: 'Save' }).click();
    await ada.locator('#fields-status', { hasText: 'Saved.' }).waitFor({ timeout: 3000 });
    const good = customer.getByRole('button', { name: 'Good' });
    await good.waitFor({ timeout: 8000 });
    await good.click();
    await ada.locator('#t-csat.good', { hasText: 'Good' }).waitFor({ timeout: 8000 });
    const t = (await ok('GET', `/api/v2/tickets/${third.id}.json`)).ticket;
    check(t.satisfaction_rating.score === 'good', `rated: ${JSON.stringify(t.satisfaction_rating)}`);
    await ada.screenshot({ path: join(OUT, 'desk-rated.png') });
    await customer.screenshot({ path: join(OUT, 'desk-customer-rated.png') });
  });

  const ben = pages.ben;
  await go('Ben turns on the sound and desktop notifications', async () => {
    const sound = ben.getByLabel('Sound for new assignments');
    check(!(await sound.isChecked()), 'the sound is off by default');
    const before = await ben.evaluate(() => window.__beeps);
    await sound.check();
    // Ticking it plays the sound once, so the agent hears what it will sound like.
    await until('the sample beep', async () => await ben.evaluate(() => window.__beeps) > before);
    const allow = ben.getByRole('button', { name: 'Desktop notifications' });
    check(await allow.isVisible(), 'the notifications button is offered while the browser has not been asked');
    await contexts.ben.grantPermissions(['notifications'], { origin: BASE });
    await allow.click();
    await allow.waitFor({ state: 'hidden', timeout: 3000 });
    check(await ben.evaluate(() => Notification.permission) === 'granted', 'permission granted');
    await ben.reload();
    await ben.locator('#desk').waitFor({ state: 'visible', timeout: 5000 });
    check(await ben.getByLabel('Sound for new assignments').isChecked(), 'the choice survives a reload of the tab');
  });

  // Ada's own ticket from the round robin: she hands it to Billing and to Ben.
  const adas = first.assignee_id === agents.ada.id ? first : second;
  await go('Ada moves her ticket to another group and to Ben with the selects, and saves', async () => {
    await ada.goto(`${BASE}/agent/#ticket/${adas.id}`);
    await ada.locator('#t-log .msg.customer').first().waitFor({ timeout: 5000 });
    const group = ada.getByLabel('Group');
    const assignee = ada.getByLabel('Assignee', { exact: true });
    await until('Ada in the assignee select', async () => await assignee.inputValue() === String(agents.ada.id));
    await group.selectOption({ label: `Billing ${RUN}` });
    // Ada is not in Billing: the select lists its members only and she is no longer chosen.
    await until('Billing’s members', async () => {
      const names = await assignee.locator('option').allTextContents();
      return names.includes(agents.ben.name) && !names.some((n) => n.startsWith(agents.ada.name));
    });
    check(await assignee.inputValue() === '', `unassigned until chosen: ${await assignee.inputValue()}`);
    await assignee.selectOption(String(agents.ben.id));
    await ada.getByRole('button', { name: 'Save' }).click();
    await ada.locator('#fields-status', { hasText: 'Saved.' }).waitFor({ timeout: 3000 });
    const t = (await ok('GET', `/api/v2/tickets/${adas.id}.json`)).ticket;
    check(t.group_id === agents.billing.id && t.assignee_id === agents.ben.id,
      `saved: group ${t.group_id}, assignee ${t.assignee_id}`);
    await ada.locator('#f-assignee', { hasText: agents.ben.name }).waitFor({ timeout: 3000 });
  });

  await go('Ben’s tab counts it, beeps and shows a desktop notification that opens it', async () => {
    const beeps = await ben.evaluate(() => window.__beeps);
    await ben.waitForFunction(() => document.title.startsWith('(1) Spindesk'), null, { timeout: 8000 });
    await until('the beep', async () => await ben.evaluate(() => window.__beeps) > beeps);
    const notes = await ben.evaluate(() => window.__notes.map((n) => ({ title: n.title, body: n.body })));
    check(notes.length === 1 && notes[0].title === '1 new ticket assigned to you' && notes[0].body === (adas.subject || `#${adas.id}`),
      `one notification naming the ticket: ${JSON.stringify(notes)}`);
    await ben.evaluate(() => window.__notes[0].note.onclick());
    await ben.waitForURL((u) => u.hash === `#ticket/${adas.id}`);
    await ben.waitForFunction(() => !document.title.startsWith('('), null, { timeout: 3000 });
  });

  await go('Ben’s idle away shows beside his choice', async () => {
    await ben.getByLabel('Your availability').selectOption('online');
    await ben.locator('#presence-box[data-status=online]').waitFor({ timeout: 3000 });
    check(await ben.locator('#presence-note').isHidden(), 'no idle note while active');
    // The server applies automatic away after at least 60 s of silence (away_after_seconds),
    // too long to wait here: the server's real answer is passed through with the status it
    // gives a silent agent, and the page must show it as idle away, keeping Ben's choice.
    const served = [];
    await ben.route('**/api/v2/users/me/presence.json', async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const real = await route.fetch();
      const body = await real.json();
      served.push({ ...body.presence });
      body.presence.status = 'away';
      await route.fulfill({ response: real, json: body });
    });
    await ben.reload();
    await ben.locator('#presence-box[data-status=away]').waitFor({ timeout: 5000 });
    await ben.locator('#presence-note', { hasText: 'Away (idle)' }).waitFor({ timeout: 3000 });
    check(await ben.getByLabel('Your availability').inputValue() === 'online', 'the switch keeps his choice');
    check(served.length > 0 && served.every((p) => p.chosen_status === 'online' && p.status === 'online'),
      `the server itself had Ben online by choice: ${JSON.stringify(served)}`);
    await ben.unroute('**/api/v2/users/me/presence.json');
    await ben.screenshot({ path: join(OUT, 'desk-idle-away.png') });
  });

  setStep('console');
  check(problems.length === 0, `browser reported problems:\n${problems.join('\n')}`);
  console.log(`ok no console errors (${Math.round(performance.now() - t0)} ms in all)`);
} catch (err) {
  failed = true;
  console.error(`FAIL ${currentStep()}: ${err.message}`);
  if (problems.length) console.error(problems.join('\n'));
  for (const b of browsers) {
    const p = b.context.pages()[0];
    if (p) await p.screenshot({ path: join(OUT, `desk-failure-${browsers.indexOf(b)}.png`) }).catch(() => {});
  }
} finally {
  for (const b of browsers) await b.close().catch(() => {});
}
process.exit(failed ? 1 : 0);
