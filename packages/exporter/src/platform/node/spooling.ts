/**
 * The disk spool on Node (and Bun, Deno): the write-ahead sender over `src/spool`. The
 * package's `imports` field maps `#platform/spooling` here by default and to
 * `../web/spooling` under the web conditions, so that no web bundle carries the spool (or
 * `node:fs`).
 */
export { SpoolingSender } from '../../sending/spooling-sender';
