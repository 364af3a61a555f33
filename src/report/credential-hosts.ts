/**
 * Where each credential of a run goes, host only, for one plain log line each (docs/security.md): whoever reads the log
 * sees at once when a credential was sent somewhere unexpected, whether a variable or a connection chose the host.
 */
import type { Config, KeyVaultRef } from '../config/types';

const hostOf = (url: string) => new URL(url).host;

export function credentialHosts(config: Config): string[] {
  const lines = [`The refresh token (and client secret or certificate) goes to ${hostOf(config.urls.authorityHost)}.`];
  const devopsUsers: string[] = [];
  let jobToken = false;
  const vaults: KeyVaultRef[] = [];
  for (const d of [...config.destinations, config.refreshTokenStore]) {
    if (d.kind === 'variableGroup' && d.auth === 'job') jobToken = true;
    else if (d.kind === 'variableGroup' || d.kind === 'serviceConnection') devopsUsers.push(d.kind);
    else if (d.kind === 'keyVault') vaults.push(d.vault);
  }
  const devops = devopsUsers.length > 0 ? ` and ${hostOf(config.urls.devopsUrl)} (variable groups, service connections)` : '';
  lines.push(`The signed-in user's access token goes to ${hostOf(config.urls.vsspsUrl)} (PATs)${devops}.`);
  if (jobToken) lines.push(`The job's access token goes to ${hostOf(config.urls.devopsUrl)} (variable groups).`);
  for (const v of vaults) {
    const c = v.credential;
    const signIn = c.scheme === 'ManagedServiceIdentity' ? "the agent's managed identity endpoint" : hostOf(v.authorityHost);
    if (c.scheme === 'WorkloadIdentityFederation') lines.push(`The job's access token goes to ${hostOf(c.oidcRequestUri)} (the ID token for Key Vault's workload identity).`);
    lines.push(`The Key Vault credential goes to ${signIn}; its token to ${hostOf(v.vaultUrl)}.`);
  }
  const proxy = config.network.proxy;
  if (proxy) {
    // Agent.ProxyUrl is a variable: the agent sets it from its own configuration at job start, but a later step could
    // set it too (docs/security.md). Saying where the proxy is, and whether it gets the agent's credentials, shows it.
    lines.push(`Requests go through the proxy ${hostOf(proxy.url)} (Agent.ProxyUrl)${proxy.username ? `, which is sent the proxy credentials of user ${proxy.username}` : ''}, except those its bypass list names.`);
  }
  return [...new Set(lines)];
}
