// The customer's messaging window on their channel (GET /api/v2/tickets/{id}/reply_window):
// WhatsApp after 24 hours takes only an approved template, so the composer offers the
// registered ones with their parameters; Messenger says when a reply goes tagged HUMAN_AGENT,
// and when nothing can be sent any more (docs/channels.md).
import { T } from './strings.js';
import { $, h } from './ui.js';
import { api } from './api.js';

var box = h('div', { id: 'reply-window', class: 'reply-window', hidden: '' });
var note = h('p', { class: 'hint', 'aria-live': 'polite' });
var pick = h('select', { id: 'template-pick' });
var params = h('div', { class: 'template-params' });
var picker = h('div', { class: 'template-picker', hidden: '' }, [
  h('label', { for: 'template-pick', text: T.templateLabel }), pick, params
]);
box.appendChild(note);
box.appendChild(picker);
var composerError = $('composer-error');
composerError.parentNode.insertBefore(box, composerError);

var templates = [];
var shownFor = null;

function renderParams() {
  params.textContent = '';
  var tpl = templates[pick.value];
  (tpl ? tpl.parameters : []).forEach(function (name, i) {
    var id = 'template-param-' + i;
    params.appendChild(h('label', { for: id, text: '{{' + (i + 1) + '}} ' + name }));
    params.appendChild(h('input', { id: id, type: 'text', maxlength: '1024', required: '' }));
  });
}
pick.addEventListener('change', renderParams);

/** Shows the window of ticket `id` (called when a ticket opens and after each reply). */
export function showWindow(id) {
  shownFor = id;
  api('GET', '/api/v2/tickets/' + id + '/reply_window.json').then(function (data) {
    if (shownFor !== id) return;
    var w = data.reply_window;
    templates = w.state === 'template' ? w.templates : [];
    box.hidden = w.state === 'open';
    picker.hidden = w.state !== 'template' || !templates.length;
    note.textContent = w.state === 'template' ? (templates.length ? T.windowTemplate : T.windowNoTemplates)
      : w.state === 'human_agent_tag' ? T.windowTagged
      : w.state === 'closed' ? T.windowClosed : '';
    pick.textContent = '';
    templates.forEach(function (tpl, i) {
      pick.appendChild(h('option', { value: String(i), text: tpl.name + ' (' + tpl.language + ')' }));
    });
    renderParams();
  }, function () { box.hidden = true; templates = []; });
}

/** The template chosen for a reply outside WhatsApp's window, or null. */
export function chosenTemplate() {
  var tpl = picker.hidden ? null : templates[pick.value];
  if (!tpl) return null;
  var values = Array.prototype.map.call(params.querySelectorAll('input'), function (i) { return i.value.trim(); });
  return { name: tpl.name, language: tpl.language, parameters: values };
}
