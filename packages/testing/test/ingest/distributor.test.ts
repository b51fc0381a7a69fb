import { expect } from 'chai';
import { groupErrors } from '../../src/ingest/distributor';

describe('groupErrors (Loki util.GroupedErrors)', () => {
  it('returns a single message as it is', () => {
    expect(groupErrors(['a'])).to.equal('a');
  });

  it('counts repeated and distinct messages', () => {
    expect(groupErrors(['a', 'a'])).to.equal('2 errors like: a');
    expect(groupErrors(['a', 'b', 'a'])).to.equal('2 errors like: a; 1 errors like: b');
  });
});
