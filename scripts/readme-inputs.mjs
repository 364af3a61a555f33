#!/usr/bin/env node
// Generates the "Inputs and outputs" reference (docs/inputs.md) from tasks/PatLifecycleV1/task.json, so the table
// users read is the task's real contract. The section sits between two markers in docs/inputs.md:
//
//   <!-- inputs:start -->  ...generated...  <!-- inputs:end -->
//
//   node scripts/readme-inputs.mjs            rewrite the section in docs/inputs.md
//   node scripts/readme-inputs.mjs --check    exit 1 when the section differs from what task.json gives
//   options: --readme PATH, --task PATH       other files (tests use copies)
//
// test/docs/readme.test.ts runs the same renderer, so a task.json change without a refresh of the page fails CI.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const START_MARKER = '<!-- inputs:start -->';
export const END_MARKER = '<!-- inputs:end -->';
export const DEFAULT_README = join(root, 'docs', 'inputs.md');
export const DEFAULT_TASK_JSON = join(root, 'tasks', 'PatLifecycleV1', 'task.json');

/**
 * A table cell: one line, pipes escaped (GFM needs `\|` even inside code spans), and `<` / `>` outside code spans
 * escaped so a placeholder such as <name> is shown instead of being swallowed as an HTML tag.
 */
function cell(text) {
  return String(text ?? '')
    .replace(/\r?\n+/g, ' ')
    .split('`')
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`')
    .replace(/\|/g, '\\|')
    .trim();
}

function code(text) {
  return `\`${text}\``;
}

/** "a", "a or b", "a, b or c" */
function list(items, word) {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]}`;
}

/**
 * `visibleRule` in words. The editor's grammar: predicates `input = value` / `input != value`, joined by all `&&`
 * or all `||` (never mixed, no parentheses). Anything else is shown verbatim.
 */
export function describeVisibleRule(rule) {
  const hasAnd = rule.includes('&&');
  const hasOr = rule.includes('||');
  const verbatim = code(rule);
  if ((hasAnd && hasOr) || /[()]/.test(rule)) return verbatim;
  const combinator = hasAnd ? '&&' : hasOr ? '||' : null;
  const predicates = [];
  for (const part of combinator ? rule.split(combinator) : [rule]) {
    const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(==|!=|=)\s*([^\s]+)\s*$/.exec(part);
    if (!m) return verbatim;
    predicates.push({ input: m[1], negated: m[2] === '!=', value: m[3] });
  }
  // Consecutive predicates on one input with the same sense read as one clause:
  // "action = create || action = rotate" -> "`action` is `create` or `rotate`".
  const clauses = [];
  for (const p of predicates) {
    const last = clauses[clauses.length - 1];
    if (last && last.input === p.input && last.negated === p.negated) last.values.push(p.value);
    else clauses.push({ input: p.input, negated: p.negated, values: [p.value] });
  }
  const joiner = combinator === '||' ? 'or' : 'and';
  const words = clauses.map((c) => {
    // "is a or b" (||, =) and "is not a, b or c" (&&, !=): the values of one clause read with "or" either way.
    const values = list(c.values.map(code), 'or');
    return `${code(c.input)} is ${c.negated ? 'not ' : ''}${values}`;
  });
  return words.join(`; ${joiner} `);
}

function describeType(input, task) {
  const type = input.type;
  if (type.startsWith('connectedService:')) {
    const kind = type.slice('connectedService:'.length);
    return `service connection (${kind === 'AzureRM' ? 'Azure Resource Manager' : kind})`;
  }
  if (type === 'pickList' || type === 'radio') {
    const options = Object.keys(input.options ?? {});
    const editable = input.properties?.EditableOptions === 'True';
    if (options.length === 0) {
      const listed = (task.dataSourceBindings ?? []).some((b) => b.target === input.name);
      if (editable) return listed ? 'string (the editor lists values from the service connection)' : 'string (editable pick list)';
      return type;
    }
    return `${type}${editable ? ' (editable)' : ''}: ${options.map(code).join(', ')}`;
  }
  if (type === 'multiLine') return 'multiLine (one value per line)';
  return type;
}

function describeDefault(input) {
  const value = input.defaultValue;
  if (value === undefined || value === '') return '';
  return code(String(value));
}

function describeRequired(input) {
  const rule = input.visibleRule;
  const hasDefault = input.defaultValue !== undefined && input.defaultValue !== '';
  if (input.required) {
    const base = hasDefault ? 'yes (has a default)' : 'yes';
    return rule ? `${base}, when ${describeVisibleRule(rule)}` : base;
  }
  return rule ? `no; shown when ${describeVisibleRule(rule)}` : 'no';
}

function describeName(input) {
  const aliases = input.aliases ?? [];
  return aliases.length > 0 ? `${code(input.name)} (alias ${aliases.map(code).join(', ')})` : code(input.name);
}

/** The generated Markdown, markers included. */
export function renderInputsSection(task) {
  const lines = [
    START_MARKER,
    '<!-- Generated from tasks/PatLifecycleV1/task.json by `node scripts/readme-inputs.mjs`. Edit task.json, then run it. -->',
    '',
    `Task \`${task.name}@${task.version.Major}\` (version ${task.version.Major}.${task.version.Minor}.${task.version.Patch}). ` +
      'In YAML, use the names in the first column. *Required* counts only where the input is shown; an input with a default ' +
      'needs no value in YAML.',
  ];
  const groups = [{ name: undefined, displayName: 'General' }, ...(task.groups ?? [])];
  for (const group of groups) {
    const inputs = task.inputs.filter((i) => i.groupName === group.name);
    if (inputs.length === 0) continue;
    lines.push('', `#### ${group.displayName}`, '');
    lines.push('| Input | Label | Type | Default | Required | Help |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    for (const input of inputs) {
      const row = [describeName(input), input.label ?? '', describeType(input, task), describeDefault(input), describeRequired(input), input.helpMarkDown ?? ''];
      lines.push(`| ${row.map(cell).join(' | ')} |`);
    }
  }
  const outputs = task.outputVariables ?? [];
  if (outputs.length > 0) {
    lines.push('', '#### Output variables', '');
    lines.push('Read them in later steps of the same job as `$(<step name>.<variable>)`; give the step a `name:` for that.', '');
    lines.push('| Variable | Description |');
    lines.push('| --- | --- |');
    for (const o of outputs) lines.push(`| ${cell(code(o.name))} | ${cell(o.description ?? '')} |`);
  }
  lines.push('', END_MARKER);
  return lines.join('\n');
}

/** The section as it stands in the README (markers included), or undefined when the markers are missing. */
export function extractSection(readme) {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < 0 || end < start) return undefined;
  return readme.slice(start, end + END_MARKER.length);
}

/** The README with its section replaced by `section`. */
export function replaceSection(readme, section) {
  const current = extractSection(readme);
  if (current === undefined) throw new Error(`README has no ${START_MARKER} ... ${END_MARKER} section`);
  const start = readme.indexOf(START_MARKER);
  return readme.slice(0, start) + section + readme.slice(start + current.length);
}

function parseArgs(argv) {
  const opts = { check: false, readme: DEFAULT_README, task: DEFAULT_TASK_JSON };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') opts.check = true;
    else if (arg === '--readme') opts.readme = resolve(argv[++i] ?? '');
    else if (arg === '--task') opts.task = resolve(argv[++i] ?? '');
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node scripts/readme-inputs.mjs [--check] [--readme PATH] [--task PATH]');
      process.exit(0);
    } else {
      console.error(`readme-inputs: unknown argument ${arg}`);
      process.exit(2);
    }
  }
  return opts;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const task = JSON.parse(readFileSync(opts.task, 'utf8'));
  const readme = readFileSync(opts.readme, 'utf8').replace(/\r\n/g, '\n');
  const current = extractSection(readme);
  if (current === undefined) {
    console.error(`readme-inputs: ${opts.readme} has no ${START_MARKER} ... ${END_MARKER} section`);
    process.exit(1);
  }
  const generated = renderInputsSection(task);
  if (opts.check) {
    if (current !== generated) {
      console.error('readme-inputs: the inputs section of docs/inputs.md is stale; run `node scripts/readme-inputs.mjs`');
      process.exit(1);
    }
    console.log('readme-inputs: docs/inputs.md inputs section is up to date');
    return;
  }
  if (current === generated) {
    console.log('readme-inputs: docs/inputs.md inputs section is up to date');
    return;
  }
  writeFileSync(opts.readme, replaceSection(readme, generated));
  console.log(`readme-inputs: rewrote the inputs section of ${opts.readme}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
