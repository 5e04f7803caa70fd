// Compiles a rule condition (structured all/any/not of comparisons; no eval) into a predicate. Feature names
// are resolved once at load time, so an unknown feature is a load error and evaluation is a closure call.
import type { Condition } from './rule-schema.js';

export type FeatureValue = number | boolean | string | undefined;
export type Getter<C> = (ctx: C) => FeatureValue;
export type Predicate<C> = (ctx: C) => boolean;

export function compileCondition<C>(c: Condition, resolve: (name: string) => Getter<C> | undefined, where: string): Predicate<C> {
  if ('all' in c) {
    const parts = c.all.map((x, i) => compileCondition(x, resolve, `${where}.all[${i}]`));
    return (ctx) => parts.every((p) => p(ctx));
  }
  if ('any' in c) {
    const parts = c.any.map((x, i) => compileCondition(x, resolve, `${where}.any[${i}]`));
    return (ctx) => parts.some((p) => p(ctx));
  }
  if ('not' in c) {
    const inner = compileCondition(c.not, resolve, `${where}.not`);
    return (ctx) => !inner(ctx);
  }
  const get = resolve(c.feature);
  if (!get) throw new Error(`${where}: unknown feature "${c.feature}"`);
  const { op, value } = c;
  return (ctx) => {
    const v = get(ctx);
    if (v === undefined) return false;
    switch (op) {
      case '==':
        return v === value;
      case '!=':
        return v !== value;
      default:
        if (typeof v !== 'number' || typeof value !== 'number') return false;
        return op === '>=' ? v >= value : op === '>' ? v > value : op === '<=' ? v <= value : v < value;
    }
  };
}

/** The comparisons a condition makes (evidence records each feature's value against its threshold). */
export function conditionComparisons(c: Condition, out: Array<{ feature: string; op: string; value: unknown }> = []) {
  if ('all' in c) c.all.forEach((x) => conditionComparisons(x, out));
  else if ('any' in c) c.any.forEach((x) => conditionComparisons(x, out));
  else if ('not' in c) conditionComparisons(c.not, out);
  else out.push({ feature: c.feature, op: c.op, value: c.value });
  return out;
}
