import { request as httpsRequest } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Emulator } from '../index';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = any>(): T;
}

/**
 * An HTTPS call from the test process itself, trusting the emulator's CA explicitly (NODE_EXTRA_CA_CERTS cannot be
 * set after start). `host` sets the Host header and SNI, as a client resolving that name to 127.0.0.1 would.
 */
export function call(
  emu: Emulator,
  opts: { method?: string; path: string; host?: string; headers?: Record<string, string>; body?: string | Buffer | object; timeoutMs?: number },
): Promise<RawResponse> {
  const host = opts.host ?? '127.0.0.1';
  const body =
    opts.body === undefined ? undefined : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { Host: `${host}:${emu.urls.port}`, ...(opts.headers ?? {}) };
  if (body !== undefined && typeof opts.body === 'object' && !Buffer.isBuffer(opts.body) && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
  return new Promise((ok, fail) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: emu.urls.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers,
        ca: emu.caCertPem,
        servername: /^\d/.test(host) ? undefined : host,
        checkServerIdentity: (_h, cert) => checkServerIdentity(host, cert),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('aborted', () => fail(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
        res.on('end', () => {
          if (!res.complete) return fail(Object.assign(new Error('response incomplete'), { code: 'ECONNRESET' }));
          const text = Buffer.concat(chunks).toString('utf8');
          ok({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
        });
      },
    );
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', fail);
    req.end(body);
  });
}

export const REPO_ROOT = resolve(__dirname, '../../..');

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line that parses as JSON: the client scripts print their result that way. */
  result<T = any>(): T;
}

/** Runs a TypeScript client script (under test/emulator/test/clients) in a child Node process, as the product would run. */
export function runClient(
  script: string,
  env: Record<string, string | undefined>,
  opts: { timeoutMs?: number; onLine?: (line: string) => void } = {},
): Promise<ChildResult> {
  return runNode(['--import', 'tsx', resolve(__dirname, 'clients', script)], env, opts.timeoutMs, opts.onLine);
}

export function runNode(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 30000,
  onLine?: (line: string) => void,
): Promise<ChildResult> {
  return new Promise((ok, fail) => {
    const fullEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) fullEnv[k] = v;
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!onLine) return;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`child timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      ok({
        code,
        stdout,
        stderr,
        result<T>() {
          const lines = stdout.trim().split('\n').reverse();
          for (const l of lines) {
            try {
              return JSON.parse(l) as T;
            } catch {
              // not the result line
            }
          }
          throw new Error(`no JSON result from child (exit ${code})\nstdout: ${stdout}\nstderr: ${stderr}`);
        },
      });
    });
  });
}

/** The emulator env plus the product-style settings a child needs. */
export function childEnv(emu: Emulator, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { ...emu.childEnv(), ...extra };
}
