/**
 * Which organization, and where its services live. Production needs no settings: the organization comes from the
 * pipeline's System.CollectionUri. The PatLifecycle.* variables point the product elsewhere (sovereign clouds, the
 * local emulator) without the product knowing why.
 */
import type { ServiceOverride, ServiceUrls } from './types';
import type { RawInputs } from './raw-inputs';
import type { Problems } from './problems';
import { expanded, httpsUrl, text } from './fields';
import { agentVariableHint, disallowedHostProblem, isAllowedServiceHost, SERVER_NOT_SUPPORTED, type ServiceRole } from './service-hosts';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_VSSPS_URL = 'https://vssps.dev.azure.com';
export const DEFAULT_DEVOPS_URL = 'https://dev.azure.com';

/** Organization names: letters, digits and hyphens, 1-50, no hyphen at either end. */
const ORG_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/;
const VISUALSTUDIO_HOST = /^([a-z0-9][a-z0-9-]*)\.visualstudio\.com$/i;

export function parseServiceUrls(p: Problems, raw: RawInputs): { urls: ServiceUrls; collectionUri?: string } {
  const overrides: ServiceOverride[] = [];
  const seam = (name: string, role: ServiceRole, fallback: string) => {
    const url = httpsUrl(p, name, expanded(p, name, text(raw.variable(name))), `set the pipeline variable ${name} to an https URL, or remove it to use ${fallback}`);
    if (url === undefined) return fallback;
    const refused = disallowedHostProblem(role, url);
    if (refused) return p.add(name, refused.message, refused.hint) ?? fallback;
    overrides.push({ variable: name, host: new URL(url).host });
    return url;
  };
  const collectionUri = httpsUrl(
    p,
    'System.CollectionUri',
    text(raw.variable('System.CollectionUri')),
    'run inside Azure Pipelines, or set the organization input',
  );
  // The agent sets it, but a pipeline variable of the same name can too; the variable groups' host derives from it.
  const refusedCollection = collectionUri ? disallowedHostProblem('devops', collectionUri) : undefined;
  if (refusedCollection) {
    p.add('System.CollectionUri', refusedCollection.message, agentVariableHint());
  }
  const derivedDevops = collectionUri && !refusedCollection ? devopsBaseOf(collectionUri) : DEFAULT_DEVOPS_URL;
  return {
    urls: {
      authorityHost: seam('PatLifecycle.AuthorityHost', 'authority', DEFAULT_AUTHORITY_HOST),
      vsspsUrl: seam('PatLifecycle.VsspsUrl', 'devops', DEFAULT_VSSPS_URL),
      devopsUrl: seam('PatLifecycle.DevOpsUrl', 'devops', derivedDevops),
      ...(overrides.length > 0 ? { overrides } : {}),
    },
    collectionUri,
  };
}

/**
 * `https://dev.azure.com/contoso` -> `https://dev.azure.com`; `https://contoso.visualstudio.com` -> dev.azure.com,
 * which serves every organization; anything else loses its last path segment (the organization or collection).
 */
function devopsBaseOf(collectionUri: string): string {
  const url = new URL(collectionUri);
  if (VISUALSTUDIO_HOST.test(url.hostname)) return DEFAULT_DEVOPS_URL;
  const segments = url.pathname.split('/').filter((s) => s.length > 0);
  segments.pop();
  return `${url.origin}${segments.map((s) => `/${s}`).join('')}`;
}

/** The organization name from the input (a name or a URL) or from System.CollectionUri. */
export function parseOrganization(p: Problems, raw: RawInputs, urls: ServiceUrls, collectionUri: string | undefined): string | undefined {
  const input = 'organization';
  const value = expanded(p, input, text(raw.input(input)));
  const hint = 'give the organization name (contoso) or its URL (https://dev.azure.com/contoso)';
  if (value === undefined) {
    // An input already refused (an unexpanded macro) gets one error, not a second "is required".
    if (p.has(input)) return undefined;
    if (collectionUri === undefined) {
      return p.add(input, 'is required outside a pipeline (System.CollectionUri is not set)', hint);
    }
    const fromCollection = organizationFromUrl(collectionUri, urls.devopsUrl);
    if (fromCollection) return fromCollection;
    return p.add(input, `cannot tell the organization from System.CollectionUri '${collectionUri}'`, hint);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return p.add(input, `'${value}' is not a URL`, hint);
    }
    const org = url.protocol === 'https:' ? organizationFromUrl(value, urls.devopsUrl) : undefined;
    if (org) return org;
    if (/^https?:$/.test(url.protocol) && !isAllowedServiceHost('devops', value)) {
      return p.add(input, `'${value}' is not an Azure DevOps Services organization URL. ${SERVER_NOT_SUPPORTED}`, 'give the name of an Azure DevOps Services organization, or its URL https://dev.azure.com/{organization}');
    }
    return p.add(
      input,
      `'${value}' is not an Azure DevOps organization URL`,
      `give the organization name, or a URL of the form https://dev.azure.com/{organization} or https://{organization}.visualstudio.com`,
    );
  }
  if (ORG_NAME.test(value)) return value;
  return p.add(input, `'${value}' is not a valid organization name`, hint);
}

/**
 * The organization of the variable groups: the pipeline's own (System.CollectionUri), whichever organization's PATs are
 * managed, since the pipeline's project and its Library live there. Outside a pipeline, the organization input.
 */
export function destinationOrganization(urls: ServiceUrls, collectionUri: string | undefined, organization: string | undefined): string | undefined {
  return (collectionUri ? organizationFromUrl(collectionUri, urls.devopsUrl) : undefined) ?? organization;
}

/**
 * Accepts dev.azure.com/{org}, {org}.visualstudio.com, and {devopsUrl}/{org} (the configured Azure DevOps host). The URL
 * is https, whose host the URL parser has lower-cased.
 */
function organizationFromUrl(value: string, devopsUrl: string): string | undefined {
  const url = new URL(value);
  const segments = url.pathname.split('/').filter((s) => s.length > 0);
  const vs = VISUALSTUDIO_HOST.exec(url.hostname);
  let org: string | undefined;
  if (vs) org = vs[1];
  else if (url.hostname === 'dev.azure.com') org = segments[0];
  else {
    const base = new URL(devopsUrl);
    const baseSegments = base.pathname.split('/').filter((s) => s.length > 0);
    const underBase = url.origin === base.origin && baseSegments.every((s, i) => segments[i]?.toLowerCase() === s.toLowerCase());
    if (underBase) org = segments[baseSegments.length];
  }
  const name = org === undefined ? undefined : decoded(org);
  return name !== undefined && ORG_NAME.test(name) ? name : undefined;
}

/** A path segment percent-decoded; undefined when its escapes are malformed (`%E0%A4%A`), which no name can be. */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
