/**
 * Loki's tenant ID rules (`X-Scope-OrgID`), from dskit's `tenant.ValidTenantID`.
 *
 * @see https://github.com/grafana/dskit/blob/main/tenant/tenant.go
 */
import { utf8Length } from '#platform/bytes';

/** Longest tenant ID Loki accepts. */
export const MAX_TENANT_ID_LENGTH = 150;
const TENANT_ID_CHAR = /^[A-Za-z0-9!\-_.*'()]$/;

/**
 * Returns why `tenantId` is not a valid Loki tenant ID, in Loki's words, or `undefined` when
 * it is valid. A tenant is 1 to 150 characters, each a letter, a digit or one of
 * `! - _ . * ' ( )`, and not `.` or `..`; `|` (several tenants) is refused on push.
 */
export function tenantIdProblem(tenantId: string): string | undefined {
  if (tenantId.length === 0) return 'no org id';
  if (tenantId.includes('|')) return 'multiple org IDs present';
  // Same order of checks as dskit: characters, then length, then `.` / `..`.
  for (const ch of tenantId) {
    if (!TENANT_ID_CHAR.test(ch)) return `tenant ID '${tenantId}' contains unsupported character '${ch}'`;
  }
  if (utf8Length(tenantId) > MAX_TENANT_ID_LENGTH) {
    return `tenant ID is too long: max ${MAX_TENANT_ID_LENGTH} characters`;
  }
  if (tenantId === '.' || tenantId === '..') return "tenant ID is '.' or '..'";
  return undefined;
}

/**
 * Checks a tenant ID before any I/O.
 *
 * @throws {TypeError} naming the field and the rule broken.
 */
export function validateTenantId(tenantId: unknown, field = 'tenantId'): string {
  if (typeof tenantId !== 'string') {
    throw new TypeError(`${field}: expected a string, got ${typeof tenantId}`);
  }
  const problem = tenantIdProblem(tenantId);
  if (problem !== undefined) {
    throw new TypeError(`${field}: invalid Loki tenant ID ${JSON.stringify(tenantId)}: ${problem}`);
  }
  return tenantId;
}
