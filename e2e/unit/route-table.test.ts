/**
 * The route table is the list of routes: every route.ts under app/api/v1 has its entry, each exported
 * handler is built from the entry of its own method and path (so a handler cannot take another
 * route's permissions or schemas), and every entry has its route.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTE_ENTRIES } from '@/lib/api/route-table';

const API_DIR = path.resolve('app/api/v1');

type Handler = { file: string; method: string; path: string; entry: string | null };

/** Every exported method handler of every route.ts under app/api/v1, with the path its folder serves. */
function handlers(): Handler[] {
  const out: Handler[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name === 'route.ts') {
        const segments = path.relative(API_DIR, dir).split(path.sep).filter(Boolean);
        // [id] → {id}; route groups such as (admin) are not part of the URL.
        const urlPath = ['/api/v1', ...segments.filter((s) => !/^\(.*\)$/.test(s)).map((s) => s.replace(/^\[(\w+)\]$/, '{$1}'))].join('/');
        const src = fs.readFileSync(full, 'utf8');
        const file = path.relative(process.cwd(), full);
        for (const m of src.matchAll(/export\s+(?:const|async\s+function|function)\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b([^\n]*)/g)) {
          const entry = /^\s*=\s*\w+\(\s*ROUTES\.(\w+)/.exec(m[2]!)?.[1] ?? null;
          out.push({ file, method: m[1]!, path: urlPath, entry });
        }
        for (const m of src.matchAll(/export\s*\{([^}]*)\}/g)) {
          for (const x of m[1]!.matchAll(/\bas\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b/g)) out.push({ file, method: x[1]!, path: urlPath, entry: null });
        }
      }
    }
  };
  walk(API_DIR);
  return out;
}

describe('route table', () => {
  const found = handlers();
  const table = new Map(ROUTE_ENTRIES);

  it('finds the route files', () => {
    expect(found.length).toBeGreaterThan(15);
  });

  it('has an entry for every route.ts under app/api/v1, and each handler is built from its own entry', () => {
    for (const h of found) {
      const where = `${h.method} ${h.path} (${h.file})`;
      expect(h.entry, `${where} must be \`export const ${h.method} = withApiAuth(ROUTES.<name>, …)\` (or withPublicRoute)`).not.toBeNull();
      const spec = table.get(h.entry as never);
      expect(spec, `${where} uses ROUTES.${h.entry}, which does not exist`).toBeDefined();
      expect(`${spec!.method} ${spec!.path}`, `${where} uses the entry of another route`).toBe(`${h.method} ${h.path}`);
    }
  });

  it('has a route.ts for every entry', () => {
    const served = new Set(found.map((h) => `${h.method} ${h.path}`));
    for (const [name, spec] of ROUTE_ENTRIES) expect(served.has(`${spec.method} ${spec.path}`), `ROUTES.${name}: no route.ts serves ${spec.method} ${spec.path}`).toBe(true);
  });

  it('has one entry per method and path', () => {
    const keys = ROUTE_ENTRIES.map(([, spec]) => `${spec.method} ${spec.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives public routes no permissions, and path parameters only in {braces}', () => {
    for (const [name, spec] of ROUTE_ENTRIES) {
      if (spec.auth === 'public') expect(spec.permissions, name).toEqual([]);
      expect(spec.path, name).toMatch(/^\/api\/v1(\/([\w.-]+|\{\w+\}))+$/);
    }
  });
});
