/** What keeps the task's own log lines from leaking a secret or being read as a logging command. No task-lib here. */

/**
 * The agent masks line by line and cannot take a multi-line secret, so a PEM is registered one body line at a time;
 * the URL-encoded form too, since a token can end up in a query string or form body.
 */
export function maskableParts(value: string): string[] {
  const parts = new Set<string>();
  for (const raw of value.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.length < 4 || /^-----(BEGIN|END) /.test(line)) continue;
    parts.add(line);
    const encoded = encodeURIComponent(line);
    if (encoded !== line) parts.add(encoded);
  }
  return [...parts];
}

/** Text from names we do not control (PAT names) must not be taken for a logging command. */
export function inert(text: string): string {
  return text.replace(/##(vso)?\[/gi, (m) => `#\u200b${m.slice(1)}`);
}
