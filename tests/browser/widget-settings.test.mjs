// The widget as a site owner sets it up, in a real browser: look and texts from the admin API,
// the unread badge shared by a visitor's browsers, the JavaScript API (English and Korean),
// proactive messages, and the embedding allow-list. Every page here is a shop on its own
// origin with a strict CSP (no inline script or style), embedding the widget with one tag.
//
//   BASE_URL=http://127.0.0.1:3000 ADMIN_TOKEN=... node widget-settings.test.mjs
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ADMIN_TOKEN, BASE, OUT, check, currentStep, go, launch, log, request, setStep } from './harness.mjs';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const putWidget = (widget) => request('PUT', '/api/admin/widget', { body: { widget }, headers: admin });
const getWidget = async () => (await request('GET', '/api/admin/widget', { headers: admin })).json.widget;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The shop: /<any path>?lang=ko pages, /stub (the queue stub, then calls before widget.js).
const CSP = `default-src 'self'; script-src 'self' ${BASE}; connect-src ${BASE}; style-src 'self'; img-src 'self'`;
const shop = createServer((req, res) => {
  const url = new URL(req.url, 'http://shop');
  if (url.pathname === '/app.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    return res.end(`window.seen = [];
      Spindesk.on('open', function () { seen.push('open'); });
      Spindesk.prefill('from the queue');
      Spindesk.open();`);
  }
  if (url.pathname === '/favicon.ico') { res.writeHead(204); return res.end(); }
  const lang = url.searchParams.get('lang') || 'en';
  const early = url.pathname === '/stub'
    ? `<script src="${BASE}/widget-stub.js"></script><script src="/app.js"></script>` : '';
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP });
  res.end(`<!doctype html><html lang="${lang}"><meta charset="utf-8"><title>Shop</title>
    <h1>Shop ${url.pathname}</h1>${early}<script src="${BASE}/widget.js" data-locale="${lang}" defer></script>`);
});
await new Promise((r) => shop.listen(0, '127.0.0.1', r));
const SHOP = `http://127.0.0.1:${shop.address().port}`;
check(new URL(SHOP).origin !== new URL(BASE).origin, 'the shop is another origin');

const problems = [];
const browsers = [];
let failed = false;
let main;

// A page that records console errors and page errors (a CSP violation is a console error).
async function watched(context, expected) {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !(expected && expected.test(m.text()))) {
      // A failed load names no URL in its text: say which, and in which step.
      const where = m.location() && m.location().url ? ` (${m.location().url})` : '';
      problems.push(`console in "${currentStep()}": ${m.text()}${where}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return page;
}
async function browser(name) {
  const b = await launch(name, { width: 1280, height: 800 });
  browsers.push(b);
  return b;
}
const launcherOf = (page, name) => page.getByRole('button', { name, exact: true });
const widgetEval = (page, fn, arg) => page.evaluate(fn, arg);

try {
  check((await putWidget({})).status === 200, 'reset the widget settings');
  main = await browser('settings');
  const first = await watched(main.context);

  await go('a brand colour and Korean launcher label set through the admin API appear after reload', async () => {
    await first.goto(`${SHOP}/?lang=ko`);
    await launcherOf(first, '채팅 열기').waitFor({ timeout: 5000 });
    const saved = await putWidget({
      brand_color: '#0b5d1e', position: { side: 'left', x: 32, y: 24 },
      launcher_label: { ko: '상담하기', en: 'Chat with Acme' }, title: { ko: '아크미 고객센터' },
      greeting: { ko: '안녕하세요! 아크미입니다.' }, business_name: 'Acme',
    });
    check(saved.status === 200, `PUT answered ${saved.status}: ${saved.text}`);
    await first.reload();
    const launcher = launcherOf(first, '상담하기');
    await launcher.waitFor({ timeout: 5000 });
    check((await launcher.innerText()).trim() === '상담하기', 'the label is visible on the launcher');
    const look = await launcher.evaluate((el) => {
      const s = getComputedStyle(el), r = el.getBoundingClientRect();
      return { bg: s.backgroundColor, left: r.left, bottom: innerHeight - r.bottom };
    });
    check(look.bg === 'rgb(11, 93, 30)', `brand colour on the launcher: ${look.bg}`);
    check(look.left === 32 && look.bottom === 24, `position left 32, bottom 24: ${JSON.stringify(look)}`);
    await launcher.click();
    const panel = first.getByRole('dialog', { name: '아크미 고객센터' });
    await panel.waitFor({ timeout: 3000 });
    check(await panel.getByText('안녕하세요! 아크미입니다.').isVisible(), 'the greeting shows before the first message');
    check(await panel.getByText('Acme', { exact: true }).isVisible(), 'the business name shows');
    await first.screenshot({ path: join(OUT, 'widget-branded-ko.png') });
    await first.keyboard.press('Escape');
    // A second change shows on the next load too (the settings revalidate with their ETag).
    check((await putWidget({ brand_color: '#6b21a8', launcher_label: { ko: '문의하기' } })).status === 200, 'second PUT');
    await first.reload();
    await launcherOf(first, '문의하기').waitFor({ timeout: 5000 });
    const bg = await launcherOf(first, '문의하기').evaluate((el) => getComputedStyle(el).backgroundColor);
    check(bg === 'rgb(107, 33, 168)', `the new colour after reload: ${bg}`);
  });

  await go('the admin console: a live preview, a low-contrast colour refused with the ratio', async () => {
    // Chrome logs the refused save (422) as a console error; that one is on purpose.
    const p = await watched((await browser('admin-console')).context, /status of 422/);
    await p.goto(`${BASE}/admin/#widget`);
    await p.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Website widget', level: 1 }).waitFor({ timeout: 5000 });
    const colour = p.getByRole('textbox', { name: 'Brand colour' });
    check(await colour.inputValue() === '#6b21a8', `the saved colour is shown: ${await colour.inputValue()}`);
    const launch = p.locator('.wpv-launch');
    // The preview follows the form as typed, before saving.
    await p.locator('fieldset', { hasText: 'Korean texts' }).getByRole('textbox', { name: 'Launcher label' }).fill('지금 문의');
    await p.getByRole('combobox', { name: 'Preview language' }).selectOption('ko');
    await launch.filter({ hasText: '지금 문의' }).waitFor({ timeout: 2000 });
    await colour.fill('#ffcc00');
    await p.getByText('1.51:1 — too low').waitFor({ timeout: 2000 });
    check(await launch.evaluate((el) => getComputedStyle(el).backgroundColor) === 'rgb(255, 204, 0)', 'the preview shows the typed colour');
    await p.getByRole('button', { name: 'Save' }).click();
    await p.getByRole('alert').getByText(/contrast ratio of 1\.51:1.*4\.5:1/).waitFor({ timeout: 3000 });
    await p.screenshot({ path: join(OUT, 'admin-widget-low-contrast.png'), fullPage: true });
    await colour.fill('#0b5d1e');
    await p.getByText('passes WCAG AA').waitFor({ timeout: 2000 });
    // A proactive message, made with the form.
    await p.getByRole('button', { name: 'Add a proactive message' }).click();
    const rule = p.locator('fieldset', { hasText: 'New proactive message' });
    await rule.getByRole('textbox', { name: 'Page path' }).fill('/sale*');
    await rule.getByRole('combobox', { name: 'Match' }).selectOption('glob');
    await rule.getByRole('spinbutton', { name: 'Seconds on the page' }).fill('5');
    await rule.getByRole('combobox', { name: 'Language' }).selectOption('ko');
    await rule.getByRole('textbox', { name: 'Message' }).fill('세일 중입니다!');
    await rule.getByRole('textbox', { name: 'Quick reply 1 (optional)' }).fill('쿠폰 받기');
    await p.getByRole('button', { name: 'Save' }).click();
    await p.getByRole('status').getByText('Widget settings saved').waitFor({ timeout: 3000 });
    const saved = await getWidget();
    check(saved.brand_color === '#0b5d1e' && saved.launcher_label.ko === '지금 문의', `saved: ${JSON.stringify(saved)}`);
    const made = saved.proactive[0] || {};
    check(saved.proactive.length === 1 && made.url === '/sale*' && made.match === 'glob' && made.seconds === 5 &&
      made.locale === 'ko' && made.message === '세일 중입니다!' && JSON.stringify(made.quick_replies) === '["쿠폰 받기"]' && made.id,
      `the rule as saved: ${JSON.stringify(made)}`);
    // Saved, it shows its id and counts; removing it and saving deletes it.
    await p.getByRole('button', { name: `Remove Rule ${made.id} · shown 0, clicked 0` }).click();
    await p.getByRole('button', { name: 'Save' }).click();
    await p.getByRole('status').getByText('Widget settings saved').waitFor({ timeout: 3000 });
    check((await getWidget()).proactive.length === 0, 'the rule is gone');
    await p.screenshot({ path: join(OUT, 'admin-widget.png'), fullPage: true });
  });

  await go('a low-contrast colour is refused with the ratio', async () => {
    const r = await putWidget({ brand_color: '#ffcc00' });
    check(r.status === 422 && r.json.errors[0].code === 'low_contrast', `answered ${r.status}: ${r.text}`);
    check(/1\.51:1/.test(r.json.errors[0].title) && /4\.5:1/.test(r.json.errors[0].title), r.json.errors[0].title);
    check((await getWidget()).brand_color === '#0b5d1e', 'the saved colour is unchanged');
    log(r.json.errors[0].title);
    check((await putWidget({})).status === 200, 'back to the defaults');
  });

  let token;
  // A visitor who starts in English (the first page's session is Korean).
  const page = await watched((await browser('badge')).context);
  await go('an agent reply while closed shows badge 1 with the accessible name; opening clears it everywhere', async () => {
    await page.goto(`${SHOP}/`);
    const launcher = launcherOf(page, 'Open chat');
    await launcher.click();
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('hello');
    await box.press('Enter');
    await page.getByRole('button', { name: 'Talk to a person' }).click();
    const chatLog = page.getByRole('log');
    await chatLog.locator('.m.bot').nth(1).waitFor({ timeout: 5000 });
    await launcherOf(page, 'Close chat').click();
    token = await page.evaluate((k) => localStorage.getItem(k), `spindesk:${BASE}:token`);
    check(token, 'the visitor has a session');
    await widgetEval(page, () => { window.unreadSeen = []; Spindesk.on('unread', (n) => unreadSeen.push(n)); });

    const created = await request('POST', '/api/admin/agents', {
      headers: admin, body: { agent: { name: 'Badge Agent', email: `badge+${Date.now()}@example.com` } },
    });
    check(created.status === 201, `create agent: ${created.status} ${created.text}`);
    const auth = 'Basic ' + Buffer.from(`${created.json.agent.email}/token:${created.json.api_token}`).toString('base64');
    const list = await request('GET', '/api/v2/tickets.json', { headers: { authorization: auth } });
    const ticketId = Math.max(...list.json.tickets.map((t) => t.id));
    const put = await request('PUT', `/api/v2/tickets/${ticketId}.json`, {
      headers: { authorization: auth }, body: { ticket: { comment: { body: 'Hi, an agent here', public: true } } },
    });
    check(put.status === 200, `agent reply: ${put.status}`);
    await launcherOf(page, 'Open chat, 1 unread').waitFor({ timeout: 5000 });
    const badge = page.locator('#spindesk-widget .badge');
    check(await badge.textContent() === '1' && await badge.isVisible(), 'badge shows 1');
    check(JSON.stringify(await page.evaluate(() => unreadSeen)) === '[1]', 'the unread event said 1');
    await page.screenshot({ path: join(OUT, 'widget-badge.png') });

    // The same visitor in a second browser (their token, as on another device).
    const other = await browser('settings-second');
    await other.context.addInitScript(([k, v]) => localStorage.setItem(k, v), [`spindesk:${BASE}:token`, token]);
    const second = await watched(other.context);
    await second.goto(`${SHOP}/`);
    await launcherOf(second, 'Open chat, 1 unread').waitFor({ timeout: 5000 });

    // Opening sends the read position to the server; the second browser counts from it.
    const read = page.waitForResponse((r) => r.url().endsWith('/api/widget/read'), { timeout: 5000 });
    await launcherOf(page, 'Open chat, 1 unread').click();
    await page.getByRole('log').getByText('Hi, an agent here').waitFor({ timeout: 3000 });
    check(await badge.isHidden(), 'opening clears the badge');
    check((await read).status() === 200, 'the read position was saved');
    await second.reload();
    await launcherOf(second, 'Open chat').waitFor({ timeout: 5000 });
    check(await second.locator('#spindesk-widget .badge').isHidden(), 'the second browser shows no badge');
    await page.keyboard.press('Escape');
  });

  await go('no proactive message while a conversation with an agent is open', async () => {
    check((await putWidget({ proactive: [{ id: 'pricing', url: '/pricing*', match: 'glob', seconds: 1, message: 'Questions about our plans?', quick_replies: ['Compare plans', 'Talk to sales'] }] })).status === 200, 'rules saved');
    await page.goto(`${SHOP}/pricing`);
    await launcherOf(page, 'Open chat').waitFor({ timeout: 5000 });
    await sleep(2000);
    check(await page.getByText('Questions about our plans?').count() === 0, 'no bubble during an agent conversation');
  });

  await go('a proactive rule fires after N seconds on /pricing* but not on /blog, only once per day', async () => {
    const fresh = await browser('proactive');
    const p = await watched(fresh.context);
    await p.goto(`${SHOP}/blog`);
    await launcherOf(p, 'Open chat').waitFor({ timeout: 10000 });
    await sleep(2000);
    check(await p.getByText('Questions about our plans?').count() === 0, 'nothing on /blog');
    const t0 = Date.now();
    await p.goto(`${SHOP}/pricing/teams`);
    const bubble = p.getByRole('button', { name: /Questions about our plans\?/ });
    await bubble.waitFor({ timeout: 5000 });
    const after = Date.now() - t0;
    check(after >= 1000, `fired after ${after} ms, not before the rule's 1 s`);
    log(`bubble after ${after} ms`);
    await p.screenshot({ path: join(OUT, 'widget-proactive.png') });
    let rule = (await getWidget()).proactive[0];
    check(rule.shown === 1 && rule.clicked === 0, `counts after showing: ${JSON.stringify(rule)}`);
    await p.getByRole('button', { name: 'Compare plans' }).click();
    await p.getByRole('log').locator('.m.user:not(.pending)', { hasText: 'Compare plans' }).first().waitFor({ timeout: 5000 });
    rule = (await getWidget()).proactive[0];
    check(rule.shown === 1 && rule.clicked === 1, `counts after the click: ${JSON.stringify(rule)}`);
    await p.evaluate(() => Spindesk.close());
    await p.reload();
    // (Whether the bot's answer counts as unread depends on when it came: not the point here.)
    await p.getByRole('button', { name: /^Open chat/ }).waitFor({ timeout: 10000 });
    await sleep(2000);
    check(await p.getByText('Questions about our plans?').count() === 0, 'not a second time today');
  });

  for (const [lang, L] of [['en', { open: 'Open chat', close: 'Close chat', box: 'Message', send: 'Hello from the page' }],
    ['ko', { open: '채팅 열기', close: '채팅 닫기', box: '메시지', send: '페이지에서 보낸 인사' }]]) {
    await go(`every JavaScript API call and event (${lang})`, async () => {
      check((await putWidget({})).status === 200, 'defaults');
      const b = await browser(`api-${lang}`);
      const p = await watched(b.context);
      await p.goto(`${SHOP}/`);
      await launcherOf(p, 'Open chat').waitFor({ timeout: 10000 });
      await p.evaluate((tag) => {
        window.events = [];
        for (const e of ['open', 'close', 'unread', 'message']) Spindesk.on(e, (x) => events.push(e === 'message' ? `message:${x.author.type}:${x.text}` : e));
        Spindesk.setLocale(tag);
      }, lang);
      const launcher = launcherOf(p, L.open);
      await launcher.waitFor({ timeout: 2000 });
      await p.evaluate(() => Spindesk.open());
      await launcherOf(p, L.close).waitFor({ timeout: 2000 });
      await p.evaluate(() => Spindesk.close());
      await p.evaluate(() => Spindesk.toggle());
      await p.getByRole('textbox', { name: L.box }).waitFor({ state: 'visible', timeout: 2000 });
      await p.evaluate(() => Spindesk.toggle());
      await p.evaluate(() => Spindesk.hide());
      check(await launcher.isHidden(), 'hide() hides the launcher');
      await p.evaluate(() => Spindesk.show());
      await launcher.waitFor({ timeout: 2000 });
      await p.evaluate(() => Spindesk.prefill('draft text'));
      // The box is in the closed panel: found by its element, not its (hidden) role.
      check(await p.locator('#spindesk-widget textarea').inputValue() === 'draft text', 'prefill fills the box');
      // Fields wait for the session the send starts, and go before the message.
      const fieldsSaved = p.waitForResponse((r) => r.url().endsWith('/api/widget/fields'), { timeout: 5000 });
      await p.evaluate(() => Spindesk.setConversationFields({ plan: 'gold', 360001: 'VIP', seats: 3 }));
      await p.evaluate((text) => Spindesk.send(text), L.send);
      const saved = await fieldsSaved;
      check(saved.status() === 200, `fields saved: ${saved.status()}`);
      check(JSON.stringify(saved.request().postDataJSON()) === '{"fields":{"360001":"VIP","plan":"gold","seats":"3"}}', `fields sent: ${saved.request().postData()}`);
      await p.locator('#spindesk-widget .m.user:not(.pending)', { hasText: L.send }).first().waitFor({ state: 'attached', timeout: 5000 });
      await p.waitForFunction(() => events.some((e) => e.startsWith('message:bot:')), null, { timeout: 5000 });
      const seen = await p.evaluate(() => events);
      log(JSON.stringify(seen));
      check(seen.slice(0, 4).join() === 'open,close,open,close', `open/close events: ${seen}`);
      check(seen.includes(`message:user:${L.send}`), 'a message event for the visitor\'s own message');
      check(seen.includes('unread'), 'the bot\'s answer while closed raised an unread event');
      await p.evaluate(() => { Spindesk.off('message'); events.length = 0; Spindesk.open(); });
      await p.evaluate(() => Spindesk.send('one more'));
      await p.getByRole('log').locator('.m.user:not(.pending)', { hasText: 'one more' }).first().waitFor({ timeout: 5000 });
      await sleep(300);
      check(!(await p.evaluate(() => events)).some((e) => e.startsWith('message')), 'off() stops the listener');
      const errors = await p.evaluate(() => {
        const tryIt = (fn) => { try { fn(); return 'no error'; } catch (e) { return `${e.name}: ${e.message}`; } };
        return [
          tryIt(() => Spindesk.on('nope', () => {})),
          tryIt(() => Spindesk.on('open', 'not a function')),
          tryIt(() => Spindesk.send('')),
          tryIt(() => Spindesk.send(42)),
          tryIt(() => Spindesk.prefill('x'.repeat(5000))),
          tryIt(() => Spindesk.setLocale('not a tag!')),
          tryIt(() => Spindesk.setConversationFields('plan=gold')),
          tryIt(() => Spindesk.setConversationFields({ 'Bad Name': 1 })),
          tryIt(() => Spindesk.setConversationFields({ plan: { tier: 1 } })),
        ];
      });
      log(errors.join(' | '));
      check(/unknown event "nope"/.test(errors[0]), errors[0]);
      check(/listener must be a function/.test(errors[1]), errors[1]);
      check(/must not be empty/.test(errors[2]), errors[2]);
      check(/must be a string/.test(errors[3]), errors[3]);
      check(/at most 4096/.test(errors[4]), errors[4]);
      check(/language tag/.test(errors[5]), errors[5]);
      check(/must be an object/.test(errors[6]), errors[6]);
      check(/"Bad Name" must be a-z/.test(errors[7]), errors[7]);
      check(/plan must be a string, number or boolean/.test(errors[8]), errors[8]);
      check(errors.every((e) => e.startsWith('TypeError: Spindesk.')), 'TypeErrors naming the call');
    });
  }

  await go('attention: the title counts unread messages while the tab is hidden, and a tone plays', async () => {
    check((await putWidget({ attention: { title_prefix: true, sound: true } })).status === 200, 'attention on');
    const b = await browser('attention');
    // Headless tabs are never hidden: the page's visibility is ours to set, and tones are counted.
    await b.context.addInitScript(() => {
      window.fakeHidden = false;
      Object.defineProperty(Document.prototype, 'hidden', { get: () => window.fakeHidden });
      window.tones = 0;
      const make = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function () { window.tones++; return make.call(this); };
    });
    const p = await watched(b.context);
    await p.goto(`${SHOP}/`);
    await launcherOf(p, 'Open chat').waitFor({ timeout: 10000 });
    await p.evaluate(() => { fakeHidden = true; Spindesk.send('hello'); });
    await p.waitForFunction(() => document.title === '(1) Shop', null, { timeout: 5000 });
    check(await p.evaluate(() => tones) === 1, 'one tone for the bot\'s answer');
    await p.evaluate(() => { fakeHidden = false; document.dispatchEvent(new Event('visibilitychange')); });
    await p.waitForFunction(() => document.title === 'Shop', null, { timeout: 2000 });
    // Turned off by the admin: neither.
    check((await putWidget({ attention: { title_prefix: false, sound: false } })).status === 200, 'attention off');
    await p.reload();
    await launcherOf(p, 'Open chat, 1 unread').waitFor({ timeout: 10000 });
    await p.evaluate(() => { fakeHidden = true; tones = 0; Spindesk.send('again'); });
    await p.locator('#spindesk-widget .m.bot').nth(1).waitFor({ state: 'attached', timeout: 5000 });
    await sleep(200);
    check(await p.title() === 'Shop' && await p.evaluate(() => tones) === 0, 'no prefix, no tone when turned off');
    check((await putWidget({})).status === 200, 'defaults');
  });

  await go('calls made before widget.js loaded run from the stub\'s queue', async () => {
    const b = await browser('stub');
    const p = await watched(b.context);
    await p.goto(`${SHOP}/stub`);
    await p.getByRole('textbox', { name: 'Message' }).waitFor({ state: 'visible', timeout: 5000 });
    check(await p.getByRole('textbox', { name: 'Message' }).inputValue() === 'from the queue', 'queued prefill ran');
    check(JSON.stringify(await p.evaluate(() => window.seen)) === '["open"]', 'queued listener heard the queued open');
  });

  await go('the widget refuses to start on an origin outside the allow-list', async () => {
    // The earlier steps' pages are on the shop too: one still starting its session (the stub's
    // queued open) would be refused once the shop leaves the allow-list. They are done.
    for (const b of browsers.splice(0)) await b.close().catch(() => {});
    check((await putWidget({ allowed_origins: [BASE] })).status === 200, 'allow-list saved');
    const b = await browser('refused');
    const p = await watched(b.context);
    const warned = p.waitForEvent('console', { predicate: (m) => /not among the widget's allowed origins/.test(m.text()), timeout: 5000 });
    await p.goto(`${SHOP}/`);
    await warned;
    check(await p.locator('#spindesk-widget').count() === 0, 'no widget on the page');
    const direct = await fetch(`${BASE}/api/widget/sessions`, { method: 'POST', headers: { origin: SHOP, 'content-type': 'application/json' }, body: '{}' });
    check(direct.status === 403, `a session for the shop's origin: ${direct.status}`);
    // Allowed again: it starts.
    check((await putWidget({ allowed_origins: [SHOP] })).status === 200, 'allow-list with the shop');
    await p.reload();
    await launcherOf(p, 'Open chat').waitFor({ timeout: 10000 });
  });

  setStep('console');
  check(problems.length === 0, `browser reported problems (a CSP violation is one):\n${problems.join('\n')}`);
  console.log('ok no console errors under the strict CSP');
} catch (err) {
  failed = true;
  console.error(`FAIL ${currentStep()}: ${err.message}`);
  if (problems.length) console.error(problems.join('\n'));
  // The newest page of the newest browser is the one the failed step used.
  const last = browsers.length && browsers[browsers.length - 1].context.pages().slice(-1)[0];
  if (last) await last.screenshot({ path: join(OUT, 'failure-settings.png') }).catch(() => {});
} finally {
  // Later tests use the demo page with the default settings.
  await putWidget({}).catch(() => {});
  for (const b of browsers) await b.close().catch(() => {});
  shop.close();
}
process.exit(failed ? 1 : 0);
