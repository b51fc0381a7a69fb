import { expect } from 'chai';
import { tenantIdProblem, validateTenantId } from '../../src/loki/tenant';

describe('tenant', () => {
  it("accepts Loki's tenant characters", () => {
    for (const id of ['tenant1', 'a', "A-z_0.9!*'()", 'x'.repeat(150)])
      expect(tenantIdProblem(id), id).to.equal(undefined);
  });

  for (const [id, message] of [
    ['a|b', 'multiple org IDs present'],
    ['x'.repeat(151), 'tenant ID is too long: max 150 characters'],
    ['a b', "tenant ID 'a b' contains unsupported character ' '"],
    ['.', "tenant ID is '.' or '..'"],
    ['..', "tenant ID is '.' or '..'"],
    ['', 'no org id'],
  ]) {
    it(`refuses ${JSON.stringify(id.length > 20 ? id.slice(0, 20) + '…' : id)} with Loki's message`, () => {
      expect(tenantIdProblem(id)).to.equal(message);
    });
  }

  for (const ch of ['/', '#', '@', ':', '$', ';', '=', '^', '\\', 'é']) {
    it(`refuses ${JSON.stringify(ch)}`, () => {
      expect(tenantIdProblem(`a${ch}b`)).to.match(/unsupported character/);
    });
  }

  it('validateTenantId throws a TypeError naming the field', () => {
    expect(() => validateTenantId('a b', 'tenantId')).to.throw(TypeError, 'tenantId: invalid Loki tenant ID "a b"');
    expect(() => validateTenantId(42, 'tenantId')).to.throw(TypeError, 'tenantId: expected a string, got number');
  });
});
