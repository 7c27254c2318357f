/*! Spindesk agent workspace (/agent/). No dependencies, no build step.
 * Data comes from the Zendesk-compatible tickets API with the agent's own API token, which lives
 * in sessionStorage (this tab only, gone when it closes) and is only ever sent in the
 * Authorization header — never in a URL, never logged. Customer and agent text is only ever put
 * in the page with textContent / text nodes. */
(function () {
  'use strict';

  // ---- Strings: every visible text, one table per language ---------------------------------
  var STRINGS = {
    en: {
      brand: 'Spindesk Agent', skipToInbox: 'Skip to the ticket list',
      signInTitle: 'Sign in to the agent workspace',
      signInIntro: 'Use your agent email and API token.',
      email: 'Email', token: 'API token',
      tokenHelp: ['Your Spindesk admin creates your agent and its API token with ',
        { code: 'POST /api/admin/agents' }, ' (the token is shown once; ',
        { code: 'POST /api/admin/agents/{id}/tokens' }, ' makes a new one). It stays in this browser tab only and is forgotten when you sign out or close the tab.'],
      signIn: 'Sign in', signingIn: 'Signing in…', signOut: 'Sign out',
      needBoth: 'Enter your email and your API token.',
      badCredentials: 'That email and API token don’t match an agent. Check both, or ask your admin for a new token.',
      sessionEnded: 'Your API token was not accepted any more (it may have been revoked). Sign in again.',
      signedOut: 'Signed out. Your token was removed from this tab.',
      offline: 'Can’t reach Spindesk. Check your connection.',
      httpError: function (status) { return 'Spindesk answered with an error (' + status + ').'; },
      retryingIn: function (s) { return 'Retrying in ' + s + ' s.'; },
      updated: function (when) { return 'Updated ' + when; },
      syncFailed: function (msg, s) { return msg + ' Retrying in ' + s + ' s.'; },
      inbox: 'Inbox', views: 'Views', tickets: 'Tickets',
      viewOpen: 'Open', viewPending: 'Pending', viewSolved: 'Solved', viewAll: 'All',
      loading: 'Loading…', loadMore: 'Load more',
      showing: function (n, total) { return total === 1 ? '1 ticket' : n < total ? n + ' of ' + total + ' tickets' : total + ' tickets'; },
      noTickets: 'No tickets in this view.', unread: 'Unread:',
      pickTicket: 'Choose a ticket from the inbox to read the conversation and reply.',
      backToInbox: '← Inbox', conversation: 'Conversation', details: 'Ticket details',
      beforeHandoff: 'Conversation with the bot before the hand-off',
      customer: 'Customer', agentReply: 'Agent reply', internalNote: 'Internal note', you: 'you',
      someone: function (id) { return 'User ' + id; },
      notFound: 'This ticket doesn’t exist (or no longer exists).',
      replyType: 'Reply type', publicReply: 'Public reply',
      replyLabel: 'Reply to the customer', noteLabel: 'Internal note, only agents see it',
      replyHint: 'The customer sees this. Ctrl+Enter to send.',
      noteHint: 'Only agents see internal notes. Ctrl+Enter to add.',
      sendReply: 'Send reply', addNote: 'Add note', sending: 'Sending…',
      replySent: 'Reply sent.', noteAdded: 'Internal note added.',
      limit: 'limit reached',
      closedReason: 'This ticket is closed: closed tickets can’t be changed. If the customer writes again after asking for a person, a follow-up ticket opens.',
      requester: 'Requester', name: 'Name', phone: 'Phone', channel: 'Channel', language: 'Language',
      externalId: 'External ID', since: 'Customer since',
      ticketFields: 'Ticket', status: 'Status', priority: 'Priority', type: 'Type', tags: 'Tags',
      tagsHelp: 'Separate tags with spaces.', none: '—',
      assignee: 'Assignee', unassigned: 'Unassigned', assignMe: 'Assign to me', assignedToYou: 'Assigned to you.',
      save: 'Save', saving: 'Saving…', saved: 'Saved.',
      closeWarning: 'Closing is final: the ticket can’t be changed afterwards and the conversation goes back to the bot.',
      statuses: { new: 'New', open: 'Open', pending: 'Pending', hold: 'On-hold', solved: 'Solved', closed: 'Closed' },
      priorities: { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' },
      types: { question: 'Question', incident: 'Incident', problem: 'Problem', task: 'Task' },
      channels: {
        native_messaging: 'Web widget', web: 'Web widget', api: 'API', whatsapp: 'WhatsApp',
        messenger: 'Messenger', instagram: 'Instagram', telegram: 'Telegram', line: 'LINE',
        viber: 'Viber', slack: 'Slack', twilio: 'SMS', sms: 'SMS'
      }
    },
    ko: {
      brand: 'Spindesk 상담원', skipToInbox: '티켓 목록으로 건너뛰기',
      signInTitle: '상담원 워크스페이스 로그인',
      signInIntro: '상담원 이메일과 API 토큰을 입력하세요.',
      email: '이메일', token: 'API 토큰',
      tokenHelp: ['관리자가 ', { code: 'POST /api/admin/agents' }, '로 상담원과 API 토큰을 만듭니다(토큰은 한 번만 표시되며 ',
        { code: 'POST /api/admin/agents/{id}/tokens' }, '로 새로 만들 수 있습니다). 토큰은 이 브라우저 탭에만 보관되고 로그아웃하거나 탭을 닫으면 지워집니다.'],
      signIn: '로그인', signingIn: '로그인 중…', signOut: '로그아웃',
      needBoth: '이메일과 API 토큰을 모두 입력하세요.',
      badCredentials: '이메일과 API 토큰이 일치하는 상담원이 없습니다. 다시 확인하거나 관리자에게 새 토큰을 요청하세요.',
      sessionEnded: 'API 토큰이 더 이상 유효하지 않습니다(폐기되었을 수 있습니다). 다시 로그인하세요.',
      signedOut: '로그아웃했습니다. 이 탭에서 토큰을 지웠습니다.',
      offline: 'Spindesk에 연결할 수 없습니다. 연결을 확인하세요.',
      httpError: function (status) { return 'Spindesk에서 오류가 발생했습니다(' + status + ').'; },
      retryingIn: function (s) { return s + '초 후 다시 시도합니다.'; },
      updated: function (when) { return '업데이트: ' + when; },
      syncFailed: function (msg, s) { return msg + ' ' + s + '초 후 다시 시도합니다.'; },
      inbox: '받은 편지함', views: '보기', tickets: '티켓',
      viewOpen: '열림', viewPending: '보류', viewSolved: '해결됨', viewAll: '전체',
      loading: '불러오는 중…', loadMore: '더 보기',
      showing: function (n, total) { return n < total ? total + '개 중 ' + n + '개' : '티켓 ' + total + '개'; },
      noTickets: '이 보기에는 티켓이 없습니다.', unread: '읽지 않음:',
      pickTicket: '받은 편지함에서 티켓을 선택하면 대화를 보고 답장할 수 있습니다.',
      backToInbox: '← 받은 편지함', conversation: '대화', details: '티켓 정보',
      beforeHandoff: '상담원 연결 전 챗봇과의 대화',
      customer: '고객', agentReply: '상담원 답변', internalNote: '내부 메모', you: '나',
      someone: function (id) { return '사용자 ' + id; },
      notFound: '이 티켓은 존재하지 않습니다.',
      replyType: '답변 종류', publicReply: '공개 답변',
      replyLabel: '고객에게 답변', noteLabel: '내부 메모(상담원만 볼 수 있음)',
      replyHint: '고객에게 보입니다. Ctrl+Enter로 보내기.',
      noteHint: '내부 메모는 상담원만 봅니다. Ctrl+Enter로 추가.',
      sendReply: '답변 보내기', addNote: '메모 추가', sending: '보내는 중…',
      replySent: '답변을 보냈습니다.', noteAdded: '내부 메모를 추가했습니다.',
      limit: '최대 길이',
      closedReason: '종료된 티켓입니다. 종료된 티켓은 변경할 수 없습니다. 고객이 다시 상담원 연결을 요청하면 후속 티켓이 열립니다.',
      requester: '요청자', name: '이름', phone: '전화번호', channel: '채널', language: '언어',
      externalId: '외부 ID', since: '가입일',
      ticketFields: '티켓', status: '상태', priority: '우선순위', type: '유형', tags: '태그',
      tagsHelp: '태그는 공백으로 구분합니다.', none: '—',
      assignee: '담당자', unassigned: '미지정', assignMe: '나에게 배정', assignedToYou: '나에게 배정했습니다.',
      save: '저장', saving: '저장 중…', saved: '저장했습니다.',
      closeWarning: '종료는 되돌릴 수 없습니다. 이후 티켓을 변경할 수 없고 대화는 챗봇에게 돌아갑니다.',
      statuses: { new: '신규', open: '열림', pending: '보류', hold: '대기', solved: '해결됨', closed: '종료' },
      priorities: { low: '낮음', normal: '보통', high: '높음', urgent: '긴급' },
      types: { question: '질문', incident: '사건', problem: '문제', task: '작업' },
      channels: {
        native_messaging: '웹 위젯', web: '웹 위젯', api: 'API', whatsapp: 'WhatsApp',
        messenger: 'Messenger', instagram: 'Instagram', telegram: 'Telegram', line: 'LINE',
        viber: 'Viber', slack: 'Slack', twilio: 'SMS', sms: 'SMS'
      }
    }
  };
  var LANGS = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  var LANG = 'en';
  for (var li = 0; li < LANGS.length; li++) {
    var code = String(LANGS[li]).slice(0, 2).toLowerCase();
    if (STRINGS[code]) { LANG = code; break; }
  }
  var T = STRINGS[LANG];
  var LOCALE = navigator.language || LANG;
  document.documentElement.lang = LANG;

  var PAGE = 25;                // tickets per "Load more"
  var LIST_EVERY = 5000;        // inbox refresh while visible
  var TICKET_EVERY = 2500;      // open ticket refresh while visible
  var MAX_BACKOFF = 60000;
  var MAX = 4096;               // comment limit (the API's)
  var WARN_AT = MAX - 256;
  var STORE = 'spindesk-agent:';
  var VIEWS = [
    { id: 'open', label: 'viewOpen', status: 'new,open' },
    { id: 'pending', label: 'viewPending', status: 'pending,hold' },
    { id: 'solved', label: 'viewSolved', status: 'solved,closed' },
    { id: 'all', label: 'viewAll', status: '' }
  ];
  var narrow = window.matchMedia('(max-width: 760px)');

  // ---- Small helpers --------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (k === 'text') el.textContent = v;
      else if (k === 'class') el.className = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else if (v != null && v !== false) el.setAttribute(k, v);
    }
    (kids || []).forEach(function (c) { if (c) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return el;
  }
  // Text with {code: '...'} parts, all as text nodes.
  function fillParts(el, parts) {
    el.textContent = '';
    (Array.isArray(parts) ? parts : [parts]).forEach(function (p) {
      el.appendChild(typeof p === 'string' ? document.createTextNode(p) : h('code', { text: p.code }));
    });
  }
  // Links become anchors built from text nodes; only http(s) URLs are ever linked.
  function fillText(el, text) {
    var re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g, at = 0, m;
    text = String(text == null ? '' : text);
    while ((m = re.exec(text))) {
      el.appendChild(document.createTextNode(text.slice(at, m.index)));
      el.appendChild(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer nofollow', text: m[0] }));
      at = m.index + m[0].length;
    }
    el.appendChild(document.createTextNode(text.slice(at)));
  }
  function sget(k) { try { return sessionStorage.getItem(STORE + k); } catch (e) { return null; } }
  function sset(k, v) {
    try { if (v == null) sessionStorage.removeItem(STORE + k); else sessionStorage.setItem(STORE + k, v); } catch (e) { /* memory only */ }
  }
  function readJson(k, fallback) { try { return JSON.parse(sget(k)) || fallback; } catch (e) { return fallback; } }

  function translate() {
    document.querySelectorAll('[data-t]').forEach(function (el) { el.textContent = T[el.getAttribute('data-t')]; });
    document.querySelectorAll('[data-t-label]').forEach(function (el) { el.setAttribute('aria-label', T[el.getAttribute('data-t-label')]); });
    document.querySelectorAll('[data-t-code]').forEach(function (el) { fillParts(el, T[el.getAttribute('data-t-code')]); });
  }

  var rtf = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(LOCALE, { numeric: 'auto' }) : null;
  function ago(ms) {
    var s = Math.round((ms - Date.now()) / 1000);
    if (s > -10) s = 0; // server clocks and second precision: nothing is in the future
    var abs = -s;
    if (!rtf) return new Date(ms).toLocaleString(LOCALE);
    if (abs < 45) return rtf.format(0, 'second');
    if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
    if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
    if (abs < 7 * 86400) return rtf.format(Math.round(s / 86400), 'day');
    return new Date(ms).toLocaleDateString(LOCALE, { month: 'short', day: 'numeric', year: 'numeric' });
  }
  function timeEl(iso, cls, relative) {
    var ms = Date.parse(iso);
    if (isNaN(ms)) return null;
    var d = new Date(ms);
    var el = h('time', { class: cls || null, datetime: iso, title: d.toLocaleString(LOCALE) });
    el.textContent = relative ? ago(ms) : d.toLocaleString(LOCALE, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
    return el;
  }
  function statusLabel(s) { return T.statuses[s] || s; }
  function channelLabel(c) { return T.channels[c] || c || T.none; }
  function pill(status) { return h('span', { class: 'pill ' + status, text: statusLabel(status) }); }

  var announcer = $('announce');
  function announce(text) {
    // Cleared first so the same text twice is announced twice.
    announcer.textContent = '';
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // ---- API --------------------------------------------------------------------------------
  var auth = null;   // { email, header } while signed in
  var gen = 0;       // bumped on sign-out so late answers and loops of the old session stop

  function basicAuth(email, token) {
    var bytes = new TextEncoder().encode(email + '/token:' + token);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return 'Basic ' + btoa(bin);
  }

  function api(method, path, body, header) {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, 20000);
    var headers = { Accept: 'application/json', Authorization: header || (auth && auth.header) || '' };
    if (body) headers['Content-Type'] = 'application/json';
    var g = gen;
    // credentials 'omit': no cookies, and no browser Basic-auth prompt on a 401.
    return fetch(path, {
      method: method, headers: headers, body: body ? JSON.stringify(body) : undefined,
      credentials: 'omit', cache: 'no-store', signal: ctl.signal
    }).then(function (res) {
      return res.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { /* not JSON */ }
        if (res.ok && data) return data;
        var first = data && data.errors && data.errors[0];
        var err = new Error((data && (data.description || data.error)) || (first && first.title) || T.httpError(res.status));
        err.status = res.status;
        throw err;
      });
    }, function () {
      var err = new Error(T.offline);
      err.status = 0;
      throw err;
    }).finally(function () { clearTimeout(timer); }).catch(function (err) {
      // A signed-in session whose token stopped working ends here, once.
      if (err.status === 401 && !header && auth && g === gen) signOut(T.sessionEnded);
      throw err;
    });
  }

  // Runs `task` every `every` ms while the page is visible; errors back off up to a minute.
  function Poller(task, every) {
    this.task = task; this.every = every; this.timer = null; this.fails = 0;
    this.busy = false; this.again = false; this.on = false; this.nextAt = 0;
  }
  Poller.prototype.start = function () { this.on = true; this.fails = 0; this.now(); };
  Poller.prototype.stop = function () { this.on = false; clearTimeout(this.timer); this.timer = null; };
  Poller.prototype.delay = function () {
    if (!this.fails) return this.every;
    return Math.min(this.every * Math.pow(2, this.fails), MAX_BACKOFF) * (0.8 + Math.random() * 0.4);
  };
  Poller.prototype.now = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.on) return;
    if (this.busy) { this.again = true; return; }
    if (document.visibilityState !== 'visible') return; // visibilitychange starts it again
    this.busy = true;
    var g = gen;
    Promise.resolve().then(this.task).then(function () { self.fails = 0; }, function () { self.fails++; })
      .then(function () {
        self.busy = false;
        if (!self.on || g !== gen) return;
        var wait = self.again ? 0 : self.delay();
        self.again = false;
        self.nextAt = Date.now() + wait;
        self.timer = setTimeout(function () { self.now(); }, wait);
      });
  };

  // ---- Elements ------------------------------------------------------------------------------
  var signinMain = $('signin'), signinForm = $('signin-form'), emailInput = $('email'), tokenInput = $('token');
  var signinError = $('signin-error'), signinButton = $('signin-button');
  var desk = $('desk'), sync = $('sync'), who = $('who'), meName = $('me-name');
  var viewsNav = $('views'), list = $('tickets'), summary = $('list-summary'), empty = $('list-empty'), more = $('more');
  var placeholder = $('placeholder'), pane = $('ticket'), subjectEl = $('t-subject'), metaEl = $('t-meta');
  var scroller = $('t-scroll'), loadingEl = $('t-loading'), ticketError = $('t-error');
  var composer = $('composer'), reply = $('reply'), replyLabel = $('reply-label'), sendButton = $('send');
  var hint = $('composer-hint'), counter = $('count'), composerError = $('composer-error'), closedNote = $('composer-closed');
  var modePublic = $('mode-public'), modeNote = $('mode-note');
  var requesterEl = $('requester');
  var fieldsForm = $('fields'), fStatus = $('f-status'), fPriority = $('f-priority'), fType = $('f-type'), fTags = $('f-tags');
  var fStatusNote = $('f-status-note'), fAssignee = $('f-assignee'), assignMe = $('assign-me'), saveButton = $('save');
  var fieldsStatus = $('fields-status');
  var logEl = $('t-log');

  // ---- State -------------------------------------------------------------------------------
  var me = null;
  var users = {};                    // id -> user (side-loaded with tickets and comments)
  var view = sget('view') || 'open';
  var limit = PAGE;
  var tickets = [];
  var total = 0;
  var rows = {};                     // ticket id -> <li>
  var seen = readJson('seen', {});   // ticket id -> updated_at when last viewed (this tab)
  var current = null;                // the open ticket
  var drafts = readJson('drafts', {}); // ticket id -> { text, note }: unsent text survives a reload
  var lastSync = 0, syncError = null;
  var listed = null;                 // the view the list shows (null while a new view loads)
  var listPoller = new Poller(loadList, LIST_EVERY);
  var ticketPoller = new Poller(refreshTicket, TICKET_EVERY);

  function remember(list) { (list || []).forEach(function (u) { if (u && u.id != null) users[u.id] = u; }); }
  function userName(id) { var u = users[id]; return u && u.name ? u.name : T.someone(id); }
  function isUnread(t) {
    if (current && current.id === t.id) return false;
    var last = seen[t.id];
    return !last || Date.parse(t.updated_at) > Date.parse(last);
  }
  function markSeen(t) {
    if (!t || seen[t.id] === t.updated_at) return;
    seen[t.id] = t.updated_at;
    sset('seen', JSON.stringify(seen));
  }

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
    var g = ++gen;
    api('GET', '/api/v2/users/me.json', null, header).then(function (data) {
      if (g !== gen) return;
      tokenInput.value = '';
      sset('auth', JSON.stringify({ email: email, token: token }));
      enter({ email: email, header: header }, data.user);
    }, function (err) {
      if (g !== gen) return;
      signinButton.disabled = false;
      signinButton.textContent = T.signIn;
      var wrong = err.status === 401;
      tokenInput.setAttribute('aria-invalid', String(wrong));
      signinError.textContent = wrong ? T.badCredentials : err.message;
      if (wrong) tokenInput.select();
    });
  });

  // Credentials kept by this tab: check them again; a network failure retries, a 401 asks again.
  function resume(stored, attempt) {
    var header = basicAuth(stored.email, stored.token);
    var g = gen;
    sync.hidden = false;
    sync.className = 'sync';
    sync.textContent = T.signingIn;
    api('GET', '/api/v2/users/me.json', null, header).then(function (data) {
      if (g === gen) enter({ email: stored.email, header: header }, data.user);
    }, function (err) {
      if (g !== gen) return;
      if (err.status === 401 || err.status === 403) {
        sset('auth', null);
        emailInput.value = stored.email;
        showSignin(T.sessionEnded);
        return;
      }
      var wait = Math.min(1000 * Math.pow(2, attempt), 30000);
      emailInput.value = stored.email;
      showSignin(err.message + ' ' + T.retryingIn(Math.round(wait / 1000)));
      setTimeout(function () { if (g === gen) resume(stored, attempt + 1); }, wait);
    });
  }

  function enter(credentials, user) {
    auth = credentials;
    me = user || null;
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
    route();
    if (!current) list.focus();
  }

  function signOut(message) {
    // A token that stopped working: the same person signs in again, with a new token.
    var keepEmail = message === T.sessionEnded && auth ? auth.email : '';
    gen++;
    listPoller.stop();
    ticketPoller.stop();
    auth = null;
    me = null;
    users = {};
    tickets = [];
    listed = null;
    rows = {};
    seen = {};
    drafts = {};
    current = null;
    lastSync = 0;
    syncError = null;
    ['auth', 'seen', 'view', 'drafts'].forEach(function (k) { sset(k, null); });
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

  // ---- Sync status ------------------------------------------------------------------------------
  function renderSync() {
    if (!auth) return;
    if (syncError) {
      var secs = Math.max(1, Math.round((listPoller.nextAt - Date.now()) / 1000));
      sync.className = 'sync err';
      sync.textContent = T.syncFailed(syncError, secs);
    } else if (lastSync) {
      sync.className = 'sync';
      sync.textContent = T.updated(ago(lastSync));
    }
  }

  // ---- Inbox -------------------------------------------------------------------------------------
  function renderViews() {
    viewsNav.textContent = '';
    VIEWS.forEach(function (v) {
      viewsNav.appendChild(h('button', {
        type: 'button', 'aria-pressed': String(v.id === view), text: T[v.label],
        onclick: function () { chooseView(v.id); }
      }));
    });
  }

  function chooseView(id) {
    if (id === view) return;
    view = id;
    sset('view', id);
    limit = PAGE;
    tickets = [];
    total = 0;
    listed = null;
    renderViews();
    renderList();
    summary.textContent = T.loading;
    listPoller.now();
  }

  function currentView() {
    for (var i = 0; i < VIEWS.length; i++) if (VIEWS[i].id === view) return VIEWS[i];
    return VIEWS[0];
  }

  function listPath(page, perPage) {
    var status = currentView().status;
    return '/api/v2/tickets.json?sort_by=updated_at&sort_order=desc&include=users&per_page=' + perPage +
      '&page=' + page + (status ? '&status=' + encodeURIComponent(status) : '');
  }

  // Fetches the first `limit` tickets of the view (pages of at most 100, usually one request).
  function loadList() {
    var g = gen, v = view, want = limit;
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
      if (g !== gen || v !== view || want !== limit) return;
      listed = v;
      tickets = got.slice(0, want);
      total = count;
      lastSync = Date.now();
      syncError = null;
      renderList();
      renderSync();
    }, function (err) {
      if (g !== gen) return;
      if (err.status === 401) throw err;
      var first = !syncError;
      syncError = err.message;
      // The error shows once the retry is scheduled (renderSync needs nextAt).
      setTimeout(function () { renderSync(); if (first) announce(sync.textContent); }, 0);
      throw err;
    });
  }

  function rowFor(t) {
    var li = rows[t.id];
    if (!li) {
      li = h('li', {}, [h('a', { class: 'row', href: '#ticket/' + t.id })]);
      rows[t.id] = li;
    }
    var a = li.firstChild;
    var unread = isUnread(t);
    a.className = 'row' + (unread ? ' unread' : '');
    if (current && current.id === t.id) a.setAttribute('aria-current', 'true');
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
    summary.textContent = tickets.length ? T.showing(tickets.length, total) : '';
    empty.hidden = !!tickets.length || listed !== view;
    empty.textContent = T.noTickets;
    more.hidden = tickets.length >= total;
  }

  more.addEventListener('click', function () {
    var before = tickets.length;
    limit += PAGE;
    more.disabled = true;
    loadList().then(function () {
      more.disabled = false;
      var next = tickets[before];
      if (next && rows[next.id]) rows[next.id].firstChild.focus();
    }, function () { more.disabled = false; });
  });

  // ---- Routing: #ticket/<id> ----------------------------------------------------------------------
  function route() {
    if (!auth) return;
    var m = /^#ticket\/(\d{1,15})$/.exec(location.hash);
    if (m) openTicket(Number(m[1]));
    else if (current) closeTicket(false);
  }
  window.addEventListener('hashchange', route);

  function leaveTicket() {
    history.pushState(null, '', location.pathname + location.search);
    closeTicket(true);
  }
  $('back').addEventListener('click', leaveTicket);
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape' || !current || !narrow.matches || e.defaultPrevented || e.isComposing) return;
    if (e.target && e.target.tagName === 'SELECT') return;
    e.preventDefault();
    leaveTicket();
  });

  // ---- The open ticket ---------------------------------------------------------------------------------
  function closePane() {
    pane.hidden = true;
    placeholder.hidden = false;
    desk.classList.remove('has-ticket');
  }

  function closeTicket(restoreFocus) {
    var id = current && current.id;
    saveDraft();
    ticketPoller.stop();
    current = null;
    closePane();
    tickets.forEach(function (t) { if (t.id === id) rowFor(t); });
    if (restoreFocus) {
      if (id && rows[id]) rows[id].firstChild.focus();
      else list.focus();
    }
  }

  function openTicket(id) {
    if (current && current.id === id) return;
    if (current) { saveDraft(); ticketPoller.stop(); }
    current = { id: id, ticket: null, comments: {}, count: 0, maxId: 0, base: null, loaded: false, sending: false };
    pane.hidden = false;
    placeholder.hidden = true;
    desk.classList.add('has-ticket');
    subjectEl.textContent = '#' + id;
    metaEl.textContent = '';
    loadingEl.hidden = false;
    ticketError.textContent = '';
    requesterEl.textContent = '';
    fieldsStatus.textContent = '';
    // A fresh log, filled while detached: the history joins the page at once and isn't read
    // out as new messages; only later comments are.
    var fresh = logEl.cloneNode(false);
    logEl.remove();
    logEl = fresh;
    composerError.textContent = '';
    var draft = drafts[id] || { text: '', note: false };
    reply.value = draft.text;
    (draft.note ? modeNote : modePublic).checked = true;
    renderMode();
    updateCounter();
    setEditable(false, '');
    tickets.forEach(function (t) { rowFor(t); });
    subjectEl.focus({ preventScroll: true });
    ticketPoller.start();
  }

  function saveDraft() {
    if (!current) return;
    if (reply.value) drafts[current.id] = { text: reply.value, note: modeNote.checked };
    else delete drafts[current.id];
    sset('drafts', JSON.stringify(drafts));
  }

  function refreshTicket() {
    var c = current;
    if (!c) return;
    var path = '/api/v2/tickets/' + c.id;
    var fetched = [];
    function comments(page) {
      return api('GET', path + '/comments.json?include=users&per_page=100&page=' + page).then(function (data) {
        remember(data.users);
        fetched = fetched.concat(data.comments || []);
        if (data.next_page && c === current) return comments(page + 1);
      });
    }
    // Offset pages: start at the page holding the first comment we don't have yet.
    var firstPage = Math.floor(c.count / 100) + 1;
    return Promise.all([api('GET', path + '.json'), comments(firstPage)]).then(function (answers) {
      if (c !== current) return;
      var t = answers[0].ticket;
      // The requester is side-loaded with the inbox; a ticket opened from a link may need it.
      var requester = users[t.requester_id] ? null : api('GET', '/api/v2/users/' + t.requester_id + '.json')
        .then(function (u) { remember([u.user]); }, function () { /* shown as "User N" */ });
      return Promise.resolve(requester).then(function () {
          if (c !== current) return;
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
      if (c !== current) return;
      if (err.status === 401) throw err;
      loadingEl.hidden = true;
      ticketError.textContent = err.status === 404 ? T.notFound : err.message;
      if (err.status === 404) { ticketPoller.stop(); return; }
      throw err;
    });
  }

  function applyTicket(t, force) {
    var c = current;
    if (!c || c.id !== t.id) return;
    var first = !c.ticket;
    c.ticket = t;
    markSeen(t);
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
    var u = users[t.requester_id] || {};
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
    var since = u.created_at && timeEl(u.created_at);
    if (since) {
      requesterEl.appendChild(h('dt', { text: T.since }));
      requesterEl.appendChild(h('dd', {}, [since]));
    }
  }

  function commentKind(cm, t) {
    if (cm.author_id === t.requester_id) return 'customer';
    return cm.public === false ? 'note' : 'agent';
  }

  function commentNode(cm, t) {
    var kind = commentKind(cm, t);
    var author = users[cm.author_id];
    var label = kind === 'customer' ? T.customer : kind === 'note' ? T.internalNote : T.agentReply;
    var name = userName(cm.author_id) + (me && cm.author_id === me.id ? ' (' + T.you + ')' : '');
    var meta = h('div', { class: 'meta' }, [
      h('span', { class: kind === 'note' ? 'tag-note' : 'sr-only', text: kind === 'note' ? label : label + ':' }),
      h('b', { text: name }),
      timeEl(cm.created_at)
    ]);
    var body = h('div', { class: 'body' });
    if (kind === 'customer' && author && author.locale) body.setAttribute('lang', author.locale);
    fillText(body, cm.body);
    var el = h('div', { class: 'msg ' + kind }, [meta, body]);
    el.dataset.id = String(cm.id);
    return el;
  }

  function addComments(list) {
    var c = current;
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

  // ---- Ticket fields -----------------------------------------------------------------------------
  function options(select, values, labels, blank) {
    select.textContent = '';
    if (blank) select.appendChild(h('option', { value: '', text: T.none }));
    values.forEach(function (v) { select.appendChild(h('option', { value: v, text: labels[v] || v })); });
  }

  function buildSelects(t) {
    options(fStatus, ['new', 'open', 'pending', 'hold', 'solved', 'closed'], T.statuses);
    options(fPriority, ['low', 'normal', 'high', 'urgent'], T.priorities, true);
    options(fType, ['question', 'incident', 'problem', 'task'], T.types, true);
    fStatus.value = t.status;
  }

  function tagsText(tags) { return (tags || []).join(' '); }
  function normTags(text) { return text.split(/[\s,]+/).filter(Boolean); }
  function formValues() {
    return { status: fStatus.value, priority: fPriority.value, type: fType.value, tags: normTags(fTags.value).join(' ') };
  }
  function serverValues(t) {
    return { status: t.status, priority: t.priority || '', type: t.type || '', tags: tagsText(t.tags) };
  }

  // Fields the agent hasn't touched follow the server; edited ones are kept until saved.
  function syncFields(t, force) {
    var c = current;
    var next = serverValues(t);
    var now = formValues();
    var old = c.base;
    if (force || !old || now.status === old.status) fStatus.value = next.status;
    if (force || !old || now.priority === old.priority) fPriority.value = next.priority;
    if (force || !old || now.type === old.type) fType.value = next.type;
    if (force || !old || now.tags === old.tags) fTags.value = next.tags;
    c.base = next;
    // "new" can't be chosen again (the API refuses it), only kept.
    fStatus.querySelector('option[value=new]').disabled = t.status !== 'new';
    var mine = me && t.assignee_id === me.id;
    fAssignee.textContent = t.assignee_id == null ? T.unassigned : userName(t.assignee_id) + (mine ? ' (' + T.you + ')' : '');
    assignMe.hidden = !me || mine;
    onFieldsInput();
  }

  function changedFields() {
    var c = current;
    if (!c || !c.base) return null;
    var now = formValues(), base = c.base, out = {}, any = false;
    if (now.status !== base.status) { out.status = now.status; any = true; }
    if (now.priority !== base.priority) { out.priority = now.priority || null; any = true; }
    if (now.type !== base.type) { out.type = now.type || null; any = true; }
    if (now.tags !== base.tags) { out.tags = normTags(fTags.value); any = true; }
    return any ? out : null;
  }

  function onFieldsInput() {
    var editable = current && current.ticket && current.ticket.status !== 'closed';
    saveButton.disabled = !editable || !changedFields() || !!(current && current.saving);
    fStatusNote.hidden = fStatus.value !== 'closed' || !editable;
  }
  [fStatus, fPriority, fType, fTags].forEach(function (el) {
    el.addEventListener('input', onFieldsInput);
    el.addEventListener('change', onFieldsInput);
  });

  function update(fields) {
    var c = current;
    return api('PUT', '/api/v2/tickets/' + c.id + '.json', { ticket: fields }).then(function (data) {
      if (c === current) applyTicket(data.ticket, false);
      return data;
    });
  }

  fieldsForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var c = current;
    var fields = changedFields();
    if (!c || !fields || c.saving) return;
    c.saving = true;
    onFieldsInput();
    fieldsStatus.className = 'fields-status';
    fieldsStatus.textContent = T.saving;
    api('PUT', '/api/v2/tickets/' + c.id + '.json', { ticket: fields }).then(function (data) {
      if (c !== current) return;
      applyTicket(data.ticket, true);
      fieldsStatus.textContent = T.saved;
    }, function (err) {
      if (c !== current) return;
      fieldsStatus.className = 'fields-status err';
      fieldsStatus.textContent = err.message;
      ticketPoller.now();
    }).then(function () {
      c.saving = false;
      if (c === current) onFieldsInput();
    });
  });

  assignMe.addEventListener('click', function () {
    var c = current;
    if (!c || !me) return;
    assignMe.disabled = true;
    fieldsStatus.className = 'fields-status';
    fieldsStatus.textContent = T.saving;
    update({ assignee_id: me.id }).then(function () {
      if (c !== current) return;
      fieldsStatus.textContent = T.assignedToYou;
      // The button is gone now: keep keyboard focus nearby.
      if (document.activeElement === assignMe || document.activeElement === document.body) fAssignee.focus();
    }, function (err) {
      if (c !== current) return;
      fieldsStatus.className = 'fields-status err';
      fieldsStatus.textContent = err.message;
    }).then(function () { assignMe.disabled = false; });
  });

  // ---- Composer ------------------------------------------------------------------------------------
  function setEditable(on, reason) {
    var sending = current && current.sending;
    reply.disabled = !on;
    modePublic.disabled = modeNote.disabled = !on;
    sendButton.disabled = !on || !!sending;
    [fStatus, fPriority, fType, fTags].forEach(function (el) { el.disabled = !on; });
    assignMe.disabled = !on;
    closedNote.textContent = reason || '';
    onFieldsInput();
  }

  function renderMode() {
    var note = modeNote.checked;
    composer.classList.toggle('note', note);
    replyLabel.textContent = note ? T.noteLabel : T.replyLabel;
    hint.textContent = note ? T.noteHint : T.replyHint;
    sendButton.textContent = current && current.sending ? T.sending : note ? T.addNote : T.sendReply;
  }
  modePublic.addEventListener('change', function () { renderMode(); saveDraft(); });
  modeNote.addEventListener('change', function () { renderMode(); saveDraft(); });

  function updateCounter() {
    var n = reply.value.length;
    counter.hidden = n < WARN_AT;
    counter.classList.toggle('full', n >= MAX);
    counter.textContent = n + ' / ' + MAX + (n >= MAX ? ' · ' + T.limit : '');
  }
  reply.addEventListener('input', function () { updateCounter(); saveDraft(); });
  reply.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.isComposing) {
      e.preventDefault();
      sendComment();
    }
  });
  composer.addEventListener('submit', function (e) { e.preventDefault(); sendComment(); });

  function sendComment() {
    var c = current;
    if (!c || !c.ticket || c.sending || reply.disabled) return;
    var text = reply.value;
    if (!text.trim()) { reply.focus(); return; }
    var isPublic = !modeNote.checked;
    c.sending = true;
    reply.readOnly = true; // keeps focus and the draft; nothing to edit while it goes
    sendButton.disabled = true;
    composer.setAttribute('aria-busy', 'true');
    composerError.textContent = '';
    renderMode();
    api('PUT', '/api/v2/tickets/' + c.id + '.json', { ticket: { comment: { body: text, public: isPublic } } }).then(function (data) {
      if (c !== current) { delete drafts[c.id]; sset('drafts', JSON.stringify(drafts)); return; }
      if (reply.value === text) reply.value = '';
      saveDraft();
      updateCounter();
      applyTicket(data.ticket, false);
      // Shown at once from the audit; the next refresh confirms it (same id, not added twice).
      var ev = data.audit && data.audit.events && data.audit.events[0];
      if (ev && ev.id != null) {
        addComments([{ id: ev.id, author_id: data.audit.author_id, body: ev.body, public: ev.public, created_at: data.audit.created_at }]);
        scroller.scrollTop = scroller.scrollHeight;
      }
      announce(isPublic ? T.replySent : T.noteAdded);
      ticketPoller.now();
    }, function (err) {
      if (c !== current) { drafts[c.id] = { text: text, note: !isPublic }; sset('drafts', JSON.stringify(drafts)); return; }
      composerError.textContent = err.message;
      ticketPoller.now(); // e.g. closed meanwhile: the refresh shows why
    }).then(function () {
      c.sending = false;
      if (c !== current) return;
      reply.readOnly = false;
      composer.removeAttribute('aria-busy');
      var open = c.ticket && c.ticket.status !== 'closed';
      sendButton.disabled = !open;
      renderMode();
    });
  }

  // ---- Visibility and clock ----------------------------------------------------------------------
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState !== 'visible' || !auth) return;
    listPoller.now();
    ticketPoller.now();
  });
  var ticks = 0;
  setInterval(function () {
    if (!auth || document.visibilityState !== 'visible') return;
    ticks++;
    if (syncError || ticks % 10 === 0) renderSync(); // a failing sync counts down its retry
    if (ticks % 10) return;
    list.querySelectorAll('time.when').forEach(function (el) {
      var ms = Date.parse(el.getAttribute('datetime'));
      if (!isNaN(ms)) el.textContent = ago(ms);
    });
  }, 1000);

  // ---- Start -------------------------------------------------------------------------------------
  translate();
  var stored = readJson('auth', null);
  if (stored && stored.email && stored.token) resume(stored, 0);
  else showSignin('');
})();
