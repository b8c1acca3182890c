import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountsService } from '../core/accounts/accounts-service.js';
import type { User } from '../core/accounts/types.js';
import { Forbidden, Unauthorized } from '../core/errors.js';

/** Who may call a route. Every route declares one in `config.access`; the server refuses to boot otherwise. */
export type Access = 'public' | 'user' | 'artist' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** A public route that reads the Authorization header itself: its bearer is not an access token. */
    ownsAuthorization?: boolean;
  }
  interface FastifyRequest {
    user: User | null;
  }
}

export function requireUser(request: FastifyRequest): User {
  if (!request.user) throw new Unauthorized('missing bearer token');
  return request.user;
}

/** `market=from_token` means the caller's own country, as in Spotify's API. */
export function marketOf(request: FastifyRequest, market: string | undefined): string | undefined {
  if (market === 'from_token') return requireUser(request).country;
  return market;
}

/** The market asked for, else the caller's own country: what a listener may play. */
export function listenerMarket(request: FastifyRequest, market: string | undefined): string {
  return market === undefined || market === 'from_token' ? requireUser(request).country : market;
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new Unauthorized('Authorization header must be "Bearer <access_token>"');
  return match[1];
}

export function registerAuth(app: FastifyInstance, accounts: AccountsService): void {
  app.decorateRequest('user', null);

  app.addHook('onRoute', (route) => {
    if (!route.config?.access) throw new Error(`route ${route.method} ${route.url} does not declare config.access`);
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access ?? 'public';
    if (access === 'public' && request.routeOptions.config.ownsAuthorization) return;
    const token = bearer(request);
    if (token) request.user = await accounts.authenticate(token);
    if (access === 'public') return;
    const user = requireUser(request);
    if (access === 'artist' && user.role !== 'artist' && user.role !== 'admin') {
      throw new Forbidden('this route is for artist accounts');
    }
    if (access === 'admin' && user.role !== 'admin') throw new Forbidden('this route is for administrators');
  });
}
