import { createHash, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { AZURE_DEVOPS_RESOURCE, type EmulatorCore, type EmulatorUser, type EmuRequest, type EmuResponse, type Principal } from './types';
import { AadstsError, aadstsBody, aadstsResponse, AADSTS, ENTRA_HEADERS, type EntraErrorContext } from './entra-errors';
import { entraTimestamp, DAY } from './clock';
import { b64url, decodeJwt, sameAudience, signJwt, verifyJwtSignature, type AccessTokens } from './tokens';
import { defineRoute } from './server';
import { registerAuthorize } from './entra-authorize';
import { registerDiscovery } from './entra-discovery';

export type AppKind = 'public' | 'confidential' | 'spa';

export interface AddAppOptions {
  clientId?: string;
  displayName?: string;
  kind: AppKind;
  /** Confidential apps get a generated secret when none is given. */
  secret?: string;
  /** Public certificate (PEM) whose key signs client assertions. */
  certificatePem?: string;
  /** Default true; false makes every delegated token request fail with AADSTS65001. */
  consentedScopes?: boolean;
  /** "Allow public client flows": needed for the device code flow. */
  allowPublicClientFlows?: boolean;
  /** Default `['http://localhost']`; loopback URIs accept any port, as Entra does for native apps. */
  redirectUris?: string[];
  federatedCredentials?: { issuer: string; subject: string; audiences?: string[] }[];
  tenantId?: string;
}

export interface RefreshTokenInfo {
  userId: string;
  clientId: string;
  tenantId: string;
  /** Emulator-clock epoch milliseconds. */
  issuedAt: number;
  lastRedeemedAt?: number;
  /** Successful redemptions of this very token. */
  redemptions: number;
  /** Every time this token was presented, successful or not. */
  attempts: number;
  /** When it stops working for inactivity (90 days after issue; 24 h from sign-in for SPA tokens). */
  expiresAt: number;
  spa: boolean;
  /** The newest refresh token issued when this one was redeemed. */
  rolledTo?: string;
  rolledFrom?: string;
}

export type RedemptionFailure =
  | { code: number; times?: number }
  | { status: 429 | 503; retryAfterSeconds?: number; times?: number };

export interface EntraControl {
  readonly defaultTenantId: string;
  readonly defaultTenantDomain: string;
  addTenant(opts?: { tenantId?: string; domain?: string }): { tenantId: string; domain: string };
  addUser(opts: { upn: string; displayName?: string; tenantId?: string }): EmulatorUser;
  addApp(opts: AddAppOptions): { clientId: string; secret?: string; objectId: string };
  addCertificate(clientId: string, certificatePem: string): void;
  setConsent(clientId: string, consented: boolean): void;
  /** Seeds a refresh token as an interactive sign-in by the user in the app would. */
  signIn(opts: { userId: string; clientId: string; scopes?: string[] }): { refreshToken: string };
  /** The next refresh-token redemption(s) fail with this AADSTS code or HTTP status, whatever they carry. */
  failNextRedemption(failure: RedemptionFailure): void;
  /** Later redemptions of refresh tokens issued to this user before now fail with AADSTS50173. */
  revokeSessions(userId: string): void;
  refreshTokenInfo(refreshToken: string): RefreshTokenInfo | undefined;
  /** Every refresh token issued, oldest first. */
  refreshTokens(filter?: { userId?: string; clientId?: string }): (RefreshTokenInfo & { refreshToken: string })[];
  approveDeviceCode(userCode: string, userId: string): void;
  declineDeviceCode(userCode: string): void;
  setDeviceCodeInterval(seconds: number): void;
  /** Who "signs in" at the authorize endpoint (else login_hint, else the tenant's only user). */
  setBrowserUser(userId: string | undefined): void;
  setAccessTokenLifetime(seconds: number): void;
  /** The job's System.AccessToken (a Principal of kind `job`, audience Azure DevOps). */
  issueJobToken(opts: { org: string; projectId: string; name?: string; lifetimeSeconds?: number }): { token: string; principal: Principal & { kind: 'job' } };
}

/** What the authorize and discovery routes share with the token endpoint. */
export interface EntraRouting {
  core: EmulatorCore;
  tokens: AccessTokens;
  base(): string;
  isEntraHost(host: string): boolean;
  entraRoute(name: string, method: string, path: string, handle: (req: EmuRequest, p: Record<string, string>) => EmuResponse): void;
  resolveTenant(segment: string): ResolvedTenant | undefined;
  errorContext(req: EmuRequest): EntraErrorContext;
  parseScopes(raw: string | null, tenantName: string): ScopeRequest;
  apps: Map<string, App>;
  codes: Map<string, AuthCode>;
  browserUser(): string | undefined;
}

export type ResolvedTenant = { any: true } | { any: false; tenant: Tenant };

export interface EntraInternals {
  control: EntraControl;
  defaultTenantId: string;
  /** Lets Entra accept client assertions from an external issuer (the pipelines OIDC endpoint), as a federated credential trusts its JWKS. */
  trustIssuer(issuer: string, key: KeyObject): void;
  /** Access token audience for a v1 `resource` or a v2 resource prefix; undefined when the resource is unknown. */
  audienceFor(resource: string): string | undefined;
}

export interface Tenant {
  tenantId: string;
  domain: string;
}

interface AppCert {
  x5t: string;
  x5tS256: string;
  key: KeyObject;
}

export interface App {
  clientId: string;
  objectId: string;
  displayName: string;
  tenantId: string;
  kind: AppKind;
  secret?: string;
  certs: AppCert[];
  consented: boolean;
  allowPublicClientFlows: boolean;
  redirectUris: string[];
  federated: { issuer: string; subject: string; audiences: string[] }[];
}

interface RtRecord extends RefreshTokenInfo {
  token: string;
  seq: number;
  publicClient: boolean;
}

export interface AuthCode {
  clientId: string;
  userId: string;
  tenantId: string;
  redirectUri: string;
  scope: string;
  challenge?: string;
  method?: string;
  nonce?: string;
  expiresAt: number;
  redeemed: boolean;
}

interface DeviceCode {
  deviceCode: string;
  userCode: string;
  clientId: string;
  tenantSegment: string;
  scope: string;
  expiresAt: number;
  state: 'pending' | 'approved' | 'declined' | 'redeemed';
  userId?: string;
}

export interface ScopeRequest {
  /** Resource as the client named it (prefix of its scopes), e.g. `499b84ac-…` or `https://vault.emulator.test`. */
  resource?: string;
  audience?: string;
  perms: string[];
  oidc: Set<string>;
  raw: string;
}

const RT_INACTIVITY_MS = 90 * DAY;
const SPA_RT_LIFETIME_MS = 1 * DAY;
const DEVICE_CODE_LIFETIME_S = 900;
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const GRAPH = 'https://graph.microsoft.com';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

export function registerEntra(core: EmulatorCore, tokens: AccessTokens): EntraInternals {
  const clock = core.clock;
  const base = () => core.urls().authorityHost;
  const tenants = new Map<string, Tenant>();
  const apps = new Map<string, App>();
  const rts = new Map<string, RtRecord>();
  const codes = new Map<string, AuthCode>();
  const deviceCodes = new Map<string, DeviceCode>();
  const revokedAtSeq = new Map<string, number>();
  const trustedIssuers = new Map<string, KeyObject>();
  const jobIdentities = new Map<string, string>();
  const failures: { failure: RedemptionFailure; remaining: number }[] = [];
  let seq = 0;
  let browserUser: string | undefined;
  let deviceCodeInterval = 5;
  let accessTokenLifetime = 3600;

  const addTenant = (opts: { tenantId?: string; domain?: string } = {}) => {
    const tenantId = (opts.tenantId ?? core.newGuid()).toLowerCase();
    const domain = (opts.domain ?? `tenant${tenants.size + 1}.onmicrosoft.com`).toLowerCase();
    if (tenants.has(tenantId)) throw new Error(`tenant ${tenantId} exists`);
    tenants.set(tenantId, { tenantId, domain });
    return { tenantId, domain };
  };
  const defaultTenant = addTenant({ domain: 'contoso.onmicrosoft.com' });

  /** `common`/`organizations` mean "any tenant"; GUIDs and domains must name a known tenant. */
  const resolveTenant = (segment: string): ResolvedTenant | undefined => {
    const s = segment.toLowerCase();
    if (s === 'common' || s === 'organizations' || s === 'consumers') return { any: true };
    const byId = tenants.get(s);
    if (byId) return { any: false, tenant: byId };
    for (const t of tenants.values()) if (t.domain === s) return { any: false, tenant: t };
    return undefined;
  };

  const keyVaultResource = () => core.urls().keyVaultResource;
  const audienceFor = (resource: string): string | undefined => {
    const r = resource.replace(/\/+$/, '');
    if (sameAudience(r, AZURE_DEVOPS_RESOURCE) || sameAudience(r, 'https://app.vssps.visualstudio.com')) return AZURE_DEVOPS_RESOURCE;
    if (sameAudience(r, keyVaultResource()) || sameAudience(r, 'https://vault.azure.net')) return r.toLowerCase();
    if (sameAudience(r, GRAPH) || sameAudience(r, '00000003-0000-0000-c000-000000000000')) return GRAPH;
    if (sameAudience(r, 'https://management.azure.com') || sameAudience(r, 'https://management.core.windows.net')) return r;
    for (const app of apps.values()) if (sameAudience(r, app.clientId) || sameAudience(r, `api://${app.clientId}`)) return r;
    return undefined;
  };

  const parseScopes = (raw: string | null, tenantName: string): ScopeRequest => {
    const list = (raw ?? '').split(/\s+/).filter(Boolean);
    const oidc = new Set<string>();
    let resource: string | undefined;
    const perms: string[] = [];
    for (const s of list) {
      if (OIDC_SCOPES.has(s.toLowerCase())) {
        oidc.add(s.toLowerCase());
        continue;
      }
      const cut = s.lastIndexOf('/');
      const [res, perm] = cut > 0 ? [s.slice(0, cut).replace(/\/+$/, ''), s.slice(cut + 1)] : [GRAPH, s];
      if (resource !== undefined && !sameAudience(resource, res)) throw new AadstsError(70011, {});
      resource = res;
      if (perm) perms.push(perm);
    }
    if (!resource) return { perms: [], oidc, raw: raw ?? '' };
    const audience = audienceFor(resource);
    if (!audience) throw new AadstsError(500011, { resource, tenant: tenantName });
    return { resource, audience, perms, oidc, raw: raw ?? '' };
  };

  const delegatedPerms = (s: ScopeRequest): string[] => {
    const explicit = s.perms.filter((p) => p !== '.default');
    if (explicit.length) return explicit;
    return [s.audience === GRAPH ? 'User.Read' : 'user_impersonation'];
  };

  const errorContext = (req: EmuRequest): EntraErrorContext => ({
    nowMs: clock.now(),
    traceId: core.newGuid(),
    correlationId: req.headers['client-request-id'] ?? req.query.get('client-request-id') ?? core.newGuid(),
    authorityHost: base(),
  });

  const appOr700016 = (clientId: string | null, tenantSegment: string, scope: { any: boolean; tenant?: Tenant }): App => {
    if (!clientId) throw new AadstsError(900144, { parameter: 'client_id' });
    const app = apps.get(clientId.toLowerCase());
    if (!app || (!scope.any && scope.tenant!.tenantId !== app.tenantId)) throw new AadstsError(700016, { clientId, tenant: tenantSegment });
    return app;
  };

  const newRefreshToken = (r: Omit<RtRecord, 'token' | 'seq' | 'issuedAt' | 'redemptions' | 'attempts' | 'expiresAt'> & { expiresAt?: number }): string => {
    const token = `1.A${b64url(randomBytes(180))}`;
    const now = clock.now();
    rts.set(token, { ...r, token, seq: ++seq, issuedAt: now, redemptions: 0, attempts: 0, expiresAt: r.expiresAt ?? now + RT_INACTIVITY_MS });
    core.recordSecret(token);
    return token;
  };

  const userOf = (userId: string): EmulatorUser => {
    const u = core.users.get(userId);
    if (!u) throw new Error(`no user ${userId}`);
    return u;
  };

  const idToken = (user: EmulatorUser, app: App, nonce?: string): string => {
    const iat = Math.floor(clock.now() / 1000);
    const token = signJwt(
      {
        aud: app.clientId,
        iss: `${base()}/${user.tenantId}/v2.0`,
        iat,
        nbf: iat,
        exp: iat + 3600,
        name: user.displayName,
        oid: user.userId,
        preferred_username: user.upn,
        sub: createHash('sha256').update(`${user.userId}|${app.clientId}`).digest('base64url').slice(0, 43),
        tid: user.tenantId,
        ver: '2.0',
        ...(nonce ? { nonce } : {}),
      },
      tokens.key,
    );
    core.recordSecret(token);
    return token;
  };

  /** The v2 success body (spec §3 "What the emulator must return"). */
  const userTokenResponse = (
    form: URLSearchParams,
    user: EmulatorUser,
    app: App,
    scopes: ScopeRequest,
    rt: { spa: boolean; publicClient: boolean; spaExpiresAt?: number; rolledFrom?: RtRecord },
    nonce?: string,
  ): EmuResponse => {
    if (!app.consented) throw new AadstsError(65001, { clientId: app.clientId, appName: app.displayName });
    const audience = scopes.audience ?? GRAPH;
    const resource = scopes.resource ?? GRAPH;
    const perms = delegatedPerms(scopes);
    const principal: Principal = {
      kind: 'user',
      userId: user.userId,
      objectId: user.userId,
      upn: user.upn,
      tenantId: user.tenantId,
      clientId: app.clientId,
      audience,
      scopes: perms,
    };
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: [...perms.map((p) => `${resource}/${p}`), ...[...scopes.oidc].filter((s) => s !== 'email')].join(' '),
      expires_in: accessTokenLifetime,
      ext_expires_in: accessTokenLifetime,
      access_token: tokens.issue(principal, audience, accessTokenLifetime),
    };
    if (scopes.oidc.has('offline_access')) {
      const token = newRefreshToken({
        userId: user.userId,
        clientId: app.clientId,
        tenantId: user.tenantId,
        spa: rt.spa,
        publicClient: rt.publicClient,
        rolledFrom: rt.rolledFrom?.token,
        expiresAt: rt.spa ? (rt.spaExpiresAt ?? clock.now() + SPA_RT_LIFETIME_MS) : undefined,
      });
      if (rt.rolledFrom) rt.rolledFrom.rolledTo = token;
      body.refresh_token = token;
    }
    if (scopes.oidc.has('openid')) body.id_token = idToken(user, app, nonce);
    if (form.get('client_info') === '1') body.client_info = b64url(JSON.stringify({ uid: user.userId, utid: user.tenantId }));
    return { status: 200, headers: { ...ENTRA_HEADERS }, body };
  };

  /** Client authentication: which credential the request carries and whether the app may present it. */
  const authenticateClient = (req: EmuRequest, form: URLSearchParams, app: App, mustBeConfidential: boolean, tenantSegment: string): void => {
    let secret = form.get('client_secret');
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers['authorization'] ?? '');
    if (basic && secret === null) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0) secret = decodeURIComponent(decoded.slice(i + 1));
    }
    const assertion = form.get('client_assertion');
    if (app.kind !== 'confidential') {
      if (secret !== null || assertion !== null) throw new AadstsError(700025);
      if (mustBeConfidential) throw new AadstsError(7000218);
      return;
    }
    if (secret === null && assertion === null) {
      if (mustBeConfidential) throw new AadstsError(7000218);
      return;
    }
    if (secret !== null) {
      if (secret !== app.secret) throw new AadstsError(7000215, { clientId: app.clientId });
      return;
    }
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) throw new AadstsError(900144, { parameter: 'client_assertion_type' });
    verifyAssertion(assertion!, app, tenantSegment);
  };

  const verifyAssertion = (assertion: string, app: App, tenantSegment: string): void => {
    const jwt = decodeJwt(assertion);
    if (!jwt) throw new AadstsError(700027, { reason: 'The assertion is not a well-formed JWT' });
    const c = jwt.payload;
    const nowS = clock.now() / 1000;
    const timeOk = () => {
      if (typeof c.exp !== 'number' || c.exp < nowS - 300 || (typeof c.nbf === 'number' && c.nbf > nowS + 300)) throw new AadstsError(700024);
    };
    if (c.iss === app.clientId) {
      // A certificate credential: the app signed the assertion itself, naming the certificate by thumbprint.
      const x5tS256 = jwt.header['x5t#S256'];
      const x5t = jwt.header['x5t'];
      const cert = app.certs.find((k) => (x5tS256 && k.x5tS256 === x5tS256) || (!x5tS256 && x5t && k.x5t === x5t));
      if (!cert) throw new AadstsError(700027, { reason: 'The key was not found.' });
      if (!verifyJwtSignature(jwt, cert.key)) throw new AadstsError(700027, { reason: 'The signature is invalid.' });
      const aud = typeof c.aud === 'string' ? c.aud : '';
      const audOk = aud.startsWith(`${base()}/`) && (aud.endsWith('/oauth2/v2.0/token') || aud.endsWith('/oauth2/token') || aud.endsWith('/v2.0'));
      if (!audOk || c.sub !== app.clientId) throw new AadstsError(700027, { reason: `The audience '${aud}' or subject is not valid for tenant '${tenantSegment}'.` });
      timeOk();
      return;
    }
    // A federated credential: an external issuer's token whose issuer and subject the app trusts.
    const iss = typeof c.iss === 'string' ? c.iss : '';
    const sub = typeof c.sub === 'string' ? c.sub : '';
    const aud = Array.isArray(c.aud) ? (c.aud as string[]) : [String(c.aud ?? '')];
    const fed = app.federated.find((f) => f.issuer === iss && f.subject === sub);
    if (!fed) throw new AadstsError(70021, { issuer: iss, subject: sub, audience: aud.join(',') });
    const key = trustedIssuers.get(iss);
    if (!key || !verifyJwtSignature(jwt, key)) throw new AadstsError(700027, { reason: 'The signature of the federated assertion could not be verified.' });
    if (!aud.some((a) => fed.audiences.includes(a))) throw new AadstsError(700212, { audience: aud.join(',') });
    timeOk();
  };

  const takeFailure = (): RedemptionFailure | undefined => {
    const f = failures[0];
    if (!f) return undefined;
    if (--f.remaining <= 0) failures.shift();
    return f.failure;
  };

  const injected = (req: EmuRequest, failure: RedemptionFailure, app: App | undefined, scopeRaw: string | null): EmuResponse => {
    const ctx = errorContext(req);
    if ('status' in failure) {
      const code = failure.status === 429 ? 90055 : 90006;
      const { body } = aadstsBody(code, ctx);
      return {
        status: failure.status,
        headers: { ...ENTRA_HEADERS, 'x-ms-request-id': ctx.traceId, 'Retry-After': String(failure.retryAfterSeconds ?? 1) },
        body,
      };
    }
    const issued = entraTimestamp(clock.now() - 30 * DAY);
    return aadstsResponse(failure.code, ctx, {
      clientId: app?.clientId ?? '',
      appName: app?.displayName ?? '',
      resource: (scopeRaw ?? '').split(/\s+/).find((s) => !OIDC_SCOPES.has(s)) ?? AZURE_DEVOPS_RESOURCE,
      issued,
      validFrom: entraTimestamp(clock.now()),
      inactive: '90.00:00:00',
      tenant: '',
      upn: '',
    });
  };

  // ---------- grants ----------

  const refreshGrant = (req: EmuRequest, form: URLSearchParams, app: App, tenantSegment: string, scope: { any: boolean; tenant?: Tenant }): EmuResponse => {
    const token = form.get('refresh_token');
    if (!token) throw new AadstsError(900144, { parameter: 'refresh_token' });
    const rec = rts.get(token);
    if (rec) rec.attempts++;
    authenticateClient(req, form, app, rec ? !rec.publicClient : app.kind === 'confidential', tenantSegment);
    if (!rec) throw new AadstsError(9002313);
    if (rec.clientId !== app.clientId) throw new AadstsError(70000);
    const user = userOf(rec.userId);
    if (!scope.any && scope.tenant!.tenantId !== user.tenantId) throw new AadstsError(50020, { upn: user.upn, tenant: tenantSegment, clientId: app.clientId });
    if (rec.spa && !req.headers['origin']) throw new AadstsError(9002327);
    const revokedSeq = revokedAtSeq.get(rec.userId);
    if (revokedSeq !== undefined && rec.seq <= revokedSeq) {
      throw new AadstsError(50173, { issued: entraTimestamp(rec.issuedAt), validFrom: entraTimestamp(clock.now()) });
    }
    const now = clock.now();
    if (now >= rec.expiresAt) {
      if (rec.spa) throw new AadstsError(700084, { issued: entraTimestamp(rec.issuedAt) });
      const inactiveMs = now - (rec.lastRedeemedAt ?? rec.issuedAt);
      throw new AadstsError(700082, { issued: entraTimestamp(rec.issuedAt), inactive: formatDuration(inactiveMs) });
    }
    const scopes = parseScopes(form.get('scope'), tenantSegment);
    const res = userTokenResponse(form, user, app, scopes, { spa: rec.spa, publicClient: rec.publicClient, spaExpiresAt: rec.expiresAt, rolledFrom: rec });
    rec.redemptions++;
    rec.lastRedeemedAt = now;
    return res;
  };

  const codeGrant = (req: EmuRequest, form: URLSearchParams, app: App, tenantSegment: string): EmuResponse => {
    authenticateClient(req, form, app, app.kind === 'confidential', tenantSegment);
    const code = form.get('code');
    if (!code) throw new AadstsError(900144, { parameter: 'code' });
    const rec = codes.get(code);
    if (!rec || rec.clientId !== app.clientId) throw new AadstsError(70000);
    if (rec.redeemed) throw new AadstsError(54005);
    if (clock.now() >= rec.expiresAt) throw new AadstsError(70008);
    if (form.get('redirect_uri') !== rec.redirectUri) throw new AadstsError(50011, { redirectUri: form.get('redirect_uri') ?? '', clientId: app.clientId });
    if (rec.challenge) {
      const verifier = form.get('code_verifier');
      if (!verifier) throw new AadstsError(501481);
      const computed = rec.method === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
      if (computed !== rec.challenge) throw new AadstsError(501481);
    } else if (app.kind === 'spa') {
      throw new AadstsError(9002325);
    }
    if (app.kind === 'spa' && !req.headers['origin']) throw new AadstsError(9002327);
    rec.redeemed = true;
    const scopes = parseScopes(form.get('scope') ?? rec.scope, tenantSegment);
    return userTokenResponse(form, userOf(rec.userId), app, scopes, { spa: app.kind === 'spa', publicClient: app.kind !== 'confidential' }, rec.nonce);
  };

  const deviceGrant = (req: EmuRequest, form: URLSearchParams, app: App, tenantSegment: string): EmuResponse => {
    if (!app.allowPublicClientFlows) throw new AadstsError(7000218);
    authenticateClient(req, form, app, false, tenantSegment);
    const dc = deviceCodes.get(form.get('device_code') ?? '');
    if (!dc || dc.clientId !== app.clientId) throw new AadstsError(70000);
    if (dc.state === 'redeemed') throw new AadstsError(70000);
    if (clock.now() >= dc.expiresAt) throw new AadstsError(70020);
    if (dc.state === 'declined') throw new AadstsError(70019);
    if (dc.state === 'pending') throw new AadstsError(70016);
    dc.state = 'redeemed';
    const scopes = parseScopes(form.get('scope') ?? dc.scope, tenantSegment);
    return userTokenResponse(form, userOf(dc.userId!), app, scopes, { spa: false, publicClient: true });
  };

  const clientCredentialsGrant = (req: EmuRequest, form: URLSearchParams, app: App, tenantSegment: string): EmuResponse => {
    authenticateClient(req, form, app, true, tenantSegment);
    const raw = form.get('scope') ?? '';
    const list = raw.split(/\s+/).filter(Boolean);
    if (list.length !== 1 || !list[0]!.endsWith('/.default')) throw new AadstsError(1002012, { scope: raw });
    const scopes = parseScopes(raw, tenantSegment);
    const audience = scopes.audience!;
    const principal: Principal = { kind: 'app', objectId: app.objectId, appId: app.clientId, tenantId: app.tenantId, audience };
    return {
      status: 200,
      headers: { ...ENTRA_HEADERS },
      body: {
        token_type: 'Bearer',
        expires_in: accessTokenLifetime,
        ext_expires_in: accessTokenLifetime,
        access_token: tokens.issue(principal, audience, accessTokenLifetime),
      },
    };
  };

  // ---------- routes ----------

  const isEntraHost = (h: string) => !h.endsWith(`.${core.urls().vaultDnsSuffix}`);
  const entraRoute = (name: string, method: string, path: string, handle: (req: EmuRequest, p: Record<string, string>) => EmuResponse) =>
    core.addRoute(
      defineRoute({
        service: 'entra',
        name,
        method,
        path,
        host: isEntraHost,
        handle: (req, p) => {
          try {
            return handle(req, p);
          } catch (e) {
            if (e instanceof AadstsError) {
              const ctx = errorContext(req);
              const { status, body } = aadstsBody(e.code, ctx, e.vars);
              return { status, headers: { ...ENTRA_HEADERS, 'x-ms-request-id': ctx.traceId, ...e.headers }, body };
            }
            throw e;
          }
        },
      }),
    );

  const tenantOr90002 = (segment: string) => {
    const t = resolveTenant(segment);
    if (!t) throw new AadstsError(90002, { tenant: segment });
    return t;
  };

  entraRoute('entra.token', 'POST', '/:tenant/oauth2/v2.0/token', (req, p) => {
    const form = req.form();
    const grant = form.get('grant_type');
    if (grant === 'refresh_token') {
      const failure = takeFailure();
      if (failure) {
        const rec = rts.get(form.get('refresh_token') ?? '');
        if (rec) rec.attempts++;
        return injected(req, failure, apps.get((form.get('client_id') ?? '').toLowerCase()), form.get('scope'));
      }
    }
    const t = tenantOr90002(p.tenant!);
    const scope = t.any ? { any: true } : { any: false, tenant: t.tenant };
    const app = appOr700016(form.get('client_id'), p.tenant!, scope);
    switch (grant) {
      case 'refresh_token':
        return refreshGrant(req, form, app, p.tenant!, scope);
      case 'authorization_code':
        return codeGrant(req, form, app, p.tenant!);
      case 'urn:ietf:params:oauth:grant-type:device_code':
      case 'device_code':
        return deviceGrant(req, form, app, p.tenant!);
      case 'client_credentials':
        return clientCredentialsGrant(req, form, app, p.tenant!);
      case null:
        throw new AadstsError(900144, { parameter: 'grant_type' });
      default:
        throw new AadstsError(70003, { grantType: grant });
    }
  });

  entraRoute('entra.devicecode', 'POST', '/:tenant/oauth2/v2.0/devicecode', (req, p) => {
    const form = req.form();
    const t = tenantOr90002(p.tenant!);
    const app = appOr700016(form.get('client_id'), p.tenant!, t.any ? { any: true } : { any: false, tenant: t.tenant });
    const scope = form.get('scope') ?? '';
    parseScopes(scope, p.tenant!);
    const deviceCode = `DAQABAAEAAAA${b64url(randomBytes(96))}`;
    let userCode: string;
    do userCode = Array.from(randomBytes(9), (b) => 'ABCDEFGHJKLMNPQRSTUVWXYZ'[b % 24]).join('');
    while ([...deviceCodes.values()].some((d) => d.userCode === userCode));
    deviceCodes.set(deviceCode, {
      deviceCode,
      userCode,
      clientId: app.clientId,
      tenantSegment: p.tenant!,
      scope,
      expiresAt: clock.now() + DEVICE_CODE_LIFETIME_S * 1000,
      state: 'pending',
    });
    core.recordSecret(deviceCode);
    const verificationUri = 'https://microsoft.com/devicelogin';
    return {
      status: 200,
      headers: { ...ENTRA_HEADERS },
      body: {
        user_code: userCode,
        device_code: deviceCode,
        verification_uri: verificationUri,
        expires_in: DEVICE_CODE_LIFETIME_S,
        interval: deviceCodeInterval,
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
      },
    };
  });

  const routing: EntraRouting = {
    core,
    tokens,
    base,
    isEntraHost,
    entraRoute,
    resolveTenant,
    errorContext,
    parseScopes,
    apps,
    codes,
    browserUser: () => browserUser,
  };
  registerAuthorize(routing);
  registerDiscovery(routing);

  // ---------- control ----------

  const control: EntraControl = {
    defaultTenantId: defaultTenant.tenantId,
    defaultTenantDomain: defaultTenant.domain,
    addTenant,
    addUser({ upn, displayName, tenantId }) {
      const tid = (tenantId ?? defaultTenant.tenantId).toLowerCase();
      if (!tenants.has(tid)) throw new Error(`unknown tenant ${tid}`);
      const user: EmulatorUser = { userId: core.newGuid(), upn, displayName: displayName ?? upn.split('@')[0]!, tenantId: tid };
      core.users.set(user.userId, user);
      return { ...user };
    },
    addApp(opts) {
      const clientId = (opts.clientId ?? core.newGuid()).toLowerCase();
      if (apps.has(clientId)) throw new Error(`app ${clientId} exists`);
      const tenantId = (opts.tenantId ?? defaultTenant.tenantId).toLowerCase();
      if (!tenants.has(tenantId)) throw new Error(`unknown tenant ${tenantId}`);
      if (opts.kind !== 'confidential' && (opts.secret || opts.certificatePem)) throw new Error('only confidential apps have credentials');
      const secret = opts.kind === 'confidential' ? (opts.secret ?? `${b64url(randomBytes(3))}8Q~${b64url(randomBytes(27))}`) : undefined;
      if (secret) core.recordSecret(secret);
      const app: App = {
        clientId,
        objectId: core.newGuid(),
        displayName: opts.displayName ?? `app-${clientId.slice(0, 8)}`,
        tenantId,
        kind: opts.kind,
        secret,
        certs: [],
        consented: opts.consentedScopes ?? true,
        allowPublicClientFlows: opts.allowPublicClientFlows ?? false,
        redirectUris: opts.redirectUris ?? ['http://localhost'],
        federated: (opts.federatedCredentials ?? []).map((f) => ({ ...f, audiences: f.audiences ?? [FEDERATION_AUDIENCE] })),
      };
      apps.set(clientId, app);
      if (opts.certificatePem) control.addCertificate(clientId, opts.certificatePem);
      return { clientId, ...(secret ? { secret } : {}), objectId: app.objectId };
    },
    addCertificate(clientId, certificatePem) {
      const app = apps.get(clientId.toLowerCase());
      if (!app) throw new Error(`unknown app ${clientId}`);
      const x509 = new X509Certificate(certificatePem);
      app.certs.push({
        x5t: createHash('sha1').update(x509.raw).digest('base64url'),
        x5tS256: createHash('sha256').update(x509.raw).digest('base64url'),
        key: x509.publicKey,
      });
    },
    setConsent(clientId, consented) {
      const app = apps.get(clientId.toLowerCase());
      if (!app) throw new Error(`unknown app ${clientId}`);
      app.consented = consented;
    },
    signIn({ userId, clientId }) {
      const app = apps.get(clientId.toLowerCase());
      if (!app) throw new Error(`unknown app ${clientId}`);
      const user = userOf(userId);
      const refreshToken = newRefreshToken({
        userId: user.userId,
        clientId: app.clientId,
        tenantId: user.tenantId,
        spa: app.kind === 'spa',
        publicClient: app.kind !== 'confidential',
        expiresAt: app.kind === 'spa' ? clock.now() + SPA_RT_LIFETIME_MS : undefined,
      });
      return { refreshToken };
    },
    failNextRedemption(failure) {
      if ('code' in failure && !AADSTS[failure.code]) throw new Error(`AADSTS${failure.code} is not in the emulator's table`);
      if ('status' in failure && failure.status !== 429 && failure.status !== 503) throw new Error('status must be 429 or 503');
      failures.push({ failure, remaining: failure.times ?? 1 });
    },
    revokeSessions(userId) {
      userOf(userId);
      revokedAtSeq.set(userId, seq);
    },
    refreshTokenInfo(refreshToken) {
      const r = rts.get(refreshToken);
      return r ? publicInfo(r) : undefined;
    },
    refreshTokens(filter = {}) {
      return [...rts.values()]
        .filter((r) => (!filter.userId || r.userId === filter.userId) && (!filter.clientId || r.clientId === filter.clientId.toLowerCase()))
        .map((r) => ({ ...publicInfo(r), refreshToken: r.token }));
    },
    approveDeviceCode(userCode, userId) {
      const dc = [...deviceCodes.values()].find((d) => d.userCode === userCode.toUpperCase().replace(/[\s-]/g, ''));
      if (!dc) throw new Error(`no device code with user code ${userCode}`);
      userOf(userId);
      dc.state = 'approved';
      dc.userId = userId;
    },
    declineDeviceCode(userCode) {
      const dc = [...deviceCodes.values()].find((d) => d.userCode === userCode.toUpperCase());
      if (!dc) throw new Error(`no device code with user code ${userCode}`);
      dc.state = 'declined';
    },
    setDeviceCodeInterval(seconds) {
      deviceCodeInterval = seconds;
    },
    setBrowserUser(userId) {
      if (userId !== undefined) userOf(userId);
      browserUser = userId;
    },
    setAccessTokenLifetime(seconds) {
      accessTokenLifetime = seconds;
    },
    issueJobToken({ org, projectId, name, lifetimeSeconds }) {
      const label = name ?? `Build Service (${org})`;
      const key = `${org.toLowerCase()}|${projectId.toLowerCase()}|${label}`;
      let objectId = jobIdentities.get(key);
      if (!objectId) jobIdentities.set(key, (objectId = core.newGuid()));
      const principal = { kind: 'job' as const, objectId, org, projectId, name: label };
      return { token: tokens.issue(principal, AZURE_DEVOPS_RESOURCE, lifetimeSeconds ?? 3600), principal };
    },
  };
  core.extendControl('entra', control);

  return {
    control,
    defaultTenantId: defaultTenant.tenantId,
    trustIssuer: (issuer, key) => void trustedIssuers.set(issuer, key),
    audienceFor,
  };
}

function publicInfo(r: RtRecord): RefreshTokenInfo {
  const { token: _t, seq: _s, publicClient: _p, ...info } = r;
  return { ...info };
}

function formatDuration(ms: number): string {
  const days = Math.floor(ms / DAY);
  const rest = ms - days * DAY;
  const h = Math.floor(rest / 3600000);
  const m = Math.floor((rest % 3600000) / 60000);
  const s = Math.floor((rest % 60000) / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days}.${pad(h)}:${pad(m)}:${pad(s)}`;
}
