// Shared helpers for the end-to-end suite: the rig (users, seeding mail), the browser, logging in.
// scripts/e2e.sh starts the rig and Letterbox and passes them in through E2E_* variables.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite through scripts/e2e.sh`);
  return value;
}

export const BASE_URL = required('E2E_BASE_URL').replace(/\/$/, '');
export const RIG_DIR = required('E2E_RIG_DIR');
export const REPO_DIR = required('E2E_REPO_DIR');
export const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';

export const rig = Object.fromEntries(
  readFileSync(`${RIG_DIR}/rig.env`, 'utf8')
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

export const ALICE = { user: 'alice@example.test', password: 'alice-secret-pw' };
export const BOB = { user: 'bob@example.test', password: 'bob-secret-pw' };
export const DEMO = { user: 'demo@example.test', password: 'demo-pw' };

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs doveadm against the suite's private Dovecot; returns stdout. */
export function doveadm(args, input) {
  return execFileSync('doveadm', ['-c', rig.RIG_DOVECOT_CONF, ...args], { input, encoding: 'utf8' });
}

/**
 * Fresh rig users (like tests/common/mod.rs `new_user`): one passwd-file line each, then a wait
 * until Dovecot (which re-reads the file at most once a second) accepts each one's password.
 */
export async function newUsers(...labels) {
  const template = readFileSync(`${RIG_DIR}/users`, 'utf8').split('\n')[0].split(':');
  const [uid, gid] = [template[2], template[3]];
  const users = labels.map((label) => {
    const unique = `e2e-${label}-${randomBytes(4).toString('hex')}`;
    const user = `${unique}@example.test`;
    const password = `pw-${unique}`;
    appendFileSync(`${RIG_DIR}/users`, `${user}:{PLAIN}${password}:${uid}:${gid}::${RIG_DIR}/mail/example.test/${unique}\n`);
    return { user, password };
  });
  for (const { user, password } of users) {
    await eventually(() => authenticates(user, password), { interval: 100, message: `Dovecot to accept the new user ${user}` });
  }
  return users;
}

/** Whether the suite's Dovecot accepts `user` with `password` (`doveadm auth test`). */
function authenticates(user, password) {
  try {
    execFileSync('doveadm', ['-c', rig.RIG_DOVECOT_CONF, 'auth', 'test', user, password], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Saves one message (RFC 5322 text) into a user's folder. */
export function saveMessage(user, raw, mailbox = 'INBOX') {
  doveadm(['save', '-u', user, '-m', mailbox], raw);
}

/** Fills a user's INBOX with the rig's varied sample messages (scripts/rig/fill.py). */
export function fill(user, count, seed = 1) {
  execFileSync('python3', [`${REPO_DIR}/scripts/rig/fill.py`, '--dir', RIG_DIR, '--user', user, '--count', String(count), '--seed', String(seed)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Folder names → message counts as Dovecot itself sees them. */
export function folderCounts(user) {
  const out = doveadm(['-f', 'tab', 'mailbox', 'status', '-u', user, 'messages unseen', '*']);
  const counts = {};
  for (const line of out.trim().split('\n').slice(1)) {
    const [name, messages, unseen] = line.split('\t');
    counts[name] = { messages: Number(messages), unseen: Number(unseen) };
  }
  return counts;
}

let counter = 0;
/**
 * A message as text. `html` and/or `text` bodies; `attachments` [{ name, type, content }].
 * Dates are fixed by default so that screenshots stay the same from run to run.
 */
export function message({ from, to, subject, date = 'Tue, 12 Mar 2024 09:30:00 +0000', text, html, attachments = [], cc, extraHeaders = [] }) {
  const id = `<e2e-${Date.now()}-${counter++}-${randomBytes(3).toString('hex')}@example.test>`;
  const boundary = (tag) => `=_e2e_${tag}_${randomBytes(6).toString('hex')}`;
  const headers = [`From: ${from}`, `To: ${to}`, ...(cc ? [`Cc: ${cc}`] : []), `Subject: ${subject}`, `Date: ${date}`, `Message-ID: ${id}`, 'MIME-Version: 1.0', ...extraHeaders];
  const part = (type, body) => `Content-Type: ${type}; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${body}\n`;
  let body;
  if (text !== undefined && html !== undefined) {
    const b = boundary('alt');
    body = `Content-Type: multipart/alternative; boundary="${b}"\n\n--${b}\n${part('text/plain', text)}--${b}\n${part('text/html', html)}--${b}--\n`;
  } else if (html !== undefined) {
    body = part('text/html', html);
  } else {
    body = part('text/plain', text ?? '');
  }
  if (attachments.length) {
    const b = boundary('mix');
    const files = attachments
      .map((a) => `--${b}\nContent-Type: ${a.type || 'application/octet-stream'}; name="${a.name}"\nContent-Disposition: attachment; filename="${a.name}"\nContent-Transfer-Encoding: base64\n\n${Buffer.from(a.content).toString('base64').replace(/.{76}/g, '$&\n')}\n`)
      .join('');
    body = `Content-Type: multipart/mixed; boundary="${b}"\n\n--${b}\n${body}${files}--${b}--\n`;
  }
  return `${headers.join('\n')}\n${body}`;
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A browser context on Letterbox; `options` go to browser.newContext. */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ baseURL: BASE_URL, locale: 'en-US', viewport: { width: 1280, height: 800 }, ...options });
  context.setDefaultTimeout(15000);
  context.setDefaultNavigationTimeout(20000);
  return context;
}

/** Logs in through the login form and waits for the inbox. */
export async function login(page, { user, password }) {
  await page.goto('/login');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(/\/mail\/INBOX/), page.click('form.stack button[type=submit]')]);
}

/** Polls `check` (sync or async) until it returns a truthy value or `timeout` ms pass. */
export async function eventually(check, { timeout = 10000, interval = 200, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message}${last ? `: ${last.message}` : ''}`);
    await sleep(interval);
  }
}

/**
 * Waits until the page and every frame in it have finished loading, images included, so the
 * requests, dialogs and popups that an action set off have been reported: the condition to check
 * "nothing happened" on, instead of a fixed pause.
 */
export async function loaded(page, { timeout = 10000 } = {}) {
  await page.waitForLoadState('load', { timeout });
  for (const frame of page.frames()) {
    await frame.waitForFunction(() => document.readyState === 'complete' && [...document.images].every((img) => img.complete), null, { timeout });
  }
}

/** The list rows' subjects, top to bottom. */
export async function listSubjects(page) {
  return page.$$eval('#message-list tbody tr td.subject a', (links) => links.map((a) => a.textContent.trim()));
}

/** Opens the message whose subject link has this text. */
export async function openMessage(page, subject) {
  // Clicked near its start: a long subject runs on under the cell's ellipsis (and the next cell).
  const link = page.locator(`#message-list td.subject a:text-is(${JSON.stringify(subject)})`);
  await Promise.all([page.waitForURL(/\/mail\/[^/]+\/[^/?]+/), link.click({ position: { x: 4, y: 4 } })]);
}

/** page.goto that first lets a navigation still under way (a form the page just sent) finish. */
export async function gotoSettled(page, url) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await page.goto(url);
    } catch (error) {
      if (attempt >= 3 || !/interrupted by another navigation/.test(error.message)) throw error;
      await sleep(250);
      await page.waitForLoadState('load').catch(() => {});
    }
  }
}

const ARTIFACTS = process.env.E2E_ARTIFACTS;

/**
 * Runs `fn(context)` in a fresh browser context and closes it afterwards; when `fn` throws,
 * every open page is screenshotted into e2e/artifacts/ first (named after `label`).
 */
export async function withContext(browser, label, options, fn) {
  const context = await newContext(browser, options);
  try {
    return await fn(context);
  } catch (error) {
    if (ARTIFACTS) {
      const safe = label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      await Promise.all(
        context.pages().map((page, i) => page.screenshot({ path: `${ARTIFACTS}/fail-${safe}-${i}.png`, fullPage: true }).catch(() => {})),
      );
    }
    throw error;
  } finally {
    await context.close().catch(() => {});
  }
}

/** The folder-list link for a folder name (Archive, Junk, …). */
export function folderLink(page, name) {
  return page.locator('#folder-list li a', { has: page.locator(`.folder-name:text-is(${JSON.stringify(name)})`) });
}

/** The "1–3 of 3 · 1 unread" line of the list page, parsed. */
export async function listCounts(page) {
  const text = (await page.textContent('#counts')).replace(/\s+/g, ' ');
  const total = /of (\d+)/.exec(text);
  const unread = /(\d+) unread/.exec(text);
  return { total: total ? Number(total[1]) : /No messages/.test(text) ? 0 : NaN, unread: unread ? Number(unread[1]) : NaN, text };
}
