import type { Express, Request, RequestHandler, Response } from 'express';
import type { ZodType } from 'zod';
import { accessFor, type Access } from '../access.ts';
import { requireAccess } from '../auth/guard.ts';
import { invalidRequest, type FieldError } from './errors.ts';
import type { z } from './zod.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteResponse {
  description: string;
  /** JSON schema of the body (application/json) unless contentTypes says otherwise. */
  schema?: ZodType;
  /** Other content types this status may carry, e.g. text/csv or application/vnd.mapbox-vector-tile. */
  contentTypes?: string[];
}

/** Validated input handed to a route handler. */
export interface RouteInput<Q, P, B> {
  query: Q;
  params: P;
  body: B;
}

/**
 * One HTTP route: path, validation schemas (also the OpenAPI document's source), and handler.
 * Who may call it is not here but in server/access.ts, the one place for that.
 */
export interface RouteDefinition<Q = unknown, P = unknown, B = unknown> {
  method: Method;
  /** Express path, e.g. `/api/collisions/:collisionIndex`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  request?: { query?: ZodType<Q>; params?: ZodType<P>; body?: ZodType<B> };
  responses: Record<number, RouteResponse>;
  /** Extra middleware run after access checks and before validation (e.g. a rate limiter). */
  before?: RequestHandler[];
  handler: (input: RouteInput<Q, P, B>, req: Request, res: Response) => unknown;
}

/** Identity helper that keeps the handler's input types tied to the schemas. */
export function defineRoute<Q = undefined, P = undefined, B = undefined>(
  route: RouteDefinition<Q, P, B>,
): RouteDefinition<Q, P, B> {
  return route;
}

// A route list mixes input types; the registrar only needs the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDefinition<any, any, any>;

/**
 * Turns zod issues into field errors named as the client sent them, e.g. `query.from`. Query and
 * path values are quoted back (`… (got "deadly")`); body values never are (they may be passwords).
 */
export function fieldErrors(location: 'query' | 'params' | 'body', error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const input = (issue as { input?: unknown }).input;
    const got = location !== 'body' && (typeof input === 'string' || typeof input === 'number') ? ` (got "${String(input).slice(0, 100)}")` : '';
    return { field: [location, ...issue.path.map(String)].join('.'), code: issue.code, message: issue.message + got };
  });
}

type Parsed = { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

function parse(schema: ZodType | undefined, value: unknown, location: 'query' | 'params' | 'body'): Parsed {
  if (!schema) return { ok: true, value: undefined };
  const result = schema.safeParse(value, { reportInput: location !== 'body' });
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: fieldErrors(location, result.error) };
}

/**
 * Mounts routes with their declared access and validation; throws if a route has no access entry.
 * `authenticate` (the session lookup) runs only on staff routes: public routes, tiles and static files
 * never pay for a session query.
 */
export function mountRoutes(app: Express, routes: AnyRoute[], authenticate: RequestHandler): Array<{ route: AnyRoute; access: Access }> {
  const mounted: Array<{ route: AnyRoute; access: Access }> = [];
  for (const route of routes) {
    const access = accessFor(route.method, route.path);
    if (!access) {
      throw new Error(`Route ${route.method.toUpperCase()} ${route.path} is not declared in server/access.ts`);
    }
    const validate: RequestHandler = (req, res, next) => {
      const query = parse(route.request?.query, req.query, 'query');
      const params = parse(route.request?.params, req.params, 'params');
      const body = parse(route.request?.body, req.body, 'body');
      const errors = [query, params, body].flatMap((p) => (p.ok ? [] : p.errors));
      if (errors.length > 0) return next(invalidRequest(errors));
      const input = { query: (query as { value: unknown }).value, params: (params as { value: unknown }).value, body: (body as { value: unknown }).value };
      Promise.resolve(route.handler(input, req, res)).catch(next);
    };
    const guards = access.kind === 'staff' ? [authenticate, requireAccess(access)] : [requireAccess(access)];
    app[route.method](route.path, ...guards, ...(route.before ?? []), validate);
    mounted.push({ route, access });
  }
  return mounted;
}
