/**
 * Figure 4: HTTP requests per action, from the emulator's request log. Every action runs with the refresh token
 * saved to a variable group (the recommended setup). Each run is compared with a stated minimum, the issue's list:
 *
 *   token 1 (+1 for the Key Vault identity), refresh-token write = group read + PUT (none in a dry run),
 *   find = 1 page of PATs, create 1, store write + one read (the read back, or the read a compare-and-write starts
 *   from: the service's answer to a write is its read back), revoke 1. A group already read in the run (or returned
 *   by a PUT) needs no second read; no discovery requests; no GET repeated without a write in between.
 *
 * Two requests are the minimum's too, and named as such: the Key Vault SDK's bearer challenge (its first request to a
 * vault goes without a token, to learn the tenant and scope: keyvault-common's keyVaultAuthenticationPolicy; one per
 * vault client, no option turns it off), and, on the emulator only, MSAL's fetch of the OpenID configuration of a
 * non-Microsoft authority host (on login.microsoftonline.com MSAL has the endpoints built in and asks for the token only:
 * test/unit/stores/azure-credential-requests.test.ts). The second is shown apart and not counted.
 */
import type { RequestLogEntry } from '../../test/emulator';
import { naRow, oneLine, type Row } from './table';
import { createWorld, failureOf, patToGroup, rtToGroup, runAction, seedPats, SCOPE, type Inputs, type World } from './world';

/** Requests grouped by what they do. */
export function category(e: RequestLogEntry): string {
  if (e.route === 'entra.token') return 'token';
  if (e.route === 'variableGroups.get' || e.route === 'variableGroups.list') return 'vg.read';
  if (e.route === 'variableGroups.update' || e.route === 'variableGroups.updateProject') return 'vg.write';
  if (e.route === 'kv.get' && e.status === 401) return 'kv.challenge';
  if (e.route === 'kv.get') return 'kv.read';
  if (e.route === 'kv.set') return 'kv.write';
  if (/^entra\.(openidConfiguration|instanceDiscovery|keys)$/.test(e.route)) return `discovery:${e.route}`;
  return e.route;
}

const DISCOVERY = /^(entra\.(openidConfiguration|instanceDiscovery|keys))$|well-known|discovery/;

/** Which object a request reads or writes, so a second read of it without a write in between is a repeat. */
function objectOf(e: RequestLogEntry, groupNames: Map<string, number>): string | undefined {
  if (e.service === 'variableGroups') {
    const id = /variablegroups\/(\d+)/.exec(e.path)?.[1];
    if (id) return `vg:${id}`;
    const name = new URLSearchParams(e.query).get('groupName');
    const known = name ? groupNames.get(name.toLowerCase()) : undefined;
    return known !== undefined ? `vg:${known}` : `vg:name:${name}`;
  }
  if (e.service === 'pats') return 'pats';
  if (e.service === 'keyVault') {
    const m = /^\/secrets\/([^/]+)/.exec(e.path);
    return m ? `kv:${m[1].toLowerCase()}` : undefined;
  }
  return undefined;
}

export interface ActionCount {
  action: string;
  ok: boolean;
  failure?: string;
  total: number;
  minimum: number;
  byCategory: Record<string, number>;
  extra: string[];
  missing: string[];
  discovery: string[];
  /** Requests only the emulator sees (MSAL's OpenID-configuration fetch for a non-Microsoft authority host): not counted. */
  testbedOnly: string[];
  repeatedGets: string[];
  /** KV 401 challenges (the SDK's first, body-less request). */
  challenges: number;
  sequence: string[];
}

function tally(list: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of list) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** MSAL fetches this only because the emulator is not login.microsoftonline.com (see the comment at the top). */
const TESTBED_ONLY = /^entra\.openidConfiguration$/;

export function analyse(action: string, all: RequestLogEntry[], minimum: string[], groupNames: Map<string, number>): Omit<ActionCount, 'ok' | 'failure'> {
  const testbedOnly = all.filter((e) => TESTBED_ONLY.test(e.route));
  const entries = all.filter((e) => !TESTBED_ONLY.test(e.route));
  const cats = entries.map(category);
  const have = tally(cats);
  const want = tally(minimum);
  const extra: string[] = [];
  const missing: string[] = [];
  for (const [k, n] of have) if (n > (want.get(k) ?? 0)) extra.push(`${k} +${n - (want.get(k) ?? 0)}`);
  for (const [k, n] of want) if (n > (have.get(k) ?? 0)) missing.push(`${k} -${n - (have.get(k) ?? 0)}`);
  // Repeated reads: a GET of an object already read in this run, with no write in between. The first GET after a
  // write is its read back (part of the minimum); a GET right after the Key Vault challenge (401) is the SDK's retry.
  const known = new Set<string>();
  const repeatedGets: string[] = [];
  let previous: RequestLogEntry | undefined;
  const objects = entries.map((e) => objectOf(e, groupNames));
  // A GET whose next request to the same object writes it is that write's own read (compare-and-write), not a repeat.
  const readForWrite = (i: number) => {
    const j = objects.findIndex((o, k) => k > i && o === objects[i]);
    return j > 0 && entries[j].method !== 'GET';
  };
  for (const [i, e] of entries.entries()) {
    const obj = objects[i];
    if (obj) {
      if (e.method === 'GET') {
        const afterChallenge = previous?.status === 401 && previous.path === e.path;
        const nextPage = /(^|&)continuationToken=/.test(e.query);
        if (known.has(obj) && !afterChallenge && !nextPage && !readForWrite(i)) repeatedGets.push(`${e.route} ${e.path}${e.query ? `?${e.query.replace(/&?api-version=[^&]*/, '')}` : ''}`.replace(/\?$/, ''));
        if (e.status !== 401 && e.status < 500) known.add(obj);
      } else if (e.status >= 200 && e.status < 300) {
        known.delete(obj);
      }
    }
    previous = e;
  }
  return {
    action,
    total: entries.length,
    minimum: minimum.length,
    byCategory: Object.fromEntries(have),
    extra,
    missing,
    discovery: entries.filter((e) => DISCOVERY.test(e.route) || DISCOVERY.test(e.path)).map((e) => `${e.method} ${e.path}`),
    testbedOnly: testbedOnly.map((e) => `${e.method} ${e.path}`),
    repeatedGets,
    challenges: cats.filter((c) => c === 'kv.challenge').length,
    sequence: entries.map((e) => `${e.method} ${category(e)}${e.status >= 300 ? ` (${e.status})` : ''}`),
  };
}

interface Scenario {
  action: string;
  inputs: (w: World) => Inputs;
  minimum: string[];
}

const RT = ['vg.read', 'vg.write'];
/** The intent a create or rotation writes to its destination before it creates the PAT (docs/design.md, "Ownership"). */
const INTENT_VG = ['vg.read', 'vg.write'];
const INTENT_KV = ['kv.read', 'kv.write'];
/** Before revoking, the run lists its project's variable groups for other records of the PAT (RecordFinder). */
const HOLDERS = ['vg.read'];
/**
 * The benchmark's PATs were made before any destination recorded them; `revokeUntracked` lets a rotation revoke the
 * PAT it replaces, as it would once the destination recorded it (the steady state of a schedule).
 */
const AS_RECORDED = { revokeUntracked: true };

const SCENARIOS: Scenario[] = [
  { action: 'list', inputs: () => ({ action: 'list' }), minimum: ['token', ...RT, 'pats.list'] },
  {
    action: 'create -> outputOnly',
    inputs: () => ({ action: 'create', displayName: 'req-new-output', scopes: SCOPE, target: 'outputOnly' }),
    minimum: ['token', ...RT, 'pats.list', 'pats.create'],
  },
  {
    action: 'create -> variableGroup',
    inputs: (w) => ({ action: 'create', displayName: 'req-new-vg', scopes: SCOPE, ...patToGroup(w, 'NewPat') }),
    minimum: ['token', ...RT, 'pats.list', ...INTENT_VG, 'pats.create', 'vg.write', 'vg.read'],
  },
  {
    action: 'rotate -> variableGroup',
    inputs: (w) => ({ action: 'rotate', displayName: 'req-a-001', ...AS_RECORDED, ...patToGroup(w, 'ReqPat') }),
    minimum: ['token', ...RT, 'pats.list', ...INTENT_VG, 'pats.create', 'vg.write', 'vg.read', ...HOLDERS, 'pats.revoke'],
  },
  {
    action: 'rotate -> keyVault',
    inputs: () => ({ action: 'rotate', displayName: 'req-b-001', ...AS_RECORDED, target: 'keyVault', secretName: 'ReqPatB' }),
    // The SDK's bearer challenge, the vault identity's token, the stored secret's metadata, the intent, then write + one read.
    minimum: ['token', ...RT, 'pats.list', 'kv.challenge', 'token', 'kv.read', ...INTENT_KV, 'pats.create', 'kv.write', 'kv.read', ...HOLDERS, 'pats.revoke'],
  },
  {
    action: 'rotate (not due: skip)',
    inputs: (w) => ({ action: 'rotate', displayName: 'req-a-001', ...patToGroup(w, 'ReqPat') }),
    minimum: ['token', ...RT, 'pats.list'],
  },
  { action: 'update', inputs: () => ({ action: 'update', displayName: 'req-a-001', lifetimeDays: 30 }), minimum: ['token', ...RT, 'pats.list', 'pats.update'] },
  { action: 'revoke', inputs: () => ({ action: 'revoke', displayName: 'req-new-output' }), minimum: ['token', ...RT, 'pats.list', 'pats.revoke'] },
  {
    action: 'rotate dryRun',
    inputs: (w) => ({ action: 'rotate', displayName: 'req-c-001', dryRun: true, ...patToGroup(w, 'ReqPatC') }),
    minimum: ['token', 'vg.read', 'pats.list'],
  },
];

export async function requestsFigure(log: (m: string) => void): Promise<Row> {
  const figure = 'HTTP requests per action';
  const target = 'the minimum; no discovery, no repeated GETs';
  let w: World | undefined;
  try {
    w = await createWorld({ withVault: true });
    seedPats(w, 1, 'req-a-');
    seedPats(w, 1, 'req-b-');
    seedPats(w, 1, 'req-c-');
    const groupNames = new Map([[w.groupName.toLowerCase(), w.groupId]]);
    const results: ActionCount[] = [];
    for (const s of SCENARIOS) {
      const before = w.emu.log.entries().length;
      const run = await runAction(w, { ...rtToGroup(w), ...s.inputs(w) });
      const entries = w.emu.log.entries().slice(before);
      const failure = failureOf(run);
      results.push({ ...analyse(s.action, entries, s.minimum, groupNames), ok: !failure, ...(failure ? { failure } : {}) });
      if (failure) log(`  ${s.action}: ${failure}`);
    }
    const ran = results.filter((r) => r.ok);
    if (ran.length === 0) return naRow('requests', figure, target, results[0]?.failure ?? 'no action ran', { actions: results });
    // Fewer requests than the minimum is fine (a store write checked on its answer needs no read back); more is not.
    const clean = (r: ActionCount) => r.ok && r.extra.length === 0 && r.discovery.length === 0 && r.repeatedGets.length === 0;
    const measured = results.map((r) => `${r.action}: ${r.ok ? `${r.total}` : 'failed'}`).join('; ');
    const reference = results.map((r) => `${r.action}: ${r.minimum}`).join('; ');
    const flags = [
      `${results.reduce((n, r) => n + r.discovery.length, 0)} discovery`,
      `${results.reduce((n, r) => n + r.repeatedGets.length, 0)} repeated GETs`,
      `${results.reduce((n, r) => n + r.challenges, 0)} KV challenges (in the minimum)`,
      `${results.reduce((n, r) => n + r.testbedOnly.length, 0)} emulator-only OpenID-configuration fetches (not counted)`,
    ].join(', ');
    const totalMeasured = ran.reduce((n, r) => n + r.total, 0);
    const totalMin = ran.reduce((n, r) => n + r.minimum, 0);
    return {
      id: 'requests',
      figure,
      measured: `${measured}. Flags: ${flags}`,
      target,
      reference: `minimum: ${reference} (emulator request log)`,
      ratio: `${(totalMeasured / totalMin).toFixed(2)}x minimum over ${ran.length} actions (${totalMeasured} vs ${totalMin})`,
      verdict: results.every(clean) ? 'PASS' : results.some((r) => !r.ok) && ran.every(clean) ? 'n/a' : 'FAIL',
      details: { actions: results },
    };
  } catch (err) {
    return naRow('requests', figure, target, oneLine(String(err instanceof Error ? err.message : err)));
  } finally {
    await w?.close();
  }
}
