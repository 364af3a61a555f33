/**
 * Figures 2 and 3: cold start (process start to the first request) and a whole `rotate` against the emulator, each
 * against a bare `node -e 0` and references measured in the same run, runs interleaved, medians reported.
 *
 * The task runs from copies of its folder (task.json, the loader dist/main.js, the bundle dist/task.js), as the agent
 * runs it from its own: one copy has its compile cache deleted before every run ("first run on a new machine"), the
 * other keeps the cache its warm-up run wrote ("later runs"). The floor is the two required libraries alone (task-lib
 * and msal-node), bundled the same way and run through the same loader, with and without its cache.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseTaskOutput } from '../../test/support/run-task';
import { firstConnectionListener, median, runTimed, spread, timeToFirstConnection, type ProbeRecord } from './proc';
import { ms, naRow, oneLine, verdict, x, type Row } from './table';
import { buildFloor, copyTask, type TaskCopy } from './task-copies';
import type { Unbundled } from './unbundled';
import { createWorld, failureOf, ORG, PROJECT, RT_VARIABLE, patToGroup, rtToGroup, runAction, seedPats, type World } from './world';

export const COLD_START_MAX_RATIO = 1.5;
export const ROTATE_MAX_RATIO = 2.5;
const PLAIN_ROTATE = resolve(__dirname, 'plain-rotate.mjs');
const HTTPS_FLOOR = resolve(__dirname, 'https-floor.cjs');

export interface StartupResult {
  rows: Row[];
  /** Probe marks of the cold starts (for the analysis). */
  phases?: { firstRun?: PhaseMedians; laterRuns?: PhaseMedians; unbundled?: PhaseMedians };
}

export interface PhaseMedians {
  /** Process start to the preload (node's own bootstrap). */
  bootstrapMs: number;
  /** Compile + top-level evaluation of the main script (the loader, and in it task.js: every eager package). */
  mainEvalMs?: number;
  /** Main evaluated to the first socket connect (config, MSAL app, first request built). */
  toConnectMs?: number;
  firstConnectMs?: number;
}

function phaseMedians(records: ProbeRecord[]): PhaseMedians | undefined {
  if (records.length === 0) return undefined;
  const m = (f: (r: ProbeRecord) => number | undefined) => {
    const v = records.map(f).filter((n): n is number => n !== undefined && Number.isFinite(n));
    return v.length > 0 ? median(v) : undefined;
  };
  return {
    bootstrapMs: m((r) => r.marks.preload) ?? NaN,
    mainEvalMs: m((r) => (r.marks.mainEvaluated !== undefined && r.marks.mainStart !== undefined ? r.marks.mainEvaluated - r.marks.mainStart : undefined)),
    toConnectMs: m((r) => (r.firstConnectMs !== undefined && r.marks.mainEvaluated !== undefined ? r.firstConnectMs - r.marks.mainEvaluated : undefined)),
    firstConnectMs: m((r) => r.firstConnectMs),
  };
}

export interface StartupOptions {
  runs: number;
  unbundled?: Unbundled;
  unbundledError?: string;
  log: (m: string) => void;
  /**
   * Called with the cold-start env while its stand-in authority host, CA file and temp folder still exist, and with
   * the env of a complete run against the emulator (to warm a compile cache).
   */
  withColdEnv?: (env: Record<string, string>, warmEnv: Record<string, string>) => Promise<void>;
}

const COLD_TARGET = `<= ${COLD_START_MAX_RATIO} x bare node -e 0`;
const FIGURES = {
  first: { id: 'coldStart', figure: 'task cold start, first run on a new machine (no compile cache): process start to first request' },
  later: { id: 'coldStartCached', figure: 'task cold start, later runs (compile cache): process start to first request' },
  floor: { id: 'coldStartFloor', figure: 'the required libraries alone (task-lib + msal-node bundled, loaded, nothing else)' },
};

export async function startupFigures(opts: StartupOptions): Promise<StartupResult> {
  const rotFigure = 'whole rotate vs emulator (loopback), compile cache warm';
  const rotTarget = `<= ${ROTATE_MAX_RATIO} x bare node -e 0`;
  const allNa = (why: string): StartupResult => ({
    rows: [naRow(FIGURES.first.id, FIGURES.first.figure, COLD_TARGET, why), naRow(FIGURES.later.id, FIGURES.later.figure, COLD_TARGET, why), naRow(FIGURES.floor.id, FIGURES.floor.figure, '-', why), naRow('rotate', rotFigure, rotTarget, why)],
  });
  let w: World | undefined;
  const tmp = mkdtempSync(join(tmpdir(), 'pat-bench-agent-'));
  try {
    w = await createWorld();
    seedPats(w, 1, 'rotate-task-');
    seedPats(w, 1, 'rotate-plain-');
    const first = copyTask(tmp, 'task-first-run');
    const later = copyTask(tmp, 'task-later-runs');
    const rotateInputs = { action: 'rotate', displayName: 'rotate-task-001', rotateWhenExpiresWithinDays: 0, ...rtToGroup(w), ...patToGroup(w, 'RotatePat') };
    // Warm-up through the black-box harness: proves the path works, gives the exact env the agent would set, and
    // (a successful run) writes the later-runs copy's compile cache.
    const warm = await runAction(w, rotateInputs, { entry: later.entry });
    const why = failureOf(warm);
    if (why) return allNa(why);
    const baseEnv = { ...warm.env, AGENT_TEMPDIRECTORY: join(tmp, 'agent-temp') };
    mkdirSync(baseEnv.AGENT_TEMPDIRECTORY);
    const bareArgs = ['-e', '0'];
    const cold = await coldStart(opts, baseEnv, bareArgs, first, later, tmp);
    const rot = await wholeRotate(opts, w, baseEnv, bareArgs, first, later);
    return { rows: [...cold.rows, rot], phases: cold.phases };
  } catch (err) {
    return allNa(String(err instanceof Error ? err.message : err));
  } finally {
    await w?.close();
    rmSync(tmp, { recursive: true, force: true });
  }

  async function coldStart(
    o: typeof opts,
    env: Record<string, string>,
    bareArgs: string[],
    first: TaskCopy,
    later: TaskCopy,
    tmp: string,
  ): Promise<{ rows: Row[]; phases?: StartupResult['phases'] }> {
    const listener = await firstConnectionListener();
    // Same inputs, but the authority host is a bare TCP listener: the first connection is the first request.
    const coldEnv = { ...env, PATLIFECYCLE_AUTHORITYHOST: `https://127.0.0.1:${listener.port}` };
    const errors: string[] = [];
    const laterCache = later.cacheFiles();
    if (laterCache.length !== 1) errors.push(`later runs: the warm-up wrote ${laterCache.length} cache files`);
    // The floor, with and without its cache (it exits 0, so its first run writes the cache).
    let floorFresh: TaskCopy | undefined;
    let floorWarm: TaskCopy | undefined;
    try {
      floorFresh = await buildFloor(tmp, 'floor-first-run');
      // The floor exits normally, and a first run writes its cache at exit (which the task's cold start, killed at
      // its first request, never does): a file where the cache folder would go keeps the no-cache floor from writing.
      writeFileSync(floorFresh.cacheDir, 'no compile cache for the no-cache floor');
      floorWarm = await buildFloor(tmp, 'floor-later-runs');
      const r = await runTimed([floorWarm.entry], { env: coldEnv });
      if (r.code !== 0 || floorWarm.cacheFiles().length !== 1) throw new Error(`floor warm-up: exit ${r.code}, ${floorWarm.cacheFiles().length} cache files ${oneLine(r.stderr)}`);
    } catch (err) {
      errors.push(`floor: ${oneLine(String(err instanceof Error ? err.message : err))}`);
      floorFresh = floorWarm = undefined;
    }
    // What the loader did, from its debug line: the later runs must use their cache, the first runs must find none.
    const loaderSays = async (entry: string, clear?: TaskCopy) => {
      clear?.clearCache();
      const r = await runTimed([entry], { env: { ...coldEnv, SYSTEM_DEBUG: 'true', BENCH_EXIT_ON_CONNECT: '1' }, probe: true, timeoutMs: 15_000 });
      return /^##vso\[task\.debug\]compile cache: (.*)$/m.exec(r.stdout)?.[1] ?? `no compile cache line (exit ${r.code})`;
    };
    const laterSays = await loaderSays(later.entry);
    if (!laterSays.startsWith('used ')) errors.push(`later runs: the compile cache is not used (${laterSays})`);
    const firstSays = await loaderSays(first.entry, first);
    if (firstSays !== 'none yet') errors.push(`first run: the loader says "${firstSays}", not "none yet"`);
    if (floorWarm) {
      const floorSays = await loaderSays(floorWarm.entry);
      if (!floorSays.startsWith('used ')) errors.push(`floor: the compile cache is not used (${floorSays})`);
    }
    const t = { bare: [] as number[], first: [] as number[], later: [] as number[], unbundled: [] as number[], floorFirst: [] as number[], floorLater: [] as number[], platform: [] as number[] };
    const toConnect = async (key: 'first' | 'later' | 'unbundled' | 'platform', entry: string) => {
      const r = await timeToFirstConnection([entry], coldEnv, listener);
      if (r.ms !== undefined) t[key].push(r.ms);
      else errors.push(`${key}: no request (${oneLine(r.stderr || 'exited')})`);
    };
    try {
      for (let i = 0; i < o.runs; i++) {
        t.bare.push((await runTimed(bareArgs, { env })).ms);
        first.clearCache();
        await toConnect('first', first.entry);
        // Killed at its first connection, a run never writes a cache: the later-runs copy keeps the warm-up's.
        await toConnect('later', later.entry);
        if (o.unbundled) await toConnect('unbundled', o.unbundled.entry);
        await toConnect('platform', HTTPS_FLOOR);
        if (floorFresh && floorWarm) {
          const ff = await runTimed([floorFresh.entry], { env: coldEnv });
          if (ff.code === 0) t.floorFirst.push(ff.ms);
          const fl = await runTimed([floorWarm.entry], { env: coldEnv });
          if (fl.code === 0) t.floorLater.push(fl.ms);
        }
      }
      if (JSON.stringify(later.cacheFiles()) !== JSON.stringify(laterCache)) errors.push('later runs: the compile cache changed during the runs');
      // In-process phases (probe preload: adds well under a millisecond), medians of a few more runs.
      const probeRuns = Math.max(3, Math.ceil(o.runs / 2));
      const probeEnv = { ...coldEnv, BENCH_EXIT_ON_CONNECT: '1' };
      const probes = { first: [] as ProbeRecord[], later: [] as ProbeRecord[], unbundled: [] as ProbeRecord[] };
      for (let i = 0; i < probeRuns; i++) {
        first.clearCache();
        for (const [key, entry] of [['first', first.entry], ['later', later.entry], ['unbundled', o.unbundled?.entry]] as const) {
          if (!entry) continue;
          const r = await runTimed([entry], { env: probeEnv, probe: true, timeoutMs: 15_000 });
          if (r.probe) probes[key].push(r.probe);
        }
      }
      const phases = { firstRun: phaseMedians(probes.first), laterRuns: phaseMedians(probes.later), unbundled: phaseMedians(probes.unbundled) };
      if (o.withColdEnv) {
        try {
          await o.withColdEnv(coldEnv, env);
        } catch (err) {
          errors.push(`cold-start hook: ${oneLine(String(err instanceof Error ? err.message : err))}`);
        }
      }

      const mBare = median(t.bare);
      const mU = t.unbundled.length > 0 ? median(t.unbundled) : undefined;
      const mFF = t.floorFirst.length > 0 ? median(t.floorFirst) : undefined;
      const mFL = t.floorLater.length > 0 ? median(t.floorLater) : undefined;
      const floorText = (m: number | undefined, label: string) => (m !== undefined ? `libraries alone ${label}: ${ms(m)} (${x(m / mBare)} bare)` : `libraries alone: n/a (${errors.find((e) => e.startsWith('floor')) ?? 'failed'})`);
      const mP = t.platform.length > 0 ? median(t.platform) : undefined;
      const medians = { bare: mBare, firstRun: median(t.first), laterRuns: median(t.later), unbundled: mU, floorFirstRun: mFF, floorLaterRuns: mFL, platform: mP };
      const details = { loaderSays: { firstRun: firstSays, laterRuns: laterSays }, runs: o.runs, bareMs: t.bare, firstRunMs: t.first, laterRunsMs: t.later, unbundledMs: t.unbundled, floorFirstRunMs: t.floorFirst, floorLaterRunsMs: t.floorLater, platformMs: t.platform, medians, phases, errors, laterRunsCache: laterCache, bareIncludes: 'spawn to exit, same env (CA + emulator preload)', measuredAs: 'spawn to the first TCP connection on a stand-in authority host (the token POST); the libraries alone: spawn to exit; platform: node:https alone (scripts/bench/https-floor.cjs) to its first connection' };

      const row = (fig: { id: string; figure: string }, samples: number[], reference: string, extraRatio: string): Row => {
        const mine = errors.find((e) => e.startsWith(fig.id === 'coldStart' ? 'first' : 'later'));
        // A run that did not do what the figure says (a cache used on a "first run", none on a "later run") is no figure.
        if (samples.length === 0 || (mine && /compile cache|loader says/.test(mine))) return naRow(fig.id, fig.figure, COLD_TARGET, mine ?? 'no run reached the network', details);
        const m = median(samples);
        return {
          id: fig.id,
          figure: fig.figure,
          measured: `${ms(m)} (median of ${samples.length}; ${ms(spread(samples).min)}-${ms(spread(samples).max)}); bare node -e 0 ${ms(mBare)}`,
          target: COLD_TARGET,
          reference,
          ratio: `${x(m / mBare)} bare${extraRatio}`,
          verdict: verdict(m <= COLD_START_MAX_RATIO * mBare),
          details,
        };
      };
      const firstRow = row(
        FIGURES.first,
        t.first,
        `${floorText(mFF, 'without cache')}; ${mU !== undefined ? `unbundled (same deps): ${ms(mU)}` : `unbundled: n/a (${o.unbundledError ?? errors.find((e) => e.startsWith('unbundled')) ?? 'not prepared'})`}`,
        mU !== undefined ? `; ${x(median(t.first) / mU)} unbundled` : '',
      );
      const laterRow = row(FIGURES.later, t.later, `${floorText(mFL, 'with cache')}; first run ${ms(median(t.first))}`, t.first.length > 0 && t.later.length > 0 ? `; ${x(median(t.later) / median(t.first))} first run` : '');
      const floorRow: Row =
        mFF !== undefined && mFL !== undefined
          ? {
              id: FIGURES.floor.id,
              figure: FIGURES.floor.figure,
              measured: `without cache ${ms(mFF)}, with cache ${ms(mFL)} (spawn to exit, median of ${t.floorLater.length}); bare node -e 0 ${ms(mBare)}`,
              target: '- (reference: the floor the task cannot go under)',
              reference: `task: first run ${ms(median(t.first))}, later runs ${ms(median(t.later))}; node's own https client alone, to its first connect: ${mP !== undefined ? `${ms(mP)} (${x(mP / mBare)} bare)` : 'n/a'}`,
              ratio: `${x(mFF / mBare)} / ${x(mFL / mBare)} bare`,
              verdict: 'info',
              details,
            }
          : naRow(FIGURES.floor.id, FIGURES.floor.figure, '-', errors.find((e) => e.startsWith('floor')) ?? 'failed', details);
      if (errors.some((e) => e.startsWith('floor: the compile cache'))) floorRow.measured += ` (${errors.find((e) => e.startsWith('floor: the compile cache'))})`;
      return { rows: [firstRow, laterRow, floorRow], phases };
    } finally {
      await listener.close();
    }
  }

  /** The task from the later-runs copy (compile cache warm, as on an agent after its first run); the first-run copy for reference. */
  async function wholeRotate(o: typeof opts, world: World, env: Record<string, string>, bareArgs: string[], first: TaskCopy, later: TaskCopy): Promise<Row> {
    const plainEnv = {
      ...world.emu.childEnv(),
      PATH: process.env.PATH ?? '',
      BENCH_PLAIN: JSON.stringify({
        authorityHost: world.emu.urls.authorityHost,
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
    const bare: number[] = [];
    const task: number[] = [];
    const taskFirst: number[] = [];
    const plain: number[] = [];
    const plainHttps: number[] = [];
    const requests: number[] = [];
    const plainRequests: number[] = [];
    const errors: string[] = [];
    const last = () => world.emu.log.entries().length;
    for (let i = 0; i < o.runs; i++) {
      bare.push((await runTimed(bareArgs, { env })).ms);
      const before = last();
      const t = await runTimed([later.entry], { env });
      const parsed = parseTaskOutput(t.stdout, t.stderr);
      if (parsed.result === 'Succeeded' || parsed.result === 'SucceededWithIssues') {
        task.push(t.ms);
        requests.push(last() - before);
      } else errors.push(`task: ${oneLine(parsed.message ?? t.stderr ?? `exit ${t.code}`)}`);
      // The first run on a new machine: no cache, and it writes one at exit (part of its time).
      first.clearCache();
      const f = await runTimed([first.entry], { env });
      const fParsed = parseTaskOutput(f.stdout, f.stderr);
      if (fParsed.result === 'Succeeded' || fParsed.result === 'SucceededWithIssues') taskFirst.push(f.ms);
      else errors.push(`task (first run): ${oneLine(fParsed.message ?? f.stderr ?? `exit ${f.code}`)}`);
      const beforePlain = last();
      const p = await runTimed([PLAIN_ROTATE], { env: plainEnv });
      if (p.code === 0) {
        plain.push(p.ms);
        plainRequests.push(last() - beforePlain);
      } else errors.push(`plain fetch: ${oneLine(p.stderr)}`);
      const h = await runTimed([PLAIN_ROTATE], { env: { ...plainEnv, BENCH_TRANSPORT: 'https' } });
      if (h.code === 0) plainHttps.push(h.ms);
      else errors.push(`plain https: ${oneLine(h.stderr)}`);
    }
    if (task.length === 0) return naRow('rotate', rotFigure, rotTarget, errors[0] ?? 'no run succeeded', { errors });
    const mBare = median(bare);
    const mT = median(task);
    const mP = plain.length > 0 ? median(plain) : undefined;
    const mH = plainHttps.length > 0 ? median(plainHttps) : undefined;
    const mF = taskFirst.length > 0 ? median(taskFirst) : undefined;
    return {
      id: 'rotate',
      figure: rotFigure,
      measured: `${ms(mT)} spawn to exit (median of ${task.length}; ${ms(spread(task).min)}-${ms(spread(task).max)}), ${median(requests)} requests; bare node -e 0 ${ms(mBare)}`,
      target: rotTarget,
      reference:
        (mP !== undefined ? `plain-fetch script, same calls: ${ms(mP)}, ${median(plainRequests)} requests` : `n/a (${errors.find((e) => e.startsWith('plain fetch')) ?? 'failed'})`) +
        (mH !== undefined ? `; same script over node:https: ${ms(mH)}` : '') +
        (mF !== undefined ? `; the task's first run (no cache, writes it): ${ms(mF)}` : ''),
      ratio:
        `${x(mT / mBare)} bare` +
        (mP !== undefined ? `; ${x(mT / mP)} plain fetch; plain ${x(mP / mBare)} bare` : '') +
        (mH !== undefined ? `; https script ${x(mH / mBare)} bare` : '') +
        (mF !== undefined ? `; first run ${x(mF / mBare)} bare` : ''),
      verdict: verdict(mT <= ROTATE_MAX_RATIO * mBare),
      details: { runs: o.runs, bareMs: bare, taskMs: task, taskFirstRunMs: taskFirst, plainMs: plain, plainHttpsMs: plainHttps, requests, plainRequests, medians: { bare: mBare, task: mT, taskFirstRun: mF, plain: mP, plainHttps: mH }, errors, compileCache: 'warm (written by the warm-up run; the first-run reference deletes its copy\'s cache before each run)', setup: 'refreshTokenStore variableGroup + target variableGroup, rotateWhenExpiresWithinDays 0, emulator latency 0' },
    };
  }
}
