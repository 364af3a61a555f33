/**
 * `npm run task:local -- --action check [task inputs as --kebab-case flags]`: the bundled task
 * (tasks/PatLifecycleV1/dist/main.js, the file the agent runs) run once, as a YAML step of a pipeline in the playground's
 * organization would run, against an embedded emulator seeded as `npm run emulator` seeds it. Its log is printed the
 * way the pipeline's log view shows it; the exit code is 0 Succeeded, 3 SucceededWithIssues, 1 Failed.
 *
 * The step signs in as the playground's user (its refresh token, kept in the variable group pat-lifecycle-signin) in
 * project Web of organization contoso; the flags add or override task inputs, as `pat-lifecycle run` takes them.
 * `--azure-subscription playground-azure` is an Azure service connection to the playground's Key Vault, and
 * `--key-vault contoso-secrets` names that vault (its emulated URL is filled in).
 */
import { startEmulator } from '../test/emulator';
import { PLAYGROUND, seedPlayground } from '../test/emulator/playground';
import { runTask } from '../test/support/run-task';
import { UsageError } from '../cli/args';
import { parseRunFlags } from '../cli/run-command';
import { printAsPipeline } from './pipeline-log';

export const AZURE_CONNECTION = 'playground-azure';
const REFRESH_TOKEN_ENV = 'TASK_LOCAL_REFRESH_TOKEN';
const PLAYGROUND_STEP = { patName: 'build-agent-linux', target: 'variableGroup', variableGroup: PLAYGROUND.destinationGroup, variableName: 'Pat-build-agent-linux' };

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: npm run task:local -- [--action check|list|create|rotate|update|revoke] [task inputs as --kebab-case flags]\n' +
      `  e.g. npm run task:local -- --action rotate --pat-name build-agent-linux --target variableGroup --variable-group ${PLAYGROUND.destinationGroup} --variable-name Pat-build-agent-linux`);
    return 0;
  }
  const emu = await startEmulator();
  try {
    const playground = seedPlayground(emu);
    // The flags as `pat-lifecycle run` reads them (task inputs in kebab case); the refresh token is the playground's.
    const flags = parseRunFlags([...argv, '--refresh-token-env', REFRESH_TOKEN_ENV], { [REFRESH_TOKEN_ENV]: playground.refreshToken });
    const action = flags.inputs['action'] ?? 'check';
    // A step to check or run when the flags name no PAT: the playground's build-agent-linux PAT and the variable
    // pat-rotation already holds for it (as an earlier rotation left it).
    const defaultStep = action === 'list' || flags.inputs['patName'] || flags.inputs['authorizationId'] || flags.inputs['patNamePattern'] ? {} : PLAYGROUND_STEP;
    const inputs: Record<string, string> = {
      action,
      tenantId: playground.tenantId,
      clientId: playground.clientId,
      refreshToken: playground.refreshToken,
      refreshTokenStore: 'variableGroup',
      refreshTokenVariableGroup: PLAYGROUND.signInGroup,
      refreshTokenVariableName: PLAYGROUND.refreshTokenVariable,
      ...defaultStep,
      ...flags.inputs,
    };
    if (inputs['keyVault']?.toLowerCase() === PLAYGROUND.vault) inputs['keyVault'] = playground.vaultUrl;
    const yaml = Object.entries(inputs)
      .filter(([name]) => name !== 'refreshToken')
      .map(([name, value]) => `      ${name}: ${value}`);
    console.log(`━━ PatLifecycle@1 in organization ${PLAYGROUND.org}, project ${PLAYGROUND.project} (the playground, emulated)\n  - task: PatLifecycle@1\n    inputs:\n      refreshToken: $(${PLAYGROUND.refreshTokenVariable})\n${yaml.join('\n')}\n   ─── log ───`);
    const run = await runTask({
      inputs,
      variables: {
        'PatLifecycle.AuthorityHost': emu.urls.authorityHost,
        'PatLifecycle.VsspsUrl': emu.urls.vssps,
        'PatLifecycle.DevOpsUrl': emu.urls.devops,
        'System.Debug': 'false',
        ...flags.variables,
      },
      secretVariables: { [PLAYGROUND.refreshTokenVariable]: playground.refreshToken },
      endpoints: {
        [AZURE_CONNECTION]: {
          url: 'https://management.azure.com/',
          scheme: 'ServicePrincipal',
          parameters: { serviceprincipalid: playground.keyVaultIdentity.clientId, tenantid: playground.tenantId, authenticationType: 'spnKey', serviceprincipalkey: playground.keyVaultIdentity.secret },
          data: { activeDirectoryAuthority: emu.urls.authorityHost, AzureKeyVaultDnsSuffix: emu.urls.vaultDnsSuffix, environment: 'AzureCloud' },
        },
      },
      system: { collectionUri: `${emu.urls.devops}/${PLAYGROUND.org}/`, teamProject: PLAYGROUND.project },
      env: emu.childEnv(),
    });
    printAsPipeline(run);
    return run.result === 'Succeeded' ? 0 : run.result === 'SucceededWithIssues' ? 3 : 1;
  } finally {
    await emu.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof UsageError ? `error: ${err.problems.join('\n')}` : err instanceof Error ? err.message : err);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
