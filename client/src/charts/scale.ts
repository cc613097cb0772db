/** Small scale helpers for the hand-drawn SVG charts. */

/** Round tick values from 0 to at least `max` (about `count` of them): 0, 5, 10… or 0, 200, 400… */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = 0; v < max + step; v += step) {
    ticks.push(Math.round(v * 1e6) / 1e6);
    if (v >= max) break;
  }
  return ticks;
}

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A colour along evenly spaced stops for t in [0, 1]. */
export function interpolateStops(stops: readonly string[], t: number): string {
  const clamped = Math.min(1, Math.max(0, t));
  const position = clamped * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(position));
  const local = position - i;
  const a = hexToRgb(stops[i]!);
  const b = hexToRgb(stops[i + 1]!);
  const mix = a.map((v, k) => Math.round(v + (b[k]! - v) * local));
  return `#${mix.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Sequential single-hue blues, light to dark (ColorBrewer "Blues"): readable in every colour vision. */
export const SEQUENTIAL_BLUES = ['#eff3ff', '#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c', '#08306b'] as const;
