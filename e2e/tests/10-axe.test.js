// 10. Accessibility: axe-core on the login, list, message and compose pages in light and dark.
// No serious or critical violation; the whole report goes to e2e/axe-report.json every run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { launch, withContext, newUsers, saveMessage, message, login, openMessage } from '../lib/harness.js';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const axeVersion = require('axe-core/package.json').version;
const REPORT = fileURLToPath(new URL('../axe-report.json', import.meta.url));
let browser;
let user;
before(async () => {
  browser = await launch();
  [user] = await newUsers('axe');
  saveMessage(user.user, message({
    from: 'Ada Lovelace <ada@analytical.example>', to: user.user, subject: 'Notes on the engine',
    html: '<h2>Notes</h2><p>The figures are <a href="https://analytical.example/figures">online</a> and attached.</p><img src="https://images.example/chart.png" alt="chart">',
    attachments: [{ name: 'figures.csv', type: 'text/csv', content: 'a,b\n1,2\n' }],
  }));
  saveMessage(user.user, message({ from: 'Grace Hopper <grace@navy.example>', to: user.user, subject: 'Compiler meeting', date: 'Mon, 11 Mar 2024 10:00:00 +0000', text: 'Thursday?' }));
});
after(async () => { await browser?.close(); });

/** Runs axe on the page (not into the sandboxed body frame, which allows no script). */
async function audit(page) {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { iframes: false, resultTypes: ['violations'] });
    return {
      rulesPassed: result.passes.length,
      violations: result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), impact: n.impact, summary: n.failureSummary, html: n.html.slice(0, 300) })),
      })),
    };
  });
}

test('no serious or critical axe violations on login, list, message and compose, light and dark', { timeout: 120000 }, async () => {
  const report = { generated: new Date().toISOString(), axe: axeVersion, pages: [] };
  const pages = {
    login: async (page) => { await page.goto('/login'); },
    list: async (page) => { await page.goto('/mail/INBOX'); },
    message: async (page) => { await page.goto('/mail/INBOX'); await openMessage(page, 'Notes on the engine'); await page.frameLocator('iframe.message-body').locator('h2').waitFor(); },
    compose: async (page) => { await page.goto('/compose'); await page.locator('#compose-form').waitFor(); },
  };
  for (const colorScheme of ['light', 'dark']) {
    // bypassCSP only here: the app's CSP (rightly) refuses the injected axe script.
    await withContext(browser, `axe-${colorScheme}`, { colorScheme, bypassCSP: true }, async (context) => {
      const page = await context.newPage();
      for (const [name, open] of Object.entries(pages)) {
        if (name === 'list') await login(page, user);
        await open(page);
        const { rulesPassed, violations } = await audit(page);
        assert.ok(rulesPassed > 10, `axe really ran on ${name} (${rulesPassed} rules passed)`);
        report.pages.push({ page: name, colorScheme, url: new URL(page.url()).pathname, rulesPassed, violations });
      }
    });
  }
  writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
  const serious = report.pages.flatMap((p) => p.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${p.page}/${p.colorScheme}: ${v.id} (${v.impact}) ${n.target}`)));
  const unique = [...new Set(serious)];
  assert.deepEqual(unique, [], `serious/critical axe violations (full report: e2e/axe-report.json):\n  ${unique.join('\n  ')}`);
});
