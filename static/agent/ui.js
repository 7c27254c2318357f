// DOM helpers. Customer and agent text only ever reaches the page as text nodes and attribute
// values, never as markup.
import { T, LOCALE } from './strings.js';

export function $(id) { return document.getElementById(id); }

/** h('button', {class: 'primary', onclick: fn, text: 'Save'}, [child, 'text']) */
export function h(tag, attrs, kids) {
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
export function fillText(el, text) {
  var re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g, at = 0, m;
  text = String(text == null ? '' : text);
  while ((m = re.exec(text))) {
    el.appendChild(document.createTextNode(text.slice(at, m.index)));
    el.appendChild(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer nofollow', text: m[0] }));
    at = m.index + m[0].length;
  }
  el.appendChild(document.createTextNode(text.slice(at)));
}

/**
 * Puts a failed request's words in `el` (then `after`, if given): the server's own English
 * words, which end the message when the workspace has none of its own, marked lang="en".
 */
export function showError(el, err, after) {
  var text = err && err.message ? String(err.message) : String(err || '');
  var server = (err && err.server) || '';
  el.textContent = '';
  if (server && text.slice(-server.length) === server) {
    el.appendChild(document.createTextNode(text.slice(0, text.length - server.length)));
    el.appendChild(h('span', { lang: 'en', text: server }));
  } else {
    el.appendChild(document.createTextNode(text));
  }
  if (after) el.appendChild(document.createTextNode(after));
}

/** Fills the page's own text from the data-t, data-t-label and data-t-code attributes. */
export function translate() {
  document.querySelectorAll('[data-t]').forEach(function (el) { el.textContent = T[el.getAttribute('data-t')]; });
  document.querySelectorAll('[data-t-label]').forEach(function (el) { el.setAttribute('aria-label', T[el.getAttribute('data-t-label')]); });
  document.querySelectorAll('[data-t-code]').forEach(function (el) { fillParts(el, T[el.getAttribute('data-t-code')]); });
}

var rtf = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(LOCALE, { numeric: 'auto' }) : null;
export function ago(ms) {
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

export function timeEl(iso, cls, relative) {
  var ms = Date.parse(iso);
  if (isNaN(ms)) return null;
  var d = new Date(ms);
  var el = h('time', { class: cls || null, datetime: iso, title: d.toLocaleString(LOCALE) });
  el.textContent = relative ? ago(ms) : d.toLocaleString(LOCALE, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  return el;
}

function statusLabel(s) { return T.statuses[s] || s; }
export function channelLabel(c) { return T.channels[c] || c || T.none; }
export function pill(status) { return h('span', { class: 'pill ' + status, text: statusLabel(status) }); }

var announcer = $('announce');
export function announce(text) {
  // Cleared first so the same text twice is announced twice.
  announcer.textContent = '';
  setTimeout(function () { announcer.textContent = text; }, 50);
}
