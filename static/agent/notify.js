// New-assignment notices: when a refresh finds tickets newly assigned to me, the tab's title
// counts them ("(2) Spindesk"), a badge says so, an optional sound plays (WebAudio, no file; off
// by default) and, if the agent allowed it, the browser shows a notification. Opening a ticket
// takes it off the count.
import { T } from './strings.js';
import { $, announce } from './ui.js';
import { api, sget, sset, session } from './api.js';
import { state } from './state.js';

var MINE_VIEW = 1; // Your unsolved tickets
var TITLE = document.title;

var badge = $('new-badge'), soundBox = $('sound'), notifyButton = $('notify');
var known = null; // ticket ids assigned to me at the last check; null before the first
var audio = null;

soundBox.checked = sget('sound') === 'on';
soundBox.addEventListener('change', function () {
  sset('sound', soundBox.checked ? 'on' : null);
  if (soundBox.checked) beep(); // a gesture: the audio context may start now, and the agent hears it
});

function canNotify() { return typeof Notification !== 'undefined'; }
function renderNotifyButton() {
  notifyButton.hidden = !canNotify() || Notification.permission !== 'default';
}
// Asked only when the agent clicks: browsers ignore (or punish) unprompted requests.
notifyButton.addEventListener('click', function () {
  if (!canNotify()) return;
  Promise.resolve(Notification.requestPermission()).then(function (p) {
    renderNotifyButton();
    announce(p === 'granted' ? T.notificationsOn : T.notificationsOff);
  });
});

function beep() {
  try {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    audio = audio || new Ctx();
    var t = audio.currentTime;
    [880, 1320].forEach(function (f, i) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, t + i * 0.15);
      gain.gain.exponentialRampToValueAtTime(0.2, t + i * 0.15 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.15 + 0.14);
      osc.connect(gain).connect(audio.destination);
      osc.start(t + i * 0.15);
      osc.stop(t + i * 0.15 + 0.15);
    });
  } catch (e) { /* no sound is no loss */ }
}

function render() {
  var n = Object.keys(state.fresh).length;
  document.title = n ? '(' + n + ') ' + TITLE : TITLE;
  badge.hidden = !n;
  badge.textContent = n ? T.newAssigned(n) : '';
}

/** One check: my unsolved tickets now against the last check. */
export function checkAssignments() {
  var g = session.gen;
  return api('GET', '/api/v2/views/' + MINE_VIEW + '/tickets.json?per_page=100&sort_by=updated_at&sort_order=desc').then(function (data) {
    if (g !== session.gen) return;
    var now = {}, added = [];
    (data.tickets || []).forEach(function (t) {
      now[t.id] = true;
      if (known && !known[t.id] && !(state.current && state.current.id === t.id)) added.push(t);
    });
    known = now;
    for (var id in state.fresh) if (!now[id]) delete state.fresh[id];
    if (!added.length) { render(); return; }
    added.forEach(function (t) { state.fresh[t.id] = true; });
    render();
    announce(T.newAssigned(added.length));
    if (soundBox.checked) beep();
    if (canNotify() && Notification.permission === 'granted') {
      try {
        var n = new Notification(T.newAssigned(added.length), { body: added[0].subject || '#' + added[0].id, tag: 'spindesk-assigned' });
        n.onclick = function () { window.focus(); location.hash = '#ticket/' + added[0].id; n.close(); };
      } catch (e) { /* some browsers allow notifications only from a service worker */ }
    }
  });
}

/** The agent opened `id`: it isn't news any more. */
export function seenAssignment(id) {
  if (!state.fresh[id]) return;
  delete state.fresh[id];
  render();
}

export function resetNotices() {
  known = null;
  render();
}

badge.addEventListener('click', function () {
  var ids = Object.keys(state.fresh);
  if (ids.length) location.hash = '#ticket/' + ids[0];
});

renderNotifyButton();
