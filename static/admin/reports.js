// Reports: conversations, hand-offs, reply and resolution times, reopens and satisfaction over
// a range of days (GET /api/admin/reports), per day, channel, agent or group. Two charts drawn
// here as SVG (no library, no CDN) and the same numbers in a table, which is what screen
// readers use; a CSV download of the same report.
import { t } from './strings.js';
import { h, fill, field, errorBox, busy, announce, loading, count } from './ui.js';
import { get, request } from './api.js';

const SVG = 'http://www.w3.org/2000/svg';
// Zones the server accepts by name (docs/agent-api.md#reports); others as their offset.
const ZONES = ['UTC', 'Asia/Seoul', 'Asia/Tokyo', 'Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei',
  'Asia/Singapore', 'Asia/Kolkata', 'Asia/Jakarta', 'Asia/Bangkok'];

function svg(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
  for (const kid of kids) if (kid) el.append(kid);
  return el;
}

const pad = (n) => String(n).padStart(2, '0');
const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** This browser's offset now, as the server takes it (+09:00). */
function browserOffset() {
  const minutes = -new Date().getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Seconds as "45 s", "12 min", "3.5 h", "2.1 d"; "—" for none. */
export function duration(seconds) {
  if (seconds == null) return '—';
  if (seconds < 60) return t('reports.seconds', { n: Math.round(seconds) });
  if (seconds < 3600) return t('reports.minutes', { n: +(seconds / 60).toFixed(1) });
  if (seconds < 86400) return t('reports.hours', { n: +(seconds / 3600).toFixed(1) });
  return t('reports.days', { n: +(seconds / 86400).toFixed(1) });
}

const percent = (p) => (p == null ? '—' : `${p}%`);

export function render(main) {
  const today = new Date();
  const weekAgo = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6);
  const from = h('input', { type: 'date', name: 'from', required: true, value: isoDay(weekAgo) });
  const to = h('input', { type: 'date', name: 'to', required: true, value: isoDay(today) });
  const by = h('select', { name: 'by' },
    ['day', 'channel', 'agent', 'group'].map((v) => h('option', { value: v, text: t(`reports.by.${v}`) })));
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset = browserOffset();
  // Any IANA zone is counted with its own daylight-saving rules: offer this browser's first.
  const zones = browserZone && !ZONES.includes(browserZone) ? [browserZone, ...ZONES] : ZONES;
  const tz = h('select', { name: 'tz' },
    zones.map((z) => h('option', { value: z, text: z })),
    h('option', { value: offset, text: t('reports.offset', { offset }) }));
  tz.value = browserZone || offset;
  const show = h('button', { type: 'submit', class: 'primary', text: t('reports.show') });
  const csv = h('button', { type: 'button', text: t('reports.csv') });
  const errors = errorBox();
  const out = h('div', { class: 'report-out', 'aria-live': 'polite' });
  const form = h('form', { class: 'card report-form', novalidate: true },
    h('div', { class: 'report-controls' },
      field(t('reports.from'), from), field(t('reports.to'), to),
      field(t('reports.byLabel'), by), field(t('reports.tz'), tz, t('reports.tzHint'))),
    errors.el,
    h('div', { class: 'actions' }, show, csv));

  const query = (format) => {
    const q = new URLSearchParams({ from: from.value, to: to.value, by: by.value, tz: tz.value });
    if (format) q.set('format', format);
    return `/api/admin/reports?${q}`;
  };

  async function load() {
    errors.clear();
    fill(out, loading());
    try {
      const { report } = await busy(show, () => get(query()));
      fill(out, charts(report), table(report));
      announce(t('reports.loaded'));
    } catch (err) {
      fill(out);
      errors.show(err);
    }
  }

  form.addEventListener('submit', (event) => { event.preventDefault(); load(); });
  // The API needs the admin token in a header, so the file is fetched, then saved from memory.
  csv.addEventListener('click', async () => {
    errors.clear();
    try {
      const text = await busy(csv, () => request('GET', query('csv'), undefined, { text: true }));
      const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
      const a = h('a', { href: url, download: `spindesk-report-${from.value}-${to.value}-${by.value}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      announce(t('reports.csvDone'));
    } catch (err) { errors.show(err); }
  });

  main.append(
    h('h1', { text: t('reports.title') }),
    h('p', { class: 'lead', text: t('reports.intro') }),
    form, out);
  load();
}

/** Bars per bucket: conversations and hand-offs side by side; CSAT % below. */
function charts(report) {
  const buckets = report.buckets;
  if (!buckets.length) return h('p', { class: 'muted', text: t('reports.empty') });
  return h('div', { class: 'report-charts' },
    barChart('reports.chart.volume', buckets, [
      { key: 'conversations', label: t('reports.col.conversations'), cls: 'bar-a' },
      { key: 'handoffs', label: t('reports.col.handoffs'), cls: 'bar-b' },
    ]),
    barChart('reports.chart.csat', buckets, [
      { key: 'csat', label: t('reports.col.csat'), cls: 'bar-c', value: (b) => b.csat.percent, max: 100 },
    ]));
}

function barChart(titleKey, buckets, series) {
  const width = 720;
  const height = 200;
  const left = 36;
  const bottom = 40;
  const valueOf = (s, b) => (s.value ? s.value(b) : b[s.key]) || 0;
  const max = series[0].max || Math.max(1, ...buckets.flatMap((b) => series.map((s) => valueOf(s, b))));
  const slot = (width - left) / buckets.length;
  const bar = Math.max(2, Math.min(28, (slot - 6) / series.length));
  const y = (v) => (height - bottom) - (v / max) * (height - bottom - 10);
  const id = `chart-${titleKey.replace(/\W/g, '-')}`;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': id, class: 'chart' },
    svg('title', { id }, document.createTextNode(t(titleKey))),
    svg('line', { x1: left, y1: height - bottom, x2: width, y2: height - bottom, class: 'axis' }),
    svg('text', { x: left - 4, y: y(max) + 4, class: 'tick', 'text-anchor': 'end' }, document.createTextNode(String(count(max)))),
    svg('text', { x: left - 4, y: height - bottom, class: 'tick', 'text-anchor': 'end' }, document.createTextNode('0')));
  buckets.forEach((b, i) => {
    const x0 = left + i * slot + (slot - bar * series.length) / 2;
    series.forEach((s, j) => {
      const v = valueOf(s, b);
      chart.append(svg('rect', { x: x0 + j * bar, y: y(v), width: bar - 1, height: (height - bottom) - y(v), class: s.cls },
        svg('title', null, document.createTextNode(`${b.label}: ${s.label} ${count(v)}`))));
    });
    // Label every bucket when they fit, else every few.
    const every = Math.ceil(buckets.length / 12);
    if (i % every === 0) {
      chart.append(svg('text', { x: left + i * slot + slot / 2, y: height - bottom + 16, class: 'tick', 'text-anchor': 'middle' },
        document.createTextNode(b.label.length > 12 ? `${b.label.slice(0, 11)}…` : b.label)));
    }
  });
  const legend = h('ul', { class: 'legend' },
    series.map((s) => h('li', null, h('span', { class: `swatch ${s.cls}`, 'aria-hidden': 'true' }), s.label)));
  return h('figure', { class: 'card report-chart', 'aria-hidden': 'true' },
    h('figcaption', { text: t(titleKey) }), chart, legend);
}

const COLUMNS = [
  ['conversations', (b) => count(b.conversations)],
  ['botAlone', (b) => count(b.bot_alone)],
  ['handoffs', (b) => count(b.handoffs)],
  ['firstReply', (b) => duration(b.first_reply_time.median_seconds)],
  ['firstReplyP90', (b) => duration(b.first_reply_time.p90_seconds)],
  ['resolution', (b) => duration(b.full_resolution_time.median_seconds)],
  ['resolutionP90', (b) => duration(b.full_resolution_time.p90_seconds)],
  ['reopens', (b) => count(b.reopens)],
  ['csat', (b) => percent(b.csat.percent)],
];

function table(report) {
  const row = (b, cellTag) => h('tr', { dataset: { key: b.key } },
    h('th', { scope: 'row', text: b.label }),
    COLUMNS.map(([name, value]) => h(cellTag, { dataset: { col: name }, text: value(b) })));
  return h('div', { class: 'table-wrap report-table' },
    h('table', null,
      h('caption', { text: t('reports.caption', { from: report.from, to: report.to, tz: report.tz }) }),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col', text: t(`reports.by.${report.by}`) }),
        COLUMNS.map(([name]) => h('th', { scope: 'col', text: t(`reports.col.${name}`) })))),
      h('tbody', null, report.buckets.map((b) => row(b, 'td'))),
      h('tfoot', null, row({ ...report.total, label: t('reports.total') }, 'td'))));
}
