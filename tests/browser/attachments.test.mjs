// Files in a conversation, in real browsers against the dev server: a customer attaches a
// photo in the widget (the file picker), it uploads with a progress bar and goes out with their
// message; the agent sees it inline in the workspace and opens it large in the viewer; the agent
// attaches a PDF to the reply from the composer; the customer's widget shows it as a file and
// the customer downloads it (the very bytes). No console errors on any page.
//
//   BASE_URL=http://127.0.0.1:3000 ADMIN_TOKEN=... node attachments.test.mjs
// (run.sh sets attachment_url_key; without it downloads answer 503.)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, BASE, OUT, check, currentStep, go, launch, request, setStep } from './harness.mjs';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'attachments');
const PNG = join(FIXTURES, 'parcel.png');
const PDF = join(FIXTURES, 'return-label.pdf');
const RUN = Date.now().toString(36);
const ADMIN = `Bearer ${ADMIN_TOKEN}`;
async function ok(method, path, { body, auth = ADMIN } = {}, status = 200) {
  const r = await request(method, path, { body, headers: { authorization: auth } });
  check(r.status === status, `${method} ${path} answered ${r.status}: ${r.text}`);
  return r.json;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const browsers = [];
const problems = [];
let failed = false;
async function open(name, viewport) {
  const b = await launch(name, viewport);
  browsers.push(b);
  const page = b.context.pages()[0] || await b.context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console (${name}): ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error (${name}): ${e.message}`));
  return page;
}

try {
  const email = `files-${RUN}@example.com`;
  const created = await ok('POST', '/api/admin/agents', { body: { agent: { name: `Mina ${RUN}`, email } } }, 201);
  const agentAuth = 'Basic ' + Buffer.from(`${email}/token:${created.api_token}`).toString('base64');

  const customer = await open('files-customer', { width: 420, height: 820 });
  let ticket;
  await go('the customer reaches a person from the widget', async () => {
    const before = (await ok('GET', '/api/v2/tickets.json?sort_by=id&sort_order=desc&per_page=1')).tickets[0]?.id || 0;
    await customer.goto(BASE + '/');
    await customer.getByRole('button', { name: 'Open chat' }).click();
    await customer.getByRole('textbox', { name: 'Message' }).fill('hello');
    await customer.getByRole('button', { name: 'Send', exact: true }).click();
    await customer.getByRole('button', { name: 'Talk to a person' }).click();
    ticket = await until('the hand-off ticket', async () => {
      const list = (await ok('GET', '/api/v2/tickets.json?sort_by=id&sort_order=desc&per_page=1')).tickets;
      return list[0] && list[0].id > before ? list[0] : null;
    });
  });

  await go('the customer attaches a photo: it uploads, then goes out with their message', async () => {
    check(await customer.getByRole('button', { name: 'Attach a file' }).isVisible(), 'an attach button with its name');
    await customer.locator('input[type=file]').setInputFiles(PNG);
    const chip = customer.getByRole('listitem').filter({ hasText: 'parcel.png' });
    await chip.waitFor({ timeout: 3000 });
    check(await customer.getByRole('button', { name: 'Remove parcel.png' }).isVisible(), 'the chip can be removed');
    // Uploaded: its progress bar goes away.
    await chip.locator('progress').waitFor({ state: 'hidden', timeout: 5000 });
    await customer.getByRole('textbox', { name: 'Message' }).fill(`The box arrived broken ${RUN}`);
    await customer.getByRole('button', { name: 'Send', exact: true }).click();
    const shown = customer.getByRole('img', { name: 'Image: parcel.png' });
    await shown.waitFor({ timeout: 5000 });
    // Wait until the browser has decoded the downloaded image.
    await until('the photo decoded in the widget', () => shown.evaluate((img) => img.complete && img.naturalWidth === 16));
    check(await customer.locator('.chip').count() === 0, 'the tray is empty after sending');
    await customer.screenshot({ path: join(OUT, 'attachments-widget-photo.png') });
  });

  const agent = await open('files-agent', { width: 1280, height: 820 });
  await go('the agent sees the photo inline and opens it in the viewer', async () => {
    await agent.goto(BASE + '/agent/');
    await agent.getByLabel('Email').fill(email);
    await agent.getByLabel('API token').fill(created.api_token);
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent.locator('#desk').waitFor({ state: 'visible', timeout: 5000 });
    await agent.goto(`${BASE}/agent/#ticket/${ticket.id}`);
    const thumb = agent.getByRole('button', { name: 'View image parcel.png' });
    await thumb.waitFor({ timeout: 8000 });
    const img = thumb.locator('img');
    await until('the photo decoded in the workspace', () => img.evaluate((i) => i.complete && i.naturalWidth === 16));
    await thumb.click();
    const viewer = agent.locator('#viewer');
    await until('the viewer open', () => viewer.evaluate((d) => d.open));
    await until('the large image decoded', () => agent.locator('#viewer-img').evaluate((i) => i.complete && i.naturalWidth === 16));
    await agent.screenshot({ path: join(OUT, 'attachments-agent-viewer.png') });
    await agent.getByRole('button', { name: 'Close' }).click();
    check(!(await viewer.evaluate((d) => d.open)), 'the viewer closes');
  });

  await go('the agent replies with a PDF from the composer', async () => {
    await agent.locator('#attach-input').setInputFiles(PDF);
    const item = agent.locator('#tray li', { hasText: 'return-label.pdf' });
    await item.waitFor({ timeout: 3000 });
    await item.locator('progress').waitFor({ state: 'hidden', timeout: 5000 });
    await agent.locator('#reply').fill(`Here is your return label ${RUN}`);
    await agent.locator('#send').click();
    await agent.getByRole('link', { name: 'Download return-label.pdf' }).waitFor({ timeout: 8000 });
    const comments = (await ok('GET', `/api/v2/tickets/${ticket.id}/comments.json`, { auth: agentAuth })).comments;
    const reply = comments.find((c) => c.body === `Here is your return label ${RUN}`);
    check(reply && reply.attachments.length === 1 && reply.attachments[0].content_type === 'application/pdf',
      `the comment carries the PDF: ${JSON.stringify(reply)}`);
  });

  await go('the customer gets the reply with the file and downloads it', async () => {
    const link = customer.getByRole('link', { name: /return-label\.pdf/ });
    await link.waitFor({ timeout: 15000 });
    const [download] = await Promise.all([customer.waitForEvent('download'), link.click()]);
    const saved = await download.path();
    const got = readFileSync(saved);
    check(Buffer.compare(got, readFileSync(PDF)) === 0, `the downloaded file is the PDF (${got.length} bytes)`);
    check(download.suggestedFilename() === 'return-label.pdf', `named ${download.suggestedFilename()}`);
    await customer.screenshot({ path: join(OUT, 'attachments-widget-pdf.png') });
  });

  setStep('console');
  check(problems.length === 0, `browser reported problems:\n${problems.join('\n')}`);
  console.log('ok no console errors');
} catch (err) {
  failed = true;
  console.error(`FAIL ${currentStep()}: ${err.message}`);
  if (problems.length) console.error(problems.join('\n'));
  for (const b of browsers) {
    const p = b.context.pages()[0];
    if (p) await p.screenshot({ path: join(OUT, `attachments-failure-${browsers.indexOf(b)}.png`) }).catch(() => {});
  }
} finally {
  for (const b of browsers) await b.close().catch(() => {});
}
process.exit(failed ? 1 : 0);
