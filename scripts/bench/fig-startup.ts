/**
 * Figures 2 and 3: cold start (process start to the first request) and a whole `rotate` against the emulator,
 * each against a bare `node -e 0` and a reference measured in the same run, runs interleaved, medians reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseTaskOutput, TASK_ENTRY } from '../../test/support/run-task';
import { firstConnectionListener, median, runTimed, spread, timeToFirstConnection, type ProbeRecord } from './proc';
import { ms, naRow, oneLine, verdict, x, type Row } from './table';
import type { Unbundled } from './unbundled';
import { createWorld, failureOf, ORG, PROJECT, RT_VARIABLE, patToGroup, rtToGroup, runAction, seedPats, type World } from './world';

export const COLD_START_MAX_RATIO = 1.5;
export const ROTATE_MAX_RATIO = 2.5;
const PLAIN_ROTATE = resolve(__dirname, 'plain-rotate.mjs');

export interface StartupResult {
  rows: Row[];
  /** Probe marks of the bundled and unbundled cold starts (for the analysis). */
  phases?: { bundled?: PhaseMedians; unbundled?: PhaseMedians };
}

export interface PhaseMedians {
  /** Process start to the preload (node's own bootstrap). */
  bootstrapMs: number;
  /** Compile + top-level evaluation of the main script (a bundle: every eager package). */
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
  /** Called with the cold-start env while its stand-in authority host, CA file and temp folder still exist. */
  withColdEnv?: (env: Record<string, string>) => Promise<void>;
}

export async function startupFigures(opts: StartupOptions): Promise<StartupResult> {
  const coldFigure = 'task cold start: process start to first request';
  const coldTarget = `<= ${COLD_START_MAX_RATIO} x bare node -e 0`;
  const rotFigure = 'whole rotate vs emulator (loopback)';
  const rotTarget = `<= ${ROTATE_MAX_RATIO} x bare node -e 0`;
  let w: World | undefined;
  try {
    w = await createWorld();
    seedPats(w, 1, 'rotate-task-');
    seedPats(w, 1, 'rotate-plain-');
    const rotateInputs = { action: 'rotate', displayName: 'rotate-task-001', rotateWhenExpiresWithinDays: 0, ...rtToGroup(w), ...patToGroup(w, 'RotatePat') };
    // Warm-up through the black-box harness: proves the path works and gives the exact env the agent would set.
    const warm = await runAction(w, rotateInputs);
    const why = failureOf(warm);
    if (why) {
      return { rows: [naRow('coldStart', coldFigure, coldTarget, why), naRow('rotate', rotFigure, rotTarget, why)] };
    }
    const baseEnv = { ...warm.env };
    const tmp = mkdtempSync(join(tmpdir(), 'pat-bench-agent-'));
    baseEnv.AGENT_TEMPDIRECTORY = tmp;
    const bareArgs = ['-e', '0'];
    try {
      const cold = await coldStart(opts, baseEnv, bareArgs);
      const rot = await wholeRotate(opts, w, baseEnv, bareArgs);
      return { rows: [cold.row, rot], phases: cold.phases };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    const reason = String(err instanceof Error ? err.message : err);
    return { rows: [naRow('coldStart', coldFigure, coldTarget, reason), naRow('rotate', rotFigure, rotTarget, reason)] };
  } finally {
    await w?.close();
  }

  async function coldStart(o: typeof opts, env: Record<string, string>, bareArgs: string[]): Promise<{ row: Row; phases?: StartupResult['phases'] }> {
    const listener = await firstConnectionListener();
    // Same inputs, but the authority host is a bare TCP listener: the first connection is the first request.
    const coldEnv = { ...env, PATLIFECYCLE_AUTHORITYHOST: `https://127.0.0.1:${listener.port}` };
    const bare: number[] = [];
    const bundled: number[] = [];
    const unbundled: number[] = [];
    const errors: string[] = [];
    try {
      for (let i = 0; i < o.runs; i++) {
        bare.push((await runTimed(bareArgs, { env })).ms);
        const b = await timeToFirstConnection([TASK_ENTRY], coldEnv, listener);
        if (b.ms !== undefined) bundled.push(b.ms);
        else errors.push(`bundled: no request (${oneLine(b.stderr || 'exited')})`);
        if (o.unbundled) {
          const u = await timeToFirstConnection([o.unbundled.entry], coldEnv, listener);
          if (u.ms !== undefined) unbundled.push(u.ms);
          else errors.push(`unbundled: no request (${oneLine(u.stderr || 'exited')})`);
        }
      }
      // In-process phases (probe preload: adds well under a millisecond), medians of a few more runs.
      const probeRuns = Math.max(3, Math.ceil(o.runs / 2));
      const probeEnv = { ...coldEnv, BENCH_EXIT_ON_CONNECT: '1' };
      const bundledProbes: ProbeRecord[] = [];
      const unbundledProbes: ProbeRecord[] = [];
      for (let i = 0; i < probeRuns; i++) {
        const b = await runTimed([TASK_ENTRY], { env: probeEnv, probe: true, timeoutMs: 15_000 });
        if (b.probe) bundledProbes.push(b.probe);
        if (o.unbundled) {
          const u = await runTimed([o.unbundled.entry], { env: probeEnv, probe: true, timeoutMs: 15_000 });
          if (u.probe) unbundledProbes.push(u.probe);
        }
      }
      const phases = { bundled: phaseMedians(bundledProbes), unbundled: phaseMedians(unbundledProbes) };
      if (o.withColdEnv) {
        try {
          await o.withColdEnv(coldEnv);
        } catch (err) {
          errors.push(`cold-start hook: ${oneLine(String(err instanceof Error ? err.message : err))}`);
        }
      }
      if (bundled.length === 0) return { row: naRow('coldStart', coldFigure, coldTarget, errors[0] ?? 'no run reached the network'), phases };
      const mBare = median(bare);
      const mB = median(bundled);
      const mU = unbundled.length > 0 ? median(unbundled) : undefined;
      const row: Row = {
        id: 'coldStart',
        figure: coldFigure,
        measured: `${ms(mB)} (median of ${bundled.length}; ${ms(spread(bundled).min)}-${ms(spread(bundled).max)}); bare node -e 0 ${ms(mBare)}`,
        target: coldTarget,
        reference: mU !== undefined ? `unbundled (same deps): ${ms(mU)} (median of ${unbundled.length})` : `n/a (${o.unbundledError ?? errors.find((e) => e.startsWith('unbundled')) ?? 'not prepared'})`,
        ratio: `${x(mB / mBare)} bare` + (mU !== undefined ? `; ${x(mB / mU)} unbundled; unbundled ${x(mU / mBare)} bare` : ''),
        verdict: verdict(mB <= COLD_START_MAX_RATIO * mBare),
        details: { runs: o.runs, bareMs: bare, bundledMs: bundled, unbundledMs: unbundled, medians: { bare: mBare, bundled: mB, unbundled: mU }, phases, errors, bareIncludes: 'spawn to exit, same env (CA + emulator preload)', measuredAs: 'spawn to the first TCP connection on a stand-in authority host (the token POST)' },
      };
      return { row, phases };
    } finally {
      await listener.close();
    }
  }

  async function wholeRotate(o: typeof opts, world: World, env: Record<string, string>, bareArgs: string[]): Promise<Row> {
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
    const plain: number[] = [];
    const plainHttps: number[] = [];
    const requests: number[] = [];
    const plainRequests: number[] = [];
    const errors: string[] = [];
    const last = () => world.emu.log.entries().length;
    for (let i = 0; i < o.runs; i++) {
      bare.push((await runTimed(bareArgs, { env })).ms);
      const before = last();
      const t = await runTimed([TASK_ENTRY], { env });
      const parsed = parseTaskOutput(t.stdout, t.stderr);
      if (parsed.result === 'Succeeded' || parsed.result === 'SucceededWithIssues') {
        task.push(t.ms);
        requests.push(last() - before);
      } else errors.push(`task: ${oneLine(parsed.message ?? t.stderr ?? `exit ${t.code}`)}`);
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
    return {
      id: 'rotate',
      figure: rotFigure,
      measured: `${ms(mT)} spawn to exit (median of ${task.length}; ${ms(spread(task).min)}-${ms(spread(task).max)}), ${median(requests)} requests; bare node -e 0 ${ms(mBare)}`,
      target: rotTarget,
      reference:
        (mP !== undefined ? `plain-fetch script, same calls: ${ms(mP)}, ${median(plainRequests)} requests` : `n/a (${errors.find((e) => e.startsWith('plain fetch')) ?? 'failed'})`) +
        (mH !== undefined ? `; same script over node:https: ${ms(mH)}` : ''),
      ratio: `${x(mT / mBare)} bare` + (mP !== undefined ? `; ${x(mT / mP)} plain fetch; plain ${x(mP / mBare)} bare` : '') + (mH !== undefined ? `; https script ${x(mH / mBare)} bare` : ''),
      verdict: verdict(mT <= ROTATE_MAX_RATIO * mBare),
      details: { runs: o.runs, bareMs: bare, taskMs: task, plainMs: plain, plainHttpsMs: plainHttps, requests, plainRequests, medians: { bare: mBare, task: mT, plain: mP, plainHttps: mH }, errors, setup: 'refreshTokenStore variableGroup + target variableGroup, rotateWhenExpiresWithinDays 0, emulator latency 0' },
    };
  }
}
