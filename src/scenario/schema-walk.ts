import type { z } from 'zod';
import { scenarioFileSchema } from './schema.js';

/** Walking the scenario schema: the field names valid at a path, and every path `--set` and `matrix` may name. */

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** Strips optional/default/nullable wrappers and preprocess steps down to an object, union, array or leaf. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in && def.out && defOf(def.in).type === 'transform') {
      current = def.out; // a preprocess: the shape is what follows it
    } else {
      return current;
    }
  }
}

/** The object schemas a value at this schema may be (one, or each variant of a tagged union). */
function objectVariants(schema: z.ZodType): z.ZodType[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object') return [inner];
  if (def.type === 'union' && def.options) return def.options.flatMap(objectVariants);
  return [];
}

function literalType(objectSchema: z.ZodType): string | undefined {
  const typeField = defOf(objectSchema).shape?.type;
  const values = typeField ? (defOf(typeField) as SchemaDef & { values?: unknown[] }).values : undefined;
  return typeof values?.[0] === 'string' ? values[0] : undefined;
}

/**
 * The field names valid in the map at `path` of `input`: for a tagged union, those of the variant its
 * `type` selects (or of every variant when the type is unknown).
 */
export function fieldNamesAt(path: readonly PropertyKey[], input: unknown, schema: z.ZodType = scenarioFileSchema): string[] {
  let candidates = [schema];
  let value = input;
  for (const segment of path) {
    const next: z.ZodType[] = [];
    for (const candidate of candidates) {
      const inner = unwrap(candidate);
      const def = defOf(inner);
      if (def.type === 'array' && def.element && typeof segment === 'number') next.push(def.element);
      for (const variant of objectVariants(inner)) {
        const field = defOf(variant).shape?.[String(segment)];
        if (field) next.push(field);
      }
    }
    candidates = next;
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
  }
  const variants = candidates.flatMap(objectVariants);
  const selected = variants.filter((variant) => {
    const tag = literalType(variant);
    return tag === undefined || (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === tag);
  });
  const names = (selected.length > 0 ? selected : variants).flatMap((variant) => Object.keys(defOf(variant).shape ?? {}));
  return [...new Set(names)];
}

/**
 * Every field path a `--set` flag or a `matrix` key may name, e.g. `cache.policy`, `workload.distribution`,
 * `workload.distribution.alpha` (the union of all variants' fields).
 */
export function settablePaths(schema: z.ZodType = scenarioFileSchema): string[] {
  const paths = new Set<string>();
  const visit = (current: z.ZodType, prefix: string): void => {
    for (const variant of objectVariants(current)) {
      for (const [name, field] of Object.entries(defOf(variant).shape ?? {})) {
        const path = prefix === '' ? name : `${prefix}.${name}`;
        if (path === 'matrix') continue;
        paths.add(path);
        visit(field, path);
      }
    }
  };
  visit(schema, '');
  return [...paths];
}
