/**
 * A deliberately small subset of Inngest's CEL expressions, enough for what the app uses:
 * trigger `if`, `step.waitForEvent({ match })` / `if`, `cancelOn`, and `idempotency`.
 *
 *   expression := clause (("&&" | "||") clause)*          (no parentheses; && binds tighter)
 *   clause     := operand (("==" | "!=") operand)?
 *   operand    := path | 'string' | "string" | number | true | false | null
 *   path       := ("event" | "async") ("." identifier)*
 *
 * Anything else is rejected by `compileExpression` with an error naming the expression, so an
 * unsupported condition fails loudly instead of matching the wrong events.
 */

export type ExpressionScope = { event?: unknown; async?: unknown };
export type CompiledExpression = (scope: ExpressionScope) => unknown;

const TOKEN =
  /\s*(?:(&&|\|\||==|!=)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*))/y;

type Token = { kind: "op"; value: string } | { kind: "value"; value: unknown } | { kind: "path"; value: string[] };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(source);
    if (!match) throw new Error(`Unsupported expression "${source}" (see docs/jobs.md for the supported subset)`);
    if (match[1]) tokens.push({ kind: "op", value: match[1] });
    else if (match[2]) tokens.push({ kind: "value", value: match[2].slice(1, -1).replace(/\\(.)/g, "$1") });
    else if (match[3]) tokens.push({ kind: "value", value: Number(match[3]) });
    else if (match[4] === "true" || match[4] === "false") tokens.push({ kind: "value", value: match[4] === "true" });
    else if (match[4] === "null") tokens.push({ kind: "value", value: null });
    else {
      const path = match[4]!.split(".");
      if (path[0] !== "event" && path[0] !== "async") {
        throw new Error(`Unsupported expression "${source}": paths must start with "event." or "async."`);
      }
      tokens.push({ kind: "path", value: path });
    }
  }
  return tokens;
}

function readPath(scope: ExpressionScope, path: string[]): unknown {
  let value: unknown = path[0] === "event" ? scope.event : scope.async;
  for (const key of path.slice(1)) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function operand(token: Token | undefined, source: string): CompiledExpression {
  if (!token || token.kind === "op") throw new Error(`Unsupported expression "${source}"`);
  if (token.kind === "value") return () => token.value;
  return (scope) => readPath(scope, token.value);
}

/** Compiles once; the result evaluates against `{ event, async }`. */
export function compileExpression(source: string): CompiledExpression {
  const tokens = tokenize(source);
  const clauses: { join: "&&" | "||" | null; test: CompiledExpression }[] = [];
  let i = 0;
  while (i < tokens.length) {
    let join: "&&" | "||" | null = null;
    if (clauses.length > 0) {
      const t = tokens[i++];
      if (t?.kind !== "op" || (t.value !== "&&" && t.value !== "||"))
        throw new Error(`Unsupported expression "${source}"`);
      join = t.value;
    }
    const left = operand(tokens[i++], source);
    const next = tokens[i];
    if (next?.kind === "op" && (next.value === "==" || next.value === "!=")) {
      const right = operand(tokens[i + 1], source);
      i += 2;
      const equal = next.value === "==";
      clauses.push({ join, test: (scope) => (left(scope) === right(scope)) === equal });
    } else {
      clauses.push({ join, test: left });
    }
  }
  if (clauses.length === 0) throw new Error(`Empty expression "${source}"`);
  // `||` of `&&`-groups: split on `||`, every clause of a group must hold.
  const groups: CompiledExpression[][] = [[]];
  for (const clause of clauses) {
    if (clause.join === "||") groups.push([]);
    groups[groups.length - 1]!.push(clause.test);
  }
  if (clauses.length === 1) return clauses[0]!.test;
  return (scope) => groups.some((group) => group.every((test) => Boolean(test(scope))));
}

/** True when the compiled condition holds (a bare path counts when truthy). */
export function matches(expression: CompiledExpression, scope: ExpressionScope): boolean {
  return Boolean(expression(scope));
}
