/** The stores check reads, each opened once: a PAT line and a destination line read the same store. */
import type { StoreDestination } from '../stores/open-store';
import type { SecretStore } from '../stores/secret-store';
import type { CheckDeps } from './types';

export class StoreCache {
  private readonly opened = new Map<string, Promise<SecretStore>>();

  constructor(
    private readonly deps: CheckDeps,
    private readonly userAccessToken: string,
  ) {}

  open(destination: StoreDestination, purpose: 'pat' | 'refreshToken'): Promise<SecretStore> {
    const key = `${purpose}|${JSON.stringify(destination)}`;
    let store = this.opened.get(key);
    if (!store) {
      store = this.deps.openStore(destination, purpose, this.userAccessToken);
      this.opened.set(key, store);
    }
    return store;
  }
}
