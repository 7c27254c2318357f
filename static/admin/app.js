// The admin console's shell: sign-in with the admin token, the navigation between the
// areas (hash routes, so /admin/ is one static page), sign-out, the language switch.
import { t, LANGUAGES, language, preferredLanguage, setLanguage } from './strings.js';
import { h, field, errorBox, errorText, busy, mountStatus, announce, confirmAction } from './ui.js';
import { token, get, whenUnauthorized } from './api.js';
import * as agents from './agents.js';
import * as groups from './groups.js';
import * as channels from './channels.js';
import * as helpCenter from './help-center.js';
import * as bot from './bot.js';
import * as reports from './reports.js';
import * as signingKeys from './signing-keys.js';
import * as webhooks from './webhooks.js';
import * as widget from './widget.js';

const VIEWS = [
  { route: 'agents', label: () => t('nav.agents'), view: agents },
  { route: 'groups', label: () => t('nav.groups'), view: groups },
  { route: 'channels', label: () => t('nav.channels'), view: channels },
  { route: 'help-center', label: () => t('nav.helpCenter'), view: helpCenter },
  { route: 'bot', label: () => t('nav.bot'), view: bot },
  { route: 'widget', label: () => t('nav.widget'), view: widget },
  { route: 'reports', label: () => t('nav.reports'), view: reports },
  { route: 'webhooks', label: () => t('nav.webhooks'), view: webhooks },
  { route: 'signing-keys', label: () => t('nav.signingKeys'), view: signingKeys },
];

const root = document.getElementById('app');
let leave = null; // the current view's cleanup
let current = null; // the current VIEWS entry

function start() {
  setLanguage(preferredLanguage(), false);
  whenUnauthorized(() => signOut('signin.expired'));
  if (token.get()) shell(); else signInPage();
}

// ---- the language switch -------------------------------------------------------------------

/**
 * English / 한국어 as two toggle buttons, the current one pressed. Choosing the other asks
 * `mayChange` (unsaved edits), remembers the choice and draws the page again with `redraw`;
 * focus goes back to the button, so keyboard users stay where they were.
 */
function languageSwitch(redraw, mayChange = async () => true) {
  const buttons = LANGUAGES.map(({ code, name }) => {
    const button = h('button', { type: 'button', class: 'quiet small', lang: code, 'aria-pressed': String(code === language()), text: name, dataset: { lang: code } });
    button.addEventListener('click', async () => {
      if (code === language() || !(await mayChange())) return;
      setLanguage(code, true);
      redraw();
      const again = root.querySelector(`.lang-switch button[data-lang="${code}"]`);
      if (again) again.focus();
    });
    return button;
  });
  return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('nav.language') }, buttons);
}

// ---- signing in ----------------------------------------------------------------------------

/** The sign-in form; `noticeKey` names a line above it (signed out, expired). */
function signInPage(noticeKey) {
  stopView();
  document.title = t('signin.docTitle');
  const input = h('input', { type: 'password', name: 'token', required: true, autocomplete: 'current-password', spellcheck: 'false', class: 'mono' });
  const emailInput = h('input', { type: 'email', name: 'email', autocomplete: 'username', spellcheck: 'false' });
  const errors = errorBox();
  const button = h('button', { type: 'submit', class: 'primary', text: t('signin.submit') });
  const help = h('div', { class: 'help', hidden: true });
  const form = h('form', { class: 'signin card', novalidate: true },
    h('h1', { text: t('signin.title') }),
    h('p', { text: t('signin.intro') }),
    noticeKey ? h('p', { class: 'notice', role: 'status', text: t(noticeKey) }) : null,
    field(t('signin.email'), emailInput, t('signin.emailHint')),
    field(t('signin.label'), input, t('signin.hint')),
    errors.el,
    help,
    h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.clear();
    help.hidden = true;
    const secret = input.value.trim();
    if (!secret) { errors.show(new Error(t('signin.empty'))); input.focus(); return; }
    const email = emailInput.value.trim();
    // With an email, the admin's own API token as Zendesk's Basic `email/token:TOKEN`; without,
    // the shared admin token (stored as given, sent as Bearer).
    const value = email ? basic(email, secret) : secret;
    try {
      // Any admin route proves the token; the agent list is small and has no side effects.
      await busy(button, () => get('/api/admin/agents', { token: value }), [input, emailInput]);
      token.set(value);
      shell();
      announce(t('signin.done'));
    } catch (err) {
      if (err.status === 503 && err.code === 'admin_disabled') {
        errors.show(new Error(t('signin.disabled')));
        help.replaceChildren(
          h('p', { text: t('signin.disabledHow') }),
          h('pre', null, h('code', { text: 'spin up --variable admin_token="$(openssl rand -hex 32)"' })),
          h('p', { text: t('signin.disabledEnv') }),
          h('pre', null, h('code', { text: 'SPIN_VARIABLE_ADMIN_TOKEN=... spin up' })),
          err.serverText ? serverSaid(err.serverText) : null);
        help.hidden = false;
      } else if (err.status === 403) {
        errors.show(new Error(t('signin.notAdmin')));
      } else if (err.status === 401 && err.code !== 'token_expired') {
        errors.show(new Error(t(email ? 'signin.wrongApiToken' : 'signin.wrong')));
      } else {
        errors.show(err);
      }
      input.focus();
    }
  });
  // A new language keeps what was typed: the page is drawn again around the same values.
  const redraw = () => {
    const typed = [emailInput.value, input.value];
    signInPage(noticeKey);
    const [email, secret] = root.querySelectorAll('form.signin input');
    email.value = typed[0];
    secret.value = typed[1];
  };
  root.replaceChildren(h('div', { class: 'signin-top' }, languageSwitch(redraw)),
    h('main', { id: 'main', class: 'signin-wrap' }, form));
  input.focus();
}

/** "The server said: …" with the server's own (English) words marked as such. */
function serverSaid(text) {
  const p = errorText({ message: t('signin.serverSaid', { message: text }), server: text });
  p.className = 'muted';
  return p;
}

/** `Basic base64(email/token:TOKEN)`, with UTF-8 bytes (btoa alone takes only Latin-1). */
function basic(email, apiToken) {
  const bytes = new TextEncoder().encode(`${email}/token:${apiToken}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return 'Basic ' + btoa(binary);
}

function signOut(noticeKey) {
  token.clear();
  if (location.hash) history.replaceState(null, '', location.pathname);
  signInPage(noticeKey || 'signin.signedOut');
}

// ---- the signed-in shell -------------------------------------------------------------------

let main = null;
let navLinks = [];

function shell() {
  const signOutButton = h('button', { type: 'button', class: 'quiet', text: t('nav.signOut') });
  signOutButton.addEventListener('click', async () => { if (await mayLeave()) signOut(); });
  navLinks = VIEWS.map((v) => h('a', { href: '#' + v.route, text: v.label(), dataset: { route: v.route } }));
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  main = h('main', { id: 'main', tabindex: '-1' });
  root.replaceChildren(
    h('a', { class: 'skip', href: '#main', text: t('nav.skip'), onclick: (e) => { e.preventDefault(); main.focus(); } }),
    h('header', { class: 'top' },
      h('div', { class: 'brand' }, h('img', { src: '/favicon.svg', alt: '', width: 24, height: 24 }), t('app.name')),
      h('nav', { 'aria-label': t('nav.label') }, h('ul', null, navLinks.map((a) => h('li', null, a)))),
      languageSwitch(shell, mayLeave),
      signOutButton),
    main,
    status);
  mountStatus(status);
  window.onhashchange = route;
  route();
}

function stopView() {
  if (leave) { try { leave(); } catch { /* the view is gone anyway */ } }
  leave = null;
  current = null;
  window.onhashchange = null;
}

/** False when the admin keeps editing: the view has unsaved changes and they cancel. */
async function mayLeave() {
  if (!current || !current.view.unsaved || !current.view.unsaved()) return true;
  return confirmAction({ title: t('nav.unsavedTitle'), message: t('nav.unsavedMessage'), confirm: t('nav.unsavedLeave') });
}

// Closing or reloading the tab with unsaved changes asks the browser's own question.
window.addEventListener('beforeunload', (event) => {
  if (current && current.view.unsaved && current.view.unsaved()) event.preventDefault();
});

async function route() {
  const name = location.hash.replace(/^#\/?/, '').split('/')[0] || VIEWS[0].route;
  const entry = VIEWS.find((v) => v.route === name) || VIEWS[0];
  if (current && entry !== current && !(await mayLeave())) {
    history.replaceState(null, '', '#' + current.route); // stay, without a new history entry
    return;
  }
  if (leave) { try { leave(); } catch { /* ignore */ } }
  current = entry;
  for (const a of navLinks) {
    if (a.dataset.route === entry.route) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${entry.label()} · ${t('app.name')}`;
  main.replaceChildren();
  leave = entry.view.render(main) || null;
  // Move focus to the new view's heading so keyboard and screen-reader users land there.
  const heading = main.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

start();
