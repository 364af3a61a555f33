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

/**
 * What a browser and the platform's opener need to start in the user's session, and nothing else: where programs and
 * the user's files are, the display and session bus, language and time zone, temp folders, and on Windows the
 * system's own folders. An allowlist, because a credential's variable need not say so in its name
 * (`AZURE_DEVOPS_EXT_PAT`, `NPM_CONFIG__AUTH`); the browser outlives this process and is not ours to trust with one.
 */
const BROWSER_NAMES = new Set(
  [
    'PATH', 'HOME', 'PWD', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TMP', 'TEMP', 'BROWSER', 'NO_PROXY',
    'DISPLAY', 'WAYLAND_DISPLAY', 'XAUTHORITY', 'DBUS_SESSION_BUS_ADDRESS', 'DESKTOP_SESSION', 'WSL_DISTRO_NAME', 'WSL_INTEROP', 'WSLENV',
    '__CF_USER_TEXT_ENCODING',
    'SYSTEMROOT', 'SYSTEMDRIVE', 'WINDIR', 'COMSPEC', 'PATHEXT', 'USERPROFILE', 'USERNAME', 'USERDOMAIN', 'HOMEDRIVE', 'HOMEPATH', 'APPDATA', 'LOCALAPPDATA',
    'PROGRAMDATA', 'PROGRAMFILES', 'PROGRAMFILES(X86)', 'PROGRAMW6432', 'COMMONPROGRAMFILES', 'COMMONPROGRAMFILES(X86)', 'ALLUSERSPROFILE', 'PUBLIC',
    'COMPUTERNAME', 'OS', 'PROCESSOR_ARCHITECTURE', 'NUMBER_OF_PROCESSORS',
  ],
);
const BROWSER_PREFIXES = /^(LC_|XDG_)/i;
const PROXY_NAME = /^(https?|all|ftp)_proxy$/i;

/**
 * The environment the browser starts with: the allowlisted part of this process's, with user info cut out of proxy
 * URLs. `alsoSecret` (the variable --client-secret-env names) is dropped even if its name were on the list.
 */
export function browserEnvironment(env: NodeJS.ProcessEnv, alsoSecret: readonly string[] = []): NodeJS.ProcessEnv {
  const drop = new Set(alsoSecret.map((n) => n.toUpperCase()));
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || drop.has(name.toUpperCase())) continue;
    if (PROXY_NAME.test(name)) {
      const kept = withoutUserInfo(value);
      if (kept !== undefined) out[name] = kept;
    } else if (BROWSER_NAMES.has(name.toUpperCase()) || BROWSER_PREFIXES.test(name)) {
      out[name] = value;
    }
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
