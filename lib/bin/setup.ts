/**
 * The launcher's one-off database step, run as a child of `npm start` (dist/setup.js) so the
 * launcher itself never loads the database code: migrations, then the demo data when WR_SETUP_DEMO=1
 * (the launcher decides: embedded database or --demo, never production). The last line of its
 * output is `WR_SETUP_RESULT {"seeded":…,"users":…,"demoUsers":[…]}` for the launcher to read.
 */
import { runMigrations } from '../db/migrate';
import { createDb, databaseUrl } from '../db/client';
import { seedDemoData, DEMO_USERS } from '../seed/demo-data';
import { listUsers } from '../core/access/users';

const url = databaseUrl();
await runMigrations(url);
console.log('[start] migrations applied');
const { db, pool } = createDb(url, 2);
const { seeded } = process.env.WR_SETUP_DEMO === '1' ? await seedDemoData(db) : { seeded: false };
const users = (await listUsers(db)).length;
await pool.end();
const demoUsers = process.env.WR_SETUP_DEMO === '1' ? DEMO_USERS.map((u) => ({ role: u.role, email: u.email, password: u.password })) : [];
console.log(`WR_SETUP_RESULT ${JSON.stringify({ seeded, users, demoUsers })}`);
