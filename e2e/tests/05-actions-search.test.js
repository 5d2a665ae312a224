// 5. The message page's buttons (flag, mark unread, archive, spam, delete, move) with the folder
// counts and flags they change; search with operators.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, withContext, newUsers, saveMessage, message, login, openMessage, listSubjects, listCounts, folderLink, folderCounts, doveadm } from '../lib/harness.js';

const ACTION_SUBJECTS = ['Flag me', 'Unread me', 'Archive me', 'Spam me', 'Delete me', 'Move me'];
let browser;
let user;
before(async () => {
  browser = await launch();
  [user] = await newUsers('actions');
  doveadm(['mailbox', 'create', '-u', user.user, 'Projects']);
  ACTION_SUBJECTS.forEach((subject, i) => saveMessage(user.user, message({
    from: 'Grace Hopper <grace@navy.example>', to: user.user, subject, date: `Mon, 1${i} Mar 2024 10:00:00 +0000`, text: `This is "${subject}".`,
  })));
  const search = [
    ['Ada Lovelace <ada@analytical.example>', 'Quarterly report'],
    ['Ada Lovelace <ada@analytical.example>', 'Lunch plans'],
    ['Charles Babbage <charles@engines.example>', 'Difference engine report'],
  ];
  search.forEach(([from, subject], i) => saveMessage(user.user, message({ from, to: user.user, subject, date: `Fri, 0${i + 1} Mar 2024 10:00:00 +0000`, text: `${subject}, as promised.` })));
});
after(async () => { await browser?.close(); });

/** Opens `subject` from the inbox, presses the action button, waits for the list again. */
async function act(page, subject, action, moveTo) {
  await page.goto('/mail/INBOX');
  await openMessage(page, subject);
  if (moveTo) await page.selectOption('form.actions select[name=mailbox]', { label: moveTo });
  await Promise.all([
    page.waitForURL(/\/mail\/INBOX$/),
    page.click(`form.actions button[name=action][value=${action}]`),
  ]);
}

const row = (page, subject) => page.locator('#message-list tbody tr', { has: page.locator(`td.subject a:text-is(${JSON.stringify(subject)})`) });
const inboxUnreadBadge = async (page) => {
  const badge = page.locator('#folder-list li[data-mailbox-id=INBOX] .unread-count');
  return (await badge.count()) ? Number((await badge.textContent()).replace(/\D+/g, '')) : 0;
};

test('flag, mark unread, archive, spam, delete and move from the message page', { timeout: 120000 }, async () => {
  await withContext(browser, 'actions', {}, async (context) => {
    const page = await context.newPage();
    await login(page, user);
    assert.deepEqual(await listCounts(page).then((c) => [c.total, c.unread]), [9, 9]);
    assert.equal(await inboxUnreadBadge(page), 9);

    await act(page, 'Flag me', 'flag');
    assert.match(await row(page, 'Flag me').getAttribute('class'), /\bflagged\b/);
    assert.doesNotMatch(await row(page, 'Flag me').getAttribute('class'), /\bunread\b/, 'opening marked it read');
    assert.equal(await row(page, 'Flag me').locator('td.flag [title=Flagged]').count(), 1, 'the star is shown');
    assert.deepEqual(await listCounts(page).then((c) => [c.total, c.unread]), [9, 8]);
    assert.equal(await inboxUnreadBadge(page), 8);
    await openMessage(page, 'Flag me');
    assert.equal(await page.locator('form.actions button[value=unflag]').count(), 1, 'the message page offers Unflag now');

    await act(page, 'Unread me', 'unread');
    assert.match(await row(page, 'Unread me').getAttribute('class'), /\bunread\b/);
    assert.deepEqual(await listCounts(page).then((c) => [c.total, c.unread]), [9, 8]);
    assert.equal(await inboxUnreadBadge(page), 8);

    const moves = [['Archive me', 'archive', 'Archive'], ['Spam me', 'spam', 'Junk'], ['Delete me', 'delete', 'Trash'], ['Move me', 'move', 'Projects']];
    let total = 9;
    for (const [subject, action, folder] of moves) {
      await act(page, subject, action, action === 'move' ? folder : undefined);
      total -= 1;
      assert.ok(!(await listSubjects(page)).includes(subject), `${subject} left the inbox`);
      assert.equal((await listCounts(page)).total, total, `inbox count after ${action}`);
      await Promise.all([page.waitForURL(/\/mail\/(?!INBOX)/), folderLink(page, folder).click()]);
      assert.deepEqual(await listSubjects(page), [subject], `${subject} is in ${folder}`);
      assert.equal((await listCounts(page)).total, 1);
    }
    const counts = folderCounts(user.user);
    assert.deepEqual(
      Object.fromEntries(['INBOX', 'Archive', 'Junk', 'Trash', 'Projects'].map((f) => [f, counts[f].messages])),
      { INBOX: 5, Archive: 1, Junk: 1, Trash: 1, Projects: 1 },
      'Dovecot agrees',
    );
    assert.equal(counts.INBOX.unseen, 4);
  });
});

test('search with operators', { timeout: 60000 }, async () => {
  await withContext(browser, 'search', {}, async (context) => {
    const page = await context.newPage();
    await login(page, user);
    const search = async (q) => {
      await page.fill('#q', q);
      await Promise.all([page.waitForURL(/[?&]q=/), page.press('#q', 'Enter')]);
      return (await page.locator('#message-list').count()) ? listSubjects(page) : [];
    };
    assert.deepEqual(await search('from:ada subject:report'), ['Quarterly report']);
    assert.match((await listCounts(page)).text, /matching/);
    assert.equal(await page.inputValue('#q'), 'from:ada subject:report', 'the query stays in the box');
    assert.deepEqual(await search('from:ada'), ['Lunch plans', 'Quarterly report']);
    assert.deepEqual(await search('subject:report -from:ada'), ['Difference engine report']);
    assert.deepEqual(await search('from:ada OR from:charles subject:report'), ['Difference engine report', 'Quarterly report']);
    assert.deepEqual(await search('"difference engine"'), ['Difference engine report']);
    assert.deepEqual(await search('from:nobody-like-this'), []);
    assert.equal(await page.locator('.empty-state').count(), 1, 'an empty result says so');
  });
});
