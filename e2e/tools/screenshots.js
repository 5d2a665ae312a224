// Screenshots for the README (docs/screenshots/): list and message views in light and dark,
// and the list on a phone. A generator, not a test: `bash scripts/screenshots.sh` runs it (the e2e
// suite, e2e/tests/, does not). The mail is fixed and dated in March of this year (of last year before
// April), so reruns within a year give the same pictures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { launch, withContext, saveMessage, message, login, openMessage, doveadm, DEMO, REPO_DIR } from '../lib/harness.js';

const OUT = `${REPO_DIR}/docs/screenshots`;
const now = new Date();
const YEAR = now.getUTCMonth() >= 3 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
const day = (d, time = '09:30') => `${d} Mar ${YEAR} ${time}:00 +0000`;
// [from, subject, date, { unread, flagged, attachment, text }]
const MAIL = [
  ['Ada Lovelace <ada@analytical.example>', 'Quarterly report: notes on the engine', day('15', '16:05'), { unread: true, attachment: 'q1-figures.csv' }],
  ['Grace Hopper <grace@navy.example>', 'Re: Compiler meeting moved to Thursday', day('15', '11:42'), { unread: true }],
  ['GitHub <noreply@github.example>', '[letterbox] Pull request #212: keyboard shortcuts', day('14', '18:20'), { unread: true }],
  ['Alan Turing <alan@bletchley.example>', 'Lunch on Friday?', day('14', '12:03'), { flagged: true }],
  ['Margaret Hamilton <margaret@apollo.example>', 'Flight software review', day('13', '15:30'), { attachment: 'review-checklist.txt' }],
  ['Newsletter Team <news@letters.example>', 'Weekly newsletter: 7 things you missed', day('13', '07:00'), {}],
  ['Katherine Johnson <katherine@langley.example>', 'Trajectory numbers, double-checked', day('12', '17:12'), { flagged: true }],
  ['Billing <billing@shop.example>', 'Your invoice #4711 is ready', day('12', '08:45'), { attachment: 'invoice-4711.txt' }],
  ['Jörg Müller <joerg@beispiel.example>', 'Straße, Größe, Übergröße — Umlaute im Betreff', day('11', '10:10'), {}],
  ['Calendar <calendar@cal.example>', 'Invitation: Planning session @ Monday 10:00', day('11', '06:30'), {}],
  ['Hedy Lamarr <hedy@frequency.example>', 'Frequency hopping, a short explainer', day('10', '20:15'), {}],
  ['Ana García <ana@correo.example>', '¿Nos vemos el sábado?', day('09', '13:00'), {}],
];
const REPORT_HTML = `<h2>Quarterly report</h2>
<p>Dear all,</p>
<p>here are my notes on the engine for the first quarter. The short version: <strong>we are ahead of
schedule</strong>, and the new punch-card reader works.</p>
<ul><li>Revenue up 12% on the last quarter</li><li>Two new customers in Turin</li><li>The difference engine demo is booked for April</li></ul>
<blockquote>“The Analytical Engine weaves algebraic patterns just as the Jacquard loom weaves flowers and leaves.”</blockquote>
<p>The figures are attached. Questions welcome.</p>
<p>Ada</p>`;

before(() => {
  for (const [from, subject, date, o] of MAIL) {
    const attachments = o.attachment ? [{ name: o.attachment, type: 'text/plain', content: `${o.attachment}\nmonth,value\njan,1\nfeb,2\n` }] : [];
    const html = subject.startsWith('Quarterly report') ? REPORT_HTML : undefined;
    saveMessage(DEMO.user, message({ from, to: 'Demo User <demo@example.test>', subject, date, text: html ? undefined : `${subject}\n\nA short note.`, html, attachments }));
  }
  for (const [, subject, , o] of MAIL) {
    if (!o.unread) doveadm(['flags', 'add', '-u', DEMO.user, '\\Seen', 'mailbox', 'INBOX', 'header', 'Subject', subject]);
    if (o.flagged) doveadm(['flags', 'add', '-u', DEMO.user, '\\Flagged', 'mailbox', 'INBOX', 'header', 'Subject', subject]);
  }
  mkdirSync(OUT, { recursive: true });
});

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Pixels that differ between two PNGs (compared in the browser; Infinity if the sizes differ). */
async function pixelsChanged(before, after) {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async ([a, b]) => {
      const load = (data) => new Promise((resolve, reject) => { const img = new Image(); img.onload = () => resolve(img); img.onerror = reject; img.src = `data:image/png;base64,${data}`; });
      const [ia, ib] = await Promise.all([load(a), load(b)]);
      if (ia.width !== ib.width || ia.height !== ib.height) return Infinity;
      const pixels = (img) => { const canvas = new OffscreenCanvas(img.width, img.height); const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0); return ctx.getImageData(0, 0, img.width, img.height).data; };
      const [pa, pb] = [pixels(ia), pixels(ib)];
      let changed = 0;
      for (let i = 0; i < pa.length; i += 4) if (pa[i] !== pb[i] || pa[i + 1] !== pb[i + 1] || pa[i + 2] !== pb[i + 2]) changed++;
      return changed;
    }, [before.toString('base64'), after.toString('base64')]);
  } finally {
    await page.close();
  }
}

/**
 * Resolves once the page's DOM has not changed for `quiet` ms (and its fonts are loaded); throws
 * when that does not happen within `timeout` ms.
 */
async function settled(page, { quiet = 500, timeout = 10000 } = {}) {
  await page.evaluate(([quietMs, timeoutMs]) => document.fonts.ready.then(() => new Promise((resolve, reject) => {
    let timer;
    const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, quietMs); });
    const deadline = setTimeout(() => { observer.disconnect(); clearTimeout(timer); reject(new Error(`the page kept changing for ${timeoutMs} ms`)); }, timeoutMs);
    function done() { observer.disconnect(); clearTimeout(deadline); resolve(); }
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    timer = setTimeout(done, quietMs);
  })), [quiet, timeout]);
}

const written = [];
// The mouse is moved off the page so that no hover style shows, and it waits until the page has
// settled: opening a message comes back through the page's event stream and refreshes the folder
// and list panes.
// A picture is only rewritten when it really changed (antialiasing varies by a few pixels from
// run to run), so reruns leave docs/screenshots alone.
const shot = async (page, name) => {
  await page.mouse.move(0, 0);
  await settled(page);
  const png = await page.screenshot({ animations: 'disabled', caret: 'hide' });
  const path = `${OUT}/${name}.png`;
  if (existsSync(path) && (await pixelsChanged(readFileSync(path), png)) <= 50) return;
  writeFileSync(path, png);
  written.push(name);
};

test('screenshots of the list and message views, light and dark, and the list on a phone', { timeout: 90000 }, async (t) => {
  await withContext(browser, 'screenshots', { colorScheme: 'light' }, async (context) => {
    const page = await context.newPage();
    await login(page, DEMO);
    await page.locator('#message-list tbody tr').nth(MAIL.length - 1).waitFor();
    await page.evaluate(() => document.activeElement?.blur());
    await shot(page, 'list-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), true);
    await shot(page, 'list-dark');
    await openMessage(page, MAIL[0][1]);
    await page.frameLocator('iframe.message-body').locator('blockquote').waitFor();
    await page.evaluate(() => document.activeElement?.blur());
    await shot(page, 'message-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'message-light');
  });
  await withContext(browser, 'screenshots-phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: 'light' }, async (context) => {
    const page = await context.newPage();
    await login(page, DEMO);
    await page.locator('#message-list tbody tr').first().waitFor();
    await page.evaluate(() => document.activeElement?.blur());
    await shot(page, 'phone-list');
  });
  t.diagnostic(written.length ? `screenshots rewritten: ${written.join(', ')}` : 'screenshots unchanged');
});
