/**
 * The task's form in the classic pipeline editor, drawn from task.json alone: the groups in their order with their
 * displayName (expanded as `isExpanded` says unless a shot opens one), each input's label, required asterisk, help
 * icon and control for its type, and only the inputs whose visibleRule holds for the shot's values (evaluated by
 * test/support/task-json.ts, the evaluator the tests use). The task title is instanceNameFormat with the values in.
 */
import { defaultInputs, visibleInputs, type TaskInput, type TaskJson } from '../../test/support/task-json';
import { esc, icons, page } from './html';
import { inline } from './markdown';

export interface FormShot {
  /** PNG file name under docs/images/. */
  file: string;
  /** What the shot shows, for the console. */
  caption: string;
  /** Input values by name; task.json defaults fill the rest, as for a newly added step. */
  values: Record<string, string>;
  /** Groups to draw expanded (or collapsed) against their `isExpanded`. */
  expand?: string[];
  collapse?: string[];
  /** Open the editor's "Output Variables" section with this reference name. */
  outputReferenceName?: string;
  /** How the service connection picker names a connection id. */
  connectionNames?: Record<string, string>;
  /** Pipeline name in the editor's header. */
  pipelineName: string;
  /** Show this input's help callout open, as after a click on its "i". */
  helpOpen?: string;
}

/** instanceNameFormat with `$(input)` replaced by the input's value, as the editor titles a step. */
export function instanceName(task: TaskJson, values: Readonly<Record<string, string>>): string {
  return task.instanceNameFormat.replace(/\$\(([^)]+)\)/g, (_, name: string) => values[name] ?? '').replace(/\s+/g, ' ').trim();
}

/** The "i" after a label; with `open`, the callout with the input's helpMarkDown beside it. */
function help(input: TaskInput, open: boolean): string {
  if (!input.helpMarkDown) return '';
  const callout = open ? `<span class="callout">${inline(input.helpMarkDown)}</span>` : '';
  return `<span class="help${open ? ' open' : ''}">${icons.info()}${callout}</span>`;
}

function label(input: TaskInput, shot: FormShot | undefined, extra = ''): string {
  const required = input.required ? '<span class="required" title="required">*</span>' : '';
  return `<div class="label-row"><label>${esc(input.label ?? input.name)}${required}</label>${help(input, shot?.helpOpen === input.name)}${extra}</div>`;
}

function control(input: TaskInput, value: string, shot: FormShot): string {
  const type = input.type;
  if (type === 'boolean') {
    const checked = value.toLowerCase() === 'true';
    return `<div class="field checkbox-field"><span class="checkbox${checked ? ' checked' : ''}">${checked ? icons.check() : ''}</span><label>${esc(input.label ?? input.name)}</label>${help(input, shot.helpOpen === input.name)}</div>`;
  }
  if (type === 'pickList' || type === 'radio') {
    const options = input.options ?? {};
    const editable = input.properties?.EditableOptions === 'True';
    const shown = options[value] ?? value;
    const refresh = editable ? `<span class="side-button">${icons.refresh()}</span>` : '';
    return `<div class="field">${label(input, shot)}<div class="with-side"><div class="select${editable ? ' editable' : ''}"><span class="value">${esc(shown)}</span>${icons.chevronDown()}</div>${refresh}</div></div>`;
  }
  if (type.startsWith('connectedService:')) {
    const name = shot.connectionNames?.[value] ?? value;
    const manage = `<a class="manage">Manage ${icons.external()}</a>`;
    return `<div class="field">${label(input, shot, manage)}<div class="with-side"><div class="select"><span class="value">${esc(name)}</span>${icons.chevronDown()}</div><span class="side-button">${icons.refresh()}</span></div></div>`;
  }
  if (type === 'multiLine') {
    const rows = Number(input.properties?.rows ?? '2');
    return `<div class="field">${label(input, shot)}<div class="textarea" style="min-height:${rows * 20 + 12}px">${esc(value)}${String(input.properties?.resizable) === 'true' ? '<span class="grip"></span>' : ''}</div></div>`;
  }
  // string, int, filePath, ...
  return `<div class="field">${label(input, shot)}<div class="textbox">${esc(value)}</div></div>`;
}

function section(title: string, expanded: boolean, body: string): string {
  return `<section class="group${expanded ? ' expanded' : ''}"><header><span class="group-title">${esc(title)}</span>${
    expanded ? icons.chevronDown() : icons.chevronRight()
  }</header>${expanded ? `<div class="group-body">${body}</div>` : ''}</section>`;
}

export function renderForm(task: TaskJson, shot: FormShot, taskIcon: string, css: string): string {
  const values = { ...defaultInputs(task), ...shot.values };
  for (const name of Object.keys(shot.values)) {
    if (!task.inputs.some((i) => i.name === name)) throw new Error(`${shot.file}: task.json has no input ${name}`);
  }
  const visible = new Set(visibleInputs(task, values));
  // A shot must not set a value on an input the user cannot see: the picture would claim a field that is not there.
  for (const name of Object.keys(shot.values)) {
    const input = task.inputs.find((i) => i.name === name)!;
    if (!visible.has(name)) throw new Error(`${shot.file}: ${name} is set but hidden by its visibleRule "${input.visibleRule}"`);
  }
  if (shot.helpOpen !== undefined && !visible.has(shot.helpOpen)) throw new Error(`${shot.file}: the help of ${shot.helpOpen} is open, but the input is hidden`);
  const title = instanceName(task, values);
  const shown = (i: TaskInput) => visible.has(i.name);

  const parts: string[] = [];
  parts.push(`<div class="field">${label({ name: 'displayName', type: 'string', label: 'Display name', required: true }, undefined)}<div class="textbox">${esc(title)}</div></div>`);
  for (const input of task.inputs.filter((i) => !i.groupName && shown(i))) parts.push(control(input, values[input.name] ?? '', shot));
  for (const group of task.groups ?? []) {
    const inputs = task.inputs.filter((i) => i.groupName === group.name && shown(i));
    if (inputs.length === 0) continue; // the editor hides a group whose inputs are all hidden
    const expanded = shot.expand?.includes(group.name) ? true : shot.collapse?.includes(group.name) ? false : group.isExpanded !== false;
    parts.push(section(group.displayName, expanded, inputs.map((i) => control(i, values[i.name] ?? '', shot)).join('\n')));
  }
  parts.push(section('Control Options', false, ''));
  const refName = shot.outputReferenceName;
  if (refName !== undefined) {
    const outputs = (task.outputVariables ?? [])
      .map((o) => `<li><code>${esc(refName)}.${esc(o.name)}</code><span class="desc">${esc(o.description ?? '')}</span></li>`)
      .join('');
    parts.push(
      section(
        'Output Variables',
        true,
        `<div class="field">${label({ name: 'refName', type: 'string', label: 'Reference name', helpMarkDown: 'The name later steps use to read this step\'s output variables.' }, undefined)}<div class="textbox">${esc(refName)}</div></div><div class="variable-list"><div class="variable-list-title">Variable list</div><ul>${outputs}</ul></div>`,
      ),
    );
  } else parts.push(section('Output Variables', false, ''));

  const tabs = ['Tasks', 'Variables', 'Triggers', 'Options', 'Retention', 'History']
    .map((t, n) => `<span class="tab${n === 0 ? ' active' : ''}">${t}</span>`)
    .join('');
  const body = `
<div class="editor">
  <div class="topbar">
    <div class="crumbs"><span class="pipeline-icon">${icons.pipeline()}</span><span class="pipeline-name">${esc(shot.pipelineName)}</span></div>
    <div class="tabs">${tabs}</div>
    <div class="commands"><span class="cmd primary">Save &amp; queue ${icons.chevronDown()}</span><span class="cmd">Discard</span><span class="cmd">Summary</span><span class="cmd">Queue</span></div>
  </div>
  <div class="panes">
    <aside class="steps">
      <div class="step"><span class="step-icon">${icons.pipeline()}</span><div><div class="step-title">Pipeline</div><div class="step-sub">Build pipeline</div></div></div>
      <div class="step"><span class="step-icon">${icons.source()}</span><div><div class="step-title">Get sources</div><div class="step-sub">Platform &middot; main</div></div></div>
      <div class="step job"><span class="step-icon">${icons.job()}</span><div><div class="step-title">Agent job 1</div><div class="step-sub">Run on agent</div></div><span class="add">${icons.plus()}</span></div>
      <div class="step task selected"><img class="task-icon" src="${taskIcon}" alt=""><div><div class="step-title">${esc(title)}</div><div class="step-sub">${esc(task.friendlyName)}</div></div></div>
    </aside>
    <main class="details">
      <div class="details-header">
        <div class="details-title"><span>${esc(task.friendlyName)}</span><span class="help">${icons.info()}</span></div>
        <div class="details-actions"><span>${icons.link()} Link settings</span><span>${icons.doc()} View YAML</span><span>${icons.trash()} Remove</span></div>
      </div>
      <div class="version"><span class="version-label">Task version</span><div class="select small"><span class="value">${task.version.Major}.*</span>${icons.chevronDown()}</div></div>
      ${parts.join('\n')}
    </main>
  </div>
</div>`;
  return page(`${task.friendlyName}: ${shot.caption}`, css, body);
}
