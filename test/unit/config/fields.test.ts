import { strict as assert } from 'node:assert';
import { Problems } from '../../../src/config/problems';
import { boolean, choice, displayName, expanded, guid, httpsUrl, integer, keyVaultSecretName, printable, required, tenant, text, variableName } from '../../../src/config/fields';
import { InputErrors } from '../../../src/errors';

/** Runs one check on a fresh Problems: the value it returned and the problems it recorded, as `input: message | hint`. */
function check<T>(run: (p: Problems) => T): { value: T; problems: string[] } {
  const p = new Problems();
  const value = run(p);
  try {
    p.throwIfAny();
    return { value, problems: [] };
  } catch (err) {
    return { value, problems: (err as InputErrors).errors.map((e) => `${e.input}: ${e.message.replace(`Input '${e.input}': `, '')} | ${e.hint}`) };
  }
}

describe('input field checks', () => {
  it('text trims and treats blank as absent; expanded refuses an unexpanded $(macro), naming the variable', () => {
    assert.equal(text('  a b  '), 'a b');
    assert.equal(text('   '), undefined);
    assert.equal(text(undefined), undefined);
    assert.deepEqual(check((p) => expanded(p, 'x', 'plain $(not whole)')), { value: 'plain $(not whole)', problems: [] });
    assert.deepEqual(check((p) => expanded(p, 'x', undefined)), { value: undefined, problems: [] });
    const r = check((p) => expanded(p, 'patName', '$(Feed.Name)'));
    assert.equal(r.value, undefined);
    assert.deepEqual(r.problems, [
      "patName: the value is the macro $(Feed.Name), which the pipeline left unexpanded: no variable named 'Feed.Name' exists in this run | define the variable 'Feed.Name' (or link the variable group that holds it to this pipeline), or check its spelling",
    ]);
  });

  it('required: one error per input, not a second after an earlier one', () => {
    assert.deepEqual(check((p) => required(p, 'x', 'v', 'to sign in', 'give it')), { value: 'v', problems: [] });
    assert.deepEqual(check((p) => required(p, 'x', undefined, 'to sign in', 'give it')).problems, ['x: is required to sign in | give it']);
    const twice = check((p) => {
      expanded(p, 'x', '$(A)');
      return required(p, 'x', undefined, 'to sign in', 'give it');
    });
    assert.equal(twice.problems.length, 1);
    const p = new Problems();
    assert.equal(p.count, 0);
    p.add('a', 'm', 'h');
    assert.equal(p.count, 1);
    assert.equal(p.has('a'), true);
    assert.equal(p.has('b'), false);
  });

  it('guid and tenant: lower-cased GUIDs, organizations/common, domains; consumers and the rest refused with a fix', () => {
    assert.equal(check((p) => guid(p, 'clientId', 'AAAAAAAA-bbbb-CCCC-dddd-EEEEEEEEEEEE', 'client ID')).value, 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    assert.deepEqual(check((p) => guid(p, 'clientId', undefined, 'client ID')), { value: undefined, problems: [] });
    assert.match(check((p) => guid(p, 'clientId', 'x-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', 'application (client) ID')).problems[0], /^clientId: 'x-.*' is not a GUID \| give the application \(client\) ID, a GUID like/);
    assert.equal(check((p) => tenant(p, 't', 'AAAAAAAA-bbbb-CCCC-dddd-EEEEEEEEEEEE')).value, 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    assert.equal(check((p) => tenant(p, 't', 'Organizations')).value, 'organizations');
    assert.equal(check((p) => tenant(p, 't', 'COMMON')).value, 'common');
    assert.equal(check((p) => tenant(p, 't', 'Contoso.OnMicrosoft.com')).value, 'contoso.onmicrosoft.com');
    assert.equal(check((p) => tenant(p, 't', undefined)).value, undefined);
    assert.match(check((p) => tenant(p, 't', 'Consumers')).problems[0], /^t: 'consumers' signs in personal Microsoft accounts/);
    for (const bad of ['contoso', 'a.b', '-x.com', 'x.c0m', 'sp ace.com']) assert.match(check((p) => tenant(p, 't', bad)).problems[0] ?? '', /is neither a tenant ID \(GUID\) nor a domain/, bad);
  });

  it('tenant: each refusal tells where to find the tenant ID', () => {
    assert.deepEqual(check((p) => tenant(p, 'tenantId', 'consumers')), {
      value: undefined,
      problems: ["tenantId: 'consumers' signs in personal Microsoft accounts, which Azure DevOps PAT management does not accept | give the directory (tenant) ID of your organization, a GUID"],
    });
    assert.deepEqual(check((p) => tenant(p, 'tenantId', 'contoso')), {
      value: undefined,
      problems: ["tenantId: 'contoso' is neither a tenant ID (GUID) nor a domain like contoso.onmicrosoft.com | give the directory (tenant) ID from Entra admin center > Overview"],
    });
    assert.equal(check((p) => guid(p, 'clientId', 'x', 'application (client) ID')).problems[0], "clientId: 'x' is not a GUID | give the application (client) ID, a GUID like 00000000-0000-0000-0000-000000000000 (Entra admin center > App registrations > Overview)");
  });

  it('integer: the fallback when absent, whole numbers in range only, the bounds included', () => {
    const range = { min: 1, max: 366 };
    assert.equal(check((p) => integer(p, 'n', undefined, 30, range, 'h')).value, 30);
    assert.equal(check((p) => integer(p, 'n', '+366', 30, range, 'h')).value, 366);
    assert.equal(check((p) => integer(p, 'n', '1', 30, range, 'h')).value, 1);
    assert.deepEqual(check((p) => integer(p, 'n', '0', 30, range, 'h')).problems, ['n: 0 is outside 1..366 | h']);
    assert.deepEqual(check((p) => integer(p, 'n', '367', 30, range, 'h')).problems, ['n: 367 is outside 1..366 | h']);
    assert.deepEqual(check((p) => integer(p, 'n', '-1', 30, range, 'h')).problems, ['n: -1 is outside 1..366 | h'], 'a sign is read');
    assert.equal(check((p) => integer(p, 'n', '-1', 30, { min: -5, max: 5 }, 'h')).value, -1);
    for (const bad of ['1.5', '1e2', ' 2', '2x', 'x2', '', '+', '--1', '+-1']) assert.deepEqual(check((p) => integer(p, 'n', bad, 30, range, 'h')).problems, [`n: '${bad}' is not a whole number | h`], bad);
  });

  it('boolean and choice: any case, the fallback when absent, a refusal naming the options', () => {
    assert.equal(check((p) => boolean(p, 'b', 'TRUE', false)).value, true);
    assert.equal(check((p) => boolean(p, 'b', 'False', true)).value, false);
    assert.equal(check((p) => boolean(p, 'b', undefined, true)).value, true);
    assert.deepEqual(check((p) => boolean(p, 'b', 'yes', true)), { value: true, problems: ["b: 'yes' is not true or false | set b to true or false"] });
    assert.equal(check((p) => choice(p, 'c', 'KEYVAULT', ['variableGroup', 'keyVault'] as const, 'variableGroup')).value, 'keyVault');
    assert.equal(check((p) => choice(p, 'c', undefined, ['a', 'b'] as const, 'b')).value, 'b');
    assert.deepEqual(check((p) => choice(p, 'c', 'z', ['a', 'b'] as const, 'b')).problems, ["c: 'z' is not one of a, b | set c to one of: a, b"]);
  });

  it('httpsUrl: https only, no query, fragment or credentials, trailing slashes dropped', () => {
    assert.equal(check((p) => httpsUrl(p, 'u', 'https://Example.com/a/b//', 'h')).value, 'https://example.com/a/b');
    assert.equal(check((p) => httpsUrl(p, 'u', 'https://example.com', 'h')).value, 'https://example.com');
    assert.equal(check((p) => httpsUrl(p, 'u', undefined, 'h')).value, undefined);
    assert.deepEqual(check((p) => httpsUrl(p, 'u', 'not a url', 'h')).problems, ["u: 'not a url' is not a URL | h"]);
    assert.deepEqual(check((p) => httpsUrl(p, 'u', 'http://example.com', 'h')).problems, ["u: 'http://example.com' is not an https URL | h"]);
    for (const bad of ['https://example.com/?q=1', 'https://example.com/#f', 'https://user@example.com/', 'https://:pw@example.com/']) {
      assert.deepEqual(check((p) => httpsUrl(p, 'u', bad, 'h')).problems, [`u: '${bad}' must not carry a query, fragment or credentials | h`], bad);
    }
  });

  it('display names: at most 256 characters, no control characters (shown as ?)', () => {
    assert.equal(check((p) => displayName(p, 'n', 'x'.repeat(256))).value, 'x'.repeat(256));
    assert.deepEqual(check((p) => displayName(p, 'n', 'y'.repeat(257))).problems, [`n: the name '${'y'.repeat(40)}…' is 257 characters long | use at most 256 characters`]);
    assert.deepEqual(check((p) => displayName(p, 'n', 'a\tb\u007fc\u009f')).problems, ["n: the name 'a?b?c?' contains control characters | use printable characters only"]);
    assert.equal(check((p) => displayName(p, 'n', 'a\u00a0b')).value, 'a\u00a0b', 'a no-break space is printable');
    assert.equal(printable('\u0000x\u001f\u0080'), '?x??');
  });

  it('variable names: letters, digits, . _ - up to 256, {name} allowed, reserved prefixes refused in any case', () => {
    assert.equal(check((p) => variableName(p, 'v', 'Pat.{name}_a-1')).value, 'Pat.{name}_a-1');
    assert.equal(check((p) => variableName(p, 'v', 'v'.repeat(256))).value, 'v'.repeat(256));
    assert.equal(check((p) => variableName(p, 'v', undefined)).value, undefined);
    assert.match(check((p) => variableName(p, 'v', 'v'.repeat(257))).problems[0], /is not a valid variable name/);
    assert.match(check((p) => variableName(p, 'v', 'has space')).problems[0], /^v: 'has space' is not a valid variable name \| use letters/);
    assert.match(check((p) => variableName(p, 'v', '')).problems[0], /is not a valid variable name/);
    for (const r of ['endpoint', 'input', 'secret', 'path', 'securefile']) {
      assert.deepEqual(check((p) => variableName(p, 'v', `${r.toUpperCase()}.X`)).problems, [`v: '${r.toUpperCase()}.X' starts with '${r}', a prefix Azure Pipelines reserves | choose a name that does not start with endpoint, input, secret, path or securefile`]);
    }
    assert.equal(check((p) => variableName(p, 'v', 'mypath')).value, 'mypath', 'only a prefix is reserved');
    assert.equal(check((p) => variableName(p, 'v', '{name}')).value, '{name}', '{name} alone stands for a name');
    assert.equal(check((p) => variableName(p, 'v', 'A.{name}.{name}')).value, 'A.{name}.{name}', 'every {name}');
    assert.match(check((p) => variableName(p, 'v', 'A.{nam}')).problems[0], /is not a valid variable name/);
    assert.match(check((p) => variableName(p, 'v', 'a\tb')).problems[0], /^v: 'a\?b' is not a valid variable name/, 'control characters shown as ?');
    assert.deepEqual(check((p) => variableName(p, 'v', '{name}Path')).problems, [], 'the reserved check reads {name} as a name, not as its text');
  });

  it('Key Vault secret names: 1-127 letters, digits and dashes, {name} allowed', () => {
    assert.equal(check((p) => keyVaultSecretName(p, 's', 'Pat-{name}')).value, 'Pat-{name}');
    assert.equal(check((p) => keyVaultSecretName(p, 's', 'k'.repeat(127))).value, 'k'.repeat(127));
    assert.equal(check((p) => keyVaultSecretName(p, 's', undefined)).value, undefined);
    assert.equal(check((p) => keyVaultSecretName(p, 's', '{name}')).value, '{name}');
    assert.equal(check((p) => keyVaultSecretName(p, 's', 'A-{name}-{name}')).value, 'A-{name}-{name}', 'every {name}');
    assert.deepEqual(check((p) => keyVaultSecretName(p, 's', 'a\nb')).problems, ["s: 'a?b' is not a valid Key Vault secret name | use 1-127 letters, digits and dashes (no dots, underscores or spaces)"]);
    for (const bad of ['k'.repeat(128), 'a.b', 'a_b', 'a b', '', '{Name}']) assert.match(check((p) => keyVaultSecretName(p, 's', bad)).problems[0] ?? '', /is not a valid Key Vault secret name \| use 1-127 letters/, bad);
  });
});
