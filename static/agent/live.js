// Live updates for the workspace: through Pushpin an event stream (GET /api/live/desk, read with
// fetch: EventSource cannot send the Authorization header) says when tickets change and, for the
// open ticket, when its conversation moves and whether the customer is typing or has read it;
// and when an agent's presence changes (this agent's other tabs follow at once);
// the pollers then slow down. Without Pushpin the same route answers JSON at once, and the open
// ticket's customer activity is polled with it. The agent's own typing (public replies only,
// never internal notes) and reads go to the customer's widget.
import { T } from './strings.js';
import { $ } from './ui.js';
import { api, session, Poller } from './api.js';
import { state } from './state.js';
import { listPoller } from './inbox.js';
import { ticketPoller } from './ticket.js';
import { presenceEvent } from './presence.js';

var SNAPSHOT_EVERY = 2500;  // customer activity without a stream
var STREAMING_LIST = 60000; // a safety net while the stream tells us about changes
var STREAMING_TICKET = 20000;
var LIST = listPoller.every, TICKET = ticketPoller.every;

var note = $('t-live'), reply = $('reply'), modePublic = $('mode-public'), composer = $('composer');
var gen = 0;            // bumped to end the current stream
var watching = null;    // the ticket the stream or snapshot is about
var ctl = null;
var snapshot = new Poller(loadSnapshot, SNAPSHOT_EVERY);
var seen = { lastSeq: 0, typingUntil: 0, readSeq: 0 };
var readSent = 0, typingSentAt = 0;

function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
function currentId() { return state.current ? state.current.id : null; }

/** Follows the open ticket (call after sign-in and whenever the route may have changed). */
export function followLive() {
  if (!session.auth) return;
  var id = currentId();
  if (ctl && id === watching) return;
  stopStream();
  watching = id;
  seen = { lastSeq: 0, typingUntil: 0, readSeq: 0 };
  readSent = 0;
  render();
  run(gen, id);
}

export function stopLive() {
  stopStream();
  watching = null;
  note.hidden = true;
}

function stopStream() {
  gen++;
  if (ctl) ctl.abort();
  ctl = null;
  snapshot.stop();
  pace(false);
}

function pace(streaming) {
  listPoller.every = streaming ? STREAMING_LIST : LIST;
  ticketPoller.every = streaming ? STREAMING_TICKET : TICKET;
}

async function run(g, id) {
  var backoff = 0;
  while (session.auth && g === gen) {
    ctl = new AbortController();
    try {
      var res = await fetch('/api/live/desk' + (id ? '?ticket=' + id : ''), {
        headers: { Authorization: session.auth.header, Accept: 'text/event-stream' },
        credentials: 'omit', cache: 'no-store', signal: ctl.signal
      });
      var type = res.headers.get('content-type') || '';
      if (res.ok && type.indexOf('text/event-stream') === 0 && res.body && typeof TextDecoderStream === 'function') {
        pace(true);
        backoff = 0;
        // What changed between the server's read and Pushpin's subscribing was published to
        // nobody: refresh once shortly after the stream opens.
        setTimeout(function () { if (g === gen) { listPoller.now(); ticketPoller.now(); } }, 1500);
        await read(res, g, id);
        pace(false);
      } else if (res.ok) {
        // No push hub: this answer is a snapshot; keep it fresh with the ticket.
        update(await res.json(), id);
        if (id && g === gen) snapshot.start();
        return;
      } else if (res.status === 401 || res.status === 404) {
        return; // signed out, or the ticket is gone: the pollers show that
      }
    } catch (e) {
      if (g !== gen) return;
    }
    pace(false);
    backoff = Math.min(backoff ? backoff * 2 : 1000, 30000);
    await sleep(backoff);
  }
}

async function read(res, g, id) {
  var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  var buf = '';
  for (;;) {
    var chunk = await reader.read();
    if (chunk.done || g !== gen) return;
    buf += chunk.value;
    var end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      var block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      var event = 'message', data = '';
      block.split('\n').forEach(function (line) {
        if (line.indexOf('event:') === 0) event = line.slice(6).trim();
        else if (line.indexOf('data:') === 0) data += line.slice(5).trim();
      });
      if (!data) continue;
      var parsed = null;
      try { parsed = JSON.parse(data); } catch (e) { continue; }
      if (event === 'tickets') {
        listPoller.now();
        if (id && (parsed.tickets || []).indexOf(id) >= 0) ticketPoller.now();
      } else if (event === 'update') {
        update(parsed, id);
      } else if (event === 'presence') {
        presenceEvent(parsed);
      }
    }
  }
}

function loadSnapshot() {
  var id = watching;
  if (!id) return;
  return api('GET', '/api/live/desk?ticket=' + id).then(function (data) { update(data, id); });
}

function update(data, id) {
  if (!data || id !== watching || id !== currentId()) return;
  if (data.last_seq > seen.lastSeq) {
    if (seen.lastSeq) ticketPoller.now(); // new messages: read the ticket now
    seen.lastSeq = data.last_seq;
  }
  if (data.customer) {
    seen.typingUntil = data.customer.typing ? Date.now() + 6000 : 0;
    seen.readSeq = data.customer.read_seq || 0;
    if (seen.typingUntil) setTimeout(render, 6100);
  }
  render();
  markRead();
}

function render() {
  var parts = [];
  if (seen.typingUntil > Date.now()) parts.push(T.customerTyping);
  if (seen.lastSeq && seen.readSeq >= seen.lastSeq) parts.push(T.customerSeen);
  note.textContent = parts.join(' · ');
  note.hidden = !parts.length;
}

// The agent has read the open ticket's conversation as far as it goes.
function markRead() {
  var id = watching;
  if (!id || document.visibilityState !== 'visible' || seen.lastSeq <= readSent) return;
  readSent = seen.lastSeq;
  api('POST', '/api/live/tickets/' + id + '/read', { seq: seen.lastSeq }).catch(function () { readSent = 0; });
}

// At most one "typing" every 3 s, only for public replies (the customer never learns of notes).
function typing(on) {
  var id = watching;
  if (!id) return;
  var now = Date.now();
  if (on && now - typingSentAt < 3000) return;
  if (!on && !typingSentAt) return;
  typingSentAt = on ? now : 0;
  api('POST', '/api/live/tickets/' + id + '/typing', { typing: on }).catch(function () { /* best effort */ });
}
reply.addEventListener('input', function () { typing(modePublic.checked && !!reply.value.trim()); });
composer.addEventListener('submit', function () { typing(false); });
window.addEventListener('hashchange', function () { setTimeout(followLive, 0); });
document.addEventListener('visibilitychange', markRead);
