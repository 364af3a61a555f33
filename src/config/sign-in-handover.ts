/**
 * The job variable that hands a rolled refresh token from one step to the next when the sign-in lives in a service
 * connection (docs/security.md, "The sign-in service connection").
 *
 * The agent gives every step the connection's authorization as it was when the job started, so a second step would
 * redeem the token the first one already redeemed. The first step therefore sets a secret job variable with the
 * token it rolled. Any earlier step can set a job variable, though, so the value is sealed: an HMAC-SHA256 over the
 * connection id and the token, keyed with the refresh token the connection held at job start. Only a process that was
 * handed that connection's authorization knows the key; a script step was not, so it cannot make a value the task
 * accepts. The variable carries only a refresh token: the tenant, the client and the authority host always come from
 * the connection itself, so even a valid value cannot send the credential anywhere else.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 'plsi1';

/** `PatLifecycle.SignIn.<id>`: one variable per connection, so two connections in one job do not meet. */
export function handoverVariableName(connectionId: string): string {
  return `PatLifecycle.SignIn.${connectionId.toLowerCase().replace(/[^0-9a-f]/g, '')}`;
}

export function sealHandover(key: string, connectionId: string, refreshToken: string): string {
  return `${VERSION}.${mac(key, connectionId, refreshToken)}.${refreshToken}`;
}

/** The refresh token a sealed value carries, or undefined when the seal is not this connection's. */
export function openHandover(key: string, connectionId: string, sealed: string): string | undefined {
  const parts = sealed.split('.');
  if (parts.length < 3 || parts[0] !== VERSION) return undefined;
  const token = parts.slice(2).join('.');
  const given = Buffer.from(parts[1], 'base64url');
  const expected = Buffer.from(mac(key, connectionId, token), 'base64url');
  if (token.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return token;
}

function mac(key: string, connectionId: string, refreshToken: string): string {
  return createHmac('sha256', key).update(`${connectionId.toLowerCase()}\n${refreshToken}`).digest('base64url');
}
