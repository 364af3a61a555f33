/** Runs the configured action over every selected PAT and reports each one's outcome as it finishes. */
import { patternToRegExp } from '../config/selector';
import { InputError, InputErrors, PatLifecycleError } from '../errors';
import { refreshTokenCollisions, templateProblems } from '../config/destinations';
import { hasNamePlaceholder, secretNameFor, serviceConnectionNameFor, variableNameFor } from '../config/name-template';
import { forEachPat } from './bulk';
import { createOne } from './create';
import { revokedStoredNames } from './recorded-pat';
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
  const run: OperationRun = { ...context, directory: context.directory ?? new PatDirectory(context.pats) };
  const { config, log } = run;
  if (config.action === 'list') {
    const outcomes = await listPats(run);
    outcomes.forEach((o) => logOutcome(run, o));
    return { outcomes };
  }
  if (config.action === 'check') throw new PatLifecycleError('service', 'Unexpected', 'action check reads prerequisites (src/check) and runs no operation.');
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
    const active = [...new Set((await run.directory.active()).map((t) => t.displayName).filter((n) => pattern.test(n)))];
    const names = [...active, ...(run.config.action === 'rotate' ? await revokedStoredNames(run, pattern, active) : [])].sort();
    if (names.length === 0) {
      throw new PatLifecycleError('notFound', 'NoPatMatches', `No active PAT's name matches '${selector.displayNamePattern}'`, {
        input: 'patNamePattern',
        hint: '`*` matches any characters and `?` one; names match case-sensitively. The list action shows the names.',
      });
    }
    run.log.info(`'${selector.displayNamePattern}' matches ${names.length} PAT name(s): ${names.join(', ')}`);
    checkExpandedNames(run, names);
    return names.map((displayName) => ({ displayName }));
  }
  return selector.displayNames.map((displayName) => ({ displayName }));
}

/**
 * The names a pattern matched get the checks that names given in the inputs got before the run: no two PATs onto one
 * variable or secret, valid names, and never the refresh token's place. All before the first change.
 */
function checkExpandedNames(run: OperationRun, names: readonly string[]): void {
  const { config } = run;
  if (config.action !== 'create' && config.action !== 'rotate') return;
  const problems: Array<{ input: string; message: string; hint: string }> = [];
  for (const dest of config.destinations) {
    if (dest.kind === 'variableGroup' && hasNamePlaceholder(dest.variableName)) {
      problems.push(...templateProblems('variableName', names, (n) => variableNameFor(dest.variableName, n)).map((x) => ({ input: 'variableName', ...x })));
    }
    if (dest.kind === 'keyVault' && hasNamePlaceholder(dest.secretName)) {
      problems.push(...templateProblems('secretName', names, (n) => secretNameFor(dest.secretName, n)).map((x) => ({ input: 'secretName', ...x })));
    }
    if (dest.kind === 'serviceConnection' && hasNamePlaceholder(dest.connection.nameOrId)) {
      problems.push(...templateProblems('serviceConnection', names, (n) => serviceConnectionNameFor(dest.connection.nameOrId, n)).map((x) => ({ input: 'serviceConnection', ...x })));
    }
    problems.push(...refreshTokenCollisions(dest, config.refreshTokenStore, names));
  }
  if (problems.length === 0) return;
  throw new InputErrors(problems.map((x) => new InputError(x.input, `${x.message} (names matched by patNamePattern '${config.selector.displayNamePattern}'); nothing was changed`, x.hint)));
}

function logOutcome(run: OperationRun, o: PatOutcome): void {
  const { log } = run;
  if (o.action !== 'listed') log.info(`PAT '${o.name}': ${o.detail}`);
  for (const w of o.warnings) log.warn(w);
  for (const i of o.issues) log.warn(i);
}
