// Child-process client: gets a token with a real @azure/identity credential, as the product's Key Vault store does.
// Input: CLIENT_INPUT (JSON). Prints the result as one JSON line.
import {
  AzurePipelinesCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';

interface Input {
  kind: 'secret' | 'certificate' | 'pipelines' | 'msi';
  tenantId: string;
  clientId: string;
  secret?: string;
  /** PEM with the certificate and its private key. */
  certificatePem?: string;
  sendCertificateChain?: boolean;
  serviceConnectionId?: string;
  systemAccessToken?: string;
  scope: string;
  authorityHost?: string;
  disableInstanceDiscovery?: boolean;
}

const input = JSON.parse(process.env.CLIENT_INPUT!) as Input;

function credential(): TokenCredential {
  const common = { authorityHost: input.authorityHost, disableInstanceDiscovery: input.disableInstanceDiscovery };
  switch (input.kind) {
    case 'secret':
      return new ClientSecretCredential(input.tenantId, input.clientId, input.secret!, common);
    case 'certificate':
      return new ClientCertificateCredential(input.tenantId, input.clientId, { certificate: input.certificatePem! }, { ...common, sendCertificateChain: input.sendCertificateChain });
    case 'pipelines':
      return new AzurePipelinesCredential(input.tenantId, input.clientId, input.serviceConnectionId!, input.systemAccessToken!, common);
    case 'msi':
      return new ManagedIdentityCredential({ clientId: input.clientId });
  }
}

async function main() {
  try {
    const t = await credential().getToken(input.scope);
    console.log(JSON.stringify({ ok: true, token: t?.token, expiresOnTimestamp: t?.expiresOnTimestamp }));
  } catch (e) {
    const err = e as Error & { errorResponse?: { error?: string; errorDescription?: string; error_codes?: number[] } };
    console.log(JSON.stringify({ ok: false, error: { name: err.name, message: err.message, errorResponse: err.errorResponse } }));
  }
}
void main();
