import { describe, expect, it } from 'vitest';
import { lineLengthM } from '../../../server/concerns/model.ts';
import { problemsFromServer, reportBody, validateReport, whenTimes, type ReportValues } from './report-form.ts';

const filled: ReportValues = {
  location: { type: 'Point', coordinates: [-2.7, 53.76] },
  pendingPoints: 0,
  locationText: '  Garstang Road  ',
  category: 'speeding',
  whenDays: ['fri', 'sat'],
  whenPeriods: ['evening'],
  timeFrom: '22:30',
  timeTo: '01:00',
  description: '  Cars race past the school every evening.  ',
  email: ' someone@example.org ',
  name: '',
};

describe('the concern report form', () => {
  it('accepts a complete report and sends trimmed values, leaving out empty optional fields', () => {
    expect(validateReport(filled)).toEqual([]);
    expect(reportBody(filled, 'payload', '')).toEqual({
      category: 'speeding',
      location: { type: 'Point', coordinates: [-2.7, 53.76] },
      description: 'Cars race past the school every evening.',
      altcha: 'payload',
      website: '',
      whenDays: ['fri', 'sat'],
      whenTimes: ['evening', '22:30-01:00'],
      locationText: 'Garstang Road',
      email: 'someone@example.org',
    });
  });

  it('names every missing required field, in the order of the form', () => {
    const problems = validateReport({ ...filled, location: undefined, category: '', description: ' ' });
    expect(problems.map((p) => p.field)).toEqual(['location', 'category', 'description']);
    expect(problems[0]!.message).toMatch(/place a pin on the map or draw the stretch/);
  });

  it('says a stretch with one point needs another', () => {
    const [problem] = validateReport({ ...filled, location: undefined, pendingPoints: 1 });
    expect(problem).toEqual({ field: 'location', message: expect.stringMatching(/at least one more point/) });
  });

  it('rejects a short description, a bad email, a half-given time span and an unknown category', () => {
    const problems = validateReport({ ...filled, description: 'too fast', email: 'not-an-email', timeFrom: '07:30', timeTo: '', category: 'littering' });
    expect(Object.fromEntries(problems.map((p) => [p.field, p.message]))).toEqual({
      category: 'Choose one of the listed types of concern',
      whenTimes: 'Enter both the start and the end of the time, or leave both empty',
      description: 'Describe what happens in at least 10 characters',
      email: 'Enter an email address in the correct format, like name@example.org, or leave it empty',
    });
  });

  it('adds a time span only when both ends are real 24-hour times', () => {
    expect(whenTimes({ whenPeriods: ['morning'], timeFrom: '', timeTo: '' })).toEqual(['morning']);
    expect(whenTimes({ whenPeriods: [], timeFrom: '07:30', timeTo: '09:00' })).toEqual(['07:30-09:00']);
    expect(whenTimes({ whenPeriods: [], timeFrom: '7:30', timeTo: '09:00' })).toEqual([]);
  });

  it('maps the server’s field errors back to the form, one per field', () => {
    const problems = problemsFromServer(
      [
        { field: 'body.location', message: 'is outside the area this service covers; mark a place within the district boundaries' },
        { field: 'body.location.coordinates', message: 'second message for the same field' },
        { field: 'body.altcha', message: 'the anti-spam check expired; run it again and send the form' },
        { field: 'body.somethingElse', message: 'unexpected' },
      ],
      'fallback',
    );
    expect(problems).toEqual([
      { field: 'location', message: 'The place must be inside the partnership area: is outside the area this service covers; mark a place within the district boundaries' },
      { field: 'altcha', message: 'The anti-spam check failed (the anti-spam check expired; run it again and send the form). Send the report again.' },
      { message: 'unexpected' },
    ]);
    expect(problemsFromServer([], 'Invalid request')).toEqual([{ message: 'Invalid request' }]);
  });

  it('measures a drawn stretch in metres', () => {
    // 0.01° of latitude is about 1,112 m anywhere.
    expect(lineLengthM([[-2.7, 53.76], [-2.7, 53.77]])).toBeCloseTo(1112, -1);
    expect(lineLengthM([[-2.7, 53.76]])).toBe(0);
  });
});
