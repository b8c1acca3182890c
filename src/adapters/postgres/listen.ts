import type pg from 'pg';

/**
 * LISTEN on one channel over a dedicated pool connection, handing each notification's payload to
 * `onPayload`. A lost connection may have dropped notifications: it listens again on a new connection
 * (backing off up to 5 s) and then calls `onReset`, so the caller reloads what it keeps. Resolves with
 * the function that stops listening.
 */
export async function listenFor(
  pool: pg.Pool,
  channel: string,
  onPayload: (payload: string) => void,
  onReset: () => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.PoolClient | undefined;
  const onNotification = (msg: pg.Notification) => onPayload(msg.payload ?? '');
  const attach = async () => {
    const fresh = await pool.connect();
    fresh.on('notification', onNotification);
    fresh.on('error', reconnect);
    try {
      await fresh.query(`listen ${channel}`);
    } catch (err) {
      fresh.release(true);
      throw err;
    }
    if (stopped) fresh.release();
    else client = fresh;
  };
  const reconnect = async () => {
    if (stopped || client === undefined) return;
    const lost = client;
    client = undefined;
    lost.off('notification', onNotification);
    lost.off('error', reconnect);
    lost.on('error', () => {});
    lost.release(true);
    for (let delay = 100; !stopped; delay = Math.min(delay * 2, 5000)) {
      try {
        await attach();
        onReset();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };
  await attach();
  return async () => {
    stopped = true;
    const last = client;
    client = undefined;
    if (last === undefined) return;
    last.off('notification', onNotification);
    await last.query(`unlisten ${channel}`).catch(() => {});
    last.release();
  };
}
