import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { EmulatorClock, EmulatorCore, EmulatorUrls, Principal, Route } from './types';
import { createClock } from './clock';
import { createTls } from './tls';
import { FaultRegistry, type Faults } from './faults';
import { MemoryRequestLog, type RequestLog } from './request-log';
import { createRequestListener } from './server';
import { AccessTokens } from './tokens';
import { registerEntra, type EntraControl } from './entra';
import { registerOidc, type OidcControl } from './oidc';
import { registerMsi, type MsiControl } from './msi';
import { registerServiceModules } from './modules';

export type { FaultSpec, FaultInfo, Faults } from './faults';
export type { RequestLog, RequestLogEntry, LogFilter } from './request-log';
export type { EntraControl } from './entra';
export type { OidcControl } from './oidc';
export type { MsiControl } from './msi';
export { defineRoute, matchPath, vssError } from './server';
export * from './types';

/**
 * Seeding and side-door functions. Service modules add theirs with core.extendControl(name, api); to type them,
 * augment this interface from the module: `declare module './index' { interface EmulatorControl { pats: PatsControl } }`.
 */
export interface EmulatorControl {
  entra: EntraControl;
  oidc: OidcControl;
  msi: MsiControl;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [name: string]: any;
}

export interface Emulator {
  urls: EmulatorUrls;
  caCertPath: string;
  caCertPem: string;
  clock: EmulatorClock;
  log: RequestLog;
  faults: Faults;
  control: EmulatorControl;
  /** The framework's core as modules see it: issueAccessToken, verifyBearer, users, newGuid... */
  core: EmulatorCore;
  /** Every secret value the emulator issued or was given, for scanning logs. */
  secrets(): string[];
  /** Adds this many real milliseconds before every request is handled. */
  setLatency(ms: number): void;
  /**
   * Accepts TCP connections only from these local source addresses (`['127.0.0.2']`: only a proxy bound to that
   * address gets through); any other connection is destroyed before TLS, as a firewall's reset would, and recorded in
   * `refusedConnections()`. `undefined` accepts every connection again (the default).
   */
  setAllowedRemoteAddresses(addresses: readonly string[] | undefined): void;
  /** Connections refused by `setAllowedRemoteAddresses`, oldest first. They never reach the request log. */
  refusedConnections(): Array<{ remoteAddress: string; time: string }>;
  /** Env for a child Node process: trust the CA, preload the DNS mapping and the clock shift (read at spawn time). */
  childEnv(): Record<string, string>;
  close(): Promise<void>;
}

export interface StartOptions {
  latencyMs?: number;
  port?: number;
}

export const VAULT_DNS_SUFFIX = 'vault.emulator.test';

// Emulators of this process by CA path: a black-box harness only holds the child env (NODE_EXTRA_CA_CERTS), and
// finds the emulator whose traffic to check from it.
const running = new Map<string, Emulator>();

/** The running emulator whose CA certificate is at `caCertPath`, if any. */
export function emulatorForCaPath(caCertPath: string | undefined): Emulator | undefined {
  return caCertPath ? running.get(caCertPath) : undefined;
}
export const CHILD_PRELOAD = resolve(__dirname, '../support/child-preload.cjs');

export async function startEmulator(opts: StartOptions = {}): Promise<Emulator> {
  const tls = await createTls();
  const clock = createClock();
  const log = new MemoryRequestLog();
  const faults = new FaultRegistry();
  const routes: Route[] = [];
  const secrets = new Set<string>();
  const recordSecret = (value: string) => {
    if (typeof value === 'string' && value.length > 0) secrets.add(value);
  };
  let latency = opts.latencyMs ?? 0;
  let urls: EmulatorUrls | undefined;
  const control = {} as EmulatorControl;
  const tokens = new AccessTokens(() => clock.now(), recordSecret);

  const core: EmulatorCore = {
    clock,
    addRoute(route) {
      routes.push(route);
    },
    verifyBearer: (req, audience) => tokens.verifyBearer(req, audience),
    issueAccessToken: (principal: Principal, audience: string, lifetimeSeconds?: number) => tokens.issue(principal, audience, lifetimeSeconds),
    users: new Map(),
    urls() {
      if (!urls) throw new Error('emulator URLs are known once it listens');
      return urls;
    },
    newGuid: () => randomUUID(),
    newHex: (bytes) => randomBytes(bytes).toString('hex'),
    recordSecret,
    extendControl(name, api) {
      const existing = (control as Record<string, object | undefined>)[name];
      (control as Record<string, object>)[name] = existing ? Object.assign(existing, api) : api;
    },
  };

  const server: Server = createServer(
    { key: tls.keyPem, cert: tls.certPem },
    createRequestListener(
      {
        routes,
        faults,
        log,
        clock,
        latencyMs: () => latency,
        secrets: () => secrets,
        isSecret: (v) => secrets.has(v),
        newGuid: () => randomUUID(),
        vaultDnsSuffix: VAULT_DNS_SUFFIX,
      },
      () => core.urls().authorityHost,
    ),
  );
  server.keepAliveTimeout = 5000;
  let allowedRemotes: Set<string> | undefined;
  const refused: Array<{ remoteAddress: string; time: string }> = [];
  const plainAddress = (a: string | undefined) => (a ?? '').replace(/^::ffff:/i, '');
  server.on('connection', (socket: Socket) => {
    if (!allowedRemotes || allowedRemotes.has(plainAddress(socket.remoteAddress))) return;
    refused.push({ remoteAddress: plainAddress(socket.remoteAddress), time: new Date(clock.now()).toISOString() });
    socket.destroy();
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const base = `https://127.0.0.1:${port}`;
  const msiHeader = randomBytes(16).toString('hex');
  recordSecret(msiHeader);
  urls = {
    authorityHost: base,
    vssps: base,
    devops: base,
    vaultDnsSuffix: VAULT_DNS_SUFFIX,
    keyVaultResource: `https://${VAULT_DNS_SUFFIX}`,
    msiEndpoint: `${base}/msi/token`,
    msiHeader,
    port,
  };

  try {
    // Entra first: its routes are the most specific, and the other parts mint tokens through it.
    const entra = registerEntra(core, tokens);
    registerOidc(core, entra);
    registerMsi(core, tokens, entra);
    registerServiceModules(core);
  } catch (e) {
    server.close();
    tls.dispose();
    throw e;
  }

  const handle: Emulator = {
    urls,
    caCertPath: tls.caCertPath,
    caCertPem: tls.caCertPem,
    clock,
    log,
    faults,
    control,
    core,
    secrets: () => [...secrets],
    setLatency(ms: number) {
      if (!(ms >= 0)) throw new RangeError('latency must be >= 0');
      latency = ms;
    },
    setAllowedRemoteAddresses(addresses) {
      allowedRemotes = addresses ? new Set(addresses.map(plainAddress)) : undefined;
    },
    refusedConnections: () => refused.map((r) => ({ ...r })),
    childEnv() {
      const preload = CHILD_PRELOAD.includes(' ') ? `"${CHILD_PRELOAD}"` : CHILD_PRELOAD;
      return {
        NODE_EXTRA_CA_CERTS: tls.caCertPath,
        NODE_OPTIONS: `--require ${preload}`,
        EMULATOR_CLOCK_OFFSET_MS: String(Math.round(clock.offsetMs())),
      };
    },
    async close() {
      running.delete(tls.caCertPath);
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      tls.dispose();
    },
  };
  running.set(tls.caCertPath, handle);
  return handle;
}
