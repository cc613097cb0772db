import type { Request } from 'express';

/** True when If-None-Match names this ETag (weak comparison, as RFC 9110 asks for GET). */
export function notModified(req: Request, etag: string): boolean {
  const header = req.get('if-none-match');
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}
