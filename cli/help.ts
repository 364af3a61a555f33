/** Usage text for each command. Kept next to nothing else so the flags and their words stay in one place. */

const SIGN_IN_FLAGS = `Sign-in:
  --tenant-id ID|DOMAIN       Entra tenant of the app registration (Directory (tenant) ID)      [required]
  --client-id GUID            Application (client) ID of the app registration                  [required]
  --client-secret-env VAR     Confidential (web) app only: NAME of an environment variable that holds
                              the client secret (never the secret itself on the command line)
  --device-code               Sign in with a device code (no browser on this machine); the app must
                              "Allow public client flows"
  --no-open                   Do not open a browser; print the sign-in address to open elsewhere
  --timeout SECONDS           How long to wait for the sign-in (browser default 300; device code:
                              until the code expires)`;

const ORG_FLAGS = `Azure DevOps:
  --organization NAME|URL     contoso, or https://dev.azure.com/contoso                          [required]`;

const STORE_FLAGS = `Store (where the pipeline task reads the refresh token):
  --variable-group NAME|ID    a variable group ...
  --variable NAME             ... and the secret variable in it
  --project NAME              the project of the variable group
  --key-vault NAME|URL        or a Key Vault (name, or https://NAME.vault.azure.net) ...
  --secret NAME               ... and the secret in it
  --key-vault-dns-suffix SFX  vault DNS suffix for a name (default vault.azure.net; sovereign clouds differ)
  --kv-credential KIND        how to sign in to Key Vault: default (DefaultAzureCredential: Azure CLI,
                              azd, PowerShell, environment...), cli (Azure CLI only), env
                              (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)`;

const STATUS_CONNECTION_FLAGS = `Or a service connection (the task's signInConnection input reads it):
  --service-connection NAME|ID  a PAT Lifecycle sign-in connection in --project: status reads when its
                              refresh token was issued (the record line of its description)`;

const CONNECTION_FLAGS = `Or a service connection (the task's signInConnection input reads it):
  --service-connection NAME|ID  a PAT Lifecycle sign-in connection in --project; created when missing,
                              after you answer y (the tool asks)
  -y, --yes                   create a missing connection without asking (scripts)`;

const SEAM_FLAGS = `Clouds, proxies and test emulators:
  --authority-host URL        Entra host (default https://login.microsoftonline.com;
                              env PATLIFECYCLE_AUTHORITYHOST)
  --vssps-url URL             PAT API host (default https://vssps.dev.azure.com; env PATLIFECYCLE_VSSPSURL)
  --devops-url URL            Azure DevOps host (default https://dev.azure.com; env PATLIFECYCLE_DEVOPSURL)
  --proxy URL                 HTTP proxy without credentials (default: HTTPS_PROXY, which may carry
                              user:password; NO_PROXY is honoured)
  -v, --verbose               debug output (secrets stay masked)`;

const EXIT_CODES = `Exit codes: 0 ok, 1 error, 2 bad command line, 3 (status) something needs attention.`;

export const HELP: Record<string, string> = {
  general: `pat-lifecycle: seed and check the refresh token that keeps the PatLifecycle@1 task running unattended.

Usage:
  pat-lifecycle login  --tenant-id ID --client-id ID --organization ORG <store> [options]
  pat-lifecycle status --tenant-id ID --client-id ID --organization ORG [<store>] [options]
  pat-lifecycle run    --action list|create|rotate|update|revoke|check ... (a local run of the task's operations)
  pat-lifecycle doctor ... (the same flags as run: run --action check)
  pat-lifecycle help [login|status|run]

Commands:
  login    Sign in (browser, or --device-code) and write the refresh token into a variable group, a
           Key Vault secret or a sign-in service connection, with the metadata the task reads. The token is never printed unless --print.
  status   Show the stored refresh token's age and days left in its 90-day inactivity window, and your
           active PATs with their days left. Exit code 3 when something needs a human soon.
  run      Run one of the task's operations from this machine.
  doctor   Check a step's set-up (run --action check): signs in, reads every prerequisite, writes
           nothing, and lists each as ok, missing (with the fix) or not checked. Exit code 1 when
           something is missing.

${EXIT_CODES}
See docs/cli.md for the app registration, step by step.`,

  login: `pat-lifecycle login: sign in and store the refresh token for the pipeline task.

Usage:
  pat-lifecycle login --tenant-id ID --client-id ID --organization ORG \\
      (--variable-group NAME|ID --variable NAME --project NAME | --key-vault NAME|URL --secret NAME
       | --service-connection NAME --project NAME [--yes]) [options]

${SIGN_IN_FLAGS}

${ORG_FLAGS}

${STORE_FLAGS}

${CONNECTION_FLAGS}

Output:
  --print                     Also print the refresh token on stdout (with a warning). Avoid: anyone who
                              reads it can act as you for up to 90 days.

${SEAM_FLAGS}

${EXIT_CODES}`,

  status: `pat-lifecycle status: how long until a human must step in.

Usage:
  pat-lifecycle status --tenant-id ID --client-id ID --organization ORG [<store>] [options]

${SIGN_IN_FLAGS}

${ORG_FLAGS}

${STORE_FLAGS}

${STATUS_CONNECTION_FLAGS}

Thresholds and output:
  --warn-days N               attention when the refresh token has N days or fewer left (default 14)
  --pat-warn-days N           attention when an active PAT expires within N days (default 3)
  --json                      print the report as JSON on stdout

${SEAM_FLAGS}

${EXIT_CODES}`,
};
