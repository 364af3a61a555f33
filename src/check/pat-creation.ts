/**
 * Whether the organization lets the user create PATs. No read shows it: the policy "Restrict personal access token
 * creation" and the tenant's PAT policies answer only a create. So, only when asked (checkPatCreation: true), check
 * creates a 1-day PAT named `pat-lifecycle-check-probe-<probe id>` and revokes it at once: it is this run's own (its
 * name carries the random id this check drew, the same id the log line shows), so revoking it needs no record. Without the probe the line says how to prove it.
 */
import { splitScopeString } from '../config/scopes';
import { asPatLifecycleError, type PatLifecycleError } from '../errors';
import type { PatToken } from '../devops/types';
import type { PatApi } from '../operations/types';
import { missing, notChecked, ok, type CheckDeps, type CheckLine } from './types';

export const PAT_CREATION = 'PAT creation policy';
/** The narrowest scope there is: reading the user's own profile. */
export const PROBE_SCOPE = 'vso.profile';
const DAY_MS = 86_400_000;

const ALLOW_LIST =
  "A Project Collection Administrator adds the user (or a group of theirs) to the allow list of the policy 'Restrict personal access token (PAT) creation': Organization settings > Policies (under Security).";
const TENANT_POLICIES = 'Organization settings > Microsoft Entra > Policies (an Azure DevOps Administrator of the tenant changes these)';

/** The fix for each refusal a create can meet because of a policy; the rest keep the PAT error table's own hint. */
const POLICY_FIXES: Record<string, string> = {
  disablePatCreationPolicyViolation: ALLOW_LIST,
  // The task calls API 7.2, which names that policy's refusal; accessDenied there means the user has no access.
  accessDenied: 'Azure DevOps refused the user: check that the signed-in user is a member of the organization with access to it.',
  globalPATCreationBlocked: `The task creates only organization-scoped PATs (allOrgs: false), so this refusal means the organization or tenant blocks PAT creation for this request; ask an Azure DevOps Administrator to check the PAT policies under ${TENANT_POLICIES}.`,
  globalPatPolicyViolation: `The task creates only organization-scoped PATs (allOrgs: false); ask an Azure DevOps Administrator to check the policy 'Restrict global personal access token creation' and its allow list under ${TENANT_POLICIES}.`,
  fullScopePatPolicyViolation: `Name the scopes the PAT needs in 'scopes' instead of full access (app_token), or have the user added to the allow list of 'Restrict full-scoped personal access token creation' under ${TENANT_POLICIES}.`,
  patLifespanPolicyViolation: `Lower 'lifetimeDays' to the maximum of 'Enforce maximum personal access token lifespan', or have the user added to its allow list, under ${TENANT_POLICIES}.`,
  failedToReadOrgPolicy: "Azure DevOps could not read the organization's PAT policies, so it refused the create; a rotate now would fail the same way. Run the check again; if it keeps failing, report it to Azure DevOps support with the request id.",
};

/** The probe's name says what its id is: the random id of this check, not a pipeline run id or a build number. */
export function probeName(probeId: string): string {
  return `pat-lifecycle-check-probe-${probeId}`;
}

export async function checkPatCreation(deps: CheckDeps, pats: PatApi, user: string): Promise<CheckLine> {
  const { config } = deps;
  if (!config.checkPatCreation) {
    return notChecked(
      PAT_CREATION,
      "reading cannot show whether the organization's policies (Restrict personal access token creation, and the tenant's full-scope and lifespan policies) let the user create PATs.",
      `Set checkPatCreation: true: check then creates a 1-day PAT named '${probeName('<probe id>')}' (a random id of that check) and revokes it at once.`,
    );
  }
  const name = probeName(deps.runId);
  const scope = config.scopes?.join(' ') ?? PROBE_SCOPE;
  const validTo = new Date(deps.now().getTime() + DAY_MS).toISOString();
  let made: PatToken;
  try {
    made = await pats.create({ displayName: name, scope, validTo, allOrgs: false });
  } catch (err) {
    const e = asPatLifecycleError(err);
    if (e.code === 'OutcomeUnknown') return revokeLost(pats, name, e);
    return refused(deps, e, scope);
  }
  deps.log.info(`Created PAT '${name}' (${made.authorizationId}) to prove PAT creation; revoking it now.`);
  try {
    await pats.revoke(made.authorizationId);
  } catch (err) {
    const e = asPatLifecycleError(err);
    return missing(
      PAT_CREATION,
      `the organization let ${user} create PAT '${name}' (${made.authorizationId}), but revoking it failed: ${e.message} [${e.code}]. A rotate revokes the PAT it replaces the same way.`,
      "Revoke it under User settings > Personal access tokens; if revoking keeps failing, check the user's access to the organization.",
    );
  }
  return ok(PAT_CREATION, `the organization let ${user} create a PAT with scopes ${splitScopeString(scope).join(' ')}: PAT '${name}' was created for 1 day and revoked at once.`);
}

function refused(deps: CheckDeps, e: PatLifecycleError, scope: string): CheckLine {
  const value = e.code.startsWith('patTokenError:') ? e.code.slice('patTokenError:'.length) : undefined;
  const e2 = deps.explain(e);
  const fix = (value && POLICY_FIXES[value]) ?? e2.hint;
  return missing(PAT_CREATION, `creating a 1-day PAT with scopes ${splitScopeString(scope).join(' ')} was refused: ${e2.message}${e2.message.includes(e2.code) ? '' : ` [${e2.code}]`}${e2.requestId ? ` (request id ${e2.requestId})` : ''}`, fix);
}

/** The create's answer was lost: the PAT may exist. Its name carries this run's id, so whatever has it is ours. */
async function revokeLost(pats: PatApi, name: string, e: PatLifecycleError): Promise<CheckLine> {
  try {
    for await (const pat of pats.listAll('active')) if (pat.displayName === name) await pats.revoke(pat.authorizationId);
  } catch {
    return missing(PAT_CREATION, `the answer to the probe's create was lost (${e.code}), and PAT '${name}' may exist.`, "Revoke it under User settings > Personal access tokens if it is listed, and run the check again.");
  }
  // A create still on its way when the list was read lands later; such a probe PAT expires within the day.
  return notChecked(PAT_CREATION, `the answer to the probe's create was lost (${e.code}); any PAT '${name}' it made was revoked (one that lands later still expires within a day).`, 'Run the check again.');
}
