// What a failed request means, in the console's language: the console's codes and words, on
// the steps the agent workspace shares (../shared/errors.js says them): a code with words of
// its own, a validation text about one field, a status, else the server's text after a lead-in.
import { t } from './strings.js';
import { explainer } from '../shared/errors.js';

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

/** A field's name as the forms call it when errors.field has none: a channel's credential. */
function label(name) {
  return t.has(`channels.cred.${name}`) ? t(`channels.cred.${name}`) : '';
}

/** Numbers a code's words repeat from the server's text: the colour's contrast and the need. */
function codeVars(code, text) {
  if (code !== 'low_contrast') return {};
  const m = /(\d+(?:\.\d+)?):1\b.*?(\d+(?:\.\d+)?):1\b/.exec(text);
  return m ? { ratio: m[1], needed: m[2] } : { ratio: '?', needed: '4.5' };
}

/**
 * `{message, server}` for a failed request: `message` is whole sentences in the console's
 * language; `server` is the server's text when `message` ends with it, else ''.
 */
export const explain = explainer({ t, codes: CODES, label, codeVars });

/**
 * One problem of a refused bot document (`{code, title, pointer}`) in words: `{text, english}`,
 * from `errors.problem.<code>`, else the server's title (`english`, to be marked so). The list
 * shows each problem's pointer, so the words need not say where.
 */
export function problemWords(problem) {
  const key = `errors.problem.${problem.code}`;
  return t.has(key) ? { text: t(key), english: false } : { text: problem.title, english: true };
}

