/**
 * Empirical Bayes estimate for one site (Highway Safety Manual part B; Hauer, "Observational
 * before–after studies in road safety", 1997): combine the site's own count N_obs with μ, what
 * the safety performance function (the negative binomial fit) expects of similar sites.
 *
 * With λ the site's true long-run mean over the period, the NB2 model says λ ~ Gamma(shape 1/k,
 * rate 1/(kμ)) across similar sites (mean μ, variance kμ²) and N_obs | λ ~ Poisson(λ). By
 * conjugacy the site's posterior is Gamma(shape 1/k + N_obs, rate 1/(kμ) + 1), whose mean is
 *   N_exp = w·μ + (1 − w)·N_obs   with   w = 1 / (1 + k·μ).
 * The excess is N_exp − μ and the probability of excess is P(λ > μ) under that posterior.
 */
import { gammaUpperTail } from './gamma.ts';

export interface EbResult {
  /** Weight on μ, in (0, 1]: 1 means the site's own count carries no information. */
  w: number;
  /** EB expected count N_exp over the same period as N_obs and μ. */
  expected: number;
  /** N_exp − μ (negative when the site does better than similar sites). */
  excess: number;
  /** P(λ > μ) under the posterior: the probability the site is truly worse than similar sites. */
  pExcess: number;
}

export interface EbPosterior {
  /** Gamma shape, 1/k + N_obs. */
  shape: number;
  /** Gamma rate, 1/(kμ) + 1 (per period). */
  rate: number;
}

/**
 * The EB estimate for a site with `observed` collisions where the fit expects `mu` with
 * overdispersion `k` (observed and mu over the same period).
 *
 * Degenerate priors (documented decisions):
 * - k = 0 (the fit found no overdispersion: every similar site has exactly mean μ): w = 1,
 *   N_exp = μ, excess 0 and pExcess = 0 — the prior is a point mass at μ, which has no probability
 *   above μ. (As k → 0⁺ the posterior narrows around μ and P(λ > μ) tends to about ½ instead;
 *   neither is evidence of excess, and candidate status needs pExcess ≥ 0.95.)
 * - μ = 0 (similar sites record nothing, e.g. a reference group with no collisions): w = 1,
 *   N_exp = 0, excess 0, pExcess 0, for the same reason.
 * - k = Infinity: w = 0 (a flat prior), N_exp = N_obs, posterior Gamma(N_obs, 1).
 */
export function empiricalBayes(observed: number, mu: number, k: number): EbResult {
  checkInputs(observed, mu, k);
  if (mu === 0) return { w: 1, expected: 0, excess: 0, pExcess: 0 };
  // k·μ so small that 1/(kμ) overflows is k = 0 to the arithmetic (the prior rate would be infinite).
  if (k === 0 || !Number.isFinite(1 / (k * mu))) return { w: 1, expected: mu, excess: 0, pExcess: 0 };
  const w = k === Infinity ? 0 : 1 / (1 + k * mu);
  const expected = w * mu + (1 - w) * observed;
  const { shape, rate } = ebPosterior(observed, mu, k);
  return { w, expected, excess: expected - mu, pExcess: gammaUpperTail(mu, shape, rate) };
}

/** The posterior Gamma of the site's true mean λ (requires μ > 0 and k > 0). */
export function ebPosterior(observed: number, mu: number, k: number): EbPosterior {
  checkInputs(observed, mu, k);
  if (!(mu > 0) || !(k > 0)) throw new RangeError(`The posterior is a proper Gamma only for mu > 0 and k > 0 (got mu = ${mu}, k = ${k}).`);
  return { shape: 1 / k + observed, rate: 1 / (k * mu) + 1 };
}

function checkInputs(observed: number, mu: number, k: number): void {
  if (!(observed >= 0) || !Number.isFinite(observed)) throw new RangeError(`observed must be a finite count ≥ 0, got ${observed}.`);
  if (!(mu >= 0) || !Number.isFinite(mu)) throw new RangeError(`mu must be a finite expected count ≥ 0, got ${mu}.`);
  if (!(k >= 0)) throw new RangeError(`k (overdispersion) must be ≥ 0, got ${k}.`);
}
