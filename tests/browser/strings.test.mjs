// The UI string tables in both languages, without a browser or a server: the agent workspace
// (static/agent/strings.js, `en` and `ko`) and the widget (static/widget.js) must have the same
// keys in both, each the same kind (text, function, nested table) with the same {placeholders};
// so must the admin console's (static/admin/strings.js `STRINGS` and `KO`), where only product
// names may read the same in both. Then the words of server errors (static/shared/errors.js with
// each page's own errors.js) for each kind of answer, in both languages.
// Run: node tests/browser/strings.test.mjs
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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


// ---- Admin console: server errors in words (static/admin/errors.js), in both languages. The
// module runs here as a script after strings.js (imports and exports taken out), like the
// tables above; the browser tests see the same words on real server answers.
// (The steps both staff apps share, static/shared/errors.js, run before the page's own.)
const withoutImports = (path) => read(path).replace(/^import .*$/gm, '');
const sharedSource = withoutImports('shared/errors.js');
const errorsSource = withoutImports('admin/errors.js');
const words = evaluate(`${read('admin/strings.js')}\n${sharedSource}\n${errorsSource}`, '{ CODES, explain, problemWords, setLanguage, retryAfterSeconds }',
  { document: { documentElement: {} }, navigator: {}, console });
const rustSources = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory()
  ? rustSources(join(dir, e.name)) : e.name.endsWith('.rs') ? [readFileSync(join(dir, e.name), 'utf8')] : []));
const core = rustSources(fileURLToPath(new URL('../../crates/spindesk-core/src/', import.meta.url))).join('\n');
check('admin console: every error code with words of its own is one the server sends, with words in both tables',
  Object.entries(words.CODES).flatMap(([code, key]) => [
    ...(core.includes(`"${code}"`) ? [] : [`${code}: not in crates/spindesk-core/src (renamed? remove or rename it here)`]),
    ...(key in admin.STRINGS && key in admin.KO ? [] : [`${code}: ${key} is not in both tables`]),
  ]));

const botCore = rustSources(fileURLToPath(new URL('../../crates/spindesk-core/src/bot/', import.meta.url))).join('\n');
check('admin console: every bot problem code with words is one the bot checker still reports',
  Object.keys(admin.STRINGS).filter((key) => key.startsWith('errors.problem.'))
    .map((key) => key.slice('errors.problem.'.length)).filter((code) => !botCore.includes(`"${code}"`))
    .map((code) => `errors.problem.${code}: not in crates/spindesk-core/src/bot`));

// What a Korean admin reads for each kind of failure, and that it differs from English.
const cases = [
  // [what, the request's outcome, the Korean words expected, an English part expected]
  ['network failure', { status: 0 }, '서버에 연결할 수 없습니다', 'cannot be reached'],
  ['a known code', { status: 409, code: 'email_taken', text: 'A staff member with email a@b.c already exists' }, '이 이메일을 쓰는 직원이 이미 있습니다', 'exists already'],
  ['too long, in our envelope', { status: 422, code: 'invalid_name', text: '`agent.name` must be 1 to 255 characters' }, '이름: 1~255자로 입력하세요', 'Name: use 1 to 255'],
  ['too long, Zendesk', { status: 422, code: 'RecordInvalid', text: "The section's name is longer than 255 characters" }, '이름: 최대 255자까지', 'Name: at most 255'],
  ['missing, Zendesk', { status: 422, code: 'RecordInvalid', text: 'name: is required' }, '이름: 필수 항목입니다', 'Name: this is required'],
  ['missing, a credential', { status: 422, code: 'missing_credential', text: 'A telegram integration needs `bot_token` (all of: bot_token)' }, '이 채널 유형에 필요한 항목입니다', 'this channel type needs it'],
  ['taken, Zendesk', { status: 422, code: 'RecordInvalid', text: 'name: a group named "x" already exists' }, '이름: 이미 사용 중입니다', 'Name: this is in use already'],
  ['a range, in our envelope', { status: 422, code: 'invalid_settings', text: '`launcher.offset_x` must be 0 to 200 pixels, got 900' }, 'launcher.offset_x: 0~200 사이의 숫자를', 'use a number from 0 to 200'],
  ['a range, Zendesk', { status: 422, code: 'RecordInvalid', text: 'position must be between -100000 and 100000' }, '순서: -100000~100000 사이의', 'Position: use a number from -100000'],
  ['a whole number', { status: 400, code: 'invalid_pagination', text: '`per_page` must be a whole number from 1 to 100, got "0"' }, 'per_page: 1~100 사이의 숫자를', 'per_page: use a number from 1 to 100'],
  ['too big', { status: 422, code: 'RecordInvalid', text: 'body is larger than 1048576 bytes' }, '본문: 최대 1048576바이트', 'Body: at most 1048576 bytes'],
  ['a member already', { status: 422, code: 'RecordInvalid', text: 'user_id: 7 is already a member of group 3' }, '상담원: 이미 이 그룹의 멤버입니다', 'Agent: already a member'],
  ['gone meanwhile', { status: 422, code: 'RecordInvalid', text: 'group_id: there is no group 3' }, '그룹: 더 이상 없습니다', 'Group: it no longer exists'],
  ['bad JSON', { status: 400, code: 'invalid_json', text: 'The JSON body could not be read: EOF' }, '서버가 읽지 못했습니다', 'could not read'],
  ['a wrong token', { status: 401, code: 'unauthorized', text: 'The admin token is not valid' }, '다시 로그인하세요', 'Sign in again'],
  ['an expired token', { status: 401, code: 'token_expired', text: 'This API token has expired; ask an admin for a new one' }, '만료되었습니다', 'has expired. Ask'],
  ['not an admin', { status: 403, code: 'forbidden', text: 'Only admins may use the admin API' }, '관리자만', 'only admins may'],
  ['gone', { status: 404, code: 'webhook_not_found', text: 'No webhook "7"' }, '찾을 수 없습니다', 'Not found'],
  ['too large', { status: 413, code: 'payload_too_large', text: 'The request body is larger than the 65536 bytes this route accepts' }, '너무 커서', 'too large'],
  ['rate limited, with Retry-After', { status: 429, code: 'rate_limited', text: 'Too many requests', retryAfter: 30 }, '30초 후에', 'in 30 seconds'],
  ['rate limited, without', { status: 429, code: 'rate_limited', text: 'Too many requests' }, '잠시 기다린', 'Wait a moment'],
  ['our fault', { status: 500, code: 'internal_error', text: 'Something went wrong on our side' }, '서버에서 문제가 생겼습니다', 'went wrong on the server'],
  ['a proxy without JSON', { status: 502, code: 'http_502' }, '게이트웨이 오류', 'gateway error'],
  ['a status we have no words for', { status: 418, code: 'http_418' }, '상태 코드 418', 'status 418'],
];
const wrong = [];
for (const [what, outcome, ko, en] of cases) {
  words.setLanguage('ko');
  const k = words.explain(outcome);
  if (!k.message.includes(ko) || (outcome.text && k.message.includes(outcome.text))) wrong.push(`${what} (ko): ${k.message}`);
  words.setLanguage('en');
  const e = words.explain(outcome);
  if (!e.message.includes(en)) wrong.push(`${what} (en): ${e.message}`);
}
// A number range is not a count of letters: "1 to 64 letters" is left to the server's words.
words.setLanguage('en');
if (words.explain({ status: 422, code: 'invalid_x', text: '`client_id` must be 1 to 64 letters, digits, \'-\' or \'_\'' }).message.includes('use a number')) {
  wrong.push('"1 to 64 letters" read as a number range');
}
// A code without words: the status's words, then the server's own after a lead-in.
const unknown = { status: 422, code: 'invalid', text: '`target` names a private, link-local or metadata address (10.0.0.1)' };
words.setLanguage('ko');
const fallback = words.explain(unknown);
if (fallback.message !== `입력한 내용 중 올바르지 않은 값이 있습니다. 서버 메시지(영어): ${unknown.text}` || fallback.server !== unknown.text) {
  wrong.push(`fallback (ko): ${JSON.stringify(fallback)}`);
}
const problem = { code: 'unknown_step', title: 'answer "refund" has no step "nowhere"', pointer: 'answers[1].steps[4].no' };
if (words.problemWords(problem).text !== '이 답변에는 이 ID의 단계가 없습니다.' || words.problemWords(problem).english) wrong.push('a bot problem in words');
const strange = { code: 'not_a_code', title: 'something new', pointer: 'answers[0]' };
if (JSON.stringify(words.problemWords(strange)) !== JSON.stringify({ text: 'something new', english: true })) wrong.push('a bot problem without words');
if (words.retryAfterSeconds('120') !== 120 || words.retryAfterSeconds(new Date(Date.now() + 9500).toUTCString()) < 8
  || words.retryAfterSeconds('soon') !== null || words.retryAfterSeconds(null) !== null) wrong.push('Retry-After not read');
check('admin console: server errors in Korean words (and English), the server text only after a lead-in', wrong);

// ---- Agent workspace: the same steps (static/shared/errors.js) with its own codes and words
// (static/agent/errors.js), in each language: the module runs after strings.js with the
// browser's language set, once per table.
const agentWords = (lang) => evaluate(`${read('agent/strings.js')}\n${sharedSource}\n${withoutImports('agent/errors.js')}`,
  '{ CODES, explain, errorFrom, t, SHAPES, TICKET_SHAPES, COMPLETE }', { navigator: { languages: [lang], language: lang }, console });
const agentKo = agentWords('ko-KR');
const agentEn = agentWords('en-US');
// Every key the shared steps may look up (each shape's, each status with words of its own) is in
// both pages' tables; the workspace's own shapes in its tables.
const sharedKeys = agentKo.SHAPES.map((shape) => shape.key)
  .concat([...agentKo.COMPLETE].map((status) => `errors.http.${status}`))
  .concat(['errors.network', 'errors.retryIn', 'errors.fallback', 'errors.someField', 'errors.http.other', 'errors.http.400', 'errors.http.409', 'errors.http.422']);
check('agent workspace and admin console: every key the shared error steps look up is in their tables',
  sharedKeys.flatMap((key) => [
    ...(agentKo.t.has(key) && agentEn.t.has(key) ? [] : [`agent: ${key}`]),
    ...(key in admin.STRINGS && key in admin.KO ? [] : [`admin: ${key}`]),
  ]).concat(agentKo.TICKET_SHAPES.map((shape) => shape.key).filter((key) => !(agentKo.t.has(key) && agentEn.t.has(key)))
    .map((key) => `agent: ${key}`)));
check('agent workspace: every error code with words of its own is one the server sends, with words in both tables',
  Object.entries(agentKo.CODES).flatMap(([code, key]) => [
    ...(core.includes(`"${code}"`) ? [] : [`${code}: not in crates/spindesk-core/src (renamed? remove or rename it here)`]),
    ...(agentKo.t.has(key) && agentEn.t.has(key) ? [] : [`${code}: ${key} is not in both tables`]),
  ]));
// The answers the ticket routes give (crates/spindesk-core/src/api/tickets), as the workspace
// reads them: [what, status, body, the Korean words expected, an English part expected].
const zd = (error, description) => ({ error, description });
const agentCases = [
  ['a tag too long', 422, zd('RecordInvalid', 'tags: "xxxxxxxx" must be 1 to 80 characters without spaces'), '태그: 1~80자로 입력하세요', 'Tags: use 1 to 80 characters'],
  ['an empty reply', 422, zd('RecordInvalid', "comment: body can't be blank"), '답변: 필수 항목입니다', 'Reply: this is required'],
  ['a reply without a body', 422, zd('RecordInvalid', 'comment: needs a body'), '답변: 필수 항목입니다', 'Reply: this is required'],
  ['a subject too long', 422, zd('RecordInvalid', 'subject: is longer than 255 characters'), '제목: 최대 255자까지', 'Subject: at most 255'],
  ['a group gone', 422, zd('RecordInvalid', 'group_id: there is no group 9'), '그룹: 더 이상 없습니다', 'Group: it no longer exists'],
  ['closed elsewhere', 422, zd('RecordInvalid', 'status: closed prevents ticket update'), '그 사이에 이 티켓이 종료되었습니다', 'closed in the meantime'],
  ['a ticket or macro gone', 404, zd('RecordNotFound', 'Not found'), '다른 곳에서 삭제되거나 변경되었을 수', 'deleted or changed elsewhere'],
  ['a wrong token', 401, zd('Unauthorized', "Couldn't authenticate you"), '다시 로그인하세요', 'Sign in again'],
  ['not an admin', 403, zd('Forbidden', 'Only admins can change macros; agents can read and use them'), '관리자에게 문의하세요', 'ask an admin'],
  ['a file too large', 413, zd('RecordInvalid', 'the file is larger than the 20971520 bytes allowed'), '너무 큽니다', 'too large for Spindesk'],
  ['a file of a refused type', 415, zd('RecordInvalid', 'files of this type are not accepted'), '이 형식의 파일', 'this kind of file'],
  ['rate limited', 429, { errors: [{ code: 'rate_limited', title: 'Too many requests' }] }, '잠시 기다린', 'Wait a moment'],
  ['the database busy', 503, { errors: [{ code: 'busy', title: 'The database is busy; try again in a moment' }] }, '데이터베이스가 사용 중', 'database is busy'],
  ['our fault', 500, { errors: [{ code: 'internal_error', title: 'Something went wrong on our side' }] }, '서버에서 문제가 생겼습니다', 'went wrong on the server'],
  ['a proxy without JSON', 502, null, '게이트웨이 오류', 'gateway error'],
  ['bad JSON', 400, { errors: [{ code: 'invalid_json', title: 'The JSON body could not be read: EOF' }] }, '읽지 못했습니다', 'could not read'],
  ['no connection', 0, null, '연결할 수 없습니다', 'Can’t reach Spindesk'],
];
const agentWrong = [];
for (const [what, status, body, ko, en] of agentCases) {
  const said = body && (body.description || body.errors[0].title);
  const k = agentKo.errorFrom(status, body, null);
  if (!k.message.includes(ko) || (said && k.message.includes(said)) || k.server) agentWrong.push(`${what} (ko): ${k.message}`);
  const e = agentEn.errorFrom(status, body, null);
  if (!e.message.includes(en)) agentWrong.push(`${what} (en): ${e.message}`);
  if (k.status !== status) agentWrong.push(`${what}: status ${k.status}`);
}
if (agentKo.errorFrom(429, null, 42).message !== '요청이 너무 많습니다. 42초 후에 다시 시도하세요.') agentWrong.push('Retry-After not used');
// A text without words of the workspace's own: Korean, then the server's after a lead-in.
const query = zd('InvalidSearchQuery', 'unknown keyword "mood"; Spindesk searches with status, tags');
const lead = agentKo.errorFrom(400, query, null);
if (lead.message !== `Spindesk가 요청을 받아들이지 않았습니다. 서버 메시지(영어): ${query.description}` || lead.server !== query.description) {
  agentWrong.push(`fallback (ko): ${JSON.stringify({ message: lead.message, server: lead.server })}`);
}
check('agent workspace: server errors in Korean words (and English), the server text only after a lead-in', agentWrong);

if (failures) process.exit(1);
