/**
 * `login`: sign the user in once, interactively, and put the refresh token straight into the store the pipeline
 * task reads, with the metadata it needs (issuedAt, clientId, tenantId). The token is never shown unless `--print`
 * asks for it, and then only on stdout after a warning on stderr.
 */
import type { LoginSettings, StoreSettings } from './args';
import type { OpenBrowser } from './browser-flow';
import type { Output } from './output';
import type { CliServices } from './services';
import { signIn } from './sign-in';
import type { SecretMetadata, SecretStore } from '../src/stores/secret-store';
import { connectionSnippet, seedSignInConnection } from './sign-in-connection';

export interface LoginDeps {
  output: Output;
  services: CliServices;
  openBrowser?: OpenBrowser;
  /** Asks the user a yes/no question (login --service-connection creating a connection); false when nobody can answer. */
  confirm?: (question: string) => Promise<boolean>;
}

export async function runLogin(settings: LoginSettings, deps: LoginDeps): Promise<void> {
  const { output, services } = deps;
  const s = settings.signIn;
  output.secret(s.clientSecret);
  // Key Vault does not depend on this sign-in: check the vault first, so a missing role or a typo in the vault name
  // shows up before the user goes through the browser and MFA. (A variable group needs the sign-in's token.)
  let store: SecretStore | undefined;
  if (settings.store?.kind === 'keyVault') {
    store = await services.openRefreshTokenStore(settings.store, { organization: settings.organization, urls: settings.urls, network: settings.network, output });
    output.info(`Checking access to ${store.describe()}...`);
    const existing = await store.read();
    output.info(existing.exists ? 'The secret exists; a new version will be added.' : 'The secret does not exist yet; it will be created.');
  }

  output.info(
    `Signing in to tenant ${s.tenantId} with app ${s.clientId} (${s.clientSecret ? 'confidential' : 'public'} client) for Azure DevOps, ` +
      `${s.mode === 'deviceCode' ? 'with a device code' : 'in the browser'}.`,
  );
  const signedIn = await signIn(s, {
    output,
    openBrowser: deps.openBrowser,
    networkClient: services.msalNetworkClient(settings.network, output),
  });
  output.info(`Signed in${signedIn.username ? ` as ${signedIn.username}` : ''} (tenant ${signedIn.tenantId}).`);

  const metadata: SecretMetadata = {
    issuedAt: signedIn.issuedAt.toISOString(),
    clientId: signedIn.clientId,
    tenantId: signedIn.tenantId,
    // Signing in again is how the account is changed on purpose: the record names the new one (or none, if unknown).
    userObjectId: signedIn.objectId ?? '',
    userName: signedIn.objectId ? (signedIn.username ?? '') : '',
  };

  if (settings.store?.kind === 'serviceConnection') {
    const seeded = await seedSignInConnection(
      {
        project: settings.store.project,
        nameOrId: settings.store.nameOrId,
        authorityHost: settings.urls.authorityHost,
        tenantId: signedIn.tenantId,
        clientId: signedIn.clientId,
        ...(s.clientSecret ? { clientSecret: s.clientSecret } : {}),
        refreshToken: signedIn.refreshToken,
        issuedAt: signedIn.issuedAt,
        ...(signedIn.objectId ? { user: { objectId: signedIn.objectId, ...(signedIn.username ? { name: signedIn.username } : {}) } } : {}),
        yes: settings.yes,
      },
      {
        api: services.serviceEndpoints({ organization: settings.organization, urls: settings.urls, network: settings.network, userAccessToken: signedIn.accessToken, output }),
        output,
        confirm: deps.confirm ?? (async () => false),
      },
    );
    output.info(`${seeded.created ? 'Created' : 'Updated'} service connection '${seeded.name}' (id ${seeded.id}) in project '${settings.store.project}' with the sign-in.`);
    output.info('The refresh token expires after 90 days without use; every scheduled run of the task redeems it and writes the new one back into the connection.');
    output.info('');
    output.info(connectionSnippet(seeded.name));
  } else if (settings.store) {
    store ??= await services.openRefreshTokenStore(settings.store, {
      organization: settings.organization,
      urls: settings.urls,
      network: settings.network,
      userAccessToken: signedIn.accessToken,
      output,
    });
    output.info(`Writing the refresh token to ${store.describe()}...`);
    const receipt = await store.write(signedIn.refreshToken, metadata);
    await store.verify(receipt, signedIn.refreshToken);
    output.info(`Stored and read back: ${store.describe()}${settings.store.kind === 'keyVault' && receipt.version ? ` (version ${receipt.version})` : ''}.`);
    output.info(
      `The refresh token expires after 90 days without use; every scheduled run of the task redeems it and stores the new one.`,
    );
    output.info('');
    output.info(pipelineSnippet(settings.store, metadata));
  }

  if (settings.print) {
    output.warn(
      'Printing the refresh token (--print). Anyone who reads it can act as you in Azure DevOps for up to 90 days: ' +
        'do not paste it into chats, tickets or pipeline YAML, and keep it out of your shell history and logs.',
    );
    output.revealSecret(signedIn.refreshToken);
  }
}

/** The task inputs that match what was just stored, so the user can copy them. No secret in it. */
export function pipelineSnippet(store: Exclude<StoreSettings, { kind: 'serviceConnection' }>, metadata: SecretMetadata): string {
  const lines = ['Configure the pipeline task with:', ''];
  if (store.kind === 'variableGroup') {
    const group = store.group.name ?? String(store.group.id);
    lines.push(
      'variables:',
      `- group: ${group}`,
      'steps:',
      '- task: PatLifecycle@1',
      '  inputs:',
      `    tenantId: ${metadata.tenantId}`,
      `    clientId: ${metadata.clientId}`,
      `    refreshToken: $(${store.variableName})`,
      '    refreshTokenStore: variableGroup',
      `    refreshTokenVariableGroup: ${group}`,
      `    refreshTokenVariableName: ${store.variableName}`,
    );
  } else {
    lines.push(
      'steps:',
      '- task: AzureKeyVault@2',
      '  inputs:',
      '    azureSubscription: <service connection>',
      `    KeyVaultName: ${new URL(store.vaultUrl).hostname.split('.')[0]}`,
      `    SecretsFilter: ${store.secretName}`,
      '- task: PatLifecycle@1',
      '  inputs:',
      `    tenantId: ${metadata.tenantId}`,
      `    clientId: ${metadata.clientId}`,
      `    refreshToken: $(${store.secretName})`,
      '    refreshTokenStore: keyVault',
      '    azureSubscription: <service connection>',
      `    keyVault: ${store.vaultUrl}`,
      `    refreshTokenSecretName: ${store.secretName}`,
    );
  }
  return lines.join('\n');
}
