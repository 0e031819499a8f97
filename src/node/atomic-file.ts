/**
 * Node only: files written atomically. The data goes to a temporary file in the same folder (so the rename
 * cannot cross file systems), is flushed to the disk, then renamed over the destination: a reader (a server
 * watching a model, a downstream job waiting for an output) sees the old file or the new one, never half of
 * one, and a failed or killed run leaves nothing where they look.
 */

import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMlinferError, MlinferError } from '../errors.js';

/** A hidden temporary name next to `path`, unique to this process and call. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** A failed write of `path` (`what` names it, e.g. "model file"): MLI_NOT_FOUND for a missing folder, else MLI_IO. */
export function writeError(path: string, e: unknown, what = ''): MlinferError {
  if (isMlinferError(e)) return e;
  const name = what ? `${what} ${path}` : path;
  if ((e as { code?: unknown })?.code === 'ENOENT')
    return new MlinferError('MLI_NOT_FOUND', `cannot write ${name}: the folder does not exist`, { cause: e });
  return new MlinferError('MLI_IO', `cannot write ${name}: ${(e as Error)?.message ?? String(e)}`, {
    cause: e,
  });
}

/** A file being written: `commit` puts it in place, `discard` removes it. */
export interface AtomicFile {
  /** Resolves once the stream accepts more (its backpressure reaches the caller). */
  write(data: string | Uint8Array): Promise<void>;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Opens `path` for an atomic write. Every failure is an MlinferError naming the path (`what` says what it is).
 *
 * @example
 * const f = createAtomicFile('out.csv');
 * await f.write('id,prediction\n');
 * await f.commit();
 */
export function createAtomicFile(path: string, what = ''): AtomicFile {
  const temp = tempPathFor(path);
  // flush: the data reaches the disk before the rename makes it visible, so a crash leaves no empty file
  const ws = createWriteStream(temp, { flags: 'wx', flush: true });
  let failed: Error | null = null;
  ws.on('error', (e) => {
    failed = e;
  });
  const closeStream = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (ws.closed) return failed ? reject(failed) : resolve();
      ws.end((e?: Error | null) => (e ? reject(e) : resolve()));
    });
  return {
    async write(data) {
      if (failed) throw writeError(path, failed, what);
      // A write that fails while waiting for 'drain' (ENOSPC on a full disk) must be MLI_IO with the
      // path, not an unexpected error the CLI reports as "internal error".
      await writeStream(ws, data).catch((e: unknown) => {
        throw writeError(path, e, what);
      });
    },
    async commit() {
      try {
        await closeStream();
        if (failed) throw failed;
        await rename(temp, path);
      } catch (e) {
        await rm(temp, { force: true }).catch(() => {});
        throw writeError(path, e, what);
      }
    },
    async discard() {
      ws.destroy();
      await rm(temp, { force: true });
    },
  };
}

/**
 * Writes `bytes` to `path` atomically.
 *
 * @example
 * await writeFileAtomic('models/churn.mlinfer', bytes, 'model file');
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, what = ''): Promise<void> {
  const f = createAtomicFile(path, what);
  await f.write(bytes).catch(async (e) => {
    await f.discard();
    throw e;
  });
  await f.commit();
}

/** Writes to a stream, waiting for 'drain' when its buffer is full. */
export function writeStream(ws: WriteStream | NodeJS.WriteStream, data: string | Uint8Array): Promise<void> {
  if (data.length === 0) return Promise.resolve();
  if (ws.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onErr = (e: Error): void => reject(e);
    ws.once('error', onErr);
    ws.once('drain', () => {
      ws.off('error', onErr);
      resolve();
    });
  });
}
