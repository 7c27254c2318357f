// Signing keys: the keys a customer's site signs widget identity tokens with (HS256 JWTs,
// docs/identity.md). A key's secret is shown once, when it is created; at most two keys are
// active, so a site can switch to a new key before the old one is revoked.
// The API is /api/admin/signing_keys.
import { t } from './strings.js';
import { h, field, errorBox, onSubmit, busy, confirmAction, announce, copyable, time, badge, loading, sectionHead } from './ui.js';
import { get, post, del } from './api.js';

export function render(main) {
  const list = h('div', { class: 'table-wrap' }, loading());
  const reveal = h('div', { class: 'reveal-slot' });
  const listErrors = errorBox();

  async function refresh() {
    try {
      const { signing_keys: keys } = await get('/api/admin/signing_keys');
      list.replaceChildren(keys.length ? table(keys) : h('p', { class: 'muted', text: t('keys.none') }));
    } catch (err) {
      list.replaceChildren();
      listErrors.show(err);
    }
  }

  function table(keys) {
    return h('table', null,
      h('caption', { class: 'sr-only', text: t('keys.caption') }),
      h('thead', null, h('tr', null,
        ['keys.kid', 'keys.name', 'keys.status', 'keys.createdAt', 'keys.lastUsed', 'common.actions']
          .map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', null, keys.map(row)));
  }

  function row(key) {
    let revoke = null;
    if (key.active) {
      revoke = h('button', { type: 'button', class: 'danger', text: t('keys.revoke'), 'aria-label': t('keys.revokeFor', { kid: key.kid }) });
      revoke.addEventListener('click', async () => {
        listErrors.clear();
        const ok = await confirmAction({
          title: t('keys.revokeTitle'),
          message: t('keys.revokeMessage', { kid: key.kid }),
          confirm: t('keys.revoke'),
        });
        if (!ok) return;
        try {
          await busy(revoke, () => del(`/api/admin/signing_keys/${encodeURIComponent(key.kid)}`));
          announce(t('keys.revoked', { kid: key.kid }));
          await refresh();
        } catch (err) { listErrors.show(err); }
      });
    }
    return h('tr', null,
      h('th', { scope: 'row', class: 'mono', text: key.kid }),
      h('td', { text: key.name }),
      h('td', null, key.active ? badge(t('keys.active'), 'active') : badge(t('keys.revokedBadge'), 'inactive')),
      h('td', null, time(key.created_at)),
      h('td', null, key.last_used_at ? time(key.last_used_at) : h('span', { class: 'muted', text: t('keys.never') })),
      h('td', { class: 'row-actions' }, revoke));
  }

  // The secret exists in the browser only here: shown once, with a copy button.
  function showSecret(key) {
    const headingId = 'key-secret-heading';
    const done = h('button', { type: 'button', class: 'primary', text: t('keys.secretDone') });
    const box = h('section', { class: 'reveal card', 'aria-labelledby': headingId, tabindex: '-1' },
      h('h2', { id: headingId, text: t('keys.secretTitle', { kid: key.kid }) }),
      h('p', { class: 'warning', text: t('keys.secretOnce') }),
      copyable(key.kid, t('keys.kid')),
      copyable(key.secret, t('keys.secretLabel')),
      h('p', { class: 'hint', text: t('keys.secretUse') }),
      h('div', { class: 'actions' }, done));
    done.addEventListener('click', () => { reveal.replaceChildren(); name.focus(); });
    reveal.replaceChildren(box);
    box.focus();
  }

  const name = h('input', { type: 'text', name: 'name', maxlength: 100, autocomplete: 'off', placeholder: t('keys.namePlaceholder') });
  const createErrors = errorBox();
  const form = h('form', { class: 'card inline-form', novalidate: true },
    h('h2', { text: t('keys.createTitle') }),
    field(t('keys.name'), name, t('keys.nameHint')),
    createErrors.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('keys.create') })));
  onSubmit(form, createErrors, async () => {
    const answer = await post('/api/admin/signing_keys', { name: name.value.trim() });
    form.reset();
    announce(t('keys.created', { kid: answer.signing_key.kid }));
    showSecret(answer.signing_key);
    await refresh();
  });

  main.append(
    h('h1', { text: t('keys.title') }),
    h('p', { class: 'lead', text: t('keys.intro') }),
    reveal,
    form,
    sectionHead(2, t('keys.listTitle')),
    listErrors.el,
    list);
  refresh();
}
