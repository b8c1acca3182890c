import type { EventBus, Unsubscribe } from '../../ports/event-bus.js';

/** The embedded bus: one process, synchronous fan-out on a microtask so publishers never wait on handlers. */
export class MemoryEventBus implements EventBus {
  private readonly handlers = new Map<string, Set<(message: unknown) => void>>();

  async publish(topic: string, message: unknown): Promise<void> {
    const set = this.handlers.get(topic);
    if (!set) return;
    for (const handler of [...set]) queueMicrotask(() => handler(message));
  }

  async subscribe(topic: string, handler: (message: unknown) => void): Promise<Unsubscribe> {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler);
    return async () => {
      const current = this.handlers.get(topic);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) this.handlers.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
