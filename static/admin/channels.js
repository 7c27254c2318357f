// Channels: messaging integrations (credentials write-only: typed in, never shown again) and
// the outbox of replies to them (failed sends, retry, drain now).
import { t } from './strings.js';
import { h, fill, field, errorBox, onSubmit, busy, confirmAction, announce, copyable, time, badge, loading, sectionHead, uid } from './ui.js';
import { get, post, patch, del } from './api.js';
import { templatesPanel } from './templates.js';

// Exactly the credential fields docs/channels.md lists per type (all required on create).
// `secret`: a password input; `generate`: a value the admin invents and gives the vendor.
const TYPES = {
  whatsapp: [
    { name: 'phone_number_id' }, { name: 'access_token', secret: true },
    { name: 'app_secret', secret: true }, { name: 'verify_token', secret: true, generate: true },
  ],
  messenger: [
    { name: 'page_id' }, { name: 'page_access_token', secret: true },
    { name: 'app_secret', secret: true }, { name: 'verify_token', secret: true, generate: true },
  ],
  instagram: [
    { name: 'instagram_account_id' }, { name: 'access_token', secret: true },
    { name: 'app_secret', secret: true }, { name: 'verify_token', secret: true, generate: true },
  ],
  telegram: [{ name: 'bot_token', secret: true }, { name: 'secret_token', secret: true, generate: true }],
  line: [{ name: 'channel_access_token', secret: true }, { name: 'channel_secret', secret: true }],
  viber: [{ name: 'auth_token', secret: true }],
  slack: [{ name: 'bot_token', secret: true }, { name: 'signing_secret', secret: true }],
  twilio: [{ name: 'account_sid' }, { name: 'auth_token', secret: true }, { name: 'from_number' }],
  email: [
    { name: 'server_token', secret: true }, { name: 'from_address' }, { name: 'inbound_domain' },
    { name: 'webhook_username' }, { name: 'webhook_password', secret: true, generate: true },
  ],
};
const typeLabel = (type) => t(`channels.type.${type}`);
const fieldLabel = (name) => t(`channels.cred.${name}`);
const fieldHint = (type, name) => {
  const specific = `channels.hint.${type}.${name}`;
  return t.has(specific) ? t(specific) : (t.has(`channels.hint.${name}`) ? t(`channels.hint.${name}`) : null);
};

// 32 random characters of Telegram's secret_token alphabet (fine for Meta's verify token too).
function randomSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
}

/** One credential input: password for secrets (with Show and, where it fits, Generate). */
function credentialInput(type, spec, editing) {
  const input = h('input', {
    type: spec.secret ? 'password' : 'text', name: spec.name, autocomplete: 'off', spellcheck: 'false',
    class: 'mono', required: !editing, maxlength: 2048,
    placeholder: editing ? t('channels.keep') : null,
  });
  const parts = [input];
  if (spec.secret) {
    const toggle = h('button', { type: 'button', class: 'small', text: t('common.show'), 'aria-pressed': 'false', 'aria-label': t('channels.showSecret', { field: fieldLabel(spec.name) }) });
    toggle.addEventListener('click', () => {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      toggle.textContent = show ? t('common.hide') : t('common.show');
      toggle.setAttribute('aria-pressed', String(show));
    });
    parts.push(toggle);
    if (spec.generate) {
      parts.push(h('button', {
        type: 'button', class: 'small', text: t('channels.generate'),
        'aria-label': t('channels.generateFor', { field: fieldLabel(spec.name) }),
        onclick: () => { input.value = randomSecret(); if (input.type === 'password') toggle.click(); input.focus(); },
      }));
    }
  }
  input.id = uid('cred');
  const hint = fieldHint(type, spec.name);
  const wrap = h('div', { class: 'field' },
    h('label', { for: input.id, text: fieldLabel(spec.name) }),
    h('div', { class: 'secret' }, parts));
  if (hint) {
    const hintEl = h('p', { class: 'hint', id: uid('hint'), text: hint });
    input.setAttribute('aria-describedby', hintEl.id);
    wrap.append(hintEl);
  }
  return { input, el: wrap };
}

export function render(main) {
  const cards = h('div', { class: 'integrations' }, loading());
  const listErrors = errorBox();
  let integrations = [];

  async function refresh() {
    try {
      ({ integrations } = await get('/api/admin/integrations'));
      fill(cards, integrations.length ? integrations.map(card) : h('p', { class: 'muted', text: t('channels.none') }));
    } catch (err) {
      cards.replaceChildren();
      listErrors.show(err);
    }
    outbox.refresh();
  }

  function card(integration) {
    const headingId = uid('int');
    const body = h('div');
    const el = h('article', { class: 'card integration', 'aria-labelledby': headingId },
      h('h3', { id: headingId }, integration.display_name, badge(typeLabel(integration.type))),
      body);
    const edit = h('button', { type: 'button', text: t('common.edit'), 'aria-label': t('channels.editFor', { name: integration.display_name }) });
    const remove = h('button', { type: 'button', class: 'danger', text: t('common.delete'), 'aria-label': t('channels.deleteFor', { name: integration.display_name }) });
    const errors = errorBox();
    const expected = TYPES[integration.type] || [];
    const missing = expected.filter((f) => !integration.credentials_set.includes(f.name));
    const view = () => fill(body,
      h('dl', null,
        h('dt', { text: t('channels.webhook') }),
        h('dd', null, integration.webhook_url
          ? [copyable(integration.webhook_url, t('channels.webhookOf', { name: integration.display_name })), originNote(integration.webhook_url)]
          : h('p', { class: 'warning', text: t('channels.noWebhook') })),
        h('dt', { text: t('channels.credentials') }),
        h('dd', null, h('ul', { class: 'creds', 'aria-label': t('channels.credentialsSet') },
          integration.credentials_set.map((name) => h('li', null, badge(`✓ ${fieldLabel(name)}`, 'sent'))),
          missing.map((f) => h('li', null, badge(`✗ ${fieldLabel(f.name)}`, 'failed'))))),
        integration.api_base_url ? [h('dt', { text: t('channels.apiBase') }), h('dd', { class: 'mono', text: integration.api_base_url })] : null,
        h('dt', { text: t('channels.updated') }), h('dd', null, time(integration.updated_at))),
      integration.type === 'whatsapp' ? templatesPanel(integration) : null,
      errors.el,
      h('div', { class: 'actions' }, edit, remove));
    edit.addEventListener('click', () => {
      body.replaceChildren(editForm(integration, view, () => refresh()));
      body.querySelector('input').focus();
    });
    remove.addEventListener('click', async () => {
      errors.clear();
      const ok = await confirmAction({
        title: t('channels.deleteTitle', { name: integration.display_name }),
        message: t('channels.deleteMessage', { type: typeLabel(integration.type) }),
        confirm: t('channels.deleteConfirm'),
      });
      if (!ok) return;
      try {
        await busy(remove, () => del(`/api/admin/integrations/${encodeURIComponent(integration.id)}`), [edit]);
        announce(t('common.deleted', { what: integration.display_name }));
        await refresh();
        listHeading.focus(); // the card and its buttons are gone
      } catch (err) { errors.show(err); }
    });
    view();
    return el;
  }

  // The webhook URL is built from public_base_url; say so when it is not the address in use.
  function originNote(url) {
    let origin = '';
    try { origin = new URL(url).origin; } catch { return null; }
    return origin === location.origin ? null
      : h('p', { class: 'hint', text: t('channels.otherOrigin', { origin }) });
  }

  function editForm(integration, cancel, saved) {
    const name = h('input', { type: 'text', required: true, maxlength: 100, value: integration.display_name });
    const creds = (TYPES[integration.type] || []).map((spec) => ({ spec, ...credentialInput(integration.type, spec, true) }));
    const apiBase = h('input', { type: 'url', class: 'mono', value: integration.api_base_url || '', placeholder: 'https://…' });
    const errors = errorBox();
    const cancelButton = h('button', { type: 'button', text: t('common.cancel'), onclick: cancel });
    const form = h('form', { novalidate: true },
      field(t('channels.name'), name),
      h('fieldset', null, h('legend', { text: t('channels.credentials') }),
        h('p', { class: 'hint', text: t('channels.keepHint') }),
        creds.map((c) => c.el)),
      h('details', integration.api_base_url ? { open: true } : null, h('summary', { text: t('channels.advanced') }),
        field(t('channels.apiBase'), apiBase, t('channels.apiBaseHint'))),
      errors.el,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('common.save') }), cancelButton));
    onSubmit(form, errors, async () => {
      const change = {};
      if (name.value.trim() !== integration.display_name) change.display_name = name.value.trim();
      for (const c of creds) if (c.input.value.trim()) change[c.spec.name] = c.input.value.trim();
      const base = apiBase.value.trim();
      if (base !== (integration.api_base_url || '')) change.api_base_url = base || null;
      if (!Object.keys(change).length) { cancel(); return; }
      await patch(`/api/admin/integrations/${encodeURIComponent(integration.id)}`, { integration: change });
      announce(t('channels.saved', { name: change.display_name || integration.display_name }));
      saved();
    });
    return form;
  }

  // ---- connect a new channel ----
  function connectForm() {
    const type = h('select', { name: 'type' },
      Object.keys(TYPES).map((k) => h('option', { value: k, text: typeLabel(k) })));
    type.value = 'telegram';
    const name = h('input', { type: 'text', name: 'display_name', required: true, maxlength: 100, autocomplete: 'off' });
    const credBox = h('fieldset', null);
    const apiBase = h('input', { type: 'url', class: 'mono', placeholder: 'https://…' });
    let creds = [];
    const showFields = () => {
      creds = TYPES[type.value].map((spec) => ({ spec, ...credentialInput(type.value, spec, false) }));
      fill(credBox,
        h('legend', { text: t('channels.credentialsOf', { type: typeLabel(type.value) }) }),
        h('p', { class: 'hint', text: t('channels.writeOnly') }),
        creds.map((c) => c.el));
    };
    type.addEventListener('change', showFields);
    showFields();
    const errors = errorBox();
    const form = h('form', { class: 'card', novalidate: true },
      h('h2', { text: t('channels.connectTitle') }),
      h('div', { class: 'row' },
        field(t('channels.type'), type),
        field(t('channels.name'), name, t('channels.nameHint'))),
      credBox,
      h('details', null, h('summary', { text: t('channels.advanced') }),
        field(t('channels.apiBase'), apiBase, t('channels.apiBaseHint'))),
      errors.el,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('channels.connect') })));
    onSubmit(form, errors, async () => {
      const integration = { type: type.value, display_name: name.value.trim() };
      for (const c of creds) integration[c.spec.name] = c.input.value.trim();
      if (apiBase.value.trim()) integration.api_base_url = apiBase.value.trim();
      const answer = await post('/api/admin/integrations', { integration });
      name.value = '';
      showFields(); // secrets leave the page as soon as the server has them
      apiBase.value = '';
      announce(t('channels.connected', { name: answer.integration.display_name }));
      await refresh();
    });
    return form;
  }

  const outbox = outboxPanel(() => integrations);
  const listHead = sectionHead(2, t('channels.listTitle'));
  const listHeading = listHead.querySelector('h2');
  listHeading.tabIndex = -1;
  main.append(
    h('h1', { text: t('channels.title') }),
    h('p', { class: 'lead', text: t('channels.intro') }),
    listHead,
    listErrors.el,
    cards,
    connectForm(),
    outbox.el);
  refresh();
}

// ---- the outbox ------------------------------------------------------------------------------

const FILTERS = ['problems', 'pending', 'sending', 'sent', 'failed', 'dead', 'all'];

function outboxPanel(integrations) {
  const filter = h('select', null, FILTERS.map((f) => h('option', { value: f, text: t(`outbox.filter.${f}`) })));
  const refreshButton = h('button', { type: 'button', text: t('common.refresh') });
  const drainButton = h('button', { type: 'button', class: 'primary', text: t('outbox.drain') });
  const drainResult = h('p', { class: 'drain-result', role: 'status', hidden: true });
  const errors = errorBox();
  const table = h('div', { class: 'table-wrap' }, loading());
  const nameOf = (id) => {
    const found = integrations().find((i) => i.id === id);
    return found ? found.display_name : (id || t('outbox.gone'));
  };

  async function rows() {
    const page = (status) => get(`/api/admin/outbox?per_page=100${status ? '&status=' + status : ''}`);
    if (filter.value === 'problems') {
      const [failed, dead] = await Promise.all([page('failed'), page('dead')]);
      const outbox = [...failed.outbox, ...dead.outbox].sort((a, b) => b.id - a.id);
      return { outbox, count: failed.count + dead.count };
    }
    return page(filter.value === 'all' ? '' : filter.value);
  }

  async function refresh() {
    errors.clear();
    try {
      const { outbox, count } = await busy(refreshButton, rows, [filter]);
      table.replaceChildren(outbox.length ? render(outbox, count) : h('p', { class: 'muted', text: t(filter.value === 'problems' ? 'outbox.noProblems' : 'outbox.empty') }));
    } catch (err) {
      table.replaceChildren();
      errors.show(err);
    }
  }

  function render(outbox, count) {
    return h('div', null,
      h('table', null,
        h('caption', { class: 'sr-only', text: t('outbox.caption') }),
        h('thead', null, h('tr', null, ['outbox.id', 'outbox.channel', 'outbox.status', 'outbox.attempts', 'outbox.next', 'outbox.error', 'common.actions']
          .map((k) => h('th', { scope: 'col', text: t(k) })))),
        h('tbody', null, outbox.map(row))),
      count > outbox.length ? h('p', { class: 'hint', text: t('outbox.more', { shown: outbox.length, count }) }) : null);
  }

  function row(entry) {
    let action = null;
    if (entry.status === 'failed' || entry.status === 'dead') {
      action = h('button', { type: 'button', class: 'small', text: t('outbox.retry'), 'aria-label': t('outbox.retryRow', { id: entry.id }) });
      action.addEventListener('click', async () => {
        errors.clear();
        try {
          await busy(action, () => post(`/api/admin/outbox/${entry.id}/retry`));
          announce(t('outbox.retried', { id: entry.id }));
          await refresh();
        } catch (err) { errors.show(err); }
      });
    }
    return h('tr', null,
      h('th', { scope: 'row', text: `#${entry.id}` }),
      h('td', null, nameOf(entry.integration_id), h('div', { class: 'hint mono', text: entry.endpoint })),
      h('td', null, badge(t(`outbox.status.${entry.status}`), entry.status)),
      h('td', { text: String(entry.attempts) }),
      h('td', null, time(entry.next_attempt_at)),
      h('td', { class: 'err', text: entry.last_error || '—' }),
      h('td', null, action));
  }

  drainButton.addEventListener('click', async () => {
    errors.clear();
    drainResult.hidden = true;
    try {
      const { drain } = await busy(drainButton, () => post('/api/admin/outbox/drain'));
      drainResult.textContent = t('outbox.drained', drain);
      drainResult.className = 'drain-result ' + (drain.failed || drain.dead ? 'warning' : 'ok-box');
      drainResult.hidden = false;
      await refresh();
    } catch (err) { errors.show(err); }
  });
  refreshButton.addEventListener('click', refresh);
  filter.addEventListener('change', refresh);
  filter.id = uid('filter');

  const headingId = uid('outbox');
  const el = h('section', { 'aria-labelledby': headingId },
    h('div', { class: 'section-head' }, h('h2', { id: headingId, text: t('outbox.title') }),
      h('div', { class: 'actions' }, h('label', { for: filter.id, class: 'sr-only', text: t('outbox.show') }), filter, refreshButton, drainButton)),
    h('p', { class: 'lead', text: t('outbox.intro') }),
    drainResult,
    errors.el,
    table);
  return { el, refresh };
}
