/** Formatting shared by the console's views. Pure functions: no React, no DOM. */

/** "45 s", "12 min", "3 h 12 min", "2 d 4 h". */
export function formatAge(totalSeconds: number | null | undefined): string {
  if (totalSeconds === null || totalSeconds === undefined || !Number.isFinite(totalSeconds)) return '—';
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function formatHour(iso: string): string {
  return timeOnly.format(new Date(iso));
}

/** Seconds between an ISO time and now (ms); null when either is missing. */
export function secondsSince(iso: string | null | undefined, now: number): number | null {
  if (!iso || !now) return null;
  return Math.max(0, Math.floor((now - new Date(iso).getTime()) / 1000));
}

export const DAY_SECONDS = 86_400;

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** A payload value as short text: numbers grouped, long strings cut, objects summarised. */
export function compactValue(v: unknown, max = 40): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return numberFormat.format(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return v.length > max ? `${v.slice(0, max - 1)}…` : v;
  if (Array.isArray(v)) return `[${v.length} item${v.length === 1 ? '' : 's'}]`;
  if (typeof v === 'object') return `{${Object.keys(v as object).length} keys}`;
  return String(v);
}

const ID_KEY = /(^id$|_id$|^ref$|_ref$|number$|_no$|^key$)/i;
const MONEY_KEY = /(amount|total|price|sum|value|cost)/i;

/** How much a payload key is worth showing first: identifiers, then amounts, then other scalars. */
function keyRank(k: string, v: unknown): number {
  if (v !== null && typeof v === 'object') return 3;
  if (ID_KEY.test(k)) return 0;
  if (MONEY_KEY.test(k) && typeof v === 'number') return 1;
  return 2;
}

/** The first few entries of a payload, the ones a person scans for first. */
export function compactEntries(payload: Record<string, unknown> | null | undefined, limit = 5): [string, string][] {
  if (!payload || typeof payload !== 'object') return [];
  return Object.entries(payload)
    .map(([k, v], i) => ({ k, v, i, rank: keyRank(k, v) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .slice(0, limit)
    .map(({ k, v }) => [k, compactValue(v)]);
}

function shortId(id: string): string {
  return id.slice(0, 8);
}

const REF_KEY = /(^id$|_id$|number|ref)/i;

/** How people name an item: the payload's first id-like string ("ORD-1001"), else the short id. */
export function itemRef(payload: Record<string, unknown> | null | undefined, id: string): string {
  const hit = Object.entries(payload ?? {}).find(([k, v]) => typeof v === 'string' && REF_KEY.test(k))?.[1];
  return typeof hit === 'string' ? hit : shortId(id);
}

const zoned = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });

/** A full timestamp with its time zone ("1 Dec 2026, 21:45:30 UTC"), for hover text beside relative ages. */
export function formatZoned(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : zoned.format(d);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
