// 6. Keyboard shortcuts (Gmail-style): j/k, o/Enter, u, r, a, f, c, e, #, !, s, Shift+I/U, /, g i, ?.
// Waits for each effect only briefly, so a missing shortcut fails fast.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, newUsers, saveMessage, message, login, openMessage, gotoSettled, eventually, folderCounts, folderLink, doveadm } from '../lib/harness.js';

const EFFECT_MS = 2000;

const NAV = ['Nav one', 'Nav two', 'Nav three'];
const ACTED = ['Archive by key', 'Delete by key', 'Spam by key', 'Flag by key', 'Read state by key', 'Reply by key'];
let browser;
let context;
let page;
let user;

before(async () => {
  browser = await launch();
  [user] = await newUsers('keys');
  [...NAV, ...ACTED].forEach((subject, i) => saveMessage(user.user, message({
    from: 'Alan Turing <alan@bletchley.example>', to: user.user, cc: 'Joan Clarke <joan@bletchley.example>', subject,
    date: `Thu, ${String(20 - i).padStart(2, '0')} Jun 2024 10:00:00 +0000`, text: `Message "${subject}".`,
  })));
  context = await newContext(browser);
  page = await context.newPage();
  await login(page, user);
});
after(async () => { await context?.close(); await browser?.close(); });

async function onList(folder = 'INBOX') {
  await gotoSettled(page, `/mail/${folder}`);
  await page.evaluate(() => document.activeElement?.blur());
}
async function onMessage(subject) {
  await onList();
  await openMessage(page, subject);
  await page.evaluate(() => document.activeElement?.blur());
}
/** Index of the list row the keyboard is on: class "selected", aria-selected, or focus inside. */
const selectedRow = () => page.evaluate(() => [...document.querySelectorAll('#message-list tbody tr')].findIndex((tr) =>
  tr.classList.contains('selected') || tr.getAttribute('aria-selected') === 'true' || tr.contains(document.activeElement)));
// An action sent from the message page ends on the list it came from.
const backOnList = () => page.waitForURL((url) => url.pathname === '/mail/INBOX', { timeout: 5000 });
const untilUrl = (re) => page.waitForURL(re, { timeout: EFFECT_MS });
const matching = (query) => doveadm(['search', '-u', user.user, ...query]).trim().split('\n').filter(Boolean).length;
const unseen = (subject) => matching(['mailbox', 'INBOX', 'unseen', 'subject', subject]);
const opts = (extra = {}) => ({ timeout: 30000, ...extra });

test('j / k move the selection down and up the list', opts(), async () => {
  await onList();
  await page.keyboard.press('j');
  const first = await eventually(async () => { const i = await selectedRow(); return i >= 0 ? i + 1 : 0; }, { timeout: EFFECT_MS, message: 'a selected row after j' }) - 1;
  await page.keyboard.press('j');
  await eventually(async () => (await selectedRow()) === first + 1, { timeout: EFFECT_MS, message: 'the next row after j' });
  await page.keyboard.press('k');
  await eventually(async () => (await selectedRow()) === first, { timeout: EFFECT_MS, message: 'the previous row after k' });
});

for (const key of ['o', 'Enter']) {
  test(`${key} opens the selected message`, opts({}), async () => {
    await onList();
    await page.keyboard.press('j');
    const index = await eventually(async () => { const i = await selectedRow(); return i >= 0 ? i + 1 : 0; }, { timeout: EFFECT_MS, message: 'a selected row' }) - 1;
    const href = await page.locator('#message-list tbody tr').nth(index).locator('td.subject a').getAttribute('href');
    await page.keyboard.press(key);
    await untilUrl((url) => url.pathname === href);
  });
}

test('u goes back from a message to the list', opts(), async () => {
  await onMessage(NAV[0]);
  await page.keyboard.press('u');
  await untilUrl((url) => url.pathname === '/mail/INBOX');
});

for (const [key, action] of [['r', 'reply'], ['a', 'replyAll'], ['f', 'forward']]) {
  test(`${key} on a message starts ${action}`, opts(), async () => {
    await onMessage('Reply by key');
    await page.keyboard.press(key);
    await untilUrl(/\/compose/);
    assert.equal(await page.inputValue('input[name=reference_action]'), action);
  });
}

test('c opens compose', opts(), async () => {
  await onList();
  await page.keyboard.press('c');
  await untilUrl(/\/compose/);
  await page.locator('#compose-form').waitFor({ timeout: EFFECT_MS });
});

for (const [key, subject, folder] of [['e', 'Archive by key', 'Archive'], ['#', 'Delete by key', 'Trash'], ['!', 'Spam by key', 'Junk']]) {
  test(`${key} on a message moves it to ${folder}`, opts(), async () => {
    await onMessage(subject);
    const before = folderCounts(user.user)[folder].messages;
    await page.keyboard.press(key);
    await eventually(() => folderCounts(user.user)[folder].messages === before + 1, { timeout: EFFECT_MS, message: `a message in ${folder}` });
    await backOnList();
    assert.equal(matching(['mailbox', folder, 'subject', subject]), 1);
  });
}

test('s flags the message', opts(), async () => {
  await onMessage('Flag by key');
  await page.keyboard.press('s');
  await eventually(() => matching(['mailbox', 'INBOX', 'flagged', 'subject', 'Flag by key']) === 1, { timeout: EFFECT_MS, message: 'the message flagged' });
  await backOnList();
});

test('Shift+U marks the open message unread', opts(), async () => {
  await onMessage('Read state by key');
  // The page's script marks it read just after it shows.
  await eventually(() => unseen('Read state by key') === 0, { timeout: EFFECT_MS, message: 'opening marked it read' });
  await page.keyboard.press('Shift+KeyU');
  await eventually(() => unseen('Read state by key') === 1, { timeout: EFFECT_MS, message: 'unread after Shift+U' });
  await backOnList();
});

test('Shift+I marks the selected message read', opts(), async () => {
  await onList();
  const target = (await page.$$eval('#message-list td.subject a', (a) => a.map((x) => x.textContent.trim()))).indexOf('Nav three');
  assert.equal(unseen('Nav three'), 1);
  for (let i = 0; i < 20 && (await selectedRow()) !== target; i++) await page.keyboard.press('j');
  assert.equal(await selectedRow(), target, 'j reaches the row');
  await page.keyboard.press('Shift+KeyI');
  await eventually(() => unseen('Nav three') === 0, { timeout: EFFECT_MS, message: 'read after Shift+I' });
});

test('/ focuses the search box', opts(), async () => {
  await onList();
  await page.keyboard.press('/');
  await eventually(() => page.evaluate(() => document.activeElement?.id === 'q'), { timeout: EFFECT_MS, message: '#q focused' });
  assert.equal(await page.inputValue('#q'), '', 'the slash is not typed into the box');
});

test('g then i goes to the inbox', opts(), async () => {
  await onList();
  await Promise.all([page.waitForURL((url) => url.pathname !== '/mail/INBOX'), folderLink(page, 'Sent').click()]);
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('g');
  await page.keyboard.press('i');
  await untilUrl((url) => url.pathname === '/mail/INBOX');
});

test('? shows the shortcut help', opts(), async () => {
  await onList();
  await page.keyboard.press('?');
  const help = page.locator('dialog[open], [role=dialog]:visible');
  await help.first().waitFor({ state: 'visible', timeout: EFFECT_MS });
  assert.match(await help.first().textContent(), /\bj\b/, 'the help lists the shortcuts');
});

test('shortcuts stay out of the way while typing', opts(), async () => {
  await onList();
  await page.click('#q');
  await page.keyboard.type('jk/c');
  assert.equal(await page.inputValue('#q'), 'jk/c');
  assert.equal(new URL(page.url()).pathname, '/mail/INBOX', 'typing c in the search box does not open compose');
});
