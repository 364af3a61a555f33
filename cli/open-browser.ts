/**
 * Opens a URL in the user's default browser with the platform's own command. The URL is passed as one argument
 * (no shell), so its `&` and `?` need no quoting. The browser process is detached: this tool never waits for it.
 */
import { spawn } from 'node:child_process';
import type { OpenBrowser } from './browser-flow';

export function platformOpenCommand(platform: NodeJS.Platform = process.platform): { command: string; args: string[] } {
  switch (platform) {
    case 'win32':
      // `start` is a cmd builtin that re-parses `&`; the URL protocol handler takes the URL verbatim.
      return { command: 'rundll32', args: ['url.dll,FileProtocolHandler'] };
    case 'darwin':
      return { command: 'open', args: [] };
    default:
      return { command: 'xdg-open', args: [] };
  }
}

/** Names that announce a credential; the browser (and any extension or helper it starts) has no use for one. */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|APIKEY|API_KEY|ACCESS_KEY|PRIVATE_KEY|CONNECTION_STRING|^ENDPOINT_AUTH|^INPUT_/i;
const PROXY_NAME = /^(https?|all|ftp)_proxy$/i;

/**
 * The environment the browser starts with: this process's, without credential-bearing variables (by name, plus any
 * the caller names, such as the one --client-secret-env points at) and with user info cut out of proxy URLs. The
 * browser outlives this process and is not ours to trust with the secrets a sign-in needs.
 */
export function browserEnvironment(env: NodeJS.ProcessEnv, alsoSecret: readonly string[] = []): NodeJS.ProcessEnv {
  const drop = new Set(alsoSecret.map((n) => n.toUpperCase()));
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || SECRET_NAME.test(name) || drop.has(name.toUpperCase())) continue;
    const kept = PROXY_NAME.test(name) ? withoutUserInfo(value) : value;
    if (kept !== undefined) out[name] = kept;
  }
  return out;
}

function withoutUserInfo(proxy: string): string | undefined {
  try {
    const url = new URL(proxy);
    if (!url.username && !url.password) return proxy;
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    // Unparsable, so possibly a credential in a form we cannot cut: leave it out.
    return undefined;
  }
}

export function systemBrowser(options: { env?: NodeJS.ProcessEnv; secretEnvNames?: readonly string[] } = {}): OpenBrowser {
  return (url: string) => openInSystemBrowser(url, browserEnvironment(options.env ?? process.env, options.secretEnvNames));
}

export const openInSystemBrowser = (url: string, env: NodeJS.ProcessEnv = browserEnvironment(process.env)): Promise<void> => {
  if (!/^https:\/\//i.test(url)) return Promise.reject(new Error('refusing to open a non-https sign-in address'));
  const { command, args } = platformOpenCommand();
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, [...args, url], { detached: true, stdio: 'ignore', windowsHide: true, env });
    child.once('error', (err) => reject(new Error(`${command}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
};
