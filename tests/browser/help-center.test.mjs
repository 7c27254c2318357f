// The public Help Center pages in a real browser (Debian's chromium driven by playwright-core):
// an article with a hostile body opened from its API `html_url` runs nothing and breaks no CSP
// rule (violations are console errors), the search box finds it with highlighted words, and
// the chat widget works from the article page under the pages' CSP.
//
//   BASE_URL=http://127.0.0.1:3000 ADMIN_TOKEN=... node help-center.test.mjs
//
// Exits non-zero on the first failed check. Screenshots go to ./out/.
import { join } from 'node:path';
import { ADMIN_TOKEN, BASE, OUT, check, checkNoProblems, go, launch, log, reportFailure, request } from './harness.mjs';

// A word no other content has, so search finds exactly our article on any database.
const WORD = 'zyxwarranty' + Date.now().toString(36).replace(/[0-9]/g, '');


async function api(method, path, body) {
  const r = await request(method, path, { body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  check(r.status >= 200 && r.status < 300, `${method} ${path} answered ${r.status}: ${r.text}`);
  return r.json;
}

const HOSTILE = `<h1>Before you start</h1><p>Check the ${WORD} card.</p>
<script>alert('script')</script>
<img src="x" onerror="alert('onerror')">
<a href="javascript:alert('href')">a javascript link</a>
<a href=" jav&#x61;script:alert('encoded')">an encoded one</a>
<style>body { display: none }</style>
<iframe src="javascript:alert('iframe')"></iframe>
<svg onload="alert('svg')"><circle r="5"/></svg>
<p style="color: red" onclick="alert('click')">Styled text</p>
<scri<script>pt>alert('split')</script>
<table><tr><th>Plan</th><td>2 years</td></tr></table>
<p><a href="/hc" target="_blank">Help Center home</a></p>`;

const browser = await launch('hc', { width: 1100, height: 900 });
const { context } = browser;
const problems = [];
let failed = false;

try {
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => { problems.push(`dialog opened: ${d.message()}`); await d.dismiss(); });

  let article;
  await go('write an article through the API', async () => {
    const c = await api('POST', '/api/v2/help_center/en-us/categories', { category: { name: 'Warranty' } });
    const s = await api('POST', `/api/v2/help_center/en-us/categories/${c.category.id}/sections`,
      { section: { name: 'Claims' } });
    article = (await api('POST', `/api/v2/help_center/en-us/sections/${s.section.id}/articles`,
      { article: { title: `Claim a ${WORD} repair`, body: HOSTILE } })).article;
    check(article.html_url.startsWith(`${BASE}/hc/en-us/articles/${article.id}-claim-a-`),
      `html_url ${article.html_url}`);
  });

  await go('open it from its html_url: nothing runs, nothing breaks the CSP', async () => {
    const res = await page.goto(article.html_url);
    check(res.status() === 200, `article page answered ${res.status()}`);
    check(/default-src 'none'/.test(res.headers()['content-security-policy'] || ''), 'CSP header');
    check(await page.getByRole('heading', { level: 1 }).count() === 1, 'one h1');
    check((await page.getByRole('heading', { level: 1 }).textContent()) === `Claim a ${WORD} repair`, 'title');
    const nav = page.getByRole('navigation', { name: 'Breadcrumb' });
    check((await nav.getByRole('link').allTextContents()).join(' > ') === 'Help Center > Warranty > Claims',
      'breadcrumbs');
    check(await page.locator('.body').getByText('Styled text').isVisible(), 'body shown');
    const dom = await page.evaluate(() => ({
      scripts: [...document.scripts].map((s) => s.getAttribute('src')),
      handlers: [...document.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes].filter((a) => /^on/i.test(a.name) || a.name === 'style').map((a) => `${el.tagName} ${a.name}`)),
      jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => /^javascript:/i.test(a.href)).length,
      frames: document.querySelectorAll('iframe, svg:not([aria-hidden]), object, embed').length,
      bodyDisplay: getComputedStyle(document.body).display,
    }));
    check(dom.scripts.length === 1 && dom.scripts[0] === '/widget.js', `scripts: ${dom.scripts}`);
    check(dom.handlers.length === 0, `event handler or style attributes: ${dom.handlers}`);
    check(dom.jsLinks === 0, 'javascript: links');
    check(dom.frames === 0, 'frames or foreign content in the page');
    check(dom.bodyDisplay !== 'none', 'the article style tag applied');
    await page.getByRole('button', { name: 'Open chat' }).waitFor({ timeout: 5000 });
    await page.screenshot({ path: join(OUT, 'hc-article.png'), fullPage: true });
  });

  await go('search from the header box', async () => {
    const box = page.getByRole('searchbox', { name: 'Search' });
    await box.fill(WORD);
    await box.press('Enter');
    await page.waitForURL((u) => u.pathname === '/hc/en-us/search' && u.searchParams.get('query') === WORD);
    check(await page.getByText(`1 result for “${WORD}”`).isVisible(), 'result count');
    const marks = await page.locator('ol.results em').allTextContents();
    check(marks.length > 0 && marks.every((m) => m.toLowerCase() === WORD), `highlights: ${marks}`);
    await page.screenshot({ path: join(OUT, 'hc-search.png') });
    await page.getByRole('link', { name: `Claim a ${WORD} repair` }).click();
    await page.waitForURL((u) => u.pathname.startsWith(`/hc/en-us/articles/${article.id}-`));
  });

  await go('ask the bot from the article page', async () => {
    await page.getByRole('button', { name: 'Open chat' }).click();
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('hello');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const log = page.getByRole('log');
    await log.locator('.m.user:not(.pending)', { hasText: 'hello' }).first().waitFor({ timeout: 5000 });
    await log.locator('.m.bot').first().waitFor({ timeout: 5000 });
    await page.screenshot({ path: join(OUT, 'hc-article-chat.png') });
  });

  await go('the help center home', async () => {
    const res = await page.goto(BASE + '/hc/en-us');
    check(res.status() === 200, `home answered ${res.status()}`);
    check(await page.getByRole('link', { name: `Claim a ${WORD} repair` }).count() === 1, 'article listed');
    check(await page.getByRole('search').count() === 1, 'one search form');
  });

  checkNoProblems(problems);
} catch (err) {
  failed = true;
  await reportFailure(err, problems, context, 'hc-failure.png', { fullPage: false });
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
