/**
 * Cold start, a whole `rotate`, and a whole `rotate` under latency. The first two are judged against the floor of the
 * required libraries measured in the same run (a script that loads task-lib, MSAL and core-rest-pipeline and makes the
 * same calls over node:https: no task on this stack can take less); our overhead over it has a goal of 1.5 x. Runs are
 * interleaved, medians reported. The task runs as the agent runs it: `node dist/main.js`, no cache of any kind.
 *
 *   - cold start: spawn to the first TCP connection on a stand-in authority host (the token POST is the first request);
 *   - whole rotate: spawn to exit against the emulator over loopback, refresh token and PAT into a variable group;
 *   - rotate at 100 ms: the same with 100 ms added to every request by the emulator. Its bound is the requests on the
 *     critical path (the longest chain of requests each sent after the one before it was answered, from the request
 *     log) x 100 ms + 0.3 s.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../../test/support/task-json';
import type { RequestLogEntry } from '../../test/emulator';
import { parseTaskOutput, TASK_ENTRY } from '../../test/support/run-task';
import { firstConnectionListener, median, runTimed, spread, timeToFirstConnection } from './proc';
import { ms, naRow, oneLine, verdict, x, type Row } from './table';
import { createWorld, failureOf, lastSeq, logSince, ORG, PROJECT, RT_VARIABLE, patToGroup, rtToGroup, runAction, seedPats, type World } from './world';

/** Our overhead over the floor of the required libraries: the goal for the cold start and the whole rotate. */
export const FLOOR_GOAL_RATIO = 1.5;
export const LATENCY_MS = 100;
export const LATENCY_SLACK_MS = 300;
const PLAIN_ROTATE = resolve(__dirname, 'plain-rotate.mjs');
const FLOOR_ENTRY = resolve(__dirname, 'floor-entry.ts');

/** The floor script, bundled with the task's esbuild options into `dir`. */
async function buildFloor(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const { esbuildOptions } = await import('../bundle-options.mjs');
  const outfile = join(dir, 'floor.js');
  await build(esbuildOptions({ name: 'floor', entry: relative(REPO_ROOT, FLOOR_ENTRY), outfile }, { outfile }));
  return outfile;
}

export interface StartupOptions {
  runs: number;
  log: (m: string) => void;
}

const FIG = {
  cold: { id: 'coldStart', figure: 'task cold start, first run, no cache of any kind: process start to first request', target: `<= ${FLOOR_GOAL_RATIO} x floor (goal)` },
  rotate: { id: 'rotate', figure: 'whole rotate vs emulator (loopback)', target: `<= ${FLOOR_GOAL_RATIO} x floor (goal)` },
  latency: { id: 'rotateLatency', figure: `whole rotate, ${LATENCY_MS} ms added to every request`, target: `<= critical path x ${LATENCY_MS} ms + ${LATENCY_SLACK_MS / 1000} s` },
};

/**
 * The longest chain of requests in which each arrived after the one before it had been answered: the requests that
 * had to wait for each other, however many others went out beside them.
 */
export function criticalPath(entries: RequestLogEntry[]): number {
  const spans = entries.map((e) => ({ start: Date.parse(e.time), end: Date.parse(e.time) + e.durationMs })).sort((a, b) => a.start - b.start);
  const chain: number[] = [];
  spans.forEach((s, i) => {
    let best = 0;
    // Arrival times are whole milliseconds: 2 ms of slack keeps back-to-back requests in one chain.
    for (let j = 0; j < i; j++) if (spans[j].end - 2 <= s.start) best = Math.max(best, chain[j]);
    chain.push(best + 1);
  });
  return chain.length > 0 ? Math.max(...chain) : 0;
}

export async function startupFigures(opts: StartupOptions): Promise<Row[]> {
  const allNa = (why: string) => Object.values(FIG).map((f) => naRow(f.id, f.figure, f.target, why));
  let w: World | undefined;
  const tmp = mkdtempSync(join(tmpdir(), 'pat-bench-agent-'));
  try {
    w = await createWorld();
    seedPats(w, 1, 'rotate-task-');
    seedPats(w, 1, 'rotate-plain-');
    const rotateInputs = { action: 'rotate', displayName: 'rotate-task-001', rotateWhenExpiresWithinDays: 0, revokeUntracked: true, ...rtToGroup(w), ...patToGroup(w, 'RotatePat') };
    // Warm-up through the black-box harness: proves the path works and gives the exact env the agent would set.
    const warm = await runAction(w, rotateInputs);
    const why = failureOf(warm);
    if (why) return allNa(why);
    const env = { ...warm.env, AGENT_TEMPDIRECTORY: join(tmp, 'agent-temp') };
    mkdirSync(env.AGENT_TEMPDIRECTORY);
    const floor = await buildFloor(tmp);
    return [await coldStart(opts, w, env, floor), await wholeRotate(opts, w, env, floor), await rotateUnderLatency(opts, w, env)];
  } catch (err) {
    return allNa(String(err instanceof Error ? err.message : err));
  } finally {
    await w?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The plain script's environment: where the emulator is, and what to rotate (`authorityHost` may be replaced). */
function plainEnvOf(world: World, o: { authorityHost?: string } = {}): Record<string, string> {
  return {
    ...world.emu.childEnv(),
    PATH: process.env.PATH ?? '',
    BENCH_PLAIN: JSON.stringify({
      authorityHost: o.authorityHost ?? world.emu.urls.authorityHost,
      devops: world.emu.urls.devops,
      vssps: world.emu.urls.vssps,
      tenantId: world.tenantId,
      clientId: world.clientId,
      refreshToken: world.refreshToken,
      org: ORG,
      project: PROJECT,
      groupName: world.groupName,
      rtVariable: RT_VARIABLE,
      displayName: 'rotate-plain-001',
      variableName: 'PlainPat',
    }),
  };
}

/** The floor script's: the plain script's over node:https, and the agent's temporary directory for task-lib. */
function floorEnvOf(world: World, taskEnv: Record<string, string>, o: { authorityHost?: string } = {}): Record<string, string> {
  return { ...plainEnvOf(world, o), AGENT_TEMPDIRECTORY: taskEnv.AGENT_TEMPDIRECTORY, BENCH_TRANSPORT: 'https', BENCH_PLAIN_SCRIPT: PLAIN_ROTATE };
}


async function coldStart(o: StartupOptions, world: World, env: Record<string, string>, floorScript: string): Promise<Row> {
  const listener = await firstConnectionListener();
  try {
    // Same inputs, but the authority host is a bare TCP listener: the first connection is the first request.
    const authorityHost = `https://127.0.0.1:${listener.port}`;
    const coldEnv = { ...env, PATLIFECYCLE_AUTHORITYHOST: authorityHost };
    const floorEnv = floorEnvOf(world, env, { authorityHost });
    const task: number[] = [];
    // The required libraries loaded, then the first request: where any task on this stack starts from.
    const floor: number[] = [];
    const errors: string[] = [];
    for (let i = 0; i < o.runs; i++) {
      const r = await timeToFirstConnection([TASK_ENTRY], coldEnv, listener);
      if (r.ms !== undefined) task.push(r.ms);
      else errors.push(`no request (${oneLine(r.stderr || 'exited')})`);
      const f = await timeToFirstConnection([floorScript], floorEnv, listener);
      if (f.ms !== undefined) floor.push(f.ms);
      else errors.push(`floor: no request (${oneLine(f.stderr || 'exited')})`);
    }
    if (task.length === 0) return naRow(FIG.cold.id, FIG.cold.figure, FIG.cold.target, errors[0] ?? 'no run reached the network');
    const m = median(task);
    const mF = floor.length > 0 ? median(floor) : undefined;
    return {
      id: FIG.cold.id,
      figure: FIG.cold.figure,
      measured: `${ms(m)} (median of ${task.length}; ${ms(spread(task).min)}-${ms(spread(task).max)})`,
      target: FIG.cold.target,
      reference: mF !== undefined ? `floor (task-lib, MSAL and core-rest-pipeline loaded, then the first request): ${ms(mF)}` : `floor n/a (${errors.find((e) => e.startsWith('floor')) ?? 'failed'})`,
      ratio: mF !== undefined ? `${x(m / mF)} floor (+${ms(m - mF)})` : '-',
      verdict: verdict(mF === undefined ? undefined : m <= FLOOR_GOAL_RATIO * mF),
      details: { runs: o.runs, taskMs: task, floorMs: floor, errors, measuredAs: 'spawn to the first TCP connection on a stand-in authority host' },
    };
  } finally {
    await listener.close();
  }
}

async function wholeRotate(o: StartupOptions, world: World, env: Record<string, string>, floorScript: string): Promise<Row> {
  const plainEnv = plainEnvOf(world);
  const task: number[] = [];
  const plain: number[] = [];
  // The same calls over node:https (no undici to load): the floor for any Node script making them.
  const plainHttps: number[] = [];
  // The required libraries loaded, then the same calls over node:https: no task on this stack can do less.
  const floor: number[] = [];
  const requests: number[] = [];
  const errors: string[] = [];
  for (let i = 0; i < o.runs; i++) {
    const before = lastSeq(world);
    const t = await runTimed([TASK_ENTRY], { env });
    const parsed = parseTaskOutput(t.stdout, t.stderr);
    if (parsed.result === 'Succeeded' || parsed.result === 'SucceededWithIssues') {
      task.push(t.ms);
      requests.push(logSince(world, before).length);
    } else errors.push(`task: ${oneLine(parsed.message ?? t.stderr ?? `exit ${t.code}`)}`);
    const p = await runTimed([PLAIN_ROTATE], { env: plainEnv });
    if (p.code === 0) plain.push(p.ms);
    else errors.push(`plain fetch: ${oneLine(p.stderr)}`);
    const h = await runTimed([PLAIN_ROTATE], { env: { ...plainEnv, BENCH_TRANSPORT: 'https' } });
    if (h.code === 0) plainHttps.push(h.ms);
    else errors.push(`plain https: ${oneLine(h.stderr)}`);
    const f = await runTimed([floorScript], { env: floorEnvOf(world, env) });
    if (f.code === 0) floor.push(f.ms);
    else errors.push(`floor: ${oneLine(f.stderr)}`);
  }
  if (task.length === 0) return naRow(FIG.rotate.id, FIG.rotate.figure, FIG.rotate.target, errors[0] ?? 'no run succeeded', { errors });
  const mT = median(task);
  const mP = plain.length > 0 ? median(plain) : undefined;
  const mH = plainHttps.length > 0 ? median(plainHttps) : undefined;
  const mF = floor.length > 0 ? median(floor) : undefined;
  return {
    id: FIG.rotate.id,
    figure: FIG.rotate.figure,
    measured: `${ms(mT)} spawn to exit (median of ${task.length}; ${ms(spread(task).min)}-${ms(spread(task).max)}), ${median(requests)} requests`,
    target: FIG.rotate.target,
    reference: `${mP !== undefined ? `plain-fetch script, same calls: ${ms(mP)}` : `plain fetch n/a (${errors.find((e) => e.startsWith('plain')) ?? 'failed'})`}${mH !== undefined ? `; the same over node:https: ${ms(mH)}` : ''}${mF !== undefined ? `; floor (task-lib, MSAL and core-rest-pipeline loaded, then those calls over node:https): ${ms(mF)}` : ''}`,
    ratio: mF !== undefined ? `${x(mT / mF)} floor (+${ms(mT - mF)})` : '-',
    verdict: verdict(mF === undefined ? undefined : mT <= FLOOR_GOAL_RATIO * mF),
    details: { runs: o.runs, taskMs: task, plainMs: plain, plainHttpsMs: plainHttps, floorMs: floor, requests, errors, setup: 'refreshTokenStore variableGroup + target variableGroup, rotateWhenExpiresWithinDays 0, emulator latency 0' },
  };
}

async function rotateUnderLatency(o: StartupOptions, world: World, env: Record<string, string>): Promise<Row> {
  const runs = Math.max(3, Math.ceil(o.runs / 2));
  const wall: number[] = [];
  const paths: number[] = [];
  const requests: number[] = [];
  const errors: string[] = [];
  world.emu.setLatency(LATENCY_MS);
  try {
    for (let i = 0; i < runs; i++) {
      const before = lastSeq(world);
      const t = await runTimed([TASK_ENTRY], { env });
      const parsed = parseTaskOutput(t.stdout, t.stderr);
      if (parsed.result !== 'Succeeded' && parsed.result !== 'SucceededWithIssues') {
        errors.push(oneLine(parsed.message ?? t.stderr ?? `exit ${t.code}`));
        continue;
      }
      const log = logSince(world, before);
      wall.push(t.ms);
      paths.push(criticalPath(log));
      requests.push(log.length);
    }
  } finally {
    world.emu.setLatency(0);
  }
  if (wall.length === 0) return naRow(FIG.latency.id, FIG.latency.figure, FIG.latency.target, errors[0] ?? 'no run succeeded', { errors });
  const m = median(wall);
  const path = Math.max(...paths);
  const bound = path * LATENCY_MS + LATENCY_SLACK_MS;
  return {
    id: FIG.latency.id,
    figure: FIG.latency.figure,
    measured: `${ms(m)} spawn to exit (median of ${wall.length}); ${median(requests)} requests, ${path} on the critical path`,
    target: FIG.latency.target,
    reference: `bound ${path} x ${LATENCY_MS} ms + ${LATENCY_SLACK_MS} ms = ${ms(bound)}; the latency alone: ${ms(path * LATENCY_MS)}`,
    ratio: `${x(m / bound)} bound`,
    verdict: verdict(m <= bound),
    details: { runs, wallMs: wall, criticalPath: paths, requests, errors, latencyMs: LATENCY_MS },
  };
}
