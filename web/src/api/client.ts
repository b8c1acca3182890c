import { ApiError, errorOf, session } from './session.js';

export { ApiError };

/**
 * JSON requests to the API with the bearer token; a 401 refreshes the token once and retries.
 * Paths are root-relative (`/v1/...`); absolute paging links from the server work too.
 */
export async function request<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const send = (token: string | null) =>
    fetch(path, {
      method: init.method ?? 'GET',
      signal: init.signal,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const token = await session.accessToken();
  let response = await send(token);
  if (response.status === 401 && token) {
    const renewed = await session.recover(token);
    if (renewed) response = await send(renewed);
  }
  if (!response.ok) throw await errorOf(response);
  // Some writes answer 200 with an empty body (Spotify's save and follow routes do).
  const text = response.status === 204 ? '' : await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>(path, { signal }),
  post: <T>(path: string, body?: unknown) => request<T>(path, { method: 'POST', body }),
  put: <T>(path: string, body?: unknown) => request<T>(path, { method: 'PUT', body }),
  patch: <T>(path: string, body?: unknown) => request<T>(path, { method: 'PATCH', body }),
  delete: <T>(path: string) => request<T>(path, { method: 'DELETE' }),
};

/** `encodeURIComponent` for a path segment. */
export const seg = encodeURIComponent;

/**
 * Sends multipart form data with XMLHttpRequest, which (unlike fetch) reports upload progress.
 * `onProgress` receives 0..1.
 */
export async function upload<T>(
  method: 'POST' | 'PUT',
  path: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<T> {
  const once = (token: string | null) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, path);
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
      xhr.onerror = () => reject(new ApiError(0, 'the upload was interrupted (network error)'));
      xhr.send(form);
    });
  const token = await session.accessToken();
  let answer = await once(token);
  if (answer.status === 401 && token) {
    const renewed = await session.recover(token);
    if (renewed) answer = await once(renewed);
  }
  if (answer.status < 200 || answer.status >= 300) {
    let message = `upload failed (${answer.status})`;
    try {
      message = (JSON.parse(answer.body) as { error?: { message?: string } }).error?.message ?? message;
    } catch {}
    throw new ApiError(answer.status, message);
  }
  return (answer.body ? JSON.parse(answer.body) : undefined) as T;
}
