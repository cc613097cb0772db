import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSiteCriteria } from './criteria.ts';
import { DEFAULT_SITE_CRITERIA } from './eligibility.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'site-criteria-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: unknown) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

describe('loadSiteCriteria', () => {
  it('uses the defaults without a file', () => {
    expect(loadSiteCriteria(undefined)).toEqual({ criteria: DEFAULT_SITE_CRITERIA, source: 'defaults', preset: 'default' });
  });

  it('merges the file over the defaults, rule by rule', () => {
    const { criteria, source } = loadSiteCriteria(file('local.json', { mobile: { minKsiPerKm: 1.5 }, threshold20Mph: 24, community: { minShareOverThreshold: 0.1 } }));
    expect(source).toMatch(/local\.json$/);
    expect(criteria.mobile).toEqual({ minKsiPerKm: 1.5, minLengthKm: 0.4, maxLengthKm: 5 });
    expect(criteria.threshold20Mph).toBe(24);
    expect(criteria.community).toEqual({ p85AtLeastThreshold: true, minShareOverThreshold: 0.1 });
    expect(criteria.fixed).toEqual(DEFAULT_SITE_CRITERIA.fixed);
  });

  it('starts from the older national rule when the file picks that preset', () => {
    const { criteria, preset } = loadSiteCriteria(file('older.json', { preset: 'older_national', fixed: { maxLengthKm: 2 } }));
    expect(preset).toBe('older_national');
    expect(criteria.mobile.minKsiPerKm).toBe(2);
    expect(criteria.fixed).toMatchObject({ minKsiPerKm: 4, maxLengthKm: 2 });
  });

  it('names the bad key, an unknown key and a file that is not JSON', () => {
    expect(() => loadSiteCriteria(file('bad.json', { mobile: { minKsiPerKm: -1 } }))).toThrow(/bad\.json: mobile\.minKsiPerKm: must be a number ≥ 0/);
    expect(() => loadSiteCriteria(file('typo.json', { mobile: { minKsiPerKM: 2 } }))).toThrow(/typo\.json: mobile\.minKsiPerKM: is not a criteria setting/);
    expect(() => loadSiteCriteria(file('share.json', { fixed: { minShareOverLimit: 20 } }))).toThrow(/fixed\.minShareOverLimit: must be a share from 0 to 1/);
    expect(() => loadSiteCriteria(file('broken.json', '{ "mobile": '))).toThrow(/broken\.json: is not JSON/);
    expect(() => loadSiteCriteria(path.join(dir, 'missing.json'))).toThrow(/missing\.json: no such file/);
    expect(() => loadSiteCriteria(file('lengths.json', { route: { minLengthKm: 30 } }))).toThrow(/route\.minLengthKm \(30\) is more than route\.maxLengthKm \(20\)/);
  });
});
