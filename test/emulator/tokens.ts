import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { BearerCheck, EmuRequest, Principal } from './types';

/** base64url without padding, as JOSE wants it. */
export function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  // Entra uses the same value as kid and x5t; a hash of the public key is stable and unique enough here.
  const kid = createHash('sha1').update(der).digest('base64url');
  return { kid, privateKey, publicKey };
}

/** A JWKS entry as Entra's discovery/v2.0/keys publishes it. */
export function jwk(key: SigningKey, issuer?: string): Record<string, unknown> {
  const pub = key.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  return { kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n: pub.n, e: pub.e, ...(issuer ? { issuer } : {}) };
}

export function signJwt(payload: Record<string, unknown>, key: SigningKey, extraHeader: Record<string, unknown> = {}): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: key.kid, x5t: key.kid, ...extraHeader };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), key.privateKey))}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    if (!header || typeof header !== 'object' || !payload || typeof payload !== 'object') return undefined;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

/** Verifies RS256 / PS256 / ES256 signatures: what MSAL and the SDKs produce for client assertions. */
export function verifyJwtSignature(jwt: DecodedJwt, key: KeyObject): boolean {
  const data = Buffer.from(jwt.signingInput);
  try {
    switch (jwt.header.alg) {
      case 'RS256':
        return verify('sha256', data, key, jwt.signature);
      case 'PS256':
        return verify('sha256', data, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }, jwt.signature);
      case 'ES256':
        return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

export function publicKeyFromCertificate(pem: string): KeyObject {
  return createPublicKey(pem);
}

/** Resource ids compare without a trailing slash, as Entra treats `https://vault.azure.net` and `https://vault.azure.net/`. */
export function sameAudience(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

/**
 * Access tokens: RS256 JWTs in Entra's v1 shape (the shape Azure DevOps and Key Vault tokens have), signed with a
 * key generated at start. The job token (System.AccessToken) is one of these too, with `idtyp: job`.
 */
export class AccessTokens {
  readonly key = createSigningKey();

  constructor(
    private readonly now: () => number,
    private readonly recordSecret: (value: string) => void,
  ) {}

  issue(principal: Principal, audience: string, lifetimeSeconds = 3600): string {
    const iat = Math.floor(this.now() / 1000);
    const base = { aud: audience, iat, nbf: iat, exp: iat + lifetimeSeconds, uti: b64url(randomUUID()), ver: '1.0' };
    let claims: Record<string, unknown>;
    switch (principal.kind) {
      case 'user':
        claims = {
          ...base,
          iss: `https://sts.windows.net/${principal.tenantId}/`,
          oid: principal.objectId,
          sub: principal.objectId,
          tid: principal.tenantId,
          upn: principal.upn,
          unique_name: principal.upn,
          appid: principal.clientId,
          azp: principal.clientId,
          appidacr: '0',
          scp: principal.scopes.join(' '),
          idtyp: 'user',
          amr: ['pwd', 'mfa'],
        };
        break;
      case 'app':
        claims = {
          ...base,
          iss: `https://sts.windows.net/${principal.tenantId}/`,
          oid: principal.objectId,
          sub: principal.objectId,
          tid: principal.tenantId,
          appid: principal.appId,
          azp: principal.appId,
          appidacr: '1',
          idtyp: 'app',
        };
        break;
      case 'job':
        claims = {
          ...base,
          iss: 'app.vstoken.visualstudio.com',
          nameid: principal.objectId,
          scp: 'app_token',
          idtyp: 'job',
          // The real job token names its project and collection in opaque claims; the emulator keeps them readable.
          emu_org: principal.org,
          emu_project_id: principal.projectId,
          emu_name: principal.name,
        };
        break;
      case 'pat':
        throw new TypeError('PATs are not JWTs: the PAT module issues and verifies them');
    }
    const token = signJwt(claims, this.key);
    this.recordSecret(token);
    return token;
  }

  verifyBearer(req: EmuRequest, audience: string | string[]): BearerCheck {
    const header = req.headers['authorization'];
    if (!header) return { ok: false, reason: 'missing' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return { ok: false, reason: 'notBearer' };
    return this.verifyToken(m[1]!, audience);
  }

  verifyToken(token: string, audience: string | string[]): BearerCheck {
    const jwt = decodeJwt(token);
    if (!jwt || jwt.header.kid !== this.key.kid || !verifyJwtSignature(jwt, this.key.publicKey)) return { ok: false, reason: 'invalid' };
    const c = jwt.payload;
    const nowSec = this.now() / 1000;
    if (typeof c.exp !== 'number' || c.exp <= nowSec) return { ok: false, reason: 'expired' };
    if (typeof c.nbf === 'number' && c.nbf > nowSec + 300) return { ok: false, reason: 'invalid' };
    const wanted = Array.isArray(audience) ? audience : [audience];
    if (typeof c.aud !== 'string' || !wanted.some((a) => sameAudience(a, c.aud as string))) return { ok: false, reason: 'audience' };
    const principal = principalFromClaims(c);
    return principal ? { ok: true, principal } : { ok: false, reason: 'invalid' };
  }
}

function principalFromClaims(c: Record<string, unknown>): Principal | undefined {
  const s = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : '');
  switch (c.idtyp) {
    case 'user':
      return {
        kind: 'user',
        userId: s('oid'),
        objectId: s('oid'),
        upn: s('upn'),
        tenantId: s('tid'),
        clientId: s('appid'),
        audience: s('aud'),
        scopes: s('scp').split(' ').filter(Boolean),
      };
    case 'app':
      return { kind: 'app', objectId: s('oid'), appId: s('appid'), tenantId: s('tid'), audience: s('aud') };
    case 'job':
      return { kind: 'job', objectId: s('nameid'), org: s('emu_org'), projectId: s('emu_project_id'), name: s('emu_name') };
    default:
      return undefined;
  }
}
