import type { EmulatorCore } from './types';
import { register as registerPats } from './pats';
import { register as registerVariableGroups } from './variable-groups';
import { register as registerKeyVault } from './key-vault';
import { register as registerServiceEndpoints } from './service-endpoints';
import { register as registerProjects } from './projects';

/** The Azure DevOps and Key Vault service modules, registered after the framework's own Entra, OIDC and MSI routes. */
export function registerServiceModules(core: EmulatorCore): void {
  registerPats(core);
  registerVariableGroups(core);
  registerServiceEndpoints(core);
  registerProjects(core);
  registerKeyVault(core);
}
