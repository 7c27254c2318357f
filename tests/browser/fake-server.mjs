// An in-memory stand-in for the Spindesk backend, just enough of the widget, admin and tickets
// APIs to develop the widget and to run widget.test.mjs without the real dev server:
//   node tests/browser/fake-server.mjs [port]       (ADMIN_TOKEN defaults to "dev-admin-token-0123456789abcdefghij")
// It follows the contract in the widget brief; the real server is the authority.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const STATIC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static');
const ADMIN_TOKEN = process.env.ADMIN_TOKEN || 'dev-admin-token-0123456789abcdefghij';
const port = Number(process.argv[2] || process.env.PORT || 8787);
const BOT = { type: 'bot', name: 'Spindesk Bot' };
const MAX_TEXT = 4096;

const sessions = new Map(); // token -> conversation
const conversations = [];
const agents = new Map(); // api_token -> agent
const tickets = [];
const id = (n = 12) => randomBytes(n).toString('hex');

function newConversation(locale) {
  const c = {
    id: 'c_' + id(6), user_id: 'u_' + id(6), locale, switchboard: 'bot', messages: [],
    clientIds: new Map(), waiters: new Set(), ticket: null,
  };
  conversations.push(c);
  return c;
}

function append(c, author, text, actions = []) {
  const m = {
    id: 'm_' + id(8), seq: c.messages.length + 1, author, text, actions,
    created_at: new Date().toISOString(),
  };
  c.messages.push(m);
  for (const wake of c.waiters) wake();
  return m;
}

function customerWrites(c, text, payload) {
  const mine = append(c, { type: 'user', name: 'Visitor' }, text);
  const fresh = [mine];
  const firstMessage = c.messages.length === 1;
  if (payload === 'handoff' || /^talk to a person$/i.test(text)) {
    if (c.switchboard === 'bot') {
      c.switchboard = 'agent';
      c.ticket = {
        id: tickets.length + 1, subject: c.messages[0].text.slice(0, 80), description: c.messages[0].text,
        status: 'new', requester_id: c.user_id, created_at: new Date().toISOString(), conversation: c, comments: [],
      };
      tickets.push(c.ticket);
      fresh.push(append(c, BOT, 'Okay, I’m handing you over to our team. An agent will reply right here, usually within a few minutes.'));
    }
  } else if (c.switchboard === 'bot') {
    if (firstMessage) {
      fresh.push(append(c, BOT, 'Hi there! I’m the Spindesk bot. I can help with orders, shipping and returns, or get you to a person.', [
        { type: 'reply', text: 'Track my order', payload: 'track' },
        { type: 'reply', text: 'Talk to a person', payload: 'handoff' },
      ]));
    } else {
      fresh.push(append(c, BOT, 'Thanks! I’m only a demo bot. Choose “Talk to a person” to reach the team.', [
        { type: 'reply', text: 'Talk to a person', payload: 'handoff' },
      ]));
    }
  } else if (c.ticket) {
    c.ticket.comments.push({ body: text, public: true, author: 'end-user' });
  }
  return fresh;
}

function send(res, status, body, headers = {}) {
  const data = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(data);
}
const fail = (res, status, code, title, headers) => send(res, status, { errors: [{ code, title }] }, headers);

async function readJson(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  if (!raw) return {};
  try { return JSON.parse(raw); } catch { return null; }
}

function widgetConversation(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  return m ? sessions.get(m[1]) : undefined;
}

function agentFromBasic(req) {
  const m = /^Basic (.+)$/.exec(req.headers.authorization || '');
  if (!m) return undefined;
  const [user, tok] = Buffer.from(m[1], 'base64').toString().split(':');
  const agent = agents.get(tok);
  return agent && user === `${agent.email}/token` ? agent : undefined;
}

// Kept equal to HTML_CSP in crates/spindesk-core/src/api/static_site.rs, so the widget is
// developed under the policy the real server sends.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
  + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";
const TYPES = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml',
};

async function serveStatic(req, res, path) {
  const file = path === '/' ? 'index.html' : path.slice(1);
  if (!/^[a-z0-9-]+\.(html|js|css|svg)$/.test(file)) return false;
  try {
    const body = await readFile(join(STATIC, file));
    const type = TYPES[file.split('.').pop()];
    const csp = file.endsWith('.html') ? { 'content-security-policy': CSP } : {};
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', ...csp });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  } catch { return false; }
}

async function route(req, res) {
  const url = new URL(req.url, 'http://x');
  const path = url.pathname;
  const M = req.method;

  // The widget may be embedded on another origin.
  if (path.startsWith('/api/widget/')) {
    res.setHeader('access-control-allow-origin', '*');
    if (M === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-headers': 'authorization, content-type', 'access-control-allow-methods': 'GET, POST' });
      return res.end();
    }
  }

  // The widget's settings as the real server answers before the admin saved any.
  if (M === 'GET' && path === '/api/widget/settings') {
    return send(res, 200, { settings: {
      brand_color: '#1d4ed8', brand_dark: '#193fb8', position: { side: 'right', x: 20, y: 20 },
      launcher_label: {}, title: {}, greeting: {}, avatar_url: null, business_name: null,
      open_on_mobile: false, allowed_origins: ['*'], attention: { title_prefix: true, sound: false }, proactive: [],
    } });
  }
  if (M === 'POST' && path === '/api/widget/sessions') {
    const body = await readJson(req);
    if (!body) return fail(res, 400, 'invalid_json', 'The request body is not valid JSON.');
    const c = newConversation(String(body.locale || 'en'));
    const token = 'wst_' + id(16);
    sessions.set(token, c);
    return send(res, 201, { session: { token, user_id: c.user_id, conversation_id: c.id } });
  }
  if (path.startsWith('/api/widget/')) {
    const c = widgetConversation(req);
    if (!c) return fail(res, 401, 'unauthorized', 'Your chat session has expired.');
    if (M === 'GET' && path === '/api/widget/conversation') {
      return send(res, 200, {
        conversation: { id: c.id, switchboard: c.switchboard, last_seq: c.messages.length },
        messages: c.messages,
        read_seq: c.readSeq || 0,
      });
    }
    if (M === 'POST' && path === '/api/widget/messages') {
      const body = await readJson(req);
      if (!body) return fail(res, 400, 'invalid_json', 'The request body is not valid JSON.');
      const text = typeof body.text === 'string' ? body.text.trim() : '';
      if (!text) return fail(res, 422, 'invalid_text', 'Please type a message first.');
      if ([...text].length > MAX_TEXT) return fail(res, 422, 'text_too_long', `Messages can be at most ${MAX_TEXT} characters.`);
      if (body.client_id && c.clientIds.has(body.client_id)) return send(res, 201, c.clientIds.get(body.client_id));
      await new Promise((r) => setTimeout(r, Number(process.env.FAKE_BOT_DELAY_MS || 250)));
      const fresh = customerWrites(c, text, body.payload);
      const answer = { message: fresh[0], messages: fresh };
      if (body.client_id) c.clientIds.set(body.client_id, answer);
      return send(res, 201, answer);
    }
    if (M === 'GET' && path === '/api/widget/messages') {
      const after = Number(url.searchParams.get('after') || 0);
      const wait = Math.min(Number(url.searchParams.get('wait') || 0), 25);
      const newer = () => c.messages.filter((m) => m.seq > after);
      if (!newer().length && wait > 0) {
        await new Promise((resolve) => {
          const done = () => { clearTimeout(timer); c.waiters.delete(done); resolve(); };
          const timer = setTimeout(done, wait * 1000);
          c.waiters.add(done);
          req.on('close', done);
        });
      }
      return send(res, 200, { messages: newer(), last_seq: c.messages.length });
    }
    // Typing indicators and read receipts: accepted and forgotten (no agent side here).
    if (M === 'POST' && path === '/api/widget/typing') return send(res, 202, { typing: true });
    if (M === 'POST' && path === '/api/widget/read') {
      const body = await readJson(req);
      c.readSeq = Math.max(c.readSeq || 0, Number(body && body.seq) || 0);
      return send(res, 200, { read_seq: c.readSeq });
    }
    return fail(res, 404, 'not_found', `No route for ${M} ${path}`);
  }

  if (M === 'POST' && path === '/api/admin/agents') {
    if (req.headers.authorization !== `Bearer ${ADMIN_TOKEN}`) return fail(res, 401, 'unauthorized', 'Admin token required.');
    const body = await readJson(req);
    const a = body && body.agent;
    if (!a || !a.name || !a.email) return fail(res, 422, 'invalid_agent', 'agent.name and agent.email are required.');
    const agent = { id: agents.size + 1, name: a.name, email: a.email, role: 'agent' };
    const apiToken = id(20);
    agents.set(apiToken, agent);
    return send(res, 201, { agent, api_token: apiToken });
  }

  const ticketPath = /^\/api\/v2\/tickets(?:\/(\d+))?(?:\.json)?$/.exec(path);
  if (ticketPath) {
    const agent = agentFromBasic(req);
    if (!agent) return send(res, 401, { error: "Couldn't authenticate you" });
    const view = (t) => ({ id: t.id, subject: t.subject, description: t.description, status: t.status, requester_id: t.requester_id, created_at: t.created_at });
    if (M === 'GET' && !ticketPath[1]) return send(res, 200, { tickets: tickets.map(view), next_page: null, count: tickets.length });
    const t = tickets.find((x) => x.id === Number(ticketPath[1]));
    if (!t) return send(res, 404, { error: 'RecordNotFound', description: 'Not found' });
    if (M === 'GET') return send(res, 200, { ticket: view(t) });
    if (M === 'PUT') {
      const body = await readJson(req);
      const comment = body && body.ticket && body.ticket.comment;
      if (comment && comment.body) {
        const isPublic = comment.public !== false;
        t.comments.push({ body: comment.body, public: isPublic, author_id: agent.id });
        if (isPublic) append(t.conversation, { type: 'agent', name: agent.name }, comment.body);
      }
      if (t.status === 'new') t.status = 'open';
      return send(res, 200, { ticket: view(t) });
    }
  }

  if ((M === 'GET' || M === 'HEAD') && await serveStatic(req, res, path)) return;
  return fail(res, 404, 'not_found', `No route for ${M} ${path}`);
}

createServer((req, res) => {
  route(req, res).catch((err) => {
    console.error(err);
    if (!res.headersSent) fail(res, 500, 'internal', 'Internal error');
  });
}).listen(port, '127.0.0.1', () => console.log(`fake spindesk on http://127.0.0.1:${port}`));
