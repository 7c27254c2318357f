// The open ticket (#ticket/<id>): its conversation, refreshed while visible, the requester with
// their other tickets, the satisfaction rating, and the fields, macros and composer beside it.
import { T } from './strings.js';
import { $, h, fillText, timeEl, channelLabel, pill, showError } from './ui.js';
import { api, session, Poller } from './api.js';
import { state, remember, userName, markSeen, isUnread } from './state.js';
import { rowFor } from './inbox.js';
import { connectFields, buildSelects, syncFields, setFieldsEditable, clearFieldsStatus } from './fields.js';
import { connectComposer, setComposerEditable, loadDraft, saveDraft, setReplyChannels } from './composer.js';
import { resetMacros, setMacrosEditable } from './macros.js';
import { seenAssignment } from './notify.js';
import { renderFiles } from './files.js';

var TICKET_EVERY = 2500; // open ticket refresh while visible
var OTHERS_EVERY = 30000; // the requester's other tickets change rarely
var narrow = window.matchMedia('(max-width: 760px)');

var desk = $('desk'), list = $('tickets');
var placeholder = $('placeholder'), pane = $('ticket'), subjectEl = $('t-subject'), metaEl = $('t-meta');
var scroller = $('t-scroll'), loadingEl = $('t-loading'), ticketError = $('t-error');
var requesterEl = $('requester'), othersEl = $('other-tickets'), othersEmpty = $('other-empty'), csatEl = $('t-csat');
var logEl = $('t-log');

export var ticketPoller = new Poller(refreshTicket, TICKET_EVERY);

function refreshNow() { ticketPoller.now(); }
connectFields(applyTicket, refreshNow);
connectComposer(applyTicket, addComments, refreshNow);

// ---- Routing: #ticket/<id> -------------------------------------------------------------------
export function route() {
  if (!session.auth) return;
  var m = /^#ticket\/(\d{1,15})$/.exec(location.hash);
  if (m) openTicket(Number(m[1]));
  else if (state.current) closeTicket(false);
}
window.addEventListener('hashchange', route);

function leaveTicket() {
  history.pushState(null, '', location.pathname + location.search);
  closeTicket(true);
}
$('back').addEventListener('click', leaveTicket);
document.addEventListener('keydown', function (e) {
  if (e.key !== 'Escape' || !state.current || !narrow.matches || e.defaultPrevented || e.isComposing) return;
  if (e.target && e.target.tagName === 'SELECT') return;
  e.preventDefault();
  leaveTicket();
});

// ---- Opening and closing ----------------------------------------------------------------------
export function closePane() {
  pane.hidden = true;
  placeholder.hidden = false;
  desk.classList.remove('has-ticket');
}

function closeTicket(restoreFocus) {
  var id = state.current && state.current.id;
  saveDraft();
  ticketPoller.stop();
  state.current = null;
  closePane();
  state.tickets.forEach(function (t) { if (t.id === id) rowFor(t); });
  if (restoreFocus) {
    if (id && state.rows[id]) state.rows[id].firstChild.focus();
    else list.focus();
  }
}

function openTicket(id) {
  if (state.current && state.current.id === id) return;
  if (state.current) { saveDraft(); ticketPoller.stop(); }
  state.current = { id: id, ticket: null, comments: {}, count: 0, maxId: 0, base: null, loaded: false, sending: false };
  pane.hidden = false;
  placeholder.hidden = true;
  desk.classList.add('has-ticket');
  subjectEl.textContent = '#' + id;
  metaEl.textContent = '';
  loadingEl.hidden = false;
  ticketError.textContent = '';
  requesterEl.textContent = '';
  identitiesEl.textContent = '';
  setReplyChannels([]);
  othersEl.textContent = '';
  othersEmpty.hidden = true;
  csatEl.textContent = '';
  clearFieldsStatus();
  resetMacros();
  seenAssignment(id);
  // A fresh log, filled while detached: the history joins the page at once and isn't read
  // out as new messages; only later comments are.
  var fresh = logEl.cloneNode(false);
  logEl.remove();
  logEl = fresh;
  loadDraft(id);
  setEditable(false, '');
  state.tickets.forEach(function (t) { rowFor(t); });
  subjectEl.focus({ preventScroll: true });
  ticketPoller.start();
}

function setEditable(on, reason) {
  setComposerEditable(on, reason);
  setFieldsEditable(on);
  setMacrosEditable(on);
}

// ---- The conversation -------------------------------------------------------------------------
function refreshTicket() {
  var c = state.current;
  if (!c) return;
  var path = '/api/v2/tickets/' + c.id;
  var fetched = [];
  function comments(page) {
    return api('GET', path + '/comments.json?include=users&per_page=100&page=' + page).then(function (data) {
      remember(data.users);
      fetched = fetched.concat(data.comments || []);
      if (data.next_page && c === state.current) return comments(page + 1);
    });
  }
  // Offset pages: start at the page holding the first comment we don't have yet.
  var firstPage = Math.floor(c.count / 100) + 1;
  return Promise.all([api('GET', path + '.json'), comments(firstPage)]).then(function (answers) {
    if (c !== state.current) return;
    var t = answers[0].ticket;
    // The requester is side-loaded with the inbox; a ticket opened from a link may need it.
    var requester = state.users[t.requester_id] ? null : api('GET', '/api/v2/users/' + t.requester_id + '.json')
      .then(function (u) { remember([u.user]); }, function () { /* shown as "User N" */ });
    return Promise.resolve(requester).then(function () {
      if (c !== state.current) return;
      ticketError.textContent = '';
      applyTicket(t, false);
      addComments(fetched);
      if (!c.loaded) {
        c.loaded = true;
        loadingEl.hidden = true;
        scroller.appendChild(logEl);
        scroller.scrollTop = scroller.scrollHeight;
      }
    });
  }, function (err) {
    if (c !== state.current) return;
    if (err.status === 401) throw err;
    loadingEl.hidden = true;
    if (err.status === 404) ticketError.textContent = T.notFound;
    else showError(ticketError, err);
    if (err.status === 404) { ticketPoller.stop(); return; }
    throw err;
  });
}

/** Shows `t`, the open ticket as the server has it; `force` resets edited fields too. */
function applyTicket(t, force) {
  var c = state.current;
  if (!c || c.id !== t.id) return;
  var first = !c.ticket;
  c.ticket = t;
  markSeen(t);
  var tickets = state.tickets;
  for (var i = 0; i < tickets.length; i++) if (tickets[i].id === t.id) { tickets[i] = t; rowFor(t); }

  subjectEl.textContent = t.subject || '#' + t.id;
  subjectEl.title = subjectEl.textContent; // cut with an ellipsis on narrow screens
  metaEl.textContent = '';
  metaEl.appendChild(pill(t.status));
  metaEl.appendChild(h('span', { text: '#' + t.id }));
  metaEl.appendChild(h('span', { text: '· ' + channelLabel(t.via && t.via.channel) }));
  var created = timeEl(t.created_at);
  if (created) { metaEl.appendChild(document.createTextNode('· ')); metaEl.appendChild(created); }

  if (first) {
    renderHandoff(t);
    buildSelects(t);
  }
  renderRequester(t);
  renderSatisfaction(t);
  if (first || Date.now() - (c.othersAt || 0) > OTHERS_EVERY) loadOthers(c, t.requester_id);
  syncFields(t, force || first);
  var closed = t.status === 'closed';
  setEditable(!closed, closed ? T.closedReason : '');
}

function renderHandoff(t) {
  if (!t.description) return;
  var d = h('details', { class: 'handoff', open: '' }, [h('summary', { text: T.beforeHandoff })]);
  var pre = h('pre');
  fillText(pre, t.description);
  d.appendChild(pre);
  logEl.insertBefore(d, logEl.firstChild);
}

function renderRequester(t) {
  var u = state.users[t.requester_id] || {};
  var facts = [
    [T.name, u.name || T.someone(t.requester_id)],
    [T.email, u.email],
    [T.phone, u.phone],
    [T.channel, channelLabel(t.via && t.via.channel)],
    [T.language, u.locale],
    [T.externalId, u.external_id]
  ];
  requesterEl.textContent = '';
  facts.forEach(function (f) {
    if (!f[1]) return;
    var dd = h('dd', { text: f[1] });
    if (f[0] === T.name && u.locale) dd.setAttribute('lang', u.locale);
    requesterEl.appendChild(h('dt', { text: f[0] }));
    requesterEl.appendChild(dd);
  });
  loadIdentities(state.current, t.requester_id);
  var since = u.created_at && timeEl(u.created_at);
  if (since) {
    requesterEl.appendChild(h('dt', { text: T.since }));
    requesterEl.appendChild(h('dd', {}, [since]));
  }
}

// The customer's identities (GET /api/v2/users/{id}/identities): verified ones are proven (the
// channel, the site's signed token, the e-mail channel); unverified ones the customer only typed.
// The channels among them are where a reply may be sent (the composer's "Reply via").
var identitiesEl = $('identities');
function loadIdentities(c, userId) {
  if (!c || c.identitiesFor === userId) return;
  c.identitiesFor = userId;
  api('GET', '/api/v2/users/' + userId + '/identities.json').then(function (data) {
    if (c !== state.current) return;
    var list = data.identities || [];
    identitiesEl.textContent = '';
    list.forEach(function (i) {
      var mark = h('span', { class: 'id-mark ' + (i.verified ? 'verified' : 'unverified'), text: i.verified ? T.verified : T.unverified });
      identitiesEl.appendChild(h('li', { class: i.verified ? 'verified' : 'unverified' }, [
        h('span', { class: 'id-channel', text: channelLabel(i.channel) }),
        h('span', { class: 'id-value', text: i.value }),
        mark
      ]));
    });
    setReplyChannels(list.filter(function (i) { return i.verified && i.channel !== 'email'; })
      .map(function (i) { return i.channel; }));
  }, function () { c.identitiesFor = null; /* tried again with the next refresh */ });
}

// The customer's other tickets, newest activity first: history an agent wants before replying.
function loadOthers(c, requesterId) {
  c.othersAt = Date.now();
  api('GET', '/api/v2/users/' + requesterId + '/tickets/requested.json?sort_by=updated_at&sort_order=desc&per_page=10').then(function (data) {
    if (c !== state.current) return;
    var others = (data.tickets || []).filter(function (t) { return t.id !== c.id; });
    othersEl.textContent = '';
    others.forEach(function (t) {
      var a = h('a', { href: '#ticket/' + t.id, class: isUnread(t) ? 'unread' : '' }, [
        pill(t.status), h('span', { class: 'subj', text: t.subject || '#' + t.id })
      ]);
      var when = timeEl(t.updated_at, 'when', true);
      othersEl.appendChild(h('li', {}, [a, when]));
    });
    othersEmpty.hidden = others.length > 0;
  }, function () { c.othersAt = 0; /* tried again with the next refresh */ });
}

// Zendesk's satisfaction_rating: unoffered, offered (asked, no answer yet), good or bad.
function renderSatisfaction(t) {
  var r = t.satisfaction_rating || { score: 'unoffered' };
  csatEl.textContent = '';
  csatEl.className = 'csat ' + r.score;
  csatEl.appendChild(h('span', { class: 'csat-score', text: T.csat[r.score] || r.score }));
  if (r.comment) {
    var q = h('q', { class: 'csat-comment' });
    fillText(q, r.comment);
    csatEl.appendChild(q);
  }
}

function commentKind(cm, t) {
  if (cm.author_id === t.requester_id) return 'customer';
  return cm.public === false ? 'note' : 'agent';
}

function commentNode(cm, t) {
  var kind = commentKind(cm, t);
  var author = state.users[cm.author_id];
  var label = kind === 'customer' ? T.customer : kind === 'note' ? T.internalNote : T.agentReply;
  var name = userName(cm.author_id) + (state.me && cm.author_id === state.me.id ? ' (' + T.you + ')' : '');
  var meta = h('div', { class: 'meta' }, [
    h('span', { class: kind === 'note' ? 'tag-note' : 'sr-only', text: kind === 'note' ? label : label + ':' }),
    h('b', { text: name }),
    timeEl(cm.created_at)
  ]);
  // One customer may write from several channels (merged accounts): say which, per message.
  var via = cm.via && cm.via.channel;
  if (kind === 'customer' && via) meta.appendChild(h('span', { class: 'via', text: T.via.replace('{channel}', channelLabel(via)) }));
  var body = h('div', { class: 'body' });
  if (kind === 'customer' && author && author.locale) body.setAttribute('lang', author.locale);
  fillText(body, cm.body);
  var el = h('div', { class: 'msg ' + kind }, [meta, body]);
  renderFiles(el, cm.attachments);
  el.dataset.id = String(cm.id);
  return el;
}

function addComments(list) {
  var c = state.current;
  var stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  var added = 0;
  list.slice().sort(function (a, b) { return a.id - b.id; }).forEach(function (cm) {
    if (!cm || c.comments[cm.id]) return;
    c.comments[cm.id] = true;
    c.count++;
    // Comments come in id order; only one that arrives late needs a search for its place.
    var after = null;
    if (cm.id < c.maxId) {
      logEl.querySelectorAll('.msg').forEach(function (n) { if (!after && Number(n.dataset.id) > cm.id) after = n; });
    }
    logEl.insertBefore(commentNode(cm, c.ticket), after);
    if (cm.id > c.maxId) c.maxId = cm.id;
    added++;
  });
  if (added && (stick || !c.loaded)) scroller.scrollTop = scroller.scrollHeight;
}
