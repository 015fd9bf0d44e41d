import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * The address a request came from, for sign-in throttling.
 *
 * Route handlers never see the socket: they get headers, and `next start` copies the socket address
 * into X-Forwarded-For only when the client did not send one — so a client can pick "its" address.
 * Instead, `installClientAddress` (called once by instrumentation.ts, in the process that owns the
 * HTTP server) works the address out for every request from the socket and, only when the socket
 * belongs to a proxy listed in TRUSTED_PROXIES, from the X-Forwarded-For entries those proxies
 * added (proxy-addr: the right-most address not trusted). It hands the result to the route handler
 * in a request header whose name is random per process, so no client can set it.
 */

/** TRUSTED_PROXIES → a trust function: IPs, CIDRs and proxy-addr's `loopback`, `linklocal`, `uniquelocal`. */
export function compileTrustedProxies(spec: string | undefined): (addr: string, i: number) => boolean {
  const list = (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return proxyaddr.compile(list);
}

const g = globalThis as unknown as { __wrClientAddressHeader?: string; __wrClientAddressInstalled?: boolean };
// On globalThis: instrumentation.ts and the route bundles are separate module graphs in one process.
const headerName = () => (g.__wrClientAddressHeader ??= `x-wr-client-address-${randomBytes(12).toString('hex')}`);

function tag(req: IncomingMessage, trust: (addr: string, i: number) => boolean) {
  let address = 'unknown';
  try {
    address = proxyaddr(req, trust) || 'unknown';
  } catch {
    // a socket already gone: leave "unknown"
  }
  req.headers[headerName()] = address;
}

/** Tags every request any HTTP server of this process receives from now on (idempotent). */
export function installClientAddress(trustedProxies: string | undefined): void {
  if (g.__wrClientAddressInstalled) return;
  g.__wrClientAddressInstalled = true;
  const trust = compileTrustedProxies(trustedProxies);
  // `next start` creates its server before it loads instrumentation.ts, so the server cannot be
  // handed a listener of ours; every http.Server emits 'request' through this method, though.
  const emit = http.Server.prototype.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'request') tag(args[0] as IncomingMessage, trust);
    return emit.apply(this, [event, ...args]);
  } as typeof http.Server.prototype.emit;
}

/**
 * The client address of a request, from a route handler (next-auth hands `authorize` the headers
 * as a plain object). "unknown" when the request was not tagged: a request that arrived while the
 * server was still starting, or a process without instrumentation (next dev) — such requests share
 * one address for throttling, which can only make it stricter.
 */
export function clientAddressFrom(headers: Headers | Record<string, string | string[] | undefined> | undefined): string {
  const name = headerName();
  const raw = headers instanceof Headers ? headers.get(name) : headers?.[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value || 'unknown';
}
