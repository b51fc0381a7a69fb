import { expect } from 'chai';
import { VERSION } from '../src/version';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../package.json') as { version: string };

describe('version', () => {
  it('matches package.json, so the User-Agent tells the truth', () => {
    expect(VERSION).to.equal(pkg.version);
  });
});
