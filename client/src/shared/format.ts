/** Display formatting in British English. */

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return integer.format(n);
}

/** A share as a whole percentage; a small non-zero share reads "<1%", not "0%". */
export function formatPercent(part: number, whole: number): string {
  if (!(whole > 0)) return '–';
  if (part > 0 && part / whole < 0.005) return '<1%';
  return percent.format(part / whole);
}

/** Day names, Sunday first (as Date.getUTCDay, and STATS19's day_of_week − 1). */
export const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTHS_LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** 'YYYY-MM-DD' → '1 Jan 2023' (no Date object: a date-only string must not shift with the time zone). */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1] ?? m[2]} ${m[1]}`;
}

/** 'YYYY-MM' → {short: 'Jan', long: 'January 2023'}. */
export function monthLabel(yyyymm: string): { short: string; long: string; year: string } {
  const m = /^(\d{4})-(\d{2})/.exec(yyyymm);
  if (!m) return { short: yyyymm, long: yyyymm, year: '' };
  const i = Number(m[2]) - 1;
  return { short: MONTHS[i] ?? m[2]!, long: `${MONTHS_LONG[i] ?? m[2]} ${m[1]}`, year: m[1]! };
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const gbp = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP', maximumFractionDigits: 0 });

/** Pounds, rounded: "£12,300"; large amounts as "£1.2m" so a table column stays narrow. */
export function formatGbp(pounds: number | null | undefined): string {
  if (pounds === null || pounds === undefined || !Number.isFinite(pounds)) return '–';
  if (Math.abs(pounds) >= 1_000_000) return `£${(pounds / 1_000_000).toFixed(pounds >= 10_000_000 ? 0 : 1)}m`;
  return gbp.format(pounds);
}

/** A probability in [0, 1] as a percentage that never claims certainty: 0.9996 → ">99.9%", 0.0004 → "<0.1%". */
export function formatProbability(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  if (p >= 0.9995) return '>99.9%';
  if (p <= 0.0005) return '<0.1%';
  return `${(p * 100).toFixed(p >= 0.995 || p <= 0.005 ? 1 : 0)}%`;
}

/** A decimal with a fixed number of places, or a dash when missing. */
export function formatDecimal(n: number | null | undefined, places = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return new Intl.NumberFormat('en-GB', { minimumFractionDigits: places, maximumFractionDigits: places }).format(n);
}

/** An ISO timestamp as "21 Nov 2026, 14:05" in the reader's time zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
