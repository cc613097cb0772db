import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import compression from 'compression';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Access } from './access.ts';
import { authRoutes, type AuthOptions } from './auth/routes.ts';
import { sessionMiddleware } from './auth/session.ts';
import { collisionRoutes } from './collisions/routes.ts';
import { concernRoutes, type ConcernOptions } from './concerns/routes.ts';
import type { AppContext } from './context.ts';
import { districtRoutes } from './districts/routes.ts';
import { errorHandler, notFound } from './http/errors.ts';
import { hotspotRoutes } from './hotspots/routes.ts';
import { buildOpenApiDocument } from './http/openapi.ts';
import { defineRoute, mountRoutes, type AnyRoute } from './http/routes.ts';
import { roadRoutes } from './roads/routes.ts';
import { planningRoutes } from './planning/routes.ts';
import { serviceRoutes } from './service/routes.ts';
import { siteRoutes } from './sites/routes.ts';
import { snapReviewRoutes } from './snap/review-routes.ts';
import { snapRoutes, type SnapOptions } from './snap/routes.ts';
import { snapUploadHandler } from './snap/uploads/mount.ts';
import { tileRoutes } from './tiles/routes.ts';
import type { TileServiceOptions } from './tiles/service.ts';
import { vanRoutes } from './vans/routes.ts';

export const clientDistDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../client/dist');

/** Every domain's routes, in mount order. A new domain adds its factory here and its access in access.ts. */
function allRoutes(ctx: AppContext, options: AppOptions): AnyRoute[] {
  return [
    ...serviceRoutes(ctx),
    ...authRoutes(ctx, options.auth),
    ...collisionRoutes(ctx),
    ...districtRoutes(ctx),
    ...tileRoutes(ctx, options.tiles),
    ...roadRoutes(ctx),
    ...hotspotRoutes(ctx),
    ...concernRoutes(ctx, options.concerns),
    ...siteRoutes(ctx),
    ...vanRoutes(ctx),
    ...planningRoutes(ctx),
    ...snapRoutes(ctx, options.snap),
    ...snapReviewRoutes(ctx),
  ];
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export interface BuiltApp {
  app: Express;
  /** The routes mounted through the registry with their access, for the access test and OpenAPI. */
  routes: Array<{ route: AnyRoute; access: Access }>;
}

/** Knobs tests turn (e.g. a low login rate limit); production uses the defaults. */
export interface AppOptions {
  auth?: AuthOptions;
  tiles?: TileServiceOptions;
  /** Proof-of-work difficulty and report rate limit (tests make them cheap). */
  concerns?: ConcernOptions;
  /** Proof-of-work difficulty and submission/code rate limits of Operation Snap (tests make them cheap). */
  snap?: SnapOptions;
}

export function createApp(ctx: AppContext, options: AppOptions = {}): BuiltApp {
  const app = express();
  app.disable('x-powered-by');
  if (ctx.config.TRUST_PROXY) app.set('trust proxy', 1);

  app.use(
    pinoHttp({
      logger: ctx.logger,
      // Keep a caller's request id when it is sane, so logs join up across services.
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // A map view fetches dozens of tiles and assets: successful ones log at debug, not info.
      customLogLevel: (req, res, err) =>
        err || res.statusCode >= 500
          ? 'error'
          : res.statusCode >= 400
            ? 'warn'
            : /^\/(tiles|assets)\//.test(req.url ?? '')
              ? 'debug'
              : 'info',
      autoLogging: { ignore: (req) => req.url === '/healthz' },
    }),
  );
  const basemapOrigin = ctx.config.BASEMAP_STYLE_URL ? [new URL(ctx.config.BASEMAP_STYLE_URL).origin] : [];
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // MapLibre draws with WebGL and loads its tile decoder as a blob: worker.
          workerSrc: ["'self'", 'blob:'],
          childSrc: ["'self'", 'blob:'],
          // Tiles, sprites and glyphs come from this origin; an optional external basemap from its style's origin.
          imgSrc: ["'self'", 'data:', 'blob:', ...basemapOrigin],
          styleSrc: ["'self'", "'unsafe-inline'"],
          connectSrc: ["'self'", ...basemapOrigin],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(
    compression({
      // compression skips vector tiles by default; they compress 3–5×.
      filter: (req, res) =>
        String(res.getHeader('Content-Type') ?? '').startsWith('application/vnd.mapbox-vector-tile') ||
        compression.filter(req, res),
    }),
  );
  // tus (resumable footage uploads) speaks its own protocol: mounted before the JSON parser, checks the
  // submission's Bearer token itself.
  app.use('/api/snap/uploads', snapUploadHandler(ctx));
  app.use(express.json({ limit: '2mb' }));
  app.use(cookieParser());

  let openApi: object | undefined;
  const openApiRoute = defineRoute({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This OpenAPI document',
    tags: ['service'],
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
    handler: (_input, _req, res) => {
      openApi ??= buildOpenApiDocument(routes, ctx.version);
      res.json(openApi);
    },
  });
  const routes = mountRoutes(app, [...allRoutes(ctx, options), openApiRoute], sessionMiddleware(ctx));

  app.use('/api', (_req, _res, next) => next(notFound('No such API route.')));
  app.use('/tiles', (_req, _res, next) => next(notFound('No such tile layer.')));
  if (fs.existsSync(clientDistDir)) {
    app.use(
      express.static(clientDistDir, {
        index: 'index.html',
        extensions: ['html'],
        maxAge: '1h',
        // Pages are revalidated so a rebuilt client is picked up at once; Vite's hashed assets never change.
        setHeaders: (res, filePath) => {
          if (filePath.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
          else if (filePath.includes(`${path.sep}assets${path.sep}`)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        },
      }),
    );
  }
  app.use((_req, _res, next) => next(notFound()));
  app.use(errorHandler(ctx.logger, ctx.config.NODE_ENV !== 'production'));
  return { app, routes };
}
