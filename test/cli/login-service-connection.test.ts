/**
 * `pat-lifecycle login --service-connection NAME --project P` against the emulator, the CLI as a child process signing
 * in with a device code: it creates a missing PAT Lifecycle sign-in connection only with the user's consent (or
 * --yes), and updates an existing one changing only the sign-in. Requests are checked against serviceEndpoint 7.1.
 */
import { strict as assert } from 'node:assert';
import { startEmulator, type Emulator } from '../emulator/index';
import { assertNoSecrets, emulatorEnv, startCli } from './helpers';

const USER_CODE = /enter the code ([A-Z0-9]+)/;
const ORG = 'contoso';
const PROJECT = 'Tools';

describe('cli login --service-connection against the emulator', function () {
  this.timeout(90_000);
  let emu: Emulator;
  let tenantId: string;
  let projectId: string;
  let user: { userId: string; upn: string };

  beforeEach(async () => {
    emu = await startEmulator();
    tenantId = emu.control.entra.defaultTenantId;
    user = emu.control.entra.addUser({ upn: 'alice@contoso.test', displayName: 'Alice' });
    emu.control.entra.setDeviceCodeInterval(1);
    emu.control.devops.addOrganization({ name: ORG });
    projectId = emu.control.devops.addProject(ORG, { name: PROJECT }).id;
  });
  afterEach(async () => {
    await emu?.close();
  });

  /** Runs login with a device code, approving it as `user`; `stdin` is what the user types. */
  async function login(clientId: string, extra: string[], stdin?: string, env: Record<string, string> = {}) {
    const run = startCli(
      ['login', '--tenant-id', tenantId, '--client-id', clientId, '--organization', ORG, '--project', PROJECT, '--device-code', ...extra],
      emulatorEnv(emu, env),
      60_000,
      stdin === undefined ? {} : { stdin },
    );
    const [, userCode] = await run.waitFor(USER_CODE);
    emu.control.entra.approveDeviceCode(userCode!, user.userId);
    return run.done;
  }

  const connections = () => emu.log.entries({ route: 'serviceEndpoints.create' });

  it('creates a missing connection after the user answers y, with tenant, client and a working refresh token, and prints the YAML', async () => {
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const r = await login(app.clientId, ['--service-connection', 'PAT sign-in'], 'y\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Create service connection PAT sign-in in project Tools\? \[y\/N\]/);
    assert.equal(connections().length, 1, 'one POST');
    const id = /Created service connection 'PAT sign-in' \(id ([0-9a-f-]+)\)/.exec(r.stderr)?.[1];
    assert.ok(id, r.stderr);
    const stored = emu.control.serviceEndpoints.get(ORG, id);
    assert.equal(stored.type, 'patlifecycle-signin');
    assert.equal(stored.scheme, 'None');
    assert.equal(stored.url, `${emu.urls.authorityHost}/`);
    assert.equal(stored.parameters['tenantId'], tenantId);
    assert.equal(stored.parameters['clientId'], app.clientId);
    const info = emu.control.entra.refreshTokenInfo(stored.parameters['refreshToken']!);
    assert.ok(info && info.userId === user.userId && info.clientId === app.clientId && info.redemptions === 0, 'a fresh refresh token of this sign-in');
    assert.match(stored.description, /\n\[PAT Lifecycle record, kept by the task\] issuedAt=\d{4}-/);
    assert.equal(stored.roles[user.userId.toLowerCase()], 'Administrator', 'the user who created it administers it (the task writes back as that user)');
    assert.match(r.stderr, /signInConnection: PAT sign-in\n\s+refreshTokenStore: serviceConnection/);
    assertNoSecrets(r.stderr + r.stdout, emu.secrets());
  });

  it('creates nothing when nobody answers (no terminal, no --yes), and says how to agree', async () => {
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const r = await login(app.clientId, ['--service-connection', 'PAT sign-in']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Nothing was created: service connection 'PAT sign-in' does not exist in project 'Tools'. Answer y, or pass --yes/);
    assert.equal(connections().length, 0, 'no POST');
    assertNoSecrets(r.stderr + r.stdout, emu.secrets());
  });

  it('creates nothing when the user answers n', async () => {
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const r = await login(app.clientId, ['--service-connection', 'PAT sign-in'], 'n\n');
    assert.equal(r.code, 1);
    assert.equal(connections().length, 0);
  });

  it('--yes creates without asking; the project reference names the project by the id Projects - Get answers, and carries the record in its description', async () => {
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const r = await login(app.clientId, ['--service-connection', 'PAT sign-in', '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /\[y\/N\]/);
    assert.equal(connections().length, 1);
    assert.equal(emu.log.count({ route: 'projects.get' }), 1, 'the project id is read, not guessed from other connections');
    const sent = connections()[0].requestBody as { serviceEndpointProjectReferences: Array<{ projectReference: { id?: string; name: string }; description: string }> };
    assert.deepEqual(sent.serviceEndpointProjectReferences[0].projectReference, { id: projectId, name: PROJECT });
    const id = emu.log.entries({ route: 'serviceEndpoints.create' })[0]!.responseBody as { id: string };
    for (const ref of emu.control.serviceEndpoints.get(ORG, id.id).projectReferences) assert.match(ref.description, /\[PAT Lifecycle record, kept by the task\] issuedAt=/);
  });

  it('updates an existing connection: the sign-in and the record change, every other field and secret stays, nothing is asked', async () => {
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const id = emu.control.serviceEndpoints.add(ORG, PROJECT, {
      name: 'PAT sign-in',
      type: 'patlifecycle-signin',
      url: `${emu.urls.authorityHost}/`,
      scheme: 'None',
      parameters: { tenantId, clientId: '00000000-0000-0000-0000-000000000001', refreshToken: 'an-old-refresh-token-123456', clientCertificate: 'kept-certificate-placeholder-1234' },
      description: 'Our sign-in',
      administrators: [user.userId],
    });
    const before = emu.control.serviceEndpoints.get(ORG, id);
    const r = await login(app.clientId, ['--service-connection', 'PAT sign-in']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Updated service connection 'PAT sign-in'/);
    assert.equal(connections().length, 0, 'no POST');
    const after = emu.control.serviceEndpoints.get(ORG, id);
    assert.equal(after.parameters['clientId'], app.clientId);
    assert.notEqual(after.parameters['refreshToken'], 'an-old-refresh-token-123456');
    assert.equal(after.parameters['clientCertificate'], 'kept-certificate-placeholder-1234', 'sent as null, kept');
    assert.match(after.description, /^Our sign-in\n\[PAT Lifecycle record, kept by the task\] issuedAt=/);
    for (const ref of after.projectReferences) assert.equal(ref.description, after.description, 'the record is kept on the project reference too');
    const noDescriptions = (e: typeof after) => ({ ...e, parameters: {}, description: '', projectReferences: e.projectReferences.map((ref: object) => ({ ...ref, description: '' })) });
    assert.deepEqual(noDescriptions(after), noDescriptions(before));
    assertNoSecrets(r.stderr + r.stdout, [...emu.secrets(), 'kept-certificate-placeholder-1234']);
  });

  it('refuses to write a sign-in into a connection of another type', async () => {
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    emu.control.serviceEndpoints.add(ORG, PROJECT, { name: 'PAT sign-in', type: 'generic', url: 'https://example.test/', scheme: 'UsernamePassword', parameters: { username: 'u', password: 'generic-password-1234' }, administrators: [user.userId] });
    const r = await login(app.clientId, ['--service-connection', 'PAT sign-in', '--yes']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is of type 'generic', not a PAT Lifecycle sign-in/);
    assert.equal(emu.log.count({ route: 'serviceEndpoints.update' }), 0);
  });
});

describe('cli status --service-connection against the emulator', function () {
  this.timeout(90_000);
  let emu: Emulator;

  before(async () => {
    emu = await startEmulator();
  });
  after(async () => {
    await emu?.close();
  });

  it("reads the age of the refresh token a sign-in connection keeps, from its record line; exit 3 once it nears 90 days", async () => {
    const tenantId = emu.control.entra.defaultTenantId;
    const user = emu.control.entra.addUser({ upn: 'bob@contoso.test', displayName: 'Bob' });
    emu.control.entra.setDeviceCodeInterval(1);
    emu.control.devops.addOrganization({ name: ORG });
    emu.control.devops.addProject(ORG, { name: PROJECT });
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const issuedAt = new Date(emu.clock.now() - 30 * 86_400_000).toISOString();
    emu.control.serviceEndpoints.add(ORG, PROJECT, {
      name: 'PAT sign-in',
      type: 'patlifecycle-signin',
      url: `${emu.urls.authorityHost}/`,
      scheme: 'None',
      parameters: { tenantId, clientId: app.clientId, refreshToken: 'a-stored-refresh-token-123456' },
      description: `Our sign-in\n[PAT Lifecycle record, kept by the task] issuedAt=${issuedAt}; clientId=${app.clientId}; tenantId=${tenantId}`,
      administrators: [user.userId],
    });
    const status = async (extra: string[]) => {
      const run = startCli(['status', '--tenant-id', tenantId, '--client-id', app.clientId, '--organization', ORG, '--project', PROJECT, '--service-connection', 'PAT sign-in', '--device-code', ...extra], emulatorEnv(emu));
      const [, userCode] = await run.waitFor(USER_CODE);
      emu.control.entra.approveDeviceCode(userCode!, user.userId);
      return run.done;
    };
    const r = await status([]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /refresh token\s+connection Tools\/PAT sign-in\s+\d{4}-\d\d-\d\d\s+30\s+\d{4}-\d\d-\d\d\s+60\s+ok/);
    assert.equal(emu.log.count({ route: 'serviceEndpoints.update' }), 0, 'status writes nothing');

    emu.clock.advance(50 * 86_400_000);
    const late = await status(['--json']);
    assert.equal(late.code, 3, late.stderr);
    const report = JSON.parse(late.stdout) as { refreshToken: { ageDays: number; daysLeft: number; state: string } };
    assert.deepEqual([report.refreshToken.ageDays, report.refreshToken.daysLeft, report.refreshToken.state], [80, 10, 'attention']);
    assertNoSecrets(r.stderr + r.stdout + late.stderr + late.stdout, [...emu.secrets(), 'a-stored-refresh-token-123456']);
  });
});
