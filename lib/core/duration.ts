/**
 * The one duration parser (definitions, environment variables, the CLI): an ISO 8601 duration
 * ("PT1H", "P1DT30M", "P2W"), a number of seconds (90, or "90" in text), or a number with a unit:
 * ms, s, m, h, d ("30s", "4h", "7d"). Returns milliseconds, or null for anything else.
 */
const ISO = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const WITH_UNIT = /^(\d+)(ms|s|m|h|d)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const DURATION_FORMS = 'an ISO 8601 duration like "PT1H", a number of seconds, or a number with a unit (ms, s, m, h, d: "30s", "4h", "7d")';

export function parseDurationMs(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null;
  const text = value.trim();
  const short = WITH_UNIT.exec(text);
  if (short) return Number(short[1]) * UNIT_MS[(short[2] ?? 's') as keyof typeof UNIT_MS];
  const upper = text.toUpperCase();
  const m = ISO.exec(upper);
  if (!m || upper === 'P' || upper.endsWith('T')) return null;
  const [, w, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  return Math.round(((((w ?? 0) * 7 + (d ?? 0)) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60_000 + (s ?? 0) * 1000);
}
