/*! Spindesk chat widget. Embed: <script src="https://YOUR-SPINDESK/widget.js" defer></script>
 * Optional data-locale="ko". No dependencies, no build step. Text reaches the page only as
 * text nodes. Settings: GET /api/widget/settings. API: window.Spindesk (docs/widget-api.md). */
(function () {
'use strict';
// Calls made earlier wait in the stub's queue (widget-stub.js).
var stub = window.Spindesk;
if (stub && stub.version) return;
var queued = stub && Array.isArray(stub.q) ? stub.q : [];

var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
var ORIGIN = script ? new URL(script.src, location.href).origin : location.origin;
var API = ORIGIN + '/api/widget';
var LOCALE = (script && script.getAttribute('data-locale')) || navigator.language || 'en';
function lang() { return /^ko\b/i.test(LOCALE) ? 'ko' : 'en'; }
var MAX = 4096;
var WARN_AT = MAX - 256;
var WAIT = 20;
var KEY = 'spindesk:' + ORIGIN + ':';

var STRINGS = {
  en: {
    open: 'Open chat', close: 'Close chat', minimize: 'Minimize chat', title: 'Chat with us',
    bot: 'Our assistant answers right away', agent: 'You are chatting with our team',
    intro: 'Hi! Ask us anything. We are here to help.', label: 'Message',
    placeholder: 'Type a message…', send: 'Send', you: 'You', sending: 'Sending…',
    connecting: 'Connecting…', offline: 'We can’t reach the chat right now. We’ll keep trying.',
    failed: 'Not sent.', retry: 'Retry',
    unsent: 'Your message wasn’t sent. Check your connection, then choose Retry.', replies: 'Suggested replies', limit: 'limit reached',
    messages: 'Messages', typing: 'Typing…', seen: 'Seen', unread: ', {n} unread',
    attach: 'Attach a file', files: 'Files to send', remove: 'Remove {name}', uploading: 'Uploading {name}',
    upfailed: 'Upload failed', dropHere: 'Drop files to attach', open_file: 'Open {name}', image: 'Image: {name}',
    error: 'Something went wrong ({status}).',
    // Where a message came from, when one timeline mixes channels; an unknown one shows as sent.
    channels: {
      whatsapp: 'WhatsApp', messenger: 'Messenger', instagram: 'Instagram', telegram: 'Telegram',
      line: 'LINE', viber: 'Viber', slack: 'Slack', twilio: 'SMS', sms: 'SMS', email: 'E-mail', api: 'API'
    }
  },
  ko: {
    open: '채팅 열기', close: '채팅 닫기', minimize: '채팅 최소화', title: '상담 채팅',
    bot: '챗봇이 바로 답변해 드려요', agent: '상담원과 대화 중입니다',
    intro: '안녕하세요! 무엇이든 물어보세요.', label: '메시지', placeholder: '메시지를 입력하세요…',
    send: '보내기', you: '나', sending: '보내는 중…', connecting: '연결 중…',
    offline: '지금은 연결할 수 없습니다. 계속 다시 시도할게요.', failed: '전송 실패.',
    unsent: '메시지를 보내지 못했습니다. 연결을 확인한 뒤 다시 시도를 눌러 주세요.',
    retry: '다시 시도', replies: '추천 답변', limit: '최대 길이', messages: '메시지',
    typing: '입력 중…', seen: '읽음', unread: ', 읽지 않은 메시지 {n}개',
    attach: '파일 첨부', files: '보낼 파일', remove: '{name} 삭제', uploading: '{name} 올리는 중',
    upfailed: '업로드 실패', dropHere: '여기에 파일을 놓으세요', open_file: '{name} 열기', image: '이미지: {name}',
    error: '문제가 발생했습니다({status}).',
    channels: {
      whatsapp: 'WhatsApp', messenger: 'Messenger', instagram: 'Instagram', telegram: 'Telegram',
      line: 'LINE', viber: 'Viber', slack: 'Slack', twilio: 'SMS', sms: 'SMS', email: '이메일', api: 'API'
    }
  }
};
var T = STRINGS[lang()];

// Storage can throw (blocked cookies, sandboxed frames): fall back to memory.
var mem = {};
function load(k) { try { return localStorage.getItem(KEY + k); } catch (e) { return mem[k] || null; } }
function save(k, v) {
  try { v == null ? localStorage.removeItem(KEY + k) : localStorage.setItem(KEY + k, v); }
  catch (e) { mem[k] = v; }
}
function rid() {
  var b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
}
function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

// ---- DOM
function h(tag, attrs, kids) {
  var el = document.createElement(tag);
  for (var k in attrs || {}) {
    if (k === 'text') el.textContent = attrs[k];
    else if (k === 'class') el.className = attrs[k];
    else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), attrs[k]);
    else if (attrs[k] != null && attrs[k] !== false) el.setAttribute(k, attrs[k]);
  }
  (kids || []).forEach(function (c) { if (c) el.appendChild(c); });
  return el;
}
var ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
var ICON_X = 'M6 6l12 12M18 6L6 18';
var ICON_CLIP = 'M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7';
function icon(d, fill) {
  var ns = 'http://www.w3.org/2000/svg';
  var svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  var p = document.createElementNS(ns, 'path');
  p.setAttribute('d', d);
  p.setAttribute(fill ? 'fill' : 'stroke', 'currentColor');
  if (!fill) { p.setAttribute('stroke-width', '2'); p.setAttribute('stroke-linecap', 'round'); p.setAttribute('fill', 'none'); }
  svg.appendChild(p);
  return svg;
}

var CSS = [
  ':host{all:initial}*{box-sizing:border-box}[hidden]{display:none!important}',
  '.w{--p:#1d4ed8;--pd:#1e40af;--x:20px;--y:20px;--fg:#1f2328;--mu:#59636e;--bd:#d8dee4;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR",sans-serif;color:var(--fg)}',
  'button{font:inherit;cursor:pointer}:focus-visible{outline:2px solid var(--p);outline-offset:2px}',
  '.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
  '.launch{position:fixed;right:var(--x);bottom:var(--y);z-index:2147483000;min-width:56px;height:56px;padding:0 15px;gap:8px;border:0;border-radius:28px;background:var(--p);color:#fff;display:flex;align-items:center;justify-content:center;font-weight:600;box-shadow:0 4px 14px rgba(0,0,0,.25);transition:transform .15s}',
  '.left .launch,.left .panel,.left .pro{right:auto;left:var(--x)}.lbl:empty{display:none}.launch:hover{background:var(--pd);transform:scale(1.05)}.launch svg{width:26px;height:26px;flex:none}',
  '.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;background:#d1242f;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center}',
  '.panel{position:fixed;right:var(--x);bottom:calc(var(--y) + 68px);z-index:2147483000;width:380px;max-width:calc(100vw - 24px);height:min(620px,calc(100vh - 108px));display:flex;flex-direction:column;background:#fff;border-radius:14px;overflow:hidden;box-shadow:0 12px 40px rgba(0,0,0,.22);animation:in .18s ease-out}',
  '.still .panel{animation:none}@keyframes in{from{opacity:0;transform:translateY(12px)}}',
  'header{display:flex;align-items:center;gap:12px;padding:14px 12px 14px 18px;background:var(--p);color:#fff}header div{flex:1;min-width:0}',
  '.av{width:36px;height:36px;border-radius:50%;object-fit:cover;background:#fff;flex:none}header .biz{margin:0 0 1px;font-size:12px;font-weight:600}h2{margin:0;font-size:17px;font-weight:650}',
  'header p{margin:2px 0 0;font-size:13px;opacity:.9}.min{width:36px;height:36px;border:0;border-radius:8px;background:transparent;color:#fff;display:grid;place-items:center}',
  '.min:hover{background:rgba(255,255,255,.15)}.min svg{width:20px;height:20px}.min:focus-visible{outline-color:#fff}',
  '.scroll{flex:1;overflow-y:auto;padding:16px 14px 12px;background:#f6f8fa;overscroll-behavior:contain}',
  '.intro{margin:0 0 14px;padding:12px 14px;background:#fff;border:1px solid var(--bd);border-radius:10px;color:var(--mu);font-size:14px}',
  '.m{display:flex;flex-direction:column;align-items:flex-start;margin-top:12px}.m.cont{margin-top:4px}.m.cont .meta{display:none}.meta{font-size:12px;color:var(--mu);margin:0 4px 3px}',
  '.meta b{font-weight:600;color:var(--fg)}',
  '.b{max-width:85%;padding:9px 13px;border-radius:16px 16px 16px 4px;white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid var(--bd)}.b a{color:inherit}',
  '.bot .b{background:#eef1f5;border-color:#eef1f5}.agent .meta b{color:#116329}.agent .b{background:#fff;border-color:#a7d7b5;box-shadow:inset 3px 0 0 #2da44e}.user{align-items:flex-end}',
  '.user .b{background:var(--p);border-color:var(--p);color:#fff;border-radius:16px 16px 4px 16px}.system{align-items:center}.system .meta{display:none}',
  '.system .b{background:none;border:0;color:var(--mu);font-size:13px;text-align:center;padding:2px 8px;max-width:100%}.pending .b{opacity:.65}',
  '.seen::after{content:attr(data-seen);font-size:12px;color:var(--mu);margin:3px 4px 0}.tn{margin:4px 4px 0;font-size:12px;color:var(--mu)}',
  '.failed .b{opacity:1;background:#fff;color:var(--fg);border-color:#d1242f}.fail{font-size:12px;color:#d1242f;margin:3px 4px 0}',
  '.fail button{border:0;background:none;color:var(--p);text-decoration:underline;padding:0 0 0 4px;font-size:12px}.qr{display:flex;flex-wrap:wrap;gap:6px;margin:10px 0 2px}',
  '.qr button{border:1px solid var(--p);background:#fff;color:var(--p);border-radius:18px;padding:6px 14px;font-size:14px}.qr button:hover{background:var(--p);color:#fff}',
  '.dots{display:inline-flex;gap:4px;margin-top:12px;padding:12px 14px;border-radius:16px;background:#eef1f5}',
  '.dots i{width:7px;height:7px;border-radius:50%;background:#8c959f;animation:blink 1.2s infinite}.dots i:nth-child(2){animation-delay:.2s}.dots i:nth-child(3){animation-delay:.4s}',
  '@keyframes blink{0%,80%,100%{opacity:.3}40%{opacity:1}}.status{min-height:0;padding:0 14px;font-size:13px;color:var(--mu);background:#f6f8fa}.status:not(:empty){padding:6px 14px}',
  '.status.err{color:#a40e26;background:#fff0f1}form{display:flex;align-items:flex-end;gap:8px;padding:10px 12px 12px;border-top:1px solid var(--bd);background:#fff}',
  '.field{flex:1;display:flex;flex-direction:column}',
  'textarea{width:100%;resize:none;border:1px solid var(--bd);border-radius:10px;padding:9px 12px;font:inherit;font-size:16px;line-height:1.35;max-height:120px;color:var(--fg);background:#fff}',
  'textarea:focus{outline:2px solid var(--p);outline-offset:-1px;border-color:transparent}.count{align-self:flex-end;font-size:12px;color:var(--mu);margin-top:3px}',
  '.count.full{color:#a40e26;font-weight:600}.send{height:40px;padding:0 16px;border:0;border-radius:10px;background:var(--p);color:#fff;font-weight:600}.send:hover{background:var(--pd)}',
  '.clip{width:40px;height:40px;flex:none;border:0;border-radius:10px;background:transparent;color:var(--mu);display:grid;place-items:center}.clip:hover{background:#eef1f5;color:var(--fg)}.clip svg{width:20px;height:20px}',
  '.chips{display:flex;flex-wrap:wrap;gap:6px;padding:8px 12px 0;background:#fff;border-top:1px solid var(--bd)}.chips:empty{display:none}.chips+form{border-top:0}',
  '.chip{position:relative;display:flex;align-items:center;gap:6px;max-width:100%;padding:4px 6px 4px 4px;border:1px solid var(--bd);border-radius:8px;font-size:13px;background:#f6f8fa}',
  '.chip img,.chip .fi{width:36px;height:36px;border-radius:6px;object-fit:cover;flex:none;background:#fff}.chip .fi{display:grid;place-items:center;font-size:11px;color:var(--mu);border:1px solid var(--bd)}',
  '.chip .nm{max-width:150px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.chip progress{width:60px;height:6px}.chip.bad{border-color:#d1242f}',
  '.chip button{border:0;background:none;color:var(--mu);padding:2px 4px;font-size:13px}.chip button:hover{color:var(--fg)}',
  '.att{display:flex;flex-direction:column;gap:6px;margin-top:6px}.att img{display:block;max-width:220px;max-height:220px;border-radius:10px;background:#fff}',
  '.att a.file{display:inline-block;padding:6px 10px;border-radius:8px;background:#fff;color:var(--fg);border:1px solid var(--bd);text-decoration:none}.user .att a.file{color:var(--fg)}',
  '.drop{outline:3px dashed var(--p);outline-offset:-6px}',
  '@media (max-width:480px){.panel,.left .panel{inset:0;width:100%;max-width:none;height:100%;border-radius:0}.open .launch{display:none}}',
  '@supports (height:100dvh){@media (max-width:480px){.panel{height:100dvh}}}@media (prefers-reduced-motion:reduce){.panel,.dots i,.launch{animation:none;transition:none}}'
].join('');

var host = h('div', { id: 'spindesk-widget', 'data-spindesk': '' });
var root = host.attachShadow({ mode: 'open' });
// A constructed stylesheet is not inline style to a strict CSP; old browsers get <style>.
var style = null;
try {
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [sheet];
} catch (e) {
  style = document.createElement('style');
  style.textContent = CSS;
}

// Texts: applyTexts().
var launcher = h('button', { class: 'launch', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'sd-panel', onclick: function () { toggle(); } });
var chatIcon = icon(ICON_CHAT, true);
var closeIcon = icon(ICON_X);
var lbl = h('span', { class: 'lbl' });
var badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: '' });
launcher.append(chatIcon, lbl, badge);

var subtitle = h('p');
var log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite' });
var replies = h('div', { class: 'qr', role: 'group', hidden: '' });
var dots = h('div', { class: 'dots', 'aria-hidden': 'true', hidden: '' }, [h('i'), h('i'), h('i')]);
var typingNote = h('p', { class: 'tn', role: 'status', hidden: '' });
var intro = h('p', { class: 'intro' });
var scroller = h('div', { class: 'scroll' }, [intro, log, replies, dots, typingNote]);
var status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
var input = h('textarea', { id: 'sd-input', rows: '1', maxlength: String(MAX), 'aria-describedby': 'sd-count', autocomplete: 'off', enterkeyhint: 'send' });
var counter = h('span', { id: 'sd-count', class: 'count', hidden: '' });
var inputLabel = h('label', { class: 'sr', for: 'sd-input' });
var sendButton = h('button', { class: 'send', type: 'submit' });
var fileInput = h('input', { type: 'file', multiple: '', hidden: '', tabindex: '-1', 'aria-hidden': 'true' });
var attachButton = h('button', { class: 'clip', type: 'button', onclick: function () { fileInput.click(); } }, [icon(ICON_CLIP)]);
var chips = h('div', { class: 'chips', role: 'list' });
var form = h('form', { novalidate: '' }, [attachButton, fileInput, h('div', { class: 'field' }, [inputLabel, input, counter]), sendButton]);
var biz = h('p', { class: 'biz', hidden: '' });
var heading = h('h2');
var minimize = h('button', { class: 'min', type: 'button', onclick: function () { setOpen(false); } }, [icon(ICON_X)]);
var panel = h('section', { id: 'sd-panel', class: 'panel', role: 'dialog', hidden: '' }, [
  h('header', {}, [h('div', {}, [biz, heading, subtitle]), minimize]),
  scroller, status, chips, form
]);
var wrap = h('div', { class: 'w' }, [panel, launcher]);
if (style) root.appendChild(style);
root.appendChild(wrap);

// ---- State
// A notice e-mail's "continue the conversation" link lands with a session in the URL fragment
// (never sent to a server): keep it, take it out of the address bar, and open the chat.
(function () {
  var m = /(?:^#|&)spindesk_session=(wst_[A-Za-z0-9_-]{16,100})/.exec(location.hash || '');
  if (!m) return;
  save('token', m[1]);
  try { history.replaceState(null, '', location.pathname + location.search); } catch (e) { /* ignore */ }
  try { sessionStorage.setItem(KEY + 'open', '1'); } catch (e) { /* ignore */ }
})();
var token = load('token');
var lastSeq = 0;
var nodes = {}; // seq -> element, for de-duplication and ordered insertion
var latest = null; // the message with the highest seq
var pending = []; // optimistic bubbles: {client_id, text, node}
var isOpen = false;
var unread = 0;
var gen = 0; // bumped when a session is dropped so old poll loops stop
var starting = null;
var sendChain = Promise.resolve();
var sending = 0; // messages on their way: the bot's dots show meanwhile
var agentTyping = 0; // when the agent's typing indicator lapses (ms), 0: not typing
var readMark = 0; // the highest seq the agent has read
var readSent = 0; // the highest seq we told the server we read
var typingSentAt = 0; // when we last said we are typing
var S = {}; // the admin's settings (GET /api/widget/settings)
var sb = 'bot'; // who answers: 'bot' or 'agent'
var label = ''; // the admin's launcher label in this locale
var noLauncher = false; // Spindesk.hide()
var mounted = false;
var later = []; // API calls made before the widget started
var toldUnread = 0; // the count the last 'unread' event said
var baseTitle = null; // the page's title while we prefix it
var audio = null;
var handlers = { open: [], close: [], unread: [], message: [] };
var fields = null; // setConversationFields() values not yet sent

// Fields wait for a session: setting them starts none.
function sendFields() {
  if (!token || !fields) return Promise.resolve();
  var f = fields;
  fields = null;
  return api('PUT', '/fields', { fields: f }).catch(function (e) { console.warn('Spindesk: fields not saved: ' + e.message); });
}

// Listeners run later: one that throws cannot break the widget or the others.
function emit(name, arg) {
  handlers[name].slice().forEach(function (fn) {
    setTimeout(function () { fn(arg); }, 0);
  });
}

function pick(field, fallback) { var v = S[field]; return (v && v[lang()]) || fallback; }

// Every text, in the current locale, the admin's where set.
function applyTexts() {
  var title = pick('title', T.title);
  label = pick('launcher_label', '');
  lbl.textContent = label;
  heading.textContent = title;
  panel.ariaLabel = title;
  intro.textContent = pick('greeting', T.intro);
  minimize.ariaLabel = minimize.title = T.minimize;
  log.ariaLabel = T.messages;
  replies.ariaLabel = T.replies;
  typingNote.textContent = T.typing;
  input.placeholder = T.placeholder;
  inputLabel.textContent = T.label;
  sendButton.textContent = T.send;
  attachButton.ariaLabel = attachButton.title = T.attach;
  chips.ariaLabel = T.files;
  setSwitchboard(sb);
  renderBadge();
}

// The admin's look. CSSOM custom properties are not inline style to CSP.
function applyLook() {
  var ws = wrap.style;
  if (/^#[0-9a-f]{6}$/i.test(S.brand_color || '')) {
    ws.setProperty('--p', S.brand_color);
    ws.setProperty('--pd', S.brand_dark || S.brand_color);
  }
  var at = S.position || {};
  ws.setProperty('--x', (at.x >= 0 ? +at.x : 20) + 'px');
  ws.setProperty('--y', (at.y >= 0 ? +at.y : 20) + 'px');
  wrap.classList.toggle('left', at.side === 'left');
  if (/^https:\/\//.test(S.avatar_url || '')) heading.parentNode.before(h('img', { class: 'av', alt: '', src: S.avatar_url }));
  biz.textContent = S.business_name || '';
  biz.hidden = !S.business_name;
  applyTexts();
}

function phone() { return window.matchMedia('(max-width: 480px)').matches; }

// A tone for a message while closed, if the admin wants it (after a page interaction only).
function chime() {
  if (!(S.attention && S.attention.sound)) return;
  try {
    audio = audio || new AudioContext();
    var o = audio.createOscillator(), g = audio.createGain(), t = audio.currentTime;
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.08, t);
    g.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(t + 0.3);
  } catch (e) { /* no audio: the badge still shows */ }
}

// "(2) Title" while the tab is hidden and messages wait, unless the admin turned it off.
function titlePrefix() {
  var want = unread > 0 && document.hidden && !(S.attention && S.attention.title_prefix === false);
  if (want) {
    if (baseTitle == null) baseTitle = document.title;
    document.title = '(' + unread + ') ' + baseTitle;
  } else if (baseTitle != null) {
    document.title = baseTitle;
    baseTitle = null;
  }
}

function setStatus(text, isError) {
  var stick = nearBottom(); // the status line takes room from the message list
  status.textContent = text || '';
  status.className = 'status' + (isError ? ' err' : '');
  if (stick) toBottom();
}

function nearBottom() { return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80; }
function toBottom() { scroller.scrollTop = scroller.scrollHeight; }

function timeOf(iso) {
  if (!iso) return '';
  var d = new Date(iso);
  return isNaN(d) ? '' : d.toLocaleTimeString(LOCALE, { hour: 'numeric', minute: '2-digit' });
}

// Links become anchors built from text nodes; only http(s) URLs are ever linked.
function fillText(el, text) {
  var re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g, at = 0, m;
  while ((m = re.exec(text))) {
    el.appendChild(document.createTextNode(text.slice(at, m.index)));
    el.appendChild(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer nofollow', text: m[0] }));
    at = m.index + m[0].length;
  }
  el.appendChild(document.createTextNode(text.slice(at)));
}

function bubble(kind, name, text, when, extra) {
  var meta = h('div', { class: 'meta' }, [h('b', { text: name })]);
  var t = timeOf(when);
  if (t) meta.appendChild(document.createTextNode(' · ' + t));
  var b = h('div', { class: 'b' });
  fillText(b, text);
  var el = h('div', { class: 'm ' + kind + (extra ? ' ' + extra : '') }, [meta, b]);
  el.dataset.who = kind + ':' + name;
  return el;
}

function groupWithPrevious(el) {
  var prev = el.previousElementSibling;
  el.classList.toggle('cont', !!prev && prev.dataset.who === el.dataset.who);
}

function kindOf(m) {
  var t = m.author && m.author.type;
  return t === 'user' || t === 'bot' || t === 'agent' || t === 'system' ? t : 'bot';
}

function addMessage(m, live) {
  if (!m || typeof m.seq !== 'number' || nodes[m.seq]) return false;
  var kind = kindOf(m);
  var text = typeof m.text === 'string' ? m.text : '';
  if (kind === 'user') {
    // The long poll can deliver our own message before the POST answers.
    var i = pending.findIndex(function (p) { return m.client_id ? p.client_id === m.client_id : p.text === text && !p.failed; });
    if (i >= 0) { pending[i].node.remove(); pending[i].adopted = true; pending.splice(i, 1); }
  }
  var name = kind === 'user' ? T.you : (m.author && m.author.name) || '';
  var el = bubble(kind, name, text, m.created_at);
  if (m.attachments) showFiles(el, m.attachments);
  else if (m.has_attachments) fetchFiles(el, m.seq);
  // One customer's timeline mixes channels (a merged WhatsApp conversation): say which.
  if (typeof m.channel === 'string' && m.channel !== 'web') {
    el.firstChild.appendChild(document.createTextNode(' · ' + (T.channels[m.channel] || m.channel)));
  }
  var after = null; // messages almost always arrive in order; only a late one needs a search
  if (latest && m.seq < latest.seq) {
    for (var s in nodes) if (+s > m.seq && (!after || +s < +after.dataset.seq)) after = nodes[s];
  }
  el.dataset.seq = m.seq;
  log.insertBefore(el, after || firstPending());
  groupWithPrevious(el);
  if (el.nextElementSibling) groupWithPrevious(el.nextElementSibling);
  nodes[m.seq] = el;
  if (!latest || m.seq > latest.seq) latest = m;
  if (kind === 'agent') setSwitchboard('agent');
  if (m.seq > lastSeq) lastSeq = m.seq;
  if (live && kind !== 'user' && (!isOpen || document.hidden)) { unread++; chime(); }
  if (live) emit('message', { id: m.id, seq: m.seq, text: text, author: { type: kind, name: name }, created_at: m.created_at });
  return true;
}

function firstPending() { return pending.length ? pending[0].node : null; }

function addMessages(list, live) {
  var stick = nearBottom();
  var added = false;
  (list || []).slice().sort(function (a, b) { return a.seq - b.seq; }).forEach(function (m) {
    if (addMessage(m, live)) added = true;
  });
  if (added) {
    renderReplies();
    renderBadge();
    markRead();
    if (stick) toBottom();
  }
}

function renderReplies() {
  replies.textContent = '';
  var acts = latest && kindOf(latest) !== 'user' && Array.isArray(latest.actions) ? latest.actions : [];
  acts.filter(function (a) { return a && a.type === 'reply' && a.text; }).forEach(function (a) {
    replies.appendChild(h('button', { type: 'button', text: a.text, onclick: function () {
      replies.hidden = true;
      input.focus();
      send(a.text, a.payload);
    } }));
  });
  replies.hidden = !replies.firstChild;
}

// Badge, accessible name ("Open chat, 2 unread"), title prefix, 'unread' event.
function renderBadge() {
  badge.textContent = unread > 9 ? '9+' : String(unread);
  badge.hidden = !unread || isOpen;
  var name = label || T.open;
  if (unread && !isOpen) name += T.unread.replace('{n}', unread);
  launcher.setAttribute('aria-label', isOpen ? T.close : name);
  launcher.hidden = noLauncher;
  titlePrefix();
  if (unread !== toldUnread) { toldUnread = unread; emit('unread', unread); }
}

function setSwitchboard(to) {
  sb = to === 'agent' ? 'agent' : 'bot';
  subtitle.textContent = sb === 'agent' ? T.agent : T.bot;
}

// Unsent (pending) bubbles stay: they are delivered into whatever session comes next.
function clearConversation() {
  for (var s in nodes) nodes[s].remove();
  nodes = {};
  latest = null;
  lastSeq = 0;
  renderReplies();
}

// ---- API
function api(method, path, body, signal) {
  var timer;
  if (!signal) {
    var ctl = new AbortController();
    timer = setTimeout(function () { ctl.abort(); }, 30000);
    signal = ctl.signal;
  }
  var headers = {};
  if (body) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  return fetch(API + path, {
    method: method, headers: headers, body: body ? JSON.stringify(body) : undefined,
    signal: signal, credentials: 'omit', cache: 'no-store'
  }).then(function (res) {
    return res.text().then(function (raw) {
      var data = null;
      try { data = raw ? JSON.parse(raw) : {}; } catch (e) { /* not JSON */ }
      if (res.ok && data) return data;
      var first = data && data.errors && data.errors[0];
      var err = new Error(first && first.title ? first.title : T.error.replace('{status}', res.status));
      err.status = res.status;
      err.code = first && first.code;
      throw err;
    });
  }).finally(function () { clearTimeout(timer); });
}

function dropSession() {
  gen++;
  token = null;
  save('token', null);
  clearConversation();
}

function ensureSession() {
  if (token) return Promise.resolve();
  if (starting) return starting;
  setStatus(T.connecting);
  starting = api('POST', '/sessions', { locale: LOCALE }).then(function (data) {
    token = data.session.token;
    save('token', token);
    setStatus('');
    return sendFields().then(loadConversation);
  }).finally(function () { starting = null; });
  return starting;
}

function onAuthLost() {
  dropSession();
  // A signed-in visitor signs in again (a fresh token from the site), not anonymously.
  if (getToken) return login().catch(showError);
  if (isOpen) ensureSession().catch(showError);
}

// ---- Signed identity (docs/identity.md)
// The site's callback, `function (cb) { cb(jwt) }`: asked again whenever a token is refused as
// expired, so the site can mint a fresh one.
var getToken = null;
var signingIn = null;
function askToken() {
  return new Promise(function (resolve, reject) {
    try {
      getToken(function (jwt) {
        if (typeof jwt === 'string' && jwt) resolve(jwt);
        else reject(new TypeError('Spindesk.loginUser: the callback must call cb with the token (a string)'));
      });
    } catch (e) { reject(e); }
  });
}
// Signs in; the anonymous session this browser holds (sent as the bearer token) is merged
// into the customer on the server and replaced by the signed-in one.
function login() {
  if (signingIn) return signingIn;
  function attempt(retried) {
    return askToken().then(function (jwt) { return api('POST', '/login', { jwt: jwt }); }).catch(function (err) {
      if (err.status === 401 && err.code === 'expired' && !retried && getToken) return attempt(true);
      throw err;
    });
  }
  setStatus(T.connecting);
  signingIn = attempt(false).then(function (data) {
    gen++;
    clearConversation();
    token = data.session.token;
    save('token', token);
    setStatus('');
    return sendFields().then(loadConversation);
  }).finally(function () { signingIn = null; });
  return signingIn;
}
// Signs out: the server ends the session, and nothing of this visitor stays in the browser
// (every key of ours in localStorage and sessionStorage; we set no cookies). The next chat
// is a fresh anonymous session.
function logout() {
  var ended = token ? api('DELETE', '/sessions/current').catch(function () {}) : Promise.resolve();
  getToken = null;
  setOpen(false, true);
  dropSession();
  fields = null;
  [window.localStorage, window.sessionStorage].forEach(function (store) {
    try {
      for (var i = store.length - 1; i >= 0; i--) {
        var k = store.key(i);
        if (k && k.indexOf(KEY) === 0) store.removeItem(k);
      }
    } catch (e) { /* storage blocked: nothing was stored there */ }
  });
  mem = {};
  return ended;
}

function loadConversation() {
  var g = gen;
  return api('GET', '/conversation').then(function (data) {
    if (g !== gen) return;
    if (data.conversation) setSwitchboard(data.conversation.switchboard);
    // The server says whether a push hub is in front (event streams) or we long-poll.
    streams = canStream && data.stream === true;
    addMessages(data.messages);
    if (data.conversation && data.conversation.last_seq > lastSeq) lastSeq = data.conversation.last_seq;
    // Unread on any tab or device: the server keeps the read position.
    var readTo = +data.read_seq || 0;
    if (readTo > readSent) readSent = readTo;
    if (!isOpen) {
      unread = (data.messages || []).filter(function (m) { return m.seq > readTo && kindOf(m) !== 'user'; }).length;
      renderBadge();
    }
    markRead();
    toBottom();
    poll(g);
  }, function (err) {
    if (err.status === 401) return onAuthLost();
    poll(g); // polling from seq 0 fetches the history once the network is back
    throw err;
  });
}

// ---- Live updates
// An update (long-poll answer or streamed event): messages, last_seq, the agent's typing and
// reads. A first message beyond the next expected one means a lost publish: read again.
function apply(data, g) {
  var list = data.messages || [];
  var from = lastSeq;
  var gap = list.length ? list[0].seq > from + 1 : data.last_seq > from;
  addMessages(list, true);
  if (data.agent) showAgent(data.agent);
  if (data.conversation && data.conversation.switchboard) setSwitchboard(data.conversation.switchboard);
  markRead();
  if (gap) return catchUp(g, from);
  if (data.last_seq > lastSeq) lastSeq = data.last_seq;
}

function catchUp(g, from) {
  return api('GET', '/messages?after=' + from).then(function (data) {
    if (g !== gen) return;
    addMessages(data.messages, true);
    if (data.last_seq > lastSeq) lastSeq = data.last_seq;
  }, function () { /* the next update tries again */ });
}

function showAgent(a) {
  agentTyping = a.typing ? Date.now() + 6000 : 0;
  renderDots();
  if (agentTyping) setTimeout(renderDots, 6100);
  if (a.read_seq > readMark) { readMark = a.read_seq; renderSeen(); }
}

function renderDots() {
  dots.hidden = !sending;
  var on = agentTyping > Date.now();
  var stick = nearBottom();
  typingNote.hidden = !on;
  if (stick) toBottom();
}

// "Seen" under our last message the agent has read.
function renderSeen() {
  var best = null;
  for (var s in nodes) {
    if (+s <= readMark && nodes[s].classList.contains('user') && (!best || +s > +best.dataset.seq)) best = nodes[s];
  }
  var old = log.querySelector('.seen');
  if (old && old !== best) old.classList.remove('seen');
  if (best) { best.dataset.seen = T.seen; best.classList.add('seen'); }
}

// Read receipt (for the agent; other tabs count unread from it), once per message, in view.
function markRead() {
  if (!isOpen || document.hidden || !token || !latest || latest.seq <= readSent) return;
  var seq = latest.seq;
  readSent = seq;
  api('POST', '/read', { seq: seq }).catch(function () { readSent = 0; });
}

// At most one "typing" per 3 s (the server drops repeats anyway).
function saidTyping(on) {
  if (!token) return;
  var now = Date.now();
  if (on && now - typingSentAt < 3000) return;
  if (!on && !typingSentAt) return;
  typingSentAt = on ? now : 0;
  api('POST', '/typing', { typing: on }).catch(function () { /* best effort */ });
}

function whenVisible() {
  return new Promise(function (r) {
    function on() { if (!document.hidden) { document.removeEventListener('visibilitychange', on); r(); } }
    document.addEventListener('visibilitychange', on);
  });
}

// Server-sent events through Pushpin, read with fetch (EventSource cannot send Authorization;
// a token in the URL would reach logs). False without a push hub (503): long-poll instead.
async function stream(g, signal) {
  var res = await fetch(API + '/events?after=' + lastSeq, {
    headers: { Authorization: 'Bearer ' + token, Accept: 'text/event-stream' },
    credentials: 'omit', cache: 'no-store', signal: signal
  });
  if (res.status === 503 || res.status === 404) return false;
  if (res.status === 401) { var e401 = new Error('unauthorized'); e401.status = 401; throw e401; }
  if (!res.ok || !res.body || (res.headers.get('content-type') || '').indexOf('text/event-stream') !== 0) {
    var err = new Error('stream ' + res.status);
    err.status = res.status;
    throw err;
  }
  var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  var buf = '';
  // A commit between the server's read and Pushpin subscribing reaches nobody: read once more.
  setTimeout(function () { if (g === gen) catchUp(g, lastSeq); }, 1500);
  for (;;) {
    var chunk = await reader.read();
    if (chunk.done || g !== gen) return true;
    buf += chunk.value;
    var end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      var block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      var event = 'message';
      var data = '';
      block.split('\n').forEach(function (line) {
        if (line.indexOf('event:') === 0) event = line.slice(6).trim();
        else if (line.indexOf('data:') === 0) data += line.slice(5).trim();
      });
      if (event === 'update' && data) {
        try { apply(JSON.parse(data), g); } catch (e) { /* a malformed event is skipped */ }
      }
    }
  }
}

// Live updates: the event stream while the server offers one, else bounded long-polling.
var pollGen = -1;
var canStream = typeof TextDecoderStream === 'function' && typeof ReadableStream === 'function';
var streams = false;
async function poll(g) {
  if (pollGen === g) return;
  pollGen = g;
  var backoff = 0;
  while (g === gen && token) {
    if (document.hidden) { await whenVisible(); continue; }
    var ctl = new AbortController();
    var began = Date.now();
    var timer = null;
    try {
      if (streams) {
        var hidden = function () { if (document.hidden) ctl.abort(); };
        document.addEventListener('visibilitychange', hidden);
        try {
          var streamed = await stream(g, ctl.signal);
        } finally {
          document.removeEventListener('visibilitychange', hidden);
        }
        if (streamed) {
          if (backoff) setStatus('');
          backoff = 0;
          // A stream that ends at once (a proxy closing it) is not reopened in a hot loop.
          if (Date.now() - began < 1000) await sleep(3000);
          continue;
        }
        streams = false; // no push hub: long-poll from now on
      }
      timer = setTimeout(function () { ctl.abort(); }, (WAIT + 15) * 1000);
      var data = await api('GET', '/messages?after=' + lastSeq + '&wait=' + WAIT, null, ctl.signal);
      if (g !== gen) return;
      var fresh = (data.messages && data.messages.length) || (data.agent && (data.agent.typing || data.agent.read_seq > readMark));
      apply(data, g);
      if (backoff) setStatus('');
      backoff = 0;
      // Over a held-poll limit: wait `retry_after` s, plus jitter so tabs do not return together.
      if (data.retry_after > 0) await sleep(data.retry_after * 1000 + Math.random() * 2000);
      // A server answering at once without waiting: interval polling, not a hot loop.
      else if (!fresh && Date.now() - began < 1000) await sleep(3000);
    } catch (err) {
      if (g !== gen) return;
      if (err.status === 401) return onAuthLost();
      if (document.hidden) continue; // aborted because the tab was hidden
      backoff = Math.min(backoff ? backoff * 2 : 1000, 30000);
      if (backoff >= 4000 && !err.status) setStatus(T.offline);
      await sleep(backoff);
    } finally {
      clearTimeout(timer);
    }
  }
}

function showError(err) {
  setStatus(err && err.status ? err.message : T.offline, true);
}

// ---- Sending
function send(text, payload, files) {
  var p = { client_id: rid(), text: text, payload: payload, files: files || [] };
  p.node = bubble('user', T.you, text, null, 'pending');
  if (p.files.length) showFiles(p.node, p.files.map(function (f) { return f.attachment; }));
  replies.hidden = true;
  pending.push(p);
  log.appendChild(p.node);
  groupWithPrevious(p.node);
  toBottom();
  sendChain = sendChain.then(function () { return deliver(p); });
}

function deliver(p) {
  var body = { text: p.text, client_id: p.client_id };
  if (p.payload != null) body.payload = String(p.payload);
  if (p.files.length) body.attachments = p.files.map(function (f) { return f.attachment.id; });
  sending++;
  renderDots();
  setStatus('');
  var sr = setTimeout(function () { setStatus(T.sending); }, 600);
  function post(retried) {
    return ensureSession().then(function () { return api('POST', '/messages', body); }).catch(function (err) {
      if (err.status !== 401 || retried) throw err;
      dropSession();
      return post(true);
    });
  }
  return post(false).then(function (data) {
    removePending(p);
    addMessages([data.message].concat(data.messages || []), true);
    setStatus('');
  }, function (err) {
    markFailed(p, err);
  }).finally(function () {
    clearTimeout(sr);
    if (status.textContent === T.sending) setStatus('');
    sending--;
    renderDots();
  });
}

function removePending(p) {
  var i = pending.indexOf(p);
  if (i >= 0) pending.splice(i, 1);
  if (!p.adopted) p.node.remove();
}

function markFailed(p, err) {
  p.failed = true;
  p.node.classList.add('failed');
  var retry = h('button', { type: 'button', text: T.retry, onclick: function () {
    note.remove();
    input.focus();
    p.failed = false;
    p.node.classList.remove('failed');
    sendChain = sendChain.then(function () { return deliver(p); });
  } });
  var note = h('div', { class: 'fail' }, [document.createTextNode(T.failed + ' '), retry]);
  p.node.appendChild(note);
  renderReplies();
  setStatus(err && err.status ? err.message : T.unsent, true);
  toBottom();
}

// ---- Composer
function resize() {
  input.style.height = 'auto';
  input.style.height = Math.min(input.scrollHeight + 2, 120) + 'px';
}

function updateCounter() {
  var n = input.value.length;
  counter.hidden = n < WARN_AT;
  counter.classList.toggle('full', n >= MAX);
  counter.textContent = n + ' / ' + MAX + (n >= MAX ? ' · ' + T.limit : '');
}

input.addEventListener('input', function () { resize(); updateCounter(); saidTyping(!!input.value.trim()); });
input.addEventListener('keydown', function (e) {
  // Enter sends; Shift+Enter is a newline; never send mid-composition (Korean/Japanese IME).
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
    e.preventDefault();
    submit();
  }
});
form.addEventListener('submit', function (e) { e.preventDefault(); submit(); });

function submit() {
  var text = input.value.trim();
  input.focus(); // keep typing after a click on Send
  // Files still uploading (or failed) stay in the tray: only finished ones go.
  var ready = staged.filter(function (f) { return f.attachment; });
  if (!text && !ready.length) return;
  if (text.length > MAX) text = text.slice(0, MAX);
  input.value = '';
  resize();
  updateCounter();
  saidTyping(false);
  ready.forEach(function (f) { unstage(f); });
  send(text, undefined, ready);
}

// ---- Files: the tray of staged uploads (attach button, paste, drag and drop)
var staged = []; // {file, chip, bar, attachment, xhr, preview}

function say(template, name) { return template.replace('{name}', name); }

function stage(file) {
  var f = { file: file };
  var isImage = /^image\//.test(file.type);
  // The browser's own rendering of the picked image: no server-side thumbnail.
  f.preview = isImage ? URL.createObjectURL(file) : null;
  var thumb = isImage ? h('img', { src: f.preview, alt: '' }) : h('span', { class: 'fi', 'aria-hidden': 'true', text: (file.name.split('.').pop() || '').slice(0, 4).toUpperCase() });
  f.bar = h('progress', { max: '100', value: '0', 'aria-label': say(T.uploading, file.name) });
  var remove = h('button', { type: 'button', text: '✕', 'aria-label': say(T.remove, file.name), title: say(T.remove, file.name), onclick: function () {
    if (f.xhr) f.xhr.abort();
    unstage(f);
    input.focus();
  } });
  f.chip = h('div', { class: 'chip', role: 'listitem' }, [thumb, h('span', { class: 'nm', text: file.name }), f.bar, remove]);
  staged.push(f);
  chips.appendChild(f.chip);
  upload(f);
}

function unstage(f) {
  var i = staged.indexOf(f);
  if (i >= 0) staged.splice(i, 1);
  f.chip.remove();
  if (f.preview) URL.revokeObjectURL(f.preview);
}

function upload(f) {
  f.chip.classList.remove('bad');
  var old = f.chip.querySelector('.retry');
  if (old) old.remove();
  f.bar.hidden = false;
  ensureSession().then(function () {
    // XMLHttpRequest, not fetch: only it reports upload progress.
    var xhr = f.xhr = new XMLHttpRequest();
    xhr.open('POST', API + '/uploads?filename=' + encodeURIComponent(f.file.name));
    xhr.setRequestHeader('Authorization', 'Bearer ' + token);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) f.bar.value = Math.round(e.loaded * 100 / e.total); };
    xhr.onload = function () {
      f.xhr = null;
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201 && data && data.attachment) {
        f.attachment = data.attachment;
        f.bar.hidden = true;
        return;
      }
      var first = data && data.errors && data.errors[0];
      failUpload(f, first && first.title ? first.title : T.upfailed);
    };
    xhr.onerror = function () { f.xhr = null; failUpload(f, T.upfailed); };
    xhr.send(f.file);
  }, function () { failUpload(f, T.upfailed); });
}

function failUpload(f, why) {
  f.chip.classList.add('bad');
  f.bar.hidden = true;
  f.chip.insertBefore(h('button', { type: 'button', class: 'retry', text: T.retry, onclick: function () { upload(f); } }), f.chip.lastChild);
  setStatus(f.file.name + ': ' + why, true);
}

function stageAll(list) {
  Array.prototype.forEach.call(list || [], function (file) { stage(file); });
}

fileInput.addEventListener('change', function () { stageAll(fileInput.files); fileInput.value = ''; });
input.addEventListener('paste', function (e) {
  var files = e.clipboardData && e.clipboardData.files;
  if (files && files.length) { e.preventDefault(); stageAll(files); }
});
panel.addEventListener('dragover', function (e) { e.preventDefault(); panel.classList.add('drop'); });
panel.addEventListener('dragleave', function (e) { if (e.target === panel) panel.classList.remove('drop'); });
panel.addEventListener('drop', function (e) {
  e.preventDefault();
  panel.classList.remove('drop');
  stageAll(e.dataTransfer && e.dataTransfer.files);
});

// A message's files under its text: images shown (the browser renders the downloaded file),
// others as links. Text and names reach the page only as text.
function showFiles(el, list) {
  var box = el.querySelector('.att') || el.appendChild(h('div', { class: 'att' }));
  box.textContent = '';
  (list || []).forEach(function (a) {
    if (!a) return;
    var name = String(a.file_name || '');
    if (!a.url) { box.appendChild(h('span', { class: 'file', text: name })); return; }
    // Links are absolute with `public_base_url` set, else paths on the Spindesk origin.
    var url = new URL(a.url, ORIGIN).href;
    if (a.kind === 'image') {
      box.appendChild(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', 'aria-label': say(T.open_file, name) },
        [h('img', { src: url, alt: say(T.image, name), loading: 'lazy' })]));
    } else {
      box.appendChild(h('a', { class: 'file', href: url, target: '_blank', rel: 'noopener noreferrer', download: name, text: name }));
    }
  });
}

// A pushed message says it has files but carries no links: ask for it with them.
function fetchFiles(el, seq) {
  api('GET', '/messages?after=' + (seq - 1) + '&limit=1').then(function (data) {
    var m = (data.messages || [])[0];
    if (m && m.seq === seq && m.attachments) showFiles(el, m.attachments);
  }, function () { /* shown without its files until the next load */ });
}

// ---- Open / close
function setOpen(open, quiet) {
  var changed = open !== isOpen;
  isOpen = open;
  panel.hidden = !open;
  wrap.classList.toggle('open', open);
  wrap.classList.toggle('still', !!quiet); // restoring after a navigation: no entrance animation
  launcher.setAttribute('aria-expanded', String(open));
  if (open) launcher.replaceChildren(closeIcon, badge);
  else launcher.replaceChildren(chatIcon, lbl, badge);
  try { sessionStorage.setItem(KEY + 'open', open ? '1' : ''); } catch (e) { /* ignore */ }
  if (open) {
    unread = 0;
    renderBadge();
    toBottom();
    markRead();
    if (!quiet) input.focus();
    ensureSession().catch(showError);
  } else {
    renderBadge();
    if (!quiet && !noLauncher) launcher.focus();
  }
  if (changed) emit(open ? 'open' : 'close');
}
function toggle() { setOpen(!isOpen); }

panel.addEventListener('keydown', function (e) {
  if (e.key === 'Escape') { e.preventDefault(); setOpen(false); }
});
document.addEventListener('visibilitychange', function () {
  if (!document.hidden && isOpen) { unread = 0; markRead(); }
  renderBadge();
});

// ---- Start
// Settings first: may this site embed it, how it looks. Without them (network error) it
// starts as built; the server still refuses sessions outside the allow-list.
function start() {
  fetch(API + '/settings', { credentials: 'omit' }).then(function (res) {
    return res.ok ? res.json() : {};
  }).then(function (d) { return (d && d.settings) || {}; }, function () { return {}; }).then(function (settings) {
    S = settings;
    var allowed = S.allowed_origins;
    if (Array.isArray(allowed) && allowed.indexOf('*') < 0 && allowed.indexOf(location.origin) < 0) {
      console.warn('Spindesk: ' + location.origin + ' is not among the widget\'s allowed origins');
      return;
    }
    applyLook();
    document.body.appendChild(host);
    mounted = true;
    var wasOpen = false;
    try { wasOpen = sessionStorage.getItem(KEY + 'open') === '1'; } catch (e) { /* ignore */ }
    if (token) loadConversation().catch(showError);
    // Never opens by itself on a phone (it covers the page) unless the admin allows it.
    if (wasOpen && (S.open_on_mobile || !phone())) setOpen(true, true);
    later.splice(0).forEach(function (fn) { fn(); });
    proactive();
  });
}

// Proactive messages: a second script, loaded only if a rule may be for this page.
var firstSeen = +load('first') || 0;
if (!firstSeen) { firstSeen = Date.now(); save('first', String(firstSeen)); }
function proactive() {
  var rules = (S.proactive || []).filter(function (r) {
    return !location.pathname.indexOf(String(r.url).split('*')[0]) && (!r.locale || r.locale === lang());
  });
  if (!rules.length) return;
  API_OBJECT._ctx = {
    rules: rules, S: S, root: root, wrap: wrap, h: h, load: load, save: save, lang: lang, api: API,
    isNew: Date.now() - firstSeen < 1800000, // within half an hour of first seeing this browser
    busy: function () { return isOpen || sb === 'agent'; },
    reply: function (text) { setOpen(true); if (text) send(text); }
  };
  document.head.appendChild(h('script', { src: ORIGIN + '/widget-proactive.js', async: '' }));
}

// ---- JavaScript API (docs/widget-api.md)
function fail(call, what) { throw new TypeError('Spindesk.' + call + ': ' + what); }
function checkText(call, text, empty) {
  if (typeof text !== 'string') fail(call, 'text must be a string, got ' + typeof text);
  if (!empty && !text.trim()) fail(call, 'text must not be empty');
  if (text.length > MAX) fail(call, 'text must be at most ' + MAX + ' characters, got ' + text.length);
}
function checkEvent(call, name, fn, optional) {
  if (!handlers.hasOwnProperty(name)) fail(call, 'unknown event ' + JSON.stringify(name) + '; events are ' + Object.keys(handlers).join(', '));
  if (typeof fn !== 'function' && !(optional && fn === undefined)) fail(call, 'the listener must be a function');
}
function ready(fn) { if (mounted) fn(); else later.push(fn); }

var API_OBJECT = {
  version: 1,
  open: function () { ready(function () { setOpen(true); }); },
  close: function () { ready(function () { setOpen(false); }); },
  toggle: function () { ready(toggle); },
  show: function () { ready(function () { noLauncher = false; renderBadge(); }); },
  hide: function () { ready(function () { noLauncher = true; setOpen(false, true); }); },
  setLocale: function (tag) {
    if (typeof tag !== 'string' || !/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(tag)) fail('setLocale(tag)', 'tag must be a language tag such as "en" or "ko-KR", got ' + JSON.stringify(tag));
    LOCALE = tag;
    T = STRINGS[lang()];
    applyTexts();
  },
  prefill: function (text) {
    checkText('prefill(text)', text, true);
    ready(function () { input.value = text; resize(); updateCounter(); });
  },
  send: function (text) {
    checkText('send(text)', text);
    ready(function () { send(text.trim()); });
  },
  setConversationFields: function (f) {
    var call = 'setConversationFields(fields)';
    if (!f || typeof f !== 'object' || Array.isArray(f)) fail(call, 'fields must be an object such as {plan: "gold"}');
    var out = {};
    Object.keys(f).forEach(function (k) {
      if (!/^([a-z][a-z0-9_]{0,39}|\d{1,20})$/.test(k)) fail(call, 'name ' + JSON.stringify(k) + ' must be a-z, 0-9, _ from a letter, or a ticket field id');
      if (!/^(string|number|boolean)$/.test(typeof f[k])) fail(call, k + ' must be a string, number or boolean');
      out[k] = String(f[k]);
    });
    fields = Object.assign(fields || {}, out);
    ready(sendFields);
  },
  loginUser: function (fn) {
    if (typeof fn !== 'function') fail('loginUser(getToken)', 'getToken must be a function (cb) => cb(jwt)');
    getToken = fn;
    return new Promise(function (resolve, reject) {
      ready(function () { login().then(function () { resolve(); }, function (err) { showError(err); reject(err); }); });
    });
  },
  logoutUser: function () {
    return new Promise(function (resolve) { ready(function () { logout().then(function () { resolve(); }); }); });
  },
  on: function (name, fn) { checkEvent('on(event, listener)', name, fn); handlers[name].push(fn); },
  off: function (name, fn) {
    checkEvent('off(event, listener)', name, fn, true);
    handlers[name] = fn ? handlers[name].filter(function (f) { return f !== fn; }) : [];
  }
};
window.Spindesk = API_OBJECT;
applyTexts();
// The stub's queued calls, in order; a bad one is reported, skipped.
queued.forEach(function (call) {
  try { API_OBJECT[call[0]].apply(null, call[1]); } catch (e) { console.warn(e.message); }
});

if (document.body) start();
else document.addEventListener('DOMContentLoaded', start);
})();
