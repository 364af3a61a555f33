/**
 * An in-memory Key Vault for unit tests: the Key Vault SDK's SecretClient keeps its four calls (getSecret, setSecret,
 * updateSecretProperties, listPropertiesOfSecretVersions) but answers them from a list of versions here, so no request
 * leaves the process. installFakeVault() patches SecretClient.prototype; removeFakeVault() puts the SDK back.
 */
import { SecretClient } from '@azure/keyvault-secrets';

export interface Version {
  version: string;
  value: string;
  contentType?: string;
  tags: Record<string, string>;
  enabled: boolean;
  expiresOn?: Date;
  createdOn: Date;
}

export interface Call {
  op: 'get' | 'set' | 'update' | 'list';
  name: string;
  client: SecretClient;
  version?: string;
  options: Record<string, unknown>;
}

export const rest = (statusCode: number, code: string, inner?: string) => ({ name: 'RestError', statusCode, code, message: 'from the fake', details: { error: { code, ...(inner ? { innererror: { code: inner } } : {}) } } });

/** The secrets of one vault, by name, each a list of versions in the order written. */
export class FakeVault {
  readonly secrets = new Map<string, Version[]>();
  readonly calls: Call[] = [];
  /** The next call of that kind throws this (once). */
  readonly failNext: Partial<Record<Call['op'], unknown>> = {};
  /** The order listPropertiesOfSecretVersions gives the versions in (default: as written). */
  listOrder: (versions: Version[]) => Version[] = (v) => v;
  /** What setSecret answers instead of the stored version (a service that answers something else). */
  answer: ((stored: Version) => Version) | undefined;
  private count = 0;

  versions(name = 'feed-pat'): Version[] {
    return this.secrets.get(name) ?? [];
  }

  latest(name = 'feed-pat'): Version | undefined {
    return this.versions(name).at(-1);
  }

  add(v: Partial<Version> & { value: string }, name = 'feed-pat'): Version {
    const version: Version = { version: `v${++this.count}`, tags: {}, enabled: true, createdOn: new Date(Date.UTC(2026, 0, 1, 0, 0, this.count)), ...v };
    this.secrets.set(name, [...this.versions(name), version]);
    return version;
  }

  ops(): string[] {
    return this.calls.map((c) => `${c.op}${c.version ? ` ${c.version}` : ''}`);
  }

  fail(op: Call['op']): void {
    const err = this.failNext[op];
    if (err !== undefined) {
      delete this.failNext[op];
      throw err;
    }
  }
}

const properties = (v: Version) => ({ version: v.version, contentType: v.contentType, tags: { ...v.tags }, enabled: v.enabled, expiresOn: v.expiresOn, createdOn: v.createdOn });

const originals = {
  getSecret: SecretClient.prototype.getSecret,
  setSecret: SecretClient.prototype.setSecret,
  updateSecretProperties: SecretClient.prototype.updateSecretProperties,
  listPropertiesOfSecretVersions: SecretClient.prototype.listPropertiesOfSecretVersions,
};

/** Routes every SecretClient call to the vault `current()` returns at the time of the call. */
export function installFakeVault(vaultOf: () => FakeVault): void {
  const proto = SecretClient.prototype as unknown as Record<string, unknown>;
  proto.getSecret = async function (this: SecretClient, name: string, options: { version?: string } = {}) {
    vaultOf().calls.push({ op: 'get', name, client: this, ...(options.version ? { version: options.version } : {}), options });
    await Promise.resolve();
    vaultOf().fail('get');
    const versions = vaultOf().versions(name);
    const v = options.version ? versions.find((x) => x.version === options.version) : versions.at(-1);
    if (!v) throw rest(404, 'SecretNotFound');
    if (!v.enabled) throw rest(403, 'Forbidden', 'SecretDisabled');
    return { name, value: v.value, properties: properties(v) };
  };
  proto.setSecret = async function (this: SecretClient, name: string, value: string, options: { contentType?: string; tags?: Record<string, string>; enabled?: boolean; expiresOn?: Date } = {}) {
    vaultOf().calls.push({ op: 'set', name, client: this, options });
    await Promise.resolve();
    vaultOf().fail('set');
    const stored = vaultOf().add({ value, ...(options.contentType ? { contentType: options.contentType } : {}), tags: { ...(options.tags ?? {}) }, enabled: options.enabled ?? true, ...(options.expiresOn ? { expiresOn: options.expiresOn } : {}) }, name);
    const answered = vaultOf().answer ? vaultOf().answer!(stored) : stored;
    return { name, value: answered.value, properties: properties(answered) };
  };
  proto.updateSecretProperties = async function (this: SecretClient, name: string, version: string, options: { tags?: Record<string, string>; expiresOn?: Date } = {}) {
    vaultOf().calls.push({ op: 'update', name, client: this, version, options });
    await Promise.resolve();
    vaultOf().fail('update');
    const v = vaultOf().versions(name).find((x) => x.version === version);
    if (!v) throw rest(404, 'SecretNotFound');
    if (options.tags) v.tags = { ...options.tags };
    if (options.expiresOn) v.expiresOn = options.expiresOn;
    return properties(v);
  };
  proto.listPropertiesOfSecretVersions = function (this: SecretClient, name: string, options: Record<string, unknown> = {}) {
    vaultOf().calls.push({ op: 'list', name, client: this, options });
    const versions = vaultOf().listOrder([...vaultOf().versions(name)]);
    return (async function* () {
      await Promise.resolve();
      vaultOf().fail('list');
      for (const v of versions) yield properties(v);
    })();
  };
}

export function removeFakeVault(): void {
  Object.assign(SecretClient.prototype, originals);
}

