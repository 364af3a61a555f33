// `npm run emulator`: the emulator as a standalone process, for manual runs and the demo. Seeds nothing.
import { startEmulator } from './index';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : process.env[`EMULATOR_${name.toUpperCase()}`];
}

async function main() {
  const port = option('port');
  const latency = option('latency');
  const emu = await startEmulator({ port: port ? Number(port) : undefined, latencyMs: latency ? Number(latency) : undefined });
  const u = emu.urls;
  const env = emu.childEnv();
  console.log(`PAT Lifecycle emulator listening on ${u.authorityHost}

  Entra (authority host)   ${u.authorityHost}/{tenant}/oauth2/v2.0/token    default tenant ${emu.control.entra.defaultTenantId}
  PAT Lifecycle (vssps)    ${u.vssps}/{org}/_apis/tokens/pats
  Azure DevOps             ${u.devops}/{org}/{project}/_apis/...
  Key Vault                https://{vault}.${u.vaultDnsSuffix}:${u.port}   (resource ${u.keyVaultResource})
  Managed identity         IDENTITY_ENDPOINT=${u.msiEndpoint}   (IDENTITY_HEADER is in the emulator handle; not printed)
  CA certificate           ${emu.caCertPath}

Point a Node client at it:
  export NODE_EXTRA_CA_CERTS=${env.NODE_EXTRA_CA_CERTS}
  export NODE_OPTIONS="${env.NODE_OPTIONS}"     # maps *.emulator.test to 127.0.0.1 (Key Vault host names)
  export PATLIFECYCLE_AUTHORITYHOST=${u.authorityHost} PATLIFECYCLE_VSSPSURL=${u.vssps} PATLIFECYCLE_DEVOPSURL=${u.devops}

Nothing is seeded: tenants, users, apps and organizations are created through the control API (see test/emulator/README.md).
Ctrl-C stops it.`);
  const stop = async () => {
    console.log('\nstopping…');
    await emu.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
