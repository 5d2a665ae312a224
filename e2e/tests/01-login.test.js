// 1. Logging in: a wrong password shows an error, the right one lands on the inbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, launch, withContext } from '../lib/harness.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a bad password shows an error, a good one lands on /mail/INBOX', { timeout: 60000 }, async () => {
  await withContext(browser, 'login', {}, async (context) => {
    const page = await context.newPage();
    await page.goto('/');
    assert.match(new URL(page.url()).pathname, /^\/login$/, 'logged-out visitors are sent to the login page');

    await page.fill('#username', ALICE.user);
    await page.fill('#password', 'not-the-password');
    await page.click('form.stack button[type=submit]');
    const alert = page.locator('.alert');
    await alert.waitFor({ state: 'visible' });
    assert.ok((await alert.textContent()).trim().length > 0, 'the error says something');
    assert.match(new URL(page.url()).pathname, /^\/login/, 'still on the login page');
    assert.equal(await page.inputValue('#username'), ALICE.user, 'the username is kept');

    await page.fill('#password', ALICE.password);
    await Promise.all([page.waitForURL(/\/mail\/INBOX$/), page.click('form.stack button[type=submit]')]);
    assert.equal(new URL(page.url()).pathname, '/mail/INBOX');
    assert.equal((await page.textContent('#current-user')).trim(), ALICE.user);
    assert.equal(await page.locator('.alert').count(), 0, 'no error after a good login');
  });
});
