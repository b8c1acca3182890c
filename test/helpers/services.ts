import { Socket } from 'node:net';

/**
 * Whether something accepts TCP connections at `url` within a second: tests and benchmarks that need a
 * machine service (NATS, Redis) use it to skip with a reason on machines without one.
 */
export function serviceAnswers(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(u.port || defaultPort), u.hostname, () => done(true));
  });
}
