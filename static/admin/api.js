// The one way the console talks to the server: same-origin fetch with the admin token as
// Bearer, JSON in and out, and every error turned into an ApiError with words in it — from our
// envelope ({"errors": [{"code", "title"}]}), Zendesk's ({"error", "description"}) or none —
// in the console's language (errors.js).
import { t } from './strings.js';
import { explain, problemWords } from './errors.js';
import { retryAfterSeconds } from '../shared/errors.js';

const KEY = 'spindesk-admin-token';

// sessionStorage only: the token leaves with the tab, never lands on disk in localStorage.
export const token = {
  get() { try { return sessionStorage.getItem(KEY); } catch { return null; } },
  set(value) { try { sessionStorage.setItem(KEY, value); } catch { /* private mode: memory only */ } memory = value; },
  clear() { try { sessionStorage.removeItem(KEY); } catch { /* nothing stored */ } memory = null; },
};
let memory = null;
const current = () => token.get() || memory;

export class ApiError extends Error {
  /**
   * `message` is in the console's language (errors.js); `serverText` is what the server said,
   * in English, kept for the sign-in help and for `server`, the part of `message` that is the
   * server's own words (shown marked as English), or ''.
   */
  constructor(status, code, { message, server = '' }, serverText = '', problems = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.server = server;
    this.serverText = serverText;
    // Bot validation answers one error per problem, each with the JSON pointer it is about.
    this.problems = problems;
  }
}

let onUnauthorized = () => {};
/** Called when a signed-in request answers 401: the token stopped working. */
export function whenUnauthorized(fn) { onUnauthorized = fn; }

/**
 * Reads an error body of either family into an ApiError whose message is in the console's
 * language; `retryAfter` is a 429's wait in seconds (from its Retry-After header) or null.
 */
export function errorFrom(status, body, retryAfter = null) {
  let code = 'http_' + status;
  let text = '';
  let problems = [];
  if (body && Array.isArray(body.errors) && body.errors.length) {
    problems = body.errors.map((e) => ({
      code: String(e.code || ''),
      title: String(e.title || e.detail || e.code || ''),
      pointer: e.source && e.source.pointer ? String(e.source.pointer) : '',
    }));
    code = problems[0].code;
    text = problems[0].title;
  } else if (body && body.error && typeof body.error === 'object') {
    // Some answers nest an object: {"error": {"title", "message"}}.
    code = String(body.error.title || code);
    text = String(body.error.message || body.error.title || '');
  } else if (body && body.error) {
    // Zendesk: {"error": "RecordInvalid", "description": "..."}.
    code = String(body.error);
    text = body.description ? String(body.description) : '';
  }
  // One problem of a bot document (it has a pointer) with words of its own reads as those.
  const one = problems.length === 1 && problems[0].pointer ? problemWords(problems[0]) : null;
  const words = problems.length > 1 ? { message: t('errors.many', { n: problems.length }) }
    : one && !one.english ? { message: one.text }
      : explain({ status, code, text, retryAfter });
  return new ApiError(status, code, words, text, problems);
}

/**
 * `request('POST', '/api/admin/agents', {agent: {...}})` → the parsed JSON (null for 204).
 * `opts.token` signs in with a token that is not stored yet; `opts.text` returns the raw text.
 */
export async function request(method, path, body, opts = {}) {
  const headers = { accept: 'application/json' };
  const auth = opts.token || current();
  // An admin signed in as themselves keeps a whole `Basic ...` value; the admin token is Bearer.
  if (auth) headers.authorization = auth.startsWith('Basic ') ? auth : 'Bearer ' + auth;
  let payload;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, 'network', explain({ status: 0 }));
  }
  const text = await res.text();
  let json = null;
  if (text) { try { json = JSON.parse(text); } catch { json = null; } }
  if (!res.ok) {
    const err = errorFrom(res.status, json, retryAfterSeconds(res.headers.get('retry-after')));
    if (res.status === 401 && !opts.token) onUnauthorized(err);
    throw err;
  }
  if (opts.text) return text;
  return json;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body, opts);
export const put = (path, body) => request('PUT', path, body);
export const patch = (path, body) => request('PATCH', path, body);
export const del = (path) => request('DELETE', path);

/** Every page of a Zendesk-style list (`next_page` URLs), up to `max` items. */
export async function all(path, key, max = 1000) {
  const items = [];
  let next = path;
  while (next && items.length < max) {
    const page = await get(next);
    items.push(...(page[key] || []));
    // next_page is absolute on the origin the request used; keep only path and query.
    next = page.next_page ? relative(page.next_page) : null;
  }
  return items;
}

function relative(url) {
  const u = new URL(url, location.href);
  return u.pathname + u.search;
}
