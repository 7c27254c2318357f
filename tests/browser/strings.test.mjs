// The UI string tables in both languages, without a browser or a server: the agent workspace
// (static/agent/strings.js, `en` and `ko`) and the widget (static/widget.js) must have the same
// keys in both, each the same kind (text, function, nested table) with the same {placeholders};
// so must the admin console's (static/admin/strings.js `STRINGS` and `KO`), where only product
// names may read the same in both.
// Run: node tests/browser/strings.test.mjs
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import assert from 'node:assert/strict';

const ROOT = new URL('../../static/', import.meta.url);
const read = (path) => readFileSync(new URL(path, ROOT), 'utf8');

// Runs a module's source as a script (without its `export`s) and returns what `expose` names.
function evaluate(source, expose, globals) {
  const script = source.replace(/^export /gm, '') + `\n;globalThis.__tables = ${expose};`;
  const context = vm.createContext({ ...globals });
  vm.runInContext(script, context);
  return context.__tables;
}

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// Every difference between two tables, as readable lines.
function differences(en, other, path, out) {
  for (const key of new Set([...Object.keys(en), ...Object.keys(other)])) {
    const where = path ? `${path}.${key}` : key;
    if (!(key in other)) { out.push(`${where}: only in English`); continue; }
    if (!(key in en)) { out.push(`${where}: only in the translation`); continue; }
    const a = en[key], b = other[key];
    const kind = (v) => (Array.isArray(v) ? 'array' : typeof v);
    if (kind(a) !== kind(b)) { out.push(`${where}: ${kind(a)} in English, ${kind(b)} in the translation`); continue; }
    if (kind(a) === 'function' && a.length !== b.length) out.push(`${where}: takes ${a.length} arguments in English, ${b.length} in the translation`);
    if (kind(a) === 'string' && placeholders(a).join() !== placeholders(b).join()) {
      out.push(`${where}: placeholders {${placeholders(a)}} in English, {${placeholders(b)}} in the translation`);
    }
    if (kind(a) === 'object') differences(a, b, where, out);
  }
  return out;
}

let failures = 0;
function check(name, problems) {
  if (problems.length) {
    failures++;
    console.error(`not ok - ${name}\n  ${problems.join('\n  ')}`);
  } else {
    console.log(`ok - ${name}`);
  }
}

// The differ itself: a key in one language only is reported (so the checks below can fail).
assert.deepEqual(differences({ a: 'x', b: { c: '{n}' } }, { a: 'y', b: { c: '{m}' }, d: 'z' }, '', []), [
  'b.c: placeholders {n} in English, {m} in the translation', 'd: only in the translation'
]);
assert.deepEqual(differences({ a: 'x', f: function (n) { return n; } }, { f: function () { return ''; } }, '', []), [
  'a: only in English', 'f: takes 1 arguments in English, 0 in the translation'
]);

// ---- Agent workspace
const agent = evaluate(read('agent/strings.js'), 'STRINGS', { navigator: { languages: ['en'], language: 'en' } });
assert.deepEqual(Object.keys(agent).sort(), ['en', 'ko']);
check('agent workspace: en and ko have the same keys', differences(agent.en, agent.ko, '', []));

// ---- Widget: its tables sit inside one script that needs a page, so only the table is run.
const widgetSource = read('widget.js');
const widgetTable = /\nvar STRINGS = (\{[\s\S]*?\n\});\n/.exec(widgetSource);
assert.ok(widgetTable, 'static/widget.js has `var STRINGS = {...};`');
const widget = vm.runInNewContext(`(${widgetTable[1]})`);
assert.deepEqual(Object.keys(widget).sort(), ['en', 'ko']);
check('widget: en and ko have the same keys', differences(widget.en, widget.ko, '', []));

// ---- Admin console: two flat tables, STRINGS (English) and KO.
const admin = evaluate(read('admin/strings.js'), '{ STRINGS, KO }', {});
check('admin console: STRINGS and KO have the same keys', differences(admin.STRINGS, admin.KO, '', []));
// Names of products stay as they are in Korean; every other string must be translated, so an
// English string copied into KO is caught. The list must not go stale either.
const ADMIN_SAME = new Set([
  'channels.type.whatsapp', 'channels.type.messenger', 'channels.type.instagram', 'channels.type.telegram',
  'channels.type.line', 'channels.type.viber', 'channels.type.slack'
]);
check('admin console: every Korean string differs from the English one but the product names',
  Object.keys(admin.STRINGS).filter((key) => key in admin.KO && (admin.KO[key] === admin.STRINGS[key]) !== ADMIN_SAME.has(key))
    .map((key) => (ADMIN_SAME.has(key) ? `${key}: listed as a product name, but differs in Korean` : `${key}: still English in KO`)));

if (failures) process.exit(1);
