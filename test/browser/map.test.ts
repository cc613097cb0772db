import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SEVERITY_COLOURS } from '../../client/src/map/style.ts';
import {
  CHROMIUM_PATH,
  countColours,
  decodePng,
  screenshotPath,
  useBrowserSession,
  waitForMapIdle,
  type PageProblems,
} from './support.ts';

describe.skipIf(!fs.existsSync(CHROMIUM_PATH))('the public collision map in Chromium', () => {
  const session = useBrowserSession();

  /** Opens the map at `path` and waits until its tiles are drawn and the summary is in. */
  async function openMap(path: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; problems: PageProblems }> {
    const { page, problems } = await session.newPage(viewport);
    await page.goto(`${session.server().url}${path}`);
    await waitForMapIdle(page);
    await page.waitForSelector('#summary[aria-busy="false"]', { state: 'attached' });
    return { page, problems };
  }

  /** Pixels of each severity colour on the map canvas, with the overlays (legend, messages, controls) masked out. */
  async function severityPixels(page: Page, name: string): Promise<Record<string, number>> {
    const png = await page.locator('#map canvas').screenshot({
      path: screenshotPath(name),
      mask: [page.locator('#legend'), page.locator('#map-message'), page.locator('.maplibregl-control-container')],
    });
    return countColours(decodePng(png), SEVERITY_COLOURS);
  }

  it('loads with no console errors and no content security policy violations', async () => {
    const { page, problems } = await openMap('/');
    await page.screenshot({ path: screenshotPath('map-page.png') });
    expect(problems.errors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
    expect(await page.locator('#summary-total').innerText()).toBe('2,762');
    // Attribution for the OGL data is on the map itself.
    expect(await page.locator('.maplibregl-ctrl-attrib').innerText()).toContain('Open Government Licence v3.0');
  });

  it('draws collisions in the severity colours, and none for a date range without collisions', async () => {
    const all = await openMap('/');
    const drawn = await severityPixels(all.page, 'map-canvas-all.png');
    expect(drawn.slight).toBeGreaterThan(2000);
    expect(drawn.serious).toBeGreaterThan(2000);
    expect(drawn.fatal).toBeGreaterThan(100);
    await session.closeContext();

    const none = await openMap('/?from=2030-01-01&to=2030-12-31');
    expect(await none.page.locator('#summary-total').innerText()).toBe('0');
    expect(await none.page.locator('#map-message').innerText()).toMatch(/No collisions match/);
    expect(await severityPixels(none.page, 'map-canvas-none.png')).toEqual({ fatal: 0, serious: 0, slight: 0 });
    expect(none.problems.errors).toEqual([]);
  });

  it('draws single collisions at street zoom, at the view the URL names', async () => {
    const { page } = await openMap('/#map=13.5/53.7600/-2.7000');
    expect(await page.evaluate(() => window.roadsafeMap!.getZoom())).toBeCloseTo(13.5, 1);
    const rendered = await page.evaluate(() => window.roadsafeMap!.queryRenderedFeatures({ layers: ['collision-points'] }).length);
    expect(rendered).toBeGreaterThan(50);
    const drawn = await severityPixels(page, 'map-canvas-preston.png');
    expect(drawn.slight).toBeGreaterThan(500);
    expect(drawn.serious).toBeGreaterThan(500);
  });

  it('changes the summary and the URL when only fatal collisions are chosen, and restores them on reload', async () => {
    const { page, problems } = await openMap('/');
    expect(await page.locator('.severity-card-count[data-severity="fatal"]').innerText()).toBe('35');
    await page.getByLabel('Serious').uncheck();
    await page.getByLabel('Slight').uncheck();
    await page.waitForFunction(() => document.getElementById('summary-total')?.textContent === '35');
    expect(new URL(page.url()).searchParams.get('severity')).toBe('fatal');
    expect(await page.locator('.severity-card-count[data-severity="serious"]').innerText()).toBe('0');
    await waitForMapIdle(page);
    const pixels = await severityPixels(page, 'map-canvas-fatal.png');
    expect(pixels.fatal).toBeGreaterThan(100);
    expect(pixels.slight).toBe(0);

    await page.reload();
    await waitForMapIdle(page);
    await page.waitForFunction(() => document.getElementById('summary-total')?.textContent === '35');
    expect(await page.getByLabel('Fatal').isChecked()).toBe(true);
    expect(await page.getByLabel('Serious').isChecked()).toBe(false);
    expect(problems.errors).toEqual([]);
  });

  it('shows the details of a collision clicked on the map', async () => {
    const { page, problems } = await openMap('/#map=13.5/53.7600/-2.7000');
    // A rendered collision away from the edges (and the legend), as a point on the page.
    const target = await page.evaluate(() => {
      const map = window.roadsafeMap!;
      const box = map.getCanvas().getBoundingClientRect();
      for (const feature of map.queryRenderedFeatures({ layers: ['collision-points'] })) {
        const point = map.project((feature.geometry as GeoJSON.Point).coordinates as [number, number]);
        if (point.x > box.width * 0.35 && point.x < box.width * 0.75 && point.y > box.height * 0.3 && point.y < box.height * 0.7) {
          return { x: box.left + point.x, y: box.top + point.y, collisionIndex: String(feature.properties.collisionIndex) };
        }
      }
      return undefined;
    });
    expect(target).toBeDefined();
    await page.mouse.click(target!.x, target!.y);
    const details = page.locator('.collision-details');
    await details.locator('.details').waitFor();
    await page.screenshot({ path: screenshotPath('map-details.png') });
    const text = await details.innerText();
    expect(text).toContain(target!.collisionIndex);
    expect(text).toMatch(/(Fatal|Serious|Slight) collision/);
    expect(text).toMatch(/When\s+\w+day \d{1,2} \w{3} 2023/);
    expect(text).toMatch(/Speed limit\s+\d+ mph/);
    expect(text).toMatch(/Vehicles\s+\d+/);
    expect(problems.errors).toEqual([]);
  });

  it('lists the filtered collisions in a table and offers them as CSV and GeoJSON', async () => {
    const { page, problems } = await openMap('/?severity=fatal&view=table');
    await page.locator('#collision-table').waitFor();
    await page.screenshot({ path: screenshotPath('map-table.png') });
    expect(await page.locator('#collision-table tbody tr').count()).toBe(35);
    expect(await page.locator('#table-count').innerText()).toContain('35 collisions');

    const csvHref = await page.locator('#download-csv').getAttribute('href');
    const csv = await page.request.get(new URL(csvHref!, session.server().url).href);
    expect(csv.status()).toBe(200);
    const lines = (await csv.text()).trim().split(/\r?\n/);
    expect(lines[0]).toContain('collisionIndex');
    expect(lines).toHaveLength(1 + 35);

    const geojsonHref = await page.locator('#download-geojson').getAttribute('href');
    const geojson = (await (await page.request.get(new URL(geojsonHref!, session.server().url).href)).json()) as { features: unknown[] };
    expect(geojson.features).toHaveLength(35);

    // "Show on map" goes back to the map at that collision and opens its details.
    await page.locator('#collision-table tbody tr').first().getByRole('button', { name: /Show on map/ }).click();
    await page.locator('.collision-details .details').waitFor();
    expect(await page.locator('#show-map').getAttribute('aria-pressed')).toBe('true');
    expect(problems.errors).toEqual([]);
  });

  it('works on a phone: the map fills the screen and the filters open over it', async () => {
    const { page, problems } = await openMap('/', { width: 390, height: 844 });
    expect(await page.locator('#panel').isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('map-phone.png') });
    await page.getByRole('button', { name: 'Filters & summary' }).click();
    expect(await page.locator('#panel').isVisible()).toBe(true);
    expect(await page.locator('#summary-total').innerText()).toBe('2,762');
    await page.screenshot({ path: screenshotPath('map-phone-panel.png') });
    expect(problems.errors).toEqual([]);
  });
});
