/** Fixtures of the spool tests: temp directories, a file-system layer that fails on demand, records. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeSpoolFileSystem } from '../../src/spool/spool-file-system';
import type { SpoolFileHandle, SpoolFileSystem } from '../../src/spool/spool-file-system';
import { Spool } from '../../src/spool/spool';
import type { SpoolIdentity, SpoolOptions, SpoolProblem, SpoolRecordMeta } from '../../src/spool/types';

/** The identity most tests use. */
export const IDENTITY: SpoolIdentity = { pushUrl: 'http://127.0.0.1:3100/loki/api/v1/push', tenant: 'team-a' };
/** A second identity that must never see the first one's records. */
export const OTHER_IDENTITY: SpoolIdentity = { pushUrl: 'http://127.0.0.1:3100/loki/api/v1/push', tenant: 'team-b' };

/** Metadata for a body standing for `entries` entries. */
export function meta(entries = 1, streams?: string[]): SpoolRecordMeta {
  return {
    entries,
    oldestNanos: 1_000n,
    newestNanos: 2_000n,
    uncompressedBytes: 10 * entries,
    ...(streams ? { streams } : {}),
  };
}

/** A recognisable body. */
export function body(label: string, size = 64): Buffer {
  return Buffer.from(label.padEnd(size, '.'));
}

/** Temp directories removed after each test. */
export class TempDirs {
  private readonly _dirs: string[] = [];

  /** A fresh parent directory (the spool directory inside it does not exist yet). */
  make(): string {
    const dir = mkdtempSync(join(tmpdir(), 'otel-loki-spool-'));
    this._dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this._dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A failure the faulty layer injects. */
export interface FaultRule {
  readonly op: string;
  readonly code: string;
  /** Only for paths matching (default: all). */
  readonly path?: RegExp;
  /** How many times (default: until cleared). */
  count?: number;
}

/** A file-system layer that records calls and fails as told. */
export class FaultyFileSystem implements SpoolFileSystem {
  readonly calls: Array<{ op: string; path: string }> = [];
  private readonly _rules: FaultRule[] = [];

  constructor(private readonly _base: SpoolFileSystem = nodeSpoolFileSystem) {}

  /** Makes `op` fail with `code`. */
  fail(rule: FaultRule): void {
    this._rules.push(rule);
  }

  clear(): void {
    this._rules.length = 0;
  }

  /** How many times `op` was called (on paths matching `path`). */
  count(op: string, path?: RegExp): number {
    return this.calls.filter((c) => c.op === op && (path === undefined || path.test(c.path))).length;
  }

  private _check(op: string, path: string): void {
    this.calls.push({ op, path });
    const rule = this._rules.find((r) => r.op === op && (r.path === undefined || r.path.test(path)));
    if (rule === undefined) return;
    if (rule.count !== undefined && --rule.count <= 0) this._rules.splice(this._rules.indexOf(rule), 1);
    throw Object.assign(new Error(`${rule.code}: injected, ${op} '${path}'`), { code: rule.code });
  }

  async lstat(path: string) {
    this._check('lstat', path);
    return this._base.lstat(path);
  }
  async mkdir(path: string, mode: number) {
    this._check('mkdir', path);
    return this._base.mkdir(path, mode);
  }
  async readdir(path: string) {
    this._check('readdir', path);
    return this._base.readdir(path);
  }
  async rename(from: string, to: string) {
    this._check('rename', from);
    return this._base.rename(from, to);
  }
  async unlink(path: string) {
    this._check('unlink', path);
    return this._base.unlink(path);
  }
  async touch(path: string, timeMillis: number) {
    this._check('touch', path);
    return this._base.touch(path, timeMillis);
  }
  async syncDirectory(path: string) {
    this._check('syncDirectory', path);
    return this._base.syncDirectory(path);
  }
  async open(path: string, mode: 'create' | 'update' | 'read'): Promise<SpoolFileHandle> {
    this._check(`open:${mode}`, path);
    const handle = await this._base.open(path, mode);
    const check = (op: string): void => this._check(op, path);
    return {
      read: (buffer, offset, length, position) => (check('read'), handle.read(buffer, offset, length, position)),
      write: async (bytes, position) => (check('write'), handle.write(bytes, position)),
      sync: async () => (check('sync'), handle.sync()),
      truncate: async (length) => (check('truncate'), handle.truncate(length)),
      stat: () => handle.stat(),
      close: () => handle.close(),
    };
  }
}

/** Opens a spool that must open; collects its problems. */
export async function openSpool(options: SpoolOptions): Promise<{ spool: Spool; problems: SpoolProblem[] }> {
  const problems: SpoolProblem[] = [];
  // Acknowledgements written at once unless a test asks otherwise: the storage tests check them on disk.
  const result = await Spool.open({ onProblem: (p) => problems.push(p), ackDelayMillis: 0, ...options });
  if (result.status !== 'open') throw new Error(`spool did not open: ${result.message}`);
  return { spool: result.spool, problems };
}

/** Everything `pending()` hands out, acknowledged (or not) as it goes. */
export async function drain(spool: Spool, identity: SpoolIdentity = IDENTITY, acknowledge = true): Promise<string[]> {
  const seen: string[] = [];
  for await (const request of spool.pending(identity)) {
    seen.push(Buffer.from(request.body).toString().replace(/\.+$/, ''));
    if (acknowledge) await spool.acknowledge(request.ref);
  }
  return seen;
}

/** A clock tests move by hand. */
export class ManualClock {
  constructor(public millis = 1_767_323_045_000) {}
  readonly now = (): number => this.millis;
}

/** The real file system without fsyncs: for tests that open hundreds of spools and do not test durability. */
export const noSyncFileSystem: SpoolFileSystem = {
  ...nodeSpoolFileSystem,
  syncDirectory: async () => undefined,
  open: async (path, mode) => {
    const handle = await nodeSpoolFileSystem.open(path, mode);
    return {
      read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
      write: (bytes, position) => handle.write(bytes, position),
      truncate: (length) => handle.truncate(length),
      stat: () => handle.stat(),
      close: () => handle.close(),
      sync: async () => undefined,
    };
  },
};
