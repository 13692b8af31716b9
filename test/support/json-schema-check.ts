/**
 * A JSON Schema validator for exactly the keywords cachebench.schema.json uses (draft-07 semantics).
 * A keyword it does not know is an error, not a pass, so a schema that starts using a new keyword fails
 * the tests until this checks it too. Returns the problems, each with the JSON path where it was found.
 */

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default', 'examples', 'x-unit']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

export function checkJsonSchema(schema: Schema, value: unknown, path = '$'): string[] {
  const problems: string[] = [];
  for (const [keyword, argument] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case 'type': {
        const types = Array.isArray(argument) ? (argument as string[]) : [argument as string];
        if (!types.some((type) => hasType(value, type))) problems.push(`${path}: must be ${types.join(' or ')}; got ${typeOf(value)}`);
        break;
      }
      case 'enum':
        if (!(argument as unknown[]).some((option) => option === value)) problems.push(`${path}: must be one of ${JSON.stringify(argument)}; got ${JSON.stringify(value)}`);
        break;
      case 'const':
        if (argument !== value) problems.push(`${path}: must be ${JSON.stringify(argument)}; got ${JSON.stringify(value)}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(argument as string, 'u').test(value)) problems.push(`${path}: ${JSON.stringify(value)} does not match ${argument}`);
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (argument as number)) problems.push(`${path}: shorter than ${argument}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (argument as number)) problems.push(`${path}: below ${argument}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (argument as number)) problems.push(`${path}: above ${argument}`);
        break;
      case 'exclusiveMinimum':
        if (typeof value === 'number' && value <= (argument as number)) problems.push(`${path}: not above ${argument}`);
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (argument as number)) problems.push(`${path}: fewer than ${argument} items`);
        break;
      case 'items':
        if (Array.isArray(value)) {
          for (const [i, item] of value.entries()) problems.push(...checkJsonSchema(argument as Schema, item, `${path}[${i}]`));
        }
        break;
      case 'required':
        if (typeOf(value) === 'object') {
          for (const name of argument as string[]) if (!(name in (value as object))) problems.push(`${path}: ${name} is required`);
        }
        break;
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [name, sub] of Object.entries(argument as Record<string, Schema>)) {
            if (name in (value as object)) problems.push(...checkJsonSchema(sub, (value as Record<string, unknown>)[name], `${path}.${name}`));
          }
        }
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const known = new Set(Object.keys((schema.properties as object | undefined) ?? {}));
          for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
            if (known.has(name)) continue;
            if (argument === false) problems.push(`${path}: unknown field ${name}`);
            else if (typeof argument === 'object') problems.push(...checkJsonSchema(argument as Schema, item, `${path}.${name}`));
          }
        }
        break;
      case 'propertyNames':
        if (typeOf(value) === 'object') {
          for (const name of Object.keys(value as object)) problems.push(...checkJsonSchema(argument as Schema, name, `${path} (key ${name})`));
        }
        break;
      case 'anyOf': {
        const branches = (argument as Schema[]).map((branch) => checkJsonSchema(branch, value, path));
        if (!branches.some((branch) => branch.length === 0)) problems.push(`${path}: matches none of ${branches.length} forms (${branches.map((b) => b[0]).join('; ')})`);
        break;
      }
      case 'oneOf': {
        const matching = (argument as Schema[]).filter((branch) => checkJsonSchema(branch, value, path).length === 0).length;
        if (matching !== 1) problems.push(`${path}: matches ${matching} of the ${(argument as Schema[]).length} forms, not exactly one`);
        break;
      }
      default:
        throw new Error(`${path}: the schema uses ${keyword}, which this checker does not implement`);
    }
  }
  return problems;
}
