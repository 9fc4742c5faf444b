/**
 * Allow-lists of response fields. A shape says which fields an answer may carry, all the way
 * down; `unexpectedFields` names every field it does not allow, so a newly leaked field fails.
 *
 * - `'any'`: any JSON at all (only for a public document that holds no data: the OpenAPI document);
 * - `'leaf'`: a string, number, boolean or null (an object or array here is unexpected);
 * - `'record'`: an object with any keys whose values are all leaves (ids, counts, digests);
 * - `[shape]`: an array whose every element has `shape`;
 * - `{ field: shape }`: an object with only these fields (each optional).
 */
export type Allowed = 'any' | 'leaf' | 'record' | readonly [Allowed] | { readonly [field: string]: Allowed };

export function unexpectedFields(value: unknown, allowed: Allowed, path = '$'): string[] {
  if (allowed === 'any') return [];
  if (allowed === 'leaf') return isLeaf(value) ? [] : [`${path} (expected a plain value)`];
  if (allowed === 'record') {
    if (!isObject(value)) return [`${path} (expected an object)`];
    return Object.entries(value).flatMap(([key, inner]) => (isLeaf(inner) ? [] : [`${path}.${key} (expected a plain value)`]));
  }
  if (Array.isArray(allowed)) {
    if (!Array.isArray(value)) return [`${path} (expected an array)`];
    return value.flatMap((element, i) => unexpectedFields(element, allowed[0] as Allowed, `${path}[${i}]`));
  }
  if (!isObject(value)) return [`${path} (expected an object)`];
  const shape = allowed as { readonly [field: string]: Allowed };
  return Object.entries(value).flatMap(([key, inner]) =>
    Object.hasOwn(shape, key) ? unexpectedFields(inner, shape[key]!, `${path}.${key}`) : [`${path}.${key}`],
  );
}

const isLeaf = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
