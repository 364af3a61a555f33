import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import { PatDirectory } from '../../../src/operations/pat-directory';
import { InputErrors, PatLifecycleError } from '../../../src/errors';
import { testConfig, world } from './fakes';
import type { Config } from '../../../src/config/types';

const byName = (template: string): Config['destinations'] => [{ kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName: template, auth: 'user' }];
const names = (displayNames: string[]) => ({ selector: { displayNames, takeNewest: false } });
const pattern = (displayNamePattern: string, takeNewest = false) => ({ selector: { displayNames: [], displayNamePattern, takeNewest } });

describe('executeOperation: the run per action', () => {
  it('uses the PAT listing the caller prefetched instead of listing again', async () => {
    const w = world();
    w.store().hold(w.service.seed('feed', { daysLeft: 2 }));
    const context = w.context(testConfig());
    const directory = new PatDirectory(w.service);
    directory.prefetch();
    const { outcomes } = await executeOperation({ ...context, directory });
    assert.equal(outcomes[0].action, 'rotated');
    assert.deepEqual(w.service.calls.filter((c) => c.startsWith('list')), ['list active'], 'one listing, the prefetched one');
  });

  it('announces a bulk run with its verb, the number of PATs and how many at a time', async () => {
    const cases: Array<[Config['action'], string, string]> = [
      ['create', 'Creating', 'created'],
      ['rotate', 'Rotating', 'rotated'],
      ['update', 'Updating', 'updated'],
      ['revoke', 'Revoking', 'revoked'],
    ];
    for (const [action, verb, done] of cases) {
      const w = world();
      if (action === 'rotate') for (const n of ['a', 'b']) w.store(`Pat.${n}`).hold(w.service.seed(n, { daysLeft: 2 }));
      if (action === 'update' || action === 'revoke') for (const n of ['a', 'b']) w.service.seed(n, { daysLeft: 2 });
      const config = testConfig({ action, scopes: ['vso.code'], ...names(['a', 'b']), destinations: action === 'create' || action === 'rotate' ? byName('Pat.{name}') : [], concurrency: 4 });
      const { outcomes } = await executeOperation(w.context(config));
      assert.deepEqual(outcomes.map((o) => `${o.name}:${o.action}`), [`a:${done}`, `b:${done}`], action);
      assert.ok(w.host.infos.includes(`${verb} 2 PATs, 2 at a time.`), `${action}: ${w.host.infos.join('\n')}`);
    }
  });

  it('says how many run at a time when that is fewer than the PATs; one PAT gets no such line', async () => {
    const w = world();
    for (const n of ['a', 'b', 'c']) w.service.seed(n);
    await executeOperation(w.context(testConfig({ action: 'revoke', ...names(['a', 'b', 'c']), destinations: [], concurrency: 2, dryRun: true })));
    assert.ok(w.host.infos.includes('Revoking 3 PATs, 2 at a time.'), w.host.infos.join('\n'));
    const one = world();
    one.service.seed('a');
    await executeOperation(one.context(testConfig({ action: 'revoke', ...names(['a']), destinations: [], dryRun: true })));
    assert.ok(!one.host.infos.some((l) => l.startsWith('Revoking ')), one.host.infos.join('\n'));
  });

  it('reports progress after each PAT, as a percentage and a count', async () => {
    const w = world();
    for (const n of ['a', 'b', 'c']) w.service.seed(n);
    await executeOperation(w.context(testConfig({ action: 'revoke', ...names(['a', 'b', 'c']), destinations: [], concurrency: 1 })));
    assert.deepEqual(w.host.progressed, [
      [33, '1 of 3 PATs done'],
      [67, '2 of 3 PATs done'],
      [100, '3 of 3 PATs done'],
    ]);
  });

  it("logs each PAT's outcome and its warnings", async () => {
    const w = world();
    const twin = w.service.seed('feed', { scope: 'vso.code' });
    const { outcomes } = await executeOperation(w.context(testConfig({ action: 'create', scopes: ['vso.code'] })));
    const [o] = outcomes;
    assert.equal(o.action, 'created');
    assert.ok(w.host.infos.includes(`PAT 'feed': ${o.detail}`), w.host.infos.join('\n'));
    assert.ok(w.host.warnings.some((x) => x.startsWith('Another active PAT is already named') && x.includes(twin.authorizationId)), w.host.warnings.join('\n'));
  });

  it('list: logs the issues of listed PATs as warnings but no per-PAT line', async () => {
    const w = world();
    const soon = w.service.seed('soon', { daysLeft: 2 });
    w.service.seed('later', { daysLeft: 40 });
    const { outcomes } = await executeOperation(w.context(testConfig({ action: 'list', ...names([]), destinations: [] })));
    assert.deepEqual(outcomes.map((o) => o.name), ['soon', 'later']);
    assert.ok(!w.host.infos.some((l) => l.startsWith('PAT ')), w.host.infos.join('\n'));
    assert.deepEqual(w.host.warnings, [`PAT 'soon' (${soon.authorizationId}) expires on ${soon.validTo.slice(0, 10)}, in 2 days.`]);
  });

  it('refuses action check: it runs no operation', async () => {
    const w = world();
    await assert.rejects(executeOperation(w.context(testConfig({ action: 'check' }))), (e: PatLifecycleError) => e.code === 'Unexpected' && /action check .* runs no operation/.test(e.message));
    assert.deepEqual(w.service.calls, []);
  });

  it('selects by authorization ID alone when one is given', async () => {
    const w = world();
    const a = w.service.seed('feed');
    const b = w.service.seed('feed');
    const { outcomes } = await executeOperation(w.context(testConfig({ action: 'revoke', destinations: [], selector: { displayNames: ['feed'], authorizationId: b.authorizationId, takeNewest: false } })));
    assert.deepEqual(outcomes.map((o) => o.action), ['revoked']);
    assert.equal(w.service.byId(b.authorizationId)?.revoked, true);
    assert.equal(w.service.byId(a.authorizationId)?.revoked, false);
  });
});

describe('executeOperation: the names a pattern selects', () => {
  it('takes each matching name once, sorted, and says which matched', async () => {
    const w = world();
    w.service.seed('x-b');
    w.service.seed('x-a');
    w.service.seed('x-b');
    w.service.seed('y-a');
    const { outcomes } = await executeOperation(w.context(testConfig({ action: 'revoke', ...pattern('x-*', true), destinations: [], dryRun: true })));
    assert.deepEqual(outcomes.map((o) => `${o.name}:${o.action}`), ['x-a:planned', 'x-b:planned']);
    assert.ok(w.host.infos.includes("'x-*' matches 2 PAT name(s): x-a, x-b"), w.host.infos.join('\n'));
  });

  it('fails before any change when no active PAT matches, naming the pattern and how patterns match', async () => {
    const w = world();
    w.service.seed('other');
    await assert.rejects(
      executeOperation(w.context(testConfig({ action: 'revoke', ...pattern('x-*'), destinations: [] }))),
      (e: PatLifecycleError) =>
        e.code === 'NoPatMatches' && e.kind === 'notFound' && e.input === 'patNamePattern' && e.message === "No active PAT's name matches 'x-*'" && /`\*` matches any characters and `\?` one/.test(e.hint ?? ''),
    );
    assert.deepEqual(w.service.calls, ['list active']);
  });

  it('rotate also takes a name whose revoked PAT a destination still holds; update does not', async () => {
    const w = world();
    const leaked = w.service.seed('x-gone', { daysLeft: 20 });
    w.store('Pat.x-gone').hold(leaked);
    leaked.revoked = true;
    w.service.seed('x-live', { daysLeft: 20 });
    const rotate = await executeOperation(w.context(testConfig({ ...pattern('x-*'), destinations: byName('Pat.{name}'), dryRun: true })));
    assert.deepEqual(rotate.outcomes.map((o) => o.name), ['x-gone', 'x-live']);
    const update = await executeOperation(w.context(testConfig({ action: 'update', ...pattern('x-*'), destinations: byName('Pat.{name}'), dryRun: true })));
    assert.deepEqual(update.outcomes.map((o) => o.name), ['x-live']);
  });
});

describe('executeOperation: the names a pattern matched get the checks of names given as inputs', () => {
  async function refused(config: Config, w = world()): Promise<InputErrors> {
    let caught: unknown;
    await executeOperation(w.context(config)).catch((e: unknown) => (caught = e));
    assert.ok(caught instanceof InputErrors, `expected InputErrors, got ${String(caught)}`);
    assert.ok(!w.service.calls.some((c) => !c.startsWith('list')), `nothing but listing: ${w.service.calls.join(', ')}`);
    return caught;
  }

  it('two names onto one variable: refused for create and rotate, naming the input and the pattern', async () => {
    for (const action of ['create', 'rotate'] as const) {
      const w = world();
      w.service.seed('build a', { daysLeft: 2 });
      w.service.seed('build_a', { daysLeft: 2 });
      const e = await refused(testConfig({ action, scopes: ['vso.code'], ...pattern('build*'), destinations: byName('Pat.{name}') }), w);
      assert.deepEqual(e.errors.map((x) => x.input), ['variableName'], action);
      assert.equal(e.errors[0].message, "Input 'variableName': the PATs 'build a' and 'build_a' would both be written to 'Pat.build_a' (names matched by patNamePattern 'build*'); nothing was changed");
      assert.equal(e.errors[0].hint, 'rename one of the PATs, or store them separately');
    }
  });

  it('two names onto one Key Vault secret, or one service connection: refused, each naming its input', async () => {
    const w = world();
    w.service.seed('svc a', { daysLeft: 2 });
    w.service.seed('svc-a', { daysLeft: 2 });
    const vault = await refused(testConfig({ ...pattern('svc*'), destinations: [{ kind: 'keyVault', vault: { vaultUrl: 'https://v.vault.azure.net' } as never, secretName: 'pat-{name}' }] }), w);
    assert.deepEqual(vault.errors.map((x) => x.input), ['secretName']);
    assert.match(vault.errors[0].message, /'svc a' and 'svc-a' would both be written to 'pat-svc-a'/);
    const c = world();
    c.service.seed('Svc', { daysLeft: 2 });
    c.service.seed('SVC', { daysLeft: 2 });
    const conn = await refused(testConfig({ ...pattern('S*'), destinations: [{ kind: 'serviceConnection', connection: { project: 'p', nameOrId: 'conn {name}' } }] }), c);
    assert.deepEqual(conn.errors.map((x) => x.input), ['serviceConnection']);
    assert.match(conn.errors[0].message, /'SVC' and 'Svc' would both be written to 'conn Svc'/);
  });

  it("a matched name that would overwrite the refresh token's variable is refused", async () => {
    const w = world();
    w.service.seed('RT', { daysLeft: 2 });
    const config = testConfig({
      ...pattern('R*'),
      destinations: byName('{name}'),
      refreshTokenStore: { kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName: 'RT', auth: 'user' },
    });
    const e = await refused(config, w);
    assert.deepEqual(e.errors.map((x) => x.input), ['variableName']);
    assert.match(e.errors[0].message, /'RT' in the same variable group would overwrite the refresh token's variable 'RT'.*\(names matched by patNamePattern 'R\*'\); nothing was changed$/);
  });

  it('update and revoke write no new value: their matched names are not checked', async () => {
    for (const action of ['update', 'revoke'] as const) {
      const w = world();
      w.service.seed('build a', { daysLeft: 2 });
      w.service.seed('build_a', { daysLeft: 2 });
      const { outcomes } = await executeOperation(w.context(testConfig({ action, ...pattern('build*'), destinations: byName('Pat.{name}'), dryRun: true })));
      assert.deepEqual(outcomes.map((o) => o.name), ['build a', 'build_a'], action);
    }
  });

  it('names that fit every destination pass', async () => {
    const w = world();
    w.service.seed('build-a', { daysLeft: 2 });
    w.service.seed('build-b', { daysLeft: 2 });
    const { outcomes } = await executeOperation(w.context(testConfig({ ...pattern('build*'), destinations: byName('Pat.{name}'), dryRun: true })));
    assert.deepEqual(outcomes.map((o) => o.action), ['planned', 'planned']);
  });
});
