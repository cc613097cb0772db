import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADMIN, CHROMIUM_PATH, screenshotPath, useBrowserSession, waitForMapIdle } from './support.ts';
import { ensureUser, generatePlan, testPlanMonth, signInApi, smallRegister, SUPERVISOR } from './planning-api.ts';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

describe.skipIf(!fs.existsSync(CHROMIUM_PATH))('the public list of enforcement sites, in Chromium', () => {
  const session = useBrowserSession();
  const month = testPlanMonth();
  const monthName = `${MONTHS[Number(month.slice(5)) - 1]} ${month.slice(0, 4)}`;

  it('says the month’s list is not published yet while there is none', async () => {
    const { page, problems } = await session.newPage();
    await page.goto(`${session.server().url}/enforcement-sites?month=${month}`);
    await page.locator('#not-published').waitFor();
    expect(await page.locator('#not-published').innerText()).toContain(`The list for ${monthName} is not published yet.`);
    expect(await page.locator('#where-not-when').innerText()).toMatch(/where .* may visit .* not when/);
    expect(await page.locator('#downloads').isHidden()).toBe(true);
    // The browser logs the API's 404 for an unpublished month: the page turns it into the sentence above.
    expect(problems.errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });

  it('lists every published site of the month by district and category, with no date, time, shift or van, and filters by road', async () => {
    // A small register and fleet, a plan generated and approved by the administrator, published by a supervisor.
    const admin = await signInApi(session.server().url, ADMIN.email, ADMIN.password);
    await ensureUser(admin, SUPERVISOR);
    await smallRegister(admin, month, { keep: 6, vans: 2 });
    const plan = await generatePlan(admin, month, 7);
    expect(plan.violations).toEqual([]);
    await admin.call('POST', `/api/plans/${plan.id}/approve`);
    const { vans } = await admin.call<{ vans: Array<{ callSign: string }> }>('GET', '/api/vans');
    const { shifts } = await admin.call<{ shifts: Array<{ code: string; name: string; starts: string; ends: string }> }>('GET', '/api/shift-templates');
    await admin.dispose();
    const supervisor = await signInApi(session.server().url, SUPERVISOR.email, SUPERVISOR.password);
    await supervisor.call('POST', `/api/plans/${plan.id}/publish`);
    await supervisor.dispose();

    const { page, problems } = await session.newPage({ width: 1280, height: 1000 });
    const published = (await (await page.request.get(`${session.server().url}/api/public/enforcement-sites?month=${month}`)).json()) as {
      districts: Array<{ name: string; sites: Array<{ text: string; roadNumber: string | null; category: string }> }>;
    };
    const texts = published.districts.flatMap((d) => d.sites.map((s) => s.text)).sort();
    expect(texts.length).toBeGreaterThanOrEqual(6);

    await page.goto(`${session.server().url}/enforcement-sites?month=${month}`);
    await page.locator('.published-line').first().waitFor();
    expect(await page.getByLabel('Month', { exact: true }).inputValue()).toBe(month);
    expect((await page.locator('.published-text').allInnerTexts()).sort()).toEqual(texts);
    expect(await page.locator('#list-count').innerText()).toBe(`${texts.length} sites in ${published.districts.filter((d) => d.sites.length).length} districts for ${monthName}.`);
    for (const d of published.districts) expect(await page.locator('.district-group h3', { hasText: d.name }).count()).toBe(1);

    // Nothing on the page says when: no dates, clock times, weekdays, shifts or vans.
    const body = await page.locator('body').innerText();
    expect(body).not.toMatch(/\b\d{4}-\d{2}-\d{2}\b/);
    expect(body).not.toMatch(/\b\d{1,2}:\d{2}\b/);
    expect(body).not.toMatch(/\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w* \d{4}\b/);
    expect(body).not.toMatch(/\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b/);
    for (const van of vans) expect(body).not.toContain(van.callSign);
    for (const shift of shifts) {
      expect(body).not.toContain(`${shift.starts}`);
      expect(body.toLowerCase()).not.toContain(`${shift.name.toLowerCase()} shift`);
    }
    expect(body).not.toMatch(/\bshift\b/i);

    await waitForMapIdle(page);
    const drawn = await page.evaluate(() => window.roadsafeMap!.queryRenderedFeatures({ layers: ['enforcement-site-lines'] }).length);
    expect(drawn).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('enforcement-sites.png'), fullPage: true });

    // Search by road: the road number of one site keeps only the lines on that road.
    const road = published.districts.flatMap((d) => d.sites).find((s) => s.roadNumber)!.roadNumber!;
    const onRoad = texts.filter((t) => t.toLowerCase().includes(road.toLowerCase()));
    await page.getByLabel('Road or place').fill(road);
    await page.locator('#list-count', { hasText: 'match your search' }).waitFor();
    expect((await page.locator('.published-text').allInnerTexts()).sort()).toEqual(onRoad);
    expect(await page.locator('#list-count').innerText()).toBe(`${onRoad.length} of ${texts.length} sites for ${monthName} match your search.`);
    expect(new URL(page.url()).searchParams.get('road')).toBe(road);
    await page.getByLabel('Road or place').fill('no such road anywhere');
    await page.locator('#no-match').waitFor();

    // Downloads for the month.
    const csv = await page.request.get(new URL((await page.locator('#download-csv').getAttribute('href'))!, session.server().url).href);
    expect(csv.status()).toBe(200);
    const csvText = await csv.text();
    for (const t of texts.slice(0, 3)) expect(csvText).toContain(t.split(',')[0]!);
    const geojson = (await (await page.request.get(new URL((await page.locator('#download-geojson').getAttribute('href'))!, session.server().url).href)).json()) as { features: unknown[] };
    expect(geojson.features).toHaveLength(texts.length);
    expect(problems.errors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });
});
