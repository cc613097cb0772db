import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADMIN, CHROMIUM_PATH, screenshotPath, useBrowserSession } from './support.ts';

describe.skipIf(!fs.existsSync(CHROMIUM_PATH))('the staff pages in Chromium', () => {
  const session = useBrowserSession();
  const newPage = () => session.newPage();

  it('sends a visitor who is not signed in to the sign-in page', async () => {
    const { page } = await newPage();
    await page.goto(`${session.server().url}/staff/`);
    await page.waitForURL(/\/staff\/login\?next=/);
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
  });

  it('says what is wrong when the password is wrong, and stays on the sign-in page', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${session.server().url}/staff/login`);
    await page.getByLabel('Email address').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const summary = page.locator('#error-summary');
    await summary.waitFor();
    await page.screenshot({ path: screenshotPath('staff-login-error.png') });
    expect(await summary.innerText()).toContain('The email address or password is not right');
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    // The error summary takes focus so screen readers announce it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('error-summary');
    expect(new URL(page.url()).pathname).toBe('/staff/login');
    // The only console errors are the browser's own note of the 401 response.
    expect(problems.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });

  it('asks for the email and password before sending anything', async () => {
    const { page } = await newPage();
    await page.goto(`${session.server().url}/staff/login`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#error-summary').waitFor();
    const text = await page.locator('#error-summary').innerText();
    expect(text).toContain('Enter your email address');
    expect(text).toContain('Enter your password');
  });

  it('signs the initial admin in to the staff area, shows the shell, and signs out', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${session.server().url}/staff/login`);
    await page.getByLabel('Email address').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/staff\/$/);
    await page.locator('#staff-user').waitFor();
    await page.screenshot({ path: screenshotPath('staff-shell.png') });
    expect(await page.locator('#user-email').innerText()).toContain(ADMIN.email);
    expect(await page.locator('#user-roles').innerText()).toContain('Administrator');

    const nav = page.getByRole('navigation', { name: 'Staff area' });
    for (const name of ['Hotspots', 'Concerns', 'Enforcement sites', 'Van plans', 'Operation Snap', 'Enforcement results', 'Imports', 'Users']) {
      expect(await nav.getByRole('link', { name: new RegExp(`^${name}`) }).count()).toBe(1);
    }
    // Hotspots and Concerns are pages of their own; a section of a later release shows its placeholder.
    await nav.getByRole('link', { name: /^Hotspots/ }).click();
    await page.waitForURL(/\/staff\/hotspots$/);
    await page.locator('#section-heading', { hasText: 'Hotspots' }).waitFor();
    await page.getByRole('navigation', { name: 'Staff area' }).getByRole('link', { name: /^Operation Snap/ }).click();
    await page.locator('#content .placeholder').waitFor();
    expect(await page.locator('#content').innerText()).toContain('Coming in a later release');

    // Imports lists the demo data import; Users lists the admin.
    await nav.getByRole('link', { name: /^Imports/ }).click();
    await page.locator('#content table', { hasText: 'lancashire-collisions-2023.csv' }).waitFor();
    expect(await page.locator('#section-heading').innerText()).toBe('Imports');
    await nav.getByRole('link', { name: /^Users/ }).click();
    await page.locator('#content table', { hasText: ADMIN.email }).waitFor();
    expect(await page.locator('#section-heading').innerText()).toBe('Users');
    expect(await nav.getByRole('link', { name: /^Users/ }).getAttribute('aria-current')).toBe('page');
    await page.screenshot({ path: screenshotPath('staff-users.png') });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/staff\/login$/);
    // Signed out: the staff area sends us back to sign in.
    await page.goto(`${session.server().url}/staff/`);
    await page.waitForURL(/\/staff\/login\?next=/);
    expect(problems.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });
});
