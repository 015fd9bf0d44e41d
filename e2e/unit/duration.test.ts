import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '@/lib/core/duration';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDurationMs', () => {
  it.each<[string | number, number]>([
    ['PT1H', H],
    ['P1DT2H', D + 2 * H],
    ['P1D', D],
    ['P2W', 14 * D],
    ['P1W2D', 9 * D],
    ['PT30M', 30 * M],
    ['PT45S', 45 * S],
    ['PT1H30M15S', H + 30 * M + 15 * S],
    ['P1DT1H1M1S', D + H + M + S],
    ['PT0S', 0],
    ['P0D', 0],
    ['PT0.5S', 500],
    ['PT1.5H', 1.5 * H],
    ['pt5m', 5 * M],
    ['  PT1H  ', H],
    [0, 0],
    [90, 90 * S],
    [0.25, 250],
    ['30s', 30 * S],
    ['4h', 4 * H],
    ['7d', 7 * D],
    ['15m', 15 * M],
    ['250ms', 250],
    ['90', 90 * S],
  ])('%j is %i ms', (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms);
  });

  it.each<string | number>(['', 'P', 'PT', 'T1H', '1 h', '1.5h', '60x', 'h1', 'P1H', 'PT1D', 'P1DT', '-PT1H', 'PT-1H', 'P1.5.5D', 'PT1H2', 'PT1M1H', 'P1D1W', 'PTH', 'P 1D', 'hour', -1, -0.001, Number.NaN, Number.POSITIVE_INFINITY])(
    '%j is refused (null)',
    (input) => {
      expect(parseDurationMs(input)).toBeNull();
    },
  );

  it('adds up weeks, days, hours, minutes and seconds (property)', () => {
    const part = fc.option(fc.nat({ max: 1000 }), { nil: undefined });
    fc.assert(
      fc.property(part, part, part, part, part, (w, d, h, m, s) => {
        const date = `${w !== undefined ? `${w}W` : ''}${d !== undefined ? `${d}D` : ''}`;
        const time = `${h !== undefined ? `${h}H` : ''}${m !== undefined ? `${m}M` : ''}${s !== undefined ? `${s}S` : ''}`;
        const text = `P${date}${time ? `T${time}` : ''}`;
        const expected = (w ?? 0) * 7 * D + (d ?? 0) * D + (h ?? 0) * H + (m ?? 0) * M + (s ?? 0) * S;
        if (date === '' && time === '') expect(parseDurationMs(text)).toBeNull();
        else {
          expect(parseDurationMs(text)).toBe(expected);
          expect(parseDurationMs(text.toLowerCase())).toBe(expected);
        }
      }),
    );
  });

  it('reads a number as seconds, rounded to the millisecond (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), (sec) => {
        expect(parseDurationMs(sec)).toBe(Math.round(sec * 1000));
      }),
    );
  });

  it('never throws and answers null or a non-negative integer for any string (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^P[0-9WDTHMS.]{0,12}$/)), (text) => {
        const ms = parseDurationMs(text);
        if (ms !== null) {
          expect(Number.isInteger(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});
