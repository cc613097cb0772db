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
