// US federal holidays by their rules (5 U.S.C. 6103), for the years the births data
// cover (1969–1988) and after: the fixed-date holidays, observed on the Friday before
// when they fall on a Saturday and on the Monday after when on a Sunday, and the
// nth-weekday ones. The Uniform Monday Holiday Act moved Washington's Birthday,
// Memorial Day, Columbus Day and Veterans Day to Mondays from 1971 (Veterans Day back
// to November 11 from 1978); Martin Luther King Jr. Day is observed from 1986.
// Dates are UTC calendar days; months are 1–12.
import { ArgumentError } from '../../errors.js';

export const HOLIDAYS = [
  'new-year', 'mlk', 'washington', 'memorial', 'independence', 'labor', 'columbus', 'veterans', 'thanksgiving', 'christmas',
] as const;
export type Holiday = (typeof HOLIDAYS)[number];

/** One holiday in one year: its day off (`observed`) and, for a fixed-date one moved off a weekend, the `actual` date. */
export interface HolidayDate {
  holiday: Holiday;
  /** The day off, as 'YYYY-MM-DD'. */
  observed: string;
  /** The calendar date itself when it differs from the day off (a weekend). */
  actual?: string;
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const DAY = 86_400_000;

/** The nth (1-based) given weekday (0 = Sunday) of a month; n = -1: the last. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = Date.UTC(year, month - 1, 1);
    return first + (((weekday - new Date(first).getUTCDay() + 7) % 7) + 7 * (n - 1)) * DAY;
  }
  const last = Date.UTC(year, month, 0);
  return last - ((new Date(last).getUTCDay() - weekday + 7) % 7) * DAY;
}

/** A fixed date, observed on the Friday before a Saturday and the Monday after a Sunday. */
function fixed(holiday: Holiday, year: number, month: number, day: number): HolidayDate {
  const t = Date.UTC(year, month - 1, day), w = new Date(t).getUTCDay();
  const observed = w === 6 ? t - DAY : w === 0 ? t + DAY : t;
  return { holiday, observed: iso(observed), ...(observed !== t ? { actual: iso(t) } : {}) };
}

const MONDAY = 1, THURSDAY = 4;
const nth = (holiday: Holiday, year: number, month: number, weekday: number, n: number): HolidayDate =>
  ({ holiday, observed: iso(nthWeekday(year, month, weekday, n)) });

/** The federal holidays of one year (1969 on), in calendar order of their rules. */
export function federalHolidays(year: number): HolidayDate[] {
  if (!Number.isInteger(year) || year < 1969) throw new ArgumentError(`federalHolidays(${year}): expected an integer year from 1969 on (the rules here start there)`);
  const monday = year >= 1971; // the Uniform Monday Holiday Act
  return [
    fixed('new-year', year, 1, 1), // observed on Friday, December 31 of the year before when January 1 is a Saturday
    ...(year >= 1986 ? [nth('mlk', year, 1, MONDAY, 3)] : []),
    monday ? nth('washington', year, 2, MONDAY, 3) : fixed('washington', year, 2, 22),
    monday ? nth('memorial', year, 5, MONDAY, -1) : fixed('memorial', year, 5, 30),
    fixed('independence', year, 7, 4),
    nth('labor', year, 9, MONDAY, 1),
    monday ? nth('columbus', year, 10, MONDAY, 2) : fixed('columbus', year, 10, 12),
    monday && year <= 1977 ? nth('veterans', year, 10, MONDAY, 4) : fixed('veterans', year, 11, 11),
    nth('thanksgiving', year, 11, THURSDAY, 4),
    fixed('christmas', year, 12, 25),
  ];
}

/** Day off ('YYYY-MM-DD') → holiday, for the years from..to (inclusive). */
export function holidayCalendar(from: number, to: number): Map<string, Holiday> {
  const m = new Map<string, Holiday>();
  for (let y = from; y <= to; y++) for (const h of federalHolidays(y)) m.set(h.observed, h.holiday);
  return m;
}
