/**
 * Which hosts an override may send a credential to. The PatLifecycle.* host variables are pipeline variables, so
 * anyone who can queue a run with variables or make an earlier step print `##vso[task.setvariable]` can set them;
 * accepting any https URL would hand the refresh token, client secret and access token to their server. Only hosts
 * that can legitimately play the role are accepted: Microsoft's own, or loopback (an emulator on the agent itself,
 * which only code already running on the agent can listen on).
 */
import { BlockList, isIP } from 'node:net';
import { MICROSOFT_AUTHORITY_HOSTS } from '../entra/authority';

export type ServiceRole = 'authority' | 'devops';

/**
 * Azure DevOps Services runs in Microsoft's public cloud only (there is no sovereign-cloud instance); these are the
 * hosts of its PAT Lifecycle (vssps) and variable group APIs, old and new URL forms.
 */
const DEVOPS_HOSTS = ['dev.azure.com', 'vssps.dev.azure.com'];
const DEVOPS_HOST_SUFFIXES = ['.visualstudio.com'];

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** `localhost`, 127.0.0.0/8 or ::1, as the WHATWG URL parser normalised it (`[::1]`, `0x7f.1` -> `127.0.0.1`). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

export function isAllowedServiceHost(role: ServiceRole, url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (isLoopbackHost(hostname)) return true;
  if (role === 'authority') return MICROSOFT_AUTHORITY_HOSTS.has(hostname);
  // `vssps.visualstudio.com` and `{org}.vssps.visualstudio.com` fall under the suffix; a bare `visualstudio.com` does not.
  return DEVOPS_HOSTS.includes(hostname) || DEVOPS_HOST_SUFFIXES.some((s) => hostname.endsWith(s) && hostname.length > s.length);
}

/** The allowed hosts in words, for the error that names them. */
export function allowedHostsText(role: ServiceRole): string {
  const microsoft = role === 'authority' ? [...MICROSOFT_AUTHORITY_HOSTS] : [...DEVOPS_HOSTS, ...DEVOPS_HOST_SUFFIXES.map((s) => `*${s}`)];
  return `${microsoft.join(', ')}, or a loopback address (localhost, 127.0.0.0/8, ::1) for an emulator on the agent`;
}

/**
 * What a URL on any other host is told: the likeliest such URL is an Azure DevOps Server collection, and the product
 * cannot serve one (the PAT Lifecycle API exists only in Azure DevOps Services).
 */
export const SERVER_NOT_SUPPORTED = 'Azure DevOps Server (on-premises) is not supported: it has no PAT Lifecycle API, which this task needs; only Azure DevOps Services (https://dev.azure.com/{organization}) is';

/**
 * What a refused override is told, or undefined when the host may serve the role. A value that is no URL at all (an
 * agent variable such as System.OidcRequestUri replaced by a pipeline variable) is refused as it is, not thrown on.
 */
export function disallowedHostProblem(role: ServiceRole, url: string): { message: string; hint: string } | undefined {
  if (isAllowedServiceHost(role, url)) return undefined;
  const what = role === 'authority' ? 'a Microsoft Entra sign-in host' : 'an Azure DevOps host';
  return {
    message: `'${hostOf(url)}' is not ${what}: the run would send credentials there${role === 'devops' ? `. ${SERVER_NOT_SUPPORTED}` : ''}`,
    hint: `remove the override, or use one of ${allowedHostsText(role)}`,
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The fix for an agent variable (System.CollectionUri, System.OidcRequestUri) naming a host no Azure DevOps URL has. */
export function agentVariableHint(): string {
  return `the agent sets it to the organization's own URL, so a pipeline variable of that name (queue time or task.setvariable) has replaced it: remove that variable. Allowed hosts: ${allowedHostsText('devops')}`;
}
