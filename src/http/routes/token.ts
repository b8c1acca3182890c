import { Type } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import { Invalid } from '../../core/errors.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

const TokenForm = Type.Object(
  {
    grant_type: Type.String(),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    refresh_token: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const SignUpBody = Type.Object(
  {
    username: Type.String(),
    password: Type.String(),
    display_name: Type.Optional(Type.String()),
    country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
    role: Type.Optional(Type.Union([Type.Literal('listener'), Type.Literal('artist')])),
  },
  { additionalProperties: false },
);

export function registerTokenRoutes(app: App, { accounts, config }: Services): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.post(
    '/api/token',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a password or refresh token for a bearer token',
        description:
          'Password log-ins are throttled per account and per client address: after a few failures each ' +
          'one doubles the wait (429 with Retry-After, in seconds). A refresh token works once; presenting ' +
          'it again revokes every token of its log-in.',
        body: TokenForm,
      },
    },
    async (request) => {
      const form = request.body;
      if (form.grant_type === 'password') {
        if (!form.username) throw new Invalid('username is required for grant_type=password', 'username');
        if (!form.password) throw new Invalid('password is required for grant_type=password', 'password');
        // request.ip honours X-Forwarded-For (trustProxy): the throttle counts the client, not the proxy.
        return accounts.logIn(form.username, form.password, request.ip);
      }
      if (form.grant_type === 'refresh_token') {
        if (!form.refresh_token)
          throw new Invalid('refresh_token is required for grant_type=refresh_token', 'refresh_token');
        return accounts.refresh(form.refresh_token);
      }
      throw new Invalid('grant_type must be "password" or "refresh_token"', 'grant_type');
    },
  );

  app.post(
    '/api/revoke',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Revoke an access or refresh token',
        body: Type.Object({ token: Type.String() }),
      },
    },
    async (request, reply) => {
      await accounts.revoke(request.body.token);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/signup',
    {
      config: { access: 'public' },
      schema: { tags: ['auth'], summary: 'Create a listener or artist account and log it in', body: SignUpBody },
    },
    async (request, reply) => {
      const b = request.body;
      const user = await accounts.signUp(
        {
          username: b.username,
          password: b.password,
          displayName: b.display_name,
          country: b.country,
          role: b.role,
        },
        request.ip,
      );
      const tokens = await accounts.logIn(b.username, b.password, request.ip);
      return reply.code(201).send({ user: new Shapes(baseUrl(request, config.publicUrl)).me(user), ...tokens });
    },
  );
}
