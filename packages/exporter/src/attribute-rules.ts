/**
 * Which attributes become index labels, structured metadata, or nothing: the user's rules in
 * order (first match wins), then Loki's defaults. The same model as Loki's `otlp_config`.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/push/otlp_config.go
 */
import type { AttributeAction, AttributeRule, AttributeSource } from './types';
import { LOKI_DISCOVER_SERVICE_NAME } from '@otel-loki/push/internal';

/**
 * Resource attributes Loki's OTLP endpoint makes index labels by default
 * (`default_resource_attributes_as_index_labels`).
 */
export const LOKI_DEFAULT_LABEL_ATTRIBUTES: readonly string[] = Object.freeze([
  'service.name',
  'service.namespace',
  'service.instance.id',
  'deployment.environment',
  'deployment.environment.name',
  'cloud.region',
  'cloud.availability_zone',
  'k8s.cluster.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.container.name',
  'container.name',
  'k8s.replicaset.name',
  'k8s.deployment.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.cronjob.name',
  'k8s.job.name',
]);

/** Default labels that change with every process or pod: candidates for `demoteToMetadata`. */
export const HIGH_CARDINALITY_LABEL_ATTRIBUTES: readonly string[] = Object.freeze([
  'k8s.pod.name',
  'service.instance.id',
]);

/** Label names Loki tries, in resource attribute order, for `service_name` (`discover_service_name`). */
export { LOKI_DISCOVER_SERVICE_NAME };

const SOURCES: readonly AttributeSource[] = ['resource', 'log', 'scope'];
const ACTIONS: readonly AttributeAction[] = ['label', 'metadata', 'drop'];
/** Decisions remembered per source; attribute names repeat, so a small cache removes the rule scan. */
const MAX_CACHED_DECISIONS = 4096;

interface CompiledRule {
  sources: ReadonlySet<AttributeSource>;
  names?: ReadonlySet<string>;
  regex?: RegExp;
  action: AttributeAction;
}

/** Decides the action for an attribute name; decisions are cached per source. */
export class AttributeClassifier {
  private readonly _rules: readonly CompiledRule[];
  private readonly _cache: Record<AttributeSource, Map<string, AttributeAction>> = {
    resource: new Map(),
    log: new Map(),
    scope: new Map(),
  };
  /** True when some rule can make a log or scope attribute a label (checked per record otherwise skipped). */
  readonly recordLabelsPossible: boolean;

  constructor(rules: readonly CompiledRule[]) {
    this._rules = rules;
    this.recordLabelsPossible = rules.some(
      (rule) => rule.action === 'label' && (rule.sources.has('log') || rule.sources.has('scope'))
    );
  }

  /** The action for attribute `name` from `source`; `metadata` when nothing matches. */
  action(source: AttributeSource, name: string): AttributeAction {
    const cache = this._cache[source];
    let action = cache.get(name);
    if (action === undefined) {
      action = this._decide(source, name);
      if (cache.size >= MAX_CACHED_DECISIONS) cache.clear();
      cache.set(name, action);
    }
    return action;
  }

  private _decide(source: AttributeSource, name: string): AttributeAction {
    for (const rule of this._rules) {
      if (!rule.sources.has(source)) continue;
      if (rule.names?.has(name) || (rule.regex !== undefined && wholeMatch(rule.regex, name))) return rule.action;
    }
    return 'metadata';
  }
}

function wholeMatch(regex: RegExp, name: string): boolean {
  regex.lastIndex = 0;
  const match = regex.exec(name);
  return match !== null && match.index === 0 && match[0].length === name.length;
}

/** Inputs of {@link compileAttributeRules}. */
export interface AttributeRuleInputs {
  rules: readonly AttributeRule[];
  demoteToMetadata: readonly string[];
  defaultLabelAttributes: readonly string[];
}

/**
 * Compiles the user's rules, then the `demoteToMetadata` shortcut, then the default resource
 * labels, into one first-match-wins list.
 *
 * @throws {TypeError} naming the rule and the field that is wrong.
 */
export function compileAttributeRules(inputs: AttributeRuleInputs): AttributeClassifier {
  const compiled: CompiledRule[] = inputs.rules.map((rule, i) => compileRule(rule, `attributeRules[${i}]`));
  if (inputs.demoteToMetadata.length > 0) {
    compiled.push({ sources: new Set(['resource']), names: new Set(inputs.demoteToMetadata), action: 'metadata' });
  }
  if (inputs.defaultLabelAttributes.length > 0) {
    compiled.push({ sources: new Set(['resource']), names: new Set(inputs.defaultLabelAttributes), action: 'label' });
  }
  return new AttributeClassifier(compiled);
}

function compileRule(rule: AttributeRule, field: string): CompiledRule {
  if (typeof rule !== 'object' || rule === null) {
    throw new TypeError(`${field}: expected { match, action, source? }, got ${rule === null ? 'null' : typeof rule}`);
  }
  if (!ACTIONS.includes(rule.action)) {
    throw new TypeError(`${field}.action: expected 'label', 'metadata' or 'drop', got ${JSON.stringify(rule.action)}`);
  }
  const sourceList =
    rule.source === undefined ? SOURCES : typeof rule.source === 'string' ? [rule.source] : rule.source;
  for (const source of sourceList) {
    if (!SOURCES.includes(source)) {
      throw new TypeError(`${field}.source: expected 'resource', 'log' or 'scope', got ${JSON.stringify(source)}`);
    }
  }
  const sources = new Set<AttributeSource>(sourceList);
  if (rule.match instanceof RegExp) return { sources, regex: rule.match, action: rule.action };
  const names = typeof rule.match === 'string' ? [rule.match] : rule.match;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
    throw new TypeError(`${field}.match: expected a non-empty attribute name, a list of them, or a RegExp`);
  }
  return { sources, names: new Set(names), action: rule.action };
}
