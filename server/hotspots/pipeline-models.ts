import { empiricalBayes } from '../../geo/stats/empirical-bayes.ts';
import { harmScore } from '../../geo/stats/harm.ts';
import { fitNegativeBinomial, predictMu, type NbFit, type NbObservation } from '../../geo/stats/negative-binomial.ts';
import { speedBand, type HotspotParams } from './params.ts';
import type { Site, SiteUnit } from './pipeline-types.ts';

/*
 * Step 5 of the method: a negative binomial safety performance function per reference group, the
 * Empirical Bayes estimate per site, the harm score and the candidate test.
 */

/** Number of key levels: 0 = unit × road class × urban/rural × speed band … 3 = unit alone. */
const LEVELS = 4;

/**
 * A site's reference-group key at `level`: 0 the full key (unit, road class, urban/rural, speed
 * band), 1 without the speed band, 2 without urban/rural, 3 the unit alone. Grid cells carry no
 * road attributes, so every cell is in the one group "cell".
 */
export function referenceKey(site: Site, level: number): string {
  if (site.unit === 'cell') return 'cell';
  const parts: string[] = [site.unit];
  if (level <= 2) parts.push(site.roadClass ?? 'unknown_class');
  if (level <= 1) parts.push(site.urban === null ? 'unknown_area' : site.urban ? 'urban' : 'rural');
  if (level === 0) parts.push(site.effectiveSpeedMph === null ? 'unknown_speed' : `${speedBand(site.effectiveSpeedMph)}mph`);
  return parts.join('|');
}

/**
 * Exposure of a site over the period: length (km) × years for segments and windows, years for
 * junctions and cells. The model's offset is its logarithm, so μ scales with length and time.
 */
export function exposure(site: Site, years: number): number {
  if (site.unit === 'segment' || site.unit === 'window') return Math.max(site.lengthM ?? 0, 1) / 1000 * years;
  return years;
}

export interface FitSummary {
  coefficients: number[];
  k: number;
  n: number;
  logLik: number;
  converged: boolean;
  iterations: number;
  /** Observed collisions in the group's sites over the period. */
  observed: number;
  /** When the maximum-likelihood fit could not be used: what replaced it and why. */
  fallback?: string;
}

export interface GroupSummary {
  unit: SiteUnit;
  key: string;
  /** 0 full key … 3 unit alone. */
  level: number;
  /** Sites scored with this group's model. */
  sites: number;
  /** Sites the model was fitted on (the whole group at its level, merged children included). */
  fittedOn: number;
  ksi: FitSummary;
  all: FitSummary;
}

/** A fit that cannot fail on legal input: intercept-only NB2, else the moment estimate. */
function fitGroup(obs: NbObservation[]): { fit: NbFit; summary: FitSummary } {
  const observed = obs.reduce((s, o) => s + o.y, 0);
  try {
    const fit = fitNegativeBinomial(obs);
    if (fit.converged && fit.coefficients.every((c) => !Number.isNaN(c)) && Number.isFinite(fit.k)) {
      return { fit, summary: { coefficients: fit.coefficients, k: fit.k, n: fit.n, logLik: fit.logLik, converged: true, iterations: fit.iterations, observed } };
    }
    return momentFit(obs, observed, `maximum likelihood did not converge in ${fit.iterations} iterations`);
  } catch (err) {
    return momentFit(obs, observed, (err as Error).message);
  }
}

/** Rate = Σy / Σexposure and k by the method of moments (Var = μ + kμ²), floored at 0. */
function momentFit(obs: NbObservation[], observed: number, reason: string): { fit: NbFit; summary: FitSummary } {
  const exposureSum = obs.reduce((s, o) => s + Math.exp(o.offset ?? 0), 0);
  const rate = exposureSum > 0 ? observed / exposureSum : 0;
  let num = 0;
  let den = 0;
  for (const o of obs) {
    const mu = rate * Math.exp(o.offset ?? 0);
    num += (o.y - mu) ** 2 - mu;
    den += mu * mu;
  }
  const k = den > 0 ? Math.max(0, num / den) : 0;
  const fit: NbFit = { coefficients: [rate > 0 ? Math.log(rate) : -Infinity], k, logLik: NaN, iterations: 0, converged: false, n: obs.length };
  return { fit, summary: { coefficients: fit.coefficients, k, n: obs.length, logLik: NaN, converged: false, iterations: 0, observed, fallback: `moment estimate (${reason})` } };
}

export interface ModelOptions {
  years: number;
  ksiValueGbp: number;
  slightValueGbp: number;
}

/**
 * Fits the models of one unit's sites and scores each site: reference group (merged up while the
 * group has fewer than `minGroupSites` sites), μ for KSI and for all injury collisions, the EB
 * weight, expected value, excess and probability of excess, pExcess = the larger of the two, the
 * harm score (£ per year of excess), and candidate = pExcess ≥ candidateP with positive harm.
 */
export function scoreUnit(sites: Site[], params: HotspotParams, options: ModelOptions): GroupSummary[] {
  if (sites.length === 0) return [];
  const unit = sites[0]!.unit;
  const keys = sites.map((s) => Array.from({ length: LEVELS }, (_, level) => referenceKey(s, level)));
  const counts = Array.from({ length: LEVELS }, () => new Map<string, number>());
  for (const k of keys) for (let level = 0; level < LEVELS; level++) counts[level]!.set(k[level]!, (counts[level]!.get(k[level]!) ?? 0) + 1);

  // Each site's group: the most specific level with enough sites (the unit alone as a last resort).
  const chosen = keys.map((k) => {
    for (let level = 0; level < LEVELS - 1; level++) if ((counts[level]!.get(k[level]!) ?? 0) >= params.minGroupSites) return level;
    return LEVELS - 1;
  });

  const fits = new Map<string, { level: number; ksi: ReturnType<typeof fitGroup>; all: ReturnType<typeof fitGroup>; sites: number }>();
  const members = new Map<string, number[]>();
  sites.forEach((_, i) => {
    const key = `${chosen[i]}#${keys[i]![chosen[i]!]}`;
    let list = members.get(key);
    if (!list) members.set(key, (list = []));
    list.push(i);
  });
  for (const [groupKey, list] of members) {
    const level = chosen[list[0]!]!;
    const key = keys[list[0]!]![level]!;
    // Fit on every site of the group at its level (a merged parent includes its large children).
    const fitted: number[] = [];
    for (let i = 0; i < sites.length; i++) if (keys[i]![level] === key) fitted.push(i);
    const offset = (i: number) => Math.log(exposure(sites[i]!, options.years));
    const ksi = fitGroup(fitted.map((i) => ({ y: sites[i]!.fatal + sites[i]!.serious, x: [], offset: offset(i) })));
    const all = fitGroup(fitted.map((i) => ({ y: sites[i]!.fatal + sites[i]!.serious + sites[i]!.slight, x: [], offset: offset(i) })));
    fits.set(groupKey, { level, ksi, all, sites: list.length });
    for (const i of list) {
      const site = sites[i]!;
      site.referenceGroup = key;
      const off = offset(i);
      const muKsi = safeMu(ksi.fit, off);
      const muAll = safeMu(all.fit, off);
      const ksiObs = site.fatal + site.serious;
      const allObs = ksiObs + site.slight;
      const ebKsi = empiricalBayes(ksiObs, muKsi, ksi.fit.k);
      const ebAll = empiricalBayes(allObs, muAll, all.fit.k);
      site.muKsi = muKsi;
      site.muAll = muAll;
      site.kKsi = ksi.fit.k;
      site.kAll = all.fit.k;
      site.wKsi = ebKsi.w;
      site.wAll = ebAll.w;
      site.expectedKsi = ebKsi.expected;
      site.expectedAll = ebAll.expected;
      site.excessKsi = ebKsi.excess;
      site.excessAll = ebAll.excess;
      site.pExcessKsi = ebKsi.pExcess;
      site.pExcessAll = ebAll.pExcess;
      site.pExcess = Math.max(ebKsi.pExcess, ebAll.pExcess);
      site.harmScore = harmScore(ebKsi.excess, ebAll.excess, options.years, options.ksiValueGbp, options.slightValueGbp);
      site.candidate = site.pExcess >= params.candidateP && site.harmScore > 0;
    }
  }
  return [...fits.entries()]
    .map(([groupKey, f]) => ({
      unit,
      key: groupKey.slice(groupKey.indexOf('#') + 1),
      level: f.level,
      sites: f.sites,
      fittedOn: f.ksi.summary.n,
      ksi: f.ksi.summary,
      all: f.all.summary,
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** μ for a site; 0 for a group with no collisions (β₀ = −∞). */
function safeMu(fit: NbFit, offset: number): number {
  const mu = predictMu(fit, [], offset);
  return Number.isFinite(mu) && mu > 0 ? mu : 0;
}
