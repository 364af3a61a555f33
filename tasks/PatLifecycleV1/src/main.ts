/**
 * Entry of PatLifecycle@1. The import order matters: secret-env must run before task-lib loads (see there).
 */
import { captured, debugging } from './secret-env';
import { capturedSecretValues, TaskHost, taskRawInputs } from './task-host';
import { parseConfig } from '../../../src/config/parse-config';
import { run } from '../../../src/run';
import { asPatLifecycleError, InputErrors } from '../../../src/errors';
import { environmentProblems } from '../../../src/config/environment';
import type { Config } from '../../../src/config/types';

async function main(): Promise<void> {
  const host = new TaskHost(debugging);
  for (const secret of capturedSecretValues(captured)) host.setSecret(secret);
  let status: 'Succeeded' | 'SucceededWithIssues' | 'Failed';
  let message: string;
  try {
    const unsafe = environmentProblems(process.env, process.execArgv);
    if (unsafe.length > 0) throw new InputErrors(unsafe);
    const config = parseConfig(taskRawInputs(captured));
    exportOidcRequestUri(config);
    ({ status, message } = await run(config, host));
  } catch (err) {
    status = 'Failed';
    message = err instanceof InputErrors ? `The task's inputs need fixing:\n${err.errors.map((e) => e.describe()).join('\n')}` : asPatLifecycleError(err).describe();
  }
  // The issues were logged as warnings as they arose; repeating them in the result would list each twice.
  host.complete(status, status === 'SucceededWithIssues' ? message.split('\n')[0] : message);
  if (status === 'Failed') process.exitCode = 1;
  // Pooled connections of the Azure SDKs may hold the process open after the result; nothing is left to do.
  setTimeout(() => process.exit(), 3000).unref();
}

/** @azure/identity's AzurePipelinesCredential reads the OIDC endpoint from the environment only. */
function exportOidcRequestUri(config: Config): void {
  for (const target of [...config.destinations, config.refreshTokenStore]) {
    if (target.kind === 'keyVault' && target.vault.credential.scheme === 'WorkloadIdentityFederation') {
      process.env['SYSTEM_OIDCREQUESTURI'] ??= target.vault.credential.oidcRequestUri;
    }
  }
}

void main();
