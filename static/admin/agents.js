// Agents: the staff who answer tickets. Create them, give them API tokens (shown once),
// revoke their tokens, see their presence and capacity, deactivate and reactivate them.
import { t } from './strings.js';
import { h, field, errorBox, onSubmit, busy, confirmAction, announce, copyable, time, badge, loading, sectionHead } from './ui.js';
import { get, post, put, del } from './api.js';

export function render(main) {
  const list = h('div', { class: 'table-wrap' }, loading());
  const reveal = h('div', { class: 'reveal-slot' });
  const listErrors = errorBox();

  async function refresh() {
    try {
      const { agents } = await get('/api/admin/agents');
      list.replaceChildren(agents.length ? table(agents) : h('p', { class: 'muted', text: t('agents.none') }));
    } catch (err) {
      list.replaceChildren();
      listErrors.show(err);
    }
  }

  function table(agents) {
    return h('table', null,
      h('caption', { class: 'sr-only', text: t('agents.caption') }),
      h('thead', null, h('tr', null,
        ['agents.name', 'agents.email', 'agents.role', 'agents.status', 'agents.capacity', 'agents.created', 'common.actions']
          .map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', null, agents.map(row)));
  }

  function row(agent) {
    const addToken = h('button', { type: 'button', text: t('agents.addToken'), 'aria-label': t('agents.addTokenFor', { name: agent.name, email: agent.email }) });
    const revoke = h('button', { type: 'button', class: 'danger', text: t('agents.revoke'), 'aria-label': t('agents.revokeFor', { name: agent.name, email: agent.email }) });
    addToken.addEventListener('click', async () => {
      listErrors.clear();
      try {
        const answer = await busy(addToken, () => post(`/api/admin/agents/${agent.id}/tokens`));
        showToken(answer.agent, answer.api_token);
      } catch (err) { listErrors.show(err); }
    });
    revoke.addEventListener('click', async () => {
      listErrors.clear();
      const ok = await confirmAction({
        title: t('agents.revokeTitle', { name: agent.name }),
        message: t('agents.revokeMessage', { name: agent.name }),
        confirm: t('agents.revokeConfirm'),
      });
      if (!ok) return;
      try {
        await busy(revoke, () => del(`/api/admin/agents/${agent.id}/tokens`));
        announce(t('agents.revoked', { name: agent.name }));
      } catch (err) { listErrors.show(err); }
    });
    // Deactivating locks the person out and requeues their tickets; reactivating restores them.
    const active = agent.active !== false;
    const toggle = h('button', {
      type: 'button',
      class: active ? 'danger' : '',
      text: active ? t('agents.deactivate') : t('agents.reactivate'),
      'aria-label': t(active ? 'agents.deactivateFor' : 'agents.reactivateFor', { name: agent.name, email: agent.email }),
    });
    toggle.addEventListener('click', async () => {
      listErrors.clear();
      if (active) {
        const ok = await confirmAction({
          title: t('agents.deactivateTitle', { name: agent.name }),
          message: t('agents.deactivateMessage', { name: agent.name }),
          confirm: t('agents.deactivate'),
        });
        if (!ok) return;
      }
      try {
        const answer = await busy(toggle, () => put(`/api/admin/agents/${agent.id}`, { agent: { active: !active } }));
        announce(active
          ? t('agents.deactivated', { name: agent.name, n: answer.requeued_ticket_ids.length })
          : t('agents.reactivated', { name: agent.name }));
        await refresh();
      } catch (err) { listErrors.show(err); }
    });
    const status = active
      ? badge(t('presence.' + (agent.presence || 'offline')), agent.presence || 'offline')
      : badge(t('agents.inactive'), 'inactive');
    return h('tr', null,
      h('th', { scope: 'row', text: agent.name }),
      h('td', { text: agent.email }),
      h('td', null, badge(agent.role === 'admin' ? t('agents.roleAdmin') : t('agents.roleAgent'), agent.role)),
      h('td', null, status),
      h('td', { text: agent.capacity === undefined ? '' : `${agent.assigned_unsolved} / ${agent.capacity}` }),
      h('td', null, time(agent.created_at)),
      h('td', { class: 'row-actions' }, addToken, revoke, toggle));
  }

  // The token exists in the browser only here: shown once, with a copy button, until dismissed.
  function showToken(agent, apiToken) {
    const headingId = 'token-heading';
    const done = h('button', { type: 'button', class: 'primary', text: t('agents.tokenDone') });
    const box = h('section', { class: 'reveal card', 'aria-labelledby': headingId, tabindex: '-1' },
      h('h2', { id: headingId, text: t('agents.tokenTitle', { name: agent.name }) }),
      h('p', { class: 'warning', text: t('agents.tokenOnce') }),
      copyable(apiToken, t('agents.tokenLabel')),
      h('p', { class: 'hint', text: t('agents.tokenUse') }),
      h('pre', null, h('code', { text: `curl -u '${agent.email}/token:${apiToken}' ${location.origin}/api/v2/tickets.json` })),
      h('div', { class: 'actions' }, done));
    done.addEventListener('click', () => { reveal.replaceChildren(); createName.focus(); });
    reveal.replaceChildren(box);
    box.focus();
  }

  const createName = h('input', { type: 'text', name: 'name', required: true, maxlength: 255, autocomplete: 'off' });
  const createEmail = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const createRole = h('select', { name: 'role' },
    h('option', { value: 'agent', text: t('agents.roleAgent') }),
    h('option', { value: 'admin', text: t('agents.roleAdmin') }));
  const createErrors = errorBox();
  const form = h('form', { class: 'card inline-form', novalidate: true },
    h('h2', { text: t('agents.createTitle') }),
    h('div', { class: 'row' },
      field(t('agents.name'), createName),
      field(t('agents.email'), createEmail),
      field(t('agents.role'), createRole, t('agents.roleHint'))),
    createErrors.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('agents.create') })));
  onSubmit(form, createErrors, async () => {
    const answer = await post('/api/admin/agents', {
      agent: { name: createName.value.trim(), email: createEmail.value.trim(), role: createRole.value },
    });
    form.reset();
    announce(t('agents.createdMsg', { name: answer.agent.name }));
    showToken(answer.agent, answer.api_token);
    await refresh();
  });

  main.append(
    h('h1', { text: t('agents.title') }),
    h('p', { class: 'lead', text: t('agents.intro') }),
    reveal,
    form,
    sectionHead(2, t('agents.listTitle')),
    listErrors.el,
    list);
  refresh();
}
