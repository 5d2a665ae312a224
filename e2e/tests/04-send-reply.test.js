// 4. Alice writes to Bob with an attachment; Bob finds it, replies; Alice's open inbox shows the
// reply arrive live (the page's /events stream), without reloading.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ALICE, BOB, launch, withContext, login, eventually, listSubjects, openMessage } from '../lib/harness.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('compose with an attachment, reply, and the reply shows up live in the open inbox', { timeout: 120000 }, async () => {
  const subject = `Figures for the quarter ${randomBytes(3).toString('hex')}`;
  const csv = 'month,revenue\njan,100\nfeb,120\n';
  await withContext(browser, 'send-alice', {}, async (aliceContext) => {
    const alice = await aliceContext.newPage();
    await login(alice, ALICE);
    await Promise.all([alice.waitForURL(/\/compose/), alice.click('#compose-link')]);
    await alice.fill('#to', BOB.user);
    await alice.fill('#subject', subject);
    await alice.fill('#text', 'Hi Bob,\n\nthe figures are attached.\n\nAlice');
    await alice.setInputFiles('#attachments', { name: 'figures.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await Promise.all([alice.waitForURL(/\/mail\/INBOX.*notice=sent/), alice.click('#send-button')]);
    assert.match(await alice.textContent('#page-notice'), /sent/i);
    // Alice's inbox stays open from here on; a marker tells whether it was ever reloaded.
    await alice.evaluate(() => { window.__e2eNotReloaded = true; });
    const rowsBefore = await alice.locator('#message-list tbody tr').count();

    await withContext(browser, 'send-bob', {}, async (bobContext) => {
      const bob = await bobContext.newPage();
      await login(bob, BOB);
      await eventually(async () => {
        if ((await listSubjects(bob)).includes(subject)) return true;
        await bob.reload();
        return false;
      }, { timeout: 15000, message: `"${subject}" in Bob's inbox` });
      const row = bob.locator('#message-list tbody tr', { has: bob.locator(`td.subject a:text-is(${JSON.stringify(subject)})`) });
      assert.equal(await row.locator('td.clip img').count(), 1, 'the row shows an attachment');
      assert.match(await row.getAttribute('class'), /unread/);
      await openMessage(bob, subject);
      assert.match(await bob.textContent('.headers'), /alice@example\.test/);
      const attachment = bob.locator('section.attachments a', { hasText: 'figures.csv' });
      await attachment.waitFor();
      const download = await bobContext.request.get(await attachment.getAttribute('href'));
      assert.equal(download.status(), 200);
      assert.equal((await download.text()).replace(/\r\n/g, '\n'), csv, 'the attachment arrives unchanged');
      assert.match(await bob.frameLocator('iframe.message-body').locator('body').textContent(), /the figures are attached/);

      await Promise.all([bob.waitForURL(/\/compose\?/), bob.click('#reply')]);
      assert.match(await bob.inputValue('#to'), /alice@example\.test/);
      assert.equal(await bob.inputValue('#subject'), `Re: ${subject}`);
      await bob.locator('#text').press('Control+Home');
      await bob.locator('#text').pressSequentially('Thanks, Alice! ');
      await Promise.all([bob.waitForURL(/notice=sent/), bob.click('#send-button')]);
    });

    // Live: within a few seconds, without a reload.
    await alice.locator(`#message-list td.subject a:text-is(${JSON.stringify(`Re: ${subject}`)})`).waitFor({ timeout: 10000 });
    assert.equal(await alice.evaluate(() => window.__e2eNotReloaded === true), true, 'the page was not reloaded');
    assert.equal(await alice.locator('#message-list tbody tr').count(), rowsBefore + 1);
    const fresh = alice.locator('#message-list tbody tr', { has: alice.locator(`td.subject a:text-is(${JSON.stringify(`Re: ${subject}`)})`) });
    assert.match(await fresh.getAttribute('class'), /unread/, 'the reply is unread');
    assert.match(await fresh.locator('td.from').textContent(), /bob/i);
  });
});
