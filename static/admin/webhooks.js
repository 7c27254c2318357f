// Outbound webhooks: subscribe a receiver's URL to triggers (its secret shown once), see each
// webhook's deliveries (failed and dead ones with their error) and replay one, remove a webhook.
// The API is /api/admin/webhooks; docs/webhooks.md says what receivers get.
import { t } from './strings.js';
import { h, field, checkbox, errorBox, onSubmit, busy, confirmAction, announce, copyable, time, badge, loading, sectionHead } from './ui.js';
import { get, post, del } from './api.js';

const TRIGGERS = [
  'conversation:create', 'conversation:message', 'conversation:read', 'conversation:typing',
  'switchboard:passControl', 'switchboard:releaseControl',
  'ticket:created', 'ticket:updated', 'ticket:solved', 'satisfaction:rated',
];

export function render(main) {
  const list = h('div', { class: 'table-wrap' }, loading());
  const reveal = h('div', { class: 'reveal-slot' });
  const deliveries = h('div', { class: 'deliveries' });
  const listErrors = errorBox();

  async function refresh() {
    try {
      const { webhooks } = await get('/api/admin/webhooks');
      list.replaceChildren(webhooks.length ? table(webhooks) : h('p', { class: 'muted', text: t('webhooks.none') }));
    } catch (err) {
      list.replaceChildren();
      listErrors.show(err);
    }
  }

  function table(webhooks) {
    return h('table', null,
      h('caption', { class: 'sr-only', text: t('webhooks.caption') }),
      h('thead', null, h('tr', null,
        ['webhooks.target', 'webhooks.triggers', 'webhooks.status', 'webhooks.createdAt', 'common.actions']
          .map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', null, webhooks.map(row)));
  }

  function row(webhook) {
    const show = h('button', { type: 'button', text: t('webhooks.deliveries'), 'aria-label': t('webhooks.deliveriesFor', { target: webhook.target }) });
    const remove = h('button', { type: 'button', class: 'danger', text: t('common.delete'), 'aria-label': t('webhooks.deleteFor', { target: webhook.target }) });
    show.addEventListener('click', () => showDeliveries(webhook));
    remove.addEventListener('click', async () => {
      listErrors.clear();
      const ok = await confirmAction({
        title: t('webhooks.deleteTitle'),
        message: t('webhooks.deleteMessage', { target: webhook.target }),
        confirm: t('common.delete'),
      });
      if (!ok) return;
      try {
        await busy(remove, () => del(`/api/admin/webhooks/${webhook.id}`));
        announce(t('common.deleted', { what: webhook.target }));
        deliveries.replaceChildren();
        await refresh();
      } catch (err) { listErrors.show(err); }
    });
    const status = webhook.status === 'active'
      ? badge(t('webhooks.active'), 'active')
      : badge(t('webhooks.disabled'), 'inactive');
    return h('tr', null,
      h('th', { scope: 'row', class: 'mono', text: webhook.target }),
      h('td', { text: webhook.triggers.join(', ') }),
      h('td', null, status, webhook.disabledReason ? h('p', { class: 'hint', text: webhook.disabledReason }) : null),
      h('td', null, time(webhook.createdAt)),
      h('td', { class: 'row-actions' }, show, remove));
  }

  async function showDeliveries(webhook) {
    const errors = errorBox();
    const body = h('div', { class: 'table-wrap' }, loading());
    deliveries.replaceChildren(
      sectionHead(2, t('webhooks.deliveriesTitle', { target: webhook.target })),
      errors.el, body);
    try {
      const answer = await get(`/api/admin/webhooks/${webhook.id}/deliveries?per_page=100`);
      body.replaceChildren(answer.deliveries.length ? h('table', null,
        h('caption', { class: 'sr-only', text: t('webhooks.deliveriesCaption') }),
        h('thead', null, h('tr', null,
          ['webhooks.event', 'webhooks.status', 'webhooks.attempts', 'webhooks.error', 'common.actions']
            .map((k) => h('th', { scope: 'col', text: t(k) })))),
        h('tbody', null, answer.deliveries.map((d) => deliveryRow(webhook, d, errors))))
        : h('p', { class: 'muted', text: t('webhooks.noDeliveries') }));
    } catch (err) {
      body.replaceChildren();
      errors.show(err);
    }
  }

  function deliveryRow(webhook, d, errors) {
    let action = null;
    if (d.status === 'failed' || d.status === 'dead') {
      action = h('button', { type: 'button', class: 'small', text: t('webhooks.replay'), 'aria-label': t('webhooks.replayFor', { id: d.id }) });
      action.addEventListener('click', async () => {
        errors.clear();
        try {
          await busy(action, () => post(`/api/admin/webhooks/${webhook.id}/deliveries/${d.id}/replay`));
          announce(t('webhooks.replayed', { id: d.id }));
          await showDeliveries(webhook);
        } catch (err) { errors.show(err); }
      });
    }
    return h('tr', null,
      h('th', { scope: 'row' }, h('span', { text: d.eventType }), h('p', { class: 'hint mono', text: d.eventId })),
      h('td', null, badge(d.status, d.status)),
      h('td', { text: String(d.attempts) }),
      h('td', { text: d.lastError || '' }),
      h('td', { class: 'row-actions' }, action));
  }

  // The secret exists in the browser only here: shown once, with a copy button.
  function showSecret(webhook, secret) {
    const headingId = 'secret-heading';
    const done = h('button', { type: 'button', class: 'primary', text: t('webhooks.secretDone') });
    const box = h('section', { class: 'reveal card', 'aria-labelledby': headingId, tabindex: '-1' },
      h('h2', { id: headingId, text: t('webhooks.secretTitle') }),
      h('p', { class: 'warning', text: t('webhooks.secretOnce') }),
      copyable(secret, t('webhooks.secretLabel')),
      h('p', { class: 'hint', text: t('webhooks.secretUse') }),
      h('div', { class: 'actions' }, done));
    done.addEventListener('click', () => { reveal.replaceChildren(); target.focus(); });
    reveal.replaceChildren(box);
    box.focus();
  }

  const target = h('input', { type: 'url', name: 'target', required: true, maxlength: 2048, autocomplete: 'off', class: 'mono', placeholder: 'https://hooks.example.com/spindesk' });
  const boxes = TRIGGERS.map((name) => ({ name, ...checkbox(name, name === 'conversation:message') }));
  const fullUser = checkbox(t('webhooks.fullUser'), false);
  const createErrors = errorBox();
  const form = h('form', { class: 'card inline-form', novalidate: true },
    h('h2', { text: t('webhooks.createTitle') }),
    field(t('webhooks.target'), target, t('webhooks.targetHint')),
    h('fieldset', null, h('legend', { text: t('webhooks.triggers') }), boxes.map((b) => b.el)),
    fullUser.el,
    createErrors.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('webhooks.create') })));
  onSubmit(form, createErrors, async () => {
    const answer = await post('/api/admin/webhooks', {
      target: target.value.trim(),
      triggers: boxes.filter((b) => b.input.checked).map((b) => b.name),
      includeFullUser: fullUser.input.checked,
    });
    form.reset();
    announce(t('webhooks.created', { target: answer.webhook.target }));
    showSecret(answer.webhook, answer.webhook.secret);
    await refresh();
  });

  main.append(
    h('h1', { text: t('webhooks.title') }),
    h('p', { class: 'lead', text: t('webhooks.intro') }),
    reveal,
    form,
    sectionHead(2, t('webhooks.listTitle')),
    listErrors.el,
    list,
    deliveries);
  refresh();
}
