// Issue 11's measurement, as it was made on Spin: wrk against the three busy paths, side by side.
//
//   node scripts/wrk-paths.mjs          (scripts/wrk-paths.sh starts a server and runs this)
//
// Env: BASE_URL (http://127.0.0.1:3000), ADMIN_TOKEN (the server's `admin_token`), CONNECTIONS
// (32), HC_CONNECTIONS (8), DURATION (8s), THREADS (2), ARTICLES (10000), SESSIONS (50), PATHS
// (widget,telegram,search: the paths to run, in that order; e.g. PATHS=telegram alone after a
// long widget run, to see what the data and the database's files left by it cost the webhooks).
//
// The server must run with the widget's message limits raised (every request comes from one
// address): `--variable widget_messages_per_minute=1000000000 --variable
// widget_messages_per_address_per_minute=1000000000`; the script checks and says so otherwise.
//
// 1. Sets up what the paths need: SESSIONS widget sessions; a Telegram integration with its
//    secret token; ARTICLES help-center articles in two languages (skipped when the help center
//    has that many already, so a second run measures at once).
// 2. Runs wrk (Debian package `wrk`) on each path in turn, a Lua script per path:
//    - widget message + bot reply: POST /api/widget/messages, the sessions in turn;
//    - signed Telegram webhook + reply: POST /webhooks/telegram/<id>, a new update_id each;
//    - help-center search: GET /api/v2/help_center/articles/search, queries in turn.
// 3. Prints the issue's table: requests per second, p50 and p99, and any answer that was not 2xx.
//
// VENDOR_URL (optional): the Telegram integration's `api_base_url`, a local stand-in for
// Telegram's Bot API that the replies really go to (the server must be granted that origin, e.g.
// `--variable webhook_hosts=http://127.0.0.1:PORT`, which the channels component's
// allowed_outbound_hosts include). Without it the replies go to api.telegram.org, which a
// machine without the network may take seconds to fail to reach, after each answer.
//
// INSERT_URL (optional): the issue's reference, a component that does one SQLite INSERT per
// request (tests/one-insert, served by its own `spin up -f tests/one-insert/spin.toml` or
// spindesk-wasmhost): run first with CONNECTIONS, as a row of the table, and every path's
// requests per second are also given as a ratio to it (the goal: >= 0.40).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BASE = (process.env.BASE_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');
const ADMIN = process.env.ADMIN_TOKEN || '';
const CONNECTIONS = Number(process.env.CONNECTIONS || 32);
const HC_CONNECTIONS = Number(process.env.HC_CONNECTIONS || 8);
const DURATION = process.env.DURATION || '8s';
const THREADS = Number(process.env.THREADS || 2);
const ARTICLES = Number(process.env.ARTICLES || 10000);
// At most 60 sessions per address per 10 minutes (the widget's own limit): 50 leaves room.
const SESSIONS = Number(process.env.SESSIONS || 50);
const PATHS = (process.env.PATHS || 'widget,telegram,search').split(',').map((p) => p.trim());
for (const p of PATHS) {
  if (!['widget', 'telegram', 'search'].includes(p)) {
    console.error(`wrk-paths: PATHS names widget, telegram and search, not ${JSON.stringify(p)}`);
    process.exit(1);
  }
}

function fail(message) {
  console.error(`wrk-paths: ${message}`);
  process.exit(1);
}

async function call(method, path, { body, auth, expect } = {}) {
  const res = await fetch(BASE + path, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(auth ? { authorization: auth } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (expect && !expect.includes(res.status)) {
    fail(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  }
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json };
}

const admin = `Bearer ${ADMIN}`;

// Words for the articles and the queries: support vocabulary in English and Korean, so the
// index has common and rare terms as a real help center does.
const EN = ('account password reset login order delivery parcel refund return payment card invoice ' +
  'shipping address change cancel subscription plan upgrade email phone verify code app install ' +
  'update error crash slow sync backup export import privacy security device battery warranty ' +
  'repair replace size color stock discount coupon gift points member store hours contact').split(' ');
const KO = ('비밀번호 계정 로그인 주문 배송 택배 환불 반품 결제 카드 영수증 주소 변경 취소 구독 요금제 ' +
  '업그레이드 이메일 전화 인증 코드 앱 설치 업데이트 오류 동기화 백업 개인정보 보안 기기 배터리 ' +
  '보증 수리 교환 사이즈 색상 재고 할인 쿠폰 선물 포인트 회원 매장 영업시간 문의').split(' ');

/** A small deterministic generator, so every run builds the same help center. */
function words(seed, list, n) {
  let x = seed * 2654435761 % 4294967296;
  const out = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    // Skewed towards the start of the list: a few words are common, most are rare.
    const r = (x / 2147483648) ** 2;
    out.push(list[Math.floor(r * list.length)]);
  }
  return out.join(' ');
}

async function helpCenter() {
  const existing = await call('GET', '/api/v2/help_center/articles?per_page=1', { auth: admin, expect: [200] });
  const have = existing.json && typeof existing.json.count === 'number' ? existing.json.count : 0;
  if (have >= ARTICLES) {
    console.log(`help center: ${have} articles already`);
    return;
  }
  const sections = {};
  for (const locale of ['en-us', 'ko']) {
    const category = await call('POST', `/api/v2/help_center/${locale}/categories`, {
      auth: admin, body: { category: { name: `Load ${locale}`, description: 'wrk-paths' } }, expect: [201],
    });
    const section = await call('POST', `/api/v2/help_center/${locale}/categories/${category.json.category.id}/sections`, {
      auth: admin, body: { section: { name: `Load ${locale}`, description: 'wrk-paths' } }, expect: [201],
    });
    sections[locale] = section.json.section.id;
  }
  const started = Date.now();
  let made = have;
  const next = async () => {
    while (made < ARTICLES) {
      const n = made++;
      const locale = n % 2 ? 'ko' : 'en-us';
      const list = n % 2 ? KO : EN;
      await call('POST', `/api/v2/help_center/${locale}/sections/${sections[locale]}/articles`, {
        auth: admin,
        body: { article: { title: `${words(n, list, 4)} ${n}`, body: `<p>${words(n + 7, list, 120)}</p>`, draft: false } },
        expect: [201],
      });
      if ((n + 1) % 1000 === 0) {
        console.log(`help center: ${n + 1} of ${ARTICLES} articles (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, next));
}

function lua(strings) {
  return `{${strings.map((s) => JSON.stringify(s)).join(', ')}}`;
}

// wrk's done() prints one line of JSON the script reads back.
const DONE = `
function done(summary, latency, requests)
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format('{"requests": %d, "seconds": %.3f, "p50": %.3f, "p99": %.3f, "max": %.3f, "bad": %d, "failed": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, summary.errors.status, failed))
end
`;

function wrk(name, connections, script, path, base = BASE) {
  const dir = mkdtempSync(join(tmpdir(), 'wrk-paths-'));
  try {
    const file = join(dir, `${name}.lua`);
    writeFileSync(file, script + DONE);
    const out = execFileSync('wrk', ['-t', String(Math.min(THREADS, connections)), '-c', String(connections),
      '-d', DURATION, '--timeout', '10s', '--latency', '-s', file, base + path], { encoding: 'utf8' });
    const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
    if (!line) fail(`wrk printed no summary for ${name}:\n${out}`);
    return JSON.parse(line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (e) {
    // wrk --version exits 1 after printing; only a missing binary is a failure.
    if (e.code === 'ENOENT') fail('wrk is missing: apt-get install -y wrk');
  }
  if (!ADMIN) fail('ADMIN_TOKEN is not set (the server\'s admin_token variable)');

  const tokens = [];
  for (let i = 0; i < SESSIONS; i++) {
    const s = await call('POST', '/api/widget/sessions', { body: { locale: i % 2 ? 'ko-KR' : 'en-US' }, expect: [201] });
    tokens.push(s.json.session.token);
  }
  // Limits: a burst from one session must not be refused.
  for (let i = 0; i < 25; i++) {
    const r = await call('POST', '/api/widget/messages', { auth: `Bearer ${tokens[0]}`, body: { text: 'hello' } });
    if (r.status === 429) {
      fail('the widget refuses messages over its limits (429): start the server with ' +
        '--variable widget_messages_per_minute=1000000000 --variable widget_messages_per_address_per_minute=1000000000');
    }
    if (r.status !== 201) fail(`a widget message answered ${r.status}`);
  }
  const secret = 'wrk-paths-telegram-secret-0123456789';
  const telegram = await call('POST', '/api/admin/integrations', {
    auth: admin,
    body: {
      integration: {
        type: 'telegram', display_name: 'wrk-paths', bot_token: '123456:wrk-paths', secret_token: secret,
        ...(process.env.VENDOR_URL ? { api_base_url: process.env.VENDOR_URL } : {}),
      },
    },
    expect: [201],
  });
  const webhook = `/webhooks/telegram/${telegram.json.integration.id}`;
  await helpCenter();
  const probe = await call('GET', `/api/v2/help_center/articles/search?query=${encodeURIComponent(EN[0])}`, { expect: [200] });
  const found = probe.json && Array.isArray(probe.json.results) ? probe.json.results.length : 0;
  if (!found) fail(`a search for "${EN[0]}" found nothing: the help center is not indexed`);

  const INSERT_URL = (process.env.INSERT_URL || '').replace(/\/$/, '');
  const reference = INSERT_URL && wrk('insert', CONNECTIONS, '', '/', INSERT_URL);

  const widget = PATHS.includes('widget') && wrk('widget', CONNECTIONS, `
local tokens = ${lua(tokens)}
local texts = ${lua(['hello', 'what are your opening hours?', 'how do I reset my password', 'where is my order', '비밀번호를 잊어버렸어요'])}
local n = 0
request = function()
  n = n + 1
  return wrk.format('POST', nil, {
    ['Authorization'] = 'Bearer ' .. tokens[(n % #tokens) + 1],
    ['Content-Type'] = 'application/json',
  }, '{"text": "' .. texts[(n % #texts) + 1] .. '"}')
end
`, '/api/widget/messages');

  const webhooks = PATHS.includes('telegram') && wrk('telegram', CONNECTIONS, `
local counter = 1
function setup(thread)
  thread:set('base', counter * 100000000)
  counter = counter + 1
end
local n = 0
request = function()
  n = n + 1
  local id = base + n
  local chat = 7000 + (n % 500)
  return wrk.format('POST', nil, {
    ['Content-Type'] = 'application/json',
    ['X-Telegram-Bot-Api-Secret-Token'] = '${secret}',
  }, string.format('{"update_id": %d, "message": {"message_id": %d, "from": {"id": %d, "is_bot": false, '
    .. '"first_name": "Ana"}, "chat": {"id": %d, "type": "private"}, "date": 1718000000, '
    .. '"text": "where is my order"}}', id, id, chat, chat))
end
`, webhook);

  const queries = [...EN.slice(0, 12), ...KO.slice(0, 12), 'reset password', '배송 조회', 'refund card', 'warranty repair'];
  const search = PATHS.includes('search') && wrk('search', HC_CONNECTIONS, `
local queries = ${lua(queries.map(encodeURIComponent))}
local n = 0
request = function()
  n = n + 1
  return wrk.format('GET', '/api/v2/help_center/articles/search?query=' .. queries[(n % #queries) + 1])
end
`, '/api/v2/help_center/articles/search');

  const rps = (r) => r.requests / r.seconds;
  // The search runs with its own connection count: no ratio to the reference's.
  const ratio = (r, comparable) =>
    (reference ? ` ${comparable ? `${(rps(r) / rps(reference)).toFixed(2)}×` : '—'} |` : '');
  const row = (name, connections, r, comparable = true) =>
    `| ${name} | ${connections} | ${rps(r).toFixed(0)} |${ratio(r, comparable)} ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.max.toFixed(0)} ms | ${r.bad} | ${r.failed} |`;
  console.log(`\n${BASE}, ${DURATION} each, ${THREADS} wrk threads\n`);
  // "failed": no answer (refused, cut, or none within wrk's 10 s timeout).
  console.log(`| path | connections | req/s |${reference ? ' ratio to one INSERT |' : ''} p50 | p99 | max | not 2xx | failed |`);
  console.log(`|---|---|---|${reference ? '---|' : ''}---|---|---|---|---|`);
  if (reference) console.log(row(`one INSERT (${INSERT_URL})`, CONNECTIONS, reference));
  if (widget) console.log(row('widget message + bot reply', CONNECTIONS, widget));
  if (webhooks) console.log(row('signed Telegram webhook + reply to the vendor', CONNECTIONS, webhooks));
  if (search) console.log(row(`help-center search, ${ARTICLES} articles`, HC_CONNECTIONS, search, false));
  if ([reference, widget, webhooks, search].some((r) => r && (r.bad || r.failed))) process.exitCode = 1;
}

main().catch((e) => fail(e.stack || String(e)));
