import { errorBodyV1, httpAnswerSchemas } from '@chorus/contracts';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ResponsesObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';

/** What a route answers when it succeeds: its status and body schema (one of `httpAnswerSchemas`; none for 204). */
export interface RouteAnswer {
  status: number;
  body?: z.ZodType;
  /** Anything but JSON (text/event-stream): described in prose, no schema. */
  produces?: string;
}

/** Every route of a service, keyed `METHOD /path/{param}` as the OpenAPI document spells it. */
export type RouteAnswers = Readonly<Record<string, RouteAnswer>>;

const ERROR_BODY = 'ErrorBody';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const REF = /"#\/components\/schemas\/([^"]+)"/g;

/**
 * Puts the answer schemas into a Nest-generated OpenAPI document: the Zod answer contracts under components.schemas,
 * each route's success answer by reference, and the error body on every error answer the route declares plus
 * `default` (any other status). A route of the document missing from `answers`, or an entry no route matches, throws:
 * the document (and the client generated from it) cannot silently leave a route untyped.
 */
export function addAnswerSchemas(document: OpenAPIObject, answers: RouteAnswers): OpenAPIObject {
  const { schemas } = z.toJSONSchema(httpAnswerSchemas, { target: 'openapi-3.0', io: 'output', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  const ref = (schema: z.ZodType) => {
    const id = httpAnswerSchemas.get(schema)?.id;
    if (!id) throw new Error('an answer schema must be registered in httpAnswerSchemas (libs/contracts/src/http-answers.v1.ts)');
    return { $ref: `#/components/schemas/${id}` };
  };
  const errorContent = { 'application/json': { schema: ref(errorBodyV1) } };
  const unused = new Set(Object.keys(answers));
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const answer = answers[key];
      if (!answer) throw new Error(`${key} has no answer schema: add it to the service's route answers`);
      unused.delete(key);
      const responses: ResponsesObject = {};
      const success = String(answer.status);
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (status !== success && response && 'description' in response) responses[status] = { description: response.description, content: errorContent };
      }
      const described = operation.responses?.[success];
      const description = described && 'description' in described && described.description ? described.description : 'Success';
      responses[success] = answer.body
        ? { description, content: { 'application/json': { schema: ref(answer.body) } } }
        : answer.produces
          ? { description, content: { [answer.produces]: { schema: { type: 'string' } } } }
          : { description };
      responses.default = { description: `An error: ${ERROR_BODY} (code, message, issues)`, content: errorContent };
      operation.responses = responses;
    }
  }
  if (unused.size > 0) throw new Error(`answer schemas for routes the service does not have: ${[...unused].join(', ')}`);
  // Only the answer schemas this document refers to, directly or through another: the registry holds every service's.
  document.components ??= {};
  document.components.schemas ??= {};
  const pending = [...JSON.stringify(document.paths).matchAll(REF)].map((match) => match[1]!);
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (document.components.schemas[id] || !schemas[id]) continue;
    const { $schema: _schema, $id: _id, ...schema } = schemas[id];
    document.components.schemas[id] = schema as SchemaObject;
    pending.push(...[...JSON.stringify(schema).matchAll(REF)].map((match) => match[1]!));
  }
  return document;
}
