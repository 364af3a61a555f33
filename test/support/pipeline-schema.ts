/**
 * Validation against the published schemas (copies in test/conformance/specs): task.json against tasks.schema.json, and
 * pipelines against the Azure Pipelines YAML schema (azure-pipelines-service-schema.json) with an entry for
 * PatLifecycle@1 generated from task.json in the shape the schema gives every built-in task. The schema knows only
 * Microsoft's tasks; the editor tooling adds an organization's own tasks the same way.
 *
 * Facts about these schemas this follows: tasks.schema.json is draft-04 with patterns that need non-unicode
 * regular expressions; the YAML schema treats every scalar as a string (parse with the failsafe schema); aliases are
 * a custom keyword, so an alias is listed as a property of its own; template expressions are expanded first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import { parse } from 'yaml';
import type { TaskJson } from './task-json';

/** The schemas' copies kept in the repository (test/conformance/specs/README.md says where each comes from). */
const SPEC_DIR = join(__dirname, '..', 'conformance', 'specs');

const readJson = (file: string) => JSON.parse(readFileSync(join(SPEC_DIR, file), 'utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;

let taskSchema: ValidateFunction | undefined;

/** Ajv's findings for a task.json against tasks.schema.json (empty: valid). */
export function taskJsonSchemaErrors(task: unknown): string[] {
  taskSchema ??= new AjvDraft04({ strict: false, allErrors: true, unicodeRegExp: false, logger: false }).compile(readJson('tasks.schema.json'));
  return taskSchema(task) ? [] : (taskSchema.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
}

interface SchemaInput {
  type?: string;
  $ref?: string;
  enum?: string[];
  description: string;
  ignoreCase: 'key' | 'all';
  aliases?: string[];
}

/** The `definitions.task.anyOf` entry for this task, as the schema has one for each built-in task. */
export function taskSchemaEntry(task: TaskJson): object {
  const properties: Record<string, SchemaInput> = {};
  const required: string[] = [];
  for (const input of task.inputs) {
    const options = Object.keys(input.options ?? {});
    const editable = String(input.properties?.['EditableOptions'] ?? '').toLowerCase() === 'true';
    let shape: Pick<SchemaInput, 'type' | '$ref' | 'enum' | 'ignoreCase'>;
    if (input.type === 'pickList' && options.length > 0 && !editable) shape = { enum: options, ignoreCase: 'all' };
    // Booleans are YAML scalars, strings to the service; the schema's own `boolean` definition says which ones.
    else if (input.type === 'boolean') shape = { $ref: '#/definitions/boolean', ignoreCase: 'key' };
    else shape = { type: 'string', ignoreCase: 'key' };
    const entry: SchemaInput = { ...shape, description: input.label ?? input.name, ...(input.aliases?.length ? { aliases: input.aliases } : {}) };
    properties[input.name] = entry;
    for (const alias of input.aliases ?? []) properties[alias] = entry;
    // As for the built-in tasks: required, no default, and shown in every case.
    if (input.required && (input.defaultValue ?? '') === '' && !input.visibleRule) required.push(input.name);
  }
  const ref = `${task.name}@${task.version.Major}`;
  return {
    properties: {
      task: { description: `${task.friendlyName}\n\n${task.description}`, ignoreCase: 'value', pattern: `^${ref}$` },
      inputs: { description: `${task.friendlyName} inputs`, properties, additionalProperties: false, required },
    },
    doNotSuggest: false,
    firstProperty: ['task'],
    required: ['task', 'inputs'],
  };
}

let pipelineSchema: ValidateFunction | undefined;

/** The Azure Pipelines YAML schema with this task added; compiled once per process. */
export function pipelineValidator(task: TaskJson): ValidateFunction {
  if (pipelineSchema) return pipelineSchema;
  const schema = readJson('azure-pipelines-service-schema.json') as { definitions: { task: { anyOf: object[]; properties: { task: { anyOf: object[] } } } } };
  schema.definitions.task.anyOf.push(taskSchemaEntry(task));
  schema.definitions.task.properties.task.anyOf.push({ description: task.friendlyName, doNotSuggest: false, ignoreCase: 'value', enum: [`${task.name}@${task.version.Major}`] });
  pipelineSchema = new Ajv({ strict: false, allErrors: false, unicodeRegExp: false, logger: false, validateSchema: false }).compile(schema);
  return pipelineSchema;
}

const EACH = /^\$\{\{\s*each\s+(\w+)\s+in\s+([\w.]+)\s*\}\}$/;
const CONDITIONAL = /^\$\{\{\s*(if|elseif|else)\b.*\}\}$/;
const EXPRESSION = /\$\{\{\s*([\w.]+)\s*\}\}/g;

function lookup(path: string, scope: Record<string, unknown>): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), scope);
}

/**
 * Template expressions expanded as the service does before it applies the schema: `${{ each }}` repeats its body
 * for every item of a parameter's default (in a list, or as a key of a mapping), `${{ if }}` / `${{ else }}` bodies are inlined (every branch is checked),
 * and `${{ path }}` in a string takes the value it names. Other expressions stay as text.
 */
export function expandTemplateExpressions(doc: unknown): unknown {
  const root = doc as Record<string, unknown> | null;
  const parameters: Record<string, unknown> = {};
  if (root && Array.isArray(root['parameters'])) {
    for (const p of root['parameters'] as Array<Record<string, unknown>>) if (typeof p['name'] === 'string') parameters[p['name']] = p['default'];
  }
  const expand = (node: unknown, scope: Record<string, unknown>): unknown => {
    if (typeof node === 'string') {
      const whole = /^\$\{\{\s*([\w.]+)\s*\}\}$/.exec(node);
      if (whole) {
        const value = lookup(whole[1]!, scope);
        return value === undefined ? node : value;
      }
      return node.replace(EXPRESSION, (text, path: string) => {
        const value = lookup(path, scope);
        return typeof value === 'string' ? value : text;
      });
    }
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      for (const item of node) {
        const single = item && typeof item === 'object' && !Array.isArray(item) ? Object.entries(item as object) : [];
        const each = single.length === 1 ? EACH.exec(single[0]![0]) : null;
        if (each) {
          const items = lookup(each[2]!, scope);
          for (const value of Array.isArray(items) ? items : []) {
            const body = expand(single[0]![1], { ...scope, [each[1]!]: value });
            out.push(...(Array.isArray(body) ? body : [body]));
          }
        } else if (single.length === 1 && CONDITIONAL.test(single[0]![0])) {
          const body = expand(single[0]![1], scope);
          out.push(...(Array.isArray(body) ? body : [body]));
        } else out.push(expand(item, scope));
      }
      return out;
    }
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        // `${{ each }}` as a key inserts its body's keys once per item (a matrix built from a parameter's list).
        const each = EACH.exec(key);
        if (each) {
          const items = lookup(each[2]!, scope);
          for (const item of Array.isArray(items) ? items : []) Object.assign(out, expand(value, { ...scope, [each[1]!]: item }));
        } else if (CONDITIONAL.test(key)) Object.assign(out, expand(value, scope));
        else out[String(expand(key, scope))] = expand(value, scope);
      }
      return out;
    }
    return node;
  };
  return expand(doc, { parameters });
}

/** Parses pipeline YAML as the service reads it (every scalar a string) and expands its template expressions. */
export function readPipeline(text: string): unknown {
  return expandTemplateExpressions(parse(text, { schema: 'failsafe' }));
}
