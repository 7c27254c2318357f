// The inbox: the views (system and admin-defined, with counts), a view's tickets or a search's
// results (refreshed while visible), and the sync status line.
import { T } from './strings.js';
import { $, h, ago, timeEl, channelLabel, pill, announce, showError } from './ui.js';
import { api, sset, session, Poller } from './api.js';
import { state, PAGE, remember, userName, isUnread, fetchUsers } from './state.js';

var LIST_EVERY = 5000; // inbox refresh while visible
var VIEWS_EVERY = 60000; // the list of views changes rarely (admins edit it)
var DEFAULT_VIEW = '1'; // Your unsolved tickets, as in Zendesk

var sync = $('sync'), viewsNav = $('views'), list = $('tickets'), summary = $('list-summary');
var empty = $('list-empty'), more = $('more');
var searchForm = $('search'), searchInput = $('search-q'), searchError = $('search-error'), searchClear = $('search-clear');

// Extra work each refresh does (the new-assignment check); set by the entry module.
var extra = function () {};
/** `fn()` runs with every inbox refresh; its failure doesn't fail the list. */
export function alsoOnRefresh(fn) { extra = fn; }

export var listPoller = new Poller(loadList, LIST_EVERY);

// ---- Sync status ---------------------------------------------------------------------------
export function renderSync() {
  if (!session.auth) return;
  if (state.syncError) {
    var secs = Math.max(1, Math.round((listPoller.nextAt - Date.now()) / 1000));
    sync.className = 'sync err';
    showError(sync, state.syncError, ' ' + T.retryingIn(secs));
  } else if (state.lastSync) {
    sync.className = 'sync';
    sync.textContent = T.updated(ago(state.lastSync));
  }
}

// ---- Views ------------------------------------------------------------------------------------
function viewTitle(v) { return (v.id <= 6 && T.systemViews[v.id]) || v.title; }

export function renderViews() {
  var focused = viewsNav.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  viewsNav.textContent = '';
  state.views.forEach(function (v) {
    var id = String(v.id);
    var count = state.counts[id];
    var b = h('button', {
      type: 'button', 'aria-pressed': String(!state.search && id === state.view), 'data-id': id,
      onclick: function () { chooseView(id); }
    }, [h('span', { text: viewTitle(v) }), count == null ? null : h('span', { class: 'count-badge', text: ' ' + count })]);
    viewsNav.appendChild(b);
    if (focused === id) b.focus();
  });
}

function resetList() {
  state.limit = PAGE;
  state.tickets = [];
  state.total = 0;
  state.listed = null;
  renderList();
  summary.textContent = T.loading;
}

export function chooseView(id) {
  if (id === state.view && !state.search) return;
  state.view = id;
  state.search = null;
  searchError.textContent = '';
  searchClear.hidden = true;
  sset('view', id);
  renderViews();
  resetList();
  listPoller.now();
}

function loadViews() {
  return api('GET', '/api/v2/views/active.json?per_page=100').then(function (data) {
    state.views = data.views || [];
    state.viewsAt = Date.now();
    if (!state.views.some(function (v) { return String(v.id) === state.view; })) {
      state.view = state.views.length ? String(state.views[0].id) : DEFAULT_VIEW;
    }
  });
}

function loadCounts() {
  if (!state.views.length) return null;
  var ids = state.views.slice(0, 100).map(function (v) { return v.id; }).join(',');
  return api('GET', '/api/v2/views/count_many.json?ids=' + ids).then(function (data) {
    (data.view_counts || []).forEach(function (c) { state.counts[String(c.view_id)] = c.value; });
  });
}

// ---- Search ---------------------------------------------------------------------------------
searchForm.addEventListener('submit', function (e) {
  e.preventDefault();
  var q = searchInput.value.trim();
  if (!q) { searchInput.focus(); return; }
  state.search = q;
  searchError.textContent = '';
  searchClear.hidden = false;
  renderViews();
  resetList();
  listPoller.now();
});
searchClear.addEventListener('click', function () {
  searchInput.value = '';
  chooseView(state.view);
  searchInput.focus();
});
searchInput.addEventListener('keydown', function (e) {
  if (e.key === 'Escape' && state.search) { e.preventDefault(); searchClear.click(); }
});

export function focusSearch() { searchInput.focus(); searchInput.select(); }

function listPath(page, perPage) {
  if (state.search) {
    return '/api/v2/search.json?query=' + encodeURIComponent(state.search) + '&per_page=' + perPage + '&page=' + page;
  }
  return '/api/v2/views/' + encodeURIComponent(state.view) + '/tickets.json?include=users&sort_by=updated_at&sort_order=desc&per_page=' +
    perPage + '&page=' + page;
}

// Fetches the first `limit` items of the view or search (pages of at most 100, usually one request).
function loadList() {
  var g = session.gen, v, q, want, per;
  var got = [], count = 0;
  function page(n) {
    return api('GET', listPath(n, per)).then(function (data) {
      remember(data.users);
      got = got.concat(data.tickets || data.results || []);
      count = data.count || 0;
      if (got.length < want && data.next_page) return page(n + 1);
    });
  }
  var views = !state.views.length || Date.now() - state.viewsAt > VIEWS_EVERY ? loadViews() : null;
  return Promise.resolve(views).then(function () {
    // Read after the views: a view that no longer exists was replaced by the first one.
    v = state.view; q = state.search; want = state.limit;
    per = q ? PAGE : Math.min(want, 100);
    return Promise.all([page(1), loadCounts(), Promise.resolve().then(extra).catch(function () { /* shown by its own module */ })]);
  }).then(function () {
    // Names of requesters the answer didn't side-load (search results).
    return fetchUsers(got.filter(function (t) { return t.result_type !== 'user'; }).map(function (t) { return t.requester_id; }));
  }).then(function () {
    // A newer request (another view, a search, "Load more") owns the list now.
    if (g !== session.gen || v !== state.view || q !== state.search || want !== state.limit) return;
    state.listed = q ? 'search' : v;
    state.tickets = got.slice(0, want);
    state.total = count;
    state.lastSync = Date.now();
    state.syncError = null;
    renderViews();
    renderList();
    renderSync();
  }, function (err) {
    if (g !== session.gen) return;
    if (err.status === 401) throw err;
    if (q && q === state.search && (err.status === 400 || err.status === 422)) {
      // The agent's query, not the connection: said beside the box, nothing to retry.
      state.listed = 'search';
      state.tickets = [];
      state.total = 0;
      showError(searchError, err);
      renderList();
      summary.textContent = '';
      return;
    }
    var first = !state.syncError;
    state.syncError = err;
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

// A user found by search: who it is, not a link (there is no user page).
function userRow(u) {
  var key = 'u' + u.id;
  var li = state.rows[key] || h('li', { class: 'user-result' });
  state.rows[key] = li;
  li.textContent = '';
  li.appendChild(h('span', { class: 'who-line', text: u.name || T.someone(u.id) }));
  li.appendChild(h('span', { class: 'subj', text: [u.email, T.roles[u.role] || u.role].filter(Boolean).join(' · ') }));
  return li;
}

function renderList() {
  var rows = state.rows, tickets = state.tickets;
  var active = document.activeElement;
  var focusedId = null;
  for (var id in rows) if (rows[id].contains(active)) focusedId = id;
  var keep = {};
  tickets.forEach(function (t, i) {
    var user = t.result_type === 'user';
    var li = user ? userRow(t) : rowFor(t);
    keep[user ? 'u' + t.id : t.id] = true;
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  for (var rid in rows) {
    if (!keep[rid]) { rows[rid].remove(); delete rows[rid]; }
  }
  // A row that moved lost focus; give it back without scrolling the list.
  if (focusedId && rows[focusedId] && rows[focusedId].firstChild.focus && document.activeElement !== rows[focusedId].firstChild) {
    rows[focusedId].firstChild.focus({ preventScroll: true });
  }
  var shown = state.search ? T.found(tickets.length, state.total) : T.showing(tickets.length, state.total);
  summary.textContent = tickets.length ? shown : '';
  var loaded = state.listed === (state.search ? 'search' : state.view);
  empty.hidden = !!tickets.length || !loaded || !!searchError.textContent;
  empty.textContent = state.search ? T.noResults : T.noTickets;
  more.hidden = tickets.length >= state.total;
}

/** j / k: the next or previous ticket of the list gets focus (Enter opens it). */
export function moveInList(step) {
  var links = Array.prototype.slice.call(list.querySelectorAll('a.row'));
  if (!links.length) return;
  var at = links.indexOf(document.activeElement);
  if (at < 0) at = links.findIndex(function (a) { return a.getAttribute('aria-current') === 'true'; });
  var next = at < 0 ? (step > 0 ? 0 : links.length - 1) : Math.max(0, Math.min(links.length - 1, at + step));
  links[next].focus();
  links[next].scrollIntoView({ block: 'nearest' });
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
    if (next && state.rows[next.id] && state.rows[next.id].firstChild.focus) state.rows[next.id].firstChild.focus();
  }, function () { more.disabled = false; });
});
