import { describe, expect, it } from 'vitest';
import { binsProblem, summariseBinned, summarisePerVehicle } from './speed.ts';

describe('summarisePerVehicle', () => {
  // Ten vehicles in a 30 mph limit (threshold 35), worked by hand:
  // mean 320 / 10 = 32; 85th percentile at rank h = 9 × 0.85 = 7.65 → 36 + 0.65 × (38 − 36) = 37.3;
  // over 30: 31, 33, 35, 36, 38, 42 → 6/10; at or over 35: 35, 36, 38, 42 → 4/10.
  const speeds = [36, 22, 25, 28, 30, 31, 33, 35, 38, 42];

  it('computes the mean, the interpolated 85th percentile and the shares', () => {
    const s = summarisePerVehicle(speeds, 30, 35);
    expect(s.vehicles).toBe(10);
    expect(s.meanMph).toBeCloseTo(32, 10);
    expect(s.p85Mph).toBeCloseTo(37.3, 10);
    expect(s.shareOverLimit).toBeCloseTo(0.6, 10);
    expect(s.shareOverThreshold).toBeCloseTo(0.4, 10);
  });

  it('counts a vehicle at exactly the limit as not over it, and at the threshold as over it', () => {
    const s = summarisePerVehicle([30, 35], 30, 35);
    expect(s.shareOverLimit).toBe(0.5);
    expect(s.shareOverThreshold).toBe(0.5);
  });

  it('keeps a 1 mph histogram of the speeds', () => {
    expect(summarisePerVehicle([30.2, 30.9, 31.5], 30, 35).bins).toEqual([
      { fromMph: 30, toMph: 31, count: 2 },
      { fromMph: 31, toMph: 32, count: 1 },
    ]);
  });

  it('refuses a survey with no vehicles', () => {
    expect(() => summarisePerVehicle([], 30, 35)).toThrow('at least one vehicle');
  });
});

describe('summariseBinned', () => {
  // 100 vehicles in 5 mph bins, worked by hand: mean (22.5×10 + 27.5×30 + 32.5×40 + 37.5×15 + 42.5×5) / 100
  // = 31.25; 85% = 85 vehicles: 80 below 35, so 35 + (5/15) × 5 = 36.667; over 30: 60; at or over 35: 20.
  const bins = [
    { fromMph: 30, toMph: 35, count: 40 },
    { fromMph: 20, toMph: 25, count: 10 },
    { fromMph: 25, toMph: 30, count: 30 },
    { fromMph: 35, toMph: 40, count: 15 },
    { fromMph: 40, toMph: 45, count: 5 },
  ];

  it('computes the mean from bin middles and interpolates the 85th percentile within its bin', () => {
    const s = summariseBinned(bins, 30, 35);
    expect(s.vehicles).toBe(100);
    expect(s.meanMph).toBeCloseTo(31.25, 10);
    expect(s.p85Mph).toBeCloseTo(35 + 5 / 3, 10);
    expect(s.shareOverLimit).toBeCloseTo(0.6, 10);
    expect(s.shareOverThreshold).toBeCloseTo(0.2, 10);
  });

  it('takes the part of a bin above a threshold that falls inside it', () => {
    // Threshold 46 in a 40 mph limit: 4/5 of the 45–50 bin plus all of 50–55.
    const s = summariseBinned(
      [
        { fromMph: 40, toMph: 45, count: 50 },
        { fromMph: 45, toMph: 50, count: 40 },
        { fromMph: 50, toMph: 55, count: 10 },
      ],
      40,
      46,
    );
    expect(s.shareOverThreshold).toBeCloseTo((40 * 0.8 + 10) / 100, 10);
  });

  it('names overlapping bins and empty surveys', () => {
    expect(binsProblem([{ fromMph: 20, toMph: 30, count: 1 }, { fromMph: 25, toMph: 35, count: 1 }])).toBe('the bins 20–30 and 25–35 mph overlap');
    expect(binsProblem([{ fromMph: 20, toMph: 30, count: 0 }])).toBe('the bins hold no vehicles');
    expect(() => summariseBinned([], 30, 35)).toThrow('no vehicles');
  });
});
