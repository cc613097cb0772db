import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN, CHROMIUM_PATH, expectedNoise, screenshotPath, useBrowserSession, type PageProblems } from './support.ts';


describe.skipIf(!fs.existsSync(CHROMIUM_PATH))('reporting a concern and triaging it, in Chromium', () => {
  const session = useBrowserSession();

  async function openReport(): Promise<{ page: Page; problems: PageProblems }> {
    const { page, problems } = await session.newPage();
    await page.goto(`${session.server().url}/report`);
    await page.waitForFunction(() => document.getElementById('map')?.dataset.idle === 'true' && window.roadsafeMap?.loaded(), undefined, { timeout: 60_000 });
    return { page, problems };
  }

  /** Clicks the map at a fraction of its width and height (inside Lancashire at the opening view). */
  async function clickMap(page: Page, fx = 0.5, fy = 0.5): Promise<void> {
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
  }

  let reported: { reference: string; statusUrl: string } | undefined;

  it('lists what is missing in an error summary that links to each field, before sending anything', async () => {
    const { page, problems } = await openReport();
    await page.getByRole('button', { name: 'Send the report' }).click();
    const summary = page.locator('#error-summary');
    await summary.waitFor();
    await page.screenshot({ path: screenshotPath('report-errors.png') });
    const text = await summary.innerText();
    expect(text).toContain('Show where it happens');
    expect(text).toContain('Choose the type of concern');
    expect(text).toContain('Describe what happens');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('error-summary');
    expect(await page.getByLabel('Type of concern').getAttribute('aria-invalid')).toBe('true');
    // Each message takes the keyboard to its field.
    await summary.getByRole('link', { name: 'Choose the type of concern' }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('category');
    expect(problems.errors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });

  it('draws a stretch of road point by point, with undo and finish', async () => {
    const { page, problems } = await openReport();
    await page.getByLabel('Draw a stretch of road').check();
    await clickMap(page, 0.45, 0.5);
    expect(await page.locator('#location-status').innerText()).toMatch(/One point placed/);
    await clickMap(page, 0.55, 0.5);
    await clickMap(page, 0.6, 0.55);
    expect(await page.locator('#location-status').innerText()).toMatch(/Stretch of 3 points, about [\d.]+ km long/);
    await page.getByRole('button', { name: 'Undo last point' }).click();
    expect(await page.locator('#location-status').innerText()).toMatch(/Stretch of 2 points/);
    await page.getByRole('button', { name: 'Finish the stretch' }).click();
    expect(await page.locator('#location-status').innerText()).toMatch(/\(finished\)/);
    // Finished: more clicks add nothing until it is cleared.
    await clickMap(page, 0.3, 0.3);
    expect(await page.locator('#location-status').innerText()).toMatch(/Stretch of 2 points/);
    // The keyboard path: the map centre as a point.
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: 'Add the map centre as a point' }).click();
    expect(await page.locator('#location-status').innerText()).toMatch(/One point placed/);
    // The point is drawn on the map's next frame, not at once: wait for it (up to 5 s) before counting.
    await page
      .waitForFunction(() => window.roadsafeMap!.queryRenderedFeatures({ layers: ['picked-points'] }).length === 1, undefined, { timeout: 5000 })
      .catch(() => undefined);
    const drawn = await page.evaluate(() => window.roadsafeMap!.queryRenderedFeatures({ layers: ['picked-points'] }).length);
    expect(drawn).toBe(1);
    expect(problems.errors).toEqual([]);
  });

  it('sends a report with a pin on the map, shows the reference and a private link to a status page saying "Received"', async () => {
    const { page, problems } = await openReport();
    await clickMap(page);
    expect(await page.locator('#location-status').innerText()).toMatch(/^Pin placed at latitude 5\d\.\d+, longitude -[23]\.\d+\.$/);
    await page.getByLabel('Street or place name (optional)').fill('Garstang Road, near the primary school');
    await page.getByLabel('Type of concern').selectOption({ label: 'Nuisance motorbikes / anti-social driving' });
    await page.getByLabel('Friday').check();
    await page.getByLabel('Evening (4pm to 10pm)').check();
    await page.getByLabel('Describe the problem').fill('Motorbikes race along here every Friday evening, far over the limit.');
    await page.getByLabel('Email address').fill('resident@example.org');
    await page.getByLabel('Name', { exact: true }).fill('A Resident');
    await page.screenshot({ path: screenshotPath('report-filled.png'), fullPage: true });
    // The proof of work runs in the browser (ALTCHA) when the report is sent.
    await page.getByRole('button', { name: 'Send the report' }).click();
    const confirmation = page.locator('#confirmation');
    await confirmation.waitFor({ timeout: 90_000 });
    await page.screenshot({ path: screenshotPath('report-confirmation.png') });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirmation');
    const reference = await page.locator('#reference').innerText();
    expect(reference).toMatch(/^CON-\d{4}-\d{6}$/);
    const statusUrl = (await page.locator('#status-link').getAttribute('href'))!;
    expect(new URL(statusUrl).searchParams.get('ref')).toBe(reference);
    expect(new URL(statusUrl).searchParams.get('token')).toMatch(/^[\w-]{20,}$/);
    reported = { reference, statusUrl };

    await page.goto(statusUrl);
    await page.locator('#status').waitFor();
    await page.screenshot({ path: screenshotPath('concern-status.png') });
    expect(await page.locator('#status').innerText()).toBe('Received');
    const text = await page.locator('#concern').innerText();
    expect(text).toContain(reference);
    expect(text).toContain('Nuisance motorbikes / anti-social driving');
    expect(await page.locator('#timeline li').count()).toBe(1);
    // The status page never shows the reporter or the description.
    expect(text).not.toContain('resident@example.org');
    expect(text).not.toContain('A Resident');
    expect(text).not.toContain('Motorbikes race');
    expect(problems.errors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });

  it('says so when the status link is wrong, and offers to look a concern up', async () => {
    expect(reported).toBeDefined();
    const { page } = await session.newPage();
    await page.goto(`${session.server().url}/concern.html?ref=${reported!.reference}&token=not-the-token`);
    await page.locator('#concern [role="alert"]').waitFor();
    expect(await page.locator('#concern').innerText()).toMatch(/could not find a concern/);
    expect(await page.locator('#lookup').isVisible()).toBe(true);
  });

  it('lets staff find the concern on the triage page, see the reporter, and move it on; the reporter sees the new status', async () => {
    expect(reported).toBeDefined();
    const { page, problems } = await session.newPage();
    await session.signIn(page, '/staff/concerns');
    const row = page.locator(`#concern-table tr[data-ref="${reported!.reference}"]`);
    await row.waitFor();
    await page.waitForFunction(() => document.getElementById('map')?.dataset.idle === 'true', undefined, { timeout: 60_000 });
    expect(await page.evaluate(() => window.roadsafeMap!.queryRenderedFeatures({ layers: ['concern-points'] }).length)).toBeGreaterThan(0);
    await row.getByRole('button', { name: reported!.reference }).click();
    const detail = page.locator('#detail');
    await detail.locator('#triage-form').waitFor();
    expect(await detail.locator('#reporter').innerText()).toContain('resident@example.org');
    expect(await detail.innerText()).toContain('Motorbikes race along here');

    await detail.getByLabel('Move to status').selectOption('triaged');
    await detail.getByLabel('Staff note (private)').fill('Checked the site; asking for a speed survey.');
    await detail.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#triage-result', { hasText: 'Saved.' }).waitFor();
    await page.screenshot({ path: screenshotPath('staff-concern-triaged.png'), fullPage: true });
    const history = await page.locator('#history').innerText();
    expect(history).toContain('Received → Triaged');
    expect(history).toContain(ADMIN.email);
    expect(await row.innerText()).toContain('Triaged');
    expect(problems.errors.filter((e) => !expectedNoise(e))).toEqual([]);
    expect(problems.cspViolations).toEqual([]);

    await page.goto(reported!.statusUrl);
    await page.locator('#status').waitFor();
    expect(await page.locator('#status').innerText()).toBe('Triaged');
    expect(await page.locator('#timeline li').count()).toBe(2);
  });
});
