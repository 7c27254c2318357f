// What a failed request means, in the page's language: the part the admin console and the agent
// workspace share (served at /shared/errors.js; each page's errors module adds its own codes and
// string table). The server answers in English only (its texts are part of the API that
// Zendesk clients read, so they stay as they are); what a page can rely on is the status, the
// stable machine code (`email_taken`, `RecordInvalid`, `rate_limited`) and, for validation
// errors, the field the text names. In order:
//   1. a code with words of its own (the page's `codes`);
//   2. a validation text about one field, recognised by its shape (SHAPES, then the page's
//      own): "Name: use 1 to 255 characters." — the field and the number come from the text;
//   3. a status whose words say all the caller can do (401, 403, 404, 413, 429, 5xx);
//   4. anything else: the status's words, then the server's own text after a lead-in, so a
//      Korean page still reads Korean up to the detail it cannot translate.
// The words are looked up with the page's `t(key, vars)` and `t.has(key)`, under the same keys
// in both pages (`errors.http.404`, `errors.required`, `errors.field.name`...).

// Statuses after which the caller's next step does not depend on the server's detail: sign in
// again, ask an admin, refresh, reload, send less, wait. (A 404's text names a route or an id.)
const COMPLETE = new Set([401, 403, 404, 405, 412, 413, 415, 429, 500, 502, 503, 504]);

// Validation texts the server builds the same way on every route, with the field in them;
// `vars` takes the numbers from the text. The first that matches speaks.
const SHAPES = [
  { key: 'errors.required', test: /\bis required\b|\bneeds an? \w+$|\bmust not be empty\b|\bcan't be blank\b/ },
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
    || /^([a-z_.]+): /.exec(text)
    || /\bneeds an? ([a-z_]+)$/.exec(text)
    || /(?:^|'s )([a-z_]+) is (?:longer|larger) than\b/.exec(text)
    || /^([a-z_]+) must be\b/.exec(text);
  return m ? m[1] : '';
}

/** Seconds from a Retry-After header: a number of seconds or an HTTP date; null without one. */
export function retryAfterSeconds(value, now = Date.now()) {
  if (!value) return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Math.max(1, Number(text));
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(1, Math.ceil((at - now) / 1000));
}

/**
 * The page's `explain({status, code, text, retryAfter})` → `{message, server}`: `message` is
 * whole sentences in the page's language; `server` is the server's text when `message` ends
 * with it (step 4), else ''. `codes` maps codes to keys; `label(name)` is a field's name as the
 * page calls it, or '' for the `errors.field.<name>` key (else the name as it is); `codeVars`
 * gives a code's words numbers from the text; `shapes` are the page's own, after SHAPES.
 */
export function explainer({ t, codes, label = () => '', codeVars = () => ({}), shapes = [] }) {
  const fieldLabel = (path) => {
    if (!path) return t('errors.someField');
    const last = path.split('.').pop().replace(/\[\d+\]$/, '');
    if (t.has(`errors.field.${last}`)) return t(`errors.field.${last}`);
    return label(last) || path;
  };
  const statusWords = (status) => (t.has(`errors.http.${status}`) ? t(`errors.http.${status}`) : t('errors.http.other', { status }));
  const allShapes = SHAPES.concat(shapes);
  return function explain({ status, code = '', text = '', retryAfter = null }) {
    if (status === 0) return { message: t('errors.network'), server: '' };
    const vars = { field: fieldLabel(fieldOf(text)) };
    if (Object.prototype.hasOwnProperty.call(codes, code)) {
      return { message: t(codes[code], { ...vars, ...codeVars(code, text) }), server: '' };
    }
    if (status === 429 && retryAfter) return { message: t('errors.retryIn', { seconds: retryAfter }), server: '' };
    if (status === 400 || status === 409 || status === 422) {
      for (const shape of allShapes) {
        const m = shape.test.exec(text);
        if (m) return { message: t(shape.key, { ...vars, ...(shape.vars ? shape.vars(m) : {}) }), server: '' };
      }
    }
    const lead = statusWords(status);
    if (!text || COMPLETE.has(status) || status >= 500) return { message: lead, server: '' };
    return { message: t('errors.fallback', { lead, message: text }), server: text };
  };
}
