import { env } from '../env';

/** Why a production web server will not start without NEXTAUTH_SECRET (web.ts, instrumentation.ts). */
export const SECRET_REQUIRED_IN_PRODUCTION =
  'NEXTAUTH_SECRET is required when NODE_ENV=production: the same secret (16+ characters) on every web instance, e.g. `openssl rand -base64 32`';

export function authSecret(): string {
  const s = env().NEXTAUTH_SECRET;
  if (!s) throw new Error('NEXTAUTH_SECRET is not set (npm start generates one under .data/)');
  return s;
}
