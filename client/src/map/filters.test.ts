import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTERS, filterProblem, filtersFromQuery, filtersToQuery } from './filters.ts';

describe('map filters in the URL', () => {
  it('leaves defaults out of the query so the plain page URL stays clean', () => {
    expect(filtersToQuery(DEFAULT_FILTERS).toString()).toBe('');
  });

  it('round-trips every filter through the query string', () => {
    const query = new URLSearchParams('from=2023-01-01&to=2023-06-30&severity=fatal,serious&district=E07000123&roadUser=cyclist&youngRoadUser=true');
    const filters = filtersFromQuery(query);
    expect(filters).toEqual({
      from: '2023-01-01',
      to: '2023-06-30',
      severity: ['fatal', 'serious'],
      district: 'E07000123',
      roadUser: 'cyclist',
      youngRoadUser: true,
    });
    expect(filtersFromQuery(filtersToQuery(filters))).toEqual(filters);
  });

  it('drops values that are not valid instead of failing to open the link', () => {
    const filters = filtersFromQuery(new URLSearchParams('from=2023-02-30&to=soon&severity=fatal,deadly&district=Preston&roadUser=horse'));
    expect(filters).toEqual({ severity: ['fatal'], youngRoadUser: false });
  });

  it('keeps an empty severity choice, which matches nothing', () => {
    const filters = filtersFromQuery(new URLSearchParams('severity='));
    expect(filters.severity).toEqual([]);
    expect(filterProblem(filters)).toMatch(/at least one severity/);
    expect(filtersToQuery(filters).toString()).toBe('severity=');
  });

  it('writes severities in a fixed order whatever order they were chosen in', () => {
    expect(filtersToQuery({ ...DEFAULT_FILTERS, severity: ['slight', 'fatal'] }).get('severity')).toBe('fatal,slight');
  });

  it('reports a date range that runs backwards', () => {
    expect(filterProblem({ ...DEFAULT_FILTERS, from: '2023-05-01', to: '2023-04-01' })).toMatch(/after/);
  });
});
