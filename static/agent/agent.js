/*! Spindesk agent workspace (/agent/). No dependencies, no build step: ES modules, one per
 * area, laid out like the admin console's. Data comes from the Zendesk-compatible tickets API
 * (api.js). Customer and agent text is only ever put in the page with textContent / text nodes. */
// The entry module: signing in and out, and what runs on the page's clock.
import { T, LANG } from './strings.js';
import { $, translate, announce, showError } from './ui.js';
import { api, basicAuth, session, sset, readJson, whenUnauthorized } from './api.js';
import { state, forget, remember } from './state.js';
import { listPoller, renderViews, renderSync, refreshTimes, alsoOnRefresh, focusSearch, moveInList } from './inbox.js';
import { ticketPoller, route, closePane } from './ticket.js';
import { presencePoller, whenPresenceChanged, hidePresence } from './presence.js';
import { followLive, stopLive } from './live.js';
import { checkAssignments, resetNotices } from './notify.js';
import { connectKeys } from './keys.js';
import { focusMacros, forgetMacros } from './macros.js';
import { focusComposer } from './composer.js';
import { assignToMe } from './fields.js';
import { forgetAssign } from './assign.js';

var signinMain = $('signin'), signinForm = $('signin-form'), emailInput = $('email'), tokenInput = $('token');
var signinError = $('signin-error'), signinButton = $('signin-button');
var desk = $('desk'), sync = $('sync'), who = $('who'), meName = $('me-name');
var list = $('tickets'), summary = $('list-summary');

whenUnauthorized(function () { signOut(T.sessionEnded); });
alsoOnRefresh(checkAssignments);
whenPresenceChanged(function () { listPoller.now(); });

// Shortcuts that need an open ticket answer false without one, so the key is left alone.
function onTicket(fn) { return function () { if (!session.auth || !state.current) return false; fn(); }; }
connectKeys({
  '/': function () { if (!session.auth) return false; focusSearch(); },
  j: function () { if (!session.auth) return false; moveInList(1); },
  k: function () { if (!session.auth) return false; moveInList(-1); },
  r: onTicket(function () { focusComposer(false); }),
  n: onTicket(function () { focusComposer(true); }),
  m: onTicket(focusMacros),
  a: onTicket(assignToMe)
});

// ---- Sign-in --------------------------------------------------------------------------------
function showSignin(message) {
  desk.hidden = true;
  who.hidden = true;
  sync.hidden = true;
  signinMain.hidden = false;
  signinButton.disabled = false;
  signinButton.textContent = T.signIn;
  signinError.textContent = message || '';
  (emailInput.value ? tokenInput : emailInput).focus();
}

signinForm.addEventListener('submit', function (e) {
  e.preventDefault();
  var email = emailInput.value.trim(), token = tokenInput.value.trim();
  emailInput.setAttribute('aria-invalid', String(!email));
  tokenInput.setAttribute('aria-invalid', String(!token));
  if (!email || !token) {
    signinError.textContent = T.needBoth;
    (!email ? emailInput : tokenInput).focus();
    return;
  }
  signinError.textContent = '';
  signinButton.disabled = true;
  signinButton.textContent = T.signingIn;
  var header = basicAuth(email, token);
  var g = ++session.gen;
  api('GET', '/api/v2/users/me.json', null, header).then(function (data) {
    if (g !== session.gen) return;
    tokenInput.value = '';
    sset('auth', JSON.stringify({ email: email, token: token }));
    enter({ email: email, header: header }, data.user);
  }, function (err) {
    if (g !== session.gen) return;
    signinButton.disabled = false;
    signinButton.textContent = T.signIn;
    // A 401 is a wrong email or token (an expired token says so); the rest say what failed.
    var wrong = err.status === 401;
    tokenInput.setAttribute('aria-invalid', String(wrong));
    if (wrong && err.code !== 'token_expired') signinError.textContent = T.badCredentials;
    else showError(signinError, err);
    if (wrong) tokenInput.select();
  });
});

// Credentials kept by this tab: check them again; a network failure retries, a 401 asks again.
function resume(stored, attempt) {
  var header = basicAuth(stored.email, stored.token);
  var g = session.gen;
  sync.hidden = false;
  sync.className = 'sync';
  sync.textContent = T.signingIn;
  api('GET', '/api/v2/users/me.json', null, header).then(function (data) {
    if (g === session.gen) enter({ email: stored.email, header: header }, data.user);
  }, function (err) {
    if (g !== session.gen) return;
    if (err.status === 401 || err.status === 403) {
      sset('auth', null);
      emailInput.value = stored.email;
      showSignin(T.sessionEnded);
      return;
    }
    var wait = Math.min(1000 * Math.pow(2, attempt), 30000);
    emailInput.value = stored.email;
    showSignin(err.message + ' ' + T.retryingIn(Math.round(wait / 1000)));
    setTimeout(function () { if (g === session.gen) resume(stored, attempt + 1); }, wait);
  });
}

function enter(credentials, user) {
  session.auth = credentials;
  var me = state.me = user || null;
  if (me) remember([me]);
  signinMain.hidden = true;
  signinError.textContent = '';
  desk.hidden = false;
  who.hidden = false;
  sync.hidden = false;
  meName.textContent = me && me.name ? me.name : credentials.email;
  meName.title = credentials.email;
  renderViews();
  summary.textContent = T.loading;
  listPoller.start();
  presencePoller.start();
  route();
  followLive();
  if (!state.current) list.focus();
}

function signOut(message) {
  // A token that stopped working: the same person signs in again, with a new token.
  var keepEmail = message === T.sessionEnded && session.auth ? session.auth.email : '';
  session.gen++;
  listPoller.stop();
  ticketPoller.stop();
  presencePoller.stop();
  stopLive();
  hidePresence();
  session.auth = null;
  forget();
  resetNotices();
  forgetAssign();
  forgetMacros();
  ['auth', 'seen', 'view', 'drafts', 'sound'].forEach(function (k) { sset(k, null); });
  $('sound').checked = false;
  list.textContent = '';
  summary.textContent = '';
  closePane();
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  emailInput.value = keepEmail;
  tokenInput.value = '';
  showSignin(message);
  if (message === T.signedOut) announce(message);
}
$('sign-out').addEventListener('click', function () { signOut(T.signedOut); });

// ---- Visibility and clock ----------------------------------------------------------------------
document.addEventListener('visibilitychange', function () {
  if (document.visibilityState !== 'visible' || !session.auth) return;
  listPoller.now();
  ticketPoller.now();
  presencePoller.now();
});
var ticks = 0;
setInterval(function () {
  if (!session.auth || document.visibilityState !== 'visible') return;
  ticks++;
  if (state.syncError || ticks % 10 === 0) renderSync(); // a failing sync counts down its retry
  if (ticks % 10) return;
  refreshTimes();
}, 1000);

// ---- Start -------------------------------------------------------------------------------------
document.documentElement.lang = LANG;
translate();
var stored = readJson('auth', null);
if (stored && stored.email && stored.token) resume(stored, 0);
else showSignin('');
