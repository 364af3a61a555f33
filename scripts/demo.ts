/**
 * `npm run demo`: the real bundled task, run as a YAML step would run it, against the embedded emulator.
 *
 * Seeds a tenant with one user who signed in once (the refresh token sits in a variable group, as `pat-lifecycle
 * login` leaves it), an organization with PATs, a variable group and a Key Vault behind an Azure service connection.
 * Then runs five steps and prints each one's log the way the pipeline's log view shows it (logging commands consumed,
 * warnings and errors marked, registered secrets masked as ***), and the run summary of the last rotation.
 */
import { startEmulator, type Emulator } from '../test/emulator';
import type { RunTaskOptions, TaskRun } from '../test/support/run-task';
import { DAY, GROUP, ORG, pipelineStep, seedPat, seedSignedInPipeline } from './demo-pipeline';
import { printAsPipeline } from './pipeline-log';

const CONNECTION = 'azure-kv-connection';

const color = process.stdout.isTTY ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s;

async function main(): Promise<void> {
  const started = Date.now();
  const emu = await startEmulator();
  try {
    const world = seed(emu);
    const step = async (title: string, yaml: string, inputs: RunTaskOptions['inputs']): Promise<TaskRun> => {
      console.log(`\n${color(1, `━━ ${title}`)}`);
      console.log(color(2, yaml.trim().split('\n').map((l) => `   ${l}`).join('\n')));
      console.log(color(2, '   ─── log ───'));
      const run = await pipelineStep(emu, world, inputs, { [CONNECTION]: world.connection });
      printAsPipeline(run);
      return run;
    };

    await step('List the PATs and warn about those expiring soon', `
- task: PatLifecycle@1
  inputs: { action: list, rotateWhenExpiresWithinDays: 7, ... }`, { action: 'list', rotateWhenExpiresWithinDays: 7 });

    await step('Create a short-lived PAT for a release (secret output only)', `
- task: PatLifecycle@1
  name: releasePat
  inputs: { action: create, displayName: release-2026-11, scopes: vso.packaging, lifetimeDays: 1, target: outputOnly, ... }`,
      { action: 'create', displayName: 'release-2026-11', scopes: 'vso.packaging', lifetimeDays: 1, target: 'outputOnly' });

    await step('Rotate feed-reader into the variable group', `
- task: PatLifecycle@1
  inputs: { action: rotate, displayName: feed-reader, target: variableGroup, variableGroup: pat-rotation, variableName: FeedPat, ... }`,
      { action: 'rotate', displayName: 'feed-reader', target: 'variableGroup', variableGroup: GROUP, variableName: 'FeedPat', rotateWhenExpiresWithinDays: 7, lifetimeDays: 30 });

    const kv = await step('Rotate deploy-bot into Key Vault through the Azure service connection', `
- task: PatLifecycle@1
  inputs: { action: rotate, displayName: deploy-bot, target: keyVault, azureSubscription: azure-kv-connection, keyVault: ${world.vaultUrl}, secretName: deploy-bot-pat, ... }`,
      { action: 'rotate', displayName: 'deploy-bot', target: 'keyVault', azureSubscription: CONNECTION, keyVault: world.vaultUrl, secretName: 'deploy-bot-pat', rotateWhenExpiresWithinDays: 7, lifetimeDays: 30 });

    emu.clock.advance(DAY); // the schedule's next day: the task process's clock follows the emulator's
    const again = await step('The next day\'s scheduled run: feed-reader is not due, nothing changes', `
- task: PatLifecycle@1
  inputs: { action: rotate, displayName: feed-reader, target: variableGroup, variableGroup: pat-rotation, variableName: FeedPat, ... }`,
      { action: 'rotate', displayName: 'feed-reader', target: 'variableGroup', variableGroup: GROUP, variableName: 'FeedPat', rotateWhenExpiresWithinDays: 7, lifetimeDays: 30 });

    console.log(`\n${color(1, '━━ Run summary of the Key Vault rotation (attached to the run with ##vso[task.uploadsummary])')}\n`);
    console.log(kv.summaryMarkdown ?? '(no summary)');
    const group = emu.control.variableGroups.get(ORG, world.groupId).variables;
    console.log(color(1, '━━ What the emulated services hold now'));
    console.log(`   variable group '${GROUP}': ${Object.keys(group).sort().join(', ')}`);
    const secret = emu.control.keyVault.getSecret('contoso-kv', 'deploy-bot-pat');
    console.log(`   Key Vault secret 'deploy-bot-pat': ${secret.versions.length} version(s), tags ${JSON.stringify(secret.versions.at(-1)?.tags ?? {})}`);
    const active = emu.control.pats.list(ORG, world.userId).filter((p: { state: string }) => p.state === 'active');
    console.log(`   active PATs: ${active.map((p: { displayName: string; validTo: string }) => `${p.displayName} (until ${p.validTo.slice(0, 10)})`).join(', ')}`);
    console.log(`   requests the emulator served: ${emu.log.count()}; second rotation rotated=${again.outputs.rotated?.value}`);
    console.log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    const failed = [kv, again].some((r) => r.result !== 'Succeeded' && r.result !== 'SucceededWithIssues');
    if (failed) process.exitCode = 1;
  } finally {
    await emu.close();
  }
}

function seed(emu: Emulator) {
  const pipeline = seedSignedInPipeline(emu, { FeedUrl: 'https://pkgs.dev.azure.com/contoso/_packaging/main/npm/registry/' });
  seedPat(emu, pipeline, 'feed-reader', 'vso.packaging', 3);
  seedPat(emu, pipeline, 'deploy-bot', 'vso.release_execute vso.build_execute', 5);
  seedPat(emu, pipeline, 'wiki-sync', 'vso.wiki_write', 40);
  const c = emu.control;
  const sp = c.entra.addApp({ kind: 'confidential', displayName: 'kv-service-connection' });
  const vault = c.keyVault.addVault({ name: 'contoso-kv', tenantId: pipeline.tenantId, access: { [sp.objectId]: 'officer' } });
  return {
    ...pipeline,
    // A name would do against Azure (`contoso-kv` + the connection's DNS suffix); the emulated vault also needs its port.
    vaultUrl: vault.url as string,
    connection: {
      url: 'https://management.azure.com/',
      scheme: 'ServicePrincipal',
      parameters: { serviceprincipalid: sp.clientId, tenantid: pipeline.tenantId, authenticationType: 'spnKey', serviceprincipalkey: sp.secret as string },
      data: { activeDirectoryAuthority: emu.urls.authorityHost, AzureKeyVaultDnsSuffix: emu.urls.vaultDnsSuffix, environment: 'AzureCloud' },
    },
  };
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
