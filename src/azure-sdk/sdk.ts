/**
 * The Azure SDK packages the product uses for Key Vault, in one module: the Key Vault secrets client and
 * @azure/identity's credentials. Nothing imports it statically; it is loaded through load-azure-sdk.ts only when a
 * vault is used, because together they are about a third of the task's code.
 */
export * as identity from '@azure/identity';
export * as keyVaultSecrets from '@azure/keyvault-secrets';
