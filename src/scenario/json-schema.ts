import { z } from 'zod';
import { scenarioFileSchema } from './schema.js';
import { UNIT_TEXT, type UnitKind } from './written-forms.js';

/**
 * The scenario format as JSON Schema (draft-07, which every editor's YAML support reads), generated from the zod schema that validates it, for
 * editors: `# yaml-language-server: $schema=…` at the top of a scenario gives completion, hover text and
 * squiggles. Descriptions, defaults and units are the `.meta()` beside each field in schema.ts; the written
 * forms of units come from written-forms.ts. The loader stays the judge (cross-field rules, defaults that
 * depend on other fields): a file this schema accepts can still be refused, with a located message.
 */

type JsonObject = Record<string, unknown>;

/** What schema.ts puts in `.meta()` beyond JSON Schema's own keywords. */
interface FieldMeta {
  description?: string;
  default?: unknown;
  examples?: unknown[];
  /** A scalar the preprocess step expands (`latency: 5ms` for `{ type: constant, value: 5ms }`). */
  'x-short-form'?: JsonObject;
}

export const SCENARIO_SCHEMA_TITLE = 'cachebench scenario';

export function scenarioJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(scenarioFileSchema, {
    target: 'draft-07',
    io: 'input',
    // Leaf values are read by our own parsers (z.unknown().transform); their meta says what they accept.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const meta = z.globalRegistry.get(zodSchema) as FieldMeta | undefined;
      const json = jsonSchema as JsonObject;
      if (meta === undefined) return;
      const shortForm = meta['x-short-form'];
      if (shortForm !== undefined) {
        const { 'x-short-form': _, description, ...full } = json;
        for (const key of Object.keys(json)) delete json[key];
        Object.assign(json, description === undefined ? {} : { description }, { anyOf: [shortForm, full] });
      }
      // zod leaves these out of metadata; editors show them.
      if ('default' in meta) json.default = meta.default;
      if (meta.examples !== undefined) json.examples = meta.examples;
      const unit = json['x-unit'] as UnitKind | undefined;
      if (meta.description !== undefined && unit !== undefined && !meta.description.includes(UNIT_TEXT[unit])) {
        json.description = `${meta.description}. Written as ${UNIT_TEXT[unit]}`;
      }
    },
  }) as JsonObject;
  return {
    $schema: schema.$schema,
    title: SCENARIO_SCHEMA_TITLE,
    description: 'A cachebench scenario: the workload, the database model, the cache, and the thresholds that gate a run (docs/scenario-reference.md).',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

/** The schema as `cachebench schema` prints it and the checked-in copy holds it: 2-space JSON and a newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
