/**
 * Errors that arrive as events while a command runs: the connection's (the
 * Redis restarting, a network cut), after which ioredis reconnects and BullMQ
 * retries on its own, and BullMQ's background work's (a lock it could not
 * renew). Each distinct one is said once rather than at every retry.
 */
export function reportErrorsOnce(say: (line: string) => void): (e: Error) => void {
  const said = new Set<string>();
  return (e: Error) => {
    const code = (e as NodeJS.ErrnoException).code;
    const line = typeof code === 'string' ? `Redis: ${code} (reconnecting)` : `Redis: ${e.message}`;
    if (said.has(line)) return;
    said.add(line);
    say(line);
  };
}
