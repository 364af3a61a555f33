/**
 * The secrets AzureKeyVault@2 hands a pipeline from a vault: the latest version of each secret, minus the disabled and
 * the expired ones (microsoft/azure-pipelines-tasks, Tasks/AzureKeyVaultV2/operations/KeyVault.ts,
 * filterDisabledAndExpiredSecrets). A variable group linked to the vault offers the same set.
 */
interface VaultControl {
  listVaults(): Array<{ name: string; secrets: string[] }>;
  getSecret(vault: string, name: string): { versions: Array<{ value: string; enabled: boolean; exp?: number }> } | undefined;
}

export function secretsAsAzureKeyVaultTaskReadsThem(control: VaultControl, vault: string, nowMs: number): Record<string, string> {
  const names = control.listVaults().find((v) => v.name === vault)?.secrets ?? [];
  const out: Record<string, string> = {};
  for (const name of names) {
    const latest = control.getSecret(vault, name)?.versions.at(-1);
    if (!latest || !latest.enabled) continue;
    if (latest.exp !== undefined && latest.exp * 1000 <= nowMs) continue;
    out[name] = latest.value;
  }
  return out;
}
