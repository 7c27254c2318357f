// Signed identity in a real browser (issue 13): a page signs its visitor in with a JWT signed by
// a test key (Spindesk.loginUser), a second browser (another profile: another device) signed in
// as the same customer shows the same history, an expired token is refreshed through the
// callback, and Spindesk.logoutUser() leaves nothing in localStorage, sessionStorage or cookies.
//
//   BASE_URL=http://127.0.0.1:3000 ADMIN_TOKEN=... node identity.test.mjs
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { ADMIN_TOKEN, BASE, OUT, check, currentStep, go, launch, log, request } from './harness.mjs';

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function sign(kid, secret, claims) {
  const signed = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

const externalId = `browser-${Date.now()}`;
let key;
const now = () => Math.floor(Date.now() / 1000);
const typedEmail = `${externalId}@example.com`;
// The site does not vouch for this address (email_verified false): agents see it unverified.
const fresh = () => sign(key.kid, key.secret, {
  external_id: externalId, name: 'Ada Browser', email: typedEmail, email_verified: false, iat: now(), exp: now() + 600,
});
const expired = () => sign(key.kid, key.secret, { external_id: externalId, iat: now() - 7200, exp: now() - 3600 });

const first = await launch('identity-a', { width: 1100, height: 800 });
const second = await launch('identity-b', { width: 1100, height: 800 });
const problems = [];
let failed = false;

/** The demo page with the widget loaded, console errors collected (401s are expected here). */
async function open(browser) {
  const page = browser.context.pages()[0] || await browser.context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  const res = await page.goto(BASE + '/');
  check(res.ok(), `GET / answered ${res.status()}`);
  await page.waitForFunction(() => window.Spindesk && window.Spindesk.version, null, { timeout: 5000 });
  await page.getByRole('button', { name: 'Open chat' }).waitFor({ timeout: 5000 });
  return page;
}

/** Signs the page's visitor in; resolves with how many tokens the callback was asked for. */
async function signIn(page, tokens) {
  return page.evaluate(async (list) => {
    let asked = 0;
    await window.Spindesk.loginUser((cb) => { cb(list[Math.min(asked, list.length - 1)]); asked++; });
    return asked;
  }, tokens);
}

async function say(page, text) {
  const launcher = page.getByRole('button', { name: 'Open chat' });
  if (await launcher.isVisible()) await launcher.click();
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByRole('log').locator('.m.user', { hasText: text }).first().waitFor({ timeout: 5000 });
}

async function storage(page) {
  const inPage = await page.evaluate(() => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    cookie: document.cookie,
  }));
  return { ...inPage, cookies: await page.context().cookies() };
}

try {
  await go('an admin creates a signing key', async () => {
    const r = await request('POST', '/api/admin/signing_keys', {
      body: { name: 'browser test' }, headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    check(r.status === 201, `create key: ${r.status} ${r.text}`);
    key = r.json.signing_key;
  });

  let pageA;
  await go('the page chats anonymously, then signs the visitor in', async () => {
    pageA = await open(first);
    await say(pageA, 'asked before signing in');
    const asked = await signIn(pageA, [fresh()]);
    check(asked === 1, `the callback was asked ${asked} times`);
    await pageA.getByRole('log').locator('.m.user', { hasText: 'asked before signing in' }).first()
      .waitFor({ timeout: 5000 });
    await say(pageA, 'hello from the laptop');
  });

  let pageB;
  await go('a second browser signed in as the same customer sees the same history', async () => {
    pageB = await open(second);
    // Its first token has expired: the widget asks the callback again and gets a fresh one.
    const asked = await signIn(pageB, [expired(), fresh()]);
    check(asked === 2, `an expired token is refreshed through the callback (asked ${asked} times)`);
    await pageB.getByRole('button', { name: 'Open chat' }).click();
    const log2 = pageB.getByRole('log');
    await log2.locator('.m.user', { hasText: 'hello from the laptop' }).first().waitFor({ timeout: 5000 });
    await log2.locator('.m.user', { hasText: 'asked before signing in' }).first().waitFor({ timeout: 5000 });
    await say(pageB, 'and from the phone');
    await pageA.getByRole('log').locator('.m.user', { hasText: 'and from the phone' }).first()
      .waitFor({ timeout: 30000 });
    await pageB.screenshot({ path: join(OUT, 'identity-second-device.png') });
  });

  await go('the agent workspace shows the identities, verified or not', async () => {
    const session = await pageA.evaluate(() => {
      const k = Object.keys(localStorage).find((x) => x.startsWith('spindesk:') && x.endsWith(':token'));
      return localStorage.getItem(k);
    });
    const asked = await request('POST', '/api/widget/messages', {
      body: { text: 'Talk to a person', payload: 'handoff' }, headers: { authorization: `Bearer ${session}` },
    });
    check(asked.status === 201, `hand-off: ${asked.status} ${asked.text}`);
    // After the hand-off, what the customer writes is a ticket comment (with its channel).
    const more = await request('POST', '/api/widget/messages', {
      body: { text: 'my order never came' }, headers: { authorization: `Bearer ${session}` },
    });
    check(more.status === 201, `message: ${more.status}`);
    const email = `agent-${externalId}@example.com`;
    const agent = await request('POST', '/api/admin/agents', {
      body: { agent: { name: 'Grace Agent', email } }, headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    check(agent.status === 201, `agent: ${agent.status}`);
    const auth = 'Basic ' + Buffer.from(`${email}/token:${agent.json.api_token}`).toString('base64');
    const list = await request('GET', '/api/v2/tickets.json?sort_order=desc&per_page=5', { headers: { authorization: auth } });
    const ticket = list.json.tickets.find((t) => t.subject.includes('Ada Browser')) || list.json.tickets[0];
    const page = await first.context.newPage();
    page.on('pageerror', (e) => problems.push(`agent page error: ${e.message}`));
    await page.goto(`${BASE}/agent/#ticket/${ticket.id}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('API token').fill(agent.json.api_token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const ids = page.locator('#identities');
    await ids.locator('li.unverified', { hasText: typedEmail }).waitFor({ timeout: 5000 });
    check((await ids.locator('li.unverified', { hasText: typedEmail }).textContent()).includes('unverified'), 'the typed address says unverified');
    await ids.locator('li.verified', { hasText: 'Web widget' }).waitFor({ timeout: 5000 });
    await page.getByRole('log', { name: 'Conversation' }).getByText('via Web widget').first().waitFor({ timeout: 5000 });
    // One reachable channel: nothing to choose.
    check(await page.locator('#via-wrap').isHidden(), 'Reply via offered with one channel');
    await page.screenshot({ path: join(OUT, 'identity-agent.png') });
    await page.close();
  });

  await go('logging out leaves nothing in the browser and starts afresh', async () => {
    const before = await storage(pageA);
    check(before.local.some((k) => k.startsWith('spindesk:')), `the signed-in session was stored: ${JSON.stringify(before)}`);
    await pageA.evaluate(() => window.Spindesk.logoutUser());
    const after = await storage(pageA);
    log('after logout:', JSON.stringify(after));
    check(after.local.length === 0, `localStorage keeps ${JSON.stringify(after.local)}`);
    check(after.session.length === 0, `sessionStorage keeps ${JSON.stringify(after.session)}`);
    check(after.cookie === '' && after.cookies.length === 0, `cookies: ${after.cookie} ${JSON.stringify(after.cookies)}`);
    // A reload finds no session; the next chat is a new, anonymous visitor.
    await pageA.reload();
    await pageA.waitForFunction(() => window.Spindesk && window.Spindesk.version, null, { timeout: 5000 });
    await say(pageA, 'someone new');
    const texts = await pageA.getByRole('log').locator('.m.user .b').allTextContents();
    check(!texts.some((t) => /laptop|phone|before signing/.test(t)), `a new visitor sees the old history: ${texts}`);
  });

  await go('the admin console creates a key (its secret shown once) and revokes it', async () => {
    const page = await first.context.newPage();
    page.on('pageerror', (e) => problems.push(`admin page error: ${e.message}`));
    await page.goto(BASE + '/admin/');
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Admin areas' }).getByRole('link', { name: 'Signing keys' }).click();
    await page.getByRole('heading', { name: 'Signing keys', level: 1 }).waitFor();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Create a signing key' }) });
    await form.getByLabel('Name').fill('console key');
    await form.getByRole('button', { name: 'Create key' }).click();
    const reveal = page.getByRole('region', { name: /The secret of sk_/ });
    await reveal.waitFor();
    const secret = await reveal.getByLabel('Secret').inputValue();
    check(secret.length >= 40, `secret ${secret}`);
    const listed = await request('GET', '/api/admin/signing_keys', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    check(listed.status === 200 && !listed.text.includes(secret), 'the secret is returned again');
    await reveal.getByRole('button', { name: 'I have copied it' }).click();
    check(!(await page.content()).includes(secret), 'the secret stays in the page after dismissing it');
    const row = page.getByRole('row', { name: /console key/ });
    await row.getByRole('button', { name: /^Revoke the signing key/ }).click();
    await page.getByRole('dialog', { name: 'Revoke this signing key?' }).getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('Revoked').waitFor();
    await page.screenshot({ path: join(OUT, 'identity-admin-keys.png'), fullPage: true });
    await page.close();
  });

  check(problems.length === 0, problems.join('\n'));
} catch (err) {
  failed = true;
  console.error(`FAILED at step "${currentStep()}": ${err.message}`);
  for (const [i, b] of [first, second].entries()) {
    const p = b.context.pages()[0];
    if (p) await p.screenshot({ path: join(OUT, `identity-failed-${i}.png`) }).catch(() => {});
  }
} finally {
  await first.close();
  await second.close();
}
process.exit(failed ? 1 : 0);
