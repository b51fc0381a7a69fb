/**
 * Leases: each process owns its segment files through `lease.<owner>.json`, whose modification
 * time is its heartbeat. A lease is expired when its heartbeat is older than
 * `EXPIRY_HEARTBEATS` intervals, or when it was written on this host during an earlier boot, or
 * when its process is gone: a PID is trusted only within the same boot and the same PID
 * namespace (in containers every app may be PID 1), and only to say "dead" (`kill(pid, 0)`
 * answers ESRCH); a live PID proves nothing (it may have been reused) and waits for the expiry.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { leaseName } from './spool-names';
import type { SpoolFileSystem } from './spool-file-system';

/** Heartbeat intervals after which a lease is expired and its files may be taken over. */
export const EXPIRY_HEARTBEATS = 3;
/**
 * A process that finds its own heartbeat this many intervals old (it was stalled: event loop
 * blocked, SIGSTOP, a suspended VM) refreshes it before writing; at `EXPIRY_HEARTBEATS` it
 * must assume its files were taken over and stops using them (it is fenced).
 */
export const REFRESH_HEARTBEATS = 2;
/** Largest lease file read. */
const MAX_LEASE_BYTES = 4096;
const LEASE_VERSION = 1;
const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/** The machine a process runs on. */
export interface HostIdentity {
  readonly host: string;
  /** Linux boot id (shared by the containers of one boot), when readable. */
  readonly bootId: string | undefined;
  /** The PID namespace (`/proc/self/ns/pid`, e.g. `pid:[4026531836]`), when readable. */
  readonly pidNamespace?: string;
}

/** What a lease file says. */
export interface LeaseContent extends HostIdentity {
  readonly version: number;
  readonly owner: string;
  readonly pid: number;
  readonly processStartMillis: number;
  readonly heartbeatIntervalMillis: number;
}

/** This machine's identity. */
export function hostIdentity(): HostIdentity {
  let bootId: string | undefined;
  try {
    bootId = readFileSync(BOOT_ID_PATH, 'utf8').trim() || undefined;
  } catch {
    bootId = undefined;
  }
  let pidNamespace: string | undefined;
  try {
    pidNamespace = readlinkSync('/proc/self/ns/pid') || undefined;
  } catch {
    pidNamespace = undefined;
  }
  return { host: hostname(), bootId, pidNamespace };
}

/** Whether process `pid` of this PID namespace is gone (never throws; unsure means no). */
export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: unknown }).code === 'ESRCH';
  }
}

/** The lease of this process under `owner`. */
export function ownLease(
  owner: string,
  host: HostIdentity,
  heartbeatIntervalMillis: number,
  now: number
): LeaseContent {
  return {
    version: LEASE_VERSION,
    owner,
    host: host.host,
    bootId: host.bootId,
    pidNamespace: host.pidNamespace,
    pid: process.pid,
    processStartMillis: Math.round(now - process.uptime() * 1000),
    heartbeatIntervalMillis,
  };
}

/** Creates the lease file (exclusively, 0600), fsyncs it and the directory, and sets its heartbeat. */
export async function writeLease(
  fs: SpoolFileSystem,
  directory: string,
  lease: LeaseContent,
  now: number
): Promise<void> {
  const path = join(directory, leaseName(lease.owner));
  const handle = await fs.open(path, 'create');
  try {
    await handle.write(Buffer.from(JSON.stringify(lease)), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.touch(path, now);
  await fs.syncDirectory(directory);
}

/** Reads a lease file; `undefined` when unreadable or not a lease (then only its time counts). */
export async function readLease(fs: SpoolFileSystem, path: string): Promise<Partial<LeaseContent> | undefined> {
  try {
    const handle = await fs.open(path, 'read');
    try {
      const buffer = Buffer.alloc(MAX_LEASE_BYTES);
      const length = await handle.read(buffer, 0, buffer.length, 0);
      return JSON.parse(buffer.toString('utf8', 0, length)) as Partial<LeaseContent>;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Whether a lease still protects its files. `heartbeatMillis` is the lease file's modification
 * time; `fallbackIntervalMillis` is used when the lease does not say its own interval.
 */
export function isLeaseLive(
  lease: Partial<LeaseContent> | undefined,
  heartbeatMillis: number,
  now: number,
  host: HostIdentity,
  fallbackIntervalMillis: number,
  processGone: (pid: number) => boolean = isProcessGone
): boolean {
  const sameHost = lease?.host === host.host && typeof lease.bootId === 'string' && host.bootId !== undefined;
  if (sameHost && lease.bootId !== host.bootId) return false; // written on this machine before it rebooted
  if (
    sameHost &&
    host.pidNamespace !== undefined &&
    lease.pidNamespace === host.pidNamespace &&
    typeof lease.pid === 'number' &&
    Number.isSafeInteger(lease.pid) &&
    lease.pid > 0 &&
    lease.pid !== process.pid &&
    processGone(lease.pid)
  ) {
    return false; // its process is gone (killed, crashed): no need to wait for the expiry
  }
  const interval =
    typeof lease?.heartbeatIntervalMillis === 'number' && lease.heartbeatIntervalMillis > 0
      ? lease.heartbeatIntervalMillis
      : fallbackIntervalMillis;
  return now - heartbeatMillis <= EXPIRY_HEARTBEATS * interval;
}
