// Groups (teams): hand-offs go to a group — the one the bot's transfer step names, else the
// default group — and are assigned among its online members. Create groups, pick the default,
// add and remove members. Uses the Zendesk-compatible /api/v2/groups and /api/v2/group_memberships.
import { t } from './strings.js';
import { h, field, checkbox, errorBox, onSubmit, busy, confirmAction, announce, badge, loading, sectionHead } from './ui.js';
import { get, post, put, del, all } from './api.js';

export function render(main) {
  const list = h('div', { class: 'groups-list' }, loading());
  const listErrors = errorBox();
  let agents = [];

  async function refresh() {
    listErrors.clear();
    try {
      const [groups, memberships, staff] = await Promise.all([
        all('/api/v2/groups.json', 'groups'),
        all('/api/v2/group_memberships.json', 'group_memberships'),
        get('/api/admin/agents'),
      ]);
      agents = staff.agents;
      list.replaceChildren(...(groups.length
        ? groups.map((g) => card(g, memberships.filter((m) => m.group_id === g.id)))
        : [h('p', { class: 'muted', text: t('groups.none') })]));
    } catch (err) {
      list.replaceChildren();
      listErrors.show(err);
    }
  }

  const agentName = (id) => {
    const a = agents.find((x) => x.id === id);
    return a ? `${a.name} <${a.email}>` : `#${id}`;
  };

  function card(group, members) {
    const errors = errorBox();
    const headingId = `group-${group.id}`;
    const actions = [];
    if (!group.default) {
      const makeDefault = h('button', { type: 'button', text: t('groups.makeDefault'), 'aria-label': t('groups.makeDefaultFor', { name: group.name }) });
      makeDefault.addEventListener('click', async () => {
        errors.clear();
        try {
          await busy(makeDefault, () => put(`/api/v2/groups/${group.id}.json`, { group: { default: true } }));
          announce(t('groups.defaultNow', { name: group.name }));
          await refresh();
        } catch (err) { errors.show(err); }
      });
      const remove = h('button', { type: 'button', class: 'danger', text: t('common.delete'), 'aria-label': t('groups.deleteFor', { name: group.name }) });
      remove.addEventListener('click', async () => {
        errors.clear();
        const ok = await confirmAction({
          title: t('groups.deleteTitle', { name: group.name }),
          message: t('groups.deleteMessage'),
          confirm: t('common.delete'),
        });
        if (!ok) return;
        try {
          await busy(remove, () => del(`/api/v2/groups/${group.id}.json`));
          announce(t('common.deleted', { what: group.name }));
          await refresh();
        } catch (err) { errors.show(err); }
      });
      actions.push(makeDefault, remove);
    }
    const rows = members.map((m) => {
      const removeMember = h('button', { type: 'button', class: 'quiet', text: t('groups.removeMember'), 'aria-label': t('groups.removeMemberFor', { name: agentName(m.user_id), group: group.name }) });
      removeMember.addEventListener('click', async () => {
        errors.clear();
        try {
          await busy(removeMember, () => del(`/api/v2/group_memberships/${m.id}.json`));
          announce(t('groups.memberRemoved', { name: agentName(m.user_id) }));
          await refresh();
        } catch (err) { errors.show(err); }
      });
      const agent = agents.find((a) => a.id === m.user_id);
      return h('li', null,
        h('span', { text: agentName(m.user_id) }), ' ',
        agent && agent.presence ? badge(t('presence.' + agent.presence), agent.presence) : null, ' ',
        removeMember);
    });
    const candidates = agents.filter((a) => a.active !== false && !members.some((m) => m.user_id === a.id));
    const pick = h('select', { name: 'user_id' }, candidates.map((a) => h('option', { value: String(a.id), text: `${a.name} <${a.email}>` })));
    const addForm = h('form', { class: 'row inline-form', novalidate: true },
      field(t('groups.addMember'), pick),
      h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('groups.add'), disabled: !candidates.length })));
    onSubmit(addForm, errors, async () => {
      await post('/api/v2/group_memberships.json', { group_membership: { user_id: Number(pick.value), group_id: group.id } });
      announce(t('groups.memberAdded', { name: agentName(Number(pick.value)) }));
      await refresh();
    });
    return h('section', { class: 'card', 'aria-labelledby': headingId },
      h('h2', { id: headingId }, group.name, ' ', group.default ? badge(t('groups.default'), 'default') : null),
      group.description ? h('p', { class: 'muted', text: group.description }) : null,
      h('div', { class: 'row-actions' }, actions),
      h('h3', { text: t('groups.members', { n: members.length }) }),
      rows.length ? h('ul', { class: 'members' }, rows) : h('p', { class: 'muted', text: t('groups.noMembers') }),
      addForm,
      errors.el);
  }

  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const description = h('input', { type: 'text', name: 'description', maxlength: 1000, autocomplete: 'off' });
  const isDefault = checkbox(t('groups.defaultLabel'), false);
  const createErrors = errorBox();
  const form = h('form', { class: 'card inline-form', novalidate: true },
    h('h2', { text: t('groups.createTitle') }),
    h('div', { class: 'row' }, field(t('groups.name'), name), field(t('groups.description'), description)),
    isDefault.el,
    createErrors.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('groups.create') })));
  onSubmit(form, createErrors, async () => {
    const answer = await post('/api/v2/groups.json', {
      group: { name: name.value.trim(), description: description.value.trim(), default: isDefault.input.checked },
    });
    form.reset();
    announce(t('groups.created', { name: answer.group.name }));
    await refresh();
  });

  main.append(
    h('h1', { text: t('groups.title') }),
    h('p', { class: 'lead', text: t('groups.intro') }),
    form,
    sectionHead(2, t('groups.listTitle')),
    listErrors.el,
    list);
  refresh();
}
