// 7. Without JavaScript: log in, read a message, send one (with an attachment), flag by button.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, withContext, newUsers, saveMessage, message, login, openMessage, listSubjects, eventually, doveadm } from '../lib/harness.js';

let browser;
let sender;
let receiver;
before(async () => {
  browser = await launch();
  [sender, receiver] = await newUsers('nojs-sender', 'nojs-receiver');
  saveMessage(sender.user, message({
    from: 'Margaret Hamilton <margaret@apollo.example>', to: sender.user, subject: 'Plain pages work',
    html: '<p id="greeting">Hello from a page <em>without</em> scripts.</p>',
  }));
});
after(async () => { await browser?.close(); });

test('the core flow works with JavaScript disabled', { timeout: 90000 }, async () => {
  await withContext(browser, 'nojs', { javaScriptEnabled: false }, async (context) => {
    const scripted = [];
    context.on('request', (request) => { if (/\/events|\/static\/.*\.js/.test(request.url())) scripted.push(request.url()); });
    const page = await context.newPage();
    await login(page, sender);

    // Read.
    await openMessage(page, 'Plain pages work');
    const frameText = await page.frameLocator('iframe.message-body').locator('body').textContent();
    assert.match(frameText, /Hello from a page without scripts\./);

    // Flag by button: a plain form post, back to the list.
    await Promise.all([page.waitForURL(/\/mail\/INBOX$/), page.click('form.actions button[name=action][value=flag]')]);
    const row = page.locator('#message-list tbody tr', { has: page.locator('td.subject a:text-is("Plain pages work")') });
    assert.match(await row.getAttribute('class'), /\bflagged\b/);
    assert.equal(doveadm(['search', '-u', sender.user, 'mailbox', 'INBOX', 'flagged']).trim().split('\n').filter(Boolean).length, 1);

    // Send: the multipart form posts straight to the server (no upload script).
    await Promise.all([page.waitForURL(/\/compose/), page.click('#compose-link')]);
    await page.fill('#to', receiver.user);
    await page.fill('#subject', 'Sent without JavaScript');
    await page.fill('#text', 'No script was needed for this.');
    await page.setInputFiles('#attachments', { name: 'plain.txt', mimeType: 'text/plain', buffer: Buffer.from('attached without script\n') });
    await Promise.all([page.waitForURL(/notice=sent/), page.click('#send-button')]);
    assert.match(await page.textContent('#page-notice'), /sent/i);
    // Proof that no page script ran: the list page's script would have opened /events.
    assert.deepEqual(scripted, [], 'no script was fetched or run');
  });

  // The receiver gets it.
  await withContext(browser, 'nojs-receiver', { javaScriptEnabled: false }, async (context) => {
    const page = await context.newPage();
    await login(page, receiver);
    await eventually(async () => {
      if ((await page.locator('#message-list').count()) && (await listSubjects(page)).includes('Sent without JavaScript')) return true;
      await page.reload();
      return false;
    }, { timeout: 15000, message: 'the message in the receiver\'s inbox' });
    await openMessage(page, 'Sent without JavaScript');
    assert.match(await page.frameLocator('iframe.message-body').locator('body').textContent(), /No script was needed/);
    assert.equal(await page.locator('section.attachments a', { hasText: 'plain.txt' }).count(), 1);
  });
});
