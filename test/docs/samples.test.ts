// Every pipeline in samples/ is valid YAML and uses PatLifecycle@1 the way task.json allows: every input exists
// (or is an alias), every input that is required where it is shown is given, pick lists hold one of their options,
// and outputs referenced as $(step.name) exist. Steps inside template expressions (`${{ each }}`, `${{ if }}`) are
// found by walking the expressions' values.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { REPO_ROOT, evaluateVisibleRule, loadTaskJson, parseVisibleRule, type TaskInput, type TaskJson } from '../support/task-json';

const SAMPLES_DIR = join(REPO_ROOT, 'samples');
const task = loadTaskJson();
const TASK_REF = new RegExp(`^${task.name}@(\\d+)$`, 'i');

/** `${{ each x in y }}`, `${{ if ... }}`, `${{ else }}`: a key whose value is inserted in place of the key. */
const TEMPLATE_KEY = /^\$\{\{.*\}\}$/s;
/** A value the pipeline fills in at run or compile time: `$(var)`, `${{ expr }}`, `$[ expr ]`. */
const EXPRESSION = /\$\(|\$\{\{|\$\[/;

interface FoundStep {
  /** Where in the document, for messages: `stages[0].jobs[0]...`. */
  path: string;
  /** Whether a template expression encloses the step. */
  inTemplateExpression: boolean;
  step: Record<string, unknown>;
}

interface Sample {
  file: string;
  text: string;
  doc: unknown;
  steps: FoundStep[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every mapping with `task: PatLifecycle@<n>`, anywhere: under stages, jobs, steps and template expressions alike. */
function findTaskSteps(node: unknown, path = '', inTemplate = false, out: FoundStep[] = []): FoundStep[] {
  if (Array.isArray(node)) {
    node.forEach((item, i) => findTaskSteps(item, `${path}[${i}]`, inTemplate, out));
  } else if (isObject(node)) {
    if (typeof node.task === 'string' && /^PatLifecycle@/i.test(node.task.trim())) {
      out.push({ path: path || '(root)', inTemplateExpression: inTemplate, step: node });
    }
    for (const [key, value] of Object.entries(node)) {
      findTaskSteps(value, path ? `${path}.${key}` : key, inTemplate || TEMPLATE_KEY.test(key), out);
    }
  }
  return out;
}

/**
 * The step's inputs as name -> value. Keys that are template expressions (`${{ if ... }}:`) contribute the inputs
 * they may insert; a value that is not a scalar is kept as its YAML text.
 */
function flattenInputs(inputs: unknown, out: Map<string, string> = new Map()): Map<string, string> {
  if (!isObject(inputs)) return out;
  for (const [key, value] of Object.entries(inputs)) {
    if (TEMPLATE_KEY.test(key)) {
      if (Array.isArray(value)) value.forEach((v) => flattenInputs(v, out));
      else flattenInputs(value, out);
      continue;
    }
    out.set(key, value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return out;
}

function loadSamples(): Sample[] {
  return readdirSync(SAMPLES_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(join(SAMPLES_DIR, file), 'utf8');
      const parsed = parseDocument(text, { prettyErrors: true });
      const problems = [...parsed.errors, ...parsed.warnings].map((e) => e.message);
      assert.deepEqual(problems, [], `${file} is not valid YAML:\n${problems.join('\n')}`);
      const doc: unknown = parsed.toJS({ maxAliasCount: 100 });
      return { file, text, doc, steps: findTaskSteps(doc) };
    });
}

/** Input by YAML name or alias. */
function inputByName(t: TaskJson): Map<string, TaskInput> {
  const map = new Map<string, TaskInput>();
  for (const input of t.inputs) {
    map.set(input.name, input);
    for (const alias of input.aliases ?? []) map.set(alias, input);
  }
  return map;
}

/** The step's values by canonical input name, with task.json defaults for what the step leaves out. */
function effectiveValues(t: TaskJson, given: Map<string, string>): Record<string, string> {
  const byName = inputByName(t);
  const values: Record<string, string> = {};
  for (const input of t.inputs) values[input.name] = input.defaultValue === undefined ? '' : String(input.defaultValue);
  for (const [key, value] of given) {
    const input = byName.get(key);
    if (input) values[input.name] = value;
  }
  return values;
}

/**
 * Whether an input is shown for these values. When a rule names an input whose value is an expression (unknown until
 * the pipeline runs), every option of that pick list is tried: an input that may be shown counts as shown.
 */
function maybeVisible(t: TaskJson, input: TaskInput, values: Record<string, string>): boolean {
  if (input.visibleRule === undefined) return true;
  const referenced = [...new Set(parseVisibleRule(input.visibleRule).predicates.map((p) => p.input))];
  const unknown = referenced.filter((name) => EXPRESSION.test(values[name] ?? ''));
  let candidates: Record<string, string>[] = [values];
  for (const name of unknown) {
    const ref = t.inputs.find((i) => i.name === name);
    const options = ref?.type === 'boolean' ? ['true', 'false'] : Object.keys(ref?.options ?? {});
    if (options.length === 0) continue; // free text: the expression stays as it is and never equals a literal
    candidates = candidates.flatMap((c) => options.map((o) => ({ ...c, [name]: o })));
  }
  return candidates.some((c) => evaluateVisibleRule(input.visibleRule!, c));
}

/** What is wrong with one PatLifecycle@1 step, against task.json. */
function stepProblems(t: TaskJson, found: FoundStep): string[] {
  const problems: string[] = [];
  const where = found.path;
  const ref = String(found.step.task).trim();
  const major = TASK_REF.exec(ref)?.[1];
  if (major === undefined || Number(major) !== t.version.Major) {
    problems.push(`${where}: task '${ref}' is not ${t.name}@${t.version.Major}`);
    return problems;
  }
  if (!isObject(found.step.inputs)) {
    problems.push(`${where}: has no inputs mapping`);
    return problems;
  }
  const given = flattenInputs(found.step.inputs);
  const byName = inputByName(t);

  // Every key is an input (or an alias), and no input is given twice under its name and an alias.
  const seen = new Map<string, string>();
  for (const key of given.keys()) {
    const input = byName.get(key);
    if (!input) {
      const near = t.inputs.find((i) => i.name.toLowerCase() === key.toLowerCase());
      problems.push(`${where}: '${key}' is not an input of ${t.name}@${t.version.Major}${near ? ` (did you mean '${near.name}'?)` : ''}`);
      continue;
    }
    const other = seen.get(input.name);
    if (other !== undefined) problems.push(`${where}: '${key}' and '${other}' both set input '${input.name}'`);
    seen.set(input.name, key);
  }

  const values = effectiveValues(t, given);
  const givenNames = new Set([...given.keys()].map((k) => byName.get(k)?.name).filter((n): n is string => n !== undefined));

  for (const input of t.inputs) {
    const value = givenNames.has(input.name) ? values[input.name] : undefined;
    const isExpression = value !== undefined && EXPRESSION.test(value);

    // Required where shown, and no default to fall back on.
    const hasDefault = input.defaultValue !== undefined && String(input.defaultValue) !== '';
    if (input.required && !hasDefault && maybeVisible(t, input, values) && (value === undefined || value.trim() === '')) {
      const when = input.visibleRule ? ` (shown when ${input.visibleRule})` : '';
      problems.push(`${where}: required input '${input.name}'${when} is missing`);
    }
    if (value === undefined || isExpression) continue;

    // Values of the right kind.
    if ((input.type === 'pickList' || input.type === 'radio') && input.properties?.EditableOptions !== 'True') {
      const options = Object.keys(input.options ?? {});
      if (!options.includes(value)) problems.push(`${where}: '${input.name}: ${value}' is not one of ${options.join(', ')}`);
    }
    // `target` is editable so that YAML can list several of its options (src/config/destinations.ts).
    if (input.name === 'target') {
      const options = Object.keys(input.options ?? {});
      for (const kind of value.split(/[,\n]/).map((k) => k.trim()).filter(Boolean)) {
        if (!options.includes(kind)) problems.push(`${where}: 'target: ${value}' is not one of ${options.join(', ')} (or a comma-separated list of them)`);
      }
    }
    if (input.type === 'boolean' && !/^(true|false)$/i.test(value)) problems.push(`${where}: '${input.name}: ${value}' is not true or false`);
    if (input.type === 'int' && !/^-?\d+$/.test(value)) problems.push(`${where}: '${input.name}: ${value}' is not a whole number`);
  }

  // The product's own selection rules (src/config/selector.ts, parse-config.ts), for literal actions.
  const action = values.action;
  const has = (name: string) => givenNames.has(name) && values[name].trim() !== '';
  if (action === 'create') {
    if (!has('patName')) problems.push(`${where}: create needs 'patName'`);
    if (!has('scopes')) problems.push(`${where}: create needs 'scopes'`);
    if (has('authorizationId') || has('patNamePattern')) problems.push(`${where}: create selects no existing PAT (no authorizationId or patNamePattern)`);
  }
  if (action === 'rotate' && !has('patName') && !has('authorizationId') && !has('patNamePattern')) {
    problems.push(`${where}: rotate needs 'patName', 'authorizationId' or 'patNamePattern'`);
  }
  if ((action === 'update' || action === 'revoke') && !has('patName') && !has('authorizationId')) {
    problems.push(`${where}: ${action} needs 'patName' or 'authorizationId'`);
  }
  if ((action === 'update' || action === 'revoke') && has('patNamePattern')) {
    problems.push(`${where}: ${action} does not take 'patNamePattern'`);
  }
  return problems;
}

/** `$(step.var)` and `variables['step.var']` that name a PatLifecycle step: the variable must be one of its outputs. */
function outputReferenceProblems(t: TaskJson, sample: Sample): string[] {
  const names = new Set(sample.steps.map((s) => s.step.name).filter((n): n is string => typeof n === 'string'));
  const outputs = new Set((t.outputVariables ?? []).map((o) => o.name));
  const problems: string[] = [];
  const patterns = [/\$\(([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\)/g, /variables\[\s*'([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)'\s*\]/g];
  for (const pattern of patterns) {
    for (const m of sample.text.matchAll(pattern)) {
      if (names.has(m[1]) && !outputs.has(m[2])) problems.push(`${sample.file}: '${m[0]}' is not an output of ${t.name} (outputs: ${[...outputs].join(', ')})`);
    }
  }
  return problems;
}

/** A secret output pasted into a script's text is printed in the script file; it must arrive through `env:`. */
function inlineSecretProblems(t: TaskJson, sample: Sample): string[] {
  const secretOutputs = (t.outputVariables ?? []).filter((o) => /^Secret\b/i.test(o.description ?? '')).map((o) => o.name);
  const names = sample.steps.map((s) => s.step.name).filter((n): n is string => typeof n === 'string');
  const problems: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((n, i) => visit(n, `${path}[${i}]`));
    else if (isObject(node)) {
      for (const key of ['script', 'bash', 'pwsh', 'powershell']) {
        const body = node[key];
        if (typeof body !== 'string') continue;
        for (const name of names) {
          for (const out of secretOutputs) {
            if (body.includes(`$(${name}.${out})`)) problems.push(`${sample.file} ${path}: the secret $(${name}.${out}) is pasted into a script; map it with env:`);
          }
        }
      }
      for (const [k, v] of Object.entries(node)) visit(v, path ? `${path}.${k}` : k);
    }
  };
  visit(sample.doc, '');
  return problems;
}

describe('docs: samples/*.yml', () => {
  const samples = loadSamples();

  it('has the three samples the README links to', () => {
    const files = samples.map((s) => s.file);
    for (const expected of ['audit.yml', 'create-for-release.yml', 'rotate-on-schedule.yml']) assert.ok(files.includes(expected), `samples/${expected} is missing`);
  });

  for (const sample of samples) {
    describe(sample.file, () => {
      it(`uses ${task.name}@${task.version.Major} at least once`, () => {
        assert.ok(sample.steps.length > 0, `no '- task: ${task.name}@${task.version.Major}' step found in ${sample.file}`);
      });

      it('gives only inputs task.json has, every required one, and valid values', () => {
        const problems = sample.steps.flatMap((s) => stepProblems(task, s));
        assert.deepEqual(problems, [], problems.join('\n'));
      });

      it('reads only outputs the task sets, and secret outputs only through env', () => {
        const problems = [...outputReferenceProblems(task, sample), ...inlineSecretProblems(task, sample)];
        assert.deepEqual(problems, [], problems.join('\n'));
      });
    });
  }

  describe('the sample contracts the README describes', () => {
    const byFile = (file: string) => {
      const s = samples.find((x) => x.file === file);
      assert.ok(s, `samples/${file} is missing`);
      return s;
    };
    const doc = (file: string) => byFile(file).doc as Record<string, unknown>;

    it('rotate-on-schedule: daily cron with always: true, lockBehavior sequential, one step per PAT from ${{ each }}', () => {
      const sample = byFile('rotate-on-schedule.yml');
      const d = doc('rotate-on-schedule.yml');
      const schedules = d.schedules as Array<Record<string, unknown>>;
      assert.ok(Array.isArray(schedules) && schedules.length > 0, 'no schedules');
      assert.equal(schedules[0].always, true);
      assert.match(String(schedules[0].cron), /^\S+ \S+ \* \* \*$/, 'the cron is not daily');
      assert.equal(d.lockBehavior, 'sequential');
      const params = d.parameters as Array<Record<string, unknown>>;
      assert.ok(params.some((p) => p.type === 'object' && Array.isArray(p.default)), 'no object parameter with a list of PATs');
      assert.ok(sample.steps.length > 0 && sample.steps.every((s) => s.inTemplateExpression), 'the task step is not inside ${{ each }}');
      assert.ok(sample.steps.every((s) => Object.keys(s.step).length > 0 && /\$\{\{\s*pat\./.test(JSON.stringify(s.step.inputs))), 'the step does not use the loop variable');
      assert.ok(/environment:\s*\S+/.test(sample.text), 'the job uses no environment (for the Exclusive Lock check)');
    });

    it('create-for-release: outputOnly create, token mapped into env, revoke with always() by authorizationId', () => {
      const sample = byFile('create-for-release.yml');
      const create = sample.steps.find((s) => flattenInputs(s.step.inputs).get('action') === 'create');
      assert.ok(create, 'no create step');
      assert.equal(flattenInputs(create.step.inputs).get('target'), 'outputOnly');
      const name = create.step.name;
      assert.equal(typeof name, 'string', 'the create step has no name: its outputs cannot be referenced');
      const steps = (doc('create-for-release.yml').steps as Array<Record<string, unknown>>) ?? [];
      const script = steps.find((s) => isObject(s.env) && Object.values(s.env).includes(`$(${String(name)}.token)`));
      assert.ok(script, `no step maps $(${String(name)}.token) into env`);
      const revoke = sample.steps.find((s) => flattenInputs(s.step.inputs).get('action') === 'revoke');
      assert.ok(revoke, 'no revoke step');
      assert.equal(flattenInputs(revoke.step.inputs).get('authorizationId'), `$(${String(name)}.authorizationId)`);
      assert.match(String(revoke.step.condition), /always\(\)/);
      assert.ok(steps.indexOf(revoke.step) === steps.length - 1, 'revoke is not the last step');
    });

    it('audit: a scheduled list', () => {
      const sample = byFile('audit.yml');
      assert.ok(Array.isArray(doc('audit.yml').schedules), 'no schedules');
      assert.ok(sample.steps.some((s) => flattenInputs(s.step.inputs).get('action') === 'list'), 'no list step');
    });
  });

  // The checker itself: a checker that finds nothing wrong with anything proves nothing.
  describe('the sample checker', () => {
    const check = (yamlText: string) => findTaskSteps(parseDocument(yamlText).toJS()).flatMap((s) => stepProblems(task, s));
    const signIn = `
      tenantId: $(PatLifecycle.TenantId)
      clientId: $(PatLifecycle.ClientId)
      refreshToken: $(PatLifecycle.RefreshToken)
      refreshTokenStore: none`;

    it('finds steps inside ${{ each }} and ${{ if }} blocks', () => {
      const doc = parseDocument(`
steps:
  - \${{ each p in parameters.pats }}:
    - \${{ if eq(p.enabled, true) }}:
      - task: PatLifecycle@1
        inputs: { action: list }
`).toJS();
      const found = findTaskSteps(doc);
      assert.equal(found.length, 1);
      assert.equal(found[0].inTemplateExpression, true);
    });

    it('accepts a complete step and the alias ConnectedServiceName', () => {
      assert.deepEqual(check(`
steps:
  - task: PatLifecycle@1
    inputs:
      action: rotate${signIn}
      displayName: feed
      target: keyVault
      ConnectedServiceName: arm
      keyVault: kv
      secretName: FeedPat
`), []);
    });

    it('reports an unknown input, a missing required input, a bad pick-list value and a wrong major version', () => {
      const problems = check(`
steps:
  - task: PatLifecycle@1
    inputs:
      action: rotate${signIn}
      patName: feed
      target: vault
      patname: x
  - task: PatLifecycle@1
    inputs:
      action: rotate${signIn}
      displayName: feed
      target: variableGroup
      variableName: FeedPat
  - task: PatLifecycle@2
    inputs: { action: list }
`).join('\n');
      assert.match(problems, /'patname' is not an input .*did you mean 'patName'/);
      assert.match(problems, /'target: vault' is not one of variableGroup, keyVault, serviceConnection, outputOnly/);
      assert.match(problems, /required input 'variableGroup'/);
      assert.match(problems, /'PatLifecycle@2' is not PatLifecycle@1/);
    });

    it('takes inputs from ${{ if }} blocks inside inputs, and requires what an expression-valued pick list may show', () => {
      const problems = check(`
steps:
  - task: PatLifecycle@1
    inputs:
      action: rotate${signIn}
      displayName: feed
      target: \${{ parameters.target }}
      \${{ if eq(parameters.target, 'variableGroup') }}:
        variableGroup: pats
        variableName: FeedPat
`).join('\n');
      assert.doesNotMatch(problems, /'variableGroup'.* is missing/);
      assert.match(problems, /required input 'azureSubscription'/, 'target may be keyVault, so the vault inputs are required');
    });

    it('reports a step that leaves out refreshTokenStore, which has no default', () => {
      const problems = check(`
steps:
  - task: PatLifecycle@1
    inputs:
      action: list
      tenantId: $(PatLifecycle.TenantId)
      clientId: $(PatLifecycle.ClientId)
      refreshToken: $(PatLifecycle.RefreshToken)
`).join('\n');
      assert.match(problems, /required input 'refreshTokenStore' is missing/);
    });

    it('does not require inputs hidden for the step\'s action', () => {
      assert.deepEqual(check(`
steps:
  - task: PatLifecycle@1
    inputs:
      action: revoke${signIn}
      authorizationId: $(createPat.authorizationId)
`), []);
    });
  });
});
