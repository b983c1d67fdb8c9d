// The federal holiday calendar of births-forecast against dates listed by hand from a
// printed calendar and the history of the rules (the first Monday Memorial Day, the
// October Veterans Days of 1971–1977, the first MLK Day, weekend dates moved to the
// Friday before or the Monday after), not computed by the code under test.
import { describe, expect, it } from 'vitest';
import { federalHolidays, holidayCalendar } from '../src/cli/tasks/us-holidays.js';
import { ArgumentError } from '../src/errors.js';

const observed = (year: number, holiday: string) => federalHolidays(year).find((h) => h.holiday === holiday);

describe('US federal holidays 1969–1988', () => {
  it('matches observed dates listed from a calendar', () => {
    const listed: [number, string, string, string?][] = [
      [1969, 'washington', '1969-02-21', '1969-02-22'], // February 22 (a Saturday) before the Monday rule
      [1969, 'memorial', '1969-05-30'], // May 30, a Friday
      [1969, 'labor', '1969-09-01'],
      [1969, 'thanksgiving', '1969-11-27'],
      [1970, 'columbus', '1970-10-12'],
      [1971, 'washington', '1971-02-15'], // the first Monday Washington's Birthday
      [1971, 'memorial', '1971-05-31'], // the first Monday Memorial Day
      [1971, 'columbus', '1971-10-11'],
      [1971, 'veterans', '1971-10-25'], // the first October Veterans Day
      [1976, 'independence', '1976-07-05', '1976-07-04'], // the Bicentennial was a Sunday
      [1976, 'christmas', '1976-12-24', '1976-12-25'],
      [1977, 'new-year', '1976-12-31', '1977-01-01'], // observed in the year before
      [1977, 'veterans', '1977-10-24'], // the last October one
      [1978, 'veterans', '1978-11-10', '1978-11-11'], // back to November 11, a Saturday
      [1986, 'mlk', '1986-01-20'], // the first Martin Luther King Jr. Day
      [1987, 'mlk', '1987-01-19'],
      [1988, 'thanksgiving', '1988-11-24'],
      [1988, 'christmas', '1988-12-26', '1988-12-25'],
    ];
    for (const [year, holiday, day, actual] of listed) {
      const h = observed(year, holiday);
      expect(h?.observed, `${holiday} ${year}`).toBe(day);
      expect(h?.actual, `${holiday} ${year}: the calendar date`).toBe(actual);
    }
  });

  it('has no MLK Day before 1986, nine holidays a year before it and ten from it, all on weekdays', () => {
    expect(observed(1985, 'mlk')).toBeUndefined();
    for (let y = 1969; y <= 1988; y++) {
      const hs = federalHolidays(y);
      expect(hs.length, String(y)).toBe(y >= 1986 ? 10 : 9);
      for (const h of hs) expect([1, 2, 3, 4, 5], `${h.holiday} ${h.observed}`).toContain(new Date(`${h.observed}T00:00:00Z`).getUTCDay());
    }
    const cal = holidayCalendar(1969, 1988);
    expect(cal.get('1982-12-31')).toBe('new-year');
    expect(cal.get('1980-11-11')).toBe('veterans');
    expect(cal.get('1975-11-11')).toBeUndefined();
  });

  it('refuses years before the rules it knows', () => {
    expect(() => federalHolidays(1968)).toThrow(ArgumentError);
  });
});
