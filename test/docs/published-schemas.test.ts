// task.json against the published tasks.schema.json, and every pipeline in samples/ and in the README against the
// published Azure Pipelines YAML schema, with PatLifecycle@1 added from task.json as the schema has each built-in
// task: a misspelt input, an option that is not one, or a missing required input fails.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorObject } from 'ajv';
import { REPO_ROOT, loadTaskJson } from '../support/task-json';
import { pipelineValidator, readPipeline, taskJsonSchemaErrors, taskSchemaEntry } from '../support/pipeline-schema';

const task = loadTaskJson();

/** The errors that concern a PatLifecycle@1 step: Ajv reports every failed anyOf branch, only ours is of interest. */
function validate(doc: unknown): ErrorObject[] | null {
  const v = pipelineValidator(task);
  return v(doc) ? null : (v.errors ?? []);
}

function readmePipelines(): Array<{ where: string; text: string }> {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)].map((m) => ({ where: `README.md line ${readme.slice(0, m.index).split('\n').length}`, text: m[1]! }));
}

/** A minimal valid pipeline around one step's inputs. */
const pipelineWith = (inputs: Record<string, string>) => ({ steps: [{ task: 'PatLifecycle@1', inputs }] });
const SIGN_IN = { tenantId: '$(PatLifecycle.TenantId)', clientId: '$(PatLifecycle.ClientId)', refreshToken: '$(PatLifecycle.RefreshToken)', refreshTokenStore: 'none' };

describe('published schemas: task.json and the pipelines', function () {
  this.timeout(60_000);

  it('task.json validates against tasks.schema.json', () => {
    assert.deepEqual(taskJsonSchemaErrors(task), []);
  });

  it('tasks.schema.json refuses a string where it declares a boolean (resizable: "true")', () => {
    const copy = JSON.parse(JSON.stringify(task)) as typeof task;
    const multiLine = copy.inputs.find((i) => i.properties && 'resizable' in i.properties)!;
    multiLine.properties!['resizable'] = 'true';
    assert.ok(taskJsonSchemaErrors(copy).some((e) => /resizable must be boolean/.test(e)));
  });

  it('generates the PatLifecycle@1 entry from task.json: every input and alias, pick lists, required inputs', () => {
    const entry = taskSchemaEntry(task) as { properties: { task: { pattern: string }; inputs: { properties: Record<string, { enum?: string[] }>; required: string[]; additionalProperties: boolean } } };
    assert.equal(entry.properties.task.pattern, '^PatLifecycle@1$');
    const inputs = entry.properties.inputs;
    for (const input of task.inputs) {
      assert.ok(inputs.properties[input.name], input.name);
      for (const alias of input.aliases ?? []) assert.ok(inputs.properties[alias], alias);
    }
    assert.deepEqual(inputs.properties['action']!.enum, ['create', 'rotate', 'update', 'revoke', 'list', 'check']);
    assert.deepEqual(inputs.properties['variableGroupAuth']!.enum, ['user', 'job']);
    // target is editable (EditableOptions) so that YAML can list several kinds; Microsoft's schema gives editable pick
    // lists no enum, and the samples checker (test/docs/samples.test.ts) checks each listed kind instead.
    assert.equal(inputs.properties['target']!.enum, undefined);
    // tenantId, clientId and refreshToken are not required: signInConnection may hold them instead (parse-config checks).
    assert.deepEqual(inputs.required.sort(), ['refreshTokenStore']);
    assert.equal(inputs.additionalProperties, false);
  });

  for (const file of readdirSync(join(REPO_ROOT, 'samples')).filter((f) => /\.ya?ml$/.test(f))) {
    it(`samples/${file} validates against the Azure Pipelines schema`, () => {
      const doc = readPipeline(readFileSync(join(REPO_ROOT, 'samples', file), 'utf8'));
      assert.equal(validate(doc), null, JSON.stringify(validate(doc)?.slice(0, 5), null, 1));
    });
  }

  // The project's own release pipeline (docs/publishing.md) uses no PatLifecycle step, but the same schema.
  for (const file of readdirSync(join(REPO_ROOT, '.azure-pipelines')).filter((f) => /\.ya?ml$/.test(f))) {
    it(`.azure-pipelines/${file} validates against the Azure Pipelines schema`, () => {
      const doc = readPipeline(readFileSync(join(REPO_ROOT, '.azure-pipelines', file), 'utf8'));
      assert.equal(validate(doc), null, JSON.stringify(validate(doc)?.slice(0, 5), null, 1));
    });
  }

  it('the schema check refuses a release pipeline with a misspelt AzureCLI@2 input', () => {
    const text = readFileSync(join(REPO_ROOT, '.azure-pipelines', 'release.yml'), 'utf8').replace('scriptType: bash', 'scriptTyp: bash');
    assert.notEqual(validate(readPipeline(text)), null);
  });

  it('every YAML block of the README validates against the Azure Pipelines schema', () => {
    const blocks = readmePipelines();
    assert.ok(blocks.length >= 2);
    for (const { where, text } of blocks) {
      const errors = validate(readPipeline(text));
      assert.equal(errors, null, `${where}: ${JSON.stringify(errors?.slice(0, 5), null, 1)}`);
    }
  });

  it('expands ${{ each }} before validating: the scheduled sample has one step per PAT of its parameter', () => {
    const doc = readPipeline(readFileSync(join(REPO_ROOT, 'samples', 'rotate-on-schedule.yml'), 'utf8'));
    const steps = JSON.stringify(doc).match(/"task":"PatLifecycle@1"/g) ?? [];
    assert.ok(steps.length >= 2, JSON.stringify(doc).slice(0, 500));
    assert.doesNotMatch(JSON.stringify(doc), /\$\{\{\s*each/);
  });

  it('expands ${{ each }} as a mapping key too: the matrix sample has one job per sign-in and one leg per organization', () => {
    const doc = readPipeline(readFileSync(join(REPO_ROOT, 'samples', 'rotate-many-matrix.yml'), 'utf8')) as { jobs: Array<{ job: string; strategy: { matrix: Record<string, Record<string, string>> } }> };
    assert.deepEqual(doc.jobs.map((j) => j.job), ['rotate_platform', 'rotate_release']);
    assert.deepEqual(doc.jobs[0]!.strategy.matrix, { contoso: { organization: 'contoso' }, fabrikam: { organization: 'fabrikam' } });
    assert.deepEqual(doc.jobs[1]!.strategy.matrix, { contoso: { organization: 'contoso' } });
  });

  it('fails a misspelt input, an option that is not one, a missing required input and an unknown task version', () => {
    assert.equal(validate(pipelineWith({ ...SIGN_IN, action: 'list' })), null, 'the minimal step is valid');
    assert.equal(validate(pipelineWith({ ...SIGN_IN, action: 'rotate', ConnectedServiceName: 'arm', lifetimeDays: '30', dryRun: 'true' })), null, 'aliases and scalars');
    assert.notEqual(validate(pipelineWith({ ...SIGN_IN, action: 'list', dispayName: 'feed-reader' })), null, 'misspelt input');
    assert.notEqual(validate(pipelineWith({ ...SIGN_IN, action: 'rotat' })), null, 'misspelt option');
    assert.notEqual(validate(pipelineWith({ ...SIGN_IN, action: 'list', dryRun: 'maybe' })), null, 'not a boolean');
    const { refreshTokenStore: _omit, ...noStore } = SIGN_IN;
    assert.notEqual(validate(pipelineWith({ ...noStore, action: 'list' })), null, 'missing refreshTokenStore');
    assert.equal(validate(pipelineWith({ signInConnection: 'PAT Lifecycle sign-in', refreshTokenStore: 'serviceConnection', action: 'list' })), null, 'the sign-in from a connection');
    assert.notEqual(validate({ steps: [{ task: 'PatLifecycle@2', inputs: { ...SIGN_IN, action: 'list' } }] }), null, 'unknown major version');
  });
});
