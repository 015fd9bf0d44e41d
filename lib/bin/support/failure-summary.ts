/**
 * The failures of a run in a few lines, for the end of `npm test`'s output. CI keeps only the tail
 * of a long log: without this a red run said which test failed but not why (its message and the
 * failing line scrolled away above the reporters' summaries). Reads the JSON reports Playwright
 * and vitest write beside their usual output (lib/bin/test.ts asks for them).
 */
import fs from 'node:fs';
import path from 'node:path';

export type Failure = { where: string; title: string; message: string };

const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * The first lines of a message that say what went wrong: no stack, no blank lines, no code frame;
 * a Playwright call log is kept (it says what an action was waiting for when it timed out).
 */
export function essentials(message: string, maxLines = 7): string {
  const lines = message.replace(ANSI, '').split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    if (/^\s+at /.test(line) || /^\s*>?\s*\d+ \|/.test(line)) break;
    if (line.trim() === '') continue;
    kept.push(line.trimEnd().slice(0, 300));
    if (kept.length === maxLines) break;
  }
  return kept.join('\n');
}

type PwLocation = { file: string; line: number };
type PwError = { message?: string; location?: PwLocation };
type PwResult = { status: string; errors?: PwError[] };
type PwTest = { status: string; results: PwResult[] };
type PwSpec = { title: string; file: string; line: number; tests: PwTest[] };
type PwSuite = { title?: string; specs?: PwSpec[]; suites?: PwSuite[] };
type PwReport = { suites?: PwSuite[]; errors?: PwError[] };

function relative(root: string, file: string) {
  return path.isAbsolute(file) ? path.relative(root, file) : file;
}

export function playwrightFailures(report: PwReport, root: string): Failure[] {
  const out: Failure[] = [];
  const walk = (suite: PwSuite, titles: string[], dir: string) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests) {
        if (t.status !== 'unexpected' && t.status !== 'flaky') continue;
        const failed = t.results.find((r) => r.status !== 'passed' && r.status !== 'skipped');
        // A timeout comes first and says little; the action it interrupted (and its call log) follows.
        const errors = (failed?.errors ?? []).slice(0, 2);
        const message = errors.length
          ? errors.map((e) => `${essentials(e.message ?? '')}${e.location ? ` (at ${relative(root, e.location.file)}:${e.location.line})` : ''}`).join('\n')
          : (failed?.status ?? 'failed');
        out.push({
          where: `${path.join(dir, spec.file)}:${spec.line}`,
          title: [...titles, spec.title].join(' › ') + (t.status === 'flaky' ? ' — FLAKY: failed, then passed on its retry' : ''),
          message,
        });
      }
    }
    for (const child of suite.suites ?? []) walk(child, child.title && !child.title.endsWith('.ts') ? [...titles, child.title] : titles, dir);
  };
  for (const s of report.suites ?? []) walk(s, [], 'e2e/ui');
  for (const e of report.errors ?? []) out.push({ where: e.location ? relative(root, e.location.file) : 'playwright', title: 'outside any test', message: essentials(e.message ?? '') });
  return out;
}

type VitestAssertion = { status: string; fullName: string; failureMessages?: string[]; location?: { line: number } };
type VitestFile = { name: string; status: string; message?: string; assertionResults: VitestAssertion[] };
type VitestReport = { testResults?: VitestFile[] };

export function vitestFailures(report: VitestReport, root: string): Failure[] {
  const out: Failure[] = [];
  for (const f of report.testResults ?? []) {
    const file = relative(root, f.name);
    const failed = f.assertionResults.filter((a) => a.status === 'failed');
    for (const a of failed) out.push({ where: `${file}${a.location ? `:${a.location.line}` : ''}`, title: a.fullName, message: essentials(a.failureMessages?.[0] ?? 'failed') });
    // A file that failed outside its tests (an import, a hook): its message is the only clue.
    if (failed.length === 0 && f.status === 'failed') out.push({ where: file, title: 'the file', message: essentials(f.message ?? 'failed') });
  }
  return out;
}

/** Reads a report if the step wrote one (it does not when it could not start at all). */
export function readFailures(file: string, parse: (report: never, root: string) => Failure[], root: string): Failure[] {
  if (!fs.existsSync(file)) return [];
  try {
    return parse(JSON.parse(fs.readFileSync(file, 'utf8')) as never, root);
  } catch {
    return [];
  }
}

/** At most `max` failures, each as its place, title and indented message. */
export function formatFailures(step: string, failures: Failure[], max = 4): string[] {
  const lines: string[] = [];
  for (const f of failures.slice(0, max)) {
    lines.push(`  ✗ ${step} ${f.where} › ${f.title}`);
    for (const l of f.message.split('\n')) lines.push(`      ${l}`);
  }
  if (failures.length > max) lines.push(`  … and ${failures.length - max} more ${step} failures (above)`);
  return lines;
}
