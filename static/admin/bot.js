// Bot: the draft's health, validate, publish with a note, versions with rollback, JSON export
// and import of the draft, and a simulator that runs the draft against typed messages.
import { t } from './strings.js';
import { h, fill, field, errorBox, errorText, onSubmit, busy, confirmAction, announce, time, badge, loading, problemList, uid } from './ui.js';
import { get, post, request } from './api.js';

export function render(main) {
  const overview = h('dl', { class: 'overview' }, loading());
  const overviewErrors = errorBox();
  const versionsBox = h('div', { class: 'table-wrap' }, loading());
  const versionsErrors = errorBox();

  async function refresh() {
    await Promise.all([drawOverview(), drawVersions()]);
  }

  async function drawOverview() {
    overviewErrors.clear();
    try {
      const o = await get('/api/bot');
      const item = (label, value) => h('div', null, h('dt', { text: label }), h('dd', null, value));
      fill(overview,
        item(t('bot.live'), o.live_version == null ? t('bot.starter') : t('bot.version', { n: o.live_version })),
        item(t('bot.draftRevision'), String(o.draft.revision)),
        item(t('bot.answers'), String(o.draft.answers)),
        item(t('bot.steps'), String(o.draft.steps)),
        item(t('bot.draftValid'), o.draft.valid ? badge(t('bot.valid'), 'live') : badge(t('bot.invalid'), 'invalid')));
    } catch (err) {
      fill(overview);
      overviewErrors.show(err);
    }
  }

  async function drawVersions() {
    versionsErrors.clear();
    try {
      const { versions } = await get('/api/bot/versions');
      fill(versionsBox, versions.length ? h('table', null,
        h('caption', { class: 'sr-only', text: t('bot.versionsCaption') }),
        h('thead', null, h('tr', null, ['bot.versionCol', 'bot.note', 'bot.published', 'common.actions']
          .map((k) => h('th', { scope: 'col', text: t(k) })))),
        h('tbody', null, versions.map(versionRow)))
        : h('p', { class: 'muted', text: t('bot.noVersions') }));
    } catch (err) {
      fill(versionsBox);
      versionsErrors.show(err);
    }
  }

  function versionRow(v) {
    let action;
    if (v.live) {
      action = badge(t('bot.isLive'), 'live');
    } else {
      action = h('button', { type: 'button', class: 'small', text: t('bot.rollback'), 'aria-label': t('bot.rollbackTo', { n: v.version }) });
      action.addEventListener('click', async () => {
        versionsErrors.clear();
        const ok = await confirmAction({
          title: t('bot.rollbackTitle', { n: v.version }),
          message: t('bot.rollbackMessage', { n: v.version }),
          confirm: t('bot.rollbackConfirm', { n: v.version }),
        });
        if (!ok) return;
        try {
          await busy(action, () => post('/api/bot/rollback', { version: v.version }));
          announce(t('bot.rolledBack', { n: v.version }));
          await refresh();
        } catch (err) { versionsErrors.show(err); }
      });
    }
    return h('tr', null,
      h('th', { scope: 'row', text: t('bot.version', { n: v.version }) }),
      h('td', { text: v.note || '—' }),
      h('td', null, time(v.published_at)),
      h('td', null, action));
  }

  // ---- validate ----
  const checkButton = h('button', { type: 'button', text: t('bot.validate') });
  const checkResult = h('div', { role: 'status' });
  checkButton.addEventListener('click', async () => {
    fill(checkResult);
    try {
      await busy(checkButton, async () => {
        const { bot } = await get('/api/bot/draft');
        await post('/api/bot/validate', bot);
      });
      fill(checkResult, h('p', { class: 'ok-box', text: t('bot.validOk') }));
    } catch (err) {
      fill(checkResult, problems(err));
    }
  });

  /** An error in words (in a status region); a refused document with every problem and where. */
  function problems(err, heading = 'bot.problems') {
    if (!err.problems || !err.problems.length || err.status !== 422) {
      return h('div', { class: 'error' }, errorText(err));
    }
    return h('div', { class: 'error' },
      h('p', { text: t(heading, { n: err.problems.length }) }),
      problemList(err.problems));
  }

  // ---- publish ----
  const note = h('input', { type: 'text', maxlength: 500, name: 'note', autocomplete: 'off' });
  const publishResult = h('div', { role: 'status' });
  const publishErrors = errorBox();
  const publishForm = h('form', { novalidate: true },
    field(t('bot.noteLabel'), note, t('bot.noteHint')),
    publishErrors.el,
    publishResult,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('bot.publish') })));
  onSubmit(publishForm, publishErrors, async () => {
    fill(publishResult);
    try {
      const { version } = await post('/api/bot/publish', { note: note.value.trim() });
      note.value = '';
      announce(t('bot.publishedMsg', { n: version.version }));
      fill(publishResult, h('p', { class: 'ok-box', text: t('bot.publishedMsg', { n: version.version }) }));
      await refresh();
    } catch (err) {
      if (err.status === 422 && err.problems.some((p) => p.pointer)) fill(publishResult, problems(err, 'bot.publishProblems'));
      else throw err;
    }
  });

  // ---- export / import ----
  const exportButton = h('button', { type: 'button', text: t('bot.export') });
  const file = h('input', { type: 'file', accept: 'application/json,.json' });
  const importButton = h('button', { type: 'button', text: t('bot.import') });
  const transferResult = h('div', { role: 'status' });
  exportButton.addEventListener('click', async () => {
    fill(transferResult);
    try {
      const text = await busy(exportButton, () => request('GET', '/api/bot/export?version=draft', undefined, { text: true }));
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const a = h('a', { href: url, download: 'spindesk-bot-draft.json' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      announce(t('bot.exported'));
    } catch (err) { fill(transferResult, problems(err)); }
  });
  importButton.addEventListener('click', async () => {
    fill(transferResult);
    const chosen = file.files && file.files[0];
    if (!chosen) { fill(transferResult, problems(new Error(t('bot.chooseFile')))); file.focus(); return; }
    let doc;
    try { doc = JSON.parse(await chosen.text()); } catch (err) {
      fill(transferResult, problems(new Error(t('bot.notJson', { reason: err.message }))));
      return;
    }
    const ok = await confirmAction({ title: t('bot.importTitle'), message: t('bot.importMessage', { file: chosen.name }), confirm: t('bot.importConfirm') });
    if (!ok) return;
    try {
      await busy(importButton, () => post('/api/bot/import', doc), [file]);
      fill(transferResult, h('p', { class: 'ok-box', text: t('bot.imported') }));
      file.value = '';
      await refresh();
    } catch (err) { fill(transferResult, problems(err, 'bot.importProblems')); }
  });
  file.id = uid('file');

  const sim = simulator();
  main.append(
    h('h1', { text: t('bot.title') }),
    h('p', { class: 'lead', text: t('bot.intro') }),
    overviewErrors.el,
    overview,
    h('div', { class: 'bot-grid' },
      h('div', null,
        h('section', { class: 'card', 'aria-labelledby': 'bot-check' },
          h('h2', { id: 'bot-check', text: t('bot.checkTitle') }),
          h('p', { class: 'hint', text: t('bot.checkIntro') }),
          h('div', { class: 'actions' }, checkButton),
          checkResult),
        h('section', { class: 'card', 'aria-labelledby': 'bot-publish' },
          h('h2', { id: 'bot-publish', text: t('bot.publishTitle') }),
          h('p', { class: 'hint', text: t('bot.publishIntro') }),
          publishForm),
        h('section', { class: 'card', 'aria-labelledby': 'bot-json' },
          h('h2', { id: 'bot-json', text: t('bot.jsonTitle') }),
          h('p', { class: 'hint', text: t('bot.jsonIntro') }),
          h('div', { class: 'actions' }, exportButton),
          h('div', { class: 'field' }, h('label', { for: file.id, text: t('bot.importLabel') }), file),
          h('div', { class: 'actions' }, importButton),
          transferResult)),
      sim.el),
    h('section', { 'aria-labelledby': 'bot-versions' },
      h('div', { class: 'section-head' }, h('h2', { id: 'bot-versions', text: t('bot.versionsTitle') })),
      versionsErrors.el,
      versionsBox));
  refresh();
}

// ---- the simulator ---------------------------------------------------------------------------

const LOCALES = [['en', 'bot.sim.en'], ['ko-KR', 'bot.sim.ko']];

function simulator() {
  let state = null;
  let handedOff = false;
  const locale = h('select', null, LOCALES.map(([v, k]) => h('option', { value: v, text: t(k) })));
  const log = h('ol', { class: 'sim-log', role: 'log', 'aria-live': 'polite', 'aria-label': t('bot.sim.log'), tabindex: '0' });
  const replies = h('div', { class: 'replies', role: 'group', 'aria-label': t('bot.sim.replies') });
  const input = h('input', { type: 'text', maxlength: 4096, autocomplete: 'off', 'aria-label': t('bot.sim.message'), placeholder: t('bot.sim.placeholder') });
  const send = h('button', { type: 'submit', class: 'primary', text: t('bot.sim.send') });
  const reset = h('button', { type: 'button', text: t('bot.sim.reset') });
  const errors = errorBox();

  const line = (who, cls, ...content) => {
    log.append(h('li', { class: cls }, h('span', { class: 'who', text: who }), h('div', { class: 'bubble' }, content)));
    log.scrollTop = log.scrollHeight;
  };

  function show(entry) {
    if (entry.from === 'customer') return line(t('bot.sim.customer'), 'customer', entry.text);
    if (entry.type === 'text') return line(t('bot.sim.bot'), 'bot', entry.text);
    if (entry.type === 'articles') {
      return line(t('bot.sim.bot'), 'bot', t('bot.sim.articles'), h('ul', null, entry.articles.map((a) => h('li', null,
        /^https?:\/\//i.test(a.url) ? h('a', { href: a.url, target: '_blank', rel: 'noopener noreferrer', text: a.title }) : a.title,
        a.snippet && !a.url ? [' — ', a.snippet] : null))));
    }
    if (entry.type === 'transfer') {
      handedOff = true;
      const tags = entry.tags && entry.tags.length ? entry.tags.join(', ') : t('common.none');
      return line(t('bot.sim.system'), 'system', t('bot.sim.transfer', { tags }));
    }
    return line(t('bot.sim.bot'), 'bot', JSON.stringify(entry));
  }

  function offer(quickReplies) {
    fill(replies, (quickReplies || []).map((q) => h('button', {
      type: 'button', text: q.label, onclick: () => say({ tap: q.label }),
    })));
  }

  async function say(what) {
    errors.clear();
    if (handedOff) {
      errors.show(new Error(t('bot.sim.agents')));
      return;
    }
    try {
      const answer = await busy(send, () => post('/api/bot/simulate', { inputs: [what], locale: locale.value, state }),
        [input, locale, ...replies.querySelectorAll('button')]);
      state = answer.state;
      answer.transcript.forEach(show);
      const lastText = [...answer.transcript].reverse().find((e) => e.from === 'bot' && e.type === 'text');
      offer(answer.switchboard === 'agent' ? [] : lastText && lastText.quick_replies);
      const trace = answer.turns.flatMap((turn) => turn.trace || []);
      if (trace.length) {
        log.lastElementChild.append(h('details', null, h('summary', { text: t('bot.sim.trace') }),
          h('p', { class: 'mono hint', text: trace.join(' → ') })));
      }
      input.value = '';
    } catch (err) {
      errors.show(err);
    }
    input.focus();
  }

  const form = h('form', { class: 'sim-form', novalidate: true }, input, send);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) say(text);
  });
  reset.addEventListener('click', () => {
    state = null;
    handedOff = false;
    fill(log);
    fill(replies);
    errors.clear();
    input.focus();
  });
  locale.addEventListener('change', () => reset.click());
  locale.id = uid('simloc');

  const el = h('section', { class: 'card', 'aria-labelledby': 'bot-sim' },
    h('h2', { id: 'bot-sim', text: t('bot.sim.title') }),
    h('p', { class: 'hint', text: t('bot.sim.intro') }),
    h('div', { class: 'actions' }, h('label', { for: locale.id, text: t('bot.sim.locale') }), locale, reset),
    log,
    replies,
    errors.el,
    form);
  return { el };
}
