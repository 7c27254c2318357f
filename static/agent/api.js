// Talking to Spindesk: the tickets API with the agent's own API token, this tab's storage, and
// polling. The token lives in sessionStorage (this tab only, gone when it closes) and is only
// ever sent in the Authorization header — never in a URL, never logged. A failed request
// rejects with an Error whose message is in the workspace's language (errors.js).
import { errorFrom, explain } from './errors.js';
import { retryAfterSeconds } from '../shared/errors.js';

var STORE = 'spindesk-agent:';
var MAX_BACKOFF = 60000;

export function sget(k) { try { return sessionStorage.getItem(STORE + k); } catch (e) { return null; } }
export function sset(k, v) {
  try { if (v == null) sessionStorage.removeItem(STORE + k); else sessionStorage.setItem(STORE + k, v); } catch (e) { /* memory only */ }
}
export function readJson(k, fallback) { try { return JSON.parse(sget(k)) || fallback; } catch (e) { return fallback; } }

export var session = {
  auth: null, // { email, header } while signed in
  gen: 0 // bumped on sign-out so late answers and loops of the old session stop
};

var onUnauthorized = function () {};
/** `fn` ends a signed-in session whose token stopped working. */
export function whenUnauthorized(fn) { onUnauthorized = fn; }

export function basicAuth(email, token) {
  var bytes = new TextEncoder().encode(email + '/token:' + token);
  var bin = '';
  for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return 'Basic ' + btoa(bin);
}

export function api(method, path, body, header) {
  var ctl = new AbortController();
  var timer = setTimeout(function () { ctl.abort(); }, 20000);
  var headers = { Accept: 'application/json', Authorization: header || (session.auth && session.auth.header) || '' };
  if (body) headers['Content-Type'] = 'application/json';
  var g = session.gen;
  // credentials 'omit': no cookies, and no browser Basic-auth prompt on a 401.
  return fetch(path, {
    method: method, headers: headers, body: body ? JSON.stringify(body) : undefined,
    credentials: 'omit', cache: 'no-store', signal: ctl.signal
  }).then(function (res) {
    return res.text().then(function (raw) {
      var data = null;
      try { data = raw ? JSON.parse(raw) : null; } catch (e) { /* not JSON */ }
      if (res.ok && data) return data;
      throw errorFrom(res.status, data, retryAfterSeconds(res.headers.get('retry-after')));
    });
  }, function () {
    var err = new Error(explain({ status: 0 }).message);
    err.status = 0;
    err.server = '';
    throw err;
  }).finally(function () { clearTimeout(timer); }).catch(function (err) {
    // A signed-in session whose token stopped working ends here, once.
    if (err.status === 401 && !header && session.auth && g === session.gen) onUnauthorized();
    throw err;
  });
}

// Runs `task` every `every` ms while the page is visible; errors back off up to a minute.
export function Poller(task, every) {
  this.task = task; this.every = every; this.timer = null; this.fails = 0;
  this.busy = false; this.again = false; this.on = false; this.nextAt = 0;
}
Poller.prototype.start = function () { this.on = true; this.fails = 0; this.now(); };
Poller.prototype.stop = function () { this.on = false; clearTimeout(this.timer); this.timer = null; };
Poller.prototype.delay = function () {
  if (!this.fails) return this.every;
  return Math.min(this.every * Math.pow(2, this.fails), MAX_BACKOFF) * (0.8 + Math.random() * 0.4);
};
Poller.prototype.now = function () {
  var self = this;
  clearTimeout(this.timer);
  this.timer = null;
  if (!this.on) return;
  if (this.busy) { this.again = true; return; }
  if (document.visibilityState !== 'visible') return; // visibilitychange starts it again
  this.busy = true;
  var g = session.gen;
  Promise.resolve().then(this.task).then(function () { self.fails = 0; }, function () { self.fails++; })
    .then(function () {
      self.busy = false;
      if (!self.on || g !== session.gen) return;
      var wait = self.again ? 0 : self.delay();
      self.again = false;
      self.nextAt = Date.now() + wait;
      self.timer = setTimeout(function () { self.now(); }, wait);
    });
};
