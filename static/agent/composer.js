// The composer: a public reply or an internal note on the open ticket, with a draft per ticket
// that survives a reload.
import { T } from './strings.js';
import { $, announce, showError } from './ui.js';
import { api, sset } from './api.js';
import { state } from './state.js';
import { pendingUploads, clearUploads } from './files.js';
import { showWindow, chosenTemplate } from './window.js';

var MAX = 4096; // comment limit (the API's)
var WARN_AT = MAX - 256;

var composer = $('composer'), reply = $('reply'), replyLabel = $('reply-label'), sendButton = $('send');
var hint = $('composer-hint'), counter = $('count'), composerError = $('composer-error'), closedNote = $('composer-closed');
var modePublic = $('mode-public'), modeNote = $('mode-note');
var scroller = $('t-scroll');
var viaWrap = $('via-wrap'), via = $('reply-via');

/** The channels the customer can be reached on: with more than one, the agent may choose
 * where a public reply goes (`comment.channel`); by default it goes where they last wrote. */
export function setReplyChannels(channels) {
  var unique = channels.filter(function (c, i) { return channels.indexOf(c) === i; });
  via.textContent = '';
  via.appendChild(new Option(T.viaLast, ''));
  unique.forEach(function (c) { via.appendChild(new Option(T.channels[c] || c, c)); });
  viaWrap.hidden = unique.length < 2 || modeNote.checked;
}

// The open ticket's module shows what the server answered; it imports this one.
var hooks = { apply: function () {}, addComments: function () {}, refresh: function () {} };
/** `apply(ticket, force)` and `addComments(list)` show answers; `refresh()` reloads the ticket. */
export function connectComposer(apply, addComments, refresh) {
  hooks = { apply: apply, addComments: addComments, refresh: refresh };
}

var sent = function () {};
/** `fn()` runs after a send succeeded (the macro it carried is done). */
export function afterSend(fn) { sent = fn; }

/** Puts `text` in the composer (a macro's comment) as a reply or, with `note`, a note. */
export function setComposerText(text, note) {
  reply.value = text;
  (note ? modeNote : modePublic).checked = true;
  renderMode();
  updateCounter();
  saveDraft();
  reply.focus();
}

/** `r` / `n`: start a public reply or an internal note. */
export function focusComposer(note) {
  if (reply.disabled) return;
  (note ? modeNote : modePublic).checked = true;
  renderMode();
  saveDraft();
  reply.focus();
}

/** A closed ticket takes no replies; `reason` says why. */
export function setComposerEditable(on, reason) {
  var sending = state.current && state.current.sending;
  reply.disabled = !on;
  modePublic.disabled = modeNote.disabled = !on;
  sendButton.disabled = !on || !!sending;
  closedNote.textContent = reason || '';
}

/** A freshly opened ticket: its draft, or an empty public reply. */
export function loadDraft(id) {
  composerError.textContent = '';
  showWindow(id);
  var draft = state.drafts[id] || { text: '', note: false };
  reply.value = draft.text;
  (draft.note ? modeNote : modePublic).checked = true;
  renderMode();
  updateCounter();
}

export function saveDraft() {
  var current = state.current;
  if (!current) return;
  if (reply.value) state.drafts[current.id] = { text: reply.value, note: modeNote.checked };
  else delete state.drafts[current.id];
  sset('drafts', JSON.stringify(state.drafts));
}

function renderMode() {
  var note = modeNote.checked;
  composer.classList.toggle('note', note);
  viaWrap.hidden = note || via.options.length < 3;
  replyLabel.textContent = note ? T.noteLabel : T.replyLabel;
  hint.textContent = note ? T.noteHint : T.replyHint;
  sendButton.textContent = state.current && state.current.sending ? T.sending : note ? T.addNote : T.sendReply;
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
  var c = state.current;
  if (!c || !c.ticket || c.sending || reply.disabled) return;
  var text = reply.value;
  var macro = c.macro; // field changes of a chosen macro go with the comment, in one update
  var hasFields = macro && Object.keys(macro.fields).length;
  var files = pendingUploads();
  if (files.busy) { composerError.textContent = T.stillUploading; return; }
  if (!text.trim() && !hasFields) { reply.focus(); return; }
  var isPublic = !modeNote.checked;
  var ticket = Object.assign({}, macro ? macro.fields : {});
  if (text.trim()) ticket.comment = { body: text, public: isPublic };
  if (ticket.comment && files.uploads) ticket.comment.uploads = files.uploads;
  if (ticket.comment && isPublic && via.value) ticket.comment.channel = via.value;
  var template = isPublic && ticket.comment ? chosenTemplate() : null;
  if (template) ticket.comment.whatsapp_template = template;
  c.sending = true;
  reply.readOnly = true; // keeps focus and the draft; nothing to edit while it goes
  sendButton.disabled = true;
  composer.setAttribute('aria-busy', 'true');
  composerError.textContent = '';
  renderMode();
  api('PUT', '/api/v2/tickets/' + c.id + '.json', { ticket: ticket }).then(function (data) {
    if (c !== state.current) { delete state.drafts[c.id]; sset('drafts', JSON.stringify(state.drafts)); return; }
    if (reply.value === text) reply.value = '';
    saveDraft();
    updateCounter();
    hooks.apply(data.ticket, !!hasFields);
    if (macro && c.macro === macro) sent();
    if (files.uploads) clearUploads();
    // Shown at once from the audit; the next refresh confirms it (same id, not added twice).
    // One with files waits for the refresh, which lists them.
    var ev = data.audit && (data.audit.events || []).find(function (e) { return e.type === 'Comment'; });
    if (ev && ev.id != null && !files.uploads) {
      hooks.addComments([{ id: ev.id, author_id: data.audit.author_id, body: ev.body, public: ev.public, created_at: data.audit.created_at }]);
      scroller.scrollTop = scroller.scrollHeight;
    }
    announce(isPublic ? T.replySent : T.noteAdded);
    hooks.refresh();
    showWindow(c.id);
  }, function (err) {
    if (c !== state.current) { state.drafts[c.id] = { text: text, note: !isPublic }; sset('drafts', JSON.stringify(state.drafts)); return; }
    showError(composerError, err);
    hooks.refresh(); // e.g. closed meanwhile: the refresh shows why
  }).then(function () {
    c.sending = false;
    if (c !== state.current) return;
    reply.readOnly = false;
    composer.removeAttribute('aria-busy');
    var open = c.ticket && c.ticket.status !== 'closed';
    sendButton.disabled = !open;
    renderMode();
  });
}
