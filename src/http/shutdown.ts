import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { App } from './server.js';

/** The close code and reason live sockets get when the server stops (1001: "going away"). */
export const SHUTDOWN_CLOSE = { code: 1001, reason: 'server shutting down' } as const;

/**
 * Stopping the HTTP side in bounded time. The server stops accepting, live sockets are told at once,
 * and requests in flight get `graceMs` to finish. Then whatever is left is cut: a socket that never
 * answers the close (not reading, half-closed), a request whose body never arrives, an upgrade still
 * being authorised. Without that cut one such client kept a stopping server up indefinitely.
 *
 * Call before the server listens: it has to see every connection from the start.
 */
export function httpShutdown(app: App, options: { graceMs: number; logger: Logger }): { close(): Promise<void> } {
  // Every TCP connection, upgraded or not: the HTTP server's own list forgets a socket once upgraded.
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    async close() {
      const live: Set<WebSocket> = app.hasDecorator('websocketServer') ? app.websocketServer.clients : new Set();
      for (const ws of live) ws.close(SHUTDOWN_CLOSE.code, SHUTDOWN_CLOSE.reason);
      // Stops accepting, answers 503 to new requests on open connections, waits for those in flight.
      const closed = app.close();
      // A connection whose request finishes now stays open as keep-alive, and the server closes idle
      // connections only once, when it stops: closing them as they go idle lets shutdown end early.
      const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace over'>((resolve) => {
        timer = setTimeout(() => resolve('grace over'), options.graceMs);
      });
      const first = await Promise.race([closed, graceOver]).finally(() => {
        clearInterval(reaper);
        clearTimeout(timer);
      });
      if (first !== 'grace over') return;
      options.logger.warn(
        { connections: sockets.size, graceMs: options.graceMs },
        'shutdown grace period over: closing the connections still open',
      );
      for (const ws of live) ws.terminate();
      app.server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
