import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A session secret kept under the git-ignored .data folder so sign-ins survive restarts. */
export function localSecret(root: string): string {
  const file = path.join(root, '.data', 'nextauth-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const s = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, s, { mode: 0o600 });
  return s;
}
