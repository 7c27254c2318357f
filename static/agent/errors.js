// What a failed request means, in the workspace's language: the workspace's codes and words on
// the steps the admin console shares (../shared/errors.js says them). The routes the workspace
// calls (tickets, users, search, macros, views, presence, uploads) answer Zendesk's
// {"error", "description"}; a few answer our {"errors": [{"code", "title"}]}. Their English
// text is never the message on its own: it follows a lead-in in the workspace's language.
import { t } from './strings.js';
import { explainer } from '../shared/errors.js';

// Codes (from crates/spindesk-core: web/ and api/) → string keys under T.errors.
// tests/browser/strings.test.mjs checks that the server still sends every code listed here.
export const CODES = {
  body_required: 'errors.badBody',
  invalid_json: 'errors.badBody',
  invalid_body: 'errors.badBody',
  token_expired: 'errors.tokenExpired',
  busy: 'errors.busy',
};

// A ticket closed elsewhere while it is open here: Zendesk's words for the refused update.
const TICKET_SHAPES = [{ key: 'errors.closed', test: /\bclosed prevents ticket update\b/ }];

/** `{message, server}` for `{status, code, text, retryAfter}` (see ../shared/errors.js). */
export const explain = explainer({ t, codes: CODES, shapes: TICKET_SHAPES });

/**
 * An Error for a failed answer: `message` in the workspace's language, `status`, `code`, and
 * `server`, the end of `message` that is the server's own English words (or ''). `body` is
 * the parsed JSON of either family, or null.
 */
export function errorFrom(status, body, retryAfter) {
  var code = 'http_' + status, text = '';
  var first = body && Array.isArray(body.errors) && body.errors[0];
  if (first) {
    code = String(first.code || code);
    text = String(first.title || first.detail || '');
  } else if (body && typeof body.error === 'string') {
    code = body.error;
    text = body.description ? String(body.description) : '';
  }
  var words = explain({ status: status, code: code, text: text, retryAfter: retryAfter || null });
  var err = new Error(words.message);
  err.status = status;
  err.code = code;
  err.server = words.server;
  return err;
}
