// Browser tests of the decay checks' pages: the scorecards overview, a team's grid, a
// service's scorecard panel with "Check now", rules with a dry run, jobs with "Run now" —
// against the same `steward serve --demo` as the other browser tests (see run.mjs), each page
// also checked with axe-core.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import {
  assertAccessible,
  launchBrowser,
  openPage,
  pageTests,
  signInContext,
  signInCookie,
  until,
  useServer,
} from './harness.mjs';

let server;
/** Signed in as the admin. */
let browser;
/** Signed in as ktanaka, a member of Platform. */
let member;
let adminCookie;
let memberCookie;

before(async () => {
  server = await useServer();
  [browser, member] = [await launchBrowser(), await launchBrowser()];
  adminCookie = await signInCookie(server, 'admin');
  memberCookie = await signInCookie(server, 'ktanaka');
  await signInContext(browser.context, server, 'admin');
  await signInContext(member.context, server, 'ktanaka');
});

after(async () => {
  await browser?.close();
  await member?.close();
  await server?.stop();
});

const e2e = pageTests(
  () => server,
  () => browser.context,
);
const open = (page, path) => openPage(server, page, path);

/** `/api/v1{path}` as JSON with the status, as the admin unless another cookie is given. */
async function api(path, { method = 'GET', body, cookie = adminCookie } = {}) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { cookie, 'content-type': 'application/json', origin: server.url },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const percentText = (p) => `${p.toFixed(1)}%`;
const LEVELS = ['none', 'bronze', 'silver', 'gold'];

/** The rule about descriptions, looked up by what it checks rather than by its id. */
async function descriptionRule() {
  const { status, body } = await api('/rules');
  assert.equal(status, 200);
  const rule = body.find((r) => /description/i.test(r.title) && r.category === 'catalog');
  assert.ok(rule, `a rule about descriptions among ${body.map((r) => r.id)}`);
  return rule;
}

// ---------------------------------------------------------------------------------------------

e2e(
  'a member sees a failing rule on their service, adds the description, checks now, and sees it resolved and the level rise',
  async (page) => {
    // A service of Platform that reaches Gold in the demo: without a description it has no level.
    const slug = 'cloud-cost-exporter';
    const rule = await descriptionRule();
    // The demo describes every service: the admin clears this one's description in the edit
    // form and has it checked, so that the rule fails for it.
    const adminPage = await browser.context.newPage();
    try {
      await open(adminPage, `/services/${slug}/edit`);
      await adminPage.locator('#service-form #description').fill('');
      await adminPage.locator('#service-form button[type="submit"]').click();
      await adminPage.waitForURL((url) => url.pathname === `/services/${slug}`);
    } finally {
      await adminPage.close();
    }
    assert.equal((await api(`/services/${slug}`)).body.description, null);
    const checked = await api(`/services/${slug}/scorecard/check`, { method: 'POST' });
    assert.equal(checked.status, 200, JSON.stringify(checked.body));
    const before = checked.body;
    assert.equal(before.rules.find((r) => r.rule === rule.id)?.status, 'fail');

    await open(page, `/services/${slug}`);
    const panel = page.locator('#service-scorecard');
    const failing = panel.locator(`#failing-rules [data-rule="${rule.id}"]`);
    await failing.waitFor();
    assert.match(await failing.textContent(), /no description/);
    assert.match(await failing.locator('.how-to-fix').textContent(), /How to fix/);
    assert.equal((await panel.locator('#service-percent').textContent()).trim(), percentText(before.percent));
    assert.equal(await panel.locator('#service-level [data-level]').getAttribute('data-level'), before.level);
    await assertAccessible(page, 'the service page with its scorecard');

    // The fix: a description, through the edit form.
    await page.locator(`a[href="/services/${slug}/edit"]`).click();
    await page.waitForURL((url) => url.pathname === `/services/${slug}/edit`);
    const form = page.locator('#service-form');
    await form.locator('#description').fill('Daily job attributing cloud bills to services by their ownership tags.');
    await form.locator('button[type="submit"]').click();
    await page.waitForURL((url) => url.pathname === `/services/${slug}`);

    // "Check now" re-evaluates the service and the panel shows the answer in place.
    const checkNow = page.locator('#check-now');
    await checkNow.waitFor();
    await checkNow.click();
    await page.locator('#check-status', { hasText: 'Checked' }).waitFor();
    await page.locator(`#failing-rules [data-rule="${rule.id}"]`).waitFor({ state: 'detached' });
    await page.locator(`#other-rules [data-rule="${rule.id}"] [data-status="pass"]`).waitFor({ state: 'attached' });

    const after = (await api(`/services/${slug}/scorecard`)).body;
    assert.ok(after.percent > before.percent, `the percentage rises: ${before.percent} → ${after.percent}`);
    assert.ok(
      LEVELS.indexOf(after.level) > LEVELS.indexOf(before.level),
      `the level rises: ${before.level} → ${after.level}`,
    );
    assert.equal((await panel.locator('#service-percent').textContent()).trim(), percentText(after.percent));
    assert.equal(await panel.locator('#service-level [data-level]').getAttribute('data-level'), after.level);
    const findings = (await api(`/findings?service=${slug}&rule=${encodeURIComponent(rule.id)}&state=all`)).body;
    assert.deepEqual(
      findings.items.map((f) => f.state),
      ['resolved'],
      'the one finding is resolved, not deleted or duplicated',
    );
  },
  { context: () => member.context },
);

e2e('an admin exempts a failing rule on a service page and it counts as passing', async (page) => {
  const slug = 'payment-webhooks';
  const before = (await api(`/services/${slug}/scorecard`)).body;
  const failing = before.rules.find((r) => r.status === 'fail');
  assert.ok(failing, `${slug} fails a rule in the demo`);

  await open(page, `/services/${slug}`);
  const article = page.locator(`#failing-rules [data-rule="${failing.rule}"]`);
  await article.locator('details.exempt summary').click();
  const form = article.locator('details.exempt form');
  // Too short a reason: the API's message, next to the field.
  await form.locator('input[name="reason"]').fill('no');
  await form.locator('button[type="submit"]').click();
  await form.locator('#reason-error').waitFor();
  await form.locator('input[name="reason"]').fill('The escalation policy moves to the new paging tool next month.');
  await form.locator('button[type="submit"]').click();
  await page.locator(`#exemptions [data-rule="${failing.rule}"]`).waitFor();
  await article.waitFor({ state: 'detached' });
  assert.match(await page.locator('#exemptions').textContent(), /new paging tool.*approved by admin/s);

  const after = (await api(`/services/${slug}/scorecard`)).body;
  assert.equal(after.rules.find((r) => r.rule === failing.rule).status, 'exempt');
  assert.equal((await page.locator('#service-percent').textContent()).trim(), percentText(after.percent));
  const exemptions = (await api(`/exemptions?service=${slug}`)).body;
  assert.deepEqual(exemptions.map((e) => e.rule), [failing.rule]);

  // Revoked from the same panel: the rule fails and counts again at once.
  await page.locator(`#exemptions [data-rule="${failing.rule}"] button[data-revoke]`).click();
  await page.locator(`#failing-rules [data-rule="${failing.rule}"]`).waitFor();
  await page.locator('#exemptions').waitFor({ state: 'detached' });
  const revoked = (await api(`/services/${slug}/scorecard`)).body;
  assert.equal(revoked.rules.find((r) => r.rule === failing.rule).status, 'fail');
  assert.equal(revoked.percent, before.percent, 'the score is back where it was');
  assert.equal((await page.locator('#service-percent').textContent()).trim(), percentText(before.percent));
  assert.deepEqual((await api(`/exemptions?service=${slug}`)).body, [], 'none in force');
  const history = (await api(`/exemptions?service=${slug}&all=true`)).body;
  assert.equal(history.length, 1, 'the revoked exemption is kept, not deleted');
  assert.ok(history[0].revokedAt && !history[0].active);
});

e2e('the findings list is reached from the overview, filters by the URL, and matches the API', async (page) => {
  const org = (await api('/scorecards/maintenance')).body;
  await open(page, '/scorecards');
  await page.locator('#org-open').click();
  await page.waitForURL((url) => url.pathname === '/findings');
  await page.locator('#result-count').waitFor();
  assert.match(await page.locator('#result-count').textContent(), new RegExp(`^${org.openFindings} finding`));
  const all = (await api('/findings?limit=50')).body;
  const shown = await page.locator('#findings-table tr[data-finding]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.finding)));
  assert.deepEqual(shown, all.items.map((f) => f.id), 'the first page, in the API’s order');
  await assertAccessible(page, 'the findings list');

  // Filtered through the form: one team's findings of one severity.
  const sample = all.items.find((f) => f.owners.length > 0);
  assert.ok(sample, 'the demo has findings on owned services');
  const [team, severity] = [sample.owners[0], sample.severity];
  await page.locator('#findings-team').fill(team);
  await page.locator('#findings-severity').selectOption(severity);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((url) => url.searchParams.get('team') === team && url.searchParams.get('severity') === severity);
  const expected = (await api(`/findings?team=${team}&severity=${severity}&limit=50`)).body;
  await until('the rows to be the filtered findings', async () => {
    const ids = await page.locator('#findings-table tr[data-finding]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.finding)));
    return JSON.stringify(ids) === JSON.stringify(expected.items.map((f) => f.id));
  });
  assert.ok(expected.total < all.total || all.total <= 1, 'the filter narrows the list');
  const severities = await page.locator('#findings-table [data-severity]').evaluateAll((b) => b.map((x) => x.dataset.severity));
  assert.ok(severities.every((s) => s === severity));
  // A row leads to the service's scorecard.
  const row = page.locator(`#findings-table tr[data-finding="${expected.items[0].id}"] th a`);
  assert.equal(await row.getAttribute('href'), `/services/${expected.items[0].service}#service-scorecard`);

  // A filter nothing matches says so, with the way back.
  await open(page, '/findings?service=no-such-service');
  await page.locator('.empty-state a[href="/findings"]').waitFor();
});

e2e('the scorecards overview ranks teams lowest first and leads to a team’s grid', async (page) => {
  const org = (await api('/scorecards/maintenance')).body;
  assert.ok(org.services > 0);

  // Server-rendered: the figures and the chart are in the HTML, before any JavaScript.
  const html = await (await fetch(`${server.url}/scorecards`, { headers: { cookie: adminCookie } })).text();
  assert.match(html, new RegExp(`id="org-percent"[^>]*>${percentText(org.percent).replace('.', '\\.')}<`));
  if (org.history.length > 0) {
    assert.match(html, /<svg[^>]*role="img"[\s\S]*<title[^>]*>[\s\S]*<polyline/);
  }

  await open(page, '/scorecards');
  assert.equal((await page.locator('#org-percent').textContent()).trim(), percentText(org.percent));
  assert.equal((await page.locator('#org-open').textContent()).trim(), String(org.openFindings));
  assert.equal((await page.locator('#org-unknown').textContent()).trim(), String(org.unknownFindings));
  assert.equal(await page.locator('#stale-jobs').count(), org.staleJobs.length > 0 ? 1 : 0);
  for (const level of LEVELS) {
    const shown = await page.locator(`#org-levels li[data-level="${level}"] .count`).textContent();
    assert.equal(shown.trim(), String(org.levels[level]), `services at ${level}`);
  }
  const ranked = await page.locator('#team-ranking tr[data-team]').evaluateAll((rows) => rows.map((r) => r.dataset.team));
  assert.deepEqual(ranked, org.teams.map((t) => t.team));
  await page.locator('#admin-links a[href="/rules"]').waitFor();
  await assertAccessible(page, 'the scorecards overview');
  await page.emulateMedia({ colorScheme: 'dark' });
  await assertAccessible(page, 'the scorecards overview in dark mode');
  await page.emulateMedia({ colorScheme: 'light' });

  // The grid of Payments: a row per service, a cell per rule, each with a word.
  const team = (await api('/teams/payments/scorecard')).body;
  await page.locator('#team-ranking a[href="/teams/payments/scorecard"]').click();
  await page.waitForURL((url) => url.pathname === '/teams/payments/scorecard');
  await page.locator('#score-grid').waitFor();
  assert.equal((await page.locator('#team-percent').textContent()).trim(), percentText(team.percent));
  const grid = await page.locator('#score-grid tbody tr').evaluateAll((rows) =>
    rows.map((r) => [r.dataset.service, [...r.querySelectorAll('td.cell [data-status]')].map((c) => c.dataset.status)]),
  );
  assert.deepEqual(grid, team.services.map((s) => [s.service, s.cells]));
  const words = await page.locator('#score-grid td.cell .status-label').allTextContents();
  assert.ok(words.every((w) => w.trim().length > 0), 'every cell says its status in words');
  await page.locator('#status-legend').waitFor();
  assert.equal(await page.locator('#fix-first-list > li').count(), team.fixFirst.length);
  await assertAccessible(page, 'a team’s scorecard');

  // The team page links to it.
  await open(page, '/teams/payments');
  await page.locator('#team-scorecard[href="/teams/payments/scorecard"]').waitFor();
});

e2e('an admin dry-runs a rule’s new settings, sees the API’s field error, and runs the checks job', async (page) => {
  const rule = await descriptionRule();
  await open(page, '/rules');
  const rows = await page.locator('#rules-table tr[data-rule]').evaluateAll((r) => r.map((x) => x.dataset.rule));
  assert.deepEqual(rows, (await api('/rules')).body.map((r) => r.id));
  await assertAccessible(page, 'the rules');

  await page.locator(`#rules-table tr[data-rule="${rule.id}"] a`).click();
  await page.waitForURL((url) => url.pathname === `/rules/${rule.id}`);
  const form = page.locator('#rule-form');
  await form.waitFor();
  // A description must now be 400 characters long on tier 2: the dry run says who would fail.
  await form.locator('#thresholds-tier2').fill('400');
  const expected = await api(`/rules/${encodeURIComponent(rule.id)}/dry-run`, {
    method: 'POST',
    body: {
      enabled: rule.enabled,
      severity: rule.severity,
      level: rule.level,
      weight: rule.weight,
      applies: rule.applies,
      thresholds: { ...rule.thresholds, tier2: 400 },
      enforcedFrom: rule.enforcedFrom,
      version: rule.version,
    },
  });
  assert.equal(expected.status, 200, JSON.stringify(expected.body));
  await page.locator('#dry-run').click();
  await page.locator('#dry-run-result').waitFor();
  assert.equal((await page.locator('#dry-run-failing').textContent()).trim(), String(expected.body.failing));
  assert.equal(await page.locator('#dry-run-teams tr[data-team]').count(), expected.body.byTeam.length);
  assert.equal((await api(`/rules/${encodeURIComponent(rule.id)}`)).body.version, rule.version, 'a dry run saves nothing');
  await assertAccessible(page, 'a rule with a dry run');

  // A weight out of range: the API's message, next to the field.
  await form.locator('#weight').fill('1000');
  await form.locator('#save-rule').click();
  const error = page.locator('#weight-error');
  await error.waitFor();
  assert.equal(await form.locator('#weight').getAttribute('aria-invalid'), 'true');
  assert.equal((await api(`/rules/${encodeURIComponent(rule.id)}`)).body.version, rule.version, 'nothing saved');

  // Run now: the run shows its progress while it runs and lands in the recent runs.
  const before = (await api('/jobs')).body;
  assert.ok(before.jobs.some((j) => j.name === 'checks'), 'a checks job');
  await open(page, '/jobs');
  assert.equal(await page.locator('#jobs article[data-job]').count(), before.jobs.length);
  // Admins see how issue filing on GitHub stands (a fake GitHub in these tests).
  await page.locator('#github-status', { hasText: 'Labels: steward, future-fix' }).waitFor();
  await assertAccessible(page, 'the jobs');
  await page.locator('#run-checks').click();
  const run = await until('a manual checks run that finished', async () => {
    const { body } = await api('/jobs');
    return body.recent.find(
      (r) => r.job === 'checks' && r.trigger === 'manual' && r.outcome !== 'running' && !before.recent.some((b) => b.id === r.id),
    );
  }, { timeout: 30_000, interval: 250 });
  assert.equal(run.outcome, 'succeeded', run.error ?? '');
  await page.locator(`#runs tr[data-run="${run.id}"] [data-outcome="succeeded"]`).waitFor();
  assert.equal(await page.locator('#run-checks').textContent(), 'Run now');
});

e2e(
  'a member reads the rules and jobs but is told only admins change them',
  async (page) => {
    await open(page, '/rules');
    await page.locator('#admin-only').waitFor();
    await page.locator('#rules-table').waitFor();
    assert.equal(await page.locator('#rules-table a[href^="/rules/"]').count(), 0, 'no way to the form');
    await open(page, '/jobs');
    await page.locator('#admin-only').waitFor();
    assert.equal(await page.locator('button[id^="run-"]').count(), 0, 'no "Run now"');
    assert.equal((await api('/jobs/checks/run', { method: 'POST', cookie: memberCookie })).status, 403);
    await assertAccessible(page, 'the jobs as a member');
  },
  { context: () => member.context },
);
