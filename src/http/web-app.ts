import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './server.js';

/** Where `npm run build` (run by `npm ci` through `prepare`) puts the web player. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/** Paths the single-page app never owns: a miss there is an API 404, not the app shell. */
const SERVER_PREFIXES = ['/v1/', '/api/', '/audio/', '/images/', '/rest/', '/metrics', '/healthz', '/readyz'];

/**
 * Serves the built web player: hashed files under `/assets/` cached for a year, anything else that a
 * browser navigates to gets `index.html` (the app routes on the client). Without a build, `/` says how
 * to make one.
 */
export function registerWebApp(app: App, dist = WEB_DIST): void {
  let shell: Promise<Buffer | undefined> | undefined;
  const indexHtml = () => {
    shell ??= readFile(join(dist, 'index.html')).catch(() => undefined);
    return shell;
  };

  const sendShell = async (reply: FastifyReply) => {
    const html = await indexHtml();
    reply.header('Cache-Control', 'no-cache');
    if (!html) {
      shell = undefined;
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web player is not built: run `npm run build` (npm ci does it) and reload.');
    }
    return reply.type(TYPES['.html']!).send(html);
  };

  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) => sendShell(reply));

  app.get('/assets/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    const path = normalize(join(dist, 'assets', rest));
    if (!path.startsWith(join(dist, 'assets')))
      return reply.code(404).send({ error: { status: 404, message: 'not found' } });
    const body = await readFile(path).catch(() => undefined);
    if (!body) return reply.code(404).send({ error: { status: 404, message: `no asset ${rest}` } });
    reply.header('Cache-Control', 'public, max-age=31536000, immutable');
    return reply.type(TYPES[extname(path)] ?? 'application/octet-stream').send(body);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    const wantsPage = request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
    if (wantsPage && !SERVER_PREFIXES.some((p) => path.startsWith(p)) && !extname(path)) return sendShell(reply);
    return reply.code(404).send({ error: { status: 404, message: `no route for ${request.method} ${path}` } });
  });
}
