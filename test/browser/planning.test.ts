import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN, CHROMIUM_PATH, expectedNoise, screenshotPath, useBrowserSession, waitForMapIdle } from './support.ts';
import { ensureUser, testPlanMonth, signInApi, signInAs, smallRegister, SUPERVISOR } from './planning-api.ts';

describe.skipIf(!fs.existsSync(CHROMIUM_PATH))('the staff site register and van plans, in Chromium', () => {
  const session = useBrowserSession();

  /** Clicks the map at a fraction of its width and height. */
  async function clickMap(page: Page, fx: number, fy: number): Promise<void> {
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
  }

  it('creates a site through the editor (stretch drawn on the map), lists it in the table and shows its history after an edit', async () => {
    const { page, problems } = await session.newPage({ width: 1400, height: 1000 });
    await session.signIn(page, '/staff/sites');
    await page.locator('#list-status', { hasText: /sites, \d+ eligible/ }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Staff area' }).getByRole('link', { name: 'Enforcement sites', exact: true }).getAttribute('aria-current')).toBe('page');
    await waitForMapIdle(page);

    await page.getByRole('button', { name: 'New site' }).click();
    await page.locator('#editor-heading', { hasText: 'New site' }).waitFor();
    const editor = page.locator('#editor');
    // Nothing filled in: the form names every missing field and links to it.
    await page.getByRole('button', { name: 'Create site' }).click();
    const summary = page.locator('#site-errors');
    await summary.waitFor();
    expect(await summary.innerText()).toContain('Enter the road name');
    expect(await summary.innerText()).toContain('Draw the stretch');
    expect(await editor.getByLabel('Road name').getAttribute('aria-invalid')).toBe('true');

    // A new site starts in drawing mode: three clicks draw a stretch of three points.
    await page.locator('#map').scrollIntoViewIfNeeded();
    await clickMap(page, 0.45, 0.5);
    await clickMap(page, 0.5, 0.52);
    await clickMap(page, 0.55, 0.55);
    expect(await page.locator('#stretch-status').innerText()).toMatch(/^3 points, about [\d.]+ k?m long\.$/);
    expect((await editor.getByLabel(/Points of the stretch/).inputValue()).split('\n')).toHaveLength(3);
    await page.getByRole('button', { name: 'Stop drawing' }).click();

    await editor.getByLabel('Reference').fill('TEST-0001');
    await editor.getByLabel('Category').selectOption('community_concern');
    await editor.getByLabel('Road number (optional)').fill('B5269');
    await editor.getByLabel('Road name').fill('Whittingham Lane');
    await editor.getByLabel('Direction (optional)').fill('both directions');
    await editor.getByLabel('Locality').fill('Goosnargh');
    await editor.getByLabel('Speed limit').selectOption('40');
    expect(await page.locator('#site-preview').innerText()).toBe('B5269 Whittingham Lane, both directions (40mph), Goosnargh');
    await page.getByRole('button', { name: 'Add a parking position' }).click();
    // It starts at the first point of the stretch; the description is ours.
    expect(await page.locator('#site-parkingPositions-0-lon').inputValue()).toMatch(/^-2\.\d+/);
    await page.locator('#site-parkingPositions-0-description').fill('Farm gateway, north verge');
    await editor.getByLabel('Risk assessed on').fill('2026-11-01');
    await editor.getByLabel('Risk assessment expires on').fill('2027-11-01');
    await editor.getByLabel('Daylight only').check();
    await page.getByRole('button', { name: 'Add a suspension' }).click();
    await page.locator('#site-suspensions-0-from').fill('2026-12-24');
    await page.locator('#site-suspensions-0-to').fill('2026-12-26');
    await page.locator('#site-suspensions-0-reason').fill('Christmas market');
    await page.getByRole('button', { name: 'Create site' }).click();

    const row = page.locator('#sites-table tbody tr', { hasText: 'TEST-0001' });
    await row.waitFor();
    expect(await row.innerText()).toContain('B5269 Whittingham Lane, both directions (40mph), Goosnargh');
    expect(await row.innerText()).toContain('Community concern');
    const history = page.locator('#history');
    await history.locator('#history-table').waitFor();
    expect(await history.innerText()).toContain(ADMIN.email);
    expect(await history.locator('#history-table tbody tr').count()).toBe(1);

    // An edit needs a reason, and the history then shows who changed what.
    await row.getByRole('button', { name: 'Edit TEST-0001' }).click();
    await page.locator('#editor-heading', { hasText: 'Edit TEST-0001' }).waitFor();
    await editor.getByLabel('Qualifier (optional)').fill('near St Michael’s School');
    await page.getByRole('button', { name: 'Save changes' }).click();
    expect(await page.locator('#site-errors').innerText()).toContain('Say why you are changing the site');
    await editor.getByLabel('Reason for the change').fill('School asked for the stretch to be named');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#sites-table tbody tr', { hasText: 'near St Michael’s School' }).waitFor();
    await page.locator('#history-table tbody tr').nth(1).waitFor();
    const newest = await page.locator('#history-table tbody tr').first().innerText();
    expect(newest).toContain('qualifier');
    expect(newest).toContain('School asked for the stretch to be named');

    // Sorting by a column marks it for screen readers.
    await page.getByRole('button', { name: /^Risk/ }).click();
    expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    await page.screenshot({ path: screenshotPath('staff-sites.png'), fullPage: true });
    expect(problems.errors.filter((e) => !expectedNoise(e))).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });

  it('generates a plan with a progress bar, shows the measures with no violations, flags a violation an edit causes, approves and lets a supervisor publish', async () => {
    const month = testPlanMonth();
    const admin = await signInApi(session.server().url, ADMIN.email, ADMIN.password);
    await ensureUser(admin, SUPERVISOR);
    await smallRegister(admin, month, { keep: 6, vans: 2 });
    await admin.dispose();

    const { page, problems } = await session.newPage({ width: 1400, height: 1000 });
    await session.signIn(page, '/staff/plans');
    await page.goto(`${session.server().url}/staff/plans?month=${month}`);
    // The page fills the month picker once its script has run and listed the month's plans (none yet).
    await page.locator('#no-plans').waitFor();
    expect(await page.getByLabel('Month', { exact: true }).inputValue()).toBe(month);
    await page.getByLabel('Seed (optional)').fill('42');
    await page.getByRole('button', { name: 'Generate plan' }).click();
    await page.locator('#plan-progress').waitFor();
    await page.locator('#plan-stage', { hasText: /is ready/ }).waitFor({ timeout: 120_000 });
    expect(await page.locator('#plan-progress-bar').evaluate((el) => (el as HTMLProgressElement).value)).toBe(1);

    // The measures: every target with its value and a met / not met badge; no violations.
    await page.locator('#metrics-table').waitFor();
    const violationsRow = page.locator('#metrics-table tr[data-measure="violations"]');
    expect(await violationsRow.locator('td').first().innerText()).toBe('0');
    expect(await violationsRow.locator('.met-badge').innerText()).toMatch(/Met/);
    expect(await page.locator('#metrics-table .met-badge').count()).toBeGreaterThan(8);
    expect(await page.locator('#violations').isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: 'Approve' }).isEnabled()).toBe(true);
    // An administrator is not a supervisor: no Publish button.
    expect(await page.getByRole('button', { name: 'Publish' }).isHidden()).toBe(true);

    // The calendar: a row a day, a column a van; a day opens with its routes and the ordered sessions.
    const days = await page.locator('#calendar-table tbody tr').count();
    expect(days).toBeGreaterThanOrEqual(28);
    const busyDay = page.locator('#calendar-table tbody tr:has(td.calendar-cell:not(.empty))').first();
    await busyDay.locator('th button').click();
    await page.locator('#day:not([hidden]) .session-list').first().waitFor();
    const firstSession = page.locator('#day-sessions li.session').first();
    expect(await firstSession.locator('.session-times').innerText()).toMatch(/^Arrive \d{2}:\d{2}, depart \d{2}:\d{2} \(\d+ min\)$/);
    await waitForMapIdle(page);
    expect(await page.locator('#map .stop-marker').count()).toBeGreaterThan(0);
    expect(await page.locator('#day-sessions a', { hasText: 'Tasking sheet' }).first().getAttribute('href')).toMatch(/\/tasking\?date=\d{4}-\d{2}-\d{2}&vanId=\d+$/);
    await page.screenshot({ path: screenshotPath('staff-plan-day.png'), fullPage: true });

    // An edit needs a reason; swapping a session to the site another session visits that day breaks the minimum gap.
    const sessions = await page.locator('#day-sessions li.session').evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.sessionId)));
    const plan = (await (await page.request.get(`${session.server().url}/api/plans/${new URL(page.url()).searchParams.get('plan')}`)).json()) as { sessions: Array<{ id: number; siteId: number }> };
    const siteOf = (id: number) => plan.sessions.find((s) => s.id === id)!.siteId;
    const other = sessions.find((id) => siteOf(id) !== siteOf(sessions[0]!));
    if (other !== undefined) {
      await firstSession.getByRole('button', { name: 'Swap site' }).click();
      const dialog = page.locator('#edit-dialog');
      await dialog.waitFor();
      await page.locator('#edit-site').selectOption(String(siteOf(other)));
      await page.getByRole('button', { name: 'Apply the change' }).click();
      expect(await page.locator('#edit-reason-error').innerText()).toContain('Give the reason');
      await page.getByLabel('Reason').fill('Browser test: same site twice in a day');
      await page.getByRole('button', { name: 'Apply the change' }).click();
      await page.locator('#violations:not([hidden])').waitFor();
      expect(await page.locator('#violations').innerText()).toContain('min_gap');
      expect(await page.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
      await page.screenshot({ path: screenshotPath('staff-plan-violation.png'), fullPage: true });
      // Cancelling the swapped session clears it.
      await page.locator(`#day-sessions li.session[data-session-id="${sessions[0]}"]`).getByRole('button', { name: 'Cancel' }).click();
      await page.getByLabel('Reason').fill('Browser test: undo the double visit');
      await page.getByRole('button', { name: 'Apply the change' }).click();
      await page.locator('#violations').waitFor({ state: 'hidden' });
    }

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#plan-facts .plan-status-approved').waitFor();
    expect(await page.locator('#plan-facts').innerText()).toContain(`Approved by ${ADMIN.email}`);
    const planUrl = page.url();
    expect(problems.errors.filter((e) => !expectedNoise(e))).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
    await session.closeContext();

    // A supervisor (another person) publishes it.
    const supervisor = await session.newPage({ width: 1400, height: 1000 });
    const path = new URL(planUrl).pathname;
    await signInAs(supervisor.page, session.server().url, SUPERVISOR, path);
    await supervisor.page.goto(planUrl);
    const publish = supervisor.page.getByRole('button', { name: 'Publish' });
    await publish.waitFor();
    expect(await supervisor.page.getByRole('button', { name: 'Approve' }).isHidden()).toBe(true);
    await publish.click();
    await supervisor.page.locator('#plan-facts .plan-status-published').waitFor();
    expect(await supervisor.page.locator('#plan-facts').innerText()).toContain(`Published by ${SUPERVISOR.email}`);
    // Published: the crews' returns can be recorded and the delivery summary appears.
    await supervisor.page.locator('#delivery h3', { hasText: 'Planned and delivered' }).waitFor();
    await supervisor.page.locator('#calendar-table tbody tr:has(td.calendar-cell:not(.empty))').first().locator('th button').click();
    // Returns are recorded from the session's day on: next month's sessions say so instead of offering the form.
    await supervisor.page.locator('#day-sessions li.session').first().waitFor();
    expect(await supervisor.page.locator('#day-sessions [data-return]').count()).toBe(0);
    expect(await supervisor.page.locator('#day-sessions').innerText()).toMatch(/The crew's return can be recorded from \d{1,2} \w{3} \d{4}\./);
    expect(await supervisor.page.locator('#delivery').innerText()).toMatch(/0\.0 of [\d.]+ planned hours delivered/);
    // The audit trail names who did what, with the edit reasons.
    await supervisor.page.locator('#audit summary').click();
    await supervisor.page.locator('#audit-table').waitFor();
    const audit = await supervisor.page.locator('#audit-table').innerText();
    expect(audit).toContain(SUPERVISOR.email);
    expect(audit).toMatch(/publish/);
    expect(audit).toMatch(/approve/);
    await supervisor.page.screenshot({ path: screenshotPath('staff-plan-published.png'), fullPage: true });
    expect(supervisor.problems.errors.filter((e) => !expectedNoise(e))).toEqual([]);
    expect(supervisor.problems.cspViolations).toEqual([]);
  });
});
