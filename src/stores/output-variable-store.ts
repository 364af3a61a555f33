/**
 * The value leaves the step as the secret output variable `token`, for later steps of the same job or stage.
 * Nothing is stored between runs, so there is nothing to read or verify.
 */
import type { Host } from '../host';
import type { SecretMetadata, SecretStore, StoredSecretInfo, WriteReceipt } from './secret-store';

export const OUTPUT_VARIABLE_NAME = 'token';

export class OutputVariableStore implements SecretStore {
  constructor(private readonly host: Pick<Host, 'setOutput'>, private readonly name: string = OUTPUT_VARIABLE_NAME) {}

  label(): string {
    return this.describe();
  }

  describe(): string {
    return `the secret output variable '${this.name}'`;
  }

  async read(): Promise<StoredSecretInfo> {
    return { exists: false, metadata: {} };
  }

  async write(value: string, metadata: SecretMetadata): Promise<WriteReceipt> {
    this.host.setOutput(this.name, value, { secret: true });
    return { metadata: { ...metadata } };
  }

  /** An output variable outlives no run: there is no record to keep. */
  async mark(): Promise<void> {}

  async verify(): Promise<void> {
    // An output variable is handed to the agent; there is nothing to read back.
  }
}
