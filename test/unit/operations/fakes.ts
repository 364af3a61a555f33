/**
 * In-memory stand-ins for the PAT Lifecycle API and a secret store, with the failures the rotation rules must survive:
 * errors before or after the effect, lost answers, and "crashes" (a call that never returns, as when the process dies).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { PatDisplayFilter, PatToken, PatTokenCreateRequest, PatTokenUpdateRequest } from '../../../src/devops/types';
import { meetsCondition, REMOVE, storeChanged, type SecretMetadata, type SecretStore, type StoredSecretInfo, type WriteCondition, type WriteReceipt } from '../../../src/stores/secret-store';
import type { Config } from '../../../src/config/types';
import type { Host } from '../../../src/host';
import { PatLifecycleError } from '../../../src/errors';
import type { OperationContext, PatApi } from '../../../src/operations/types';
import { DAY_MS } from '../../../src/clock';
import { destinationName } from '../../../src/config/name-template';

export class Clock {
  constructor(public t = new Date('2026-11-30T12:00:00Z').getTime()) {}
  now = () => new Date(this.t);
  advanceDays(days: number) {
    this.t += days * DAY_MS;
  }
}

/** A failure injected at one call: before the effect (nothing happened) or after it (it happened, the answer was lost). */
export interface Fault {
  op: 'create' | 'update' | 'revoke' | 'list' | 'write' | 'verify' | 'read' | 'mark';
  when?: 'before' | 'after';
  /** Which call of that op (1-based, counted from when the fault was added); default 1. */
  nth?: number;
  /** What is thrown; 'crash' never settles (the process is gone). */
  error: PatLifecycleError | 'crash';
}

export class Faults {
  private list: Array<Fault & { seen: number }> = [];
  crashed = false;
  onCrash: () => void = () => {};

  add(fault: Fault) {
    this.list.push({ ...fault, seen: 0 });
  }

  /** Runs `effect` with whatever fault applies to this call of `op`. */
  async around<T>(op: Fault['op'], effect: () => T): Promise<T> {
    if (this.crashed) return new Promise<T>(() => {});
    const fault = this.list.find((f) => f.op === op && ++f.seen === (f.nth ?? 1));
    if (fault) this.list = this.list.filter((f) => f !== fault);
    if (fault && (fault.when ?? 'before') === 'before') return this.fail(fault);
    const result = effect();
    if (fault) return this.fail(fault);
    return result;
  }

  private fail<T>(fault: Fault): Promise<T> {
    if (fault.error === 'crash') {
      this.crashed = true;
      this.onCrash();
      return new Promise<T>(() => {});
    }
    return Promise.reject(fault.error);
  }
}

interface FakePat extends PatToken {
  revoked: boolean;
  value: string;
}

export class FakePatService implements PatApi {
  pats: FakePat[] = [];
  calls: string[] = [];
  /** Organization policy: the longest lifetime the service grants, in days. */
  maxLifetimeDays?: number;
  inFlightCreates = 0;
  maxInFlightCreates = 0;
  private seeded = 0;
  /** PATs per page of a listing, and the pages served so far. */
  pageSize = 100;
  pagesServed = 0;

  constructor(
    private readonly clock: Clock,
    readonly faults = new Faults(),
  ) {}

  /** Adds an existing PAT, created `ageDays` ago and expiring in `daysLeft` days. */
  seed(displayName: string, o: { scope?: string; ageDays?: number; daysLeft?: number; revoked?: boolean } = {}): FakePat {
    const now = this.clock.t;
    // Each seeded PAT is a millisecond newer than the one seeded before it, so "newest" is well defined, and all are
    // at least a second older than the clock, so a PAT created later is newer still. The clock itself does not move:
    // a PAT seeded with `daysLeft: N` has exactly N days left, which the rotation window's boundary tests need.
    const order = this.seeded++;
    const pat: FakePat = {
      displayName,
      scope: o.scope ?? 'vso.packaging',
      validFrom: new Date(now - (o.ageDays ?? 20) * DAY_MS - 1000 + order).toISOString(),
      validTo: new Date(now + (o.daysLeft ?? 10) * DAY_MS).toISOString(),
      targetAccounts: ['org-guid'],
      authorizationId: randomUUID(),
      token: null,
      revoked: o.revoked ?? false,
      value: randomBytes(26).toString('hex'),
    };
    this.pats.push(pat);
    return pat;
  }

  active(name?: string): FakePat[] {
    return this.pats.filter((p) => !p.revoked && Date.parse(p.validTo) > this.clock.t && (name === undefined || p.displayName === name));
  }

  byId(id: string): FakePat | undefined {
    return this.pats.find((p) => p.authorizationId === id);
  }

  async *listAll(filter: PatDisplayFilter = 'active'): AsyncGenerator<PatToken> {
    this.calls.push(`list ${filter}`);
    const now = this.clock.t;
    const all = await this.faults.around('list', () =>
      this.pats.filter((p) => {
        const expired = Date.parse(p.validTo) <= now;
        if (filter === 'active') return !p.revoked && !expired;
        if (filter === 'revoked') return p.revoked;
        if (filter === 'expired') return !p.revoked && expired;
        return true;
      }),
    );
    // Page by page, each after a pause, as the service answers: a caller that stops after the first page misses PATs.
    for (let i = 0; i < all.length; i += this.pageSize) {
      if (i > 0) await new Promise((r) => setImmediate(r));
      this.pagesServed++;
      for (const p of all.slice(i, i + this.pageSize)) yield strip(p);
    }
  }

  async get(id: string): Promise<PatToken | undefined> {
    const p = this.byId(id);
    return p ? strip(p) : undefined;
  }

  async create(req: PatTokenCreateRequest): Promise<PatToken & { token: string }> {
    this.calls.push(`create ${req.displayName}`);
    this.inFlightCreates++;
    this.maxInFlightCreates = Math.max(this.maxInFlightCreates, this.inFlightCreates);
    await new Promise((r) => setTimeout(r, 2));
    this.inFlightCreates--;
    return this.faults.around('create', () => {
      const now = this.clock.t;
      let validTo = Date.parse(req.validTo);
      if (this.maxLifetimeDays !== undefined) validTo = Math.min(validTo, now + this.maxLifetimeDays * DAY_MS);
      const pat: FakePat = {
        displayName: req.displayName,
        scope: req.scope,
        validFrom: new Date(now).toISOString(),
        validTo: new Date(validTo).toISOString(),
        targetAccounts: req.allOrgs ? null : ['org-guid'],
        authorizationId: randomUUID(),
        token: null,
        revoked: false,
        value: randomBytes(26).toString('hex'),
      };
      this.pats.push(pat);
      this.clock.t += 1000;
      return { ...strip(pat), token: pat.value };
    });
  }

  async update(req: PatTokenUpdateRequest): Promise<PatToken> {
    this.calls.push(`update ${req.authorizationId}`);
    return this.faults.around('update', () => {
      const p = this.byId(req.authorizationId);
      if (!p || p.revoked) throw new PatLifecycleError('notFound', 'patTokenError:authorizationNotFound', 'not found');
      if (req.displayName) p.displayName = req.displayName;
      if (req.scope) p.scope = req.scope;
      if (req.validTo) {
        let validTo = Date.parse(req.validTo);
        if (this.maxLifetimeDays !== undefined) validTo = Math.min(validTo, Date.parse(p.validFrom) + this.maxLifetimeDays * DAY_MS);
        p.validTo = new Date(validTo).toISOString();
      }
      return strip(p);
    });
  }

  async revoke(id: string): Promise<'revoked' | 'notFound'> {
    this.calls.push(`revoke ${id}`);
    return this.faults.around('revoke', () => {
      const p = this.byId(id);
      if (!p || p.revoked) return 'notFound' as const;
      p.revoked = true;
      return 'revoked' as const;
    });
  }
}

function strip(p: FakePat): PatToken {
  const { revoked: _r, value: _v, ...rest } = p;
  return { ...rest, token: null };
}

export class FakeStore implements SecretStore {
  value?: string;
  metadata: SecretMetadata = {};
  writes = 0;

  constructor(
    readonly name: string,
    readonly faults = new Faults(),
  ) {}

  describe(): string {
    return `fake store '${this.name}'`;
  }

  label(): string {
    return this.describe();
  }

  read(): Promise<StoredSecretInfo> {
    return this.faults.around('read', () => ({ exists: this.value !== undefined, metadata: { ...this.metadata } }));
  }

  write(value: string, metadata: SecretMetadata, condition?: WriteCondition): Promise<WriteReceipt> {
    return this.faults.around('write', () => {
      this.check(condition);
      this.value = value;
      this.metadata = Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== REMOVE));
      this.writes++;
      return { version: String(this.writes), metadata: { ...metadata } };
    });
  }

  mark(metadata: SecretMetadata, condition?: WriteCondition): Promise<void> {
    return this.faults.around('mark', () => {
      this.check(condition);
      for (const [k, v] of Object.entries(metadata)) {
        if (v === REMOVE) delete this.metadata[k];
        else this.metadata[k] = v;
      }
    });
  }

  private check(condition: WriteCondition | undefined): void {
    if (condition && !meetsCondition(this.metadata, this.value !== undefined, condition)) throw storeChanged(this.describe(), this.metadata.authorizationId);
  }

  verify(receipt: WriteReceipt, value: string): Promise<void> {
    return this.faults.around('verify', () => {
      if (this.value !== value || this.metadata.authorizationId !== receipt.metadata.authorizationId) {
        throw new PatLifecycleError('verification', 'VerificationFailed', 'the value did not read back');
      }
    });
  }

  /** Stores a PAT as a previous run would have. */
  hold(pat: { authorizationId: string; validTo: string; value?: string }) {
    this.value = pat.value ?? 'previous-value';
    this.metadata = { authorizationId: pat.authorizationId, validTo: pat.validTo };
  }
}

export class RecordingHost implements Host {
  secrets: string[] = [];
  outputs: Record<string, { value: string; secret: boolean }> = {};
  jobVariables: Record<string, { value: string; secret: boolean }> = {};
  infos: string[] = [];
  warnings: string[] = [];
  debugs: string[] = [];
  progressed: Array<[number, string]> = [];
  summaries: string[] = [];
  /** Everything printed, in order, to check a secret was registered before it could appear. */
  printed: string[] = [];

  setSecret(value: string) {
    this.secrets.push(value);
  }
  setOutput(name: string, value: string, o: { secret: boolean }) {
    this.outputs[name] = { value, secret: o.secret };
  }
  setJobVariable(name: string, value: string, o: { secret: boolean }) {
    this.jobVariables[name] = { value, secret: o.secret };
  }
  info(m: string) {
    this.infos.push(m);
    this.printed.push(m);
  }
  warn(m: string) {
    this.warnings.push(m);
    this.printed.push(m);
  }
  debug(m: string) {
    this.debugs.push(m);
    this.printed.push(m);
  }
  progress(p: number, m: string) {
    this.progressed.push([p, m]);
  }
  uploadSummary(md: string) {
    this.summaries.push(md);
    this.printed.push(md);
  }
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    action: 'rotate',
    organization: 'contoso',
    destinationOrganization: 'contoso',
    urls: { authorityHost: 'https://login.example', vsspsUrl: 'https://vssps.example', devopsUrl: 'https://devops.example' },
    entra: { tenantId: 't', clientId: 'c', refreshToken: 'refresh-token-value-123456' },
    refreshTokenStore: { kind: 'none' },
    refreshTokenMaxAgeDays: 60,
    selector: { displayNames: ['feed'], takeNewest: false },
    lifetimeDays: 30,
    rotateWhenExpiresWithinDays: 7,
    revokeOld: true,
    revokeUntracked: false,
    allowNarrowingGlobalPat: false,
    allowFullAccess: false,
    destinations: [{ kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName: 'FeedPat', auth: 'user' }],
    dryRun: false,
    checkPatCreation: false,
    concurrency: 4,
    network: { timeoutMs: 30_000 },
    ...overrides,
  };
}

export interface World {
  clock: Clock;
  service: FakePatService;
  stores: Map<string, FakeStore>;
  host: RecordingHost;
  context(config: Config): OperationContext;
  store(name?: string): FakeStore;
}

export function world(): World {
  const clock = new Clock();
  const service = new FakePatService(clock);
  const stores = new Map<string, FakeStore>();
  const host = new RecordingHost();
  const store = (name = 'FeedPat') => {
    let s = stores.get(name);
    if (!s) stores.set(name, (s = new FakeStore(name, service.faults)));
    return s;
  };
  return {
    clock,
    service,
    stores,
    host,
    store,
    context: (config) => ({
      config,
      pats: service,
      openStore: async (d) => store(destinationName(d)),
      log: host,
      registerSecret: (v) => host.setSecret(v),
      now: clock.now,
      runStartedAt: clock.now(),
      runId: 'unit',
    }),
  };
}
