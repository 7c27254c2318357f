/*! Spindesk widget: proactive messages. Loaded by widget.js only on pages a rule is for.
 * A rule fires after its seconds on the page, at most once per visitor per day (remembered in
 * this browser), never while the chat is open or an agent is answering. Text goes in with
 * textContent only. */
(function () {
  'use strict';
  var x = window.Spindesk && window.Spindesk._ctx;
  if (!x || x.started) return;
  x.started = true;
  var h = x.h;
  var CSS = '.pro{position:fixed;right:var(--x);bottom:calc(var(--y) + 68px);z-index:2147483000;width:300px;max-width:calc(100vw - 24px);' +
    'padding:12px 14px;background:#fff;border-radius:14px;box-shadow:0 8px 28px rgba(0,0,0,.2);animation:in .18s ease-out}' +
    '.pro .pm{margin:0 22px 0 0;white-space:pre-wrap;overflow-wrap:anywhere;cursor:pointer;border:0;background:none;padding:0;text-align:left;color:inherit}' +
    '.pro .who{display:block;font-size:12px;color:var(--mu);margin-bottom:2px}' +
    '.pro .px{position:absolute;top:6px;right:6px;width:28px;height:28px;border:0;border-radius:6px;background:none;color:var(--mu);font-size:18px;line-height:1}' +
    '.pro .qr{margin-top:10px}';
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    x.root.adoptedStyleSheets = x.root.adoptedStyleSheets.concat([sheet]);
  } catch (e) { return; } // no constructed stylesheets: no unstyled bubbles either

  var DISMISS = x.lang() === 'ko' ? '닫기' : 'Dismiss';
  // Counts for the admin (how often each rule was shown and clicked); best effort.
  function count(id, what) {
    fetch(x.api + '/proactive/' + encodeURIComponent(id) + '/' + what, { method: 'POST', credentials: 'omit' })
      .catch(function () { /* not counted */ });
  }
  var shown = null;

  function today() {
    var d = new Date();
    return d.getFullYear() + '-' + (d.getMonth() + 1) + '-' + d.getDate();
  }

  // `*` stands for any characters; everything else is literal. Globs match the whole path,
  // other rules its beginning.
  function matches(r) {
    var path = location.pathname;
    if (r.match !== 'glob') return path.indexOf(r.url) === 0;
    var re = r.url.split('*').map(function (part) { return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'); }).join('.*');
    return new RegExp('^' + re + '$').test(path);
  }

  function remove() { if (shown) { shown.remove(); shown = null; } }

  function fire(r) {
    if (shown || x.busy() || x.load('pro:' + r.id) === today()) return;
    x.save('pro:' + r.id, today());
    var clicked = false;
    function click(text) {
      if (!clicked) count(r.id, 'clicked');
      clicked = true;
      remove();
      x.reply(text);
    }
    var msg = h('button', { class: 'pm', type: 'button', onclick: function () { click(); } },
      [h('span', { class: 'who', text: x.S.business_name || 'Bot' }), document.createTextNode(r.message)]);
    var qr = h('div', { class: 'qr', role: 'group' });
    (r.quick_replies || []).slice(0, 3).forEach(function (text) {
      qr.appendChild(h('button', { type: 'button', text: text, onclick: function () { click(text); } }));
    });
    shown = h('div', { class: 'pro', role: 'status' }, [
      msg, qr.firstChild ? qr : null,
      h('button', { class: 'px', type: 'button', 'aria-label': DISMISS, title: DISMISS, text: '×', onclick: remove })
    ]);
    x.wrap.appendChild(shown);
    count(r.id, 'shown');
  }

  x.rules.forEach(function (r) {
    if (!matches(r)) return;
    if ((r.visitor === 'new' && !x.isNew) || (r.visitor === 'returning' && x.isNew)) return;
    setTimeout(function () { fire(r); }, (r.seconds || 0) * 1000);
  });
  window.Spindesk.on('open', remove);
})();
