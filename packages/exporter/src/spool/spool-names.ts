/**
 * File names in a spool directory. A segment's name carries its current owner, so that taking
 * it over is one atomic `rename`; its id (creation time, creating process, sequence) orders
 * segments oldest first and never changes.
 *
 *     lease.<owner>.json
 *     seg.<owner>.<created ms, 15 digits>-<origin>-<sequence, 8 digits>.spool
 */
import { randomBytes } from 'node:crypto';

const OWNER_PATTERN = '[0-9a-f]{16}';
const LEASE_NAME = new RegExp(`^lease\\.(${OWNER_PATTERN})\\.json$`);
const SEGMENT_NAME = new RegExp(`^seg\\.(${OWNER_PATTERN})\\.(\\d{15}-${OWNER_PATTERN}-\\d{8})\\.spool$`);

/** A fresh random owner id (16 hex digits). */
export function newOwnerId(): string {
  return randomBytes(8).toString('hex');
}

/** The lease file name of `owner`. */
export function leaseName(owner: string): string {
  return `lease.${owner}.json`;
}

/** The id of a new segment: sorts by creation time first. */
export function segmentId(createdMillis: number, origin: string, sequence: number): string {
  return `${String(Math.max(0, Math.floor(createdMillis))).padStart(15, '0')}-${origin}-${String(sequence).padStart(8, '0')}`;
}

/** The file name of segment `id` owned by `owner`. */
export function segmentName(owner: string, id: string): string {
  return `seg.${owner}.${id}.spool`;
}

/** What a directory entry is, from its name alone. */
export type SpoolFileName =
  | { readonly type: 'lease'; readonly owner: string }
  | { readonly type: 'segment'; readonly owner: string; readonly id: string }
  | undefined;

/** Parses a directory entry's name; `undefined` for anything that is not the spool's. */
export function parseName(name: string): SpoolFileName {
  const lease = LEASE_NAME.exec(name);
  if (lease !== null) return { type: 'lease', owner: lease[1] };
  const segment = SEGMENT_NAME.exec(name);
  if (segment !== null) return { type: 'segment', owner: segment[1], id: segment[2] };
  return undefined;
}
