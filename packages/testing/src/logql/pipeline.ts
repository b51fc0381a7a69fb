/**
 * A compiled LogQL pipeline: each stage reads and changes the line and the entry's labels, or
 * drops the entry, as Loki's `log.Stage`s do.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/pipeline.go
 */
import type { LabelFilterNode, LabelSelectorItem, Stage } from './ast';
import { ipMatcher } from './ip';
import { parseJsonExpressions, parseJsonLine, parseJsonPath, unpackLine } from './json-parser';
import { ERROR_DETAILS_LABEL, ERROR_LABEL, PRESERVE_ERROR_LABEL } from './labels-builder';
import type { LabelsBuilder } from './labels-builder';
import { parseLogfmtExpressions, parseLogfmtLine } from './logfmt-parser';
import { compilePattern } from './pattern';
import { DUPLICATE_SUFFIX } from './labels-builder';
import { compileRe2 } from './re2';
import { executeTemplate, parseTemplate, templateFields } from './template';
import type { Template } from './template';
import { goParseBytes, goParseDuration, goParseFloat } from './units';
import type { GoValue } from './go-values';

const LABEL_FILTER_ERR = 'LabelFilterErr';
const TEMPLATE_FORMAT_ERR = 'TemplateFormatErr';
/** The ansi-regex pattern Loki's `decolorize` strips. */
const ANSI =
  // eslint-disable-next-line no-control-regex -- escape sequences are what decolorize removes
  /[\u001B\u009B][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[a-zA-Z\d]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PRZcf-ntqry=><~]))/g;

/** One stage: the new line, or undefined when the entry is dropped. */
type StageFn = (ts: bigint, line: string, lbs: LabelsBuilder) => string | undefined;

/** A pipeline ready to run on entries. */
export interface Pipeline {
  process(ts: bigint, line: string, lbs: LabelsBuilder): string | undefined;
  /** Labels the stages read (Loki's `RequiredLabelNames`), for parser hints. */
  requiredLabelNames: string[];
}

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    default:
      return a <= b;
  }
}

/** Compiles a label filter into a predicate that may set `__error__`. */
export function compileLabelFilter(node: LabelFilterNode): (lbs: LabelsBuilder) => boolean {
  switch (node.type) {
    case 'and': {
      const left = compileLabelFilter(node.left);
      const right = compileLabelFilter(node.right);
      return (lbs) => {
        const l = left(lbs);
        const r = right(lbs);
        return l && r;
      };
    }
    case 'or': {
      const left = compileLabelFilter(node.left);
      const right = compileLabelFilter(node.right);
      return (lbs) => left(lbs) || right(lbs);
    }
    case 'matcher': {
      const { name, matches } = node.matcher;
      return (lbs) => matches(name === ERROR_LABEL ? lbs.err : (lbs.get(name) ?? ''));
    }
    case 'ip': {
      const match = ipMatcher(node.cidr);
      return (lbs) => {
        const value = lbs.get(node.name);
        if (value === undefined) return false;
        return match(value) !== node.negate;
      };
    }
    default: {
      const { name, op, value: target } = node;
      const parse = node.type === 'number' ? goParseFloat : node.type === 'duration' ? goParseDuration : goParseBytes;
      return (lbs) => {
        const value = lbs.get(name);
        if (value === undefined) return false;
        const parsed = parse(value);
        if ('error' in parsed) {
          if (lbs.err === '') lbs.setError(LABEL_FILTER_ERR, parsed.error);
          return true;
        }
        return compare(op, parsed.value, target);
      };
    }
  }
}

/** Label names a filter reads. */
export function labelFilterNames(node: LabelFilterNode): string[] {
  switch (node.type) {
    case 'and':
    case 'or':
      return [...labelFilterNames(node.left), ...labelFilterNames(node.right)];
    case 'matcher':
      return [node.matcher.name];
    default:
      return [node.name];
  }
}

function isSpecial(name: string): boolean {
  return name === ERROR_LABEL || name === ERROR_DETAILS_LABEL || name === PRESERVE_ERROR_LABEL;
}

function drop(items: LabelSelectorItem[]): StageFn {
  return (_ts, line, lbs) => {
    for (const item of items) {
      if (item.name === ERROR_LABEL || item.name === ERROR_DETAILS_LABEL) {
        const current = item.name === ERROR_LABEL ? lbs.err : lbs.errDetails;
        if (item.matcher && !item.matcher.matches(current)) continue;
        if (item.name === ERROR_LABEL) lbs.err = '';
        else lbs.errDetails = '';
        continue;
      }
      const value = lbs.get(item.name);
      if (item.matcher ? item.matcher.matches(value ?? '') : value !== undefined) lbs.delete(item.name);
    }
    return line;
  };
}

function keep(items: LabelSelectorItem[]): StageFn {
  return (_ts, line, lbs) => {
    if (items.length === 0) return line;
    for (const l of lbs.labels()) {
      if (isSpecial(l.name)) continue;
      const kept = items.some((item) =>
        item.matcher ? item.matcher.name === l.name && item.matcher.matches(l.value) : item.name === l.name
      );
      if (!kept) lbs.delete(l.name);
    }
    return line;
  };
}

function templateData(lbs: LabelsBuilder): Map<string, GoValue> {
  return lbs.map() as Map<string, GoValue>;
}

function lineFormat(template: Template): StageFn {
  return (ts, line, lbs) => {
    if (template.simpleKey !== undefined) return lbs.get(template.simpleKey) ?? '';
    try {
      return executeTemplate(template, templateData(lbs), line, ts);
    } catch (err) {
      lbs.setError(TEMPLATE_FORMAT_ERR, `template: line:1: ${(err as Error).message}`);
      return line;
    }
  };
}

function labelFormat(items: Array<{ name: string; rename?: string; template?: Template }>): StageFn {
  return (ts, line, lbs) => {
    let data: Map<string, GoValue> | undefined;
    for (const item of items) {
      if (item.rename !== undefined) {
        const value = lbs.get(item.rename);
        if (value !== undefined) {
          lbs.setParsed(item.name, value);
          lbs.delete(item.rename);
        }
        continue;
      }
      data ??= templateData(lbs);
      try {
        lbs.setParsed(item.name, executeTemplate(item.template as Template, data, line, ts));
      } catch (err) {
        lbs.setError(TEMPLATE_FORMAT_ERR, `template: label:1: ${(err as Error).message}`);
      }
    }
    return line;
  };
}

function regexpParser(source: string): StageFn {
  const regex = compileRe2(source);
  return (_ts, line, lbs) => {
    if (lbs.hints.skipParsing()) return line;
    const m = regex.exec(line);
    if (!m || !m.groups) return line;
    for (const [group, value] of Object.entries(m.groups)) {
      let name = group;
      if (lbs.baseHas(name)) name += DUPLICATE_SUFFIX;
      if (!lbs.hints.shouldExtract(name)) continue;
      lbs.setParsed(name, value ?? '');
    }
    return line;
  };
}

function patternParser(source: string): StageFn {
  const pattern = compilePattern(source);
  return (_ts, line, lbs) => {
    if (lbs.hints.skipParsing()) return line;
    const matches = pattern.match(line);
    if (!matches) return line;
    matches.forEach((value, i) => {
      let name = pattern.names[i];
      if (lbs.baseHas(name)) name += DUPLICATE_SUFFIX;
      if (lbs.hints.shouldExtract(name)) lbs.setParsed(name, value);
    });
    return line;
  };
}

function compileStage(stage: Stage, required: string[]): StageFn {
  switch (stage.kind) {
    case 'lineFilter':
      return (_ts, line) => (stage.test(line) ? line : undefined);
    case 'json': {
      const extractions = stage.extractions;
      if (!extractions) {
        return (_ts, line, lbs) => {
          parseJsonLine(line, lbs);
          return line;
        };
      }
      const paths = extractions.map((e) => parseJsonPath(e.expression));
      return (_ts, line, lbs) => {
        parseJsonExpressions(line, extractions, paths, lbs);
        return line;
      };
    }
    case 'logfmt': {
      const { strict, keepEmpty, extractions } = stage;
      return (_ts, line, lbs) => {
        if (extractions) parseLogfmtExpressions(line, strict, extractions, lbs);
        else parseLogfmtLine(line, strict, keepEmpty, lbs);
        return line;
      };
    }
    case 'regexp':
      return regexpParser(stage.source);
    case 'pattern':
      return patternParser(stage.source);
    case 'unpack':
      return (_ts, line, lbs) => unpackLine(line, lbs);
    case 'labelFilter': {
      required.push(...labelFilterNames(stage.filter));
      const filter = compileLabelFilter(stage.filter);
      return (_ts, line, lbs) => (filter(lbs) ? line : undefined);
    }
    case 'lineFormat': {
      const template = parseTemplate(stage.template, 'line');
      required.push(...templateFields(template));
      return lineFormat(template);
    }
    case 'labelFormat': {
      const items = stage.items.map((item) => {
        if (item.rename !== undefined) {
          required.push(item.rename);
          return { name: item.name, rename: item.rename };
        }
        const template = parseTemplate(item.template as string, 'label');
        required.push(...templateFields(template));
        return { name: item.name, template };
      });
      return labelFormat(items);
    }
    case 'decolorize':
      return (_ts, line) => line.replace(ANSI, '');
    case 'drop':
      return drop(stage.items);
    case 'keep':
      return keep(stage.items);
  }
}

/**
 * Loki's `reorderStages`: line filters run as early as they can, before parsers and
 * `decolorize`, but never across a label filter, a `line_format` or an `unpack`.
 */
export function reorderStages(stages: readonly Stage[]): Stage[] {
  const result: Stage[] = [];
  let lineFilters: Stage[] = [];
  let others: Stage[] = [];
  const flush = (): void => {
    result.push(...lineFilters, ...others);
    lineFilters = [];
    others = [];
  };
  for (const stage of stages) {
    if (stage.kind === 'labelFilter') {
      flush();
      result.push(stage);
    } else if (stage.kind === 'lineFilter') {
      lineFilters.push(stage);
    } else {
      others.push(stage);
      if (stage.kind === 'lineFormat' || stage.kind === 'unpack') flush();
    }
  }
  flush();
  return result;
}

/** Compiles pipeline stages. */
export function compilePipeline(stages: readonly Stage[]): Pipeline {
  const required: string[] = [];
  const fns = reorderStages(stages).map((s) => compileStage(s, required));
  return {
    requiredLabelNames: [...new Set(required)],
    process(ts, line, lbs) {
      let current: string | undefined = line;
      for (let i = 0; i < fns.length && current !== undefined; i++) current = fns[i](ts, current, lbs);
      return current;
    },
  };
}
