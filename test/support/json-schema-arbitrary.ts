import fc from 'fast-check';

/** A JSON Schema (as z.toJSONSchema and the OpenAPI documents write them), loosely typed. */
export type JsonSchema = Record<string, any>;

export interface SchemaArbitraryOptions {
  /** The document `$ref`s point into (`#/$defs/...`, `#/components/schemas/...`); the schema itself by default. */
  root?: JsonSchema;
  /** What a `format: uri` string becomes: a URL the test controls, so no request leaves 127.0.0.1. */
  uri?: fc.Arbitrary<string>;
}

const MAX_ITEMS = 4;

/**
 * Values shaped by a JSON Schema: the fields it names with their types, enums, patterns, formats and bounds (arrays
 * kept short). Refinements the schema cannot express (cross-field rules) are not followed, so a value is valid or
 * nearly so: the base that {@link nearValid} mutates. Covers what Chorus' schemas use: const, enum, oneOf/anyOf/allOf,
 * objects with required and optional properties or a value schema, arrays, strings, numbers, integers, booleans, $ref.
 */
export function schemaArbitrary(schema: JsonSchema, options: SchemaArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const root = options.root ?? schema;
  const uri = options.uri ?? fc.constant('http://127.0.0.1:9/hook');
  const build = (s: JsonSchema, depth: number): fc.Arbitrary<unknown> => {
    if (depth > 12) return fc.constant(null);
    if (s.$ref) return build(resolveRef(root, s.$ref), depth + 1);
    if ('const' in s) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    const alternatives = s.oneOf ?? s.anyOf;
    if (Array.isArray(alternatives)) return fc.oneof(...alternatives.map((a: JsonSchema) => build(a, depth + 1)));
    if (Array.isArray(s.allOf)) return build(Object.assign({}, ...s.allOf.map((a: JsonSchema) => (a.$ref ? resolveRef(root, a.$ref) : a))), depth + 1);
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    switch (type) {
      case 'object':
        return objectArbitrary(s, (p) => build(p, depth + 1));
      case 'array':
        return fc.array(s.items ? build(s.items, depth + 1) : fc.jsonValue(), {
          minLength: Math.min(s.minItems ?? 0, MAX_ITEMS),
          maxLength: Math.min(s.maxItems ?? MAX_ITEMS, MAX_ITEMS),
        });
      case 'string':
        return stringArbitrary(s, uri);
      case 'integer':
        return fc.integer({ min: Math.max(s.minimum ?? -1_000_000, -1_000_000), max: Math.min(s.maximum ?? 1_000_000, 1_000_000) });
      case 'number': {
        const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum : -1_000);
        const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum : 1_000);
        return fc.double({ min, max, noNaN: true, noDefaultInfinity: true, minExcluded: s.exclusiveMinimum !== undefined, maxExcluded: s.exclusiveMaximum !== undefined });
      }
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  };
  return build(schema, 0);
}

function objectArbitrary(s: JsonSchema, build: (schema: JsonSchema) => fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
  if (Object.keys(properties).length === 0 && typeof s.additionalProperties === 'object') {
    // A record: names from propertyNames (or short words), values from additionalProperties.
    const key = s.propertyNames ? (build({ type: 'string', ...s.propertyNames }) as fc.Arbitrary<string>) : fc.string({ minLength: 1, maxLength: 12 });
    return fc.dictionary(key, build(s.additionalProperties), { minKeys: 1, maxKeys: MAX_ITEMS });
  }
  const required = new Set<string>(s.required ?? []);
  // A URL field without a declared format is still a URL (the notifier's `url`): it gets the test's URL too.
  const shape = Object.fromEntries(Object.entries(properties).map(([name, p]) => [name, build(/^url$|Url$/.test(name) && p.type === 'string' && !p.format ? { ...p, format: 'uri' } : p)]));
  return fc.record(shape, { requiredKeys: Object.keys(properties).filter((name) => required.has(name)) });
}

function stringArbitrary(s: JsonSchema, uri: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = Math.min(s.maxLength ?? 40, 200);
  switch (s.format) {
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'uri':
    case 'url':
      return uri;
  }
  if (s.pattern) {
    // Too short: repeated (which keeps `^[class]+$` patterns matching); too long: cut. Filtering instead could spin
    // for a long time on a pattern whose matches are mostly shorter than minLength.
    return fc.stringMatching(new RegExp(s.pattern)).map((text) => (text.length >= minLength || text.length === 0 ? text : text.repeat(Math.ceil(minLength / text.length))).slice(0, maxLength));
  }
  return fc.string({ minLength, maxLength, unit: 'grapheme' });
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#/')) throw new Error(`schemaArbitrary: only local $refs are supported, got "${ref}"`);
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<JsonSchema>((node, part) => node?.[part], root);
}
