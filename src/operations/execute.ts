/** Runs the configured action over every selected PAT and reports each one's outcome as it finishes. */
import { patternToRegExp } from '../config/selector';
import { PatLifecycleError } from '../errors';
import { forEachPat } from './bulk';
import { createOne } from './create';
import { listPats } from './list';
import { PatDirectory } from './pat-directory';
import { revokeOne } from './revoke';
import { rotateOne } from './rotate';
import { updateOne } from './update';
import type { OperationContext, OperationResult, OperationRun, PatOutcome } from './types';

interface Target {
  displayName?: string;
  authorizationId?: string;
}

export async function executeOperation(context: OperationContext): Promise<OperationResult> {
  const run: OperationRun = { ...context, directory: new PatDirectory(context.pats) };
  const { config, log } = run;
  if (config.action === 'list') {
    const outcomes = await listPats(run);
    outcomes.forEach((o) => logOutcome(run, o));
    return { outcomes };
  }
  const targets = await targetsOf(run);
  const verb = { create: 'Creating', rotate: 'Rotating', update: 'Updating', revoke: 'Revoking' }[config.action];
  if (targets.length > 1) log.info(`${verb} ${targets.length} PATs, ${Math.min(config.concurrency, targets.length)} at a time.`);
  const work = (t: Target): Promise<PatOutcome> => {
    switch (config.action) {
      case 'create':
        return createOne(run, t.displayName!);
      case 'rotate':
        return rotateOne(run, t);
      case 'update':
        return updateOne(run, t);
      default:
        return revokeOne(run, t);
    }
  };
  const outcomes = await forEachPat(
    targets,
    config.concurrency,
    (t) => t.displayName ?? t.authorizationId ?? '',
    work,
    (outcome, done) => {
      logOutcome(run, outcome);
      log.progress(Math.round((done / targets.length) * 100), `${done} of ${targets.length} PATs done`);
    },
  );
  return { outcomes };
}

async function targetsOf(run: OperationRun): Promise<Target[]> {
  const { selector } = run.config;
  if (selector.authorizationId) return [{ authorizationId: selector.authorizationId }];
  if (selector.displayNamePattern) {
    const pattern = patternToRegExp(selector.displayNamePattern);
    const names = [...new Set((await run.directory.active()).map((t) => t.displayName).filter((n) => pattern.test(n)))].sort();
    if (names.length === 0) {
      throw new PatLifecycleError('notFound', 'NoPatMatches', `No active PAT's name matches '${selector.displayNamePattern}'`, {
        input: 'displayNamePattern',
        hint: '`*` matches any characters and `?` one; names match case-sensitively. The list action shows the names.',
      });
    }
    run.log.info(`'${selector.displayNamePattern}' matches ${names.length} PAT name(s): ${names.join(', ')}`);
    return names.map((displayName) => ({ displayName }));
  }
  return selector.displayNames.map((displayName) => ({ displayName }));
}

function logOutcome(run: OperationRun, o: PatOutcome): void {
  const { log } = run;
  if (o.action !== 'listed') log.info(`PAT '${o.name}': ${o.detail}`);
  for (const w of o.warnings) log.warn(w);
  for (const i of o.issues) log.warn(i);
}
