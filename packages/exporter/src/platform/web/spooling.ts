/**
 * Where the exporter is bundled for Workers, browsers and edge runtimes there is no file
 * system for a disk spool: the `spool` option is refused by name when the exporter is
 * created. The twin of `../node/spooling`.
 */

/** Stands in for the spooling sender: refuses to be made. */
export class SpoolingSender {
  constructor() {
    throw new TypeError(
      'spool: not supported in this runtime (Workers, browsers and edge runtimes have no file system); remove the option'
    );
  }
}
