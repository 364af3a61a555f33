// What `npm run emulator` puts into a fresh emulator so that a person trying the tool has something to point it at:
// a small organization as a real one looks a while after adopting the extension, and the commands to try on it.
import { defineRoute, type Emulator } from './index';

export const PLAYGROUND = {
  org: 'contoso',
  project: 'Web',
  signInGroup: 'pat-lifecycle-signin',
  refreshTokenVariable: 'PatLifecycle.RefreshToken',
  destinationGroup: 'pat-rotation',
  vault: 'contoso-secrets',
  /** Where the Key Vault command keeps the refresh token. */
  vaultRefreshTokenSecret: 'pat-lifecycle-refresh-token',
  refreshTokenEnv: 'PLAYGROUND_REFRESH_TOKEN',
  approvePath: '/playground/approve',
} as const;

export interface Playground {
  tenantId: string;
  clientId: string;
  user: { userId: string; upn: string; displayName: string };
  /** The PATs as seeded: name and days left. */
  pats: Array<{ displayName: string; days: number; scope: string }>;
  /** A refresh token of the user, as a sign-in would have left it, for `run` (which reads it from the environment). */
  refreshToken: string;
  /** The service principal the CLI reaches Key Vault with (AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET). */
  keyVaultIdentity: { clientId: string; secret: string };
  vaultUrl: string;
  /** Lines to export in a shell, in order. */
  env: Array<[string, string]>;
  /** The commands to try, each a single line for a POSIX shell. */
  commands: string[];
  approveUrl: string;
  /** Approves a device code sign-in as the playground's user; false when no such code is waiting. */
  approve(userCode: string): boolean;
}

export function seedPlayground(emu: Emulator): Playground {
  const { entra, devops, variableGroups, keyVault, pats } = emu.control;
  const tenantId = entra.defaultTenantId as string;
  const user = entra.addUser({ upn: 'avery@contoso.test', displayName: 'Avery Builder' });
  // A public client with "Allow public client flows", as docs/cli.md tells people to register it: device code works.
  const app = entra.addApp({ kind: 'public', allowPublicClientFlows: true, displayName: 'PAT Lifecycle for Azure Pipelines' });
  entra.setBrowserUser(user.userId);
  // Entra's 5-second poll makes a person wait for nothing here.
  entra.setDeviceCodeInterval(1);

  devops.addOrganization({ name: PLAYGROUND.org });
  devops.addProject(PLAYGROUND.org, { name: PLAYGROUND.project });

  // Two rotated by the task a while ago (one due again soon), and one the user made by hand in the web UI.
  const seeded = [
    { displayName: 'build-agent-linux', scope: 'vso.agentpools', days: 5 },
    { displayName: 'feed-reader', scope: 'vso.packaging', days: 24 },
    { displayName: "Avery's laptop (git)", scope: 'vso.code_write', days: 83 },
  ];
  for (const p of seeded) pats.create(PLAYGROUND.org, user.userId, { displayName: p.displayName, scope: p.scope, lifetimeDays: p.days });

  variableGroups.add(PLAYGROUND.org, PLAYGROUND.project, {
    name: PLAYGROUND.signInGroup,
    description: 'Sign-in of the PAT Lifecycle task',
    variables: { 'PatLifecycle.TenantId': tenantId, 'PatLifecycle.ClientId': app.clientId },
    administrators: [user.userId],
    createdBy: user.userId,
  });
  variableGroups.add(PLAYGROUND.org, PLAYGROUND.project, {
    name: PLAYGROUND.destinationGroup,
    description: 'PATs the build agents read',
    variables: { 'Pat-build-agent-linux': { value: 'stored-by-an-earlier-rotation', isSecret: true } },
    administrators: [user.userId],
    createdBy: user.userId,
  });
  // The CLI reaches Key Vault as a service principal from AZURE_* (run) or the developer's sign-in (login, status:
  // --kv-credential env takes the same variables): one that may get and set secrets, as docs/cli.md asks for.
  const vaultWriter = entra.addApp({ kind: 'confidential', displayName: 'PAT Lifecycle playground Key Vault writer' });
  const vaultUrl = keyVault.addVault({ name: PLAYGROUND.vault, access: { [user.userId]: 'officer', [vaultWriter.objectId]: 'officer' } }).url;
  keyVault.setSecret(PLAYGROUND.vault, 'FeedReaderPat', 'stored-by-an-earlier-rotation', { contentType: 'text/plain' });

  const { refreshToken } = entra.signIn({ userId: user.userId, clientId: app.clientId });

  const approve = (userCode: string): boolean => {
    try {
      entra.approveDeviceCode(userCode.trim(), user.userId);
      return true;
    } catch {
      return false;
    }
  };
  emu.core.addRoute(
    defineRoute({
      service: 'entra',
      name: 'playground.approve',
      method: 'POST',
      path: PLAYGROUND.approvePath,
      handle: (req) => {
        const code = req.query.get('user_code') ?? '';
        return approve(code)
          ? { status: 200, body: { approved: code.toUpperCase(), user: user.upn } }
          : { status: 404, body: { error: `no device code ${code} is waiting` } };
      },
    }),
  );

  const u = emu.urls;
  const child = emu.childEnv();
  const env: Array<[string, string]> = [
    ['NODE_EXTRA_CA_CERTS', child['NODE_EXTRA_CA_CERTS']!],
    ['NODE_OPTIONS', child['NODE_OPTIONS']!],
    ['PATLIFECYCLE_AUTHORITYHOST', u.authorityHost],
    ['PATLIFECYCLE_VSSPSURL', u.vssps],
    ['PATLIFECYCLE_DEVOPSURL', u.devops],
    [PLAYGROUND.refreshTokenEnv, refreshToken],
    ['AZURE_TENANT_ID', tenantId],
    ['AZURE_CLIENT_ID', vaultWriter.clientId],
    ['AZURE_CLIENT_SECRET', vaultWriter.secret!],
  ];
  const signIn = `--tenant-id ${tenantId} --client-id ${app.clientId} --organization ${PLAYGROUND.org}`;
  const store = `--project ${PLAYGROUND.project} --variable-group ${PLAYGROUND.signInGroup} --variable ${PLAYGROUND.refreshTokenVariable}`;
  const commands = [
    `npx pat-lifecycle login --device-code ${signIn} ${store}`,
    `npx pat-lifecycle status --device-code ${signIn} ${store}`,
    `npx pat-lifecycle run --action list --tenant-id ${tenantId} --client-id ${app.clientId} --organization ${PLAYGROUND.org} --refresh-token-env ${PLAYGROUND.refreshTokenEnv} --refresh-token-store none`,
    `npx pat-lifecycle run --action list --tenant-id ${tenantId} --client-id ${app.clientId} --organization ${PLAYGROUND.org} --refresh-token-env ${PLAYGROUND.refreshTokenEnv} --refresh-token-store keyVault --key-vault ${vaultUrl} --key-vault-dns-suffix ${u.vaultDnsSuffix} --refresh-token-secret-name ${PLAYGROUND.vaultRefreshTokenSecret}`,
  ];
  return {
    tenantId,
    clientId: app.clientId,
    user: { userId: user.userId, upn: user.upn, displayName: user.displayName },
    pats: seeded.map(({ displayName, days, scope }) => ({ displayName, days, scope })),
    refreshToken,
    keyVaultIdentity: { clientId: vaultWriter.clientId, secret: vaultWriter.secret! },
    vaultUrl,
    env,
    commands,
    approveUrl: `${u.authorityHost}${PLAYGROUND.approvePath}?user_code=CODE`,
    approve,
  };
}

const shellQuote = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

/** What the playground prints: the organization, the environment, the commands and how to approve a sign-in. */
export function describePlayground(emu: Emulator, p: Playground): string {
  const u = emu.urls;
  return `PAT Lifecycle playground: an emulated Entra ID, Azure DevOps and Key Vault on ${u.authorityHost}

Seeded:
  tenant        ${p.tenantId}
  user          ${p.user.displayName} <${p.user.upn}>
  app           ${p.clientId} (public client, allows public client flows: device code works)
  organization  ${PLAYGROUND.org}, project ${PLAYGROUND.project}
  PATs of ${p.user.upn}:
${p.pats.map((x) => `    ${x.displayName.padEnd(24)} ${x.scope.padEnd(16)} expires in ${x.days} days`).join('\n')}
  variable groups  ${PLAYGROUND.signInGroup} (tenant and client ID; the sign-in goes here), ${PLAYGROUND.destinationGroup}
  Key Vault     ${p.vaultUrl} (secret FeedReaderPat), reached by the CLI as the service principal
                ${p.keyVaultIdentity.clientId} (AZURE_* below; login and status: --kv-credential env)
  CA certificate ${emu.caCertPath}

1. In another terminal, in this repository (after \`npm run build\`), export:
${p.env.map(([k, v]) => `  export ${k}=${shellQuote(v)}`).join('\n')}

2. Try:
${p.commands.map((c) => `  ${c}`).join('\n')}

3. A device code sign-in waits for approval: type its code here and press Enter, or
  curl --cacert ${shellQuote(emu.caCertPath)} -X POST '${p.approveUrl}'
The code is approved as ${p.user.upn}. Ctrl-C stops the playground.
`;
}
