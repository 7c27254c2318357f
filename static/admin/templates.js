// WhatsApp message templates of one integration: the approved templates an agent may send when
// a customer's 24-hour window is closed (docs/channels.md). Meta holds the text; we keep the
// name, the language and what each body parameter {{1}}, {{2}}... is.
import { t } from './strings.js';
import { h, fill, field, errorBox, onSubmit, busy, announce, uid } from './ui.js';
import { get, post, del } from './api.js';

export function templatesPanel(integration) {
  const base = `/api/admin/integrations/${encodeURIComponent(integration.id)}/templates`;
  const headingId = uid('tpl');
  const list = h('ul', { class: 'templates', 'aria-labelledby': headingId });
  const errors = errorBox();

  async function refresh() {
    try {
      const { templates } = await get(base);
      fill(list, templates.length ? templates.map(row) : h('li', { class: 'muted', text: t('templates.none') }));
    } catch (err) { errors.show(err); }
  }

  function row(tpl) {
    const remove = h('button', { type: 'button', class: 'danger', text: t('common.delete'),
      'aria-label': t('templates.deleteFor', { name: tpl.name, language: tpl.language }) });
    remove.addEventListener('click', async () => {
      errors.clear();
      try {
        await busy(remove, () => del(`${base}/${tpl.id}`));
        announce(t('common.deleted', { what: tpl.name }));
        await refresh();
      } catch (err) { errors.show(err); }
    });
    const params = tpl.parameters.map((p, i) => `{{${i + 1}}} ${p}`).join(', ');
    return h('li', null, h('code', { text: tpl.name }), ` (${tpl.language})`,
      params ? h('span', { class: 'muted', text: ` — ${params}` }) : null, ' ', remove);
  }

  const name = h('input', { type: 'text', required: true, maxlength: 512, pattern: '[a-z0-9_]+', autocomplete: 'off', class: 'mono' });
  const language = h('input', { type: 'text', required: true, maxlength: 6, value: 'en_US', autocomplete: 'off', class: 'mono' });
  const parameters = h('input', { type: 'text', autocomplete: 'off' });
  const addErrors = errorBox();
  const form = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field(t('templates.name'), name, t('templates.nameHint')),
      field(t('templates.language'), language, t('templates.languageHint'))),
    field(t('templates.parameters'), parameters, t('templates.parametersHint')),
    addErrors.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('templates.add') })));
  onSubmit(form, addErrors, async () => {
    const template = {
      name: name.value.trim(),
      language: language.value.trim(),
      parameters: parameters.value.split(',').map((p) => p.trim()).filter(Boolean),
    };
    await post(base, { template });
    name.value = '';
    parameters.value = '';
    announce(t('templates.added', { name: template.name }));
    await refresh();
  });
  refresh();
  return h('details', { class: 'templates-panel' },
    h('summary', { id: headingId, text: t('templates.title') }),
    h('p', { class: 'hint', text: t('templates.intro') }),
    errors.el, list, form);
}
