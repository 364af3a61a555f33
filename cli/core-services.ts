/**
 * CliServices on the core: one HttpClient (proxy, CA, timeouts, retries) for MSAL, Azure DevOps and the stores.
 */
import { PatClient } from '../src/devops/pat-client';
import { MsalNetworkClient } from '../src/entra/msal-network-client';
import { createHttpClient, type HttpClient } from '../src/http/http-client';
import type { NetworkConfig } from '../src/config/types';
import { PatLifecycleError } from '../src/errors';
import type { CliServices } from './services';

export function createCoreServices(): CliServices {
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
    msalNetworkClient: (network) => new MsalNetworkClient(http(network)),
    async openRefreshTokenStore() {
      throw new PatLifecycleError('service', 'NotAvailable', 'The stores are not available in this build yet.');
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
