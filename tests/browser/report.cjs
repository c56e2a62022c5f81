// Renders an HTML report in headless Chromium (Debian's, driven by playwright-core) and prints
// what the page showed as JSON: console messages, page errors, network requests, the DOM facts
// the Rust test asserts on, and the pages of its A4 print. Screenshots and the PDF go to OUT.
//
// node tests/browser/report.cjs PLAYWRIGHT_CORE_DIR CHROMIUM REPORT.html OUT_DIR
'use strict';
const path = require('path');
const fs = require('fs');

const [playwrightDir, chromiumPath, reportPath, outDir] = process.argv.slice(2);
const { chromium } = require(playwrightDir);

(async () => {
  fs.mkdirSync(outDir, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(outDir, 'profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const page = context.pages()[0] || (await context.newPage());
  const consoleMessages = [];
  const pageErrors = [];
  const requests = [];
  page.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  const url = 'file://' + path.resolve(reportPath);
  await page.goto(url, { waitUntil: 'load' });

  await page.screenshot({ path: path.join(outDir, 'report-top.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1240 } });
  await page.screenshot({ path: path.join(outDir, 'report.png'), fullPage: true });
  const failing = page.locator('article.control[data-status="fail"]').first();
  if (await failing.count()) {
    await failing.screenshot({ path: path.join(outDir, 'failing-control.png') });
  }
  const flow = page.locator('article.flow').first();
  if (await flow.count()) {
    await flow.screenshot({ path: path.join(outDir, 'flow.png') });
  }

  const dom = await page.evaluate(() => {
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
    };
    const text = (el) => (el ? el.textContent.trim() : null);
    return {
      title: document.title,
      verdict: text(document.querySelector('#verdict')),
      scripts: document.querySelectorAll('script').length,
      matrix: [...document.querySelectorAll('tr.matrix-row')].map((r) => ({
        article: r.dataset.article,
        status: r.dataset.status,
        visible: visible(r),
        controls: [...r.querySelectorAll('a.chip')].map((a) => a.textContent.trim()),
      })),
      controls: [...document.querySelectorAll('article.control')].map((c) => ({
        id: c.dataset.control,
        status: c.dataset.status,
        findings: [...c.querySelectorAll('.finding')].map((f) => ({
          visible: visible(f),
          text: f.innerText,
          cited_lines: [...f.querySelectorAll(':scope > table.code tr.cited')].filter(visible).length,
        })),
        evidence: c.querySelectorAll('.evidence').length,
      })),
      endpoints: [...document.querySelectorAll('tr.endpoint-row')].map((r) => r.innerText),
      flows: [...document.querySelectorAll('article.flow')].map((f) => ({
        title: text(f.querySelector('h3')),
        steps: [...f.querySelectorAll('li.step')].map((s) => s.className.replace('step ', '')),
        paths: f.querySelectorAll('ol.path li').length,
        missing: [...f.querySelectorAll('ul.missing li')].map((li) => li.textContent.trim()),
      })),
      overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    };
  });

  // Print: the page as Chromium lays it out on A4 (210 mm less the 12 mm margins each side).
  await page.emulateMedia({ media: 'print' });
  await page.setViewportSize({ width: Math.floor((186 / 25.4) * 96), height: 1000 });
  const printOverflow = await page.evaluate(() => {
    const wide = [...document.querySelectorAll('body *')].filter(
      (el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1,
    );
    return wide.slice(0, 5).map((el) => el.tagName + '.' + el.className);
  });
  const tocHidden = await page.evaluate(
    () => getComputedStyle(document.querySelector('nav.toc')).display === 'none',
  );
  const pdf = await page.pdf({ path: path.join(outDir, 'report.pdf'), preferCSSPageSize: true, printBackground: true });
  const pdfPages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  const mediaBox = (pdf.toString('latin1').match(/\/MediaBox\s*\[([^\]]*)\]/) || [])[1] || '';

  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
  process.stdout.write(
    JSON.stringify({
      url,
      console: consoleMessages,
      pageErrors,
      requests: requests.filter((r) => r !== url),
      dom,
      print: { overflow: printOverflow, tocHidden, pdfPages, mediaBox: mediaBox.trim() },
    }),
  );
})().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + '\n');
  process.exit(1);
});
