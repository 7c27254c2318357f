// The article preview: the body HTML an agent typed, cleaned by the same allow-list the server
// applies on the public pages (docs/help-center.md, html::sanitize), written anew as escaped
// markup and shown in an <iframe sandbox srcdoc>: no scripts (sandbox, and the console's CSP,
// which the frame inherits), no same-origin access, no network for images or links. The public
// page at html_url is the authority; this is a close, safe approximation.
import { t } from './strings.js';

const KEEP = new Set(['p', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'a', 'img', 'table', 'caption',
  'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'code', 'pre', 'kbd', 'samp', 'blockquote', 'strong', 'em', 'b',
  'i', 'u', 's', 'del', 'ins', 'mark', 'small', 'sub', 'sup', 'abbr', 'br', 'hr', 'span', 'div', 'figure',
  'figcaption', 'dl', 'dt', 'dd']);
// Gone with everything inside them.
const DROP = new Set(['script', 'style', 'iframe', 'textarea', 'title', 'noscript', 'xmp', 'noembed',
  'noframes', 'svg', 'math', 'template', 'object', 'applet', 'select', 'button', 'datalist', 'head']);
const VOID = new Set(['br', 'hr', 'img']);
const GLOBAL_ATTRS = ['title', 'lang', 'dir'];
const ATTRS = { th: ['colspan', 'rowspan', 'scope'], td: ['colspan', 'rowspan'], img: ['alt', 'width', 'height'] };
const MAX_DEPTH = 100;

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  .replace(/"/g, '&quot;');

/** `href` allowed on the public page: http, https, mailto or relative. */
export function safeHref(raw) {
  // What URL parsers ignore: leading/trailing C0 controls and spaces, tabs and newlines inside.
  const url = String(raw).replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!scheme) return url;
  return ['http', 'https', 'mailto'].includes(scheme[1].toLowerCase()) ? url : null;
}

function safeSrc(raw) {
  const url = safeHref(raw);
  return url && /^https?:/i.test(url) ? url : null;
}

/** The body HTML as the public page would keep it, with links and images made inert. */
export function sanitize(html) {
  const doc = new DOMParser().parseFromString(keepAttributes(String(html)), 'text/html');
  return children(doc.body, 0);
}

// ---- attribute filter ----------------------------------------------------------------------
// Chrome reports a CSP violation for every event-handler and style attribute and every <style>
// element it parses, even in an inert DOMParser document where nothing runs. So before the
// browser parses the body, each tag keeps only the attributes the allow-list could keep (raw, as
// written) and elements dropped with their content (script, style, ...) are left out; the
// browser's parser then builds the tree (implied end tags, character references) from that.
const ALLOWED_NAMES = new Set([...GLOBAL_ATTRS, 'href', 'src', ...Object.values(ATTRS).flat()]);
// Their content is text to the HTML parser, not markup (noscript is markup with scripting off).
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes']);

export function keepAttributes(html) {
  let out = '';
  let i = 0;
  let foreign = 0; // inside <svg>/<math>, where <style> and <script> content is markup again
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) { out += html.slice(i); break; }
    out += html.slice(i, lt);
    i = lt;
    const next = html[i + 1] || '';
    if (html.startsWith('<!--', i)) {
      const end = commentEnd(html, i + 4);
      out += html.slice(i, end);
      i = end;
    } else if (next === '!' || next === '?') {
      const end = html.indexOf('>', i);
      i = end < 0 ? n : end + 1; // a bogus comment: nothing to keep
    } else if (next === '/' && /[a-z]/i.test(html[i + 2] || '')) {
      const m = /^<\/([a-z][^\s/>]*)[^>]*(>|$)/i.exec(html.slice(i));
      if (/^(svg|math)$/i.test(m[1]) && foreign > 0) foreign -= 1;
      out += `</${m[1]}>`;
      i += m[0].length;
    } else if (/[a-z]/i.test(next)) {
      const tag = startTag(html, i);
      if (!tag) break; // unterminated at the end: the browser drops it too
      i = tag.end;
      if (tag.name === 'svg' || tag.name === 'math') foreign += 1;
      if (RAW_TEXT.has(tag.name) && foreign === 0) {
        // Dropped with its content by the sanitizer anyway, and a <style> element alone
        // (even empty) is a reported CSP violation: leave the element out altogether.
        const close = new RegExp(`</${tag.name}[\\s/>]`, 'i').exec(html.slice(i));
        i = close ? i + close.index : n;
      } else if (tag.name !== 'style') {
        out += tag.text;
      }
    } else if (next === '/') {
      const end = html.indexOf('>', i);
      i = end < 0 ? n : end + 1;
    } else {
      out += '&lt;';
      i += 1;
    }
  }
  return out;
}

function commentEnd(html, from) {
  if (html[from] === '>') return from + 1; // <!-->
  if (html.startsWith('->', from)) return from + 2; // <!--->
  const ends = [html.indexOf('-->', from), html.indexOf('--!>', from)].filter((x) => x >= 0);
  if (!ends.length) return html.length;
  const at = Math.min(...ends);
  return at + (html.startsWith('-->', at) ? 3 : 4);
}

/** `<name attr=…>` from `start`: the tag rewritten with allowed attributes, its end, its name. */
function startTag(html, start) {
  const nameMatch = /^<([a-z][^\s/>]*)/i.exec(html.slice(start, start + 200));
  const name = nameMatch[1].toLowerCase();
  let i = start + nameMatch[0].length;
  const kept = [];
  const n = html.length;
  for (;;) {
    while (i < n && /[\s/]/.test(html[i])) i++;
    if (i >= n) return null;
    if (html[i] === '>') { i++; break; }
    const attrName = /^[^\s/>][^\s/>=]*/.exec(html.slice(i, i + 1000))[0];
    i += attrName.length;
    let j = i;
    while (j < n && /\s/.test(html[j])) j++;
    let raw = null;
    if (html[j] === '=') {
      j++;
      while (j < n && /\s/.test(html[j])) j++;
      const quote = html[j];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, j + 1);
        if (close < 0) return null;
        raw = html.slice(j, close + 1);
        j = close + 1;
      } else {
        const m = /^[^\s>]*/.exec(html.slice(j));
        raw = m[0];
        j += raw.length;
      }
      i = j;
    }
    if (ALLOWED_NAMES.has(attrName.toLowerCase())) kept.push(raw === null ? attrName : `${attrName}=${raw}`);
  }
  return { name, end: i, text: `<${nameMatch[1]}${kept.length ? ' ' + kept.join(' ') : ''}>` };
}

function children(node, depth) {
  let out = '';
  for (const child of node.childNodes) out += serialize(child, depth);
  return out;
}

function serialize(node, depth) {
  if (node.nodeType === Node.TEXT_NODE) return escape(node.data);
  if (node.nodeType !== Node.ELEMENT_NODE) return ''; // comments, CDATA, doctypes vanish
  if (node.namespaceURI !== 'http://www.w3.org/1999/xhtml') return '';
  let tag = node.localName;
  if (DROP.has(tag)) return '';
  if (tag === 'h1') tag = 'h2'; // the title is the page's one h1
  if (!KEEP.has(tag) || depth >= MAX_DEPTH) return children(node, depth);
  const attrs = [];
  for (const name of [...GLOBAL_ATTRS, ...(ATTRS[tag] || [])]) {
    if (node.hasAttribute(name)) attrs.push(`${name}="${escape(node.getAttribute(name))}"`);
  }
  if (tag === 'img') {
    const src = node.hasAttribute('src') ? safeSrc(node.getAttribute('src')) : null;
    if (!src) return '';
    // No request leaves the console: the image is a labelled placeholder.
    const label = node.getAttribute('alt') || src;
    return `<span class="img" title="${escape(src)}">${escape(t('preview.image', { label }))}</span>`;
  }
  if (tag === 'a' && node.hasAttribute('href')) {
    const href = safeHref(node.getAttribute('href'));
    // Inert in the preview: the target is shown on hover, nothing navigates.
    if (href !== null) attrs.push('class="link"');
    if (href !== null && !node.hasAttribute('title')) attrs.push(`title="${escape(href)}"`);
  }
  const open = `<${tag}${attrs.length ? ' ' + attrs.join(' ') : ''}>`;
  if (VOID.has(tag)) return open;
  return `${open}${children(node, depth + 1)}</${tag}>`;
}

/** A whole preview document: the title as the one h1, then the cleaned body. */
export function previewDocument({ title, body, locale }) {
  return '<!doctype html><html lang="' + escape(locale || 'en') + '"><head><meta charset="utf-8">'
    + '<link rel="stylesheet" href="/admin/preview.css"></head><body><h1>' + escape(title || '') + '</h1>'
    + sanitize(body || '') + '</body></html>';
}
