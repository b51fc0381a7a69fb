/**
 * Looking at the whole directory on each heartbeat: the bytes of other processes' files (for
 * the directory-wide cap) and the segments whose owner's lease expired or was released. A
 * segment is taken over by renaming it to the new owner's name: `rename` is atomic, so when
 * several live processes try, exactly one gets it and the others see `ENOENT`.
 */
import { join } from 'node:path';
import type { HostIdentity } from './lease';
import { isLeaseLive, readLease } from './lease';
import { leaseName, parseName, segmentName } from './spool-names';
import type { SpoolFileStats, SpoolFileSystem } from './spool-file-system';

/** What a look at the directory found. */
export interface DirectorySurvey {
  /** Bytes of spool files that belong to other processes. */
  readonly othersBytes: number;
  /** Segments of dead (or released) owners, oldest first. */
  readonly claimable: ReadonlyArray<{ readonly name: string; readonly id: string; readonly bytes: number }>;
  /** Lease files that expired (safe to remove: a segment without a lease is claimable). */
  readonly expiredLeases: readonly string[];
  /** Segments already under `owner`'s name (one whose takeover scan failed is retried from here). */
  readonly own: ReadonlyArray<{ readonly name: string; readonly id: string }>;
}

async function lstatOrUndefined(fs: SpoolFileSystem, path: string): Promise<SpoolFileStats | undefined> {
  try {
    return await fs.lstat(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Surveys `directory` on behalf of `owner`; file-system errors other than a vanished file reject. */
export async function surveyDirectory(
  fs: SpoolFileSystem,
  directory: string,
  owner: string,
  host: HostIdentity,
  now: number,
  fallbackIntervalMillis: number
): Promise<DirectorySurvey> {
  const names = await fs.readdir(directory);
  const live = new Map<string, boolean>();
  const segments: Array<{ name: string; owner: string; id: string; bytes: number }> = [];
  const own: Array<{ name: string; id: string }> = [];
  let othersBytes = 0;
  for (const name of names) {
    const parsed = parseName(name);
    if (parsed?.type === 'segment' && parsed.owner === owner) own.push({ name, id: parsed.id });
    if (parsed === undefined || parsed.owner === owner) continue;
    const stats = await lstatOrUndefined(fs, join(directory, name));
    if (stats === undefined || !stats.isFile()) continue; // vanished, or a symlink planted there: never followed
    othersBytes += stats.size;
    if (parsed.type === 'lease') {
      const lease = await readLease(fs, join(directory, name));
      live.set(parsed.owner, isLeaseLive(lease, stats.mtimeMs, now, host, fallbackIntervalMillis));
    } else {
      segments.push({ name, owner: parsed.owner, id: parsed.id, bytes: stats.size });
    }
  }
  const claimable = segments
    .filter((segment) => live.get(segment.owner) !== true)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const expiredLeases = [...live].filter(([, isLive]) => !isLive).map(([dead]) => leaseName(dead));
  return { othersBytes, claimable, expiredLeases, own };
}

/** Renames segment `name` to `owner`'s name; `undefined` when another process got it first. */
export async function claimSegment(
  fs: SpoolFileSystem,
  directory: string,
  name: string,
  id: string,
  owner: string
): Promise<string | undefined> {
  const to = join(directory, segmentName(owner, id));
  try {
    await fs.rename(join(directory, name), to);
    return to;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}
