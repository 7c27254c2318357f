// Keyboard shortcuts and their help sheet (`?`). Single keys never fire while the agent types
// (inputs, selects, text areas) or holds a modifier, so they can't eat a letter of a reply.
import { $ } from './ui.js';

var dialog = $('shortcuts'), closeButton = $('shortcuts-close'), helpButton = $('shortcuts-open');
var actions = {};
var back = null; // where focus returns when the sheet closes

/** `map`: key -> function, e.g. { '/': focusSearch, j: next }. */
export function connectKeys(map) { actions = map; }

function typing(el) {
  if (!el) return false;
  var tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

export function openHelp() {
  if (dialog.open) return;
  back = document.activeElement;
  dialog.showModal();
  closeButton.focus();
}
function closeHelp() { if (dialog.open) dialog.close(); }
dialog.addEventListener('close', function () {
  if (back && back.isConnected && back.focus) back.focus();
  back = null;
});
closeButton.addEventListener('click', closeHelp);
helpButton.addEventListener('click', openHelp);
// Focus stays in the sheet: Tab from its last control comes back to its first (a modal dialog
// makes the page inert, but the browser's own UI would otherwise be next).
dialog.addEventListener('keydown', function (e) {
  if (e.key !== 'Tab') return;
  var items = dialog.querySelectorAll('button, [href], [tabindex]:not([tabindex="-1"])');
  if (!items.length) return;
  var first = items[0], last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
  else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
});
// A click on the backdrop (the dialog element itself, outside its content) closes it too.
dialog.addEventListener('click', function (e) { if (e.target === dialog) closeHelp(); });

document.addEventListener('keydown', function (e) {
  if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
  if (dialog.open || typing(e.target)) return;
  var fn = e.key === '?' ? openHelp : actions[e.key];
  if (!fn) return;
  if (fn() === false) return; // not now (e.g. no ticket open): the key does what it would
  e.preventDefault();
});
