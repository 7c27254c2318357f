// The widget's whole story in a real browser (Debian's chromium driven by playwright-core):
// a visitor chats with the bot, hands off to a person, an agent answers through the tickets API,
// the answer reaches the open widget; private notes never do; history survives a reload; message
// text is never HTML.
//
//   BASE_URL=http://127.0.0.1:3000 ADMIN_TOKEN=... node widget.test.mjs
//
// Exits non-zero on the first failed check. Screenshots go to ./out/.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ADMIN_TOKEN, BASE, OUT, XSS, check, currentStep, go, launch, log, request, setStep } from './harness.mjs';



const api = (method, path, { body, auth } = {}) =>
  request(method, path, { body, headers: auth ? { authorization: auth } : {} });

const browser = await launch('widget', { width: 1280, height: 800 });
const { context } = browser;
const problems = [];
// Chrome logs failed loads as console errors; these two steps cause them on purpose.
let offline = false;
let rejectingToken = false;
let failed = false;

try {
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (offline && /ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(m.text())) return;
    if (rejectingToken && /status of 401/.test(m.text())) return;
    problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => { problems.push(`dialog opened: ${d.message()}`); await d.dismiss(); });

  const launcher = page.getByRole('button', { name: 'Open chat' });
  const closer = page.getByRole('button', { name: 'Close chat' });
  const chatLog = page.getByRole('log');
  const box = page.getByRole('textbox', { name: 'Message' });
  const sendButton = page.getByRole('button', { name: 'Send', exact: true });
  const messages = chatLog.locator('.m');
  const texts = () => messages.locator('.b').allTextContents();

  await go('open the demo page', async () => {
    const res = await page.goto(BASE + '/');
    check(res.ok(), `GET / answered ${res.status()}`);
    check(/Spindesk/i.test(await page.title()), 'page title names Spindesk');
    await launcher.waitFor({ timeout: 5000 });
  });

  await go('open the chat', async () => {
    await launcher.click();
    await closer.waitFor({ timeout: 2000 });
    check(await closer.getAttribute('aria-expanded') === 'true', 'launcher says expanded');
    await box.waitFor({ state: 'visible' });
    check(await box.evaluate((el) => el.getRootNode().activeElement === el), 'focus moved to the message box');
    check(await chatLog.getAttribute('aria-live') === 'polite', 'log is aria-live polite');
  });

  await go('say hello and get the bot greeting', async () => {
    await box.fill('hello');
    await sendButton.click();
    await chatLog.locator('.m.user', { hasText: 'hello' }).first().waitFor({ timeout: 5000 });
    await chatLog.locator('.m.bot').first().waitFor({ timeout: 5000 });
    log('bot said:', JSON.stringify((await chatLog.locator('.m.bot .b').first().textContent())));
    check(await box.inputValue() === '', 'message box cleared after sending');
    await page.getByRole('button', { name: 'Talk to a person' }).waitFor({ timeout: 5000 });
    await page.screenshot({ path: join(OUT, 'widget-greeting.png') });
  });

  let beforeHandoff;
  await go('hand off to a person', async () => {
    const reply = page.getByRole('button', { name: 'Talk to a person' });
    await reply.waitFor({ timeout: 5000 });
    beforeHandoff = await messages.count();
    await reply.click();
    // The quick reply is sent as the visitor's message, then the hand-off answer follows.
    await chatLog.locator('.m.user', { hasText: 'Talk to a person' }).first().waitFor({ timeout: 5000 });
    await page.waitForFunction(
      ([n]) => {
        const all = [...document.querySelector('#spindesk-widget').shadowRoot.querySelectorAll('[role=log] .m')];
        return all.length > n + 1 && !all[all.length - 1].classList.contains('user');
      },
      [beforeHandoff],
      { timeout: 5000 },
    );
    const all = await texts();
    log('hand-off said:', JSON.stringify(all[all.length - 1]));
    check(await page.getByRole('button', { name: 'Talk to a person' }).count() === 0, 'quick replies gone after use');
  });

  let auth, ticketId;
  await go('an agent finds the ticket', async () => {
    const createAgent = (email) => api('POST', '/api/admin/agents', {
      auth: `Bearer ${ADMIN_TOKEN}`, body: { agent: { name: 'Ada', email } },
    });
    let created = await createAgent('ada@example.com');
    // A second run against the same database: Ada exists already.
    if (created.status === 409 || created.status === 422) created = await createAgent(`ada+${Date.now()}@example.com`);
    check(created.status === 201, `create agent answered ${created.status}: ${created.text}`);
    const email = created.json.agent.email;
    check(created.json.api_token, 'create agent returns api_token');
    auth = 'Basic ' + Buffer.from(`${email}/token:${created.json.api_token}`).toString('base64');
    const list = await api('GET', '/api/v2/tickets.json', { auth });
    check(list.status === 200, `list tickets answered ${list.status}: ${list.text}`);
    check(list.json.tickets.length > 0, 'the hand-off made a ticket');
    ticketId = Math.max(...list.json.tickets.map((t) => t.id));
    log('ticket', ticketId);
  });

  await go('a public comment reaches the open widget within 2 s', async () => {
    const body = 'Hi, Ada here';
    const seen = chatLog.locator('.m.agent', { hasText: body }).first();
    const t0 = performance.now();
    const put = api('PUT', `/api/v2/tickets/${ticketId}.json`, {
      auth, body: { ticket: { comment: { body, public: true } } },
    });
    await seen.waitFor({ timeout: 2000 });
    const latency = performance.now() - t0;
    const res = await put;
    check(res.status === 200, `PUT ticket answered ${res.status}: ${res.text}`);
    log(`latency ${Math.round(latency)} ms from PUT to visible`);
    check(latency < 2000, `comment took ${latency} ms`);
    check((await seen.locator('.meta').textContent()).includes('Ada'), 'agent message shows the author name');
  });

  await go('a private comment never shows', async () => {
    const body = 'Internal note: VIP customer';
    const res = await api('PUT', `/api/v2/tickets/${ticketId}.json`, {
      auth, body: { ticket: { comment: { body, public: false } } },
    });
    check(res.status === 200, `PUT ticket answered ${res.status}: ${res.text}`);
    await page.waitForTimeout(2500);
    check(!(await texts()).some((t) => t.includes('Internal note')), 'private note leaked into the widget');
  });

  await go('markup is text, from the visitor and from an agent', async () => {
    await box.fill(`line one\n${XSS}`);
    await box.press('Enter');
    await chatLog.locator('.m.user', { hasText: XSS }).first().waitFor({ timeout: 5000 });
    const agentXss = `<b>bold</b> ${XSS}`;
    await api('PUT', `/api/v2/tickets/${ticketId}.json`, {
      auth, body: { ticket: { comment: { body: agentXss, public: true } } },
    });
    await chatLog.locator('.m.agent', { hasText: agentXss }).first().waitFor({ timeout: 3000 });
    check(await page.locator('#spindesk-widget img, #spindesk-widget .b b').count() === 0, 'message text became elements');
    const lines = await chatLog.locator('.m.user .b', { hasText: XSS }).first().textContent();
    check(lines === `line one\n${XSS}`, `multi-line text kept: ${JSON.stringify(lines)}`);
  });

  await go('Shift+Enter is a newline, not a send', async () => {
    const n = await messages.count();
    await box.fill('first line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second');
    check(await box.inputValue() === 'first line\nsecond', 'newline inserted');
    await page.waitForTimeout(300);
    check(await messages.count() === n, 'Shift+Enter sent nothing');
    await box.fill('');
  });

  await go('the 4,096 character limit', async () => {
    await box.fill('x'.repeat(4090));
    await box.pressSequentially('yyyyyyyyyy');
    const value = await box.inputValue();
    check(value.length === 4096, `box holds ${value.length} characters`);
    const counter = page.locator('#spindesk-widget .count');
    check(await counter.isVisible(), 'counter visible near the limit');
    log('counter:', await counter.textContent());
    await box.fill('');
    check(!(await counter.isVisible()), 'counter hidden when short');
  });

  await page.screenshot({ path: join(OUT, 'widget-desktop.png') });

  await go('Escape closes and focus returns to the launcher', async () => {
    await box.focus();
    await page.keyboard.press('Escape');
    await launcher.waitFor({ timeout: 2000 });
    check(await launcher.evaluate((el) => el.getRootNode().activeElement === el), 'launcher focused');
    await launcher.click();
    await box.waitFor({ state: 'visible' });
  });

  await go('history survives a reload', async () => {
    const before = await texts();
    await page.reload();
    if (await launcher.isVisible().catch(() => false)) await launcher.click();
    await chatLog.locator('.m.agent', { hasText: 'Hi, Ada here' }).first().waitFor({ timeout: 5000 });
    const after = await texts();
    check(after.length === before.length, `history had ${before.length} messages, now ${after.length}`);
    check(after.includes('hello'), 'first message still there');
    check(await page.locator('#spindesk-widget img').count() === 0, 'no img after reload');
  });

  await go('offline: the send fails politely, Retry delivers it, live updates resume', async () => {
    offline = true;
    await context.setOffline(true);
    await box.fill('sent while offline');
    await box.press('Enter');
    const retry = page.getByRole('button', { name: 'Retry' });
    await retry.waitFor({ timeout: 5000 });
    const status = page.getByRole('status');
    log('status while offline:', JSON.stringify(await status.textContent()));
    check((await status.textContent()).length > 0, 'an inline error is shown');
    await page.screenshot({ path: join(OUT, 'widget-offline.png') });
    await context.setOffline(false);
    await page.waitForTimeout(300);
    offline = false;
    await retry.click();
    await chatLog.locator('.m.user:not(.pending)', { hasText: 'sent while offline' }).first().waitFor({ timeout: 5000 });
    check(await chatLog.locator('.m.user', { hasText: 'sent while offline' }).count() === 1, 'sent exactly once');
    // The poll loop backed off while offline; it must pick up again (back-off is at most a few s here).
    await api('PUT', `/api/v2/tickets/${ticketId}.json`, {
      auth, body: { ticket: { comment: { body: 'Back online?', public: true } } },
    });
    await chatLog.locator('.m.agent', { hasText: 'Back online?' }).first().waitFor({ timeout: 10000 });
    check(await status.textContent() === '', 'error cleared once delivered');
  });

  await go('narrow screen', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    const box2 = await page.locator('#spindesk-widget .panel').boundingBox();
    check(box2 && box2.width <= 375 && box2.x >= 0, `panel fits: ${JSON.stringify(box2)}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    check(!overflow, 'no horizontal scroll on a narrow screen');
    await page.screenshot({ path: join(OUT, 'widget-mobile.png') });
    await page.getByRole('button', { name: 'Minimize chat' }).click();
    await page.screenshot({ path: join(OUT, 'page-mobile.png') });
  });

  await go('a rejected session token starts a new session', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const key = await page.evaluate(() => Object.keys(localStorage).find((k) => k.endsWith(':token')));
    check(key, 'the session token is kept in localStorage');
    await page.evaluate((k) => localStorage.setItem(k, 'not-a-valid-token'), key);
    rejectingToken = true;
    await page.reload();
    // The widget comes back open, or shows its launcher: wait for whichever it renders (a
    // launcher not rendered yet is not "no launcher", on a loaded machine).
    await box.or(launcher).first().waitFor({ state: 'visible' });
    if (!(await box.isVisible())) await launcher.click();
    await box.waitFor({ state: 'visible' });
    await page.waitForFunction((k) => localStorage.getItem(k) && localStorage.getItem(k) !== 'not-a-valid-token', key, { timeout: 5000 });
    rejectingToken = false;
    check(await messages.count() === 0, 'the old history is not shown to the new session');
    await box.fill('hello again');
    await box.press('Enter');
    await chatLog.locator('.m.user:not(.pending)', { hasText: 'hello again' }).first().waitFor({ timeout: 5000 });
  });

  await go('embedded on another origin with a strict CSP, in Korean', async () => {
    // A shop on its own origin embeds the widget with one tag; the widget finds its API from src.
    // Its policy allows our script and API and no inline styles at all.
    const shop = createServer((req, res) => {
      if (req.url === '/hostile.css') {
        res.writeHead(200, { 'content-type': 'text/css' });
        return res.end('button{all:unset} div{color:red!important;font-size:40px!important}');
      }
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': `default-src 'self'; script-src ${BASE}; connect-src ${BASE}; style-src 'self'`,
      });
      res.end(`<!doctype html><html lang="ko"><meta charset="utf-8"><title>다른 가게</title>
        <link rel="stylesheet" href="/hostile.css">
        <h1>다른 가게</h1><script src="${BASE}/widget.js" data-locale="ko" defer></script>`);
    });
    await new Promise((r) => shop.listen(0, '127.0.0.1', r));
    try {
      const shopUrl = `http://127.0.0.1:${shop.address().port}/`;
      check(new URL(shopUrl).origin !== new URL(BASE).origin, 'a different origin');
      await page.goto(shopUrl);
      await page.getByRole('button', { name: '채팅 열기' }).click();
      const koBox = page.getByRole('textbox', { name: '메시지' });
      await koBox.fill('안녕하세요');
      await page.getByRole('button', { name: '보내기' }).click();
      await chatLog.locator('.m.user:not(.pending)', { hasText: '안녕하세요' }).first().waitFor({ timeout: 5000 });
      await chatLog.locator('.m.bot').first().waitFor({ timeout: 5000 });
      const color = await chatLog.locator('.m.user .b').first().evaluate((el) => getComputedStyle(el).color);
      check(color === 'rgb(255, 255, 255)', `host page CSS leaked into the widget: ${color}`);
      await page.screenshot({ path: join(OUT, 'widget-cross-origin-ko.png') });
    } finally {
      shop.close();
    }
  });

  setStep('console');
  check(problems.length === 0, `browser reported problems:\n${problems.join('\n')}`);
  console.log('ok no console errors');
} catch (err) {
  failed = true;
  console.error(`FAIL ${currentStep()}: ${err.message}`);
  if (problems.length) console.error(problems.join('\n'));
  const page = context.pages()[0];
  if (page) await page.screenshot({ path: join(OUT, 'failure.png') }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
