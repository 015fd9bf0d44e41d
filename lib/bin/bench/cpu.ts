/**
 * CPU time spent by the web server and by PostgreSQL (the backends serving the bench's database and
 * the WAL writer and I/O workers), read from /proc. Unlike latency, CPU time per request
 * hardly changes when other work shares the machine, so it shows where the time goes even on a
 * busy host. Linux only; elsewhere the figures are null.
 */
import fs from 'node:fs';

const TICK_MS = 10; // CLK_TCK is 100 on Linux

type Stat = { ppid: number; self: number; children: number };

function stat(pid: number): Stat | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/** CPU milliseconds of a process (and of its children it has reaped). */
export function processCpuMs(pid: number): number | null {
  const s = stat(pid);
  return s ? (s.self + s.children) * TICK_MS : null;
}

/**
 * CPU milliseconds per PostgreSQL process doing the requests' work: the backends connected to
 * `database`, the WAL writer and the I/O workers. Background work that merely happens to run at the same time
 * (autovacuum, checkpoints, other databases) is left out.
 */
function postgresTicks(postmasterPid: number, database: string): Map<number, number> | null {
  if (!stat(postmasterPid)) return null;
  const ticks = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s || s.ppid !== postmasterPid) continue;
    let title = '';
    try {
      title = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (title.includes(` ${database} `) || title.includes('walwriter') || title.includes('io worker')) ticks.set(Number(name), s.self);
  }
  return ticks;
}

export type PostgresCpu = Map<number, number>;

/** A snapshot of the PostgreSQL processes' CPU time (see postgresCpuSince). */
export function postgresCpu(postmasterPid: number, database: string): PostgresCpu | null {
  return postgresTicks(postmasterPid, database);
}

/**
 * CPU milliseconds PostgreSQL spent since `before`, per process: a backend that exited in between
 * takes its ticks with it (counted as 0, never negative); one that started counts from 0.
 */
export function postgresCpuSince(before: PostgresCpu | null, postmasterPid: number, database: string): number | null {
  const after = before ? postgresTicks(postmasterPid, database) : null;
  if (!before || !after) return null;
  let ticks = 0;
  for (const [pid, t] of after) ticks += Math.max(0, t - (before.get(pid) ?? 0));
  return ticks * TICK_MS;
}

export function cpuSampler(webPid: number | undefined, postmasterPid: number | null, database: string) {
  return {
    /** CPU ms per request of what ran between start() and the returned function's call. */
    start() {
      const web0 = webPid ? processCpuMs(webPid) : null;
      const pg0 = postmasterPid ? postgresCpu(postmasterPid, database) : null;
      return (requests: number) => {
        const web1 = webPid ? processCpuMs(webPid) : null;
        const pgMs = postmasterPid ? postgresCpuSince(pg0, postmasterPid, database) : null;
        const per = (ms: number | null) => (ms === null || requests === 0 ? null : Math.round((ms / requests) * 100) / 100);
        return { webMsPerRequest: per(web0 === null || web1 === null ? null : web1 - web0), postgresMsPerRequest: per(pgMs) };
      };
    },
  };
}

/** Every process below `pid` (children, grandchildren, …). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Resident memory of a process in KiB (VmRSS), or null when it is gone. */
export function rssKb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return null;
  }
}

/** WR_SERVICE of a process (web, worker) from its environment, or null. */
export function serviceOf(pid: number): string | null {
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.find((e) => e.startsWith('WR_SERVICE='))?.slice('WR_SERVICE='.length) ?? null;
  } catch {
    return null;
  }
}
