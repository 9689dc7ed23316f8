// Browser test of an incident from declaration to its fixes: a member declares one on a
// service, names the commander, records the milestones (one out of order first), hands
// command over, adds a note and the three fixes, sees the future fix's GitHub issue (filed on
// a fake GitHub), and finds the expired dirty fix at the top of the owning team's backlog.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { assertAccessible, launchBrowser, openPage, pageTests, until, signInContext, useServer } from './harness.mjs';

let server;
/** Signed in as ktanaka, a member of Developer Experience, which owns `steward`. */
let member;

before(async () => {
  server = await useServer();
  member = await launchBrowser();
  await signInContext(member.context, server, 'ktanaka');
});

after(async () => {
  await member?.close();
  await server?.stop();
});

const e2e = pageTests(
  () => server,
  () => member.context,
);

const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

e2e('an incident is declared, commanded, timed, handed over and fixed in three tiers', async (page) => {
  await openPage(server, page, '/incidents');
  await page.locator('#declare-title').fill('Catalogue pages answer 502');
  await page.locator('#declare-severity').selectOption('SEV2');
  await page.locator('#declare-services').fill('steward');
  await page.locator('#declare-commander').fill('ktanaka');
  await assertAccessible(page, 'the incidents page');
  await page.locator('#declare').click();
  await page.waitForURL((url) => /^\/incidents\/\d+$/.test(url.pathname));
  await page.locator('#incident-commander', { hasText: 'ktanaka' }).waitFor();
  await page.locator('#incident-services', { hasText: 'Steward' }).waitFor();

  // Milestones: acknowledged before detected is refused with the field named.
  const now = Date.now();
  const detected = iso(new Date(now - 50 * 60_000));
  await page.locator('#ms-startedAt').fill(iso(new Date(now - 60 * 60_000)));
  await page.locator('#ms-detectedAt').fill(detected);
  await page.locator('#ms-acknowledgedAt').fill(iso(new Date(now - 55 * 60_000)));
  await page.locator('#save-milestones').click();
  await page.locator('#milestones-form .field.has-error', { hasText: 'must not be before detectedAt' }).waitFor();
  await page.locator('#ms-acknowledgedAt').fill(iso(new Date(now - 45 * 60_000)));
  await page.locator('#ms-mitigatedAt').fill(iso(new Date(now - 30 * 60_000)));
  await page.locator('#ms-status').selectOption('mitigated');
  // Command passes to Jonas Weber.
  await page.locator('#ms-commander').fill('jweber');
  await page.locator('#save-milestones').click();
  await page.locator('#milestones-status', { hasText: 'Saved' }).waitFor();
  await page.locator('#incident-status', { hasText: 'mitigated' }).waitFor();
  await page.locator('#incident-handovers', { hasText: 'ktanaka → jweber' }).waitFor();
  await page.locator('#incident-timeline', { hasText: 'command handed over: ktanaka → jweber' }).waitFor();

  await page.locator('#note-text').fill('Rolled back the 4.2 release');
  await page.locator('#add-note').click();
  await page.locator('#incident-timeline', { hasText: 'Rolled back the 4.2 release' }).waitFor();

  // The three fixes. The dirty one was applied three weeks ago: its default expiry is past.
  const form = page.locator('#fix-form');
  await form.locator('#fix-tier').selectOption('short-term');
  await form.locator('#fix-title').fill('Pinned the connection pool to 4');
  await form.locator('#fix-appliedAt').fill(iso(new Date(now - 21 * 86_400_000)));
  await form.locator('#add-fix').click();
  await page.locator('#fixes tbody tr', { hasText: 'Pinned the connection pool to 4' }).waitFor();
  const shortId = (await page.locator('#fixes tbody tr').first().locator('td').first().textContent()).trim();

  await form.locator('#fix-tier').selectOption('proper');
  await form.locator('#fix-title').fill('Size the pool from the database limits');
  await form.locator('#add-fix').click();
  await page.locator('#fix-form .field.has-error', { hasText: 'a proper fix needs a due date' }).waitFor();
  await form.locator('#fix-dueAt').fill(iso(new Date(now + 10 * 86_400_000)));
  await form.locator('#fix-retires').fill(shortId);
  await form.locator('#add-fix').click();
  await page.locator('#fixes tbody tr', { hasText: 'Size the pool from the database limits' }).waitFor();

  await form.locator('#fix-tier').selectOption('future');
  await form.locator('#fix-title').fill('One connection budget per database');
  await form.locator('#fix-description').fill('Each service sized its pool alone; together they exceeded the limit.');
  await form.locator('#fix-whyItMatters').fill('Any new service can take the database down again.');
  await form.locator('#fix-direction').fill('A shared budget, enforced by the platform library.');
  await form.locator('#add-fix').click();
  await page.locator('#fixes tbody tr', { hasText: 'One connection budget per database' }).waitFor();
  assert.equal(await page.locator('#fixes tbody tr').count(), 3);
  await assertAccessible(page, 'the incident page');

  // The future fix is filed as an issue in steward's repository (a fake GitHub here); its
  // link shows once GitHub has answered.
  const incidentPath = new URL(page.url()).pathname;
  const issue = page.locator('#fixes tbody tr', { hasText: 'One connection budget per database' }).locator('a.github-issue');
  await until('the future fix to be filed on GitHub', async () => {
    await openPage(server, page, incidentPath);
    await page.locator('#fixes').waitFor();
    return (await issue.count()) === 1;
  }, { timeout: 20_000, interval: 500 });
  assert.match(await issue.textContent(), /^northwind\/steward#\d+$/);
  assert.match(await issue.getAttribute('href'), /^https:\/\/github\.com\/northwind\/steward\/issues\/\d+$/);
  await assertAccessible(page, 'the incident page with the GitHub link');

  // The team's backlog: the expired dirty fix first.
  await openPage(server, page, '/teams/developer-experience/fixes');
  const first = page.locator('#fixes tbody tr').first();
  await first.waitFor();
  await until('the expired dirty fix to lead', async () =>
    (await first.textContent()).includes('Pinned the connection pool to 4'));
  assert.match(await first.textContent(), /short-term/);
  assert.match(await first.textContent(), /expired/);
  assert.match(await page.locator('#fix-counts').textContent(), /1 short-term \(1 expired\), 1 proper \(0 overdue\), 1 future/);
  assert.equal(await page.locator('#fixes-csv').getAttribute('href'), '/api/v1/fixes.csv?team=developer-experience');
  await assertAccessible(page, 'the team backlog');

  // Response times of the service's incidents: median and p90, from the milestones above.
  await openPage(server, page, '/incidents?service=steward');
  const metrics = page.locator('#incident-metrics');
  await metrics.waitFor();
  assert.match(await metrics.locator('tr', { hasText: 'detect' }).textContent(), /10 min 00 s\s*10 min 00 s\s*1/);
  assert.match(await metrics.locator('tr', { hasText: 'mitigate' }).textContent(), /30 min 00 s/);
  assert.match(await metrics.locator('tr', { hasText: 'resolve' }).textContent(), /—\s*—\s*0/);
  await assertAccessible(page, 'the incidents page with response times');

  // The organisation's backlog holds the same three.
  await page.locator('#all-fixes').click();
  await page.waitForURL((url) => url.pathname === '/fixes');
  await page.locator('#fix-counts', { hasText: '1 short-term (1 expired)' }).waitFor();
});
