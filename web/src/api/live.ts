import type { Frame } from './frames.js';
import { session } from './session.js';

/**
 * The one WebSocket to the live gateway (`/v1/live`), shared by every live feature: playlist editing
 * and friend activity. Opened while anything listens; reconnects with a growing delay after a drop,
 * and every listener hears the new `welcome` so it can resume (re-subscribe, re-send).
 */

export type { Frame };

type Listener = (frame: Frame) => void;

const listeners = new Set<Listener>();
let socket: WebSocket | null = null;
let open = false;
let retry: ReturnType<typeof setTimeout> | undefined;
let delay = 500;

function dispatch(frame: Frame): void {
  for (const l of [...listeners]) l(frame);
}

async function connect(): Promise<void> {
  retry = undefined;
  if (socket || listeners.size === 0) return;
  const token = await session.accessToken();
  if (!token || listeners.size === 0 || socket) return;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/v1/live?access_token=${encodeURIComponent(token)}`);
  socket = ws;
  ws.onmessage = (event) => {
    let frame: Frame;
    try {
      frame = JSON.parse(String(event.data)) as Frame;
    } catch {
      return;
    }
    if (frame.type === 'welcome') {
      open = true;
      delay = 500;
    }
    dispatch(frame);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    open = false;
    dispatch({ type: 'closed' });
    if (listeners.size > 0 && !retry) {
      retry = setTimeout(() => void connect(), delay);
      delay = Math.min(delay * 2, 15_000);
    }
  };
}

export const live = {
  /** Listens to every frame (and `{type:'closed'}` when the connection drops). */
  listen(listener: Listener): () => void {
    listeners.add(listener);
    void connect();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && socket) {
        const ws = socket;
        socket = null;
        open = false;
        ws.close();
      }
    };
  },
  isOpen: () => open,
  /** Sends a frame when connected; false when it could not be sent (the caller re-sends on `welcome`). */
  send(frame: Frame): boolean {
    if (!socket || !open) return false;
    socket.send(JSON.stringify(frame));
    return true;
  },
};
