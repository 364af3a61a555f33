/**
 * MSAL keeps two things about managed identity for the life of the process, in statics: the identity source it first
 * detected (with the endpoint and header from the environment of that moment) and its token cache. A test that signs in
 * with a managed identity against its own local endpoint would leave both to the next such test (which has another
 * endpoint, and a server that does not know the cached token), and to itself when the same process runs it again (a
 * mutation run does, once per mutant). Each such test forgets them first.
 */
import { ManagedIdentityApplication } from '@azure/msal-node';

export function forgetManagedIdentityState(): void {
  const app = new ManagedIdentityApplication() as unknown as { managedIdentityClient?: { constructor: { identitySource?: unknown } } };
  const client = app.managedIdentityClient?.constructor;
  if (!client) throw new Error('@azure/msal-node changed: ManagedIdentityApplication has no managedIdentityClient to reset');
  client.identitySource = undefined;
  (ManagedIdentityApplication as unknown as { nodeStorage?: unknown }).nodeStorage = undefined;
}
