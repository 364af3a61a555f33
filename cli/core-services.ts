/**
 * CliServices on the core: one HttpClient (proxy, CA, timeouts, retries) for MSAL, Azure DevOps and the variable
 * group store; the developer's own Azure identity for Key Vault.
 */
import type { NetworkConfig } from '../src/config/types';
import { PatClient } from '../src/devops/pat-client';
import { MsalNetworkClient } from '../src/entra/msal-network-client';
import { createHttpClient, type HttpClient } from '../src/http/http-client';
import { openSecretStore } from '../src/stores/open-store';
import { ServiceEndpointClient } from '../src/devops/service-endpoint-client';
import { createDeveloperKeyVaultStore } from './key-vault-store';
import type { CliServices } from './services';

export function createCoreServices(env: Record<string, string | undefined> = process.env): CliServices {
  const clients = new Map<string, HttpClient>();
  const http = (network: NetworkConfig): HttpClient => {
    const key = JSON.stringify(network);
    let client = clients.get(key);
    if (!client) {
      client = createHttpClient(network, { userAgent: 'pat-lifecycle-cli' });
      clients.set(key, client);
    }
    return client;
  };
  return {
    // The core's client names its requests after the task's use ("redeem the refresh token"); here they sign in.
    msalNetworkClient: (network) => {
      const inner = http(network);
      return new MsalNetworkClient({ request: (req) => inner.request({ ...req, operation: 'sign in to Microsoft Entra ID' }) });
    },
    async openRefreshTokenStore(store, ctx) {
      if (store.kind === 'keyVault') {
        return createDeveloperKeyVaultStore({
          vaultUrl: store.vaultUrl,
          secretName: store.secretName,
          credential: store.credential,
          authorityHost: store.authorityHost,
          network: ctx.network,
          env,
          log: (m) => ctx.output.debug(m),
        });
      }
      // The variable group and the sign-in connection are read with the Entra token of this very sign-in, as the task
      // does by default. A sign-in connection opened here is only read (status); login writes one itself
      // (cli/sign-in-connection.ts), as it may have to create it first.
      if (!ctx.userAccessToken) throw new Error(`a ${store.kind === 'serviceConnection' ? 'service connection' : 'variable group'} store needs the signed-in user's access token`);
      return openSecretStore(
        store.kind === 'serviceConnection'
          ? { kind: 'serviceConnection', connection: { project: store.project, nameOrId: store.nameOrId } }
          : { kind: 'variableGroup', group: { project: store.project, ...store.group }, variableName: store.variableName, auth: 'user' },
        {
          http: http(ctx.network),
          organization: ctx.organization,
          devopsUrl: ctx.urls.devopsUrl,
          userAccessToken: ctx.userAccessToken,
          network: ctx.network,
          purpose: 'refreshToken',
          log: (m) => ctx.output.debug(m),
        },
      );
    },
    serviceEndpoints(ctx) {
      return new ServiceEndpointClient({ http: http(ctx.network), devopsUrl: ctx.urls.devopsUrl, organization: ctx.organization, authorization: `Bearer ${ctx.userAccessToken}` });
    },
    listActivePats(ctx) {
      const client = new PatClient({ http: http(ctx.network), vsspsUrl: ctx.urls.vsspsUrl, organization: ctx.organization, accessToken: ctx.accessToken });
      return client.listAll('active');
    },
    async close() {
      await Promise.all([...clients.values()].map((c) => c.close?.()));
    },
  };
}
