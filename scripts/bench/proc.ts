/** Timed child processes, medians, and the probe preload (peak RSS, first connect). */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

export const PROBE = resolve(__dirname, 'probe.cjs');

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function spread(xs: number[]): { min: number; max: number } {
  return { min: Math.min(...xs), max: Math.max(...xs) };
}

export interface ProbeRecord {
  code: number;
  maxRssKb: number;
  /** V8 heap at exit (what is still referenced, or not yet collected). */
  heapUsedKb?: number;
  heapTotalKb?: number;
  firstConnectMs?: number;
  connects: number;
  exitMs: number;
}

export interface TimedRun {
  /** Spawn to exit (or to the stop event), ms, from the parent's clock. */
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  probe?: ProbeRecord;
  /** Peak RSS from /proc/<pid>/status VmHWM polling (fallback when the probe wrote nothing). */
  polledHwmKb?: number;
}

export interface TimedOptions {
  env: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Add the probe preload (writes peak RSS etc.). */
  probe?: boolean;
  /** Poll /proc/<pid>/status for VmHWM. */
  pollRss?: boolean;
  extraNodeOptions?: string;
}

/** Appends `--require probe.cjs` (and more) to NODE_OPTIONS, keeping the emulator's preload. */
export function withNodeOptions(env: Record<string, string>, extra: string): Record<string, string> {
  return { ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} ${extra}`.trim() };
}

export async function runTimed(args: string[], o: TimedOptions): Promise<TimedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'pat-bench-'));
  const probeFile = join(dir, 'probe.json');
  let env = { ...o.env };
  if (o.probe) env = withNodeOptions({ ...env, BENCH_PROBE_OUT: probeFile }, `--require ${PROBE}`);
  if (o.extraNodeOptions) env = withNodeOptions(env, o.extraNodeOptions);
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env, cwd: o.cwd ?? dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let hwm = 0;
  const poll = o.pollRss
    ? setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwm = Math.max(hwm, Number(m[1]));
        } catch {
          // gone
        }
      }, 5)
    : undefined;
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
  const { code, signal, t1 } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; t1: number }>((ok, fail) => {
    child.once('error', fail);
    child.once('exit', (c, s) => ok({ code: c, signal: s, t1: performance.now() }));
  });
  clearTimeout(timer);
  if (poll) clearInterval(poll);
  // Let the pipes drain.
  await new Promise<void>((ok) => (child.stdout.readableEnded ? ok() : child.stdout.once('end', () => ok())));
  const probe = existsSync(probeFile) ? (JSON.parse(readFileSync(probeFile, 'utf8')) as ProbeRecord) : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { ms: t1 - t0, code, signal, stdout, stderr, probe, ...(hwm > 0 ? { polledHwmKb: hwm } : {}) };
}

/** A plain TCP listener that notes when the first connection arrives (a stand-in authority host). */
export async function firstConnectionListener(): Promise<{ port: number; next(): Promise<number>; close(): Promise<void> }> {
  let waiter: ((t: number) => void) | undefined;
  const server: Server = createServer((socket) => {
    const t = performance.now();
    socket.destroy();
    const w = waiter;
    waiter = undefined;
    w?.(t);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    next: () => new Promise<number>((ok) => (waiter = ok)),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/**
 * Spawn to the first TCP connection on `listener` (ms); the child is killed at that moment. Undefined when the child
 * exited or timed out without connecting.
 */
export async function timeToFirstConnection(
  args: string[],
  env: Record<string, string>,
  listener: { next(): Promise<number> },
  timeoutMs = 15_000,
): Promise<{ ms?: number; stderr: string }> {
  const connected = listener.next();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env, cwd: tmpdir(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<'exit'>((ok) => child.once('exit', () => ok('exit')));
  const timeout = new Promise<'timeout'>((ok) => setTimeout(() => ok('timeout'), timeoutMs).unref());
  const first = await Promise.race([connected, exited, timeout]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
  return { ms: typeof first === 'number' ? first - t0 : undefined, stderr };
}
