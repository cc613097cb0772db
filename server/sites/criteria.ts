import fs from 'node:fs';
import { z } from '../http/zod.ts';
import { CRITERIA_PRESETS, DEFAULT_SITE_CRITERIA, type SiteCriteria } from './eligibility.ts';

/**
 * Site eligibility criteria in force: the defaults (or a named preset) with the keys of the JSON file
 * at SITE_CRITERIA_FILE merged over them. Read once at start; a bad file stops the service with the
 * key at fault, e.g. `SITE_CRITERIA_FILE criteria.json: mobile.minKsiPerKm: must be a number ≥ 0`.
 */

const nonNegative = z.number({ error: 'must be a number' }).min(0, { message: 'must be a number ≥ 0' });
const share = z.number({ error: 'must be a number' }).min(0, { message: 'must be a share from 0 to 1' }).max(1, { message: 'must be a share from 0 to 1 (e.g. 0.2 for 20%)' });
const positive = z.number({ error: 'must be a number' }).positive({ message: 'must be a number > 0' });

const collisionRule = {
  minKsiPerKm: nonNegative.optional(),
  minLengthKm: nonNegative.optional(),
  maxLengthKm: positive.optional(),
};

/** The file's shape: every key optional, unknown keys refused (a typo must not pass silently). */
export const siteCriteriaFile = z.strictObject({
  $comment: z.string().optional(),
  preset: z.enum(['default', 'older_national'], { error: 'must be "default" or "older_national"' }).optional(),
  periodMonths: z.number().int({ message: 'must be a whole number of months' }).min(1).max(120).optional(),
  collisionBufferM: positive.max(1000).optional(),
  concernBufferM: positive.max(5000).optional(),
  riskBufferM: positive.max(1000).optional(),
  threshold20Mph: z.union([z.literal(24), z.literal(25)], { error: 'must be 24 or 25' }).optional(),
  mobile: z.strictObject(collisionRule).optional(),
  route: z.strictObject(collisionRule).optional(),
  fixed: z.strictObject({ ...collisionRule, minShareOverLimit: share.optional(), p85AtLeastThreshold: z.boolean().optional() }).optional(),
  community: z.strictObject({ p85AtLeastThreshold: z.boolean().optional(), minShareOverThreshold: share.optional() }).optional(),
  surveyMaxAgeMonths: z.number().int({ message: 'must be a whole number of months' }).min(1).optional(),
  requireRiskAssessment: z.boolean().optional(),
  minParkingPositions: z.number().int().min(0).optional(),
  requireWarningSigns: z.boolean().optional(),
  minVisibilityM: z.strictObject({ upTo40Mph: nonNegative.optional(), above40Mph: nonNegative.optional() }).optional(),
});
export type SiteCriteriaFile = z.infer<typeof siteCriteriaFile>;

export interface CriteriaInForce {
  criteria: SiteCriteria;
  /** Where they came from: "defaults" or the file's path. */
  source: string;
  preset: 'default' | 'older_national';
}

/** Merges a parsed criteria file over its preset (nested rules key by key). */
export function mergeCriteria(file: SiteCriteriaFile): SiteCriteria {
  const base = CRITERIA_PRESETS[file.preset ?? 'default'];
  const { preset: _preset, $comment: _comment, mobile, route, fixed, community, minVisibilityM, ...top } = file;
  const merged: SiteCriteria = {
    ...base,
    ...top,
    mobile: { ...base.mobile, ...mobile },
    route: { ...base.route, ...route },
    fixed: { ...base.fixed, ...fixed },
    community: { ...base.community, ...community },
    minVisibilityM: { ...base.minVisibilityM, ...minVisibilityM },
  };
  for (const [name, rule] of [['mobile', merged.mobile], ['route', merged.route], ['fixed', merged.fixed]] as const) {
    if (rule.minLengthKm > rule.maxLengthKm) throw new Error(`${name}.minLengthKm (${rule.minLengthKm}) is more than ${name}.maxLengthKm (${rule.maxLengthKm})`);
  }
  return merged;
}

/** Reads and checks the criteria file (or the defaults when there is none). Throws naming the bad key. */
export function loadSiteCriteria(file: string | undefined): CriteriaInForce {
  if (!file) return { criteria: DEFAULT_SITE_CRITERIA, source: 'defaults', preset: 'default' };
  const where = `SITE_CRITERIA_FILE ${file}`;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${where}: ${e.code === 'ENOENT' ? 'no such file' : e instanceof SyntaxError ? `is not JSON (${e.message})` : e.message}`, { cause: err });
  }
  const parsed = siteCriteriaFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') return `${[key, ...issue.keys].filter(Boolean).join('.')}: is not a criteria setting`;
      return `${key || '(file)'}: ${issue.message}`;
    });
    throw new Error(`${where}: ${problems.join('; ')}`);
  }
  try {
    return { criteria: mergeCriteria(parsed.data), source: file, preset: parsed.data.preset ?? 'default' };
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

let cached: { file: string | undefined; value: CriteriaInForce } | undefined;

/** The criteria in force for this process (SITE_CRITERIA_FILE from the environment), read once. */
export function criteriaFromEnvironment(): CriteriaInForce {
  const file = process.env.SITE_CRITERIA_FILE || undefined;
  if (!cached || cached.file !== file) cached = { file, value: loadSiteCriteria(file) };
  return cached.value;
}
