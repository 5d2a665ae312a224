// 11. Page weight: the mail view (/mail/INBOX) with its CSS and JS, as transferred with
// Accept-Encoding: gzip, br, at most 60 KB. Without compression on the server, the gzip size
// is computed here (node zlib) and asserted on instead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { launch, withContext, newUsers, login, fill, BASE_URL } from '../lib/harness.js';
import { decode } from '../lib/decode.js';

const LIMIT = 60 * 1024;
let browser;
let user;
before(async () => {
  browser = await launch();
  [user] = await newUsers('weight');
  fill(user.user, 120, 3); // more than a page: the list shows a full page of 50
});
after(async () => { await browser?.close(); });

/** GET without decoding: the bytes as they came over the wire, and the headers. */
function fetchRaw(path, cookie) {
  return new Promise((resolve, reject) => {
    const request = http.get(new URL(path, BASE_URL), { headers: { 'accept-encoding': 'gzip, br', cookie } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

test('the mail view with its CSS and JS weighs at most 60 KB compressed', { timeout: 60000 }, async (t) => {
  const cookie = await withContext(browser, 'weight', {}, async (context) => {
    const page = await context.newPage();
    await login(page, user);
    return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  });
  const page = await fetchRaw('/mail/INBOX', cookie);
  assert.equal(page.status, 200);
  const html = decode(page).toString('utf8');
  assert.match(html, /id="message-list"/, 'a full list page');
  const assets = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"|<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"|<script[^>]+src="([^"]+)"/g)]
    .map((m) => m[1] || m[2] || m[3]);
  assert.ok(assets.some((a) => /\.css/.test(a)) && assets.some((a) => /\.js/.test(a)), `CSS and JS found: ${assets}`);
  const rows = [{ path: '/mail/INBOX', ...page }];
  for (const path of assets) {
    const response = await fetchRaw(path, cookie);
    assert.equal(response.status, 200, path);
    rows.push({ path, ...response });
  }
  const sizes = rows.map((r) => {
    const plain = decode(r);
    return {
      path: r.path,
      encoding: r.headers['content-encoding'] || 'none',
      transferred: r.body.length,
      uncompressed: plain.length,
      gzipComputed: gzipSync(plain).length,
    };
  });
  const sum = (key) => sizes.reduce((total, s) => total + s[key], 0);
  const compressed = sizes.every((s) => s.encoding !== 'none');
  const figure = compressed ? sum('transferred') : sum('gzipComputed');
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  for (const s of sizes) t.diagnostic(`${s.path}: ${s.encoding} ${kb(s.transferred)} transferred, ${kb(s.uncompressed)} uncompressed, ${kb(s.gzipComputed)} gzip (zlib)`);
  t.diagnostic(compressed
    ? `page weight: ${kb(figure)} transferred (${figure} bytes; ${kb(sum('uncompressed'))} uncompressed)`
    : `page weight: server does not compress; ${kb(sum('uncompressed'))} uncompressed, ${kb(figure)} gzip-computed (${figure} bytes)`);
  console.log(`page weight of /mail/INBOX + CSS + JS: ${figure} bytes (${kb(figure)}, ${compressed ? 'as transferred' : 'gzip computed'})`);
  writeFileSync(`${process.env.E2E_ARTIFACTS || '.'}/page-weight.json`, `${JSON.stringify({ figure, compressed, sizes }, null, 2)}\n`);
  assert.ok(figure <= LIMIT, `page weight ${figure} bytes > ${LIMIT}`);
});
