// Realtime through a real Pushpin in front of the dev server (tests/browser/run.sh starts both):
// a widget long-poll is held by Pushpin and released by an agent's reply (the publish after the
// commit); in real browsers the widget streams events through Pushpin and typing shows both
// ways, with read receipts; a forged Grip-Sig sent straight to the server gets no hold.
//
//   BASE_URL=http://127.0.0.1:28080 PUSHPIN_URL=http://127.0.0.1:28090 ADMIN_TOKEN=... \
//     node realtime.test.mjs
//
// Exits non-zero on the first failed check. Screenshots go to ./out/.
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { ADMIN_TOKEN, BASE, OUT, check, currentStep, go, launch, log, setStep } from './harness.mjs';

const PUSHPIN = (process.env.PUSHPIN_URL || '').replace(/\/$/, '');
if (!PUSHPIN) { console.error('PUSHPIN_URL is required (tests/browser/run.sh sets it)'); process.exit(2); }
const RUN = Date.now().toString(36);

/** A JSON request to `origin`: {status, json, headers, ms}. */
async function call(origin, method, path, { body, auth, headers = {} } = {}) {
  const t0 = performance.now();
  const res = await fetch(origin + path, {
    method,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers, ms: performance.now() - t0 };
}
async function ok(origin, method, path, opts = {}, status = 200) {
  const r = await call(origin, method, path, opts);
  check(r.status === status, `${method} ${path} answered ${r.status}: ${r.text}`);
  return r;
}

/** An HS256 JWT like Pushpin's Grip-Sig, under a key that is not the server's. */
function forgedSig() {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const claims = b64({ iss: 'pushpin', exp: Math.floor(Date.now() / 1000) + 3600 });
  const sig = createHmac('sha256', 'guessed-key').update(`${head}.${claims}`).digest('base64url');
  return `${head}.${claims}.${sig}`;
}

const browser = await launch('realtime', { width: 1280, height: 800 });
const { context } = browser;
const problems = [];
let failed = false;

try {
  let agent, agentAuth, visitor, ticketId, lastSeq;
  await go('an agent, and a visitor handed off to people, through Pushpin', async () => {
    const created = (await ok(PUSHPIN, 'POST', '/api/admin/agents', {
      auth: `Bearer ${ADMIN_TOKEN}`, body: { agent: { name: 'Grace Hopper', email: `grace+${RUN}@example.com` } },
    }, 201)).json;
    agent = created;
    agentAuth = 'Basic ' + Buffer.from(`grace+${RUN}@example.com/token:${created.api_token}`).toString('base64');
    const s = (await ok(PUSHPIN, 'POST', '/api/widget/sessions', { body: { locale: 'en', name: `Ida ${RUN}` } }, 201)).json;
    visitor = `Bearer ${s.session.token}`;
    await ok(PUSHPIN, 'POST', '/api/widget/messages', { auth: visitor, body: { text: 'hello' } }, 201);
    const handoff = (await ok(PUSHPIN, 'POST', '/api/widget/messages', {
      auth: visitor, body: { text: 'Talk to a person', payload: 'handoff' },
    }, 201)).json;
    lastSeq = handoff.messages[handoff.messages.length - 1].seq;
    const list = (await ok(PUSHPIN, 'GET', '/api/v2/tickets.json?sort_order=desc&per_page=10', { auth: agentAuth })).json;
    ticketId = list.tickets.find((t) => t.subject.includes(`Ida ${RUN}`)).id;
    log('ticket', ticketId, 'last_seq', lastSeq);
  });

  await go('a forged Grip-Sig straight to the server gets no hold: the instance waits, as without Pushpin', async () => {
    const r = await ok(BASE, 'GET', `/api/widget/messages?after=${lastSeq}&wait=1`, {
      auth: visitor, headers: { 'grip-sig': forgedSig() },
    });
    check(!r.headers.get('grip-hold') && !r.headers.get('grip-channel'), 'no GRIP instructions');
    check(r.ms >= 900, `held by the server for its wait (${Math.round(r.ms)} ms)`);
    const stream = await call(BASE, 'GET', `/api/widget/events?after=${lastSeq}`, { auth: visitor, headers: { 'grip-sig': forgedSig() } });
    check(stream.status === 503 && stream.json.errors[0].code === 'stream_unavailable', `no stream: ${stream.status} ${stream.text}`);
    const conv = await ok(BASE, 'GET', '/api/widget/conversation', { auth: visitor, headers: { 'grip-sig': forgedSig() } });
    check(conv.json.stream === false, 'not offered a stream');
  });

  await go('a long-poll through Pushpin is held by Pushpin and released by the agent’s reply', async () => {
    const poll = call(PUSHPIN, 'GET', `/api/widget/messages?after=${lastSeq}&wait=20`, { auth: visitor });
    await new Promise((r) => setTimeout(r, 700));
    const t0 = performance.now();
    await ok(PUSHPIN, 'PUT', `/api/v2/tickets/${ticketId}.json`, {
      auth: agentAuth, body: { ticket: { comment: { body: `Grace here ${RUN}`, public: true } } },
    });
    const r = await poll;
    const released = performance.now() - t0;
    check(r.status === 200, `poll answered ${r.status}: ${r.text}`);
    check(r.json.messages.length === 1 && r.json.messages[0].text === `Grace here ${RUN}`, `the reply: ${r.text}`);
    check(r.json.messages[0].seq === lastSeq + 1 && r.json.last_seq === lastSeq + 1, 'with its sequence number');
    check(!r.headers.get('grip-hold'), 'Pushpin removed its instructions');
    check(r.ms > 600 && released < 2000, `held, then released by the publish (${Math.round(released)} ms after the reply)`);
    log(`reply reached the held poll ${Math.round(released)} ms after the agent's PUT returned`);
    lastSeq += 1;
  });

  // ---- Real browsers: the widget on the demo page, the agent workspace, both through Pushpin --
  const widgetPage = await context.newPage();
  const agentPage = await context.newPage();
  for (const [name, page] of [['widget', widgetPage], ['agent', agentPage]]) {
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`${name} console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`${name} page error: ${e.message}`));
  }
  const streams = [];
  widgetPage.on('response', (r) => {
    if (r.url().includes('/api/widget/events')) streams.push(`${r.status()} ${r.headers()['content-type']}`);
  });
  const agentStreams = [];
  agentPage.on('response', (r) => {
    if (r.url().includes('/api/live/desk')) agentStreams.push(`${r.status()} ${r.headers()['content-type']}`);
  });
  const chatLog = widgetPage.getByRole('log');
  let browserTicket;
  await go('the widget streams events through Pushpin', async () => {
    await widgetPage.goto(PUSHPIN + '/');
    await widgetPage.getByRole('button', { name: 'Open chat' }).click();
    const box = widgetPage.getByRole('textbox', { name: 'Message' });
    await box.fill('hello');
    await box.press('Enter');
    await widgetPage.getByRole('button', { name: 'Talk to a person' }).first().click();
    await chatLog.locator('.m.user', { hasText: 'Talk to a person' }).first().waitFor({ timeout: 5000 });
    await box.fill('I need a person');
    await box.press('Enter');
    await chatLog.locator('.m.user', { hasText: 'I need a person' }).first().waitFor({ timeout: 5000 });
    for (let i = 0; i < 50 && !streams.length; i++) await widgetPage.waitForTimeout(100);
    check(streams.length && streams[0] === '200 text/event-stream', `event stream opened: ${streams}`);
    const token = await widgetPage.evaluate(() => Object.entries(localStorage).find(([k]) => k.endsWith(':token'))[1]);
    const me = (await ok(PUSHPIN, 'GET', '/api/widget/conversation', { auth: `Bearer ${token}` })).json;
    const list = (await ok(PUSHPIN, 'GET', '/api/v2/tickets.json?sort_order=desc&per_page=20', { auth: agentAuth })).json;
    // The newest ticket: this visitor's hand-off.
    browserTicket = Math.max(...list.tickets.map((t) => t.id));
    log('widget conversation', me.conversation.id, 'ticket', browserTicket);
  });

  await go('the agent opens the ticket in the workspace (its own stream through Pushpin)', async () => {
    await agentPage.goto(PUSHPIN + '/agent/');
    await agentPage.getByLabel('Email').fill(`grace+${RUN}@example.com`);
    await agentPage.getByLabel('API token').fill(agent.api_token);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.locator('#desk').waitFor({ state: 'visible', timeout: 5000 });
    await agentPage.goto(PUSHPIN + `/agent/#ticket/${browserTicket}`);
    await agentPage.getByRole('log', { name: 'Conversation' }).locator('.msg.customer', { hasText: 'I need a person' })
      .waitFor({ timeout: 5000 });
    for (let i = 0; i < 50 && !agentStreams.some((x) => x.includes('event-stream')); i++) await agentPage.waitForTimeout(100);
    check(agentStreams.some((x) => x === '200 text/event-stream'), `the workspace streams: ${agentStreams}`);
  });

  await go('the customer types: the agent sees it', async () => {
    await widgetPage.bringToFront();
    const t0 = performance.now();
    await widgetPage.getByRole('textbox', { name: 'Message' }).pressSequentially('Are you', { delay: 30 });
    await agentPage.locator('#t-live', { hasText: 'The customer is typing' }).waitFor({ timeout: 5000 });
    log(`shown to the agent after ${Math.round(performance.now() - t0)} ms`);
  });

  await go('the agent types a public reply: the customer sees it, then the reply itself', async () => {
    await agentPage.bringToFront();
    const t0 = performance.now();
    await agentPage.locator('#reply').pressSequentially('One moment', { delay: 30 });
    await widgetPage.locator('#spindesk-widget .tn').waitFor({ state: 'visible', timeout: 5000 });
    log(`typing shown in the widget after ${Math.round(performance.now() - t0)} ms`);
    await agentPage.getByRole('button', { name: 'Send reply' }).click();
    const t1 = performance.now();
    await chatLog.locator('.m.agent', { hasText: 'One moment' }).first().waitFor({ timeout: 5000 });
    log(`reply shown in the widget after ${Math.round(performance.now() - t1)} ms`);
  });

  await go('read receipts both ways', async () => {
    // The widget is open and visible: it marks the reply read, and the agent sees it.
    await widgetPage.bringToFront();
    await agentPage.locator('#t-live', { hasText: 'Seen by the customer' }).waitFor({ timeout: 8000 });
    // The agent's workspace read the customer's message: the widget marks it seen.
    await chatLog.locator('.m.user.seen').first().waitFor({ timeout: 8000 });
    await widgetPage.screenshot({ path: join(OUT, 'realtime-widget.png') });
    await agentPage.screenshot({ path: join(OUT, 'realtime-agent.png') });
  });

  await go('the agent goes away on another device: the workspace shows it through the stream', async () => {
    // The presence poll runs every 30 s; the published `presence` event brings it at once.
    await agentPage.locator('#presence-box').waitFor({ state: 'visible', timeout: 5000 });
    const t0 = performance.now();
    await ok(PUSHPIN, 'PUT', '/api/v2/users/me/presence.json', { auth: agentAuth, body: { presence: 'away' } });
    await agentPage.waitForFunction(() => document.getElementById('presence').value === 'away', null, { timeout: 5000 });
    log(`shown in the workspace after ${Math.round(performance.now() - t0)} ms`);
  });

  await go('typing never becomes a message', async () => {
    const token = await widgetPage.evaluate(() => Object.entries(localStorage).find(([k]) => k.endsWith(':token'))[1]);
    const all = (await ok(PUSHPIN, 'GET', '/api/widget/conversation?limit=100', { auth: `Bearer ${token}` })).json.messages;
    check(!all.some((m) => /Are you|typing/i.test(m.text)), `no typing in the history: ${all.map((m) => m.text)}`);
  });

  setStep('console');
  check(problems.length === 0, `browser reported problems:\n${problems.join('\n')}`);
  console.log('ok no console errors');
} catch (err) {
  failed = true;
  console.error(`FAIL ${currentStep()}: ${err.message}`);
  if (problems.length) console.error(problems.join('\n'));
  for (const [i, page] of context.pages().entries()) {
    await page.screenshot({ path: join(OUT, `realtime-failure-${i}.png`) }).catch(() => {});
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
