// Browser tests of Steward's UI against a real `steward serve --demo`. One server and one
// browser for the whole file, a fresh page per test. Run through `node end2end/run.mjs` (which
// starts the server), or alone with `node --test end2end/steward.test.mjs` (starts its own).

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { launchBrowser, openPage, pageTests, signInContext, signInCookie, useServer } from './harness.mjs';

let server;
let browser;
/** The admin's session cookie, for the test's own API calls. */
let adminCookie;

before(async () => {
  server = await useServer();
  browser = await launchBrowser();
  adminCookie = await signInCookie(server, 'admin');
  // The shared browser is signed in as the admin; the accounts test uses a browser of its own.
  await signInContext(browser.context, server, 'admin');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** GET /api/v1{path} as JSON, with the status. */
async function api(path, { cookie = adminCookie, token } = {}) {
  const headers = token ? { authorization: `Bearer ${token}` } : { cookie };
  const res = await fetch(`${server.url}/api/v1${path}`, { headers });
  return { status: res.status, body: await res.json() };
}

/** Every service the API lists for a query string (`q=pay`, `owner=payments`, …). */
async function apiServices(query = '') {
  const { status, body } = await api(`/services?limit=500${query ? `&${query}` : ''}`);
  assert.equal(status, 200, `GET /api/v1/services?${query}`);
  assert.equal(body.items.length, body.total, 'the API returned every match on one page');
  return body;
}

const plural = (n) => `${n} ${n === 1 ? 'service' : 'services'}`;
const sorted = (xs) => [...xs].sort();

/** Opens a page of the UI and waits until the wasm has hydrated it. */
const open = (page, path) => openPage(server, page, path);

/** Waits until the catalog shows exactly `services` (a list of slugs) and `#result-count` says so. */
async function waitForCatalog(page, slugs) {
  await page.waitForFunction(
    ({ want, count }) => {
      const text = document.querySelector('#result-count')?.textContent?.trim();
      const rows = [...document.querySelectorAll('#services-table tr[data-slug]')].map((r) =>
        r.getAttribute('data-slug'),
      );
      return text === count && JSON.stringify(rows.sort()) === JSON.stringify(want);
    },
    { want: sorted(slugs), count: plural(slugs.length) },
  );
}

/** The slugs of the catalog's rows, as shown. */
async function rowSlugs(page) {
  return page.locator('#services-table tr[data-slug]').evaluateAll((rows) => rows.map((r) => r.dataset.slug));
}

/** Marks the window; a full page load would lose the mark. */
async function mark(page) {
  await page.evaluate(() => {
    window.__marker = 1;
  });
}

async function assertStillMarked(page) {
  assert.equal(await page.evaluate(() => window.__marker), 1, 'the page was reloaded instead of updated in place');
}

/** A test with a fresh page of the shared browser (or of `context()`): see `pageTests`. */
const e2e = pageTests(
  () => server,
  () => browser.context,
);

// ---------------------------------------------------------------------------------------------
// Tests

e2e('catalog lists every service', async (page) => {
  const { total } = (await api('/services?limit=1')).body;
  const all = await apiServices();
  assert.ok(total >= 30, `the demo has at least 30 services (the API says ${total})`);

  await open(page, '/catalog');
  await assert.doesNotReject(page.locator('nav[aria-label="Main"]').waitFor());
  assert.equal((await page.locator('#result-count').textContent()).trim(), plural(total));

  // Walk every page of the table.
  const seen = [];
  for (let n = 1; ; n++) {
    await page.locator('#services-table tr[data-slug]').first().waitFor();
    seen.push(...(await rowSlugs(page)));
    const next = page.locator('#pagination a[rel="next"]');
    if ((await next.count()) === 0) break;
    assert.ok(n < 50, 'pagination ends');
    await next.click();
    await page.waitForURL((url) => url.searchParams.get('page') === String(n + 1));
  }
  assert.equal(seen.length, total);
  assert.deepEqual(sorted(seen), sorted(all.items.map((s) => s.slug)));
});

e2e('search narrows the catalog without reloading', async (page) => {
  const expected = await apiServices('q=pay');
  assert.ok(expected.total >= 3, 'the demo has several services matching "pay"');

  await open(page, '/catalog');
  await mark(page);
  await page.locator('#catalog-search').pressSequentially('pay');

  await page.waitForURL((url) => url.pathname === '/catalog' && url.searchParams.get('q') === 'pay');
  await waitForCatalog(page, expected.items.map((s) => s.slug));

  const rows = page.locator('#services-table tr[data-slug]');
  assert.equal(await rows.count(), expected.total);
  for (const row of await rows.all()) {
    const slug = await row.getAttribute('data-slug');
    const text = await row.locator('th').textContent();
    assert.match(`${slug} ${text}`, /pay/i, `row ${slug} matches "pay"`);
  }
  assert.equal(await page.locator('#catalog-search').inputValue(), 'pay');
  await assertStillMarked(page);
});

e2e('owner filter shows that team’s services', async (page) => {
  const expected = await apiServices('owner=payments');
  assert.ok(expected.total >= 1, 'payments owns services in the demo');

  await open(page, '/catalog');
  await mark(page);
  await page.locator('#filter-owner').selectOption('payments');

  await page.waitForURL((url) => url.searchParams.get('owner') === 'payments');
  await waitForCatalog(page, expected.items.map((s) => s.slug));

  const owners = await page
    .locator('#services-table tr[data-slug] > td:first-of-type')
    .evaluateAll((cells) => cells.map((c) => [...c.querySelectorAll('a')].map((a) => a.textContent.trim())));
  assert.equal(owners.length, expected.total);
  for (const list of owners) assert.ok(list.includes('payments'), `owners ${JSON.stringify(list)} include payments`);
  assert.equal(await page.locator('#filter-owner').inputValue(), 'payments');
  await assertStillMarked(page);
});

e2e('a service page opens from the catalog', async (page) => {
  const { status, body: service } = await api('/services/payments-api');
  assert.equal(status, 200);

  await open(page, '/catalog');
  await page.locator('#services-table tr[data-slug="payments-api"] a.service-link').click();
  await page.waitForURL((url) => url.pathname === '/services/payments-api');

  await page.locator('h1', { hasText: service.name }).waitFor();
  assert.equal((await page.locator('h1').textContent()).trim(), service.name);
  await page.locator('#owners a[href="/teams/payments"]').waitFor();
  assert.equal(await page.locator(`.tier.tier-${service.tier}`).first().isVisible(), true);
});

e2e('dependencies link both ways and cycles are flagged', async (page) => {
  await open(page, '/services/checkout-api');
  await mark(page);
  await page.locator('#depends-on a[href="/services/payments-api"]').click();
  await page.waitForURL((url) => url.pathname === '/services/payments-api');

  const payments = (await api('/services/payments-api')).body;
  await page.locator('h1', { hasText: payments.name }).waitFor();
  await page.locator('#depended-on-by a[href="/services/checkout-api"]').waitFor();
  await assertStillMarked(page);

  await open(page, '/services/orders-api');
  const cycle = page.locator('#dependency-cycle');
  await cycle.waitFor();
  assert.match(await cycle.textContent(), /inventory-api/);
});

e2e('a new service is created through the form', async (page) => {
  const name = 'E2E Test Service';
  await open(page, '/services/new');
  const form = page.locator('#service-form');
  await form.locator('#slug').fill('e2e-svc');
  await form.locator('#name').fill(name);
  await form.locator('#description').fill('Created by the browser tests.');
  await form.locator('#owners').fill('platform');
  await form.locator('#tier').selectOption('3');
  await form.locator('#lifecycle').selectOption('experimental');
  await form.locator('#kind').selectOption('job');
  await form.locator('#tags').fill('e2e, test');
  await form.locator('#dependsOn').fill('payments-api');
  await form.locator('#links').fill('Runbook | https://runbooks.example/e2e-svc');
  await form.locator('button[type="submit"]').click();

  await page.waitForURL((url) => url.pathname === '/services/e2e-svc');
  await page.locator('h1', { hasText: name }).waitFor();
  await page.locator('#links a[href="https://runbooks.example/e2e-svc"]', { hasText: 'Runbook' }).waitFor();
  await page.locator('#depends-on a[href="/services/payments-api"]').waitFor();

  const { status, body } = await api('/services/e2e-svc');
  assert.equal(status, 200);
  assert.equal(body.name, name);
  assert.equal(body.description, 'Created by the browser tests.');
  assert.deepEqual(body.owners.map((o) => o.slug), ['platform']);
  assert.equal(body.tier, 3);
  assert.equal(body.lifecycle, 'experimental');
  assert.equal(body.kind, 'job');
  assert.deepEqual(sorted(body.tags), ['e2e', 'test']);
  assert.deepEqual(body.dependsOn.map((d) => d.slug), ['payments-api']);
  assert.deepEqual(body.links, [{ title: 'Runbook', url: 'https://runbooks.example/e2e-svc' }]);

  await open(page, '/services/payments-api');
  await page.locator('#depended-on-by a[href="/services/e2e-svc"]').waitFor();
});

e2e('a bad slug is reported next to the field', async (page) => {
  await open(page, '/services/new');
  const form = page.locator('#service-form');
  await form.locator('#slug').fill('Bad Slug!');
  await form.locator('#name').fill('Bad slug service');
  await form.locator('#owners').fill('platform');
  await form.locator('button[type="submit"]').click();

  const error = page.locator('p.field-error#slug-error');
  await error.waitFor({ state: 'visible' });
  const message = await error.textContent();
  assert.match(message, /slug/i);
  // Said once: the API's summary of a validation error is not repeated next to the details.
  assert.equal(message.split('not a valid slug').length - 1, 1, `the error is said once: ${message}`);
  assert.equal(await form.locator('#slug').getAttribute('aria-invalid'), 'true');
  // Focus moves to the field in error, so keyboard users land on the problem.
  await page.waitForFunction(() => document.activeElement?.id === 'slug');
  assert.equal(new URL(page.url()).pathname, '/services/new');
  // The form keeps what was typed.
  assert.equal(await form.locator('#slug').inputValue(), 'Bad Slug!');

  const { body } = await api('/services?q=Bad');
  assert.equal(body.total, 0);
});

e2e('pages are server-rendered, then hydrate and update in place', async (page) => {
  // The server's HTML already carries the data; the hydration mark comes from the wasm only.
  const html = await (await fetch(`${server.url}/catalog`, { headers: { cookie: adminCookie } })).text();
  assert.match(html, /data-slug="payments-api"/);
  assert.doesNotMatch(html, /data-hydrated/);

  await open(page, '/catalog');
  assert.equal(await page.locator('body').getAttribute('data-hydrated'), 'true');

  const expected = await apiServices('tier=1');
  assert.ok(expected.total >= 1, 'the demo has tier-1 services');
  await mark(page);
  await page.locator('#filter-tier').selectOption('1');
  await page.waitForURL((url) => url.searchParams.get('tier') === '1');
  await waitForCatalog(page, expected.items.map((s) => s.slug));
  const tiers = await page
    .locator('#services-table tr[data-slug] .tier')
    .evaluateAll((badges) => badges.map((b) => b.className));
  assert.ok(tiers.every((c) => c.includes('tier-1')), `only tier 1 is shown: ${tiers}`);
  await assertStillMarked(page);

  // Back to the unfiltered list, still in place.
  await page.goBack();
  await page.waitForURL((url) => !url.searchParams.has('tier'));
  await waitForCatalog(page, (await apiServices()).items.map((s) => s.slug));
  assert.equal(await page.locator('#filter-tier').inputValue(), '');
  await assertStillMarked(page);
});

// A browser of its own, so that the shared one stays signed in as the admin.
let memberBrowser;
e2e(
  'a member signs in, edits their team’s service, is refused elsewhere, manages tokens, signs out',
  async (page) => {
    // Not signed in: any page leads to the sign-in form, which comes back afterwards.
    const res = await page.goto(`${server.url}/services/ledger/edit`);
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
    const form = page.locator('#sign-in-form');
    await form.locator('#handle').fill('smoreau');
    await form.locator('#password').fill('not the password');
    await form.locator('button[type="submit"]').click();
    await form.locator('.form-errors', { hasText: 'the handle or the password is wrong' }).waitFor();
    await form.locator('#password').fill(server.password);
    await form.locator('button[type="submit"]').click();
    await page.waitForURL((url) => url.pathname === '/services/ledger/edit');
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
    assert.equal((await page.locator('#account-link').textContent()).trim(), 'smoreau');

    // Ledger belongs to Payments, smoreau's team: the edit is saved.
    const edit = page.locator('#service-form');
    await edit.locator('#description').fill('Edited by a Payments member in the browser tests.');
    await edit.locator('button[type="submit"]').click();
    await page.waitForURL((url) => url.pathname === '/services/ledger');
    const ledger = (await api('/services/ledger')).body;
    assert.equal(ledger.description, 'Edited by a Payments member in the browser tests.');
    // The service page's history names who changed what.
    const latest = page.locator('#history tr[data-action="service.update"]').first();
    await latest.waitFor();
    assert.match(await latest.textContent(), /smoreau.*description/s);

    // Catalog API belongs to Storefront: refused, with who may, and nothing stored.
    const before = (await api('/services/catalog-api')).body;
    await open(page, '/services/catalog-api/edit');
    await edit.locator('#description').fill('Should not be saved.');
    await edit.locator('button[type="submit"]').click();
    const refusal = page.locator('#service-form .form-errors');
    await refusal.waitFor();
    assert.match(await refusal.textContent(), /only members of storefront \(or an admin\) may change this service/);
    assert.equal(new URL(page.url()).pathname, '/services/catalog-api/edit');
    const after = (await api('/services/catalog-api')).body;
    assert.equal(after.description, before.description);
    assert.equal(after.version, before.version);

    // A read token: shown once, works, listed by its prefix, revoked.
    await open(page, '/account');
    const tokenForm = page.locator('#token-form');
    await tokenForm.locator('#name').fill('e2e reader');
    await tokenForm.locator('#scope').selectOption('read');
    await tokenForm.locator('button[type="submit"]').click();
    const shown = page.locator('#new-token');
    await shown.waitFor();
    const token = (await shown.textContent()).trim();
    assert.match(token, /^stw_[0-9a-f]{64}$/);
    const me = await api('/session', { token });
    assert.equal(me.status, 200);
    assert.equal(me.body.handle, 'smoreau');
    assert.equal(me.body.via, 'token');
    const row = page.locator('#tokens tbody tr', { hasText: 'e2e reader' });
    await row.waitFor();
    assert.match(await row.textContent(), new RegExp(token.slice(0, 12)));
    assert.doesNotMatch(await page.locator('#tokens').textContent(), new RegExp(token));
    await row.locator('button', { hasText: 'Revoke' }).click();
    await row.locator('text=revoked').waitFor();
    assert.equal((await api('/session', { token })).status, 401);

    // The audit page filters by who made a change.
    await open(page, '/audit?actor=smoreau&subjectType=service');
    const rows = page.locator('.audit-table tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1, 'one service change by smoreau: the refused one wrote nothing');
    assert.match(await rows.first().textContent(), /service\.update.*service ledger/s);

    // Sign out ends the session: pages lead to the sign-in form again.
    await page.locator('#sign-out').click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await page.goto(`${server.url}/catalog`);
    assert.equal(new URL(page.url()).pathname, '/sign-in');
  },
  { context: () => memberBrowser.context },
);

before(async () => {
  memberBrowser = await launchBrowser();
});

after(async () => {
  await memberBrowser?.close();
});

e2e('an admin adds an account, sees its password once, and deactivates it', async (page) => {
  await open(page, '/accounts');
  const form = page.locator('#account-form');
  await form.locator('#handle').fill('e2e-viewer');
  await form.locator('#role').selectOption('viewer');
  await form.locator('button[type="submit"]').click();
  const shown = page.locator('#issued-password');
  await shown.waitFor();
  const password = (await shown.textContent()).trim();
  const row = page.locator('#accounts tr[data-handle="e2e-viewer"]');
  await row.waitFor();
  assert.match(await row.textContent(), /password.*active/s);
  assert.equal(await row.locator('select').inputValue(), 'viewer');

  const signIn = () =>
    fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'e2e-viewer', password }),
    });
  const res = await signIn();
  assert.equal(res.status, 200, 'the shown password signs in');
  const cookie = res.headers.get('set-cookie').split(';')[0];
  assert.equal((await api('/session', { cookie })).body.role, 'viewer');

  // Promote, then deactivate: the session ends at once.
  await row.locator('select').selectOption('member');
  for (let i = 0; i < 100 && (await api('/session', { cookie })).body.role !== 'member'; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal((await api('/session', { cookie })).body.role, 'member', 'the new role applies at once');
  await row.locator('button', { hasText: 'Deactivate' }).click();
  await row.locator('text=deactivated').waitFor();
  assert.equal((await api('/session', { cookie })).status, 401);
  assert.equal((await signIn()).status, 401);

  // The last admin cannot lock everyone out: the refusal is shown.
  await page.locator('#accounts tr[data-handle="admin"] button', { hasText: 'Deactivate' }).click();
  const refusal = page.locator('#accounts-refusal');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /last active admin/);
});

e2e('a schedule is created with a live preview, an override is dragged on the timeline, and on call now follows', async (page) => {
  await open(page, '/schedules/new?team=payments');
  const form = page.locator('#schedule-form');
  assert.equal(await form.locator('#team').inputValue(), 'payments', 'the team is preselected');
  await form.locator('#slug').fill('payments-browser');
  await form.locator('#name').fill('Payments (browser test)');
  await form.locator('#timeZone').fill('Europe/Paris');
  // A weekly rotation of one person that started two weeks ago, handing off on Mondays 09:00.
  const started = new Date(Date.now() - 14 * 86_400_000).toISOString().slice(0, 10);
  await form.locator('#layer-0-name').fill('Primary');
  await form.locator('#layer-0-start').fill(`${started}T09:00`);
  await form.locator('#layer-0-length').fill('1');
  await form.locator('#layer-0-unit').selectOption('weeks');
  await form.locator('#layer-0-participants').fill('smoreau');
  await form.locator('#preview-button').click();
  await page.locator('#preview [data-row="final"] .seg[data-person="smoreau"]').first().waitFor();
  assert.equal((await api('/schedules/payments-browser')).status, 404, 'a preview saves nothing');

  await form.locator('#save-schedule').click();
  await page.waitForURL((url) => url.pathname === '/schedules/payments-browser');
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
  const onCall = page.locator('#on-call-now li[data-schedule="payments-browser"]');
  await onCall.waitFor();
  assert.equal(await onCall.getAttribute('data-person'), 'smoreau');

  // Drag across "now" on the final row of the week view (7 UTC days from today's midnight).
  const track = page.locator('#timeline [data-row="final"] .timeline-track');
  const box = await track.boundingBox();
  const from = Date.parse((await page.locator('#timeline .timeline').getAttribute('data-from')) ?? '');
  const to = Date.parse((await page.locator('#timeline .timeline').getAttribute('data-to')) ?? '');
  const x = (t) => box.x + ((t - from) / (to - from)) * box.width;
  const y = box.y + box.height / 2;
  // From two hours ago, or from just inside the view when it began less than two hours ago
  // (the week view starts at today's midnight UTC).
  const perPixel = (to - from) / box.width;
  await page.mouse.move(x(Math.max(Date.now() - 2 * 3_600_000, from + 2 * perPixel)), y);
  await page.mouse.down();
  await page.mouse.move(x(Date.now() + 3 * 3_600_000), y, { steps: 5 });
  await page.mouse.up();
  const start = await page.locator('#override-start').inputValue();
  const end = await page.locator('#override-end').inputValue();
  assert.ok(Date.parse(start) <= Date.now() && Date.parse(end) > Date.now(), `${start} – ${end} spans now`);
  await page.locator('#override-person').selectOption('vreddy');
  await page.locator('#add-override').click();
  await page.locator('#override-added').waitFor();
  await page.locator('#timeline [data-row="final"] .seg.override[data-person="vreddy"]').waitFor();
  await page.locator('#overrides tr[data-person="vreddy"]').waitFor();

  // On call now, on the schedule page and on the team page: the override's person.
  const now = (await api('/teams/payments/oncall')).body.find((o) => o.schedule === 'payments-browser');
  assert.equal(now.person, 'vreddy');
  assert.equal(now.source, 'override');
  await open(page, '/teams/payments');
  const onTeam = page.locator('#on-call-now li[data-schedule="payments-browser"]');
  await onTeam.waitFor();
  assert.equal(await onTeam.getAttribute('data-person'), 'vreddy');
});

// ---------------------------------------------------------------------------------------------
// Escalation policies and swap requests: members of payments in a browser of their own, signed
// in as whoever acts (signing in again replaces the session cookie).

let oncallBrowser;

before(async () => {
  oncallBrowser = await launchBrowser();
});

after(async () => {
  await oncallBrowser?.close();
});

/** POST/PUT/… /api/v1{path} with a JSON body, as JSON with the status. */
async function apiSend(method, path, body, { cookie = adminCookie } = {}) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A payments schedule in UTC on which `person` is on call all the time (a rota of one). */
async function rotaOfOne(slug, person) {
  const started = new Date(Date.now() - 14 * 86_400_000).toISOString().slice(0, 10);
  const { status, body } = await apiSend('POST', '/schedules', {
    slug,
    name: `Rota ${slug}`,
    team: 'payments',
    timeZone: 'UTC',
    layers: [{ name: 'Primary', start: `${started}T09:00`, turn: { unit: 'weeks', length: 1 }, participants: [person] }],
  });
  assert.equal(status, 201, `POST /schedules ${slug}: ${JSON.stringify(body)}`);
}

e2e(
  'a member builds an escalation policy in the form, points a service to it and sees whom a page reaches',
  async (page) => {
    await rotaOfOne('payments-escalation', 'vreddy');
    await signInContext(oncallBrowser.context, server, 'ekim');
    await open(page, '/escalation-policies/new?team=payments');
    const form = page.locator('#policy-form');
    assert.equal(await form.locator('#policy-team').inputValue(), 'payments', 'the team is preselected');
    await form.locator('#policy-slug').fill('payments-e2e');
    await form.locator('#policy-name').fill('Payments (browser test)');
    await form.locator('#level-0-target-0').selectOption('payments-escalation');
    await form.locator('#add-level').click();
    // Later levels wait at least a minute: the API's message lands next to the delay.
    await form.locator('#level-1-delay').fill('0');
    await form.locator('#level-1-target-0-kind').selectOption('person');
    await form.locator('#level-1-target-0').fill('jcohen');
    await form.locator('#policy-repeats').fill('2');
    await form.locator('#save-policy').click();
    const delayError = page.locator('#level-1-delay-error');
    await delayError.waitFor();
    assert.match(await delayError.textContent(), /1–1440 minutes/);
    assert.equal((await api('/escalation-policies/payments-e2e')).status, 404, 'a refused save stores nothing');

    await form.locator('#level-1-delay').fill('15');
    await form.locator('#save-policy').click();
    await page.waitForURL((url) => url.pathname === '/escalation-policies/payments-e2e');
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
    assert.match(await page.locator('#policy-levels').textContent(), /payments-escalation.*jcohen/s);

    // On the service page the member chooses the policy and sees whom a page reaches now.
    await open(page, '/services/payments-api');
    await page.locator('#escalation-select').selectOption('payments-e2e');
    await page.locator('#escalation-save').click();
    const first = page.locator('#responders li[data-level="1"]');
    await first.waitFor();
    assert.equal(await first.getAttribute('data-person'), 'vreddy');
    assert.match(await first.textContent(), /Level 1 · now/);
    const second = page.locator('#responders li[data-level="2"]');
    assert.equal(await second.getAttribute('data-person'), 'jcohen');
    assert.match(await second.textContent(), /after 15 min/);
    assert.match(await page.locator('#escalation-repeats').textContent(), /repeats 2 times/);
    await page.locator('#on-call-now li[data-schedule="payments-escalation"][data-person="vreddy"]').waitFor();
    assert.equal((await api('/services/payments-api/oncall')).body.policy, 'payments-e2e');

    // In use: the policy cannot be deleted, and the page says why.
    await open(page, '/escalation-policies/payments-e2e');
    page.once('dialog', (d) => d.accept());
    await page.locator('#delete-policy').click();
    await page.locator('.page-header .alert-error').waitFor();
    assert.equal((await api('/escalation-policies/payments-e2e')).status, 200);
  },
  { context: () => oncallBrowser.context },
);

e2e(
  'a shift offered on a person page is taken on the schedule page and shows as given',
  async (page) => {
    await rotaOfOne('payments-swaps', 'smoreau');
    const context = oncallBrowser.context;
    await signInContext(context, server, 'smoreau');
    await open(page, '/people/smoreau');
    const shift = page.locator('#shifts li[data-schedule="payments-swaps"][data-source="layer"]').first();
    await shift.locator('.offer-shift').click();
    const form = page.locator('#swap-form');
    await form.waitFor();
    // Tomorrow 10:00–14:00 on smoreau's clock (the form starts with the whole shift).
    const prefilled = await form.locator('#swap-start').inputValue();
    assert.match(prefilled, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    const day = new Date(Date.parse(`${prefilled.slice(0, 10)}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await form.locator('#swap-start').fill(`${day}T10:00`);
    await form.locator('#swap-end').fill(`${day}T14:00`);
    await form.locator('#swap-note').fill('dentist');
    await form.locator('#offer-swap').click();
    await page.locator('#swap-offered').waitFor();
    const offered = page.locator('#swaps li[data-state="open"]');
    await offered.waitFor();
    await offered.locator('.withdraw-swap').waitFor();
    // The times typed on smoreau's clock reached the API as the same instants in UTC.
    const [first] = (await api('/people/smoreau/shifts')).body;
    const offset = Date.parse(`${first.startLocal.replace(' ', 'T')}:00Z`) - Date.parse(`${first.start.slice(0, 16)}:00Z`);
    const [swap] = (await api('/swaps?person=smoreau&state=open')).body;
    assert.equal(Date.parse(swap.start), Date.parse(`${day}T10:00:00Z`) - offset, `swap starts ${swap.start}`);
    assert.equal(Date.parse(swap.end) - Date.parse(swap.start), 4 * 3_600_000);

    // A teammate takes it on the schedule page: the list empties, the calendar gains them.
    await signInContext(context, server, 'vreddy');
    await open(page, '/schedules/payments-swaps');
    await page.locator('#open-swaps li[data-offered-by="smoreau"] .take-swap').click();
    await page.locator('p#open-swaps').waitFor();
    await page.locator('#overrides tr[data-person="vreddy"]').waitFor();
    await page.locator('#timeline [data-row="final"] .seg.override[data-person="vreddy"]').waitFor();

    // The one who offered sees the stretch as given, covered by the taker.
    await signInContext(context, server, 'smoreau');
    await open(page, '/people/smoreau');
    const given = page.locator('#shifts li[data-schedule="payments-swaps"][data-source="given"]');
    await given.waitFor();
    assert.match(await given.textContent(), /covered by vreddy/);
    assert.equal(await given.locator('s').count(), 1, 'a given stretch is struck through');
    await page.locator('#swaps li[data-state="taken"]').waitFor();
    await open(page, '/people/vreddy');
    const took = page.locator('#shifts li[data-schedule="payments-swaps"][data-source="override"]');
    await took.waitFor();
    assert.match(await took.textContent(), /swap from smoreau/);
  },
  { context: () => oncallBrowser.context },
);
