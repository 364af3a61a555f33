/**
 * `pat-lifecycle doctor` (= `run --action check`) against the emulator, the CLI running as a child process: the
 * prerequisites as lines on the console, exit code 0 when none is missing and 1 when one is, nothing written, and
 * the refresh token the sign-in renewed neither stored nor printed.
 */
import { strict as assert } from 'node:assert';
import { startEmulator, type Emulator } from '../emulator/index';
import { assertNoSecrets, emulatorEnv, runCli } from './helpers';

describe('cli doctor (action check) against the emulator', function () {
  this.timeout(120_000);
  let emu: Emulator;
  let user: { userId: string };
  let app: { clientId: string };
  let refreshToken: string;
  let groupId: number;

  beforeEach(async () => {
    emu = await startEmulator();
    user = emu.control.entra.addUser({ upn: 'builder@contoso.test', displayName: 'Build Owner' });
    app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    emu.control.devops.addOrganization({ name: 'contoso' });
    emu.control.devops.addProject('contoso', { name: 'Web' });
    ({ refreshToken } = emu.control.entra.signIn({ userId: user.userId, clientId: app.clientId }));
    emu.control.pats.create('contoso', user.userId, { displayName: 'feed-reader', scope: 'vso.packaging', validTo: new Date(emu.clock.now() + 20 * 86_400_000).toISOString() });
    groupId = emu.control.variableGroups.add('contoso', 'Web', { name: 'Tokens', variables: { Other: 'x' }, administrators: [user.userId] });
  });
  afterEach(async () => {
    await emu?.close();
  });

  const args = () => [
    '--tenant-id', emu.control.entra.defaultTenantId, '--client-id', app.clientId, '--organization', 'contoso',
    '--refresh-token-env', 'PATLIFECYCLE_RT', '--pat-name', 'feed-reader', '--project', 'Web',
    '--variable-group', 'Tokens', '--variable-name', 'FeedPat', '--refresh-token-store', 'none',
  ];

  function assertNothingWritten(output: string): void {
    const writes = emu.log.entries().filter((e) => e.service !== 'entra' && /^(POST|PUT|DELETE|PATCH)$/.test(e.method));
    assert.deepEqual(writes.map((e) => `${e.method} ${e.route}`), []);
    assertNoSecrets(output, [refreshToken, ...emu.secrets()]);
  }

  it('exits 0 listing each prerequisite when none is missing; writes nothing', async () => {
    const r = await runCli(['doctor', ...args()], emulatorEnv(emu, { PATLIFECYCLE_RT: refreshToken }));
    const output = r.stdout + r.stderr;
    assert.equal(r.code, 0, output);
    assert.match(output, /\[ok\] Sign-in: signed in as builder@contoso\.test/);
    assert.match(output, /\[ok\] PAT 'feed-reader': 1 active PAT/);
    assert.match(output, /\[ok\] Administrator role on variable group 'Tokens'/);
    assert.match(output, /\[not checked\] Refresh token store: refreshTokenStore is 'none'/);
    assert.match(output, /\[not checked\] PAT creation policy/);
    assertNothingWritten(output);
  });

  it('exits 1 when the user lacks the Administrator role on the group, naming the fix', async () => {
    emu.control.variableGroups.grant('contoso', groupId, user.userId, 'Reader');
    const r = await runCli(['doctor', ...args()], emulatorEnv(emu, { PATLIFECYCLE_RT: refreshToken }));
    const output = r.stdout + r.stderr;
    assert.equal(r.code, 1, output);
    assert.match(output, /\[missing\] Administrator role on variable group 'Tokens': .*Fix: Pipelines > Library > 'Tokens' > Security/);
    assertNothingWritten(output);
  });

  it('run --action check is the same command; without a PAT name the PAT line is not checked', async () => {
    const withoutName = args().filter((a, i, all) => a !== '--pat-name' && all[i - 1] !== '--pat-name');
    const r = await runCli(['run', '--action', 'check', ...withoutName], emulatorEnv(emu, { PATLIFECYCLE_RT: refreshToken }));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /\[ok\] PAT Lifecycle API: accepts builder@contoso\.test/);
    assert.match(r.stdout + r.stderr, /\[not checked\] PATs of the step: the step names no PAT/);
  });
});
