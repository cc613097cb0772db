import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HOTSPOT_COLOURS } from '../../client/src/hotspots/style.ts';
import { CHROMIUM_PATH, countColours, decodePng, expectedNoise, screenshotPath, useBrowserSession, waitForMapIdle, type PageProblems } from './support.ts';


const SITE_COLOURS = { candidate: HOTSPOT_COLOURS.candidate, ranked: HOTSPOT_COLOURS.ranked, selected: HOTSPOT_COLOURS.selected };

describe.skipIf(!fs.existsSync(CHROMIUM_PATH))('hotspots on the staff page and the public map, in Chromium', () => {
  const session = useBrowserSession();

  async function openStaffPage(path = '/staff/hotspots'): Promise<{ page: Page; problems: PageProblems }> {
    const { page, problems } = await session.newPage({ width: 1400, height: 1000 });
    await session.signIn(page, '/staff/hotspots');
    if (path !== '/staff/hotspots') await page.goto(`${session.server().url}${path}`);
    return { page, problems };
  }

  /** Pixels of the hotspot colours on a map canvas, controls masked out. */
  async function sitePixels(page: Page, name: string): Promise<Record<keyof typeof SITE_COLOURS, number>> {
    const png = await page.locator('#map canvas').screenshot({ path: screenshotPath(name), mask: [page.locator('.maplibregl-control-container'), page.locator('#legend'), page.locator('#map-message')] });
    return countColours(decodePng(png), SITE_COLOURS, 20) as Record<keyof typeof SITE_COLOURS, number>;
  }

  const ranks = (page: Page) => page.locator('#hotspot-table tbody td.rank-cell').allInnerTexts();

  it('shows the published ranking with its method and period, and starts a new scoring run with a progress bar', async () => {
    const { page, problems } = await openStaffPage();
    // The first start scores the demo collisions once, so a published ranking exists.
    await page.locator('#hotspot-table').waitFor();
    await page.locator('#method .method-facts').waitFor();
    // The demo data has no road network: the page says the run used the hexagonal grid, and over which period.
    const method = await page.locator('#method').innerText();
    expect(method).toMatch(/hexagonal grid \(\d+ m\)/);
    expect(method).toMatch(/Injury collisions \d{1,2} \w{3} \d{4} to \d{1,2} \w{3} \d{4}/);
    expect(method).toMatch(/Camera evidence/);
    expect(method).toMatch(/Method version \S+/);
    expect(method).toMatch(/Collision values\s+.*\d{4} prices/);
    const firstRun = Number(/Run (\d+),/.exec(method)?.[1]);
    expect(firstRun).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Start a new run' }).click();
    await page.locator('#run-progress').waitFor();
    expect(await page.getByRole('button', { name: 'Start a new run' }).isDisabled()).toBe(true);
    await page.locator('#run-stage', { hasText: /finished/ }).waitFor({ timeout: 180_000 });
    expect(await page.locator('#run-progress-bar').evaluate((el) => (el as HTMLProgressElement).value)).toBe(1);
    // The new run is the published ranking now; the picker offers both.
    await page.locator('#method', { hasText: `Run ${firstRun + 1},` }).waitFor();
    await page.locator('#hotspot-table').waitFor();
    await page.screenshot({ path: screenshotPath('staff-hotspots-after-run.png') });
    const runs = await page.locator('#run option').allInnerTexts();
    expect(runs[0]).toBe('Latest published run');
    expect(runs.some((r) => r.startsWith(`Run ${firstRun + 1}:`))).toBe(true);
    expect(problems.errors.filter((e) => !expectedNoise(e))).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });

  it('lists the sites in rank order beside a map that draws them', async () => {
    const { page, problems } = await openStaffPage();
    await page.locator('#hotspot-table').waitFor();
    const shown = (await ranks(page)).map(Number);
    expect(shown.length).toBeGreaterThan(5);
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    expect(shown[0]).toBe(1);
    expect(await page.locator('#list-status').innerText()).toMatch(/in rank order/);
    // Exports follow the same run and filters.
    const csvHref = (await page.locator('#export-csv').getAttribute('href'))!;
    expect(csvHref).toMatch(/format=csv/);
    const csv = await page.request.get(new URL(csvHref, session.server().url).href);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).split('\n')[0]).toContain('siteId');
    const geojsonHref = (await page.locator('#export-geojson').getAttribute('href'))!;
    const geojson = (await (await page.request.get(new URL(geojsonHref, session.server().url).href)).json()) as { features: unknown[] };
    expect(geojson.features.length).toBeGreaterThanOrEqual(shown.length);

    await waitForMapIdle(page);
    const pixels = await sitePixels(page, 'staff-hotspots-map.png');
    expect(pixels.candidate + pixels.ranked).toBeGreaterThan(50);
    const drawn = await page.evaluate(() => window.roadsafeMap!.queryRenderedFeatures({ layers: ['hotspot-cell-fill', 'hotspot-lines', 'hotspot-points'] }).length);
    expect(drawn).toBeGreaterThan(0);
    expect(problems.errors.filter((e) => !expectedNoise(e))).toEqual([]);
  });

  it('opens a site from its row with the trend, the day × hour grid and the road-user breakdown, and highlights it on the map', async () => {
    const { page, problems } = await openStaffPage();
    await page.locator('#hotspot-table').waitFor();
    const first = page.locator('#hotspot-table tbody tr').first();
    const siteId = (await first.getAttribute('data-site-id'))!;
    await first.locator('.site-button').click();
    const detail = page.locator('#detail');
    await detail.locator('.site-detail').waitFor();
    expect(await first.getAttribute('aria-selected')).toBe('true');
    expect(new URL(page.url()).searchParams.get('site')).toBe(siteId);
    expect(await detail.locator('.site-title').innerText()).toMatch(/^#1\s/);
    // The trend: one bar group per year of the period, with the collisions drawn.
    expect(await detail.locator('[data-chart="trend"] g.bar').count()).toBeGreaterThanOrEqual(1);
    expect(await detail.locator('[data-chart="trend"] rect').count()).toBeGreaterThan(0);
    // The 7 × 24 heat grid.
    expect(await detail.locator('.site-chart svg rect[rx]').count()).toBe(7 * 24);
    expect(await detail.getByRole('heading', { name: 'Road users' }).count()).toBe(1);
    expect(await detail.innerText()).toMatch(/Probability of excess/);
    await waitForMapIdle(page);
    await page.screenshot({ path: screenshotPath('staff-hotspots-detail.png'), fullPage: true });
    const pixels = await sitePixels(page, 'staff-hotspots-selected.png');
    expect(pixels.selected).toBeGreaterThan(20);
    expect(problems.errors.filter((e) => !expectedNoise(e))).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });

  it('filters to candidates only and re-scores one district, then goes back to the published ranking', async () => {
    const { page, problems } = await openStaffPage();
    await page.locator('#hotspot-table').waitFor();
    const all = (await ranks(page)).length;
    await page.getByLabel('Candidates only').check();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('candidate') === 'true');
    await page.waitForFunction(() => !document.getElementById('list-status')!.textContent!.startsWith('Loading'));
    const candidates = await page.locator('#hotspot-table tbody tr').count();
    expect(candidates).toBeLessThanOrEqual(all);
    for (const flags of await page.locator('#hotspot-table tbody tr td:last-child').allInnerTexts()) expect(flags).toContain('Candidate');
    await page.getByLabel('Candidates only').uncheck();

    await page.locator('#rescore summary').click();
    await page.getByLabel('District', { exact: true }).last().selectOption({ label: 'Preston' });
    await page.getByLabel('Severity').selectOption('ksi');
    await page.getByRole('button', { name: 'Re-score' }).click();
    await page.locator('#rescore-banner:not([hidden])').waitFor({ timeout: 60_000 });
    expect(await page.locator('#rescore-text').innerText()).toMatch(/re-score of Preston \(severity ksi\)/);
    await page.screenshot({ path: screenshotPath('staff-hotspots-rescore.png'), fullPage: true });
    const rescored = (await ranks(page)).map(Number);
    expect(rescored).toEqual([...rescored].sort((a, b) => a - b));
    expect(await page.locator('#run').inputValue()).toMatch(/^\d+$/);
    await page.getByRole('button', { name: 'Back to the published ranking' }).click();
    await page.locator('#rescore-banner').waitFor({ state: 'hidden' });
    expect(await page.locator('#run').inputValue()).toBe('latest');
    expect(problems.errors.filter((e) => !expectedNoise(e))).toEqual([]);
  });

  it('shows the hotspot layer on the public map with its legend, method line and a popup linking to the site page', async () => {
    const { page, problems } = await session.newPage();
    await page.goto(`${session.server().url}/?hotspots=on#map=12/53.7600/-2.7000`);
    await waitForMapIdle(page);
    expect(await page.getByLabel('Show ranked hotspot sites').isChecked()).toBe(true);
    expect(await page.locator('#hotspot-method').innerText()).toMatch(/Ranked on a hexagonal grid .* from collisions \d/);
    expect(await page.locator('#legend').innerText()).toContain('Candidate hotspot');
    // The same sites without the map: the top candidates as links.
    await page.locator('#hotspot-top li').first().waitFor();
    expect(await page.locator('#hotspot-top li a').first().getAttribute('href')).toMatch(/^\/hotspot\?site=cell%3A/);
    const pixels = await sitePixels(page, 'map-hotspots.png');
    expect(pixels.candidate + pixels.ranked).toBeGreaterThan(50);

    const target = await page.evaluate(() => {
      const map = window.roadsafeMap!;
      const box = map.getCanvas().getBoundingClientRect();
      for (const f of map.queryRenderedFeatures({ layers: ['hotspot-cell-fill', 'hotspot-points'] })) {
        const g = f.geometry;
        const ring = g.type === 'Polygon' ? (g.coordinates[0] as [number, number][]) : g.type === 'Point' ? [g.coordinates as [number, number]] : [];
        if (ring.length === 0) continue;
        const [lon, lat] = ring.reduce(([x, y], [a, b]) => [x + a / ring.length, y + b / ring.length], [0, 0]);
        const p = map.project([lon, lat]);
        if (p.x > box.width * 0.35 && p.x < box.width * 0.8 && p.y > box.height * 0.25 && p.y < box.height * 0.75) return { x: box.left + p.x, y: box.top + p.y };
      }
      return undefined;
    });
    expect(target).toBeDefined();
    await page.mouse.click(target!.x, target!.y);
    const popup = page.locator('.hotspot-popup');
    await popup.waitFor();
    await page.screenshot({ path: screenshotPath('map-hotspot-popup.png') });
    const text = await popup.innerText();
    expect(text).toMatch(/Rank\s+\d+/);
    expect(text).toMatch(/Harm\s+(£[\d,.]+m?|–)/);
    expect(text).toMatch(/P\(excess\)\s+[<>]?\d/);
    const href = (await popup.getByRole('link', { name: 'Site details and charts' }).getAttribute('href'))!;
    expect(href).toMatch(/^\/hotspot\?site=cell%3A/);

    await page.goto(`${session.server().url}${href}`);
    await page.locator('.site-detail').waitFor();
    await page.screenshot({ path: screenshotPath('hotspot-site-page.png'), fullPage: true });
    expect(await page.locator('h1.site-title').innerText()).toMatch(/^#\d+/);
    expect(await page.locator('#method').innerText()).toMatch(/hexagonal grid/);
    // Public: no concern reporter data or free text anywhere on the page.
    expect(await page.locator('body').innerText()).not.toMatch(/@example\.org/);
    expect(problems.errors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });
});
