/** JSON over fetch with the service's error shape turned into a readable Error. */

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
