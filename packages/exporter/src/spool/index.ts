// The disk spool: self-contained until the exporter sends through it (issue 11 §2).
export { Spool } from './spool';
export type { SpoolAppendOptions, SpoolOpenResult } from './spool';
export type {
  SpoolAppendResult,
  SpooledRequest,
  SpoolFsyncPolicy,
  SpoolIdentity,
  SpoolOptions,
  SpoolProblem,
  SpoolRecordMeta,
  SpoolRef,
  SpoolStats,
  SpoolUnavailable,
  SpoolUnavailableReason,
} from './types';
export type { SpoolFileHandle, SpoolFileStats, SpoolFileSystem, SpoolOpenMode } from './spool-file-system';
export { nodeSpoolFileSystem } from './spool-file-system';
