/**
 * What the commands need from the core, as one small interface: open a store, list PATs, MSAL's network client.
 * `core-services.ts` implements it with src/; tests of the commands' logic pass fakes.
 */
import type { INetworkModule } from '@azure/msal-node';
import type { NetworkConfig, ServiceUrls } from '../src/config/types';
import type { PatToken } from '../src/devops/types';
import type { SecretStore } from '../src/stores/secret-store';
import type { StoreSettings } from './args';
import type { Output } from './output';
import type { EndpointApi } from './sign-in-connection';

export interface StoreContext {
  organization: string;
  urls: ServiceUrls;
  network: NetworkConfig;
  /** The signed-in user's Entra access token for Azure DevOps: required for a variable group, unused for Key Vault. */
  userAccessToken?: string;
  output: Output;
}

export interface CliServices {
  openRefreshTokenStore(store: StoreSettings, ctx: StoreContext): Promise<SecretStore>;
  listActivePats(ctx: { organization: string; urls: ServiceUrls; network: NetworkConfig; accessToken: string; output: Output }): AsyncIterable<PatToken>;
  /** Service connections of the organization, read and written with the signed-in user's token (login --service-connection). */
  serviceEndpoints(ctx: StoreContext & { userAccessToken: string }): EndpointApi;
  /** undefined: MSAL uses its own fetch (no proxy support). */
  msalNetworkClient(network: NetworkConfig, output: Output): INetworkModule | undefined;
  /** Releases pooled connections so the process can exit at once. */
  close(): Promise<void>;
}
