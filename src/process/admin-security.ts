/**
 * Admin API access: a bearer token for changes, compared in constant time, and a refusal to expose
 * an unauthenticated admin API beyond loopback.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export function isLoopbackAddress(address: string): boolean {
  if (address === 'localhost' || address === '::1') return true;
  return isIP(address) === 4 && address.startsWith('127.');
}

/** Why these settings must not start, or undefined when they are safe. */
export function adminExposureProblem(settings: { adminAddress: string; adminToken?: string }): string | undefined {
  if (isLoopbackAddress(settings.adminAddress) || settings.adminToken) return undefined;
  return `--admin-address ${settings.adminAddress} is not a loopback address: set --admin-token (ADMIN_TOKEN) so config changes need it, or bind 127.0.0.1`;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** `Authorization: <scheme> <credentials>`: the scheme is case-insensitive (RFC 9110 11.1), one or more spaces follow it. */
const BEARER = /^bearer +(\S.*)$/i;

/** A checker for `Authorization: Bearer <token>`; hashing first gives equal lengths for timingSafeEqual. */
export function bearerChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const credentials = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (credentials === undefined) return false;
    return timingSafeEqual(digest(credentials.trim()), expected);
  };
}
