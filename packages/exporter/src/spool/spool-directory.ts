/**
 * Opening a spool directory safely: created 0700 when missing; refused when it is a symlink,
 * not a directory, owned by another user or world-writable. Environmental errors become a
 * reason, never an exception.
 */
import type { SpoolFileSystem } from './spool-file-system';
import { DIRECTORY_MODE } from './spool-file-system';
import type { SpoolUnavailable, SpoolUnavailableReason } from './types';

const WORLD_WRITABLE = 0o002;

const REASONS: Readonly<Record<string, SpoolUnavailableReason>> = {
  ENOSPC: 'no_space',
  EDQUOT: 'no_space',
  EROFS: 'read_only',
  EACCES: 'permission_denied',
  EPERM: 'permission_denied',
  ELOOP: 'symlink',
  ENOTDIR: 'not_a_directory',
};

/** The reason behind a file-system error (`io_error` for anything unexpected). */
export function reasonOf(error: unknown): SpoolUnavailableReason {
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === 'string' ? REASONS[code] : undefined) ?? 'io_error';
}

/** An unavailable result for `error` while doing `what`. */
export function unavailable(directory: string, what: string, error: unknown): SpoolUnavailable {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    status: 'unavailable',
    reason: reasonOf(error),
    message: `spool directory ${directory}: cannot ${what} (${typeof code === 'string' ? code : String(error)})`,
    cause: error,
  };
}

function refused(directory: string, reason: SpoolUnavailableReason, why: string): SpoolUnavailable {
  return { status: 'unavailable', reason, message: `spool directory ${directory} refused: ${why}` };
}

/** Creates the directory if needed and checks it; `undefined` when it can be used. */
export async function prepareDirectory(
  fs: SpoolFileSystem,
  directory: string,
  uid: number | undefined
): Promise<SpoolUnavailable | undefined> {
  let stats;
  try {
    stats = await fs.lstat(directory);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') return unavailable(directory, 'inspect it', error);
    try {
      await fs.mkdir(directory, DIRECTORY_MODE);
      stats = await fs.lstat(directory);
    } catch (mkdirError) {
      return unavailable(directory, 'create it', mkdirError);
    }
  }
  if (stats.isSymbolicLink()) return refused(directory, 'symlink', 'it is a symbolic link (not followed)');
  if (!stats.isDirectory()) return refused(directory, 'not_a_directory', 'it is not a directory');
  if (uid !== undefined && stats.uid !== uid) {
    return refused(directory, 'foreign_owner', `it is owned by uid ${stats.uid}, not by this process (uid ${uid})`);
  }
  if ((stats.mode & WORLD_WRITABLE) !== 0) return refused(directory, 'world_writable', 'it is world-writable');
  return undefined;
}
