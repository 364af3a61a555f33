/**
 * Azure DevOps PAT / OAuth scope strings (spec §4) and the checks the emulated APIs make with them.
 */

const SCOPE_LIST = [
  'vso.advsec', 'vso.advsec_write', 'vso.advsec_manage',
  'vso.agentpools', 'vso.agentpools_manage', 'vso.environment_manage',
  'vso.analytics', 'vso.auditlog', 'vso.auditstreams_manage',
  'vso.build', 'vso.build_execute',
  'vso.code', 'vso.code_write', 'vso.code_manage', 'vso.code_full', 'vso.code_status',
  'vso.connected_server', 'vso.entitlements',
  'vso.memberentitlementmanagement', 'vso.memberentitlementmanagement_write',
  'vso.extension', 'vso.extension_manage', 'vso.extension.data', 'vso.extension.data_write',
  'vso.githubconnections', 'vso.githubconnections_manage',
  'vso.graph', 'vso.graph_manage', 'vso.identity', 'vso.identity_manage',
  'vso.machinegroup_manage',
  'vso.gallery', 'vso.gallery_acquire', 'vso.gallery_publish', 'vso.gallery_manage',
  'vso.notification', 'vso.notification_write', 'vso.notification_manage', 'vso.notification_diagnostics',
  'vso.packaging', 'vso.packaging_write', 'vso.packaging_manage',
  'vso.pipelineresources_use', 'vso.pipelineresources_manage',
  'vso.project', 'vso.project_write', 'vso.project_manage',
  'vso.release', 'vso.release_execute', 'vso.release_manage',
  'vso.securefiles_read', 'vso.securefiles_write', 'vso.securefiles_manage',
  'vso.security_manage',
  'vso.serviceendpoint', 'vso.serviceendpoint_query', 'vso.serviceendpoint_manage',
  'vso.hooks', 'vso.hooks_write', 'vso.hooks_interact',
  'vso.settings', 'vso.settings_write',
  'vso.symbols', 'vso.symbols_write', 'vso.symbols_manage',
  'vso.taskgroups_read', 'vso.taskgroups_write', 'vso.taskgroups_manage',
  'vso.dashboards', 'vso.dashboards_manage',
  'vso.test', 'vso.test_write', 'vso.threads_full',
  'vso.tokens', 'vso.tokenadministration', 'vso.pats', 'vso.pats_manage',
  'vso.profile', 'vso.profile_write',
  'vso.variablegroups_read', 'vso.variablegroups_write', 'vso.variablegroups_manage',
  'vso.wiki', 'vso.wiki_write',
  'vso.work', 'vso.work_write', 'vso.work_full',
  'user_impersonation', 'app_token',
] as const;

export const FULL_ACCESS_SCOPE = 'app_token';
export const KNOWN_SCOPES: ReadonlySet<string> = new Set(SCOPE_LIST);

export function splitScopes(scope: string | null | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter((s) => s.length > 0);
}

/**
 * Validates a space-separated PAT scope string. Returns the normalised string (canonical casing,
 * single spaces, duplicates dropped) or null when it is empty or names an unknown scope.
 */
export function normaliseScopeString(scope: unknown): string | null {
  if (typeof scope !== 'string') return null;
  const out: string[] = [];
  for (const s of splitScopes(scope)) {
    const canonical = s.toLowerCase();
    if (!KNOWN_SCOPES.has(canonical)) return null;
    if (!out.includes(canonical)) out.push(canonical);
  }
  return out.length > 0 ? out.join(' ') : null;
}

/** Scopes that include another one: a `_manage` scope covers `_write` and read, and so on. */
const IMPLIED_BY: Record<string, string[]> = {
  'vso.variablegroups_read': ['vso.variablegroups_write', 'vso.variablegroups_manage'],
  'vso.variablegroups_write': ['vso.variablegroups_manage'],
  'vso.pats': ['vso.pats_manage'],
  'vso.profile': ['vso.profile_write'],
};

/** True when the granted scopes (of a PAT or an Entra token's `scp`) allow the needed one. */
export function scopesAllow(granted: readonly string[], needed: string): boolean {
  // Entra scopes may arrive resource-qualified (`499b84ac-…/user_impersonation`); `.default` is the app's full grant.
  const g = new Set(granted.map((s) => s.slice(s.lastIndexOf('/') + 1).toLowerCase()));
  if (g.has(FULL_ACCESS_SCOPE) || g.has('user_impersonation') || g.has('.default')) return true;
  if (g.has(needed)) return true;
  return (IMPLIED_BY[needed] ?? []).some((s) => g.has(s));
}
