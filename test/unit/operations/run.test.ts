import { strict as assert } from 'node:assert';
import { run, type RunDeps } from '../../../src/run';
import { PatLifecycleError } from '../../../src/errors';
import { DAY_MS } from '../../../src/clock';
import { FakeStore, testConfig, world, type World } from './fakes';
import type { Config } from '../../../src/config/types';

const ACCESS_TOKEN = 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.access-token-signature';
const ROLLED = '1.rolled-refresh-token-value-' + 'r'.repeat(40);

interface Harness {
  w: World;
  deps: RunDeps;
  events: string[];
  rtStore: FakeStore;
}

function harness(o: { rolled?: string | null; redeemError?: PatLifecycleError } = {}): Harness {
  const w = world();
  const events: string[] = [];
  const rtStore = new FakeStore('rt');
  const origWrite = rtStore.write.bind(rtStore);
  rtStore.write = (v, m) => {
    events.push('rt write');
    return origWrite(v, m);
  };
  const origCreate = w.service.create.bind(w.service);
  w.service.create = (r) => {
    events.push('pat create');
    return origCreate(r);
  };
  const deps: RunDeps = {
    now: w.clock.now,
    createHttpClient: () => ({ request: () => Promise.reject(new Error('no network in unit tests')), close: async () => events.push('http closed') as unknown as void }),
    redeemRefreshToken: async (options) => {
      events.push('redeem');
      if (o.redeemError) throw o.redeemError;
      options.registerSecret(ACCESS_TOKEN);
      return { accessToken: ACCESS_TOKEN, expiresOn: new Date(w.clock.t + 3600_000), ...(o.rolled === null ? {} : { rolledRefreshToken: o.rolled ?? ROLLED }), account: { username: 'ada@contoso.com' } };
    },
    createPatApi: () => w.service,
    findHolders: async () => [],
    openSecretStore: async (dest, options) => {
      if (options.purpose === 'refreshToken') return rtStore;
      return w.store(dest.kind === 'variableGroup' ? dest.variableName : dest.kind === 'keyVault' ? dest.secretName : dest.connection.nameOrId);
    },
  };
  return { w, deps, events, rtStore };
}

const rtInGroup: Config['refreshTokenStore'] = { kind: 'variableGroup', group: { project: 'p', name: 'signin' }, variableName: 'PatLifecycle.RefreshToken', auth: 'user' };

function assertNothingPrinted(h: Harness, secrets: string[]) {
  for (const s of secrets) for (const line of h.w.host.printed) assert.ok(!line.includes(s), `a secret was printed: ${line.slice(0, 80)}`);
}

describe('run', () => {
  it('rotates: outputs, the rolled refresh token saved before any PAT is changed, secrets registered and never printed', async () => {
    const h = harness();
    h.w.store().hold(h.w.service.seed('feed', { daysLeft: 3 }));
    h.rtStore.metadata = { issuedAt: new Date(h.w.clock.t - 10 * DAY_MS).toISOString() };
    h.rtStore.value = 'old';
    const config = testConfig({ refreshTokenStore: rtInGroup });
    const result = await run(config, h.w.host, h.deps);
    assert.equal(result.status, 'Succeeded', result.message);
    assert.ok(h.events.indexOf('rt write') < h.events.indexOf('pat create'), 'the refresh token is saved first');
    assert.equal(h.events.at(-1), 'http closed');
    assert.equal(h.rtStore.value, ROLLED);
    assert.deepEqual(Object.keys(h.rtStore.metadata).sort(), ['clientId', 'issuedAt', 'tenantId']);
    const fresh = h.w.service.active('feed')[0];
    const out = h.w.host.outputs;
    assert.deepEqual(out.token, { value: fresh.value, secret: true });
    assert.deepEqual(out.authorizationId, { value: fresh.authorizationId, secret: false });
    assert.deepEqual(out.validTo, { value: fresh.validTo, secret: false });
    assert.deepEqual(out.rotated, { value: 'true', secret: false });
    assert.equal(out.refreshToken, undefined, 'the renewed refresh token is an output only when outputRefreshToken asks for it');
    assert.deepEqual(h.w.host.jobVariables['PatLifecycle.RefreshToken'], { value: ROLLED, secret: true });
    for (const s of [config.entra.refreshToken, ACCESS_TOKEN, ROLLED, fresh.value]) assert.ok(h.w.host.secrets.includes(s), 'registered');
    assertNothingPrinted(h, [config.entra.refreshToken, ACCESS_TOKEN, ROLLED, fresh.value]);
    const summary = h.w.host.summaries[0];
    assert.match(summary, /\| feed \| vso\.packaging \| \d{4}-\d\d-\d\d \| 30 \| fake store 'FeedPat' \| rotated: new PAT valid until/);
    assert.match(summary, /Succeeded/);
  });

  it('outputRefreshToken true: the renewed refresh token is also a secret output', async () => {
    const h = harness();
    h.w.store().hold(h.w.service.seed('feed', { daysLeft: 3 }));
    const result = await run(testConfig({ refreshTokenStore: rtInGroup, outputRefreshToken: true }), h.w.host, h.deps);
    assert.equal(result.status, 'Succeeded', result.message);
    assert.deepEqual(h.w.host.outputs.refreshToken, { value: ROLLED, secret: true });
  });

  it('not due: rotated=false, the current PAT in the outputs, no token', async () => {
    const h = harness();
    const pat = h.w.service.seed('feed', { daysLeft: 20 });
    h.w.store().hold(pat);
    const result = await run(testConfig(), h.w.host, h.deps);
    assert.equal(result.status, 'Succeeded');
    assert.equal(h.w.host.outputs.rotated.value, 'false');
    assert.equal(h.w.host.outputs.token, undefined);
    assert.equal(h.w.host.outputs.authorizationId.value, pat.authorizationId);
  });

  it('a refresh token store that cannot be written is an issue; the rotation still happens', async () => {
    const h = harness();
    h.w.store().hold(h.w.service.seed('feed', { daysLeft: 3 }));
    h.rtStore.faults.add({ op: 'write', error: new PatLifecycleError('permission', 'HTTP 403', 'denied') });
    const result = await run(testConfig({ refreshTokenStore: rtInGroup }), h.w.host, h.deps);
    assert.equal(result.status, 'SucceededWithIssues');
    assert.match(result.message, /could not be saved/);
    assert.equal(h.w.host.outputs.rotated.value, 'true');
    // Later steps of the job get the renewed token, not the one this run already redeemed.
    assert.deepEqual(h.w.host.jobVariables['PatLifecycle.RefreshToken'], { value: ROLLED, secret: true });
    assert.ok(h.w.host.warnings.some((x) => /could not be saved/.test(x)));
  });

  it('warns with days left and the login command when Entra did not roll the refresh token', async () => {
    const h = harness({ rolled: null });
    h.w.store().hold(h.w.service.seed('feed', { daysLeft: 20 }));
    h.rtStore.value = 'old';
    h.rtStore.metadata = { issuedAt: new Date(h.w.clock.t - 80 * DAY_MS).toISOString() };
    const result = await run(testConfig({ refreshTokenStore: rtInGroup }), h.w.host, h.deps);
    assert.equal(result.status, 'SucceededWithIssues');
    assert.match(result.message, /did not return a new refresh token.*about 10 days.*pat-lifecycle login --tenant-id t --client-id c --organization contoso --project "p" --variable-group "signin" --variable PatLifecycle.RefreshToken/s);
    assert.equal(h.rtStore.value, 'old');
    assert.equal(h.w.host.outputs.refreshToken, undefined);
  });

  it('warns when the stored refresh token was older than refreshTokenMaxAgeDays, and renews it', async () => {
    const h = harness();
    h.w.store().hold(h.w.service.seed('feed', { daysLeft: 20 }));
    h.rtStore.value = 'old';
    h.rtStore.metadata = { issuedAt: new Date(h.w.clock.t - 70 * DAY_MS).toISOString() };
    const result = await run(testConfig({ refreshTokenStore: rtInGroup }), h.w.host, h.deps);
    assert.equal(result.status, 'SucceededWithIssues');
    assert.match(result.message, /not been renewed for 70 days/);
    assert.equal(h.rtStore.value, ROLLED);
  });

  it('dry run: neither the refresh token store nor any PAT changes', async () => {
    const h = harness();
    const pat = h.w.service.seed('feed', { daysLeft: 3 });
    h.w.store().hold(pat);
    h.rtStore.value = 'old';
    const before = JSON.stringify(h.w.service.pats);
    const result = await run(testConfig({ refreshTokenStore: rtInGroup, dryRun: true }), h.w.host, h.deps);
    assert.equal(result.status, 'Succeeded');
    assert.equal(JSON.stringify(h.w.service.pats), before);
    assert.equal(h.rtStore.value, 'old');
    assert.equal(h.w.store().writes, 0);
    assert.equal(h.w.host.outputs.rotated.value, 'false');
    assert.ok(h.w.host.infos.some((l) => /^Dry run, would create PAT 'feed'.*\[PAT 'feed'\]$/.test(l)), h.w.host.infos.join('\n'));
    assert.match(h.w.host.summaries[0], /dry run: nothing was changed/);
  });

  it('a sign-in failure fails the run before any PAT call, with the cause and a summary', async () => {
    const h = harness({ redeemError: new PatLifecycleError('auth', 'AADSTS700082', 'The refresh token has expired', { hint: 'Sign in again' }) });
    h.w.service.seed('feed', { daysLeft: 3 });
    const result = await run(testConfig(), h.w.host, h.deps);
    assert.equal(result.status, 'Failed');
    assert.match(result.message, /The refresh token has expired \[AADSTS700082\] Fix: Sign in again/);
    assert.deepEqual(h.w.service.calls, []);
    assert.equal(h.w.host.summaries.length, 1);
    assert.equal(h.w.host.outputs.rotated.value, 'false');
  });

  it('bulk: a failure fails the step; no single-PAT outputs', async () => {
    const h = harness();
    h.w.service.seed('a', { daysLeft: 3 });
    const config = testConfig({
      selector: { displayNames: ['a', 'b'], takeNewest: false },
      destinations: [{ kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName: 'Pat.{name}', auth: 'user' }],
    });
    const result = await run(config, h.w.host, h.deps);
    assert.equal(result.status, 'Failed');
    assert.match(result.message, /^rotate: 1 rotated, 1 failed\nPAT 'b': No active or expired PAT is named 'b'/);
    assert.equal(h.w.host.outputs.token, undefined);
    assert.equal(h.w.host.outputs.rotated.value, 'true');
  });

  it('list: a table in the log, SucceededWithIssues when one expires inside the window', async () => {
    const h = harness();
    h.w.service.seed('soon', { daysLeft: 2 });
    const result = await run(testConfig({ action: 'list', selector: { displayNames: [], takeNewest: false }, destinations: [] }), h.w.host, h.deps);
    assert.equal(result.status, 'SucceededWithIssues');
    assert.ok(h.w.host.infos.some((l) => /^Name\s+Scopes\s+Expires\s+Days left/.test(l)));
    assert.ok(h.w.host.infos.some((l) => /^soon\s+vso\.packaging/.test(l)));
  });
});
