import { env } from '../env';

export function authSecret(): string {
  const s = env().NEXTAUTH_SECRET;
  if (!s) throw new Error('NEXTAUTH_SECRET is not set (npm start generates one under .data/)');
  return s;
}
