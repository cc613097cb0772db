/** JSON over fetch with the service's error shape turned into a readable Error, and the district list the pages share. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors: Array<{ field: string; message: string }> = [],
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: string;
  message?: string;
  errors?: Array<{ field: string; message: string }>;
}

export async function fetchJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, {
    ...init,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...init.headers },
  });
  if (!res.ok) {
    let body: ErrorBody = {};
    try {
      body = (await res.json()) as ErrorBody;
    } catch {
      // Not JSON (a proxy error page): keep the status text.
    }
    throw new ApiError(res.status, body.error ?? 'http_error', body.message ?? `${res.status} ${res.statusText}`, body.errors ?? []);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export interface District {
  /** ONS code. */
  code: string;
  name: string;
  geometry: GeoJSON.Geometry | null;
}

/**
 * The districts of GET /api/districts, sorted by name; none (and a console warning) when they cannot
 * be loaded, so a page still works without them.
 */
export async function fetchDistricts(): Promise<District[]> {
  try {
    const body = await fetchJson<{ features?: Array<{ properties?: { code?: string; name?: string }; geometry?: GeoJSON.Geometry | null }> }>('/api/districts');
    return (body.features ?? [])
      .flatMap((f) => (f.properties?.code ? [{ code: f.properties.code, name: f.properties.name ?? f.properties.code, geometry: f.geometry ?? null }] : []))
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    console.warn('districts could not be loaded', err);
    return [];
  }
}
