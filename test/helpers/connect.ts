import { newId } from '../../src/core/ids.js';
import { type Frame, LiveSocket } from './live-client.js';

/**
 * A Connect device speaking the gateway's frames the way a player does: it registers, records the
 * commands it is sent, and reports what it plays. It plays nothing: tests read what it was told.
 */
export class TestDevice {
  private constructor(
    readonly socket: LiveSocket,
    readonly id: string,
    readonly name: string,
  ) {}

  static async connect(
    baseUrl: string,
    token: string,
    options: { id?: string; name?: string; type?: string; volume?: number | null; supportsVolume?: boolean } = {},
  ): Promise<TestDevice> {
    const socket = await LiveSocket.open(baseUrl, token);
    const device = new TestDevice(socket, options.id ?? newId(), options.name ?? 'Test player');
    await device.register(device.name, options);
    return device;
  }

  async register(name: string, options: { type?: string; volume?: number | null; supportsVolume?: boolean } = {}) {
    const registered = this.socket.next((f) => f.type === 'device.registered' && f.device_id === this.id);
    this.socket.send({
      type: 'device.register',
      device_id: this.id,
      name,
      device_type: options.type ?? 'Computer',
      volume_percent: options.volume === undefined ? 80 : options.volume,
      supports_volume: options.supportsVolume ?? true,
    });
    await registered;
  }

  /** Commands received so far, oldest first. */
  commands(): Frame[] {
    return this.socket.frames.filter((f) => f.type === 'player.command');
  }

  /** The next command of `kind` (or one already received, with `past`). */
  command(kind: string, past = false, timeoutMs = 5000): Promise<Frame> {
    return this.socket
      .next((f) => f.type === 'player.command' && f.command.kind === kind, timeoutMs, past)
      .then((f) => f.command);
  }

  report(fields: Record<string, unknown>): void {
    this.socket.send({
      type: 'player.report',
      device_id: this.id,
      track_id: null,
      position_ms: 0,
      duration_ms: 0,
      is_playing: false,
      queue: [],
      queue_index: 0,
      context_uri: null,
      shuffle: false,
      repeat: 'off',
      volume_percent: 80,
      ...fields,
    });
  }

  /** Closes with the WebSocket handshake, as a tab being closed does. */
  async close(): Promise<void> {
    this.socket.ws.close();
    await this.socket.waitClosed();
  }
}
