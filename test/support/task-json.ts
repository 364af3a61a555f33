// Reading and checking tasks/PatLifecycleV1/task.json: the schema rules tfx only warns about,
// and an evaluator for `visibleRule` so tests can ask "which inputs does a user see for action X?".
// Usable by any test: `loadTaskJson()`, `inputNames()`, `defaultInputs()`, `visibleInputs()`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
export const TASK_DIR = join(REPO_ROOT, 'tasks', 'PatLifecycleV1');
export const TASK_JSON_PATH = join(TASK_DIR, 'task.json');

export interface TaskInput {
  name: string;
  type: string;
  label?: string;
  aliases?: string[];
  defaultValue?: string | boolean;
  required?: boolean;
  helpMarkDown?: string;
  groupName?: string;
  visibleRule?: string;
  properties?: Record<string, string | boolean>;
  options?: Record<string, string>;
}

export interface TaskHandler {
  target: string;
  argumentFormat?: string;
  workingDirectory?: string;
  platforms?: string[];
}

export interface TaskJson {
  $schema?: string;
  id: string;
  name: string;
  friendlyName: string;
  description: string;
  helpMarkDown?: string;
  helpUrl?: string;
  category: string;
  author: string;
  runsOn?: string[];
  visibility?: string[];
  version: { Major: number; Minor: number; Patch: number };
  minimumAgentVersion?: string;
  instanceNameFormat: string;
  groups?: Array<{ name: string; displayName: string; isExpanded?: boolean }>;
  inputs: TaskInput[];
  dataSourceBindings?: Array<Record<string, unknown>>;
  outputVariables?: Array<{ name: string; description?: string }>;
  execution: Record<string, TaskHandler>;
  messages?: Record<string, string>;
  [key: string]: unknown;
}

export function loadTaskJson(path: string = TASK_JSON_PATH): TaskJson {
  return JSON.parse(readFileSync(path, 'utf8')) as TaskJson;
}

export function inputNames(task: TaskJson): string[] {
  return task.inputs.map((i) => i.name);
}

export function findInput(task: TaskJson, name: string): TaskInput {
  const input = task.inputs.find((i) => i.name === name);
  if (!input) throw new Error(`task.json has no input ${name}`);
  return input;
}

// ---- the schema (azure-pipelines-task-lib tasks.schema.json, as summarised in spec/pipelines-tasks.md §1) ----

export const SCHEMA = {
  topLevelKeys: [
    'id', 'name', 'friendlyName', 'description', 'helpUrl', 'helpMarkDown', 'author', 'preview', 'deprecated',
    'removalDate', 'deprecationMessage', 'showEnvironmentVariables', 'runsOn', 'visibility', 'category', 'groups',
    'demands', 'minimumAgentVersion', 'version', 'instanceNameFormat', 'releaseNotes', 'inputs', 'dataSourceBindings',
    'sourceDefinitions', 'prejobexecution', 'execution', 'postjobexecution', 'messages', 'outputVariables',
    'restrictions', '$schema',
  ],
  inputKeys: [
    'name', 'aliases', 'label', 'type', 'defaultValue', 'required', 'helpMarkDown', 'groupName', 'visibleRule',
    'properties', 'options',
  ],
  inputTypes: [
    'boolean', 'filePath', 'multiLine', 'pickList', 'radio', 'secureFile', 'string', 'int', 'identities', 'querycontrol',
  ],
  propertyKeys: [
    'EditableOptions', 'MultiSelect', 'MultiSelectFlatList', 'DisableManageLink', 'IsSearchable', 'PopulateDefaultValue',
    'isVariableOrNonNegativeNumber', 'resizable', 'rows', 'maxLength', 'editorExtension', 'EndpointFilterRule',
  ],
  trueFalseProperties: [
    'EditableOptions', 'MultiSelect', 'MultiSelectFlatList', 'DisableManageLink', 'IsSearchable', 'PopulateDefaultValue',
  ],
  dataSourceBindingKeys: [
    'target', 'endpointId', 'dataSourceName', 'parameters', 'resultTemplate', 'endpointUrl', 'resultSelector',
    'RequestVerb', 'requestContent', 'callbackContextTemplate', 'callbackRequiredTemplate', 'initialContextTemplate',
  ],
  runsOn: ['Agent', 'MachineGroup', 'Server', 'ServerGate', 'DeploymentGroup'],
  visibility: ['Build', 'Release'],
  category: [
    'Build', 'Utility', 'Test', 'Package', 'Deploy', 'Azure Repos', 'Azure Boards', 'Azure Pipelines',
    'Azure Test Plans', 'Azure Artifacts',
  ],
  /** Keys the schema accepts under execution; we use only the ones in `handlersWeShip`. */
  executionKeys: ['Node24', 'Node20_1', 'Node16', 'Node10', 'Node', 'PowerShell3', 'PowerShell', 'HttpRequest', 'HttpRequestChain'],
  handlersWeShip: ['Node20_1', 'Node24'],
  handlerKeys: ['target', 'argumentFormat', 'workingDirectory', 'platforms'],
  guid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  taskName: /^[A-Za-z0-9-]+$/,
  inputName: /^[A-Za-z][A-Za-z0-9]*$/,
  outputName: /^[A-Za-z][A-Za-z0-9]*$/,
  agentVersion: /^\d+\.\d+(\.\d+)?$/,
  friendlyNameMax: 40,
} as const;

export function isValidInputType(type: string): boolean {
  return (SCHEMA.inputTypes as readonly string[]).includes(type) || /^connectedService:.+$/.test(type);
}

/**
 * Every schema rule we can check statically (the task.json alone). Returns the problems; empty is valid.
 * File existence of execution targets is checked by the caller (it depends on a build).
 */
export function schemaProblems(task: TaskJson): string[] {
  const problems: string[] = [];
  const has = (list: readonly string[], v: string) => list.includes(v);

  for (const key of Object.keys(task)) if (!has(SCHEMA.topLevelKeys, key)) problems.push(`unknown top-level key ${key}`);
  if (typeof task.id !== 'string' || !SCHEMA.guid.test(task.id)) problems.push(`id ${String(task.id)} is not a GUID`);
  if (!SCHEMA.taskName.test(task.name ?? '')) problems.push(`name ${task.name} does not match ${SCHEMA.taskName}`);
  if (!task.friendlyName || task.friendlyName.length > SCHEMA.friendlyNameMax) {
    problems.push(`friendlyName must be 1-${SCHEMA.friendlyNameMax} chars`);
  }
  if (!task.instanceNameFormat) problems.push('instanceNameFormat is required');
  if (!has(SCHEMA.category, task.category)) problems.push(`category ${task.category} is not allowed`);
  for (const r of task.runsOn ?? []) if (!has(SCHEMA.runsOn, r)) problems.push(`runsOn ${r} is not allowed`);
  for (const v of task.visibility ?? []) if (!has(SCHEMA.visibility, v)) problems.push(`visibility ${v} is not allowed`);
  if (task.minimumAgentVersion !== undefined && !SCHEMA.agentVersion.test(task.minimumAgentVersion)) {
    problems.push(`minimumAgentVersion ${task.minimumAgentVersion} is malformed`);
  }
  const v = task.version;
  if (!v || ![v.Major, v.Minor, v.Patch].every((n) => Number.isInteger(n) && n >= 0)) {
    problems.push('version needs integer Major, Minor and Patch');
  }

  // execution / handlers
  for (const section of ['prejobexecution', 'execution', 'postjobexecution'] as const) {
    const handlers = task[section] as Record<string, TaskHandler> | undefined;
    if (handlers === undefined) continue;
    for (const [key, handler] of Object.entries(handlers)) {
      if (!has(SCHEMA.executionKeys, key)) problems.push(`${section}.${key} is not a known handler`);
      if (!handler || typeof handler.target !== 'string' || handler.target === '') problems.push(`${section}.${key}.target is required`);
      for (const k of Object.keys(handler ?? {})) if (!has(SCHEMA.handlerKeys, k)) problems.push(`${section}.${key}.${k} is not allowed`);
    }
  }

  // groups
  const groupNames = new Set((task.groups ?? []).map((g) => g.name));
  // inputs
  const names = new Set<string>();
  for (const input of task.inputs ?? []) {
    const where = `input ${input.name}`;
    for (const key of Object.keys(input)) if (!has(SCHEMA.inputKeys, key)) problems.push(`${where}: key ${key} is not allowed`);
    if (!SCHEMA.inputName.test(input.name ?? '')) problems.push(`${where}: name does not match ${SCHEMA.inputName}`);
    if (names.has(input.name)) problems.push(`${where}: duplicate name`);
    names.add(input.name);
    for (const alias of input.aliases ?? []) {
      if (!SCHEMA.inputName.test(alias)) problems.push(`${where}: alias ${alias} does not match ${SCHEMA.inputName}`);
      if (names.has(alias)) problems.push(`${where}: alias ${alias} collides with another name`);
      names.add(alias);
    }
    if (!isValidInputType(input.type)) problems.push(`${where}: type ${input.type} is not allowed`);
    if (input.defaultValue !== undefined && typeof input.defaultValue !== 'string' && typeof input.defaultValue !== 'boolean') {
      problems.push(`${where}: defaultValue must be a string or boolean`);
    }
    if (input.required !== undefined && typeof input.required !== 'boolean') problems.push(`${where}: required must be a boolean`);
    if (input.groupName !== undefined && !groupNames.has(input.groupName)) problems.push(`${where}: group ${input.groupName} does not exist`);
    for (const [key, value] of Object.entries(input.properties ?? {})) {
      if (!has(SCHEMA.propertyKeys, key)) problems.push(`${where}: property ${key} is not allowed`);
      if (has(SCHEMA.trueFalseProperties, key) && value !== 'True' && value !== 'False') {
        problems.push(`${where}: property ${key} must be "True" or "False"`);
      }
    }
    if (input.type === 'pickList' || input.type === 'radio') {
      const editable = input.properties?.EditableOptions === 'True';
      const options = Object.keys(input.options ?? {});
      if (!editable && options.length === 0) problems.push(`${where}: a fixed pick list needs options`);
      if (!editable && input.defaultValue !== undefined && input.defaultValue !== '' && !options.includes(String(input.defaultValue))) {
        problems.push(`${where}: default ${String(input.defaultValue)} is not among the options`);
      }
    }
    if (input.type === 'boolean' && input.defaultValue !== undefined && !['true', 'false'].includes(String(input.defaultValue))) {
      problems.push(`${where}: a boolean default must be true or false`);
    }
    if (input.type === 'int' && input.defaultValue !== undefined && input.defaultValue !== '' && !/^-?\d+$/.test(String(input.defaultValue))) {
      problems.push(`${where}: an int default must be an integer`);
    }
  }
  // visible rules: parse, refer to inputs that exist, compare pick lists and booleans with values they can take
  for (const input of task.inputs ?? []) {
    if (input.visibleRule === undefined) continue;
    try {
      const rule = parseVisibleRule(input.visibleRule);
      for (const p of rule.predicates) {
        const ref = task.inputs.find((i) => i.name === p.input);
        if (!ref) {
          problems.push(`input ${input.name}: visibleRule refers to unknown input ${p.input}`);
          continue;
        }
        if (ref.name === input.name) problems.push(`input ${input.name}: visibleRule refers to itself`);
        if ((ref.type === 'pickList' || ref.type === 'radio') && ref.properties?.EditableOptions !== 'True') {
          if (!Object.keys(ref.options ?? {}).includes(p.value)) {
            problems.push(`input ${input.name}: visibleRule compares ${p.input} with ${p.value}, which is not one of its options`);
          }
        }
        if (ref.type === 'boolean' && p.value !== 'true' && p.value !== 'false') {
          problems.push(`input ${input.name}: visibleRule compares boolean ${p.input} with ${p.value}`);
        }
      }
    } catch (err) {
      problems.push(`input ${input.name}: ${(err as Error).message}`);
    }
  }

  // dataSourceBindings
  for (const [i, b] of (task.dataSourceBindings ?? []).entries()) {
    for (const key of Object.keys(b)) if (!has(SCHEMA.dataSourceBindingKeys, key)) problems.push(`dataSourceBindings[${i}]: key ${key} is not allowed`);
    if (typeof b.target === 'string' && !task.inputs.some((x) => x.name === b.target)) {
      problems.push(`dataSourceBindings[${i}]: target ${b.target} is not an input`);
    }
    const endpoint = typeof b.endpointId === 'string' ? /^\$\(([A-Za-z][A-Za-z0-9]*)\)$/.exec(b.endpointId) : null;
    if (typeof b.endpointId === 'string' && (!endpoint || !task.inputs.some((x) => x.name === endpoint[1] && x.type.startsWith('connectedService:')))) {
      problems.push(`dataSourceBindings[${i}]: endpointId ${b.endpointId} does not name a service connection input`);
    }
  }

  // outputVariables
  for (const o of task.outputVariables ?? []) {
    if (!SCHEMA.outputName.test(o.name ?? '')) problems.push(`output variable ${o.name} does not match ${SCHEMA.outputName}`);
    for (const key of Object.keys(o)) if (key !== 'name' && key !== 'description') problems.push(`output variable ${o.name}: key ${key} is not allowed`);
  }

  // instanceNameFormat refers to inputs that exist
  for (const m of (task.instanceNameFormat ?? '').matchAll(/\$\(([^)]+)\)/g)) {
    if (!task.inputs.some((i) => i.name === m[1])) problems.push(`instanceNameFormat refers to unknown input ${m[1]}`);
  }
  return problems;
}

// ---- visibleRule ------------------------------------------------------------------------------------
//
// The grammar the Azure DevOps editor and the YAML validator accept:
//   rule      := predicate ( '&&' predicate )*  |  predicate ( '||' predicate )*
//   predicate := inputName op value          op := '=' | '==' | '!='
// No parentheses, and `&&` and `||` cannot be mixed in one rule (microsoft/azure-pipelines-task-lib#871,
// microsoft/azure-pipelines-tasks#12649). Comparisons ignore case. We also require plain alphanumeric
// values: other characters have been reported to break rules (azure-pipelines-task-lib#833).
// Hidden inputs keep their values (azure-pipelines-tasks#1658), so a rule that names a hidden input
// still sees that input's value; `visibleInputs` evaluates rules the same way.

export interface VisiblePredicate {
  input: string;
  operator: '==' | '!=';
  value: string;
}

export interface VisibleRule {
  combinator: '&&' | '||' | null;
  predicates: VisiblePredicate[];
}

export function parseVisibleRule(rule: string): VisibleRule {
  const hasAnd = rule.includes('&&');
  const hasOr = rule.includes('||');
  if (hasAnd && hasOr) throw new Error(`visibleRule "${rule}" mixes && and ||, which is not supported`);
  if (/[()]/.test(rule)) throw new Error(`visibleRule "${rule}" uses parentheses, which are not supported`);
  const combinator = hasAnd ? '&&' : hasOr ? '||' : null;
  const parts = combinator ? rule.split(combinator) : [rule];
  const predicates = parts.map((part) => {
    const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(==|!=|=)\s*([A-Za-z0-9]+)\s*$/.exec(part);
    if (!m) throw new Error(`visibleRule "${rule}": cannot parse "${part.trim()}" (expected "input = value" or "input != value")`);
    const operator: '==' | '!=' = m[2] === '!=' ? '!=' : '==';
    return { input: m[1], operator, value: m[3] };
  });
  return { combinator, predicates };
}

export function evaluateVisibleRule(rule: string, values: Readonly<Record<string, string>>): boolean {
  const parsed = parseVisibleRule(rule);
  const results = parsed.predicates.map((p) => {
    const actual = (values[p.input] ?? '').toLowerCase();
    const equal = actual === p.value.toLowerCase();
    return p.operator === '==' ? equal : !equal;
  });
  return parsed.combinator === '||' ? results.some(Boolean) : results.every(Boolean);
}

/** The values a fresh step starts with: every input's defaultValue, as strings. */
export function defaultInputs(task: TaskJson): Record<string, string> {
  const values: Record<string, string> = {};
  for (const i of task.inputs) values[i.name] = i.defaultValue === undefined ? '' : String(i.defaultValue);
  return values;
}

/** Names of the inputs shown for these values (defaults filled in for everything not given), in task.json order. */
export function visibleInputs(task: TaskJson, values: Readonly<Record<string, string>> = {}): string[] {
  const all = { ...defaultInputs(task), ...values };
  return task.inputs.filter((i) => i.visibleRule === undefined || evaluateVisibleRule(i.visibleRule, all)).map((i) => i.name);
}
