// Many open widgets through Pushpin, and the API's latency meanwhile (issue 11's goal: 10,000
// open widgets with live updates on one 2-core machine while webhooks and the agent API keep
// p99 <= 200 ms).
//
//   node scripts/pushpin-load.mjs     (scripts/pushpin-load.sh starts the servers and runs this)
//
// Env: PUSHPIN_URL (http://127.0.0.1:7999), APP_URL (the app itself, http://127.0.0.1:3000),
// ADMIN_TOKEN, WIDGETS (10000), SECONDS (20: the measuring phase), CONCURRENCY (8).
//
// 1. WIDGETS visitors start sessions (straight to the app, from many 127.x.y.z source addresses:
//    the session limit is 60 per address per 10 minutes), each then opens its widget's event
//    stream through Pushpin (GET /api/widget/events) and waits for the first event.
// 2. For SECONDS, CONCURRENCY workers alternate: a visitor sends a message through Pushpin (the
//    app commits, then publishes) and says it is typing, then stopped; an agent reads the ticket
//    list (GET /api/v2/tickets.json through Pushpin); Telegram delivers a signed webhook (a
//    customer's message the bot answers); an agent replies on a ticket (PUT
//    /api/v2/tickets/{id}.json with a public comment) handed over from one of the open widgets.
//    Latency of each, of each visitor's message reaching the sender's open stream, and of each
//    agent reply reaching the customer's.
// 3. Memory (RSS) of Pushpin's processes and the app, how many streams are still open, and the
//    goal's verdict: webhooks and the agent API (list and reply) at p99 <= 200 ms, every stream
//    open, every message delivered.
import http from 'node:http';
import { pct, pool as agentPool, request } from './http-client.mjs';
import { execFileSync } from 'node:child_process';

const PUSHPIN = new URL(process.env.PUSHPIN_URL || 'http://127.0.0.1:7999');
const APP = new URL(process.env.APP_URL || 'http://127.0.0.1:3000');
const ADMIN = process.env.ADMIN_TOKEN || '';
const WIDGETS = Number(process.env.WIDGETS || 10000);
const SECONDS = Number(process.env.SECONDS || 20);
const CONCURRENCY = Number(process.env.CONCURRENCY || 8);
/** 127.0.a.b for the n-th visitor: 50 visitors per source address. */
const sourceFor = (n) => { const k = Math.floor(n / 50) + 2; return `127.0.${k >> 8}.${k & 255}`; };

async function inBatches(n, size, fn) {
  const out = new Array(n);
  for (let i = 0; i < n; i += size) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + size); j++) batch.push(fn(j).then((v) => { out[j] = v; }));
    await Promise.all(batch);
  }
  return out;
}

const fmt = (list) => `n=${list.length} p50=${pct(list, 50).toFixed(1)} ms p99=${pct(list, 99).toFixed(1)} ms max=${Math.max(...list).toFixed(1)} ms`;

function rss(names) {
  try {
    const out = execFileSync('ps', ['-C', names.join(','), '-o', 'rss=,comm='], { encoding: 'utf8' });
    let kb = 0;
    const per = {};
    for (const line of out.trim().split('\n')) {
      const [k, comm] = line.trim().split(/\s+/);
      kb += Number(k); per[comm] = (per[comm] || 0) + Number(k);
    }
    return { mb: (kb / 1024).toFixed(0), per };
  } catch { return { mb: '?', per: {} }; }
}

// ---- 1. sessions and streams -------------------------------------------------------------------
let t = performance.now();
const sessions = await inBatches(WIDGETS, 200, async (i) => {
  const r = await request(APP, 'POST', '/api/widget/sessions', { body: { locale: 'en' }, localAddress: sourceFor(i) });
  if (r.status !== 201) throw new Error(`session ${i}: ${r.status} ${r.text}`);
  return `Bearer ${r.json.session.token}`;
});
console.log(`${WIDGETS} sessions started in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const streams = [];
let closedEarly = 0;
function openStream(auth, i) {
  return new Promise((resolve, reject) => {
    const s = { auth, events: 0, waiters: [], open: true };
    const req = http.request({
      host: PUSHPIN.hostname, port: PUSHPIN.port, path: '/api/widget/events?after=0', agent: agentPool,
      localAddress: sourceFor(i), headers: { authorization: auth, accept: 'text/event-stream' },
    }, (res) => {
      if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
        reject(new Error(`stream ${i}: ${res.statusCode} ${res.headers['content-type']}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (c) => {
        buf += c;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (!block.startsWith('event: update')) continue;
          s.events++;
          if (s.events === 1) resolve(s);
          const data = block.slice(block.indexOf('data: ') + 6);
          s.waiters = s.waiters.filter((w) => !w(data));
        }
      });
      res.on('end', () => { s.open = false; closedEarly++; });
      res.on('error', () => { s.open = false; });
    });
    req.on('error', reject);
    req.end();
    streams[i] = s;
  });
}
t = performance.now();
// A stream Pushpin could not open (a 502 when the app's accept queue overflows) is tried again
// after a second, as the widget does; the retries are counted.
let retried = 0;
async function openWithRetry(i) {
  for (let attempt = 0; ; attempt++) {
    try { return await openStream(sessions[i], i); } catch (e) {
      if (attempt >= 5) throw e;
      retried++;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
await inBatches(WIDGETS, Number(process.env.OPEN_BATCH || 100), openWithRetry);
console.log(`${WIDGETS} event streams open through Pushpin (first event received) in ${((performance.now() - t) / 1000).toFixed(1)} s; ${retried} opens retried`);
console.log(`memory with ${WIDGETS} open: Pushpin ${JSON.stringify(rss(['condure', 'pushpin-proxy', 'pushpin-handler', 'zurl']))} MB, app ${rss(['spindesk-devserver', 'spin']).mb} MB`);

// ---- 2. the API while they are open -----------------------------------------------------------
const made = await request(APP, 'POST', '/api/admin/agents', {
  auth: `Bearer ${ADMIN}`, body: { agent: { name: 'Load Agent', email: `load+${Date.now()}@example.com` } },
});
const agent = made.json;
if (made.status !== 201) throw new Error(`creating the agent failed (is ADMIN_TOKEN the app's admin_token?): ${made.status} ${made.text}`);
const agentAuth = 'Basic ' + Buffer.from(`${agent.agent.email}/token:${agent.api_token}`).toString('base64');

// A Telegram integration whose webhooks the workers send, signed with its secret token.
const secret = `pushpin-load-secret-${Date.now()}`;
const telegram = (await request(APP, 'POST', '/api/admin/integrations', {
  auth: `Bearer ${ADMIN}`,
  body: { integration: { type: 'telegram', display_name: 'pushpin-load', bot_token: '123456:pushpin-load', secret_token: secret } },
})).json;
if (!telegram || !telegram.integration) throw new Error(`creating the Telegram integration failed: ${JSON.stringify(telegram)}`);
const webhookPath = `/webhooks/telegram/${telegram.integration.id}`;

// One widget per worker asks for a person; the agent replies on its ticket while it is open.
const run = Date.now();
const handedOver = [];
for (let w = 0; w < CONCURRENCY; w++) {
  const i = (w * 104729 + 13) % WIDGETS;
  const tag = `handoff ${run} ${w}`;
  const r = await request(APP, 'POST', '/api/widget/messages', {
    auth: streams[i].auth, body: { text: tag, payload: 'handoff' }, localAddress: sourceFor(i),
  });
  if (r.status !== 201) throw new Error(`hand-off ${w}: ${r.status} ${r.text}`);
  handedOver.push({ i, tag });
}
for (let page = 1; handedOver.some((h) => !h.ticket); page++) {
  const r = await request(APP, 'GET', `/api/v2/tickets.json?status=new&per_page=100&page=${page}`, { auth: agentAuth });
  if (r.status !== 200 || !r.json.tickets.length) throw new Error(`finding the handed-over tickets: ${r.status}`);
  for (const t of r.json.tickets) {
    const h = handedOver.find((x) => String(t.description).includes(x.tag));
    if (h) h.ticket = t.id;
  }
}

const sendMs = [], listMs = [], deliverMs = [], typingMs = [], webhookMs = [], replyMs = [], replyDeliverMs = [], errors = [];
let sent = 0, delivered = 0, replied = 0, repliesDelivered = 0;

/** Resolves with the ms from `t0` until the stream gets an update holding `text`, or null. */
function arrival(s, text, t0) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 5000);
    s.waiters.push((data) => { if (data.includes(text)) { clearTimeout(timer); resolve(performance.now() - t0); return true; } return false; });
  });
}
const until = performance.now() + SECONDS * 1000;
await Promise.all(Array.from({ length: CONCURRENCY }, async (_, w) => {
  let n = w;
  while (performance.now() < until) {
    const i = (n * 7919) % WIDGETS; // spread over the visitors
    n += CONCURRENCY;
    const s = streams[i];
    const text = `load ${i} ${n}`;
    const t0 = performance.now();
    const got = arrival(s, text, t0);
    const r = await request(PUSHPIN, 'POST', '/api/widget/messages', { auth: s.auth, body: { text }, localAddress: sourceFor(i) });
    if (r.status !== 201) { errors.push(`send ${r.status}`); continue; }
    sendMs.push(r.ms); sent++;
    // Typing on, then off: each a write of the activity row and a publish.
    for (const on of [true, false]) {
      const ty = await request(PUSHPIN, 'POST', '/api/widget/typing', { auth: s.auth, body: { typing: on }, localAddress: sourceFor(i) });
      if (ty.status !== 202) errors.push(`typing ${ty.status}`); else typingMs.push(ty.ms);
    }
    const l = await request(PUSHPIN, 'GET', '/api/v2/tickets.json?per_page=25', { auth: agentAuth });
    if (l.status !== 200) errors.push(`list ${l.status}`); else listMs.push(l.ms);
    // A customer writes on Telegram (a chat of this worker's): the webhook is acknowledged once
    // the message is stored; the bot's reply goes to the vendor after the answer.
    const update = run % 1e9 * 100 + n;
    const chat = 9_000_000 + w;
    const hook = await request(PUSHPIN, 'POST', webhookPath, {
      body: { update_id: update, message: { message_id: update, from: { id: chat, is_bot: false, first_name: 'Ana' }, chat: { id: chat, type: 'private' }, date: Math.floor(Date.now() / 1000), text: 'where is my order' } },
      headers: { 'x-telegram-bot-api-secret-token': secret },
    });
    if (hook.status !== 200) errors.push(`webhook ${hook.status}`); else webhookMs.push(hook.ms);
    // The agent answers the worker's handed-over widget; the reply is published to its stream.
    const h = handedOver[w];
    const answer = `reply ${w} ${n}`;
    const t1 = performance.now();
    const reached = arrival(streams[h.i], answer, t1);
    const rep = await request(PUSHPIN, 'PUT', `/api/v2/tickets/${h.ticket}.json`, {
      auth: agentAuth, body: { ticket: { comment: { body: answer, public: true } } },
    });
    if (rep.status !== 200) errors.push(`reply ${rep.status}`); else { replyMs.push(rep.ms); replied++; }
    const d = await got;
    if (d != null) { deliverMs.push(d); delivered++; }
    const e = await reached;
    if (rep.status === 200 && e != null) { replyDeliverMs.push(e); repliesDelivered++; }
  }
}));
console.log(`widget send through Pushpin (commit + publish): ${fmt(sendMs)}`);
console.log(`agent GET /api/v2/tickets.json through Pushpin: ${fmt(listMs)}`);
console.log(`widget typing on/off through Pushpin (write + publish): ${fmt(typingMs)}`);
console.log(`send -> the sender's open stream got it: ${fmt(deliverMs)}; delivered ${delivered}/${sent}`);
console.log(`signed Telegram webhook through Pushpin (acknowledged): ${fmt(webhookMs)}`);
console.log(`agent reply PUT /api/v2/tickets/{id}.json through Pushpin: ${fmt(replyMs)}`);
console.log(`agent reply -> the customer's open stream got it: ${fmt(replyDeliverMs)}; delivered ${repliesDelivered}/${replied}`);
console.log(`errors: ${errors.length ? errors.slice(0, 5).join(', ') : 'none'}`);
const open = streams.filter((s) => s.open).length;
console.log(`streams still open: ${open}/${WIDGETS} (closed early: ${closedEarly})`);
console.log(`memory after: Pushpin ${rss(['condure', 'pushpin-proxy', 'pushpin-handler', 'zurl']).mb} MB, app ${rss(['spindesk-devserver', 'spin']).mb} MB`);
// The goal, as the issue states it.
const within = (list) => list.length > 0 && pct(list, 99) <= 200;
const checks = [
  ['webhooks p99 <= 200 ms', within(webhookMs)],
  ['agent API (list and reply) p99 <= 200 ms', within(listMs) && within(replyMs)],
  [`all ${WIDGETS} streams open`, open === WIDGETS],
  ['every message and reply delivered', delivered === sent && repliesDelivered === replied],
  ['no errors', errors.length === 0],
];
console.log(`goal: ${checks.map(([what, ok]) => `${what}: ${ok ? 'yes' : 'NO'}`).join('; ')}`);
agentPool.destroy();
process.exit(0);
