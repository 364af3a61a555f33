/**
 * Loads the Azure SDK (sdk.ts) on first use. This is the plain version (tests, the CLI bundle): a require() inside
 * the function, which a bundle keeps in the same file and evaluates on the first call.
 *
 * The task bundle replaces this module with tasks/PatLifecycleV1/src/azure-sdk-beside.ts (scripts/bundle-options.mjs):
 * there the SDK is a file of its own beside task.js, so the runs that use no vault never read or compile it.
 */
export type AzureSdk = typeof import('./sdk');

export async function loadAzureSdk(): Promise<AzureSdk> {
  return require('./sdk') as AzureSdk;
}
