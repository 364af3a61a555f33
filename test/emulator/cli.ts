// `npm run emulator`: the emulator as a standalone process, seeded as a playground (test/emulator/playground.ts) that
// prints what to export and what to try, and approves device code sign-ins typed at its prompt. `--empty` seeds
// nothing, for a client that seeds through the control API in the same process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmulator } from './index';
import { describePlayground, seedPlayground } from './playground';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : process.env[`EMULATOR_${name.toUpperCase()}`];
}

async function main() {
  const port = option('port');
  const latency = option('latency');
  const emu = await startEmulator({ port: port ? Number(port) : undefined, latencyMs: latency ? Number(latency) : undefined });
  const u = emu.urls;
  const stop = async () => {
    console.log('\nstopping…');
    await emu.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  if (process.argv.includes('--empty')) {
    const env = emu.childEnv();
    console.log(`PAT Lifecycle emulator listening on ${u.authorityHost} (nothing seeded)

  export NODE_EXTRA_CA_CERTS=${env.NODE_EXTRA_CA_CERTS}
  export NODE_OPTIONS="${env.NODE_OPTIONS}"
  export PATLIFECYCLE_AUTHORITYHOST=${u.authorityHost} PATLIFECYCLE_VSSPSURL=${u.vssps} PATLIFECYCLE_DEVOPSURL=${u.devops}

Tenants, users, apps and organizations are created through the control API (see test/emulator/README.md).
Ctrl-C stops it.`);
    return;
  }

  const playground = seedPlayground(emu);
  console.log(describePlayground(emu, playground));
  // The printed commands run the built CLI (package.json "bin"); say so before someone tries them without it.
  if (!existsSync(join(__dirname, '..', '..', 'cli', 'dist', 'pat-lifecycle.js'))) {
    console.log('Note: the CLI is not built yet. Run `npm run build` in this repository before trying the commands.');
  }
  // The prompt: a line holding a device code approves it. Without a terminal (stdin closed) only the endpoint does.
  const prompt = createInterface({ input: process.stdin, terminal: false });
  prompt.on('line', (line) => {
    const code = line.trim();
    if (!code) return;
    console.log(playground.approve(code) ? `approved ${code.toUpperCase()} as ${playground.user.upn}` : `no device code ${code} is waiting`);
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
