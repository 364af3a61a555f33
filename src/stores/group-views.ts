/**
 * One run's latest view of each variable group: the last GET of it or the answer to the last PUT, whichever store made
 * it. A store may start from a view younger than VIEW_REUSE_MS instead of asking again (the refresh token and a PAT
 * often share a group). A PUT whose outcome is unknown drops the view, so nothing is written back from before a write.
 */
import type { VariableGroupRef } from '../config/types';
import type { VariableGroup } from '../devops/types';

/**
 * Short: variable groups have no ETag, so every read-modify-write races other writers anyway; a view from a moment ago
 * widens that by nothing that matters.
 */
export const VIEW_REUSE_MS = 2000;

export class GroupViews {
  private readonly byId = new Map<string, { group: VariableGroup; at: number }>();
  private readonly idByName = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  remember(project: string, group: VariableGroup): void {
    this.byId.set(`${project.toLowerCase()}|${group.id}`, { group, at: this.clock() });
    this.idByName.set(`${project.toLowerCase()}|${group.name.toLowerCase()}`, group.id);
  }

  forget(project: string, id: number): void {
    this.byId.delete(`${project.toLowerCase()}|${id}`);
  }

  /** The group `ref` names (by id, or by a name seen before), if seen less than VIEW_REUSE_MS ago. */
  recent(ref: VariableGroupRef, id: number | undefined): VariableGroup | undefined {
    const project = ref.project.toLowerCase();
    const groupId = id ?? (ref.name !== undefined ? this.idByName.get(`${project}|${ref.name.toLowerCase()}`) : undefined);
    const view = groupId !== undefined ? this.byId.get(`${project}|${groupId}`) : undefined;
    return view && this.clock() - view.at < VIEW_REUSE_MS ? view.group : undefined;
  }
}
