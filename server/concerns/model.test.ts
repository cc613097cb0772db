import { describe, expect, it } from 'vitest';
import { allowedNextStatuses, isTimeSpan, normaliseDays, normaliseTimes, STATUSES, transitionProblem } from './model.ts';

describe('concern status moves', () => {
  it('allows any later status and the one just before', () => {
    expect(allowedNextStatuses('received')).toEqual(['triaged', 'awaiting_speed_data', 'assessed', 'outcome', 'closed']);
    expect(allowedNextStatuses('assessed')).toEqual(['awaiting_speed_data', 'outcome', 'closed']);
    expect(allowedNextStatuses('closed')).toEqual(['outcome']);
  });

  it('lets a concern move forward, skipping steps, without a note', () => {
    for (const [i, from] of STATUSES.entries()) {
      for (const to of STATUSES.slice(i + 1)) expect(transitionProblem(from, to, undefined)).toBeUndefined();
    }
  });

  it('needs a note to go back one step', () => {
    expect(transitionProblem('assessed', 'awaiting_speed_data', undefined)).toBe('Moving back from assessed to awaiting_speed_data needs a note saying why.');
    expect(transitionProblem('assessed', 'awaiting_speed_data', '  ')).toMatch(/needs a note/);
    expect(transitionProblem('assessed', 'awaiting_speed_data', 'the survey was on the wrong road')).toBeUndefined();
  });

  it('refuses going back two steps, naming the allowed next statuses', () => {
    expect(transitionProblem('outcome', 'awaiting_speed_data', 'note')).toBe(
      'A concern that is outcome cannot move to awaiting_speed_data; allowed next statuses: assessed, closed (back only one step, with a note).',
    );
  });

  it('treats staying put as no move', () => {
    expect(transitionProblem('triaged', 'triaged', undefined)).toBeUndefined();
  });
});

describe('when it happens', () => {
  it('orders days Monday first and drops repeats', () => {
    expect(normaliseDays(['sun', 'mon', 'sun', 'fri'])).toEqual(['mon', 'fri', 'sun']);
  });

  it('puts time bands in day order before spans, without repeats', () => {
    expect(normaliseTimes(['22:30-01:00', 'night', 'early_morning', 'night', '22:30-01:00'])).toEqual(['early_morning', 'night', '22:30-01:00']);
  });

  it('accepts spans that run past midnight but not empty or impossible ones', () => {
    expect(isTimeSpan('22:30-02:00')).toBe(true);
    expect(isTimeSpan('07:30-09:00')).toBe(true);
    expect(isTimeSpan('09:00-09:00')).toBe(false);
    expect(isTimeSpan('24:00-01:00')).toBe(false);
    expect(isTimeSpan('7:30-9:00')).toBe(false);
  });
});
