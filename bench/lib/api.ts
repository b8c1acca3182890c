/**
 * A JSON call to a benchmark's server: `api(path, method, token?, body?)` answers the parsed body
 * (undefined for 204) and throws with the status and text on anything else.
 */
// biome-ignore lint/suspicious/noExplicitAny: responses are read field by field
export type Api = (path: string, method: string, token: string | undefined, body?: unknown) => Promise<any>;

export function apiAt(base: string): Api {
  return async (path, method, token, body) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  };
}
