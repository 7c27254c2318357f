// The agent's presence (online / away / offline) in the header. What the server says applies
// is shown, including its automatic away; the workspace's own requests keep last_seen_at fresh.
import { T } from './strings.js';
import { $, announce } from './ui.js';
import { api, session, Poller } from './api.js';

var PRESENCE_EVERY = 30000; // the server moves last_seen_at at most every 30 s

var select = $('presence'), note = $('presence-note'), box = $('presence-box');
var busy = false;
var mine = null; // this agent's user id, from the first presence read
var onChanged = function () {};
/** `fn()` runs after a change the agent made (coming online may have assigned tickets). */
export function whenPresenceChanged(fn) { onChanged = fn; }

export var presencePoller = new Poller(load, PRESENCE_EVERY);

function show(p) {
  if (!p) return;
  mine = p.user_id;
  box.hidden = false;
  box.dataset.status = p.status;
  if (!busy) select.value = p.chosen_status;
  // Chose online but idle longer than away_after_seconds: the server routes nothing to them.
  var auto = p.chosen_status === 'online' && p.status === 'away';
  note.hidden = !auto;
  note.textContent = auto ? T.autoAway : '';
  select.title = T.presenceNow(T.presences[p.status] || p.status);
}

function load() {
  var g = session.gen;
  return api('GET', '/api/v2/users/me/presence.json').then(function (data) {
    if (g === session.gen) show(data.presence);
  }, function (err) {
    // The admin token has no presence (403): the switch stays hidden.
    if (err.status === 403) { box.hidden = true; presencePoller.stop(); return; }
    throw err;
  });
}

export function hidePresence() { box.hidden = true; }

/** A `presence` event from the desk's stream: the agent changed it in another tab or device,
 *  or an admin deactivated them; read what now applies instead of waiting for the poll. */
export function presenceEvent(ev) {
  if (ev && mine !== null && ev.user_id === mine && !busy) presencePoller.now();
}

select.addEventListener('change', function () {
  var want = select.value, g = session.gen;
  busy = true;
  select.disabled = true;
  api('PUT', '/api/v2/users/me/presence.json', { presence: want }).then(function (data) {
    if (g !== session.gen) return;
    busy = false;
    show(data.presence);
    var n = (data.assigned_ticket_ids || []).length;
    announce(T.presenceSet(T.presences[want]) + (n ? ' ' + T.assignedOnline(n) : ''));
    onChanged();
  }, function (err) {
    if (g !== session.gen) return;
    busy = false;
    announce(err.message);
    presencePoller.now();
  }).then(function () { select.disabled = false; });
});
