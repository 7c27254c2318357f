// The agent workspace's errors in Korean, in a real browser against the real server: a browser
// whose language is Korean (playwright's `locale: 'ko-KR'`) gets the server's refusals — a wrong
// API token, a tag too long, too many tags, a macro deleted elsewhere, a file larger than the
// server takes — in the workspace's Korean words, never the server's English on its own (that
// only after a Korean lead-in, marked lang="en", when the workspace has no words for it); and a
// rate limit, a server failure and a lost connection (made in the browser, in the server's
// shapes) too. agent.test.mjs is the English pass of the workspace.
//
//   BASE_URL=http://127.0.0.1:3000 ADMIN_TOKEN=... node agent-ko.test.mjs
//
// Exits non-zero on the first failed check. Screenshots go to ./out/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { ADMIN_TOKEN, BASE, OUT, check, checkNoProblems, go, launch, log, reportFailure, request, watchPage } from './harness.mjs';

const RUN = Date.now().toString(36);

// The workspace's Korean table, as the page reads it (strings.js with a Korean browser).
const source = readFileSync(new URL('../../static/agent/strings.js', import.meta.url), 'utf8');
const { T: KO, t } = vm.runInNewContext(`${source.replace(/^export /gm, '')}\n;({ T, t })`,
  { navigator: { languages: ['ko-KR'], language: 'ko-KR' }, console });
check(KO.signIn === '로그인', 'the Korean table');

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const browser = await launch('agent-ko', { width: 1280, height: 800 }, { locale: 'ko-KR' });
const { context } = browser;
const problems = [];
// Failed loads Chrome logs as console errors, when a step causes them on purpose.
let expectFailed = null;
let failed = false;

try {
  const page = context.pages()[0] || await context.newPage();
  watchPage(page, problems, { expected: () => expectFailed });

  // What the server says in English for an answer (either error family).
  const serverSays = (answer) => {
    const j = answer.json || {};
    const said = j.errors ? j.errors[0].title : (j.description || j.error);
    check(said, `no error text in ${answer.status} ${answer.text.slice(0, 200)}`);
    return said;
  };
  // `where` shows `korean` (a whole sentence of the workspace's table), and the page shows
  // neither the server's English words nor the lead-in that comes before them untranslated.
  const refusedInKorean = async (where, korean, english) => {
    await where.getByText(korean, { exact: true }).waitFor({ timeout: 5000 });
    const text = await page.locator('body').innerText();
    check(!text.includes(english), `the server's English shows: ${english}`);
    check(!text.includes('서버 메시지(영어)'), 'the server text is shown untranslated');
  };

  // ---- Setup through the APIs: an agent, a customer who asked for a person, a macro ----------
  const email = `jiwoo+${RUN}@example.com`;
  let token, auth, ticketId, macro;
  await go('an agent, a ticket and a macro', async () => {
    const created = await request('POST', '/api/admin/agents', { headers: admin, body: { agent: { name: `이지우 ${RUN}`, email } } });
    check(created.status === 201, `agent: ${created.status} ${created.text}`);
    token = created.json.api_token;
    auth = { authorization: 'Basic ' + Buffer.from(`${email}/token:${token}`).toString('base64') };
    const customer = `박서연 ${RUN}`;
    const s = await request('POST', '/api/widget/sessions', { body: { locale: 'ko-KR', name: customer } });
    check(s.status === 201, `session: ${s.status} ${s.text}`);
    const visitor = { authorization: `Bearer ${s.json.session.token}` };
    for (const body of [{ text: '안녕하세요' }, { text: '상담원 연결', payload: 'handoff' }, { text: '주문이 안 왔어요' }]) {
      const sent = await request('POST', '/api/widget/messages', { headers: visitor, body });
      check(sent.status === 201, `message: ${sent.status} ${sent.text}`);
    }
    const list = await request('GET', '/api/v2/tickets.json?sort_order=desc&per_page=20', { headers: auth });
    const found = (list.json.tickets || []).find((x) => x.subject.includes(customer));
    check(found, `a ticket for ${customer}`);
    ticketId = found.id;
    const m = await request('POST', '/api/v2/macros', { headers: admin, body: { macro: { title: `배송 안내 ${RUN}`,
      actions: [{ field: 'comment_value', value: '배송 상태를 확인하겠습니다.' }, { field: 'priority', value: 'high' }] } } });
    check(m.status === 201, `macro: ${m.status} ${m.text}`);
    macro = m.json.macro;
    log('ticket', ticketId, 'macro', macro.id);
  });

  await go('a wrong API token is refused in Korean', async () => {
    await page.goto(BASE + '/agent/');
    await page.getByRole('heading', { name: KO.signInTitle }).waitFor();
    check(await page.evaluate(() => document.documentElement.lang) === 'ko', 'lang=ko');
    expectFailed = /status of 401/;
    await page.getByLabel(KO.email, { exact: true }).fill(email);
    await page.getByLabel(KO.token, { exact: true }).fill('not-the-token');
    await page.getByRole('button', { name: KO.signIn, exact: true }).click();
    await refusedInKorean(page.locator('#signin-error'), KO.badCredentials, serverSays(await request('GET', '/api/v2/users/me.json',
      { headers: { authorization: 'Basic ' + Buffer.from(`${email}/token:not-the-token`).toString('base64') } })));
    expectFailed = null;
  });

  await go('signed in, the ticket open', async () => {
    await page.getByLabel(KO.token, { exact: true }).fill(token);
    await page.getByRole('button', { name: KO.signIn, exact: true }).click();
    await page.locator('#desk').waitFor({ state: 'visible' });
    await page.evaluate((id) => { location.hash = `ticket/${id}`; }, ticketId);
    await page.locator('#t-log .msg.customer', { hasText: '주문이 안 왔어요' }).waitFor();
  });

  const tags = page.getByLabel(KO.tags, { exact: true });
  const save = page.getByRole('button', { name: KO.save, exact: true });
  const fieldsStatus = page.locator('#fields-status');
  await go('a tag longer than the server takes: the field and the limit in Korean', async () => {
    expectFailed = /status of 422/;
    const long = 'ㄱ'.repeat(81);
    await tags.fill(`vip ${long}`);
    await save.click();
    await refusedInKorean(fieldsStatus, '태그: 1~80자로 입력하세요.', serverSays(await request('PUT', `/api/v2/tickets/${ticketId}.json`,
      { headers: auth, body: { ticket: { tags: ['vip', long] } } })));
    const stored = await request('GET', `/api/v2/tickets/${ticketId}.json`, { headers: auth });
    check(!stored.json.ticket.tags.includes(long), 'the refused update changed nothing');
    await page.screenshot({ path: join(OUT, 'agent-ko-tag.png') });
  });

  await go('too many tags: Korean, then the server\'s words marked as English', async () => {
    const many = Array.from({ length: 51 }, (_, i) => `t${i}`);
    const said = serverSays(await request('PUT', `/api/v2/tickets/${ticketId}.json`, { headers: auth, body: { ticket: { tags: many } } }));
    await tags.fill(many.join(' '));
    await save.click();
    await fieldsStatus.getByText(`${KO.errors.http[422]} 서버 메시지(영어):`).waitFor({ timeout: 5000 });
    check(await fieldsStatus.locator('span[lang="en"]').textContent() === said, `the server's words, marked English: ${await fieldsStatus.innerText()}`);
    expectFailed = null;
    await tags.fill('vip');
    await save.click();
    await fieldsStatus.getByText(KO.saved, { exact: true }).waitFor({ timeout: 5000 });
  });

  await go('a macro deleted elsewhere: not found, in Korean', async () => {
    const menu = page.getByLabel(KO.macroLabel, { exact: true });
    await menu.locator('option', { hasText: macro.title }).waitFor({ state: 'attached' });
    const deleted = await request('DELETE', `/api/v2/macros/${macro.id}`, { headers: admin });
    check(deleted.status === 204 || deleted.status === 200, `delete: ${deleted.status} ${deleted.text}`);
    expectFailed = /status of 404/;
    await menu.selectOption({ label: macro.title });
    await refusedInKorean(page.locator('#macro-error'), t('errors.http.404'), serverSays(await request('GET',
      `/api/v2/tickets/${ticketId}/macros/${macro.id}/apply.json`, { headers: auth })));
    check(await page.locator('#macro-preview').isHidden(), 'no preview of a macro that is gone');
    expectFailed = null;
  });

  await go('a file larger than the server takes: refused beside the file, in Korean', async () => {
    // attachment_max_bytes is 20 MiB by default (spin.toml).
    const big = Buffer.alloc(20 * 1024 * 1024 + 1, 0x61);
    const res = await fetch(`${BASE}/api/v2/uploads.json?filename=big.txt`,
      { method: 'POST', headers: { ...auth, 'content-type': 'application/binary' }, body: big });
    const text = await res.text();
    check(res.status === 413, `upload: ${res.status} ${text.slice(0, 200)}`);
    const said = serverSays({ status: res.status, json: JSON.parse(text), text });
    expectFailed = /status of 413/;
    await page.locator('#attach-input').setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: big });
    const item = page.locator('#tray li', { hasText: 'big.txt' });
    await refusedInKorean(item.getByRole('alert'), t('errors.http.413'), said);
    await item.getByRole('button', { name: KO.retry }).waitFor();
    await page.locator('#composer').screenshot({ path: join(OUT, 'agent-ko-upload.png') });
    await item.getByRole('button', { name: KO.removeFile('big.txt') }).click();
    expectFailed = null;
  });

  await go('a rate limit, a server failure and a lost connection are in Korean too', async () => {
    // The ticket routes have no rate limit to reach on purpose and do not fail on purpose: these
    // answers are made in the browser, in the shapes the server gives them (web/error.rs).
    const refused = async (answer, korean, english) => {
      await page.route(`**/api/v2/tickets/${ticketId}.json`, (route) => (route.request().method() === 'PUT' ? answer(route) : route.continue()));
      await tags.fill(`vip ${RUN}`);
      await save.click();
      await refusedInKorean(fieldsStatus, korean, english);
      await page.unroute(`**/api/v2/tickets/${ticketId}.json`);
    };
    expectFailed = /status of (429|500)|ERR_CONNECTION_REFUSED|ERR_FAILED/;
    const limited = 'Too many requests: at most 60 per 60 seconds; try again in 42 seconds';
    await refused((route) => route.fulfill({ status: 429, headers: { 'retry-after': '42' }, contentType: 'application/json',
      body: JSON.stringify({ errors: [{ code: 'rate_limited', title: limited }] }) }),
    '요청이 너무 많습니다. 42초 후에 다시 시도하세요.', limited);
    const broken = 'Something went wrong on our side; the request was not applied. Try again.';
    await refused((route) => route.fulfill({ status: 500, contentType: 'application/json',
      body: JSON.stringify({ error: 'internal_error', description: broken }) }),
    t('errors.http.500'), broken);
    await refused((route) => route.abort('connectionrefused'), t('errors.network'), 'Failed to fetch');
    expectFailed = null;
    await page.screenshot({ path: join(OUT, 'agent-ko-errors.png') });
  });

  checkNoProblems(problems);
} catch (err) {
  failed = true;
  await reportFailure(err, problems, context, 'agent-ko-failure.png');
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
