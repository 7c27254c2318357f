/*! Spindesk widget API stub: load it before widget.js (or paste it inline) so that calls
 * made before widget.js has loaded wait in a queue and run, in order, once it has. */
window.Spindesk = window.Spindesk || (function () {
  var s = { q: [] };
  ['open', 'close', 'toggle', 'show', 'hide', 'setLocale', 'prefill', 'send', 'setConversationFields', 'loginUser', 'logoutUser', 'on', 'off'].forEach(function (m) {
    s[m] = function () { s.q.push([m, arguments]); };
  });
  return s;
})();
