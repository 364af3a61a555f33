/**
 * Key Vault access: the vault (a name, or a full URL for sovereign clouds and private endpoints) and the
 * Azure Resource Manager service connection whose identity writes to it.
 */
import type { AzureCredentialConfig, KeyVaultRef } from './types';
import type { RawInputs } from './raw-inputs';
import type { Problems } from './problems';
import { expanded, GUID, required, text } from './fields';
import { parseCertificateWithKey } from './certificate';
import { DEFAULT_AUTHORITY_HOST } from './organization';
import { agentVariableHint, disallowedHostProblem } from './service-hosts';

export const DEFAULT_KEY_VAULT_DNS_SUFFIX = 'vault.azure.net';
/** Vault names: 3-24 characters, letters, digits and dashes, starting with a letter, no dash at the end or twice in a row. */
const VAULT_NAME = /^(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;

export interface JobIdentity {
  /** System.AccessToken, when the job may use it. */
  systemAccessToken?: string;
  oidcRequestUri?: string;
}

export function parseKeyVault(p: Problems, raw: RawInputs, job: JobIdentity, why: string): KeyVaultRef | undefined {
  // required(): an unexpanded macro is reported once, not again as missing.
  const connectionId = required(
    p,
    'azureSubscription',
    expanded(p, 'azureSubscription', text(raw.input('azureSubscription')) ?? text(raw.input('ConnectedServiceName'))),
    why,
    'choose an Azure Resource Manager service connection that may get and set secrets in the vault',
  );
  const endpoint = connectionId !== undefined ? raw.endpoint(connectionId) : undefined;
  if (connectionId !== undefined && endpoint === undefined) {
    p.add('azureSubscription', `the service connection '${connectionId}' is not available to this pipeline`, 'check its name, and authorize this pipeline to use it (Project settings > Service connections > Security)');
  }
  const dnsSuffix = (text(endpoint?.data['azurekeyvaultdnssuffix']) ?? DEFAULT_KEY_VAULT_DNS_SUFFIX).replace(/^\.+/, '').toLowerCase();
  const authorityHost = parseAuthority(p, text(endpoint?.data['activedirectoryauthority']) ?? text(endpoint?.data['environmentauthorityurl']));
  const vaultUrl = parseVaultUrl(p, expanded(p, 'keyVault', text(raw.input('keyVault'))), dnsSuffix, why);
  // An endpoint is only looked up for a given connection id.
  const credential = endpoint ? parseCredential(p, connectionId!, endpoint, job) : undefined;
  if (vaultUrl === undefined || credential === undefined || authorityHost === undefined) return undefined;
  return { vaultUrl, authorityHost, dnsSuffix, credential };
}

function parseAuthority(p: Problems, value: string | undefined): string | undefined {
  if (value === undefined) return DEFAULT_AUTHORITY_HOST;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return url.origin;
  } catch {
    // reported below
  }
  return p.add('azureSubscription', `the connection's Active Directory authority '${value}' is not an https URL`, 'fix the service connection (its environment settings)');
}

/** `myvault` -> `https://myvault.{suffix}`; a URL must be https and under the connection's Key Vault DNS suffix. */
function parseVaultUrl(p: Problems, value: string | undefined, dnsSuffix: string, why: string): string | undefined {
  const input = 'keyVault';
  if (value === undefined) return required(p, input, value, why, 'give the vault name (contoso-secrets) or its URL (https://contoso-secrets.vault.azure.net)');
  if (!value.includes('://')) {
    if (VAULT_NAME.test(value)) return `https://${value.toLowerCase()}.${dnsSuffix}`;
    return p.add(input, `'${value}' is not a valid vault name`, 'use 3-24 letters, digits and dashes, starting with a letter; or give the full vault URL');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return p.add(input, `'${value}' is not a URL`, 'give the vault name or a URL like https://contoso-secrets.vault.azure.net');
  }
  if (url.protocol !== 'https:') return p.add(input, `'${value}' is not an https URL`, 'Key Vault is reached over https only');
  // An https URL's path is at least '/'.
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    return p.add(input, `'${value}' has a path, query or credentials`, 'give only the vault URL, e.g. https://contoso-secrets.vault.azure.net');
  }
  const host = url.hostname.toLowerCase();
  if (!host.endsWith(`.${dnsSuffix}`) || host.length === dnsSuffix.length + 1) {
    return p.add(
      input,
      `the vault host '${host}' is not under '${dnsSuffix}', the Key Vault DNS suffix of the service connection's cloud`,
      'use a vault in the same cloud as the service connection, or a service connection for the vault\'s cloud',
    );
  }
  return url.origin;
}

function parseCredential(p: Problems, connectionId: string, endpoint: NonNullable<ReturnType<RawInputs['endpoint']>>, job: JobIdentity): AzureCredentialConfig | undefined {
  const input = 'azureSubscription';
  const scheme = (endpoint.scheme ?? '').toLowerCase();
  const auth = endpoint.auth;
  const clientId = text(auth['serviceprincipalid']);
  const tenantId = text(auth['tenantid']);
  const needIds = (what: string) => {
    const validClientId = clientId !== undefined && GUID.test(clientId);
    if (!validClientId) p.add(input, `the ${what} connection '${connectionId}' has no valid service principal id`, 'edit the service connection and check its service principal (client) ID');
    if (tenantId === undefined) p.add(input, `the ${what} connection '${connectionId}' has no tenant id`, 'edit the service connection and check its tenant ID');
    return validClientId && tenantId !== undefined;
  };
  switch (scheme) {
    case '':
    case 'serviceprincipal': {
      const ok = needIds('service principal');
      const type = (text(auth['authenticationtype']) ?? 'spnKey').toLowerCase();
      if (type === 'spnkey') {
        const clientSecret = text(auth['serviceprincipalkey']);
        if (clientSecret === undefined) return p.add(input, `the connection '${connectionId}' has no service principal key`, 'edit the service connection and enter the client secret');
        return ok ? { scheme: 'ServicePrincipal', tenantId: tenantId!, clientId: clientId!.toLowerCase(), clientSecret } : undefined;
      }
      if (type === 'spncertificate') {
        const pem = text(auth['serviceprincipalcertificate']);
        if (pem === undefined) return p.add(input, `the connection '${connectionId}' has no certificate`, 'edit the service connection and paste the certificate with its private key');
        const parsed = parseCertificateWithKey(pem);
        if (!parsed.ok) return p.add(input, `the certificate of connection '${connectionId}' ${parsed.problem}`, parsed.hint);
        const certificatePem = parsed.value.certificatePem + parsed.value.privateKeyPem;
        return ok ? { scheme: 'ServicePrincipal', tenantId: tenantId!, clientId: clientId!.toLowerCase(), certificatePem } : undefined;
      }
      return p.add(input, `the connection '${connectionId}' uses authentication type '${auth['authenticationtype']}'`, 'use a service principal with a secret or a certificate, workload identity federation, or a managed identity');
    }
    case 'workloadidentityfederation': {
      const ok = needIds('workload identity federation');
      if (job.systemAccessToken === undefined) {
        p.add(input, `workload identity federation needs the job's access token (System.AccessToken), which this job does not have`, 'enable "Allow scripts to access the OAuth token" (classic) or map it: env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)');
      }
      if (job.oidcRequestUri === undefined) {
        p.add(input, 'workload identity federation needs System.OidcRequestUri, which this agent does not provide', 'run on an agent version 3.227 or later');
      } else {
        // The job's access token is sent there: held to the hosts of the PatLifecycle.* overrides, as every derived URL.
        const refused = disallowedHostProblem('devops', job.oidcRequestUri);
        if (refused) return p.add('System.OidcRequestUri', refused.message, agentVariableHint());
        if (new URL(job.oidcRequestUri).protocol !== 'https:') {
          return p.add('System.OidcRequestUri', `'${job.oidcRequestUri}' is not an https URL: the job's access token would cross the network in clear`, agentVariableHint());
        }
      }
      if (!ok || job.systemAccessToken === undefined || job.oidcRequestUri === undefined) return undefined;
      return {
        scheme: 'WorkloadIdentityFederation',
        tenantId: tenantId!,
        clientId: clientId!.toLowerCase(),
        serviceConnectionId: connectionId,
        systemAccessToken: job.systemAccessToken,
        oidcRequestUri: job.oidcRequestUri,
      };
    }
    case 'managedserviceidentity': {
      const msiClientId = text(endpoint.data['msiclientid']);
      return {
        scheme: 'ManagedServiceIdentity',
        ...(tenantId !== undefined ? { tenantId } : {}),
        ...(msiClientId !== undefined ? { clientId: msiClientId } : {}),
      };
    }
    default:
      return p.add(input, `the connection '${connectionId}' uses the authorization scheme '${endpoint.scheme}', which cannot reach Key Vault`, 'use an Azure Resource Manager connection with workload identity federation, a service principal or a managed identity');
  }
}
