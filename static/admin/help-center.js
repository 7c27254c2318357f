// Help center: categories → sections → articles of one locale as a tree, and an editor for
// the selected item. Articles are written as HTML with a sandboxed live preview (preview.js);
// the public page (html_url) shows them once published.
import { t } from './strings.js';
import { h, fill, field, checkbox, errorBox, onSubmit, busy, confirmAction, announce, time, badge, loading, uid } from './ui.js';
import { all, post, put, del } from './api.js';
import { previewDocument } from './preview.js';
import { searchIndexPanel } from './search-index.js';

const HC = '/api/v2/help_center';
const LOCALE = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i;
let rememberedLocale = null; // survives switching to another area and back
let editing = () => false; // the mounted view's "has unsaved changes"

/** Whether the article, section or category being edited has unsaved changes. */
export function unsaved() { return editing(); }

export function render(main) {
  let data = { categories: [], sections: [], articles: [] };
  let locale = rememberedLocale || 'en-us';
  let selected = null; // {kind: 'category'|'section'|'article', id} or {kind: 'new-…', parent}
  let dirty = false;
  let previewTimer = 0;
  editing = () => dirty;

  const localeSelect = h('select', { name: 'locale' });
  const newLocale = h('input', { type: 'text', class: 'mono', placeholder: 'ko', maxlength: 35, spellcheck: 'false', autocomplete: 'off' });
  const newLocaleButton = h('button', { type: 'button', text: t('hc.useLocale') });
  const barErrors = errorBox();
  const tree = h('nav', { class: 'tree', 'aria-label': t('hc.treeLabel') }, loading());
  const editor = h('div', { class: 'editor' });

  const byId = (list, id) => list.find((x) => x.id === id);
  const categoriesOf = () => data.categories.filter((c) => c.locale === locale);
  const sectionsOf = (categoryId) => data.sections.filter((s) => s.category_id === categoryId);
  const articlesOf = (sectionId) => data.articles.filter((a) => a.section_id === sectionId);

  async function load() {
    barErrors.clear();
    try {
      const [categories, sections, articles] = await Promise.all([
        all(`${HC}/categories?per_page=100`, 'categories'),
        all(`${HC}/sections?per_page=100`, 'sections'),
        all(`${HC}/articles?per_page=100`, 'articles'),
      ]);
      data = { categories, sections, articles };
    } catch (err) {
      barErrors.show(err);
    }
    drawLocales();
    drawTree();
    drawEditor();
  }

  function drawLocales() {
    const known = new Set(['en-us', locale]);
    for (const list of [data.categories, data.sections, data.articles]) for (const x of list) known.add(x.locale);
    fill(localeSelect, [...known].sort().map((l) => h('option', { value: l, text: l, selected: l === locale })));
    localeSelect.value = locale;
  }

  async function choose(next) {
    if (dirty && !(await confirmAction({ title: t('hc.discardTitle'), message: t('hc.discardMessage'), confirm: t('hc.discard') }))) {
      return false;
    }
    dirty = false;
    selected = next;
    drawTree();
    drawEditor();
    const first = editor.querySelector('input, textarea');
    if (first) first.focus();
    return true;
  }

  localeSelect.addEventListener('change', async () => {
    const next = localeSelect.value;
    localeSelect.value = locale;
    if (await choose(null)) { locale = rememberedLocale = next; drawLocales(); drawTree(); }
  });
  newLocaleButton.addEventListener('click', async () => {
    barErrors.clear();
    const value = newLocale.value.trim().toLowerCase();
    if (!LOCALE.test(value)) { barErrors.show(new Error(t('hc.badLocale'))); newLocale.focus(); return; }
    if (await choose(null)) { locale = rememberedLocale = value; newLocale.value = ''; drawLocales(); drawTree(); }
  });

  // ---- the tree ----
  function node(kind, item, label) {
    const current = selected && selected.kind === kind && selected.id === item.id;
    const b = h('button', { type: 'button', class: `node ${kind}`, 'aria-current': current ? 'true' : null, lang: item.locale },
      h('span', { class: 'sr-only', text: t(`hc.kind.${kind}`) + ': ' }), h('span', null, label));
    b.addEventListener('click', () => choose({ kind, id: item.id }));
    return b;
  }
  const add = (text, next) => h('button', { type: 'button', class: 'add', text, onclick: () => choose(next) });

  function drawTree() {
    const cats = categoriesOf();
    const articleItem = (a, c) => h('li', null, node('article', a, [
      a.title, ' ',
      a.draft ? badge(t('hc.draft'), 'draft') : badge(t('hc.published'), 'published'),
      a.promoted ? [' ', badge(t('hc.promoted'), 'promoted')] : null,
      a.locale !== c.locale ? [' ', badge(a.locale)] : null,
    ]));
    const sectionItem = (s, c) => h('li', null, node('section', s, s.name),
      h('ul', null,
        articlesOf(s.id).map((a) => articleItem(a, c)),
        h('li', null, add(t('hc.newArticle'), { kind: 'new-article', parent: s.id }))));
    const categoryItem = (c) => h('li', null, node('category', c, c.name),
      h('ul', null,
        sectionsOf(c.id).map((s) => sectionItem(s, c)),
        h('li', null, add(t('hc.newSection'), { kind: 'new-section', parent: c.id }))));
    fill(tree,
      cats.length ? null : h('p', { class: 'muted', text: t('hc.emptyLocale', { locale }) }),
      h('ul', null,
        cats.map(categoryItem),
        h('li', null, add(t('hc.newCategory'), { kind: 'new-category' }))));
  }

  // ---- the editor ----
  function drawEditor() {
    dirty = false;
    clearTimeout(previewTimer);
    const s = selected;
    let content = null;
    if (!s) content = h('div', { class: 'card' }, h('p', { class: 'muted', text: t('hc.pick') }));
    else if (s.kind === 'category' || s.kind === 'new-category') content = categoryForm(s.id ? byId(data.categories, s.id) : null);
    else if (s.kind === 'section' || s.kind === 'new-section') content = sectionForm(s.id ? byId(data.sections, s.id) : null, s.parent);
    else content = articleForm(s.id ? byId(data.articles, s.id) : null, s.parent);
    if (!content) content = h('div', { class: 'card' }, h('p', { class: 'muted', text: t('hc.gone') }));
    fill(editor, content);
  }
  editor.addEventListener('input', () => { dirty = true; });

  /** Save (create or update), then select what was saved. */
  async function saved(kind, item, verb) {
    dirty = false;
    announce(t(verb, { what: item.name || item.title }));
    selected = { kind, id: item.id };
    await load();
    focusEditor();
  }

  // The form was drawn anew: keyboard users continue from its heading, not from the page top.
  function focusEditor() {
    const heading = editor.querySelector('h2');
    if (heading) { heading.tabIndex = -1; heading.focus(); }
  }

  async function remove(button, what, path, message) {
    const ok = await confirmAction({ title: t('hc.deleteTitle', { what }), message, confirm: t('common.delete') });
    if (!ok) return;
    await busy(button, () => del(path));
    dirty = false;
    selected = null;
    announce(t('common.deleted', { what }));
    await load();
    const first = tree.querySelector('button');
    if (first) first.focus();
  }

  function actions(errors, item, onDelete) {
    const deleteButton = item ? h('button', { type: 'button', class: 'danger', text: t('common.delete') }) : null;
    if (deleteButton) {
      deleteButton.addEventListener('click', async () => {
        errors.clear();
        try { await onDelete(deleteButton); } catch (err) { errors.show(err); }
      });
    }
    return h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', text: item ? t('common.save') : t('hc.create') }),
      deleteButton);
  }

  const position = (value) => h('input', { type: 'number', step: 1, value: String(value || 0), inputmode: 'numeric' });
  const int = (input) => (input.value.trim() === '' ? 0 : Number(input.value));
  const publicLink = (url, text) => h('p', { class: 'public-link' },
    h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text }), ' ', h('span', { class: 'hint', text: t('hc.newTab') }));

  function categoryForm(category) {
    const name = h('input', { type: 'text', required: true, maxlength: 255, value: category ? category.name : '', lang: locale });
    const description = h('textarea', { rows: 3, maxlength: 10000, lang: locale, value: category ? category.description : '' });
    const pos = position(category && category.position);
    const errors = errorBox();
    const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'hc-editor-title' },
      h('h2', { id: 'hc-editor-title', text: category ? t('hc.editCategory') : t('hc.newCategoryIn', { locale }) }),
      field(t('hc.name'), name),
      field(t('hc.description'), description),
      field(t('hc.position'), pos, t('hc.positionHint')),
      category ? publicLink(category.html_url, t('hc.viewPublic')) : null,
      errors.el,
      actions(errors, category, (button) => {
        const sections = sectionsOf(category.id);
        const articles = sections.reduce((n, s) => n + articlesOf(s.id).length, 0);
        return remove(button, category.name, `${HC}/categories/${category.id}`,
          t('hc.deleteCategory', { sections: sections.length, articles }));
      }));
    onSubmit(form, errors, async () => {
      const body = { category: { name: name.value.trim(), description: description.value, position: int(pos) } };
      const answer = category
        ? await put(`${HC}/categories/${category.id}`, body)
        : await post(`${HC}/${locale}/categories`, body);
      await saved('category', answer.category, category ? 'hc.savedWhat' : 'hc.createdWhat');
    });
    return form;
  }

  function sectionForm(section, categoryId) {
    const name = h('input', { type: 'text', required: true, maxlength: 255, value: section ? section.name : '', lang: locale });
    const description = h('textarea', { rows: 3, maxlength: 10000, lang: locale, value: section ? section.description : '' });
    const pos = position(section && section.position);
    const parent = section ? section.category_id : categoryId;
    const category = h('select', null, categoriesOf().map((c) => h('option', { value: String(c.id), text: c.name, selected: c.id === parent })));
    const errors = errorBox();
    const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'hc-editor-title' },
      h('h2', { id: 'hc-editor-title', text: section ? t('hc.editSection') : t('hc.newSectionIn', { category: (byId(data.categories, parent) || {}).name || '' }) }),
      field(t('hc.name'), name),
      field(t('hc.description'), description),
      h('div', { class: 'row' }, field(t('hc.position'), pos, t('hc.positionHint')), section ? field(t('hc.category'), category) : null),
      section ? publicLink(section.html_url, t('hc.viewPublic')) : null,
      errors.el,
      actions(errors, section, (button) => remove(button, section.name, `${HC}/sections/${section.id}`,
        t('hc.deleteSection', { articles: articlesOf(section.id).length }))));
    onSubmit(form, errors, async () => {
      const fields = { name: name.value.trim(), description: description.value, position: int(pos) };
      let answer;
      if (section) {
        fields.category_id = Number(category.value);
        answer = await put(`${HC}/sections/${section.id}`, { section: fields });
      } else {
        answer = await post(`${HC}/${locale}/categories/${categoryId}/sections`, { section: fields });
      }
      await saved('section', answer.section, section ? 'hc.savedWhat' : 'hc.createdWhat');
    });
    return form;
  }

  function articleForm(article, sectionId) {
    const lang = article ? article.locale : locale;
    const title = h('input', { type: 'text', required: true, maxlength: 255, value: article ? article.title : '', lang });
    const body = h('textarea', { rows: 16, class: 'code', spellcheck: 'false', lang, value: article ? article.body : '' });
    const labels = h('input', { type: 'text', value: article ? article.label_names.join(', ') : '', lang });
    const published = checkbox(t('hc.publishedLabel'), article ? !article.draft : false);
    const promoted = checkbox(t('hc.promotedLabel'), article ? article.promoted : false);
    const pos = position(article && article.position);
    const parent = article ? article.section_id : sectionId;
    const section = h('select', null, categoriesOf().map((c) => h('optgroup', { label: c.name },
      sectionsOf(c.id).map((s) => h('option', { value: String(s.id), text: s.name, selected: s.id === parent })))));
    const frame = h('iframe', { sandbox: '', class: 'preview-frame', title: t('hc.previewFrame') });
    const showPreview = () => { frame.srcdoc = previewDocument({ title: title.value, body: body.value, locale: lang }); };
    const schedule = () => { clearTimeout(previewTimer); previewTimer = setTimeout(showPreview, 200); };
    title.addEventListener('input', schedule);
    body.addEventListener('input', schedule);
    showPreview();

    const errors = errorBox();
    let where = null;
    if (article && !article.draft) where = publicLink(article.html_url, t('hc.viewPublic'));
    else if (article) where = h('p', { class: 'hint', text: t('hc.draftNotPublic') });
    const sectionName = (byId(data.sections, parent) || {}).name || '';
    const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'hc-editor-title' },
      h('h2', { id: 'hc-editor-title', text: article ? t('hc.editArticle') : t('hc.newArticleIn', { section: sectionName }) }),
      article ? h('p', { class: 'hint' }, t('hc.articleMeta', { id: article.id, locale: article.locale }), ' ', time(article.updated_at)) : null,
      field(t('hc.titleField'), title),
      h('div', { class: 'editor-grid' },
        field(t('hc.body'), body, t('hc.bodyHint')),
        h('div', { class: 'field' }, h('span', { class: 'field-label', text: t('hc.preview') }), frame,
          h('p', { class: 'hint', text: t('hc.previewHint') }))),
      field(t('hc.labels'), labels, t('hc.labelsHint')),
      h('div', { class: 'row' },
        h('div', null, published.el, promoted.el),
        field(t('hc.position'), pos, t('hc.positionHint')),
        article ? field(t('hc.section'), section) : null),
      where,
      errors.el,
      actions(errors, article, (button) => remove(button, article.title, `${HC}/articles/${article.id}`, t('hc.deleteArticle'))));
    onSubmit(form, errors, async () => {
      const fields = {
        title: title.value.trim(),
        body: body.value,
        label_names: labels.value.split(',').map((l) => l.trim()).filter(Boolean),
        draft: !published.input.checked,
        promoted: promoted.input.checked,
        position: int(pos),
      };
      let answer;
      if (article) {
        fields.section_id = Number(section.value);
        answer = await put(`${HC}/articles/${article.id}`, { article: fields });
      } else {
        answer = await post(`${HC}/${locale}/sections/${sectionId}/articles`, { article: fields });
      }
      await saved('article', answer.article, article ? 'hc.savedWhat' : 'hc.createdWhat');
    });
    return form;
  }

  newLocale.id = uid('loc');
  const index = searchIndexPanel();
  main.append(
    h('h1', { text: t('hc.title') }),
    h('p', { class: 'lead', text: t('hc.intro') }),
    h('div', { class: 'hc-bar' },
      field(t('hc.locale'), localeSelect),
      h('div', { class: 'field' }, h('label', { for: newLocale.id, text: t('hc.otherLocale') }),
        h('div', { class: 'secret' }, newLocale, newLocaleButton)),
      h('a', { href: '/hc', target: '_blank', rel: 'noopener noreferrer', text: t('hc.openSite') })),
    barErrors.el,
    h('div', { class: 'hc' }, tree, editor),
    index.el);
  load();
  return () => { clearTimeout(previewTimer); index.stop(); editing = () => false; };
}
