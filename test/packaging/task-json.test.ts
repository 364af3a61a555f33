// task.json: the schema rules tfx only warns about, the v1 input/output contract from design.md,
// and which inputs a user sees for each action and target.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  REPO_ROOT,
  SCHEMA,
  TASK_DIR,
  TaskJson,
  evaluateVisibleRule,
  findInput,
  loadTaskJson,
  parseVisibleRule,
  schemaProblems,
  visibleInputs,
} from '../support/task-json';

const task = loadTaskJson();

/**
 * design.md, "Task contract, v1", with the renames since: displayName is patName (alias displayName), displayNamePattern
 * patNamePattern (alias displayNamePattern). `string` accepts multiLine too (patName takes one name per line).
 */
const CONTRACT: Array<[name: string, type: string, options?: string[]]> = [
  ['action', 'pickList', ['create', 'rotate', 'update', 'revoke', 'list', 'check']],
  ['organization', 'string'],
  ['tenantId', 'string'],
  ['clientId', 'string'],
  ['clientSecret', 'string'],
  ['clientCertificate', 'string'],
  ['refreshToken', 'string'],
  ['refreshTokenStore', 'pickList', ['none', 'variableGroup', 'keyVault', 'serviceConnection']],
  ['refreshTokenVariableGroup', 'string'],
  ['refreshTokenVariableName', 'string'],
  ['refreshTokenSecretName', 'string'],
  ['patName', 'string'],
  ['authorizationId', 'string'],
  ['scopes', 'string'],
  ['lifetimeDays', 'int'],
  ['rotateWhenExpiresWithinDays', 'int'],
  ['revokeOld', 'boolean'],
  ['allowFullAccess', 'boolean'],
  ['target', 'pickList', ['variableGroup', 'keyVault', 'serviceConnection', 'outputOnly']],
  ['variableGroup', 'string'],
  ['variableName', 'string'],
  ['variableGroupAuth', 'pickList', ['user', 'job']],
  ['azureSubscription', 'connectedService:AzureRM'],
  ['keyVault', 'pickList'],
  ['secretName', 'string'],
  ['dryRun', 'boolean'],
];

/** Inputs added on top of the contract (issue text). */
const EXTRA: Array<[name: string, type: string, defaultValue: string, group: string]> = [
  ['concurrency', 'int', '4', 'advanced'],
  ['patNamePattern', 'string', '', 'pat'],
  ['takeNewest', 'boolean', 'false', 'advanced'],
  ['revokeUntracked', 'boolean', 'false', 'pat'],
  ['refreshTokenMaxAgeDays', 'int', '60', 'advanced'],
  // Issue 13 part 2: the sign-in kept in a service connection of the extension's own type.
  ['signInConnection', 'connectedService:patlifecycle-signin', '', 'signin'],
  ['requestTimeoutSeconds', 'int', '30', 'advanced'],
  ['destinationProject', 'string', '', 'destination'],
  // Issue 14: the renewed refresh token leaves the step only when asked for.
  ['outputRefreshToken', 'boolean', 'false', 'signin'],
  // Issue 16 part 5: action check may prove PAT creation with a PAT it makes and revokes at once.
  ['checkPatCreation', 'boolean', 'false', 'pat'],
  // Issue 13: a service connection as a destination.
  ['serviceConnection', 'string', '', 'destination'],
  // Issue 23: rotate and update narrow a global PAT to this organization only when told to.
  ['allowNarrowingGlobalPat', 'boolean', 'false', 'pat'],
];

const DEFAULTS: Record<string, string> = {
  action: 'rotate',
  lifetimeDays: '30',
  rotateWhenExpiresWithinDays: '7',
  revokeOld: 'true',
  allowFullAccess: 'false',
  target: 'variableGroup',
  variableGroupAuth: 'user',
  dryRun: 'false',
};

describe('task.json: schema', () => {
  it('passes every static schema rule', () => {
    assert.deepEqual(schemaProblems(task), []);
  });

  it('has a GUID id, a valid name and a friendlyName of at most 40 chars', () => {
    assert.match(task.id, SCHEMA.guid);
    assert.equal(task.name, 'PatLifecycle');
    assert.match(task.name, SCHEMA.taskName);
    assert.ok(task.friendlyName.length > 0 && task.friendlyName.length <= 40, task.friendlyName);
  });

  it('declares the schema, category, runsOn, visibility, version and minimum agent', () => {
    assert.equal(task.$schema, 'https://raw.githubusercontent.com/Microsoft/azure-pipelines-task-lib/master/tasks.schema.json');
    assert.equal(task.category, 'Utility');
    assert.deepEqual(task.runsOn, ['Agent', 'DeploymentGroup']);
    assert.deepEqual(task.visibility, ['Build', 'Release']);
    assert.deepEqual(task.version, { Major: 1, Minor: 0, Patch: 0 });
    assert.equal(task.minimumAgentVersion, '3.232.1');
  });

  it('runs on Node20_1 and Node24 only, both on dist/main.js', () => {
    assert.deepEqual(Object.keys(task.execution).sort(), [...SCHEMA.handlersWeShip].sort());
    for (const key of SCHEMA.handlersWeShip) {
      assert.deepEqual(task.execution[key], { target: 'dist/main.js', argumentFormat: '' });
    }
    assert.equal(task.prejobexecution, undefined);
    assert.equal(task.postjobexecution, undefined);
  });

  it('has its execution target after the build', function () {
    if (!existsSync(join(TASK_DIR, 'src', 'main.ts'))) this.skip(); // no product entry yet: nothing to build
    for (const handler of Object.values(task.execution)) {
      assert.ok(existsSync(join(TASK_DIR, handler.target)), `${handler.target} is missing: run npm run build`);
    }
  });

  it('puts every input in a group that exists, and every group has inputs', () => {
    const groups = (task.groups ?? []).map((g) => g.name);
    assert.deepEqual(groups, ['signin', 'pat', 'destination', 'advanced']);
    for (const input of task.inputs) if (input.groupName) assert.ok(groups.includes(input.groupName), input.name);
    for (const g of groups) assert.ok(task.inputs.some((i) => i.groupName === g), `group ${g} is empty`);
  });

  it('labels and explains every input', () => {
    for (const input of task.inputs) {
      assert.ok(input.label && input.label.length > 0, `${input.name} has no label`);
      assert.ok(input.helpMarkDown && input.helpMarkDown.length >= 20, `${input.name} has no useful helpMarkDown`);
    }
  });

  it('names only inputs in instanceNameFormat, and reads naturally', () => {
    assert.equal(task.instanceNameFormat, 'PAT Lifecycle: $(action) $(patName)');
  });

  it('has no messages block: the core words every message itself, and an unused tl.loc table would drift', () => {
    assert.equal(task.messages, undefined);
  });

  it('links its help to the repository README named in vss-extension.json', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'vss-extension.json'), 'utf8')) as { repository: { uri: string } };
    assert.ok(task.helpMarkDown?.includes(`${manifest.repository.uri}#readme`), task.helpMarkDown);
  });

  it('ships a 128x128 PNG icon, the same as the extension icon', () => {
    const icon = readFileSync(join(TASK_DIR, 'icon.png'));
    assert.equal(icon.subarray(1, 4).toString('ascii'), 'PNG');
    assert.equal(icon.readUInt32BE(16), 128);
    assert.equal(icon.readUInt32BE(20), 128);
    assert.ok(icon.length > 2000, 'the icon looks like a flat placeholder');
    assert.deepEqual(icon, readFileSync(join(REPO_ROOT, 'images', 'icon.png')));
  });
});

describe('task.json: the schema check catches mistakes', () => {
  const mutate = (change: (t: TaskJson) => void): string[] => {
    const copy = JSON.parse(JSON.stringify(task)) as TaskJson;
    change(copy);
    return schemaProblems(copy);
  };
  const cases: Array<[string, (t: TaskJson) => void, RegExp]> = [
    ['a top-level key outside the schema', (t) => { t['OutputVariables'] = []; }, /unknown top-level key OutputVariables/],
    ['isConfidential on an input', (t) => { (findInput(t, 'refreshToken') as unknown as Record<string, unknown>).isConfidential = true; }, /key isConfidential is not allowed/],
    ['an id that is no GUID', (t) => { t.id = 'pat-lifecycle'; }, /is not a GUID/],
    ['a friendlyName over 40 chars', (t) => { t.friendlyName = 'x'.repeat(41); }, /friendlyName/],
    ['a name with a dot', (t) => { t.name = 'Pat.Lifecycle'; }, /name Pat.Lifecycle/],
    ['the handler key Node20', (t) => { t.execution = { Node20: { target: 'dist/main.js' } }; }, /execution.Node20 is not a known handler/],
    ['an input type outside the schema', (t) => { findInput(t, 'lifetimeDays').type = 'number'; }, /type number is not allowed/],
    ['an input name with a dot', (t) => { findInput(t, 'scopes').name = 'pat.scopes'; }, /does not match/],
    ['a group that does not exist', (t) => { findInput(t, 'scopes').groupName = 'nope'; }, /group nope does not exist/],
    ['a pick list default outside its options', (t) => { findInput(t, 'action').defaultValue = 'extend'; }, /default extend is not among the options/],
    ['a visibleRule on an unknown input', (t) => { findInput(t, 'scopes').visibleRule = 'verb = create'; }, /unknown input verb/],
    ['a visibleRule with a value that is no option', (t) => { findInput(t, 'scopes').visibleRule = 'action = rotates'; }, /not one of its options/],
    ['a visibleRule that mixes && and ||', (t) => { findInput(t, 'scopes').visibleRule = 'action = create || action = rotate && dryRun = false'; }, /mixes && and \|\|/],
    ['a property outside the schema', (t) => { findInput(t, 'keyVault').properties = { Editable: 'True' }; }, /property Editable is not allowed/],
    ['a data source bound to a missing input', (t) => { t.dataSourceBindings = [{ target: 'vault', endpointId: '$(azureSubscription)', dataSourceName: 'AzureKeyVaultsListV2' }]; }, /target vault is not an input/],
  ];
  for (const [what, change, expected] of cases) {
    it(`reports ${what}`, () => {
      const problems = mutate(change);
      assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} in ${JSON.stringify(problems)}`);
    });
  }
});

describe('task.json: the v1 contract (design.md)', () => {
  for (const [name, type, options] of CONTRACT) {
    it(`has input ${name} (${type})`, () => {
      const input = findInput(task, name);
      if (type === 'string') assert.ok(['string', 'multiLine'].includes(input.type), `${name} is ${input.type}`);
      else assert.equal(input.type, type);
      if (options) assert.deepEqual(Object.keys(input.options ?? {}), options);
    });
  }

  it('has the design defaults', () => {
    for (const [name, value] of Object.entries(DEFAULTS)) assert.equal(String(findInput(task, name).defaultValue), value, name);
  });

  it('makes refreshTokenStore a choice with no default, so the classic editor asks for it', () => {
    const input = findInput(task, 'refreshTokenStore');
    assert.equal(input.required, true);
    assert.equal(input.defaultValue ?? '', '');
  });

  it('has the extra inputs with their defaults and groups', () => {
    for (const [name, type, defaultValue, group] of EXTRA) {
      const input = findInput(task, name);
      assert.equal(input.type, type, name);
      assert.equal(String(input.defaultValue ?? ''), defaultValue, name);
      assert.equal(input.groupName, group, name);
    }
  });

  it('has no inputs beyond the contract and the extras', () => {
    const known = new Set([...CONTRACT.map((c) => c[0]), ...EXTRA.map((e) => e[0])]);
    assert.deepEqual(task.inputs.map((i) => i.name).filter((n) => !known.has(n)), []);
  });

  it('takes several PAT names, one per line', () => {
    assert.equal(findInput(task, 'patName').type, 'multiLine');
  });

  it('keeps the old input names as aliases, so existing YAML still works (patName was displayName, which every step also has as its own key)', () => {
    assert.deepEqual(findInput(task, 'patName').aliases, ['displayName']);
    assert.deepEqual(findInput(task, 'patNamePattern').aliases, ['displayNamePattern']);
  });

  it('lists Key Vaults from the Azure service connection, and accepts a typed name', () => {
    const sub = findInput(task, 'azureSubscription');
    assert.deepEqual(sub.aliases, ['ConnectedServiceName']);
    assert.equal(findInput(task, 'keyVault').properties?.EditableOptions, 'True');
    assert.deepEqual(task.dataSourceBindings, [
      {
        target: 'keyVault',
        endpointId: '$(azureSubscription)',
        dataSourceName: 'AzureKeyVaultsListV2',
        resultTemplate: '{ "Value" : "{{{name}}}", "DisplayValue" : "{{{name}}}" }',
      },
    ]);
  });

  it('tells the user to pass secrets through secret variables', () => {
    for (const name of ['refreshToken', 'clientSecret', 'clientCertificate']) {
      const input = findInput(task, name);
      assert.equal(input.type, 'string', name);
      assert.match(input.helpMarkDown ?? '', /secret variable/i, name);
      assert.match(input.helpMarkDown ?? '', /Never paste/i, name);
    }
  });

  it('requires only what every visible case needs', () => {
    // Always visible and always needed:
    const alwaysRequired = task.inputs.filter((i) => i.required && !i.visibleRule).map((i) => i.name);
    assert.deepEqual(alwaysRequired, ['action', 'refreshTokenStore']);
    // Needed only for some actions, or only without signInConnection (which holds the sign-in instead), validated by
    // the code instead:
    for (const name of ['patName', 'authorizationId', 'scopes', 'organization', 'clientSecret', 'clientCertificate', 'tenantId', 'clientId', 'refreshToken', 'signInConnection']) {
      assert.notEqual(findInput(task, name).required, true, name);
    }
  });

  it('declares the output variables, saying which are secret', () => {
    const outputs = task.outputVariables ?? [];
    assert.deepEqual(outputs.map((o) => o.name), ['token', 'authorizationId', 'validTo', 'rotated', 'refreshToken']);
    for (const o of outputs) {
      assert.ok((o.description ?? '').length > 10, o.name);
      assert.equal(/secret/i.test(o.description ?? ''), o.name === 'token' || o.name === 'refreshToken', o.name);
    }
  });
});

describe('task.json: visibleRule grammar', () => {
  it('parses = == != and one kind of combinator', () => {
    assert.deepEqual(parseVisibleRule('action = rotate'), {
      combinator: null,
      predicates: [{ input: 'action', operator: '==', value: 'rotate' }],
    });
    assert.deepEqual(parseVisibleRule('action == rotate || target != keyVault').predicates, [
      { input: 'action', operator: '==', value: 'rotate' },
      { input: 'target', operator: '!=', value: 'keyVault' },
    ]);
    assert.equal(parseVisibleRule('a = b && c != d').combinator, '&&');
  });

  it('rejects what the service rejects', () => {
    assert.throws(() => parseVisibleRule('a = b || c = d && e = f'), /mixes/);
    assert.throws(() => parseVisibleRule('(a = b)'), /parentheses/);
    assert.throws(() => parseVisibleRule('a = '), /cannot parse/);
    assert.throws(() => parseVisibleRule('a > 1'), /cannot parse/);
    assert.throws(() => parseVisibleRule('a = x/y'), /cannot parse/);
  });

  it('evaluates case-insensitively with && and ||', () => {
    assert.equal(evaluateVisibleRule('action = Rotate', { action: 'rotate' }), true);
    assert.equal(evaluateVisibleRule('action = create || action = rotate', { action: 'rotate' }), true);
    assert.equal(evaluateVisibleRule('action = create || action = rotate', { action: 'list' }), false);
    assert.equal(evaluateVisibleRule('target = keyVault && action != list', { target: 'keyVault', action: 'list' }), false);
    assert.equal(evaluateVisibleRule('target != keyVault', {}), true);
  });

  it('every rule in task.json parses and names existing inputs', () => {
    const names = new Set(task.inputs.map((i) => i.name));
    for (const input of task.inputs.filter((i) => i.visibleRule)) {
      for (const p of parseVisibleRule(input.visibleRule as string).predicates) assert.ok(names.has(p.input), `${input.name}: ${p.input}`);
    }
  });
});

describe('task.json: inputs shown per action and target', () => {
  // Shown whatever the action (with the refresh token store not chosen yet).
  const ALWAYS = [
    'action', 'organization', 'signInConnection', 'tenantId', 'clientId', 'clientSecret', 'clientCertificate', 'refreshToken',
    'refreshTokenStore', 'outputRefreshToken', 'patName', 'concurrency', 'refreshTokenMaxAgeDays', 'requestTimeoutSeconds',
  ];
  // A hidden input keeps its value in the editor and in YAML, and the rule language cannot say
  // "(target = keyVault && action = rotate) || refreshTokenStore = keyVault". So for update, revoke and
  // list, a target left at variableGroup still shows variableGroupAuth (in the collapsed Advanced group),
  // and a target left at keyVault still shows the connection and vault (also needed for a Key Vault
  // refresh token store). Those rows say so explicitly.
  const expected: Record<string, Record<string, string[]>> = {
    create: {
      variableGroup: ['dryRun', 'scopes', 'lifetimeDays', 'allowFullAccess', 'target', 'variableGroup', 'variableName', 'destinationProject', 'variableGroupAuth'],
      keyVault: ['dryRun', 'scopes', 'lifetimeDays', 'allowFullAccess', 'target', 'azureSubscription', 'keyVault', 'secretName'],
      serviceConnection: ['dryRun', 'scopes', 'lifetimeDays', 'allowFullAccess', 'target', 'serviceConnection', 'destinationProject'],
      outputOnly: ['dryRun', 'scopes', 'lifetimeDays', 'allowFullAccess', 'target'],
    },
    rotate: {
      variableGroup: [
        'dryRun', 'patNamePattern', 'authorizationId', 'scopes', 'lifetimeDays', 'rotateWhenExpiresWithinDays', 'revokeOld',
        'revokeUntracked', 'allowFullAccess', 'allowNarrowingGlobalPat', 'target', 'variableGroup', 'variableName', 'takeNewest', 'destinationProject', 'variableGroupAuth',
      ],
      keyVault: [
        'dryRun', 'patNamePattern', 'authorizationId', 'scopes', 'lifetimeDays', 'rotateWhenExpiresWithinDays', 'revokeOld',
        'revokeUntracked', 'allowFullAccess', 'allowNarrowingGlobalPat', 'target', 'azureSubscription', 'keyVault', 'secretName', 'takeNewest',
      ],
      serviceConnection: [
        'dryRun', 'patNamePattern', 'authorizationId', 'scopes', 'lifetimeDays', 'rotateWhenExpiresWithinDays', 'revokeOld',
        'revokeUntracked', 'allowFullAccess', 'allowNarrowingGlobalPat', 'target', 'serviceConnection', 'destinationProject', 'takeNewest',
      ],
      outputOnly: [
        'dryRun', 'patNamePattern', 'authorizationId', 'scopes', 'lifetimeDays', 'rotateWhenExpiresWithinDays', 'revokeOld',
        'revokeUntracked', 'allowFullAccess', 'allowNarrowingGlobalPat', 'target', 'takeNewest',
      ],
    },
    update: {
      variableGroup: ['dryRun', 'authorizationId', 'scopes', 'lifetimeDays', 'allowFullAccess', 'allowNarrowingGlobalPat', 'takeNewest', 'destinationProject', 'variableGroupAuth'],
      keyVault: ['dryRun', 'authorizationId', 'scopes', 'lifetimeDays', 'allowFullAccess', 'allowNarrowingGlobalPat', 'azureSubscription', 'keyVault', 'takeNewest'],
      outputOnly: ['dryRun', 'authorizationId', 'scopes', 'lifetimeDays', 'allowFullAccess', 'allowNarrowingGlobalPat', 'takeNewest'],
    },
    revoke: {
      variableGroup: ['dryRun', 'authorizationId', 'takeNewest', 'destinationProject', 'variableGroupAuth'],
      keyVault: ['dryRun', 'authorizationId', 'azureSubscription', 'keyVault', 'takeNewest'],
      outputOnly: ['dryRun', 'authorizationId', 'takeNewest'],
    },
    list: {
      variableGroup: ['patNamePattern', 'rotateWhenExpiresWithinDays', 'destinationProject', 'variableGroupAuth'],
      keyVault: ['patNamePattern', 'rotateWhenExpiresWithinDays', 'azureSubscription', 'keyVault'],
      outputOnly: ['patNamePattern', 'rotateWhenExpiresWithinDays'],
    },
  };

  for (const [action, byTarget] of Object.entries(expected)) {
    for (const [target, extra] of Object.entries(byTarget)) {
      it(`${action} x ${target}`, () => {
        const shown = visibleInputs(task, { action, target });
        assert.deepEqual([...shown].sort(), [...ALWAYS, ...extra].sort());
      });
    }
  }

  it('never shows the target for actions that produce no PAT value', () => {
    for (const action of ['update', 'revoke', 'list']) assert.ok(!visibleInputs(task, { action }).includes('target'), action);
  });

  it('shows the refresh token store location for a variable group', () => {
    const shown = visibleInputs(task, { action: 'list', target: 'outputOnly', refreshTokenStore: 'variableGroup' });
    assert.deepEqual([...shown].sort(), [...ALWAYS, 'patNamePattern', 'rotateWhenExpiresWithinDays', 'refreshTokenVariableGroup', 'refreshTokenVariableName', 'destinationProject', 'variableGroupAuth'].sort());
  });

  it('shows the refresh token store location and the connection for Key Vault', () => {
    const shown = visibleInputs(task, { action: 'list', target: 'outputOnly', refreshTokenStore: 'keyVault' });
    assert.deepEqual([...shown].sort(), [...ALWAYS, 'patNamePattern', 'rotateWhenExpiresWithinDays', 'refreshTokenSecretName', 'azureSubscription', 'keyVault'].sort());
  });

  it('shows the refresh token and the PAT in one Key Vault without a second connection', () => {
    const shown = visibleInputs(task, { action: 'rotate', target: 'keyVault', refreshTokenStore: 'keyVault' });
    for (const name of ['azureSubscription', 'keyVault', 'secretName', 'refreshTokenSecretName']) assert.ok(shown.includes(name), name);
    assert.ok(!shown.includes('refreshTokenVariableGroup'));
  });

  it('a required input is required whenever it is shown', () => {
    // Required inputs behind a visibleRule must make sense for every case that shows them.
    const requiredWithRule = task.inputs.filter((i) => i.required && i.visibleRule).map((i) => i.name).sort();
    assert.deepEqual(requiredWithRule, [
      'azureSubscription', 'keyVault', 'lifetimeDays', 'refreshTokenSecretName', 'refreshTokenVariableGroup',
      'refreshTokenVariableName', 'rotateWhenExpiresWithinDays', 'secretName', 'serviceConnection', 'target', 'variableGroup', 'variableName',
    ]);
  });
});
