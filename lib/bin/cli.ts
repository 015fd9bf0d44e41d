/**
 * npm run cli -- token create --name N --permissions a,b [--expires-in 30d] [--user email]
 *                token list | token revoke --name N
 *                user create --email E --role R [--name "Full Name"]   (password: prompt or stdin)
 *                user list | user disable --email E | user enable --email E
 *                user passwd --email E                                 (password: prompt or stdin)
 */
import { parseArgs } from 'node:util';
import { readPassword } from './support/read-password';
import { AppError } from '../core/errors';

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

const USAGE = `usage:
  npm run cli -- token create --name NAME --permissions p1,p2 [--expires-in 30d] [--user EMAIL]
  npm run cli -- token list
  npm run cli -- token revoke --name NAME
  npm run cli -- user create --email EMAIL --role admin|operator|approver|viewer [--name NAME]
  npm run cli -- user list
  npm run cli -- user disable --email EMAIL      (ends their sessions; their tokens stop working)
  npm run cli -- user enable --email EMAIL
  npm run cli -- user passwd --email EMAIL       (ends their sessions)
user create and user passwd ask for the password, or read it from standard input when it is not a terminal.`;

async function main() {
  const [group, command, ...rest] = process.argv.slice(2);
  if (!group || group === '--help' || group === 'help') {
    console.log(USAGE);
    return;
  }
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: rest,
      options: {
        name: { type: 'string' },
        permissions: { type: 'string' },
        'expires-in': { type: 'string' },
        user: { type: 'string' },
        email: { type: 'string' },
        role: { type: 'string' },
        password: { type: 'string' },
      },
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (e) {
    fail(`${(e as Error).message}\n${USAGE}`);
  }
  if (!process.env.DATABASE_URL) {
    // While `npm start` runs its embedded PostgreSQL, it leaves the URL here.
    const fs = await import('node:fs');
    const file = `${process.cwd()}/.data/database-url`;
    if (fs.existsSync(file)) process.env.DATABASE_URL = fs.readFileSync(file, 'utf8').trim();
  }
  // Every variable is parsed before anything else: a wrong value stops here, naming it.
  const { env, EnvError } = await import('../env');
  const { parseDurationMs } = await import('../core/duration');
  try {
    env();
  } catch (e) {
    if (e instanceof EnvError) fail(`invalid environment: ${e.issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    fail((e as Error).message);
  }
  if (!process.env.DATABASE_URL) fail('DATABASE_URL is not set (with npm start running, run this in the project directory with DATABASE_URL unset: it finds that database; otherwise export DATABASE_URL)');
  // npm start prints its database URL with the password masked: copied as it is, it cannot connect.
  if (/:\*\*\*@/.test(process.env.DATABASE_URL)) {
    fail('DATABASE_URL has the masked password npm start prints (***): leave DATABASE_URL unset in the project directory while npm start runs, or give the real password');
  }

  const { getDb, closeDb } = await import('../db/client');
  // A database error's message carries the SQL and its parameters: errorSummary says the driver's reason instead.
  const { errorSummary } = await import('../log');
  const tokens = await import('../core/access/api-tokens');
  const users = await import('../core/access/users');
  const db = getDb();
  try {
    if (group === 'token' && command === 'create') {
      if (!values.name) fail('--name is required');
      if (!values.permissions) fail('--permissions is required (comma separated, e.g. execution:read,execution:cancel)');
      let expiresInMs: number | undefined;
      if (values['expires-in']) {
        expiresInMs = parseDurationMs(values['expires-in']) ?? fail(`--expires-in: invalid duration ${values['expires-in']} (e.g. 30d, 12h)`);
      }
      const t = await tokens.createApiToken(db, {
        name: values.name,
        permissions: values.permissions.split(',').map((s) => s.trim()).filter(Boolean),
        expiresInMs,
        userEmail: values.user ?? null,
      });
      console.log(`created token ${t.name} (${t.prefix}…) with ${t.permissions.join(', ')}${t.expiresAt ? `, expires ${t.expiresAt.toISOString()}` : ''}`);
      console.log('store it now: it is shown only once');
      console.log(t.token);
    } else if (group === 'token' && command === 'list') {
      const rows = await tokens.listApiTokens(db);
      if (rows.length === 0) console.log('no tokens');
      for (const r of rows) {
        const state = r.revokedAt ? 'revoked' : r.expiresAt && r.expiresAt < new Date() ? 'expired' : 'active';
        console.log(
          [r.name, `${r.prefix}…`, state, r.permissions.join(','), `created ${r.createdAt.toISOString()}`, `last used ${r.lastUsedAt?.toISOString() ?? 'never'}`].join('  '),
        );
      }
    } else if (group === 'token' && command === 'revoke') {
      if (!values.name) fail('--name is required');
      await tokens.revokeApiToken(db, values.name);
      console.log(`revoked token ${values.name}`);
    } else if (group === 'user' && command === 'create') {
      if (!values.email) fail('--email is required');
      if (!values.role) fail('--role is required (admin, operator, approver, viewer)');
      // --password still works (scripts written for it), but a password on the command line ends
      // up in shell history and `ps`: the prompt or standard input is the documented way.
      const password = values.password ?? (await readPassword('password: '));
      const u = await users.createUser(db, { email: values.email, role: values.role, password, name: values.name });
      console.log(`created user ${u.email} (${u.role})`);
    } else if (group === 'user' && command === 'list') {
      const rows = await users.listUsers(db);
      if (rows.length === 0) console.log('no users');
      for (const u of rows) console.log([u.email, u.role, u.disabled ? 'disabled' : 'active', u.name, `created ${u.createdAt.toISOString()}`].join('  '));
    } else if (group === 'user' && (command === 'disable' || command === 'enable')) {
      if (!values.email) fail('--email is required');
      await users.setUserDisabled(db, values.email, command === 'disable');
      console.log(
        command === 'disable'
          ? `disabled user ${values.email.trim().toLowerCase()}: their sessions ended and their tokens stopped working`
          : `enabled user ${values.email.trim().toLowerCase()}`,
      );
    } else if (group === 'user' && command === 'passwd') {
      if (!values.email) fail('--email is required');
      const password = await readPassword('new password: ');
      await users.changePassword(db, values.email, password);
      console.log(`changed the password of ${values.email.trim().toLowerCase()}: their sessions ended`);
    } else {
      fail(`unknown command "${[group, command].filter(Boolean).join(' ')}"\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof AppError) fail(e.message);
    fail(`could not complete the command: ${errorSummary(e)}`);
  } finally {
    await closeDb();
  }
}

await main();
