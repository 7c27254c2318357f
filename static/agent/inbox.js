// The inbox: the views, the ticket list (refreshed while visible) and the sync status line.
import { T } from './strings.js';
import { $, h, ago, timeEl, channelLabel, pill, announce } from './ui.js';
import { api, sset, session, Poller } from './api.js';
import { state, PAGE, remember, userName, isUnread } from './state.js';

var LIST_EVERY = 5000; // inbox refresh while visible
var VIEWS = [
  { id: 'open', label: 'viewOpen', status: 'new,open' },
  { id: 'pending', label: 'viewPending', status: 'pending,hold' },
  { id: 'solved', label: 'viewSolved', status: 'solved,closed' },
  { id: 'all', label: 'viewAll', status: '' }
];

var sync = $('sync'), viewsNav = $('views'), list = $('tickets'), summary = $('list-summary');
var empty = $('list-empty'), more = $('more');

export var listPoller = new Poller(loadList, LIST_EVERY);

// ---- Sync status ---------------------------------------------------------------------------
export function renderSync() {
  if (!session.auth) return;
  if (state.syncError) {
    var secs = Math.max(1, Math.round((listPoller.nextAt - Date.now()) / 1000));
    sync.className = 'sync err';
    sync.textContent = T.syncFailed(state.syncError, secs);
  } else if (state.lastSync) {
    sync.className = 'sync';
    sync.textContent = T.updated(ago(state.lastSync));
  }
}

// ---- Views and the list ----------------------------------------------------------------------
export function renderViews() {
  viewsNav.textContent = '';
  VIEWS.forEach(function (v) {
    viewsNav.appendChild(h('button', {
      type: 'button', 'aria-pressed': String(v.id === state.view), text: T[v.label],
      onclick: function () { chooseView(v.id); }
    }));
  });
}

function chooseView(id) {
  if (id === state.view) return;
  state.view = id;
  sset('view', id);
  state.limit = PAGE;
  state.tickets = [];
  state.total = 0;
  state.listed = null;
  renderViews();
  renderList();
  summary.textContent = T.loading;
  listPoller.now();
}

function currentView() {
  for (var i = 0; i < VIEWS.length; i++) if (VIEWS[i].id === state.view) return VIEWS[i];
  return VIEWS[0];
}

function listPath(page, perPage) {
  var status = currentView().status;
  return '/api/v2/tickets.json?sort_by=updated_at&sort_order=desc&include=users&per_page=' + perPage +
    '&page=' + page + (status ? '&status=' + encodeURIComponent(status) : '');
}

// Fetches the first `limit` tickets of the view (pages of at most 100, usually one request).
function loadList() {
  var g = session.gen, v = state.view, want = state.limit;
  var per = Math.min(want, 100);
  var got = [], count = 0;
  function page(n) {
    return api('GET', listPath(n, per)).then(function (data) {
      remember(data.users);
      got = got.concat(data.tickets || []);
      count = data.count || 0;
      if (got.length < want && data.next_page) return page(n + 1);
    });
  }
  return page(1).then(function () {
    // A newer request (another view, "Load more") owns the list now.
    if (g !== session.gen || v !== state.view || want !== state.limit) return;
    state.listed = v;
    state.tickets = got.slice(0, want);
    state.total = count;
    state.lastSync = Date.now();
    state.syncError = null;
    renderList();
    renderSync();
  }, function (err) {
    if (g !== session.gen) return;
    if (err.status === 401) throw err;
    var first = !state.syncError;
    state.syncError = err.message;
    // The error shows once the retry is scheduled (renderSync needs nextAt).
    setTimeout(function () { renderSync(); if (first) announce(sync.textContent); }, 0);
    throw err;
  });
}

/** The ticket's row, created or brought up to date. */
export function rowFor(t) {
  var li = state.rows[t.id];
  if (!li) {
    li = h('li', {}, [h('a', { class: 'row', href: '#ticket/' + t.id })]);
    state.rows[t.id] = li;
  }
  var a = li.firstChild;
  var unread = isUnread(t);
  a.className = 'row' + (unread ? ' unread' : '');
  if (state.current && state.current.id === t.id) a.setAttribute('aria-current', 'true');
  else a.removeAttribute('aria-current');
  a.textContent = '';
  if (unread) a.appendChild(h('span', { class: 'sr-only', text: T.unread + ' ' }));
  a.appendChild(h('span', { class: 'dot', 'aria-hidden': 'true' }));
  a.appendChild(h('span', { class: 'who-line', text: userName(t.requester_id) }));
  a.appendChild(timeEl(t.updated_at, 'when', true) || h('span'));
  a.appendChild(h('span', { class: 'subj', text: t.subject || '#' + t.id }));
  a.appendChild(h('span', { class: 'tags-line' }, [
    pill(t.status),
    h('span', { text: channelLabel(t.via && t.via.channel) }),
    h('span', { text: '#' + t.id })
  ]));
  return li;
}

function renderList() {
  var rows = state.rows, tickets = state.tickets;
  var active = document.activeElement;
  var focusedId = null;
  for (var id in rows) if (rows[id].contains(active)) focusedId = id;
  var keep = {};
  tickets.forEach(function (t, i) {
    var li = rowFor(t);
    keep[t.id] = true;
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  for (var rid in rows) {
    if (!keep[rid]) { rows[rid].remove(); delete rows[rid]; }
  }
  // A row that moved lost focus; give it back without scrolling the list.
  if (focusedId && rows[focusedId] && document.activeElement !== rows[focusedId].firstChild) {
    rows[focusedId].firstChild.focus({ preventScroll: true });
  }
  summary.textContent = tickets.length ? T.showing(tickets.length, state.total) : '';
  empty.hidden = !!tickets.length || state.listed !== state.view;
  empty.textContent = T.noTickets;
  more.hidden = tickets.length >= state.total;
}

/** Relative times in the list ("5 minutes ago") follow the clock. */
export function refreshTimes() {
  list.querySelectorAll('time.when').forEach(function (el) {
    var ms = Date.parse(el.getAttribute('datetime'));
    if (!isNaN(ms)) el.textContent = ago(ms);
  });
}

more.addEventListener('click', function () {
  var before = state.tickets.length;
  state.limit += PAGE;
  more.disabled = true;
  loadList().then(function () {
    more.disabled = false;
    var next = state.tickets[before];
    if (next && state.rows[next.id]) state.rows[next.id].firstChild.focus();
  }, function () { more.disabled = false; });
});
