// What a failed request means, in the console's language. The server answers in English only
// (its texts are part of the API that Zendesk clients read, so they stay as they are); what the
// console can rely on is the status, the stable machine code (`email_taken`, `RecordInvalid`,
// `rate_limited`) and, for validation errors, the field the text names. In order:
//   1. a code with words of its own (CODES): "A staff member with this email exists already."
//   2. a validation text about one field, recognised by its shape (SHAPES): "Name: use 1 to
//      255 characters." — the field and the number come from the server's text;
//   3. a status whose words say all the caller can do (401, 403, 404, 413, 429, 5xx);
//   4. anything else: the status's words, then the server's own text after a lead-in, so a
//      Korean page still reads Korean up to the detail it cannot translate.
import { t } from './strings.js';

// Codes (from crates/spindesk-core: web/error.rs and the api/ modules) → string keys.
// tests/browser/strings.test.mjs checks that the server still sends every code listed here.
const CODES = {
  body_required: 'errors.badBody',
  invalid_json: 'errors.badBody',
  invalid_body: 'errors.badBody',
  InvalidBody: 'errors.badBody',
  token_expired: 'errors.tokenExpired',
  admin_disabled: 'signin.disabled',
  email_taken: 'errors.emailTaken',
  invalid_email: 'errors.email',
  invalid_role: 'errors.role',
  invalid_locale: 'errors.locale',
  InvalidLocale: 'errors.locale',
  template_exists: 'errors.templateExists',
  invalid_language: 'errors.templateLanguage',
  too_many_templates: 'errors.tooManyTemplates',
  templates_whatsapp_only: 'errors.templatesWhatsApp',
  too_many_active_keys: 'errors.tooManyKeys',
  not_replayable: 'errors.notReplayable',
  not_retryable: 'errors.notRetryable',
  duplicate_id: 'errors.duplicateId',
  low_contrast: 'errors.lowContrast',
  missing_credential: 'errors.missingCredential',
  unknown_field: 'errors.unknownField',
  type_immutable: 'errors.typeImmutable',
  busy: 'errors.busy',
  credentials_key: 'errors.credentialsKey',
  actions_unavailable: 'errors.actions',
};

// Statuses after which the caller's next step does not depend on the server's detail: sign in
// again, ask an admin, refresh, reload, send less, wait. (A 404's text names a route or an id.)
const COMPLETE = new Set([401, 403, 404, 405, 412, 413, 415, 429, 500, 502, 503, 504]);

// Validation texts the server builds the same way on every route, with the field in them;
// `vars` takes the numbers from the text. The first that matches speaks.
const SHAPES = [
  { key: 'errors.required', test: /\bis required\b|\bneeds an? \w+$|\bmust not be empty\b/ },
  { key: 'errors.length', test: /\bmust be 1 to (\d+) characters\b/, vars: (m) => ({ max: m[1] }) },
  { key: 'errors.tooLong', test: /\b(?:at most|longer than) (\d+) characters\b/, vars: (m) => ({ max: m[1] }) },
  { key: 'errors.tooBig', test: /\b(?:at most|larger than) (\d+) bytes\b/, vars: (m) => ({ max: m[1] }) },
  { key: 'errors.range', test: /\b(?:must be (?:a whole number from )?|between )(-?\d+) (?:to|and) (-?\d+)(?=$|[,;)]| pixels)/, vars: (m) => ({ min: m[1], max: m[2] }) },
  { key: 'errors.taken', test: /\balready exists\b|\bis registered already\b|\bis used twice\b/ },
  { key: 'errors.alreadyMember', test: /\bis already a member\b/ },
  { key: 'errors.gone', test: /\bthere is no [a-z]+ \S+$/ },
];

/**
 * The field a server text is about: `agent.name` in backticks (our envelope), `name: ...`
 * (Zendesk's RecordInvalid), "The article needs a title", "The section's name is longer...".
 */
export function fieldOf(text) {
  const m = /`([\w.[\]]+)`/.exec(text)
    || /^([a-z_]+): /.exec(text)
    || /\bneeds an? ([a-z_]+)$/.exec(text)
    || /(?:^|'s )([a-z_]+) is (?:longer|larger) than\b/.exec(text)
    || /^([a-z_]+) must be\b/.exec(text);
  return m ? m[1] : '';
}

/** A field's name as the forms call it: `agent.name` → "Name"; unknown ones as they are. */
function fieldLabel(path) {
  if (!path) return t('errors.someField');
  const last = path.split('.').pop().replace(/\[\d+\]$/, '');
  if (t.has(`errors.field.${last}`)) return t(`errors.field.${last}`);
  if (t.has(`channels.cred.${last}`)) return t(`channels.cred.${last}`);
  return path;
}

/** Seconds from a Retry-After header: a number of seconds or an HTTP date; null without one. */
export function retryAfterSeconds(value, now = Date.now()) {
  if (!value) return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Math.max(1, Number(text));
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(1, Math.ceil((at - now) / 1000));
}

/** Numbers a code's words repeat from the server's text: the colour's contrast and the need. */
function codeVars(code, text) {
  if (code !== 'low_contrast') return {};
  const m = /(\d+(?:\.\d+)?):1\b.*?(\d+(?:\.\d+)?):1\b/.exec(text);
  return m ? { ratio: m[1], needed: m[2] } : { ratio: '?', needed: '4.5' };
}

function statusWords(status) {
  return t.has(`errors.http.${status}`) ? t(`errors.http.${status}`) : t('errors.http.other', { status });
}

/**
 * `{message, server}` for a failed request: `message` is whole sentences in the console's
 * language; `server` is the server's text when `message` ends with it (step 4), else ''.
 */
export function explain({ status, code = '', text = '', retryAfter = null }) {
  if (status === 0) return { message: t('errors.network'), server: '' };
  const field = fieldOf(text);
  const vars = { field: fieldLabel(field) };
  if (Object.prototype.hasOwnProperty.call(CODES, code)) {
    return { message: t(CODES[code], { ...vars, ...codeVars(code, text) }), server: '' };
  }
  if (status === 429 && retryAfter) return { message: t('errors.retryIn', { seconds: retryAfter }), server: '' };
  if (status === 400 || status === 409 || status === 422) {
    for (const shape of SHAPES) {
      const m = shape.test.exec(text);
      if (m) return { message: t(shape.key, { ...vars, ...(shape.vars ? shape.vars(m) : {}) }), server: '' };
    }
  }
  const lead = statusWords(status);
  if (!text || COMPLETE.has(status) || status >= 500) return { message: lead, server: '' };
  return { message: t('errors.fallback', { lead, message: text }), server: text };
}

/**
 * One problem of a refused bot document (`{code, title, pointer}`) in words: `{text, english}`,
 * from `errors.problem.<code>`, else the server's title (`english`, to be marked so). The list
 * shows each problem's pointer, so the words need not say where.
 */
export function problemWords(problem) {
  const key = `errors.problem.${problem.code}`;
  return t.has(key) ? { text: t(key), english: false } : { text: problem.title, english: true };
}

