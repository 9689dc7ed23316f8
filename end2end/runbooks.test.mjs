// Browser test of a service's runbook page: a member of the owning team writes the first
// version with a failure mode, sees it rendered (and its raw HTML inert), marks it reviewed,
// edits it, and compares the two versions — each state checked with axe-core.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { assertAccessible, launchBrowser, openPage, pageTests, signInContext, until, useServer } from './harness.mjs';

let server;
/** Signed in as ktanaka, a member of Platform, which owns the `steward` service. */
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

e2e('a member writes a runbook with a failure mode, marks it reviewed, edits it and compares the versions', async (page) => {
  const slug = 'steward';
  await openPage(server, page, `/services/${slug}`);
  await page.locator('#runbook-link').click();
  await page.waitForURL((url) => url.pathname === `/services/${slug}/runbook`);
  await page.locator('#no-runbook').waitFor();

  // The first version: the form is open at once for the owners.
  const form = page.locator('#runbook-form');
  await form.locator('#fm-0-symptom').fill('Pages answer 500');
  await form.locator('#fm-0-confirm').fill('GET /readyz answers 503');
  await form.locator('#fm-0-mitigation').fill('Restart the pod; check the database URL');
  await form.locator('#fm-0-escalateTo').fill('Platform on call');
  // A bad link is refused with the API's message next to its field.
  await form.locator('#add-link').click();
  await form.locator('#link-0-title').fill('Logs');
  await form.locator('#link-0-url').fill('javascript:alert(1)');
  await form.locator('#runbook-body').fill('# Steward\n\nRestart **first**.\n\n<script>window.pwned = 1</script>');
  await form.locator('#save-runbook').click();
  await form.locator('#link-0-url-error').waitFor();
  await form.locator('#link-0-url').fill('https://logs.example.com/steward');
  await form.locator('#runbook-note').fill('first version');
  await form.locator('#save-runbook').click();
  await form.waitFor({ state: 'detached' });

  const modes = page.locator('#failure-modes');
  await until('the failure mode to show', async () => (await modes.textContent()).includes('Pages answer 500'));
  assert.match(await modes.textContent(), /Escalate to\s*Platform on call/);
  const text = page.locator('#runbook-text .markdown');
  assert.equal(await text.locator('h1').textContent(), 'Steward');
  assert.equal(await text.locator('strong').textContent(), 'first');
  assert.equal(await text.locator('script').count(), 0);
  assert.match(await text.textContent(), /<script>window\.pwned = 1<\/script>/);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator('#runbook-links a').getAttribute('href'), 'https://logs.example.com/steward');
  assert.match(await page.locator('#last-reviewed').textContent(), /by ktanaka/);
  await assertAccessible(page, 'the runbook page');

  // Mark reviewed: recorded at once, no new version.
  await page.locator('#mark-reviewed').click();
  await page.locator('#review-status', { hasText: 'Marked reviewed by ktanaka' }).waitFor();
  assert.equal(await page.locator('#runbook-versions tbody tr').count(), 1);

  // The second version, then the difference.
  await page.locator('#edit-runbook').click();
  await form.locator('#fm-0-mitigation').fill('Restart the pod');
  await form.locator('#add-failure-mode').click();
  await form.locator('#fm-1-symptom').fill('Sign-in loops');
  await form.locator('#runbook-note').fill('second failure mode');
  await assertAccessible(page, 'the runbook editor');
  await form.locator('#save-runbook').click();
  await form.waitFor({ state: 'detached' });
  await until('two versions in the history', async () => (await page.locator('#runbook-versions tbody tr').count()) === 2);
  assert.match(await modes.textContent(), /Sign-in loops/);

  assert.equal(await page.locator('#compare-from').inputValue(), '1');
  assert.equal(await page.locator('#compare-to').inputValue(), '2');
  await page.locator('#compare').click();
  const diff = page.locator('#runbook-diff');
  await diff.waitFor();
  assert.match(await diff.locator('del').first().textContent(), /Restart the pod; check the database URL/);
  const added = await diff.locator('ins').allTextContents();
  assert.ok(added.some((l) => l.includes('Mitigation  Restart the pod')), added.join('\n'));
  assert.ok(added.some((l) => l.includes('2. Symptom: Sign-in loops')), added.join('\n'));
  await assertAccessible(page, 'the runbook page with a difference');
});
