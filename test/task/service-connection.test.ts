/**
 * target: serviceConnection, as the agent runs the bundled task against the emulator: the PAT parameter of a service
 * connection replaced through GET + whole-endpoint PUT, nothing else changed, the record on the description's last
 * line, and the same rollback, crash and ownership rules as the other stores. Every run's traffic is checked against
 * serviceEndpoint 7.1 by the harness.
 */
import { strict as assert } from 'node:assert';
import { ORG, PROJECT, TaskFixture, useTaskFixture, type SeededPat } from './task-fixture';

const DAY = 86_400_000;

interface Kind {
  type: string;
  scheme: string;
  parameter: string;
  /** Other parameters the scheme carries, kept as they are. */
  others?: Record<string, string>;
  data?: Record<string, string>;
  url: string;
}

const SUPPORTED: Kind[] = [
  { type: 'externaltfs', scheme: 'Token', parameter: 'apitoken', url: 'https://dev.azure.com/fabrikam' },
  { type: 'externalnugetfeed', scheme: 'Token', parameter: 'apitoken', url: 'https://pkgs.dev.azure.com/fabrikam/_packaging/feed/nuget/v3/index.json' },
  { type: 'externalnugetfeed', scheme: 'UsernamePassword', parameter: 'password', others: { username: 'feed-user' }, url: 'https://pkgs.dev.azure.com/fabrikam/_packaging/feed/nuget/v3/index.json' },
  { type: 'externalnpmregistry', scheme: 'Token', parameter: 'apitoken', url: 'https://pkgs.dev.azure.com/fabrikam/_packaging/feed/npm/registry/' },
  { type: 'git', scheme: 'UsernamePassword', parameter: 'password', others: { username: 'git-user' }, data: { accessExternalGitServer: 'true' }, url: 'https://dev.azure.com/fabrikam/_git/tools' },
  { type: 'generic', scheme: 'UsernamePassword', parameter: 'password', others: { username: 'generic-user' }, url: 'https://dev.azure.com/fabrikam' },
];

describe('PatLifecycle@1 with target serviceConnection (black box)', function () {
  this.timeout(180_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  const endpoints = () => f.emu.control.serviceEndpoints;
  const state = (id: string) => f.pats().find((p) => p.authorizationId === id)?.state;

  function addConnection(name: string, kind: Kind, token: string, o: { description?: string; administrators?: string[] } = {}): string {
    return endpoints().add(ORG, PROJECT, {
      name,
      type: kind.type,
      url: kind.url,
      scheme: kind.scheme,
      parameters: { ...kind.others, [kind.parameter]: token },
      data: kind.data,
      description: o.description ?? 'Feed for the nightly build',
      administrators: o.administrators ?? [f.user.userId],
    });
  }

  const rotateInputs = (extra: Record<string, string | number | boolean> = {}) => ({
    action: 'rotate',
    displayName: 'feed',
    target: 'serviceConnection',
    serviceConnection: 'Fabrikam feed',
    rotateWhenExpiresWithinDays: 7,
    ...extra,
  });

  /** Everything the GET shows except the descriptions (top level and per project reference), which carry the record. */
  const withoutDescription = (answer: Record<string, unknown>) => {
    const { description: _d, serviceEndpointProjectReferences: refs, ...rest } = answer;
    return { ...rest, refs: (refs as Array<Record<string, unknown>>).map(({ description: _r, ...ref }) => ref) };
  };

  for (const kind of SUPPORTED) {
    it(`${kind.type} (${kind.scheme}): the PAT in '${kind.parameter}' replaced, every other field as it was, other connections untouched`, async () => {
      const old = f.seedPat('feed', { daysLeft: 3 });
      const id = addConnection('Fabrikam feed', kind, old.token);
      const other = addConnection('Other feed', kind, 'other-secret-value-1234');
      f.extraSecrets.push('other-secret-value-1234');
      const before = endpoints().answer(ORG, PROJECT, id);
      const otherBefore = endpoints().get(ORG, other);

      const run = await f.run(rotateInputs());
      assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
      f.assertNoSecrets(run);

      const [fresh] = f.activePats('feed');
      assert.notEqual(fresh.authorizationId, old.authorizationId);
      const stored = endpoints().get(ORG, id);
      assert.equal(stored.parameters[kind.parameter], fresh.token);
      for (const [k, v] of Object.entries(kind.others ?? {})) assert.equal(stored.parameters[k], v);
      assert.deepEqual(withoutDescription(endpoints().answer(ORG, PROJECT, id)), withoutDescription(before));
      assert.match(stored.description, new RegExp(`^Feed for the nightly build\\n\\[PAT Lifecycle record, kept by the task\\] authorizationId=${fresh.authorizationId}; validTo=`));
      for (const ref of stored.projectReferences) assert.equal(ref.description, stored.description, 'the record is kept on the project reference too');
      assert.doesNotMatch(stored.description, /pending=/);
      assert.deepEqual(endpoints().get(ORG, other), otherBefore);
      assert.equal(state(old.authorizationId), 'revoked', 'the adopted PAT the connection held is revoked');
      assert.match(run.summaryMarkdown ?? '', /service connection 'Fabrikam feed'/);
    });
  }

  for (const [type, scheme, parameters] of [
    ['azurerm', 'ServicePrincipal', { serviceprincipalid: 'app', serviceprincipalkey: 'sp-secret-value-1234', tenantid: 't' }],
    ['externalnugetfeed', 'None', { nugetkey: 'nuget-api-key-1234' }],
    ['github', 'OAuth', { AccessToken: 'gh-oauth-token-1234' }],
  ] as const) {
    it(`refuses a ${type} connection with scheme ${scheme} before any PAT exists, naming what is supported`, async () => {
      const old = f.seedPat('feed', { daysLeft: 3 });
      f.extraSecrets.push(...Object.values(parameters));
      endpoints().add(ORG, PROJECT, { name: 'Fabrikam feed', type, url: 'https://example.test/', scheme, parameters: { ...parameters }, administrators: [f.user.userId] });
      const run = await f.run(rotateInputs());
      assert.equal(run.result, 'Failed', run.message);
      assert.match(run.message ?? '', new RegExp(`type '${type}' with scheme '${scheme}'`));
      assert.match(run.message ?? '', /Supported: .*externaltfs, Token.*externalnugetfeed, Token or UsernamePassword/);
      assert.match(run.message ?? '', /serviceConnection/);
      assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
      assert.equal(f.emu.log.count({ route: 'serviceEndpoints.update' }), 0);
      assert.equal(state(old.authorizationId), 'active');
      f.assertNoSecrets(run);
    });
  }

  it('without the Administrator role: a 403 that says where to grant it, and no PAT created', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token, { administrators: [] });
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /Administrator role on service connection 'Fabrikam feed'/);
    assert.match(run.message ?? '', /Project settings > Service connections > 'Fabrikam feed' > Security/);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
    assert.equal(endpoints().get(ORG, id).parameters['apitoken'], old.token);
    assert.equal(state(old.authorizationId), 'active');
    f.assertNoSecrets(run);
  });

  it('a connection shared with two projects: the record is kept on every project reference and each project reads it, checked by a fresh GET after the PUT', async () => {
    f.emu.control.devops.addProject(ORG, { name: 'Shared' });
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = endpoints().add(ORG, PROJECT, { name: 'Fabrikam feed', type: 'externaltfs', url: 'https://dev.azure.com/fabrikam', scheme: 'Token', parameters: { apitoken: old.token }, description: 'Feed for the nightly build', sharedWith: ['Shared'], administrators: [f.user.userId] });
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    const [fresh] = f.activePats('feed');
    for (const project of [PROJECT, 'Shared']) {
      const answer = endpoints().answer(ORG, project, id) as { description: string; serviceEndpointProjectReferences: Array<{ description: string }> };
      assert.match(answer.description, new RegExp(`authorizationId=${fresh!.authorizationId}`), `project ${project} reads the record`);
      for (const ref of answer.serviceEndpointProjectReferences) assert.match(ref.description, new RegExp(`^Feed for the nightly build\\n.*authorizationId=${fresh!.authorizationId}`));
    }
    const traffic = f.emu.log.entries({ service: 'serviceEndpoints' }).map((e) => e.route);
    assert.equal(traffic.at(-1), 'serviceEndpoints.get', `the write is confirmed by a GET after the last PUT: ${traffic.join(', ')}`);
    f.assertNoSecrets(run);
  });

  it('a shared connection the user administers in one project only: refused by the service, the hint names every project to grant it in; no PAT created', async () => {
    f.emu.control.devops.addProject(ORG, { name: 'Shared' });
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = endpoints().add(ORG, PROJECT, { name: 'Fabrikam feed', type: 'externaltfs', url: 'https://dev.azure.com/fabrikam', scheme: 'Token', parameters: { apitoken: old.token }, sharedWith: ['Shared'] });
    endpoints().grant(ORG, id, f.user.userId, 'Administrator', PROJECT);
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', new RegExp(`every project that shares it: .*project '${PROJECT}'.*project 'Shared'`));
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
    assert.equal(endpoints().get(ORG, id).parameters['apitoken'], old.token);
  });

  it('a description with no room left for the record: fails before any PAT is created, naming the connection and the room needed', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token, { description: 'x'.repeat(900) });
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /description of service connection 'Fabrikam feed'.*has 900 characters.*at most 1024/s);
    assert.match(run.message ?? '', /Shorten the description of service connection 'Fabrikam feed' to at most \d+ characters/);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
    assert.equal(f.emu.log.count({ route: 'serviceEndpoints.update' }), 0);
    assert.equal(endpoints().get(ORG, id).parameters['apitoken'], old.token);
  });

  it('a GET that answers without project references (the user may view, not administer): a permission error, no PAT created, no PUT', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token, { administrators: [] });
    endpoints().grant(ORG, id, f.user.userId, 'Reader');
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /without its project references/);
    assert.match(run.message ?? '', /Administrator role on the connection/);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
    assert.equal(f.emu.log.count({ route: 'serviceEndpoints.update' }), 0);
  });

  it('a GET that answers only { name, id } (no view permission): reported as a permission error, not an unexpected answer', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token, { administrators: [] });
    endpoints().grant(ORG, id, f.user.userId, 'None');
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /name and id of service connection 'Fabrikam feed' only: the signed-in user may not view it/);
    assert.doesNotMatch(run.message ?? '', /unexpected/i);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
  });

  it('update keeps a variable group and a connection that hold the PAT in step: record-only writes of the new validTo, values untouched', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token, { description: `Feed for the nightly build\n${recordOf(old)}` });
    const group = f.addGroup('Tokens', { FeedPat: { value: old.token, isSecret: true }, 'FeedPat.authorizationId': old.authorizationId, 'FeedPat.validTo': old.validTo });
    const run = await f.run({ action: 'update', displayName: 'feed', lifetimeDays: 30, target: 'variableGroup, serviceConnection', variableGroup: 'Tokens', variableName: 'FeedPat', serviceConnection: 'Fabrikam feed' });
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    const [pat] = f.activePats('feed');
    assert.equal(pat!.authorizationId, old.authorizationId);
    assert.notEqual(pat!.validTo, old.validTo);
    assert.equal(f.group(group).variables['FeedPat.validTo']!.value, pat!.validTo);
    assert.equal(f.group(group).variables['FeedPat']!.value, old.token);
    const stored = endpoints().get(ORG, id);
    assert.equal(stored.parameters['apitoken'], old.token);
    for (const description of [stored.description, ...stored.projectReferences.map((r: { description: string }) => r.description)]) assert.match(description, new RegExp(`authorizationId=${old.authorizationId}; validTo=${pat!.validTo.replace(/\./g, '\\.')}`));
    f.assertNoSecrets(run);
  });

  /** A description whose record names the PAT the connection holds, as a run of the task leaves it. */
  const recordOf = (pat: SeededPat) => `[PAT Lifecycle record, kept by the task] authorizationId=${pat.authorizationId}; validTo=${pat.validTo}`;

  function assertRolledBack(id: string, old: SeededPat): void {
    assert.equal(endpoints().get(ORG, id).parameters['apitoken'], old.token, 'the connection still holds the old PAT');
    assert.equal(state(old.authorizationId), 'active');
    const made = f.pats().filter((p) => p.displayName === 'feed' && p.authorizationId !== old.authorizationId);
    assert.equal(made.length, 1, 'one PAT was made');
    assert.equal(made[0]!.state, 'revoked', 'the new PAT is revoked');
  }

  it('a fault at the GET before the write: rolled back, the connection holds the old PAT, the new PAT revoked', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token, { description: recordOf(old) });
    // After the intent's GET, the GET the write starts from is refused (a 400 is not retried); the read that checks
    // whether the write landed works again and finds the old record.
    f.emu.faults.add({ route: 'serviceEndpoints.get', nth: 2, status: 400, body: { message: 'refused by a test', typeKey: 'ArgumentException' } });
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Failed', run.message);
    assertRolledBack(id, old);
    f.assertNoSecrets(run);
  });

  it('a fault at the PUT of the new PAT: rolled back, the connection holds the old PAT, the new PAT revoked, no intent left', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token, { description: recordOf(old) });
    f.emu.faults.add({ route: 'serviceEndpoints.update', nth: 2, status: 400, body: { message: 'refused by a test', typeKey: 'ArgumentException' } });
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Failed', run.message);
    assertRolledBack(id, old);
    assert.doesNotMatch(endpoints().get(ORG, id).description, /pending=/);
    f.assertNoSecrets(run);
  });

  it('an answer to the PUT that shows the connection not ready fails the run, naming it; both PATs kept for the next run', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token, { description: recordOf(old) });
    const notReady = { ...endpoints().answer(ORG, PROJECT, id), isReady: false };
    f.emu.faults.add({ route: 'serviceEndpoints.update', nth: 2, phase: 'after', status: 200, body: notReady });
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /not ready after the update \(isReady false\)/);
    assert.equal(state(old.authorizationId), 'active');
    assert.equal(f.activePats('feed').length, 2, 'the new PAT is kept: the connection may hold it');
    f.assertNoSecrets(run);
  });

  it('killed while the PUT of the new PAT is in flight, then run again 16 minutes later: one active PAT, held by the connection', async () => {
    const old = f.seedPat('feed', { daysLeft: 20 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token);
    const inputs = rotateInputs({ rotateWhenExpiresWithinDays: 0 });
    const first = await f.run(inputs);
    assert.equal(first.result, 'Succeeded', first.message);

    const fault = f.emu.faults.add({ route: 'serviceEndpoints.update', nth: 2, kind: 'delay', ms: 1500 });
    const killed = await f.run(inputs, { killWhen: () => !f.emu.faults.list().some((x: { id: string }) => x.id === fault) });
    assert.equal(killed.crashed, true);
    await new Promise((r) => setTimeout(r, 1700));

    // The next scheduled run: the dead run's intent is stale by then (docs/design.md, "Ownership").
    f.emu.clock.advance(16 * 60_000);
    const rerun = await f.run(inputs);
    assert.equal(rerun.result, 'Succeeded', rerun.message);
    const active = f.activePats('feed');
    assert.equal(active.length, 1, `one active PAT, got ${active.length}`);
    const stored = endpoints().get(ORG, id);
    assert.equal(stored.parameters['apitoken'], active[0]!.token);
    assert.match(stored.description, new RegExp(`authorizationId=${active[0]!.authorizationId}`));
    assert.doesNotMatch(stored.description, /pending=/);
    f.assertNoSecrets(killed);
    f.assertNoSecrets(rerun);
  });

  it('two destinations in one step: a group variable and a connection get the same PAT, each with its record', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[3]!, old.token);
    const group = f.addGroup('Tokens', { FeedPat: { value: old.token, isSecret: true }, 'FeedPat.authorizationId': old.authorizationId });
    const run = await f.run(rotateInputs({ target: 'variableGroup, serviceConnection', variableGroup: 'Tokens', variableName: 'FeedPat' }));
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    const [fresh] = f.activePats('feed');
    assert.equal(f.group(group).variables['FeedPat']!.value, fresh!.token);
    assert.equal(f.group(group).variables['FeedPat.authorizationId']!.value, fresh!.authorizationId);
    assert.equal(endpoints().get(ORG, id).parameters['apitoken'], fresh!.token);
    assert.match(endpoints().get(ORG, id).description, new RegExp(`authorizationId=${fresh!.authorizationId}`));
    assert.equal(state(old.authorizationId), 'revoked');
    f.assertNoSecrets(run);
  });

  it('the record survives a PUT and an edit in the portal: the next rotation knows the PAT it holds without adopting it', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[4]!, old.token);
    const first = await f.run(rotateInputs());
    assert.equal(first.result, 'Succeeded', first.message);
    const [held] = f.activePats('feed');
    // A person edits the description in the portal; the form rebuilds data from the type's inputs.
    endpoints().editInPortal(ORG, id, { description: (d: string) => `Owned by the platform team.\n${d}` });
    f.emu.clock.advance(27 * DAY);

    const second = await f.run(rotateInputs());
    assert.equal(second.result, 'Succeeded', second.message);
    assert.doesNotMatch(second.visibleLog, /Adopted/);
    const [fresh] = f.activePats('feed');
    assert.notEqual(fresh!.authorizationId, held!.authorizationId);
    assert.equal(state(held!.authorizationId), 'revoked', 'the recorded PAT is revoked once replaced');
    const stored = endpoints().get(ORG, id);
    assert.equal(stored.parameters['password'], fresh!.token);
    assert.match(stored.description, /^Owned by the platform team\.\nFeed for the nightly build\n\[PAT Lifecycle record/);
    f.assertNoSecrets(second);
  });

  it('a dry run reads the connection and changes nothing', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token);
    const before = endpoints().get(ORG, id);
    const run = await f.run(rotateInputs({ dryRun: true }));
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(f.emu.log.count({ route: 'serviceEndpoints.update' }), 0);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
    assert.deepEqual(endpoints().get(ORG, id), before);
  });

  it('bulk: each PAT into its own connection through {name}', async () => {
    const a = f.seedPat('alpha', { daysLeft: 3 });
    const b = f.seedPat('beta', { daysLeft: 3 });
    const ida = addConnection('Feed alpha', SUPPORTED[0]!, a.token);
    const idb = addConnection('Feed beta', SUPPORTED[0]!, b.token);
    const run = await f.run(rotateInputs({ displayName: 'alpha\nbeta', serviceConnection: 'Feed {name}' }));
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    assert.equal(endpoints().get(ORG, ida).parameters['apitoken'], f.activePats('alpha')[0]!.token);
    assert.equal(endpoints().get(ORG, idb).parameters['apitoken'], f.activePats('beta')[0]!.token);
    f.assertNoSecrets(run);
  });

  it('create: a new PAT into a connection that held a hand-made one, recorded; the hand-made PAT keeps working', async () => {
    const manual = f.seedPat('other-name', { daysLeft: 60 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, manual.token);
    const run = await f.run({ action: 'create', displayName: 'sc-bot', scopes: 'vso.code', target: 'serviceConnection', serviceConnection: 'Fabrikam feed' });
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    const [made] = f.activePats('sc-bot');
    const stored = endpoints().get(ORG, id);
    assert.equal(stored.parameters['apitoken'], made!.token);
    assert.match(stored.description, new RegExp(`authorizationId=${made!.authorizationId}; validTo=`));
    assert.equal(state(manual.authorizationId), 'active');
    f.assertNoSecrets(run);
  });

  it('keeps the old PAT while a variable group or another connection of the project still records it', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const id = addConnection('Fabrikam feed', SUPPORTED[0]!, old.token, { description: recordOf(old) });
    addConnection('Second feed', SUPPORTED[3]!, old.token, { description: recordOf(old) });
    f.addGroup('Tokens', { FeedPat: { value: old.token, isSecret: true }, 'FeedPat.authorizationId': old.authorizationId });
    const run = await f.run(rotateInputs());
    assert.notEqual(run.result, 'Failed', run.message);
    const [fresh] = f.activePats('feed').filter((p) => p.authorizationId !== old.authorizationId);
    assert.equal(endpoints().get(ORG, id).parameters['apitoken'], fresh!.token);
    assert.equal(state(old.authorizationId), 'active', 'still recorded elsewhere, so not revoked');
    const said = [...run.warnings, run.message ?? '', run.summaryMarkdown ?? ''].join('\n');
    assert.match(said, /variable group 'Tokens'/);
    assert.match(said, /service connection 'Second feed'/);
    f.assertNoSecrets(run);
  });

  it('refuses a service connection the project does not have, naming the input', async () => {
    f.seedPat('feed', { daysLeft: 3 });
    const run = await f.run(rotateInputs({ serviceConnection: 'No such feed' }));
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /Service connection 'No such feed' was not found in project 'Proj'/);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
  });
});
