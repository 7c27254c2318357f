// The website widget as the site owner sets it: brand colour (checked against white text,
// WCAG AA, as the server checks it), launcher position, texts in English and Korean, avatar,
// business name, attention cues, which sites may embed it, and proactive messages with how
// often each was shown and clicked. The preview on the right follows every keystroke; the
// widget on customers' sites shows the saved settings on their next page load.
import { t } from './strings.js';
import { h, field, checkbox, errorBox, onSubmit, announce, loading } from './ui.js';
import { get, put } from './api.js';

const LOCALES = ['en', 'ko'];
const BUILT_IN = {
  en: { label: 'Open chat', title: 'Chat with us', greeting: 'Hi! Ask us anything. We are here to help.', bot: 'Our assistant answers right away' },
  ko: { label: '채팅 열기', title: '상담 채팅', greeting: '안녕하세요! 무엇이든 물어보세요.', bot: '챗봇이 바로 답변해 드려요' },
};

/** WCAG 2 contrast of white text on `#rrggbb` (null for anything else). */
export function contrastWithWhite(hex) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!m) return null;
  const lin = (c) => { const s = parseInt(c, 16) / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const l = 0.2126 * lin(m[1]) + 0.7152 * lin(m[2]) + 0.0722 * lin(m[3]);
  return 1.05 / (l + 0.05);
}

export function render(main) {
  const body = h('div', null, loading());
  const errors = errorBox();
  main.append(
    h('h1', { text: t('widget.title') }),
    h('p', { class: 'lead', text: t('widget.intro') }),
    errors.el,
    body);
  let alive = true;
  get('/api/admin/widget').then((data) => { if (alive) form(body, data.widget); }, (err) => { body.replaceChildren(); errors.show(err); });
  return () => { alive = false; };
}

function form(body, w) {
  const text = (value, attrs = {}) => h('input', { type: 'text', value: value || '', ...attrs });
  const color = text(w.brand_color, { class: 'mono', spellcheck: 'false', maxlength: 7 });
  const picker = h('input', { type: 'color', value: w.brand_color, 'aria-label': t('widget.colorPicker') });
  const ratio = h('p', { class: 'hint', role: 'status' });
  const side = h('select', null, ['right', 'left'].map((s) => h('option', { value: s, text: t(`widget.side.${s}`), selected: w.position.side === s })));
  const x = h('input', { type: 'number', min: 0, max: 200, value: String(w.position.x) });
  const y = h('input', { type: 'number', min: 0, max: 200, value: String(w.position.y) });
  const per = {};
  for (const loc of LOCALES) {
    per[loc] = {
      label: text(w.launcher_label[loc], { maxlength: 40, placeholder: BUILT_IN[loc].label }),
      title: text(w.title[loc], { maxlength: 60, placeholder: BUILT_IN[loc].title }),
      greeting: h('textarea', { maxlength: 500, rows: 2, value: w.greeting[loc] || '', placeholder: BUILT_IN[loc].greeting }),
    };
  }
  const avatar = h('input', { type: 'url', value: w.avatar_url || '', placeholder: 'https://' });
  const business = text(w.business_name, { maxlength: 80 });
  const mobile = checkbox(t('widget.openOnMobile'), w.open_on_mobile);
  const prefix = checkbox(t('widget.titlePrefix'), w.attention.title_prefix);
  const sound = checkbox(t('widget.sound'), w.attention.sound);
  const origins = h('textarea', { rows: 3, class: 'code', value: w.allowed_origins.join('\n'), spellcheck: 'false' });
  const counts = h('div');
  const ruleList = h('div');
  let ruleRows = [];
  const choose = (options, current, key) => h('select', null, options.map((o) => h('option', { value: o, text: t(key + (o || 'any')), selected: o === current })));

  // One proactive rule as a fieldset; `value()` is the rule as the API takes it (its id kept,
  // so its counts stay).
  function ruleRow(r) {
    const url = text(r.url, { maxlength: 300, placeholder: '/pricing*', spellcheck: 'false' });
    const match = choose(['prefix', 'glob'], r.match || 'prefix', 'widget.match.');
    const seconds = h('input', { type: 'number', min: 0, max: 3600, value: String(r.seconds || 0) });
    const visitor = choose(['any', 'new', 'returning'], r.visitor || 'any', 'widget.visitor.');
    const locale = choose(['', 'en', 'ko'], r.locale || '', 'widget.ruleLocale.');
    const message = h('textarea', { rows: 2, maxlength: 500, value: r.message || '' });
    const replies = [0, 1, 2].map((i) => text((r.quick_replies || [])[i], { maxlength: 40 }));
    const name = r.id ? t('widget.ruleNamed', { id: r.id, shown: r.shown || 0, clicked: r.clicked || 0 }) : t('widget.newRule');
    const remove = h('button', { type: 'button', class: 'danger', text: t('widget.removeRule'), 'aria-label': t('widget.removeRuleFor', { name }) });
    const box = h('fieldset', { class: 'card' }, h('legend', { text: name }),
      h('div', { class: 'row' }, field(t('widget.ruleUrl'), url), field(t('widget.ruleMatch'), match)),
      h('div', { class: 'row' }, field(t('widget.ruleSeconds'), seconds), field(t('widget.ruleVisitor'), visitor), field(t('widget.ruleLocale'), locale)),
      field(t('widget.ruleMessage'), message),
      h('div', { class: 'row' }, replies.map((input, i) => field(t('widget.ruleReply', { n: i + 1 }), input))),
      h('div', { class: 'actions' }, remove));
    const row = {
      box, url,
      value: () => ({
        id: r.id, url: url.value.trim(), match: match.value, seconds: Number(seconds.value), visitor: visitor.value,
        locale: locale.value || undefined, message: message.value.trim(),
        quick_replies: replies.map((input) => input.value.trim()).filter(Boolean),
      }),
    };
    remove.addEventListener('click', () => { ruleRows = ruleRows.filter((x) => x !== row); box.remove(); addRule.focus(); });
    return row;
  }
  function showRules(list) {
    ruleRows = list.map(ruleRow);
    ruleList.replaceChildren(...ruleRows.map((row) => row.box));
  }
  const addRule = h('button', { type: 'button', text: t('widget.addRule') });
  addRule.addEventListener('click', () => {
    const row = ruleRow({});
    ruleRows.push(row);
    ruleList.append(row.box);
    row.url.focus();
  });
  showRules(w.proactive);
  const previewLocale = h('select', { 'aria-label': t('widget.previewLocale') }, LOCALES.map((l) => h('option', { value: l, text: t(`widget.ruleLocale.${l}`) })));
  const preview = h('div', { class: 'wpv', 'aria-hidden': 'true' });
  const errors = errorBox();

  function showCounts(list) {
    counts.replaceChildren(list.length ? h('table', null,
      h('caption', { class: 'sr-only', text: t('widget.countsCaption') }),
      h('thead', null, h('tr', null, ['id', 'url', t('widget.shown'), t('widget.clicked')].map((c) => h('th', { scope: 'col', text: c })))),
      h('tbody', null, list.map((r) => h('tr', null, [r.id, r.url, r.shown, r.clicked].map((c) => h('td', { text: String(c) })))))) : h('p', { class: 'muted', text: t('widget.noRules') }));
  }
  showCounts(w.proactive);

  function values() {
    const texts = (key) => Object.fromEntries(LOCALES.map((l) => [l, per[l][key].value.trim()]).filter(([, v]) => v));
    return {
      brand_color: color.value.trim(),
      position: { side: side.value, x: Number(x.value), y: Number(y.value) },
      launcher_label: texts('label'), title: texts('title'), greeting: texts('greeting'),
      avatar_url: avatar.value.trim() || null,
      business_name: business.value.trim() || null,
      open_on_mobile: mobile.input.checked,
      allowed_origins: origins.value.split(/[\s,]+/).filter(Boolean),
      attention: { title_prefix: prefix.input.checked, sound: sound.input.checked },
      proactive: ruleRows.map((row) => row.value()),
    };
  }

  // The preview: the launcher and the panel's header and greeting, drawn with the values as
  // typed (colours set through the CSSOM: the console's CSP allows no inline style).
  function update() {
    const loc = previewLocale.value;
    const c = color.value.trim();
    const r = contrastWithWhite(c);
    ratio.textContent = r == null ? t('widget.colorFormat') : t(r >= 4.5 ? 'widget.ratioOk' : 'widget.ratioLow', { ratio: (Math.floor(r * 100) / 100).toFixed(2) });
    ratio.classList.toggle('bad', r != null && r < 4.5);
    if (r != null) picker.value = c.toLowerCase();
    const pick = (key, fallback) => per[loc][key].value.trim() || fallback;
    const head = h('div', { class: 'wpv-head' },
      business.value.trim() ? h('small', { text: business.value.trim() }) : null,
      h('strong', { text: pick('title', BUILT_IN[loc].title) }),
      h('span', { text: BUILT_IN[loc].bot }));
    const launcher = h('div', { class: 'wpv-launch', text: pick('label', '') || '💬' });
    const panel = h('div', { class: 'wpv-panel' }, head, h('p', { class: 'wpv-greet', text: pick('greeting', BUILT_IN[loc].greeting) }));
    if (r != null) { head.style.background = c; launcher.style.background = c; }
    preview.classList.toggle('left', side.value === 'left');
    preview.replaceChildren(panel, launcher);
  }
  picker.addEventListener('input', () => { color.value = picker.value; update(); });

  const form = h('form', { class: 'widget-form', novalidate: true },
    h('div', { class: 'card' },
      h('h2', { text: t('widget.look') }),
      h('div', { class: 'row' }, field(t('widget.color'), h('div', { class: 'actions' }, color, picker)), field(t('widget.side'), side)),
      ratio,
      h('div', { class: 'row' }, field(t('widget.x'), x), field(t('widget.y'), y)),
      h('div', { class: 'row' }, field(t('widget.business'), business), field(t('widget.avatar'), avatar, t('widget.avatarHint')))),
    ...LOCALES.map((loc) => h('fieldset', { class: 'card' },
      h('legend', { text: t(`widget.texts.${loc}`) }),
      h('div', { class: 'row' }, field(t('widget.label'), per[loc].label), field(t('widget.titleField'), per[loc].title)),
      field(t('widget.greeting'), per[loc].greeting))),
    h('div', { class: 'card' },
      h('h2', { text: t('widget.behaviour') }),
      mobile.el, prefix.el, sound.el,
      field(t('widget.origins'), origins, t('widget.originsHint'))),
    h('div', { class: 'card' },
      h('h2', { text: t('widget.proactive') }),
      h('p', { class: 'hint', text: t('widget.rulesHint') }),
      ruleList,
      h('div', { class: 'actions' }, addRule),
      counts),
    errors.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('common.save') })));
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  previewLocale.addEventListener('change', update);
  onSubmit(form, errors, async () => {
    const saved = (await put('/api/admin/widget', { widget: values() })).widget;
    showRules(saved.proactive);
    showCounts(saved.proactive);
    announce(t('widget.saved'));
  });
  body.replaceChildren(h('div', { class: 'widget-layout' }, form,
    h('aside', { class: 'card wpv-wrap' }, h('h2', { text: t('widget.preview') }), field(t('widget.previewLocale'), previewLocale), preview)));
  update();
}
