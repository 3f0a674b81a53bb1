/**
 * Where a queued sweep lives: a Redis at a redis:// URL, and the BullMQ queue
 * `nndl:NAME` in it (prefix `nndl`, queue NAME). Every command first reaches
 * the Redis once with a short deadline, so a wrong address fails in one line
 * instead of retrying forever.
 */
import { Redis } from 'ioredis';

import { CliError } from '../errors';

/** BullMQ's key prefix: the queue NAME's keys are nndl:NAME:*. */
export const PREFIX = 'nndl';

/** How long the first connection may take. */
const CONNECT_TIMEOUT_MS = 5000;

/** The URL without its password, for messages. */
export function showUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** A client for BullMQ: commands wait through reconnections (what Workers need) rather than fail. */
export function redisClient(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS, lazyConnect: true });
}

/** Reaches the Redis once, or throws a CliError naming it. */
export async function checkReachable(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null,
  });
  // The socket's error (ECONNREFUSED, ENOTFOUND) comes as an event; the promise only says the connection closed.
  let cause: NodeJS.ErrnoException | undefined;
  client.on('error', (e: NodeJS.ErrnoException) => {
    cause ??= e;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const err = cause ?? (e as NodeJS.ErrnoException);
    throw new CliError(`cannot reach Redis at ${showUrl(url)}: ${err.code ?? err.message}`);
  } finally {
    // After a failed connection there is nothing to close (and closing would wait 2 s for a dead socket).
    if (client.status !== 'end') client.disconnect();
  }
}

/** A queue's full name, for messages. */
export const fullName = (name: string): string => `${PREFIX}:${name}`;

/**
 * Closes BullMQ's queues, events and workers, but waits at most `ms`: a close
 * can wait forever on a connection that is being re-established (Redis
 * restarting at that moment), and the command has nothing left to do.
 */
export async function closeWithin(closers: (() => Promise<unknown> | undefined)[], ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([Promise.allSettled(closers.map((close) => close())), deadline]);
  clearTimeout(timer);
}
