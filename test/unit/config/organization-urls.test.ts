import { strict as assert } from 'node:assert';
import { DEFAULT_AUTHORITY_HOST, DEFAULT_DEVOPS_URL, DEFAULT_VSSPS_URL, destinationOrganization, parseOrganization, parseServiceUrls } from '../../../src/config/organization';
import { Problems } from '../../../src/config/problems';
import { rawInputsFrom } from '../../../src/config/raw-inputs';
import { agentVariableHint, disallowedHostProblem, SERVER_NOT_SUPPORTED } from '../../../src/config/service-hosts';
import type { ServiceUrls } from '../../../src/config/types';
import { InputErrors } from '../../../src/errors';

/** Runs one parse on a fresh Problems: what it returned and the problems, as `input: message | hint`. */
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

const urlsOf = (variables: Record<string, string>) => check((p) => parseServiceUrls(p, rawInputsFrom({ variables })));
const DEFAULTS: ServiceUrls = { authorityHost: DEFAULT_AUTHORITY_HOST, vsspsUrl: DEFAULT_VSSPS_URL, devopsUrl: DEFAULT_DEVOPS_URL };
const ORG_HINT = 'give the organization name (contoso) or its URL (https://dev.azure.com/contoso)';

describe('service URLs: production defaults, System.CollectionUri and the PatLifecycle.* overrides', () => {
  it("production's hosts when nothing is set, and no overrides", () => {
    assert.deepEqual([DEFAULT_AUTHORITY_HOST, DEFAULT_VSSPS_URL, DEFAULT_DEVOPS_URL], ['https://login.microsoftonline.com', 'https://vssps.dev.azure.com', 'https://dev.azure.com']);
    assert.deepEqual(urlsOf({}), { value: { urls: DEFAULTS, collectionUri: undefined }, problems: [] });
  });

  it('derives the Azure DevOps host from System.CollectionUri: dev.azure.com, visualstudio.com, or the URI without its collection', () => {
    assert.deepEqual(urlsOf({ 'System.CollectionUri': 'https://dev.azure.com/contoso/' }).value, { urls: DEFAULTS, collectionUri: 'https://dev.azure.com/contoso' });
    assert.deepEqual(urlsOf({ 'System.CollectionUri': 'https://contoso.visualstudio.com/' }).value, { urls: DEFAULTS, collectionUri: 'https://contoso.visualstudio.com' });
    assert.deepEqual(urlsOf({ 'System.CollectionUri': 'https://localhost:8443/a/b/DefaultCollection/' }), {
      value: { urls: { ...DEFAULTS, devopsUrl: 'https://localhost:8443/a/b' }, collectionUri: 'https://localhost:8443/a/b/DefaultCollection' },
      problems: [],
    });
    assert.equal(urlsOf({ 'System.CollectionUri': 'https://127.0.0.1:8443/contoso' }).value.urls.devopsUrl, 'https://127.0.0.1:8443');
  });

  it('refuses a System.CollectionUri on a host no Azure DevOps URL has (a pipeline variable replaced it), and keeps dev.azure.com', () => {
    const r = urlsOf({ 'System.CollectionUri': 'https://collector.test/contoso' });
    assert.deepEqual(r.value.urls, DEFAULTS);
    assert.deepEqual(r.problems, [`System.CollectionUri: ${disallowedHostProblem('devops', 'https://collector.test/contoso')!.message} | ${agentVariableHint()}`]);
    assert.match(r.problems[0], /'collector\.test' is not an Azure DevOps host/);
  });

  it('refuses a System.CollectionUri that is not https, telling to run in a pipeline or give the organization', () => {
    assert.deepEqual(urlsOf({ 'System.CollectionUri': 'http://dev.azure.com/contoso' }), {
      value: { urls: DEFAULTS, collectionUri: undefined },
      problems: ["System.CollectionUri: 'http://dev.azure.com/contoso' is not an https URL | run inside Azure Pipelines, or set the organization input"],
    });
  });

  it('takes each override on an allowed host, and lists the overrides with their hosts', () => {
    const r = urlsOf({
      'System.CollectionUri': 'https://dev.azure.com/contoso',
      'PatLifecycle.AuthorityHost': ' https://login.microsoftonline.us/ ',
      'PatLifecycle.VsspsUrl': 'https://127.0.0.1:9000/vssps',
      'PatLifecycle.DevOpsUrl': 'https://localhost:9001',
    });
    assert.deepEqual(r, {
      value: {
        urls: {
          authorityHost: 'https://login.microsoftonline.us',
          vsspsUrl: 'https://127.0.0.1:9000/vssps',
          devopsUrl: 'https://localhost:9001',
          overrides: [
            { variable: 'PatLifecycle.AuthorityHost', host: 'login.microsoftonline.us' },
            { variable: 'PatLifecycle.VsspsUrl', host: '127.0.0.1:9000' },
            { variable: 'PatLifecycle.DevOpsUrl', host: 'localhost:9001' },
          ],
        },
        collectionUri: 'https://dev.azure.com/contoso',
      },
      problems: [],
    });
  });

  it('refuses an override on another host, naming the variable, and uses the default instead', () => {
    const r = urlsOf({ 'PatLifecycle.AuthorityHost': 'https://collector.test', 'PatLifecycle.VsspsUrl': 'https://dev.azure.com.collector.test' });
    assert.deepEqual(r.value, { urls: DEFAULTS, collectionUri: undefined });
    const authority = disallowedHostProblem('authority', 'https://collector.test')!;
    const devops = disallowedHostProblem('devops', 'https://dev.azure.com.collector.test')!;
    assert.deepEqual(r.problems, [`PatLifecycle.AuthorityHost: ${authority.message} | ${authority.hint}`, `PatLifecycle.VsspsUrl: ${devops.message} | ${devops.hint}`]);
  });

  it('refuses an override that is not https or is an unexpanded macro, naming the default it falls back to', () => {
    const r = urlsOf({ 'PatLifecycle.DevOpsUrl': 'http://localhost:9001', 'PatLifecycle.VsspsUrl': '$(Emulator.Vssps)' });
    assert.deepEqual(r.value, { urls: DEFAULTS, collectionUri: undefined });
    assert.equal(r.problems.length, 2);
    assert.match(r.problems[0], /^PatLifecycle\.VsspsUrl: the value is the macro \$\(Emulator\.Vssps\)/);
    assert.equal(r.problems[1], "PatLifecycle.DevOpsUrl: 'http://localhost:9001' is not an https URL | set the pipeline variable PatLifecycle.DevOpsUrl to an https URL, or remove it to use https://dev.azure.com");
  });
});

describe('the organization: the input (a name or a URL), else System.CollectionUri', () => {
  const org = (input: string | undefined, collectionUri?: string, urls: ServiceUrls = DEFAULTS) =>
    check((p) => parseOrganization(p, rawInputsFrom({ inputs: { organization: input } }), urls, collectionUri));
  const emulator: ServiceUrls = { ...DEFAULTS, devopsUrl: 'https://localhost:8443/tfs' };

  it('takes a name as it is, or from a dev.azure.com or visualstudio.com URL (any case of scheme and host)', () => {
    assert.deepEqual(org(' Contoso-1 '), { value: 'Contoso-1', problems: [] });
    assert.equal(org('a').value, 'a');
    assert.equal(org('HTTPS://DEV.azure.com/contoso/_git/repo').value, 'contoso');
    assert.equal(org('https://Fabrikam.VisualStudio.com/DefaultCollection').value, 'fabrikam', 'the host as the URL parser gives it');
    assert.equal(org('https://dev.azure.com/my%2Dorg').value, 'my-org', 'percent-encoded, decoded');
  });

  it('takes an organization URL under the configured Azure DevOps host, any case of its path', () => {
    assert.equal(org('https://localhost:8443/TFS/contoso/project', undefined, emulator).value, 'contoso');
    assert.match(org('https://localhost:8443/other/contoso', undefined, emulator).problems[0], /is not an Azure DevOps organization URL/);
    assert.match(org('https://localhost:9999/tfs/contoso', undefined, emulator).problems[0], /is not an Azure DevOps organization URL/, 'another port is another origin');
    assert.match(org('https://localhost:8443', undefined, emulator).problems[0], /is not an Azure DevOps organization URL/, 'shorter than the base path');
  });

  it('refuses a bad name, naming the input and the two forms it takes', () => {
    for (const bad of ['-contoso', 'contoso-', 'con toso', 'a'.repeat(51), 'con_toso']) {
      assert.deepEqual(org(bad).problems, [`organization: '${bad}' is not a valid organization name | ${ORG_HINT}`], bad);
    }
    assert.equal(org('a'.repeat(50)).value, 'a'.repeat(50));
  });

  it('refuses a URL without an organization, or of a non-http scheme, showing the URL forms it takes', () => {
    const forms = 'give the organization name, or a URL of the form https://dev.azure.com/{organization} or https://{organization}.visualstudio.com';
    assert.deepEqual(org('https://dev.azure.com/').problems, [`organization: 'https://dev.azure.com/' is not an Azure DevOps organization URL | ${forms}`]);
    assert.deepEqual(org('http://dev.azure.com/contoso').problems, [`organization: 'http://dev.azure.com/contoso' is not an Azure DevOps organization URL | ${forms}`], 'http is not taken');
    assert.deepEqual(org('ftp://files.corp/contoso').problems, [`organization: 'ftp://files.corp/contoso' is not an Azure DevOps organization URL | ${forms}`]);
    assert.deepEqual(org('https://dev.azure.com/a%20b').problems, [`organization: 'https://dev.azure.com/a%20b' is not an Azure DevOps organization URL | ${forms}`]);
    assert.deepEqual(org('https://').problems, [`organization: 'https://' is not a URL | ${ORG_HINT}`]);
    assert.deepEqual(org('git+https://tfs.corp/contoso').problems, [`organization: 'git+https://tfs.corp/contoso' is not an Azure DevOps organization URL | ${forms}`], 'a scheme of several characters, ending in https');
    assert.deepEqual(org('my org://x').problems, [`organization: 'my org://x' is not a valid organization name | ${ORG_HINT}`], 'a URL only when the value starts with its scheme');
  });

  it('refuses a URL whose organization has a malformed percent escape as an input error (it threw a URIError)', () => {
    const forms = 'give the organization name, or a URL of the form https://dev.azure.com/{organization} or https://{organization}.visualstudio.com';
    assert.deepEqual(org('https://dev.azure.com/%E0%A4%A'), { value: undefined, problems: [`organization: 'https://dev.azure.com/%E0%A4%A' is not an Azure DevOps organization URL | ${forms}`] });
    assert.deepEqual(org(undefined, 'https://dev.azure.com/%E0%A4%A').problems, [`organization: cannot tell the organization from System.CollectionUri 'https://dev.azure.com/%E0%A4%A' | ${ORG_HINT}`]);
    assert.equal(destinationOrganization(DEFAULTS, 'https://dev.azure.com/%zz', 'contoso'), 'contoso');
  });

  it('says an Azure DevOps Server collection (http or https on another host) is not supported', () => {
    const hint = 'give the name of an Azure DevOps Services organization, or its URL https://dev.azure.com/{organization}';
    for (const url of ['https://tfs.corp/tfs/DefaultCollection', 'http://tfs.corp:8080/tfs/DefaultCollection']) {
      assert.deepEqual(org(url).problems, [`organization: '${url}' is not an Azure DevOps Services organization URL. ${SERVER_NOT_SUPPORTED} | ${hint}`], url);
    }
  });

  it('refuses an unexpanded $(macro) once, not falling back to System.CollectionUri nor calling the input missing', () => {
    for (const collectionUri of ['https://dev.azure.com/contoso', undefined]) {
      const r = org('$(Org.Name)', collectionUri);
      assert.equal(r.value, undefined);
      assert.equal(r.problems.length, 1, r.problems.join('\n'));
      assert.match(r.problems[0], /^organization: the value is the macro \$\(Org\.Name\)/);
    }
  });

  it('without the input, takes the organization of System.CollectionUri', () => {
    assert.deepEqual(org(undefined, 'https://dev.azure.com/contoso'), { value: 'contoso', problems: [] });
    assert.deepEqual(org('  ', 'https://fabrikam.visualstudio.com'), { value: 'fabrikam', problems: [] });
    assert.deepEqual(org(undefined, 'https://localhost:8443/tfs/contoso', emulator), { value: 'contoso', problems: [] });
  });

  it('without the input, is required outside a pipeline, and refused when System.CollectionUri names no organization', () => {
    assert.deepEqual(org(undefined), { value: undefined, problems: [`organization: is required outside a pipeline (System.CollectionUri is not set) | ${ORG_HINT}`] });
    assert.deepEqual(org(undefined, 'https://localhost:8443/tfs', emulator).problems, [
      `organization: cannot tell the organization from System.CollectionUri 'https://localhost:8443/tfs' | ${ORG_HINT}`,
    ]);
  });
});

describe("the variable groups' organization", () => {
  it("is the pipeline's own (System.CollectionUri), else the organization input", () => {
    assert.equal(destinationOrganization(DEFAULTS, 'https://dev.azure.com/home', 'other'), 'home');
    assert.equal(destinationOrganization(DEFAULTS, undefined, 'other'), 'other');
    assert.equal(destinationOrganization(DEFAULTS, 'https://dev.azure.com/', 'other'), 'other', 'a collection URI without an organization');
    assert.equal(destinationOrganization(DEFAULTS, undefined, undefined), undefined);
  });
});
