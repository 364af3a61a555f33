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

export const openInSystemBrowser: OpenBrowser = (url: string) => {
  if (!/^https:\/\//i.test(url)) return Promise.reject(new Error('refusing to open a non-https sign-in address'));
  const { command, args } = platformOpenCommand();
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, [...args, url], { detached: true, stdio: 'ignore', windowsHide: true });
    child.once('error', (err) => reject(new Error(`${command}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
};
