import type { RequestHandler } from 'express';
import type { AppContext } from '../../context.ts';
import { snapUploadsFor } from './service.ts';

/**
 * The tus endpoint for footage, mounted at /api/snap/uploads (outside the route table: tus has its own
 * methods) before express.json, so request bodies reach the store as streams. Bad upload settings
 * fail here, at start-up, naming the key and value.
 */
export function snapUploadHandler(ctx: AppContext): RequestHandler {
  const uploads = snapUploadsFor(ctx);
  // Start-up waits for the store to open; a failure then stops the service rather than each upload.
  ctx.warmUps?.push(uploads.then(() => undefined));
  uploads.catch(() => undefined); // reported through warmUps or the first request, not as unhandled
  return (req, res, next) => {
    uploads
      .then((service) => {
        // Express strips the mount path; tus matches and names uploads by the full path.
        req.url = req.originalUrl;
        return service.handle(req, res);
      })
      .catch(next);
  };
}
