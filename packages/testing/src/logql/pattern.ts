/**
 * Loki's `pattern` expressions (`<ip> - <_> "<method> <path>"`): the parser stage's `Matches`
 * (a missed literal captures the rest of the line) and the `|>` line filter's `Test`.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/pattern/pattern.go
 */

import { LogqlParseError } from './errors';

type Node = { capture: string } | { literal: string };

const CAPTURE = /<([A-Za-z_][A-Za-z0-9_]*)>/g;

function parseNodes(source: string): Node[] {
  const nodes: Node[] = [];
  let last = 0;
  for (const m of source.matchAll(CAPTURE)) {
    if ((m.index as number) > last) nodes.push({ literal: source.slice(last, m.index) });
    nodes.push({ capture: m[1] });
    last = (m.index as number) + m[0].length;
  }
  if (last < source.length) nodes.push({ literal: source.slice(last) });
  return nodes;
}

function noConsecutiveCaptures(nodes: Node[]): void {
  for (let i = 0; i + 1 < nodes.length; i++) {
    const a = nodes[i];
    const b = nodes[i + 1];
    if ('capture' in a && 'capture' in b) {
      throw new Error(`found consecutive capture '<${a.capture}><${b.capture}>': invalid expression`);
    }
  }
}

/** A compiled pattern: capture names (unnamed `<_>` left out) and `match`. */
export interface CompiledPattern {
  names: string[];
  /** Values of the named captures reached, in order; undefined when the line does not start right. */
  match(line: string): string[] | undefined;
}

/** Compiles a parser pattern; throws with Loki's error text. */
export function compilePattern(source: string): CompiledPattern {
  const nodes = parseNodes(source);
  const names = nodes.flatMap((n) => ('capture' in n && n.capture !== '_' ? [n.capture] : []));
  if (!nodes.some((n) => 'capture' in n)) throw new Error('at least one capture is required');
  noConsecutiveCaptures(nodes);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`duplicate capture name (${name}): invalid expression`);
    seen.add(name);
  }
  return {
    names,
    match(line) {
      if (line.length === 0 || nodes.length === 0) return undefined;
      const captures: string[] = [];
      let rest = line;
      let at = 0;
      const first = nodes[0];
      if ('literal' in first) {
        if (!rest.startsWith(first.literal)) return undefined;
        rest = rest.slice(first.literal.length);
        at = 1;
      }
      if (at >= nodes.length) return undefined;
      while (at < nodes.length) {
        const capture = (nodes[at] as { capture: string }).capture;
        if (at === nodes.length - 1) {
          if (capture !== '_') captures.push(rest);
          return captures;
        }
        const literal = (nodes[at + 1] as { literal: string }).literal;
        at += 2;
        const i = rest.indexOf(literal);
        if (i < 0) {
          if (capture !== '_') captures.push(rest);
          return captures;
        }
        if (capture !== '_') captures.push(rest.slice(0, i));
        rest = rest.slice(i + literal.length);
      }
      return captures;
    },
  };
}

/** The `|>` line filter's test (named captures refused, as Loki does). */
export function patternLineTest(source: string): (line: string) => boolean {
  const nodes = parseNodes(source);
  try {
    noConsecutiveCaptures(nodes);
  } catch (err) {
    throw new LogqlParseError((err as Error).message);
  }
  const named = nodes.find((n) => 'capture' in n && n.capture !== '_');
  if (named && 'capture' in named) {
    throw new LogqlParseError(`named captures are not allowed: found '<${named.capture}>'`);
  }
  return (line) => {
    if (line.length === 0 || nodes.length === 0) return line.length === 0 && nodes.length === 0;
    let off = 0;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      if (!('literal' in node)) continue;
      const j = line.indexOf(node.literal, off);
      if (j < 0) return false;
      if (i !== 0 && j === off) return false;
      off = j + node.literal.length;
    }
    const endsOnCapture = 'capture' in nodes[nodes.length - 1];
    return endsOnCapture === (off !== line.length);
  };
}
