/**
 * How many requests the Key Vault sign-in makes on Microsoft's own authority host. Against the emulator (any other
 * host) MSAL first fetches the authority's OpenID configuration; on login.microsoftonline.com it knows the endpoints
 * already (MSAL's built-in metadata), so the only request is the token POST. This pins that down without a network: the
 * credential the task builds is given an HTTP client that answers in place of Entra and records every request.
 */
import { strict as assert } from 'node:assert';
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { identityClientOptions } from '../../../src/stores/azure-credential';
import type { NetworkConfig } from '../../../src/config/types';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '3f1b0c9e-5a55-4a43-9d89-0c8f3b1c2a11';

function recordingEntra(): { client: HttpClient; seen: string[] } {
  const seen: string[] = [];
  const client: HttpClient = {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const url = new URL(request.url);
      seen.push(`${request.method} ${url.host}${url.pathname}`);
      const json = (status: number, body: unknown): PipelineResponse => ({
        request,
        status,
        headers: createHttpHeaders({ 'content-type': 'application/json; charset=utf-8' }),
        bodyAsText: JSON.stringify(body),
      });
      if (request.method === 'POST' && url.pathname === `/${TENANT}/oauth2/v2.0/token`) {
        return json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'eyJ0eXAiOiJKV1QifQ.e30.sig' });
      }
      return json(404, { error: 'not_found', error_description: `the test answers only the token endpoint, not ${url.pathname}` });
    },
  };
  return { client, seen };
}

const network: NetworkConfig = { timeoutMs: 10_000 };

describe('Key Vault sign-in request count', () => {
  it('a service principal on login.microsoftonline.com asks Entra for the token only (no discovery request)', async () => {
    const identity = await import('@azure/identity');
    const { client, seen } = recordingEntra();
    const options = { ...identityClientOptions('https://login.microsoftonline.com', network), httpClient: client };
    const credential = new identity.ClientSecretCredential(TENANT, CLIENT, 'not-a-real-secret', options);
    const token = await credential.getToken('https://vault.azure.net/.default');
    assert.ok(token?.token);
    assert.deepEqual(seen, [`POST login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`]);
  });

  it('the same credential on another authority host (the emulator\'s case) fetches the OpenID configuration first', async () => {
    const identity = await import('@azure/identity');
    const { client, seen } = recordingEntra();
    const options = { ...identityClientOptions('https://login.example.test', network), httpClient: client };
    const credential = new identity.ClientSecretCredential(TENANT, CLIENT, 'not-a-real-secret', options);
    await credential.getToken('https://vault.azure.net/.default').catch(() => undefined);
    assert.equal(seen[0], `GET login.example.test/${TENANT}/v2.0/.well-known/openid-configuration`);
  });
});
