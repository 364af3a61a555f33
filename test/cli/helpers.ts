/**
 * Runs the command-line tool as a user would: a child Node process (`node --import tsx cli/pat-lifecycle.ts`) with
 * the emulator's environment (CA trust, DNS preload, clock shift) and the PATLIFECYCLE_* seams. The test can wait for
 * lines of its output (the device code, the sign-in URL) and act on them meanwhile (approve, play the browser).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { resolve } from 'node:path';
import type { Emulator } from '../emulator/index';
import { watchConformance } from '../conformance/hook';

export const REPO_ROOT = resolve(__dirname, '../..');
export const CLI_ENTRY = resolve(REPO_ROOT, 'cli/pat-lifecycle.ts');
/** What `npm run bundle` builds and package.json's bin points at. */
export const CLI_BUNDLE = resolve(REPO_ROOT, 'cli/dist/pat-lifecycle.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  /** Resolves with the first match of `pattern` in stderr+stdout (as they arrive). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
  child: ChildProcessWithoutNullStreams;
  output(): string;
}

export function emulatorEnv(emu: Emulator, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ...emu.childEnv(),
    PATLIFECYCLE_AUTHORITYHOST: emu.urls.authorityHost,
    PATLIFECYCLE_VSSPSURL: emu.urls.vssps,
    PATLIFECYCLE_DEVOPSURL: emu.urls.devops,
    // Keep the developer's own proxy and Azure settings out of the child.
    HTTPS_PROXY: undefined,
    https_proxy: undefined,
    HTTP_PROXY: undefined,
    http_proxy: undefined,
    AZURE_TENANT_ID: undefined,
    AZURE_CLIENT_ID: undefined,
    AZURE_CLIENT_SECRET: undefined,
    AZURE_AUTHORITY_HOST: undefined,
    ...extra,
  };
}

/** `stdin`: what the user types (e.g. `y\n` to a question); the input ends after it, as when nobody is at the terminal. */
export function startCli(args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000, opts: { bundle?: boolean; stdin?: string } = {}): CliRun {
  const fullEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) fullEnv[k] = v;
  const entry = opts.bundle ? [CLI_BUNDLE] : ['--import', 'tsx', CLI_ENTRY];
  // The CLI is a black box too: its traffic is checked against the published specs when it ends.
  const checkConformance = watchConformance(fullEnv);
  const child = spawn(process.execPath, [...entry, ...args], { cwd: REPO_ROOT, env: fullEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(opts.stdin ?? '');
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const check = () => {
    for (const w of [...watchers]) {
      const m = (stderr + '\n' + stdout).match(w.pattern);
      if (m) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.on('data', (d) => {
    stdout += d;
    check();
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    check();
  });
  const done = new Promise<CliResult>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`CLI timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        checkConformance();
      } catch (e) {
        fail(e);
        return;
      }
      ok({ code, stdout, stderr });
    });
  });
  return {
    child,
    done,
    output: () => stderr + stdout,
    waitFor(pattern, waitMs = 30_000) {
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no ${pattern} in CLI output within ${waitMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`)), waitMs);
        watchers.push({
          pattern,
          resolve: (m) => {
            clearTimeout(timer);
            ok(m);
          },
        });
        check();
        void done.then(() => {
          // The process ended without the line: fail now rather than at the timeout.
          setTimeout(() => {
            if (watchers.some((w) => w.pattern === pattern)) {
              clearTimeout(timer);
              fail(new Error(`CLI exited without ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`));
            }
          }, 10);
        });
      });
    },
  };
}

export async function runCli(args: string[], env: Record<string, string | undefined>, timeoutMs?: number): Promise<CliResult> {
  return startCli(args, env, timeoutMs).done;
}

/** A GET to the emulator from the test process, trusting its CA; redirects are returned, not followed. */
export function emulatorGet(emu: Emulator, url: string): Promise<{ status: number; location?: string; body: string }> {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const req = httpsRequest(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'GET', ca: emu.caCertPem, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, location: res.headers.location, body }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end();
  });
}

/**
 * Plays the user's browser: opens the authorize URL at the emulator (which "signs in" the browser user), then follows
 * its redirect to the CLI's loopback address and on to the result page. Returns what the browser ended up showing.
 */
export async function playBrowser(emu: Emulator, authorizeUrl: string): Promise<{ authorize: { status: number; location?: string }; final?: { status: number; body: string; url: string } }> {
  const authorize = await emulatorGet(emu, authorizeUrl);
  if (authorize.status !== 302 || !authorize.location) return { authorize };
  // The loopback redirect is plain http on localhost: Node's fetch follows the CLI's own 302 to /done.
  const res = await fetch(authorize.location);
  return { authorize, final: { status: res.status, body: await res.text(), url: res.url } };
}

/** Every secret the emulator handed out or was given, plus extras, must be absent from the text. */
export function assertNoSecrets(text: string, secrets: Iterable<string>, what = 'CLI output'): void {
  for (const s of secrets) {
    if (s.length >= 8 && text.includes(s)) throw new Error(`${what} contains a secret (${s.slice(0, 4)}...)`);
  }
}
