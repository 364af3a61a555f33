import { strict as assert } from 'node:assert';
import { ConsoleHost } from '../../cli/console-host';
import { Output } from '../../cli/output';
import { parseRunFlags, rawValuesForRun } from '../../cli/run-command';
import { UsageError } from '../../cli/args';

function capture() {
  let out = '';
  let err = '';
  const output = new Output({ stdout: { write: (t) => void (out += t) }, stderr: { write: (t) => void (err += t) } });
  return { output, out: () => out, err: () => err };
}

describe('cli run: flags to task inputs', () => {
  const env = { RT: 'refresh-token-value-123', PATLIFECYCLE_AUTHORITYHOST: 'https://127.0.0.1:9443' };

  it('maps kebab-case flags to task inputs, applies task.json defaults, reads secrets from the environment', () => {
    const flags = parseRunFlags(
      ['--action', 'rotate', '--pat-name', 'Feed PAT', '--dry-run', '--revoke-old=false', '--refresh-token-env', 'RT', '--project', 'Web', '--tenantId', 't'],
      env,
    );
    const raw = rawValuesForRun(flags, env);
    assert.equal(raw.inputs?.action, 'rotate');
    assert.equal(raw.inputs?.patName, 'Feed PAT');
    assert.equal(rawValuesForRun(parseRunFlags(['--display-name', 'Old flag', '--refresh-token-env', 'RT'], env), env).inputs?.patName, 'Old flag', 'the old name still works');
    assert.equal(raw.inputs?.dryRun, 'true');
    assert.equal(raw.inputs?.revokeOld, 'false');
    assert.equal(raw.inputs?.tenantId, 't');
    assert.equal(raw.inputs?.refreshToken, 'refresh-token-value-123');
    assert.equal(raw.inputs?.lifetimeDays, '30', 'task.json default');
    assert.equal(raw.inputs?.refreshTokenStore, undefined, 'task.json gives refreshTokenStore no default');
    assert.equal(raw.variables?.['System.TeamProject'], 'Web');
    assert.equal(raw.variables?.['PatLifecycle.AuthorityHost'], 'https://127.0.0.1:9443');
  });

  it('builds a service connection from AZURE_* when Key Vault is used', () => {
    const e = { ...env, AZURE_TENANT_ID: 'tid', AZURE_CLIENT_ID: 'cid', AZURE_CLIENT_SECRET: 'sp-secret' };
    const raw = rawValuesForRun(parseRunFlags(['--refresh-token-store', 'keyVault', '--key-vault', 'kv1', '--refresh-token-env', 'RT', '--key-vault-dns-suffix', 'vault.azure.cn'], e), e);
    const id = raw.inputs?.azureSubscription as string;
    assert.ok(id);
    const ep = raw.endpoints?.[id];
    assert.equal(ep?.scheme, 'ServicePrincipal');
    assert.equal(ep?.auth?.serviceprincipalkey, 'sp-secret');
    assert.equal(ep?.data?.azurekeyvaultdnssuffix, 'vault.azure.cn');
    assert.equal(ep?.data?.activedirectoryauthority, 'https://127.0.0.1:9443');
  });

  it('refuses secrets as values, unknown flags, and a missing refresh token', () => {
    const problems = (argv: string[]) => {
      try {
        parseRunFlags(argv, env);
      } catch (e) {
        assert.ok(e instanceof UsageError);
        return e.problems.join('\n');
      }
      return '';
    };
    assert.match(problems(['--client-secret', 'abc', '--refresh-token-env', 'RT']), /--client-secret would put a secret on the command line/);
    assert.match(problems(['--frobnicate', 'x', '--refresh-token-env', 'RT']), /Unknown flag --frobnicate/);
    assert.match(problems(['--action', 'list']), /--refresh-token-env VAR is required/);
    assert.match(problems(['--refresh-token-env', 'NOPE']), /NOPE: that environment variable is not set/);
    assert.match(problems(['--action']), /--action needs a value/);
    assert.equal(parseRunFlags(['--help'], {}).help, true);
  });
});

describe('cli console host', () => {
  it('masks secrets the core registers, never prints secret outputs, prints the summary at the end', () => {
    const c = capture();
    const host = new ConsoleHost(c.output);
    host.setSecret('registered-secret-1');
    host.info('using registered-secret-1 now');
    host.setOutput('token', 'new-pat-value-xyz', { secret: true });
    host.setOutput('authorizationId', 'abc-123', { secret: false });
    host.warn('careful with new-pat-value-xyz');
    host.progress(50, 'half');
    host.uploadSummary('# Summary\nregistered-secret-1');
    assert.equal(c.out(), '');
    host.flushSummary();
    assert.doesNotMatch(c.err() + c.out(), /registered-secret-1|new-pat-value-xyz/);
    assert.match(c.err(), /output token = \(secret, not shown\)/);
    assert.match(c.err(), /output authorizationId = abc-123/);
    assert.match(c.err(), /\[50%\] half/);
    assert.match(c.out(), /# Summary\n\*\*\*/);
    assert.deepEqual(host.outputs, [{ name: 'token', secret: true }, { name: 'authorizationId', value: 'abc-123', secret: false }]);
  });
});
