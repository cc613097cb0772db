import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { ZodObject, ZodType } from 'zod';
import type { Access } from '../access.ts';
import type { AnyRoute } from './routes.ts';

/** `/api/collisions/:collisionIndex` → `/api/collisions/{collisionIndex}` */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(mounted: Array<{ route: AnyRoute; access: Access }>, version: string): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'staffSession', {
    type: 'apiKey',
    in: 'cookie',
    name: 'roadsafe_session',
    description: 'Staff session cookie from POST /api/auth/login; state-changing requests also need X-CSRF-Token.',
  });
  for (const { route, access } of mounted) {
    const responses: RouteConfig['responses'] = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const content: Record<string, { schema: ZodType }> = {};
      if (response.schema) content['application/json'] = { schema: response.schema };
      for (const type of response.contentTypes ?? []) content[type] = { schema: (response.schema ?? ({} as ZodType)) };
      responses[status] = Object.keys(content).length ? { description: response.description, content } : { description: response.description };
    }
    if (access.kind === 'staff') {
      responses['401'] ??= { description: 'Not signed in' };
      responses['403'] ??= { description: `Signed in without one of the roles: ${access.roles.join(', ')}` };
    }
    const request: RouteConfig['request'] = {};
    if (route.request?.query) request.query = route.request.query as ZodObject;
    if (route.request?.params) request.params = route.request.params as ZodObject;
    if (route.request?.body) request.body = { content: { 'application/json': { schema: route.request.body } } };
    registry.registerPath({
      method: route.method,
      path: openApiPath(route.path),
      summary: route.summary,
      description:
        (route.description ? `${route.description}\n\n` : '') +
        (access.kind === 'public' ? 'Public.' : `Staff with one of the roles: ${access.roles.join(', ')}.`),
      tags: route.tags,
      security: access.kind === 'staff' ? [{ staffSession: [] }] : [],
      request,
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Road safety enforcement and collision analysis API',
      version,
      description: 'Collisions (DfT STATS19), districts, vector tiles and staff accounts.',
    },
  });
}
