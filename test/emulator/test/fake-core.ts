/**
 * An in-memory EmulatorCore for unit tests of the service modules: no sockets, no TLS, no JWTs.
 * Bearer tokens are `fake:<base64url(JSON {p, aud, exp})>` so a test can mint any principal.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  BadJsonError,
  type BearerCheck,
  type EmulatorClock,
  type EmulatorCore,
  type EmulatorUrls,
  type EmulatorUser,
  type EmuRequest,
  type EmuResponse,
  type Principal,
  type Route,
} from '../types';

export interface DispatchOptions {
  headers?: Record<string, string>;
  body?: string | Buffer | object;
  host?: string;
}

export interface FakeResponse extends EmuResponse {
  route: string | null;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any;
}

export class FakeClock implements EmulatorClock {
  private t: number;
  constructor(start = Date.UTC(2026, 0, 15, 10, 0, 0)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
  offsetMs(): number {
    return this.t - Date.now();
  }
}

export class FakeCore implements EmulatorCore {
  readonly clock = new FakeClock();
  readonly routes: Route[] = [];
  readonly users = new Map<string, EmulatorUser>();
  readonly secrets: string[] = [];
  readonly control: Record<string, any> = {};
  readonly port = 44321;

  addRoute(route: Route): void {
    this.routes.push(route);
  }

  verifyBearer(req: EmuRequest, audience: string | string[]): BearerCheck {
    const auth = req.headers['authorization'];
    if (!auth) return { ok: false, reason: 'missing' };
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (!m) return { ok: false, reason: 'notBearer' };
    const tok = m[1]!.trim();
    if (!tok.startsWith('fake:')) return { ok: false, reason: 'invalid' };
    let payload: { p: Principal; aud: string; exp: number };
    try {
      payload = JSON.parse(Buffer.from(tok.slice(5), 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (payload.exp * 1000 <= this.clock.now()) return { ok: false, reason: 'expired' };
    const auds = Array.isArray(audience) ? audience : [audience];
    if (!auds.includes(payload.aud)) return { ok: false, reason: 'audience' };
    return { ok: true, principal: payload.p };
  }

  issueAccessToken(principal: Principal, audience: string, lifetimeSeconds = 3600): string {
    const payload = { p: principal, aud: audience, exp: Math.floor(this.clock.now() / 1000) + lifetimeSeconds };
    return 'fake:' + Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  }

  urls(): EmulatorUrls {
    const base = `https://127.0.0.1:${this.port}`;
    return {
      authorityHost: base,
      vssps: base,
      devops: base,
      vaultDnsSuffix: 'vault.emulator.test',
      keyVaultResource: 'https://vault.emulator.test',
      msiEndpoint: `${base}/msi/token`,
      msiHeader: 'fake-msi-header',
      port: this.port,
    };
  }

  newGuid(): string {
    return randomUUID();
  }
  newHex(bytes: number): string {
    return randomBytes(bytes).toString('hex');
  }
  recordSecret(value: string): void {
    this.secrets.push(value);
  }
  extendControl(name: string, api: object): void {
    this.control[name] = { ...(this.control[name] ?? {}), ...api };
  }

  /** Adds an Entra user and returns a bearer for it (Azure DevOps audience unless told otherwise). */
  addUser(name: string, opts: { tenantId?: string; scopes?: string[]; audience?: string } = {}): { user: EmulatorUser; principal: Principal; bearer: string } {
    const userId = randomUUID();
    const tenantId = opts.tenantId ?? '11111111-2222-3333-4444-555555555555';
    const user: EmulatorUser = { userId, upn: `${name}@contoso.test`, displayName: name, tenantId };
    this.users.set(userId, user);
    const principal: Principal = {
      kind: 'user',
      userId,
      objectId: userId,
      upn: user.upn,
      tenantId,
      clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
      audience: opts.audience ?? '499b84ac-1321-427f-aa17-267ca6975798',
      scopes: opts.scopes ?? ['user_impersonation'],
    };
    const core = this;
    return {
      user,
      principal,
      // Minted on every read so it stays valid however far a test moves the clock.
      get bearer() {
        return 'Bearer ' + core.issueAccessToken(principal, principal.audience);
      },
    };
  }

  bearerFor(principal: Principal, audience: string, lifetimeSeconds?: number): string {
    return 'Bearer ' + this.issueAccessToken(principal, audience, lifetimeSeconds);
  }

  async dispatch(method: string, url: string, opts: DispatchOptions = {}): Promise<FakeResponse> {
    const u = new URL(url, 'https://127.0.0.1');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
    let body: Buffer;
    if (opts.body === undefined) body = Buffer.alloc(0);
    else if (typeof opts.body === 'string') body = Buffer.from(opts.body, 'utf8');
    else if (Buffer.isBuffer(opts.body)) body = opts.body;
    else {
      body = Buffer.from(JSON.stringify(opts.body), 'utf8');
      headers['content-type'] ??= 'application/json';
    }
    const req: EmuRequest = {
      method: method.toUpperCase(),
      host: (opts.host ?? u.hostname).toLowerCase(),
      path: u.pathname,
      query: u.searchParams,
      headers,
      body,
      json<T>(): T | undefined {
        if (body.length === 0) return undefined;
        try {
          return JSON.parse(body.toString('utf8')) as T;
        } catch (e) {
          throw new BadJsonError((e as Error).message);
        }
      },
      form(): URLSearchParams {
        return new URLSearchParams(body.toString('utf8'));
      },
      remoteAddress: '127.0.0.1',
    };
    for (const route of this.routes) {
      if (route.method !== req.method) continue;
      const params = route.match(req);
      if (!params) continue;
      const res = await route.handle(req, params);
      return toFake(route.name, res);
    }
    return { route: null, status: 404, headers: {}, text: '', json: undefined };
  }
}

function toFake(name: string, res: EmuResponse): FakeResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) headers[k.toLowerCase()] = v;
  let text: string;
  if (res.body === undefined || res.body === null) text = '';
  else if (typeof res.body === 'string') text = res.body;
  else if (Buffer.isBuffer(res.body)) text = res.body.toString('utf8');
  else {
    text = JSON.stringify(res.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { route: name, status: res.status, headers, body: res.body, text, json };
}
