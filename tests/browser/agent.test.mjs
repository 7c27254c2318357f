// The agent workspace (/agent/) in a real browser (Debian's chromium driven by playwright-core):
// a visitor hands off to a person through the widget API, an agent signs in (a wrong token first),
// finds the ticket in the inbox, reads the customer, adds an internal note that never reaches the
// customer and a public reply that does, sets the status, sees the customer's next message arrive
// without a reload; a failed send keeps the draft; offline shows and backs off; one pane on a
// phone; closed tickets can't be answered; the strings table has Korean; a revoked token and
// sign-out both forget the token. No console errors (CSP
// violations are console errors).
//
//   BASE_URL=http://127.0.0.1:3000 ADMIN_TOKEN=... node agent.test.mjs
//
// Exits non-zero on the first failed check. Screenshots go to ./out/.
import { join } from 'node:path';
import { ADMIN_TOKEN, BASE, OUT, XSS, check, currentStep, go, launch, log, request, setStep } from './harness.mjs';

const RUN = Date.now().toString(36);


const api = (method, path, { body, auth } = {}) =>
  request(method, path, { body, headers: auth ? { authorization: auth } : {} });
async function ok(method, path, opts, status = 200) {
  const r = await api(method, path, opts);
  check(r.status === status, `${method} ${path} answered ${r.status}: ${r.text}`);
  return r.json;
}

const browser = await launch('agent', { width: 1280, height: 800 });
const { context } = browser;
const problems = [];
// Chrome logs every 4xx answer as a console error; these steps cause them on purpose.
let expectStatus = null;
let offline = false;
let failed = false;
const t0 = performance.now();

try {
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expectStatus && m.text().includes(`status of ${expectStatus}`)) return;
    if (offline && /ERR_INTERNET_DISCONNECTED/.test(m.text())) return;
    problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => { problems.push(`dialog opened: ${d.message()}`); await d.dismiss(); });

  // ---- Setup through the APIs -------------------------------------------------------------
  const email = `ada+${RUN}@example.com`;
  let token, agentId, auth, visitor, ticketId, customerName;
  await go('an agent and a customer who asked for a person', async () => {
    const created = await ok('POST', '/api/admin/agents', {
      auth: `Bearer ${ADMIN_TOKEN}`, body: { agent: { name: 'Ada Lovelace', email } },
    }, 201);
    token = created.api_token;
    agentId = created.agent.id;
    auth = 'Basic ' + Buffer.from(`${email}/token:${token}`).toString('base64');
    customerName = `김민지 ${RUN}`;
    const s = await ok('POST', '/api/widget/sessions', { body: { locale: 'ko-KR', name: customerName } }, 201);
    visitor = `Bearer ${s.session.token}`;
    await ok('POST', '/api/widget/messages', { auth: visitor, body: { text: 'hello' } }, 201);
    await ok('POST', '/api/widget/messages', { auth: visitor, body: { text: '상담원 연결', payload: 'handoff' } }, 201);
    // After the hand-off, the customer's messages are ticket comments.
    await ok('POST', '/api/widget/messages', { auth: visitor, body: { text: `환불하고 싶어요 ${XSS}` } }, 201);
    const list = await ok('GET', '/api/v2/tickets.json?sort_order=desc&per_page=10', { auth });
    const t = list.tickets.find((x) => x.subject.includes(customerName));
    check(t, `a ticket for ${customerName}`);
    ticketId = t.id;
    log('ticket', ticketId);
  });

  const signin = {
    email: page.getByLabel('Email'),
    token: page.getByLabel('API token'),
    button: page.getByRole('button', { name: 'Sign in' }),
    error: page.locator('#signin-error'),
  };

  await go('sign in with a wrong token: a clear error, no browser prompt', async () => {
    const res = await page.goto(BASE + '/agent');
    check(res.ok(), `GET /agent answered ${res.status()}`);
    check(new URL(page.url()).pathname === '/agent/', `redirected to /agent/: ${page.url()}`);
    check(/default-src 'none'/.test(res.headers()['content-security-policy'] || ''), 'CSP header');
    check(await page.evaluate(() => document.documentElement.lang) === 'en', 'lang from the browser');
    await signin.email.waitFor({ timeout: 3000 });
    check(await signin.email.evaluate((el) => el === document.activeElement), 'email focused first');
    check((await page.locator('#token-help').textContent()).includes('POST /api/admin/agents'), 'token help');
    expectStatus = 401;
    await signin.email.fill(email);
    await signin.token.fill('not-the-token');
    await signin.token.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'don’t match' }).waitFor({ timeout: 3000 });
    check(await signin.token.getAttribute('aria-invalid') === 'true', 'token marked invalid');
    check(!(await page.locator('#desk').isVisible()), 'no workspace');
    expectStatus = null;
    await page.screenshot({ path: join(OUT, 'agent-signin-error.png') });
  });

  const row = page.locator('#tickets a.row', { hasText: customerName });
  await go('sign in and find the ticket in the inbox', async () => {
    await signin.token.fill(token);
    await signin.button.click();
    await page.locator('#desk').waitFor({ state: 'visible', timeout: 3000 });
    check(await page.locator('#me-name').textContent() === 'Ada Lovelace', 'my name shown');
    // The views come from GET /api/v2/views with their counts; Your unsolved tickets first.
    const mine = page.getByRole('button', { name: /^Your unsolved tickets/ });
    await mine.waitFor({ timeout: 3000 });
    check(await mine.getAttribute('aria-pressed') === 'true', 'Your unsolved tickets is the first view');
    const allUnsolved = page.getByRole('button', { name: /^All unsolved tickets \d+$/ });
    await allUnsolved.waitFor({ timeout: 3000 });
    check(Number((await allUnsolved.textContent()).match(/(\d+)$/)[1]) >= 1, 'a count');
    await allUnsolved.click();
    await row.waitFor({ timeout: 3000 });
    check((await row.locator('.who-line').textContent()) === customerName, 'requester name (side-loaded)');
    check((await row.locator('.pill').textContent()) === 'New', 'status pill');
    check((await row.textContent()).includes('Web widget'), 'channel');
    check(await row.evaluate((a) => a.classList.contains('unread')), 'never viewed: unread');
    check(await allUnsolved.getAttribute('aria-pressed') === 'true', 'All unsolved view');
    await page.locator('#sync', { hasText: 'Updated' }).waitFor({ timeout: 3000 });
    const stored = await page.evaluate(() => ({
      session: Object.keys(sessionStorage), local: Object.keys(localStorage), url: location.href,
    }));
    check(stored.local.length === 0, `nothing in localStorage: ${stored.local}`);
    check(stored.session.includes('spindesk-agent:auth'), 'credentials in sessionStorage');
    check(!stored.url.includes(token), 'token not in the URL');
    await page.screenshot({ path: join(OUT, 'agent-inbox.png') });
  });

  const logEl = page.getByRole('log', { name: 'Conversation' });
  const textbox = page.locator('#reply');
  await go('open the ticket: the customer’s messages, as text', async () => {
    await row.click();
    await page.waitForURL((u) => u.hash === `#ticket/${ticketId}`);
    await logEl.locator('.msg.customer', { hasText: '환불하고 싶어요' }).waitFor({ timeout: 3000 });
    const heading = page.locator('#t-subject');
    check((await heading.textContent()).includes(customerName), 'subject heading');
    check(await heading.evaluate((el) => el === document.activeElement), 'focus moved to the ticket');
    check((await logEl.locator('.handoff').textContent()).includes('hello'), 'the bot transcript before the hand-off');
    const body = await logEl.locator('.msg.customer .body').last().textContent();
    check(body === `환불하고 싶어요 ${XSS}`, `customer text kept as text: ${body}`);
    check(await page.locator('#ticket img:not(#viewer-img)').count() === 0, 'markup became elements');
    check(await logEl.locator('.msg.customer .body').last().getAttribute('lang') === 'ko-KR', 'customer text tagged with their language');
    check((await page.locator('#requester').textContent()).includes(customerName), 'requester panel');
    check((await page.locator('#t-csat').textContent()).includes('Not asked'), 'satisfaction: not asked');
    await page.locator('#other-empty', { hasText: 'No other tickets.' }).waitFor({ timeout: 3000 });
    check(await row.getAttribute('aria-current') === 'true', 'row marked current');
    check(!(await row.evaluate((a) => a.classList.contains('unread'))), 'viewed: no longer unread');
    // Keyboard: Tab from the heading goes into the conversation, with a visible focus ring.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      const st = getComputedStyle(el);
      return { tag: el.tagName, inTicket: !!el.closest('#ticket'), outline: st.outlineStyle, width: parseFloat(st.outlineWidth) };
    });
    check(focused.inTicket && focused.outline !== 'none' && focused.width >= 2, `visible focus in the ticket: ${JSON.stringify(focused)}`);
  });

  const history = async () => (await ok('GET', '/api/widget/conversation?limit=100', { auth: visitor })).messages;
  const note = `Internal: VIP, refund approved ${RUN}`;
  await go('an internal note (Ctrl+Enter) stays internal', async () => {
    await page.getByText('Internal note', { exact: true }).click();
    check(await textbox.evaluate((el) => el.labels[0].textContent).then((t) => t.includes('only agents')), 'label says who sees it');
    await textbox.fill(note);
    await textbox.press('Control+Enter');
    const bubble = logEl.locator('.msg.note', { hasText: note });
    await bubble.waitFor({ timeout: 3000 });
    check(await textbox.inputValue() === '', 'composer cleared');
    const bg = await bubble.locator('.body').evaluate((el) => getComputedStyle(el).backgroundColor);
    check(bg === 'rgb(255, 248, 197)', `notes are yellow: ${bg}`);
    check((await bubble.textContent()).includes('Internal note'), 'labelled as a note');
    const t = await ok('GET', `/api/v2/tickets/${ticketId}/comments.json`, { auth });
    check(t.comments.some((c) => c.body === note && c.public === false), 'stored as a private comment');
    check(!(await history()).some((m) => m.text.includes(note)), 'the note reached the customer');
  });

  await go('a failed send keeps the draft and shows the API’s reason', async () => {
    await page.getByText('Public reply', { exact: true }).click();
    const draft = 'This one will fail';
    await page.route(`**/api/v2/tickets/${ticketId}.json`, (route) => route.request().method() === 'PUT'
      ? route.fulfill({ status: 422, contentType: 'application/json', body: JSON.stringify({ error: 'RecordInvalid', description: 'comment: simulated refusal' }) })
      : route.continue());
    expectStatus = 422;
    await textbox.fill(draft);
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.locator('#composer-error', { hasText: 'comment: simulated refusal' }).waitFor({ timeout: 3000 });
    check(await textbox.inputValue() === draft, 'draft kept');
    check(await page.getByRole('button', { name: 'Send reply' }).isEnabled(), 'can try again');
    await page.unroute(`**/api/v2/tickets/${ticketId}.json`);
    expectStatus = null;
  });

  await go('a reload keeps the session, the open ticket and the draft', async () => {
    await page.reload();
    await logEl.locator('.msg.note', { hasText: note }).waitFor({ timeout: 3000 });
    check(await textbox.inputValue() === 'This one will fail', 'draft restored');
    check(await page.locator('#me-name').textContent() === 'Ada Lovelace', 'still signed in');
  });

  const replyText = `Hi ${customerName}, Ada here — your refund is on its way. ${RUN}`;
  await go('a public reply reaches the customer', async () => {
    await textbox.fill(replyText);
    await page.getByRole('button', { name: 'Send reply' }).click();
    await logEl.locator('.msg.agent', { hasText: replyText }).waitFor({ timeout: 3000 });
    check(await page.locator('#composer-error').textContent() === '', 'error cleared');
    const m = (await history()).find((x) => x.text === replyText);
    check(m && m.author.type === 'agent' && m.author.name === 'Ada Lovelace', `in the widget conversation: ${JSON.stringify(m)}`);
    await page.locator('#t-meta .pill', { hasText: 'Open' }).waitFor({ timeout: 3000 });
    check(await logEl.locator('.msg.agent', { hasText: replyText }).count() === 1, 'shown once (audit + refresh)');
    await page.screenshot({ path: join(OUT, 'agent-ticket.png') });
  });

  await go('keyboard: ? opens the shortcuts, focus stays in them, Escape closes; keys wait while typing', async () => {
    const heading = page.locator('#t-subject');
    await heading.focus();
    await page.keyboard.press('?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.waitFor({ timeout: 2000 });
    const close = sheet.getByRole('button', { name: 'Close' });
    check(await close.evaluate((el) => el === document.activeElement), 'focus on the sheet');
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      check(await page.evaluate(() => !!document.activeElement.closest('#shortcuts')), 'Tab stays in the sheet');
    }
    check((await sheet.textContent()).includes('Assign the ticket to me'), 'the keys are listed');
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'hidden', timeout: 2000 });
    check(await heading.evaluate((el) => el === document.activeElement), 'focus back where it was');
    await page.keyboard.press('n');
    check(await textbox.evaluate((el) => el === document.activeElement), 'n: to the composer');
    check(await page.locator('#mode-note').isChecked(), 'n: an internal note');
    await page.keyboard.type('jkm/');
    check(await textbox.inputValue() === 'jkm/', 'letters typed in the composer are text, not shortcuts');
    await textbox.fill('');
    await heading.focus();
    await page.keyboard.press('r');
    check(await page.locator('#mode-public').isChecked(), 'r: a public reply');
    await heading.focus();
    await page.keyboard.press('m');
    check(await page.getByLabel('Macro', { exact: true }).isDisabled(), 'no macros yet: the menu says so');
  });

  await go('set pending and assign to me: saved through the API', async () => {
    await page.getByLabel('Status').selectOption('pending');
    await page.getByLabel('Tags').fill(`refund vip-${RUN}`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#fields-status', { hasText: 'Saved.' }).waitFor({ timeout: 3000 });
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.locator('#f-assignee', { hasText: 'Ada Lovelace' }).waitFor({ timeout: 3000 });
    const t = (await ok('GET', `/api/v2/tickets/${ticketId}.json`, { auth })).ticket;
    check(t.status === 'pending', `status ${t.status}`);
    check(JSON.stringify(t.tags) === JSON.stringify(['refund', `vip-${RUN}`]), `tags ${t.tags}`);
    check(t.assignee_id === agentId, `assignee ${t.assignee_id}`);
    check(await page.getByRole('button', { name: 'Save' }).isDisabled(), 'nothing left to save');
    await page.getByRole('button', { name: /^Pending tickets/ }).click();
    await row.waitFor({ timeout: 3000 });
    check((await row.locator('.pill').textContent()) === 'Pending', 'listed as pending');
  });

  await go('the customer writes again: it appears without a reload', async () => {
    const text = `고맙습니다! 언제 도착하나요? ${RUN}`;
    await ok('POST', '/api/widget/messages', { auth: visitor, body: { text } }, 201);
    const t1 = performance.now();
    await logEl.locator('.msg.customer', { hasText: text }).waitFor({ timeout: 5000 });
    log(`visible after ${Math.round(performance.now() - t1)} ms`);
    // The message reopened the ticket: the form follows (it wasn't being edited).
    await page.locator('#t-meta .pill', { hasText: 'Open' }).waitFor({ timeout: 3000 });
    check(await page.getByLabel('Status').inputValue() === 'open', 'status field follows the server');
  });

  await go('offline: the sync line says so and backs off; back online it recovers', async () => {
    const sync = page.locator('#sync');
    offline = true;
    await context.setOffline(true);
    await page.getByRole('button', { name: /^Recently solved tickets/ }).click();
    await page.locator('#sync.err').waitFor({ timeout: 3000 });
    const text = await sync.textContent();
    log(JSON.stringify(text));
    const wait = Number((/Retrying in (\d+) s/.exec(text) || [])[1]);
    check(text.includes('Can’t reach Spindesk') && wait >= 8, `error with a backed-off retry: ${text}`);
    await context.setOffline(false);
    await page.getByRole('button', { name: /^All unsolved tickets/ }).click();
    await page.locator('#sync:not(.err)', { hasText: 'Updated' }).waitFor({ timeout: 3000 });
    await row.waitFor({ timeout: 3000 });
    offline = false;
  });

  await go('a phone: one pane, Escape goes back to the inbox', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    check(await page.locator('#ticket').isVisible(), 'ticket shown');
    check(!(await page.locator('#inbox').isVisible()), 'inbox hidden behind it');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    check(!overflow, 'no horizontal scroll');
    await page.screenshot({ path: join(OUT, 'agent-mobile-ticket.png') });
    await textbox.focus();
    await page.keyboard.press('Escape');
    await page.locator('#inbox').waitFor({ state: 'visible', timeout: 2000 });
    check(!(await page.locator('#ticket').isVisible()), 'ticket closed');
    check(await row.evaluate((a) => a === document.activeElement), 'focus back on the ticket’s row');
    await page.screenshot({ path: join(OUT, 'agent-mobile-inbox.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await go('a closed ticket can’t be answered, and says why', async () => {
    await ok('PUT', `/api/v2/tickets/${ticketId}.json`, { auth, body: { ticket: { status: 'closed' } } });
    await row.click();
    await page.locator('#composer-closed', { hasText: 'closed' }).waitFor({ timeout: 3000 });
    check(await textbox.isDisabled(), 'composer disabled');
    check(await page.getByLabel('Status').isDisabled(), 'fields disabled');
    check(await logEl.locator('.msg.agent', { hasText: replyText }).count() === 1, 'conversation still readable');
  });

  await go('the strings table has Korean', async () => {
    const ko = await context.newPage();
    ko.on('console', (m) => { if (m.type() === 'error') problems.push(`console (ko): ${m.text()}`); });
    ko.on('pageerror', (e) => problems.push(`page error (ko): ${e.message}`));
    await ko.addInitScript(() => Object.defineProperty(navigator, 'languages', { get: () => ['ko-KR', 'ko', 'en'] }));
    await ko.goto(BASE + '/agent/');
    // sessionStorage belongs to the tab: a new tab starts signed out.
    await ko.getByRole('heading', { name: '상담원 워크스페이스 로그인' }).waitFor({ timeout: 3000 });
    check(await ko.evaluate(() => document.documentElement.lang) === 'ko', 'lang=ko');
    const missing = await ko.evaluate(() => [...document.querySelectorAll('[data-t],[data-t-code]')]
      .filter((el) => !el.textContent.trim()).map((el) => el.outerHTML.slice(0, 60)));
    check(missing.length === 0, `untranslated: ${missing}`);
    await ko.screenshot({ path: join(OUT, 'agent-signin-ko.png') });
    await ko.close();
  });

  await go('a revoked token signs the page out at its next request', async () => {
    await ok('DELETE', `/api/admin/agents/${agentId}/tokens`, { auth: `Bearer ${ADMIN_TOKEN}` }, 204);
    expectStatus = 401;
    await page.getByRole('button', { name: /^Your unsolved tickets/ }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor({ timeout: 3000 });
    check(!(await page.locator('#desk').isVisible()), 'workspace gone');
    check(await page.evaluate(() => sessionStorage.getItem('spindesk-agent:auth')) === null, 'stored token removed');
    expectStatus = null;
    token = (await ok('POST', `/api/admin/agents/${agentId}/tokens`, { auth: `Bearer ${ADMIN_TOKEN}` }, 201)).api_token;
    check(token, 'a new token');
    await signin.email.fill(email);
    await signin.token.fill(token);
    await signin.button.click();
    await page.locator('#desk').waitFor({ state: 'visible', timeout: 3000 });
  });

  await go('sign out forgets the token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signin.email.waitFor({ state: 'visible', timeout: 2000 });
    const keys = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('spindesk-agent:')));
    check(keys.length === 0, `left in sessionStorage: ${keys}`);
    check(await signin.token.inputValue() === '', 'token field empty');
    check(!page.url().includes('#ticket'), 'no ticket in the URL');
    await page.reload();
    await signin.email.waitFor({ state: 'visible', timeout: 2000 });
    check(!(await page.locator('#desk').isVisible()), 'still signed out after a reload');
  });

  setStep('console');
  check(problems.length === 0, `browser reported problems:\n${problems.join('\n')}`);
  console.log(`ok no console errors (${Math.round(performance.now() - t0)} ms in all)`);
} catch (err) {
  failed = true;
  console.error(`FAIL ${currentStep()}: ${err.message}`);
  if (problems.length) console.error(problems.join('\n'));
  const page = context.pages()[0];
  if (page) await page.screenshot({ path: join(OUT, 'agent-failure.png') }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
