// The project's own release pipeline (.azure-pipelines/release.yml) does what docs/publishing.md says: the tests
// before anything is packaged, the VSIX and the CLI tarball, the Marketplace with an Entra token from a workload
// identity connection (no PAT), npm with a token kept as a secret and handed to the script through env, each publish
// behind an environment (approvals). Its schema validation is in published-schemas.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/task-json';

type Node = Record<string, unknown>;
const text = readFileSync(join(REPO_ROOT, '.azure-pipelines', 'release.yml'), 'utf8');
const doc = parse(text) as { stages: Array<{ stage: string; jobs: Node[] }> };
const publishing = readFileSync(join(REPO_ROOT, 'docs', 'publishing.md'), 'utf8');

/** Every step of a job, a deployment's too. */
function stepsOf(job: Node): Node[] {
  if (Array.isArray(job['steps'])) return job['steps'] as Node[];
  const deploy = ((job['strategy'] as Node | undefined)?.['runOnce'] as Node | undefined)?.['deploy'] as Node | undefined;
  return (deploy?.['steps'] as Node[] | undefined) ?? [];
}
const jobsOf = (stage: string) => doc.stages.find((s) => s.stage === stage)?.jobs ?? [];
const scriptOf = (step: Node) => String(step['script'] ?? (step['inputs'] as Node | undefined)?.['inlineScript'] ?? '');

describe('the release pipeline (.azure-pipelines/release.yml)', () => {
  it('runs npm test before it packages the VSIX and the CLI tarball, and hands both on as one artifact', () => {
    const steps = jobsOf('build').flatMap(stepsOf).map(scriptOf);
    const at = (command: string) => steps.findIndex((s) => s.trim() === command);
    assert.ok(at('npm ci --no-audit --no-fund') >= 0 && at('npm ci --no-audit --no-fund') < at('npm test'), steps.join('\n'));
    assert.ok(at('npm test') < at('npm run package') && at('npm test') < at('npm run pack:cli'), 'the tests come first');
    assert.ok(jobsOf('build').flatMap(stepsOf).some((s) => s['publish'] && s['artifact'] === 'release'));
  });

  it('publishes the extension with an Entra token for Azure DevOps from a workload identity connection, never a PAT', () => {
    const [job] = jobsOf('marketplace');
    assert.ok(job?.['deployment'] && job['environment'], 'a deployment job behind an environment (approvals and checks)');
    const azureCli = stepsOf(job!).find((s) => s['task'] === 'AzureCLI@2');
    assert.ok(azureCli, 'an AzureCLI@2 step');
    const inputs = azureCli['inputs'] as Node;
    assert.equal(inputs['azureSubscription'], '$(marketplaceConnection)');
    const script = scriptOf(azureCli);
    assert.match(script, /az account get-access-token --resource "\$\(azureDevOpsResource\)"/);
    assert.match(text, /azureDevOpsResource\n\s+value: 499b84ac-1321-427f-aa17-267ca6975798/);
    assert.match(script, /echo "##vso\[task\.setsecret\]\$TOKEN"/, 'the token is masked before tfx runs');
    assert.match(script, /npx tfx extension publish --vsix "\$VSIX" --service-url https:\/\/marketplace\.visualstudio\.com \\\n\s+--auth-type pat --token "\$TOKEN"/);
    assert.doesNotMatch(text, /AZURE_DEVOPS_EXT_PAT|\$\([^)]*[Pp][Aa][Tt][^)]*\)|personal access token:/, 'no PAT variable anywhere');
    assert.doesNotMatch(script, /\$\{\{\s*parameters/, 'parameters reach the script through env, never its text');
  });

  it('publishes the CLI tarball to npm with the token from a secret variable mapped through env, without --provenance', () => {
    const [job] = jobsOf('npm');
    assert.ok(job?.['deployment'] && job['environment']);
    const publish = stepsOf(job!).find((s) => /npm publish/.test(scriptOf(s)));
    assert.ok(publish);
    assert.deepEqual(publish['env'], { NPM_TOKEN: '$(NPM_TOKEN)' });
    const script = scriptOf(publish);
    assert.match(script, /npm publish "\$TARBALL" --access public --userconfig "\$NPMRC"/);
    assert.doesNotMatch(script, /\$\(NPM_TOKEN\)/, 'the secret is never pasted into the script');
    assert.doesNotMatch(script, /--provenance/, 'npm refuses --provenance outside GitHub Actions and GitLab CI/CD');
  });

  it('docs/publishing.md walks through it and says honestly where npm provenance works', () => {
    assert.match(publishing, /\.azure-pipelines\/release\.yml/);
    assert.match(publishing, /provenance/);
    assert.match(publishing, /GitHub Actions/);
    assert.match(publishing, /GitLab CI\/CD/);
    assert.match(publishing.replace(/\*\*/g, '').replace(/\s+/g, ' '), /provenance is not supported on Azure Pipelines/);
    for (const name of ['pat-lifecycle-marketplace', 'release-marketplace', 'release-npm', 'pat-lifecycle-release', 'NPM_TOKEN', 'marketplaceConnection']) {
      assert.ok(publishing.includes(name), `docs/publishing.md does not name ${name}`);
    }
  });
});
