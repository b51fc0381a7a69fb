/**
 * What a resource and an instrumentation scope contribute to every entry, computed once per
 * `Resource` and scope object: the resource's label candidates (with `service_name`
 * discovery), its structured metadata, the scope's metadata, the tenant, the legacy labels.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/push/otlp.go
 */
import type { MetadataPair } from '@otel-loki/push';
import { encodeMetadataPairs, tenantIdProblem } from '@otel-loki/push/internal';
import { anyValueToString, numberToString } from './any-value';
import { fieldPair, flattenAttribute, resolveCollisions, sanitizeValues } from './attribute-flattening';
import type { AttributeClassifier } from './attribute-rules';
import type { Diagnostics } from './diagnostics';
import type { NamedValue, ResolvedLimits, StreamLabels } from './internal-types';
import { finalizeLabels, SERVICE_NAME_LABEL, UNKNOWN_SERVICE } from './label-limits';
import { resourceLineParts } from './line-format';
import type { ResourceLineParts } from './line-format';
import type { SharedPairs } from './loki-entry';
import type { LineFormat } from './types';

const SERVICE_NAME_ATTRIBUTE = 'service.name';
const SERVICE_NAMESPACE_ATTRIBUTE = 'service.namespace';
const SERVICE_INSTANCE_ATTRIBUTE = 'service.instance.id';

/** Settings the resource and scope mapping depends on. */
export interface ResourceMappingConfig {
  classifier: AttributeClassifier;
  discoverServiceName: readonly string[];
  legacyLabels: boolean;
  lineFormat: LineFormat;
  tenantAttribute: string | undefined;
  limits: ResolvedLimits;
}

/** The minimal shape of an OTel `Resource` read here. */
export interface ResourceLike {
  readonly attributes: Record<string, unknown>;
  readonly asyncAttributesPending?: boolean;
}

/** The minimal shape of an instrumentation scope read here. */
export interface ScopeLike {
  readonly name: string;
  readonly version?: string;
  readonly attributes?: Record<string, unknown>;
  readonly droppedAttributesCount?: number;
}

/** Everything a resource contributes. */
export interface ResourceInfo {
  /** Label candidates in resource attribute order, `service_name` first. */
  readonly labelCandidates: readonly MetadataPair[];
  /** The final label set when records add no labels (the common case). */
  readonly stream: StreamLabels;
  /** Resource attributes kept as structured metadata. */
  readonly metadata: readonly NamedValue[];
  /** Tenant from the tenant attribute, when set and valid. */
  readonly tenant: string | undefined;
  /** Resource parts of json / logfmt lines. */
  readonly lineParts: ResourceLineParts | undefined;
  /** Metadata tails per scope: resource metadata then scope metadata, collisions resolved. */
  readonly tails: WeakMap<object, MetadataTail>;
}

/** The metadata every entry of one (resource, scope) pair ends with, encoded once. */
export interface MetadataTail extends SharedPairs {
  /** Names in `pairs`, to detect a record attribute colliding with them. */
  readonly names: ReadonlySet<string>;
  /** True when a name in `pairs` is also the name of a record field (`severity_text`...). */
  readonly hasFieldNames: boolean;
}

/** Names of the record fields Loki writes as metadata; a record attribute of the same name loses. */
export const FIELD_NAMES: ReadonlySet<string> = new Set([
  'observed_timestamp',
  'severity_number',
  'severity_text',
  'dropped_attributes_count',
  'flags',
  'trace_id',
  'span_id',
  'event_name',
]);

/** Builds and caches {@link ResourceInfo} and {@link MetadataTail}s. */
export class ResourceMapper {
  private readonly _resources = new WeakMap<object, ResourceInfo>();
  // Records of one batch nearly always share one resource: the last answer is kept at hand.
  private _lastResource: ResourceLike | undefined;
  private _lastInfo: ResourceInfo | undefined;
  private _lastScope: ScopeLike | undefined;
  private _lastScopeInfo: ResourceInfo | undefined;
  private _lastTail: MetadataTail | undefined;

  constructor(
    private readonly _config: ResourceMappingConfig,
    private readonly _diagnostics: Diagnostics
  ) {}

  /** The info of `resource`, from cache unless its async attributes are still pending. */
  resource(resource: ResourceLike): ResourceInfo {
    if (resource === this._lastResource) return this._lastInfo!;
    let info = this._resources.get(resource);
    if (info === undefined) {
      info = this._build(resource.attributes ?? {});
      if (resource.asyncAttributesPending) return info;
      this._resources.set(resource, info);
    }
    this._lastResource = resource;
    this._lastInfo = info;
    return info;
  }

  /** The metadata tail of (`info`, `scope`), cached per scope object. */
  tail(info: ResourceInfo, scope: ScopeLike): MetadataTail {
    if (scope === this._lastScope && info === this._lastScopeInfo) return this._lastTail!;
    let tail = info.tails.get(scope);
    if (tail === undefined) {
      const pairs: NamedValue[] = info.metadata.slice();
      this._scopeMetadata(scope, pairs);
      const collisions = resolveCollisions(pairs);
      if (collisions > 0) this._diagnostics.countAndWarnOnce('nameCollisions', collisions, 'in scope attributes');
      const names = new Set(pairs.map((p) => p.name));
      let chars = 0;
      for (const pair of pairs) chars += pair.name.length + pair.value.length;
      tail = {
        pairs,
        names,
        hasFieldNames: pairs.some((p) => FIELD_NAMES.has(p.name)),
        encoded: encodeMetadataPairs(pairs),
        chars,
      };
      info.tails.set(scope, tail);
    }
    this._lastScope = scope;
    this._lastScopeInfo = info;
    this._lastTail = tail;
    return tail;
  }

  private _build(attributes: Record<string, unknown>): ResourceInfo {
    const { classifier, discoverServiceName, limits } = this._config;
    const labels: NamedValue[] = [];
    const metadata: NamedValue[] = [];
    let invalidNames = 0;
    for (const key of Object.keys(attributes)) {
      const action = classifier.action('resource', key);
      if (action === 'drop') continue;
      invalidNames += flattenAttribute(key, attributes[key], action === 'label' ? labels : metadata);
    }
    if (invalidNames > 0) this._diagnostics.countAndWarnOnce('invalidNamesDropped', invalidNames, 'resource attribute');
    const collisions = resolveCollisions(labels) + resolveCollisions(metadata);
    if (collisions > 0) this._diagnostics.countAndWarnOnce('nameCollisions', collisions, 'in resource attributes');

    // Loki writes labels into a map in attribute order (a later pair of the same name replaces
    // an earlier one) and sets service_name from the first discovery candidate on the way.
    const labelMap = new Map<string, string>();
    const discover = discoverServiceName.length > 0;
    let hasServiceName = anyValueToString(attributes[SERVICE_NAME_ATTRIBUTE]) !== '';
    for (const label of labels) {
      labelMap.set(label.name, label.value);
      if (discover && !hasServiceName && discoverServiceName.includes(label.name)) {
        labelMap.set(SERVICE_NAME_LABEL, label.value);
        hasServiceName = true;
      }
    }
    if (discover && !hasServiceName) labelMap.set(SERVICE_NAME_LABEL, UNKNOWN_SERVICE);
    const candidates: MetadataPair[] = [];
    for (const [name, value] of labelMap) candidates.push({ name, value });
    if (this._config.legacyLabels) appendLegacyLabels(attributes, candidates);

    return {
      labelCandidates: candidates,
      stream: finalizeLabels(candidates, limits, this._diagnostics),
      metadata: sanitizeValues(metadata, this._diagnostics),
      tenant: this._tenant(attributes),
      lineParts: this._config.lineFormat === 'raw' ? undefined : resourceLineParts(attributes),
      tails: new WeakMap(),
    };
  }

  private _scopeMetadata(scope: ScopeLike, pairs: NamedValue[]): void {
    const attributes = scope.attributes;
    const hasAttributes = attributes !== undefined && Object.keys(attributes).length > 0;
    if (hasAttributes) {
      let invalidNames = 0;
      for (const key of Object.keys(attributes)) {
        const action = this._config.classifier.action('scope', key);
        // A scope attribute Loki would index is kept as metadata: labels come from resources and records.
        if (action !== 'drop') invalidNames += flattenAttribute(key, attributes[key], pairs);
      }
      if (invalidNames > 0) this._diagnostics.countAndWarnOnce('invalidNamesDropped', invalidNames, 'scope attribute');
    }
    if (scope.name) pairs.push(fieldPair('scope_name', scope.name));
    if (scope.version) pairs.push(fieldPair('scope_version', scope.version));
    // The OTLP transformer sends the scope's dropped count only with attributes.
    if (hasAttributes && scope.droppedAttributesCount) {
      pairs.push(fieldPair('scope_dropped_attributes_count', numberToString(scope.droppedAttributesCount)));
    }
    sanitizeValues(pairs, this._diagnostics);
  }

  private _tenant(attributes: Record<string, unknown>): string | undefined {
    const attribute = this._config.tenantAttribute;
    if (attribute === undefined || !(attribute in attributes)) return undefined;
    return validTenant(anyValueToString(attributes[attribute]), this._diagnostics);
  }
}

/** `value` when it is a valid tenant ID, else `undefined` (counted). */
export function validTenant(value: string, diagnostics: Diagnostics): string | undefined {
  if (value === '') return undefined;
  const problem = tenantIdProblem(value);
  if (problem === undefined) return value;
  diagnostics.countAndWarnOnce('invalidTenants', 1, problem);
  return undefined;
}

function appendLegacyLabels(attributes: Record<string, unknown>, candidates: MetadataPair[]): void {
  const add = (name: string, value: string): void => {
    if (!candidates.some((c) => c.name === name)) candidates.push({ name, value });
  };
  if (SERVICE_NAME_ATTRIBUTE in attributes) {
    const name = anyValueToString(attributes[SERVICE_NAME_ATTRIBUTE]);
    const namespace = attributes[SERVICE_NAMESPACE_ATTRIBUTE];
    add('job', namespace === undefined ? name : `${anyValueToString(namespace)}/${name}`);
  }
  if (SERVICE_INSTANCE_ATTRIBUTE in attributes)
    add('instance', anyValueToString(attributes[SERVICE_INSTANCE_ATTRIBUTE]));
}
