// 2. Reading: the sanitized body renders in the sandboxed frame; "Show remote content" loads the
// remote images of that message only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, withContext, newUsers, saveMessage, message, login, openMessage, loaded, eventually, folderCounts } from '../lib/harness.js';

// A 1×1 PNG served for the (intercepted) remote image requests: nothing leaves the machine.
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let browser;
let reader;
before(async () => {
  browser = await launch();
  [reader] = await newUsers('reader');
  saveMessage(reader.user, message({
    from: 'Garden Club <news@garden.example>', to: reader.user, subject: 'Spring newsletter',
    date: 'Wed, 13 Mar 2024 08:00:00 +0000',
    text: 'Spring news: the garden is blooming.',
    html: '<h2 id="headline">Spring news</h2><p>The <b>garden</b> is <i style="color: #2a7">blooming</i>.</p>' +
      '<p><img id="photo" src="https://images.example/garden.png" alt="garden photo" width="40" height="40"></p>',
  }));
  saveMessage(reader.user, message({
    from: 'Garden Club <news@garden.example>', to: reader.user, subject: 'Winter newsletter',
    date: 'Tue, 12 Mar 2024 08:00:00 +0000',
    html: '<h2>Winter news</h2><p>Snow.</p><img id="photo" src="https://images.example/winter.png" alt="winter photo" width="40" height="40">',
  }));
});
after(async () => { await browser?.close(); });

test('a message body renders sanitized in the sandboxed frame; remote content only on request, per message', { timeout: 90000 }, async () => {
  await withContext(browser, 'read', {}, async (context) => {
    const remote = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      remote.push(url.href);
      if (url.hostname === 'images.example') return route.fulfill({ status: 200, contentType: 'image/png', body: PIXEL });
      return route.abort();
    });
    const page = await context.newPage();
    await login(page, reader);
    assert.deepEqual(await page.$$eval('#message-list td.subject a', (a) => a.map((x) => x.textContent.trim())), ['Spring newsletter', 'Winter newsletter']);

    assert.equal(folderCounts(reader.user).INBOX.unseen, 2);
    await openMessage(page, 'Spring newsletter');
    assert.equal((await page.textContent('#message-subject')).trim(), 'Spring newsletter');
    // The GET of the page changes nothing; the page's script marks the message read (a
    // same-origin POST with the CSRF token) and then offers "Mark unread".
    await eventually(() => folderCounts(reader.user).INBOX.unseen === 1, { message: 'opening marked the message read' });
    await page.locator('#action-unread').waitFor();
    assert.equal(await page.locator('#action-read').isVisible(), false, 'no "Mark read" once read');
    const frameElement = page.locator('iframe.message-body');
    const sandbox = await frameElement.getAttribute('sandbox');
    assert.ok(sandbox !== null, 'the body frame is sandboxed');
    assert.ok(!sandbox.split(/\s+/).includes('allow-scripts'), `the sandbox allows no script (${sandbox})`);
    const body = page.frameLocator('iframe.message-body');
    await body.locator('#headline, h2').first().waitFor();
    assert.equal((await body.locator('h2').first().textContent()).trim(), 'Spring news');
    assert.equal((await body.locator('b').first().textContent()).trim(), 'garden');
    // Blocked: the remote image is not fetched and the page offers to show it.
    await page.locator('#remote-notice').waitFor();
    await loaded(page);
    assert.deepEqual(remote, [], 'nothing remote was requested before asking');

    await Promise.all([page.waitForURL(/remote=allow/), page.click('#show-remote')]);
    await page.locator('iframe.message-body').waitFor();
    const image = page.frameLocator('iframe.message-body').locator('img[alt="garden photo"]');
    await image.waitFor();
    await page.waitForFunction(() => {
      const doc = document.querySelector('iframe.message-body')?.contentDocument;
      const img = doc?.querySelector('img[alt="garden photo"]');
      return img && img.complete && img.naturalWidth > 0;
    });
    assert.deepEqual(remote, ['https://images.example/garden.png'], 'the remote image loads once asked');
    assert.equal(await page.locator('#remote-notice').count(), 0, 'no "blocked" notice once shown');

    // The next message still blocks.
    await page.goto('/mail/INBOX');
    await openMessage(page, 'Winter newsletter');
    await page.frameLocator('iframe.message-body').locator('h2').waitFor();
    await page.locator('#remote-notice').waitFor();
    assert.doesNotMatch(page.url(), /remote=allow/);
    await loaded(page);
    assert.deepEqual(remote, ['https://images.example/garden.png'], 'the next message loads nothing remote');
    const winterSrc = await page.frameLocator('iframe.message-body').locator('img[alt="winter photo"]').getAttribute('src').catch(() => null);
    assert.ok(!winterSrc || !/^https?:/.test(winterSrc), `the remote src is not in the page (${winterSrc})`);
  });
});
