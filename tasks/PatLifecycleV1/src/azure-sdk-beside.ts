/**
 * What the task bundle gets for src/azure-sdk/load-azure-sdk.ts (scripts/bundle-options.mjs redirects it here): the
 * Azure SDK is the file dist/azure-sdk.js beside task.js, loaded on the first use of a vault, with a compile cache
 * of its own like task.js.
 *
 * Why: the Key Vault SDK and @azure/identity are about a third of the task's code. Inside task.js, every run would
 * read them, V8 would scan them on each first run on an agent (each job's first step on a Microsoft-hosted one) and
 * the compile cache of later runs would carry them: about 20 ms of a first run and 5 ms of a later one, for runs that
 * use no vault. The SDK file shares task.js's @azure/msal-node (@azure/identity signs in with it) rather than carry a copy.
 */
import * as msal from '@azure/msal-node';
import path = require('node:path');
import type { AzureSdk } from '../../../src/azure-sdk/load-azure-sdk';
import { runBundle } from './compiled-bundle';

let sdk: AzureSdk | undefined;

export async function loadAzureSdk(): Promise<AzureSdk> {
  sdk ??= runBundle(path.join(__dirname, 'azure-sdk.js'), { cacheNamePrefix: 'azure-sdk-', parent: module, shared: { '@azure/msal-node': msal } }) as AzureSdk;
  return sdk;
}
