/**
 * A small writer for the Prometheus text exposition format (0.0.4), for metric families whose values
 * are read from the database at scrape time (a prom-client metric can only count what happens in
 * its own process; these are global across every web process and worker).
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Labels = Record<string, string>;
export type Sample = { labels?: Labels; value: number; suffix?: '_bucket' | '_sum' | '_count' };
export type MetricFamily = { name: string; help: string; type: MetricType; samples: Sample[] };

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function formatLe(le: number): string {
  return le === Infinity ? '+Inf' : String(le);
}

export function renderFamilies(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      const labelText = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      out.push(`${f.name}${s.suffix ?? ''}${labelText} ${formatValue(s.value)}`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** A histogram family from cumulative bucket counts (`le` ascending, +Inf added). */
export function histogramSamples(buckets: readonly number[], cumulative: readonly number[], sum: number, count: number, labels: Labels = {}): Sample[] {
  const samples: Sample[] = buckets.map((le, i) => ({ suffix: '_bucket', labels: { ...labels, le: formatLe(le) }, value: cumulative[i] ?? 0 }));
  samples.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: count });
  samples.push({ suffix: '_sum', labels, value: sum });
  samples.push({ suffix: '_count', labels, value: count });
  return samples;
}

export type ParsedSample = { name: string; labels: Labels; value: number };
export type ParsedExposition = { samples: ParsedSample[]; types: Map<string, string>; helps: Map<string, string> };

/** Reads the text format back (for tests and tools): every sample, and the declared types. */
export function parseExposition(text: string): ParsedExposition {
  const samples: ParsedSample[] = [];
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'TYPE' ? types : helps).set(meta[2]!, meta[3] ?? '');
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not a metric line: ${line}`);
    const labels: Labels = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const raw = m[3]!;
    samples.push({ name: m[1]!, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return { samples, types, helps };
}

/** The sum of the samples with this name and (at least) these labels; undefined when there is none. */
export function sampleValue(parsed: ParsedExposition, name: string, labels: Labels = {}): number | undefined {
  const hits = parsed.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length === 0) return undefined;
  return hits.reduce((sum, s) => sum + s.value, 0);
}
