// 8. A phone-sized screen (390×844): list and message pages fit the width, the body shows, and
// the actions are reachable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, withContext, newUsers, saveMessage, message, login, openMessage, fill } from '../lib/harness.js';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
let browser;
let user;
before(async () => {
  browser = await launch();
  [user] = await newUsers('phone');
  fill(user.user, 30, 7);
  saveMessage(user.user, message({
    from: 'A sender with a rather long display name <a.very.long.address.indeed@some-long-domain.example>', to: user.user,
    subject: 'A message read on a phone, with a subject long enough to need wrapping on a small screen',
    date: new Date().toUTCString(),
    html: '<p id="phone-text">Readable on a phone.</p><table width="900"><tr><td>a wide table that the body frame has to contain</td></tr></table>' +
      '<p>https://a-very-long-unbroken-link.example/with/a/path/that/goes/on/and/on/and/on/without/any/spaces/at/all</p>',
  }));
});
after(async () => { await browser?.close(); });

const noSideScroll = (page) => page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));

/** Visible, inside the screen's width, and something the finger can hit (not covered). */
// `clipped`: a link in a list cell may run on under the cell's ellipsis; its start must show.
async function reachable(page, locator, what, { clipped = false } = {}) {
  await locator.scrollIntoViewIfNeeded();
  assert.ok(await locator.isVisible(), `${what} is visible`);
  const box = await locator.boundingBox();
  const right = clipped ? box.x + Math.min(box.width, 40) : box.x + box.width;
  assert.ok(box && box.x >= 0 && right <= 390 + 0.5, `${what} lies within the screen width (${JSON.stringify(box)})`);
  await locator.click({ trial: true, timeout: 3000 });
}

test('list and message pages are usable on a phone', { timeout: 90000 }, async () => {
  await withContext(browser, 'phone', PHONE, async (context) => {
    const page = await context.newPage();
    await login(page, user);

    let size = await noSideScroll(page);
    assert.ok(size.scrollWidth <= size.innerWidth, `list: no horizontal scroll (${size.scrollWidth} > ${size.innerWidth})`);
    await reachable(page, page.locator('#compose-link'), 'Compose');
    await reachable(page, page.locator('#q'), 'the search box');
    await reachable(page, page.locator('#message-list td.subject a').first(), 'the first message', { clipped: true });

    await openMessage(page, 'A message read on a phone, with a subject long enough to need wrapping on a small screen');
    size = await noSideScroll(page);
    assert.ok(size.scrollWidth <= size.innerWidth, `message: no horizontal scroll (${size.scrollWidth} > ${size.innerWidth})`);
    const frame = page.locator('iframe.message-body');
    await frame.scrollIntoViewIfNeeded();
    const box = await frame.boundingBox();
    assert.ok(box.width >= 300 && box.x >= 0 && box.x + box.width <= 390 + 0.5, `the body frame fits the width (${JSON.stringify(box)})`);
    assert.ok(box.height >= 150, `the body frame has room (${box.height}px high)`);
    await page.frameLocator('iframe.message-body').locator('#phone-text, p').first().waitFor({ state: 'visible' });
    for (const selector of ['#reply', 'form.actions button[value=flag]', 'form.actions button[value=archive]', 'form.actions button[value=delete]', 'form.actions button[value=move]']) {
      await reachable(page, page.locator(selector), selector);
    }
    // And one really works from here.
    await page.locator('form.actions button[value=flag]').scrollIntoViewIfNeeded();
    await Promise.all([page.waitForURL(/\/mail\/INBOX$/), page.locator('form.actions button[value=flag]').tap()]);
    assert.equal(await page.locator('#message-list tbody tr.flagged td.subject a', { hasText: 'A message read on a phone' }).count(), 1);
  });
});
