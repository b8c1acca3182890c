import { type FormEvent, type KeyboardEvent, useEffect, useState, useSyncExternalStore } from 'react';
import { createPortal } from 'react-dom';
import { usePlayerControls } from '../player-context.js';
import { moveFocus, useAnchoredMenu } from '../ui/anchored-menu.js';
import { toast } from '../ui/toasts.js';
import { NAME_MAX } from './device.js';
import type { Device } from './types.js';

/** A screen with a speaker beside it: Spotify's "Connect to a device". */
function DevicesIcon({ size = 20 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="currentColor" aria-hidden="true" focusable="false">
      <path d="M2 4h13v10H2V4Zm2 2v6h9V6H4Zm-2 10h13v2H2v-2Zm15-12h5v16h-5V4Zm2 2v12h1V6h-1Zm.5 7.5a1 1 0 1 1 0 2 1 1 0 0 1 0-2Z" />
    </svg>
  );
}

/** The listener's devices, this browser's name and who plays, re-read whenever Connect changes. */
function useConnect() {
  const player = usePlayerControls();
  const connect = player.devices;
  const devices = useSyncExternalStore(player.subscribe, () => connect.devices);
  const activeId = useSyncExternalStore(player.subscribe, () => connect.activeId);
  const name = useSyncExternalStore(player.subscribe, () => connect.deviceName);
  return { connect, devices, activeId, name };
}

/** The device that plays while this browser is its remote, or null. */
export function useRemoteDevice(): Device | null {
  const player = usePlayerControls();
  return useSyncExternalStore(player.subscribe, () => player.devices.remote?.device ?? null);
}

function DeviceRow({
  device,
  mine,
  active,
  onChoose,
}: {
  device: Device;
  mine: boolean;
  active: boolean;
  onChoose: () => void;
}) {
  return (
    <li>
      <button
        type="button"
        className={`menu-item device-item${active ? ' is-active' : ''}`}
        aria-current={active ? 'true' : undefined}
        data-device-id={device.id}
        onClick={onChoose}
      >
        <DevicesIcon size={24} />
        <span className="device-text">
          <span className="device-name">{mine ? 'This browser' : device.name}</span>
          <span className="device-sub">
            {active ? (mine ? `Listening on ${device.name}` : 'Playing') : mine ? device.name : device.type}
          </span>
        </span>
        {active && <span className="eq" role="img" aria-label="Playing here" />}
      </button>
    </li>
  );
}

/**
 * The devices button of the now-playing bar and its menu: the listener's open players (this one
 * marked "This browser", the playing one highlighted), a choice moving playback there, and the name
 * this browser goes by on the others.
 */
export function DevicesMenu() {
  const { connect, devices, activeId, name } = useConnect();
  const menu = useAnchoredMenu();
  const [draft, setDraft] = useState(name);
  const open = menu.place !== null;
  const remote = activeId !== null && activeId !== connect.id;

  useEffect(() => {
    if (open) setDraft(name);
  }, [open, name]);
  useEffect(() => {
    if (open) menu.panel.current?.querySelector<HTMLElement>('button')?.focus();
  }, [open, menu.panel]);

  // This browser first, then the others as the server lists them; this one shows even before it registered.
  const mine = devices.find((d) => d.id === connect.id) ?? {
    id: connect.id,
    name,
    type: 'Computer' as const,
    is_active: activeId === connect.id,
    is_private_session: false,
    is_restricted: false,
    volume_percent: null,
    supports_volume: true,
  };
  const others = devices.filter((d) => d.id !== connect.id);

  const choose = (device: Device) => {
    menu.close(true);
    if (device.id === activeId) return;
    connect
      .transfer(device.id)
      .catch((err: Error) => toast(`Could not play on ${device.name}: ${err.message}`, 'error'));
  };
  const rename = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    // The button goes disabled under the focus: keep the focus in the menu, on the name.
    e.currentTarget.querySelector('input')?.focus();
    connect.rename(draft);
    toast(`This browser is now “${connect.deviceName}”`);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      menu.close(true);
      return;
    }
    if ((e.target as HTMLElement).tagName !== 'INPUT') moveFocus(e, menu.panel.current);
  };

  return (
    <>
      <button
        type="button"
        className={`icon-button np-secondary devices-button${remote ? ' is-on' : ''}`}
        aria-label="Connect to a device"
        title="Connect to a device"
        data-testid="devices-button"
        {...menu.trigger}
        aria-haspopup="dialog"
      >
        <DevicesIcon />
      </button>
      {menu.place &&
        createPortal(
          <div
            id={menu.id}
            ref={menu.panel}
            style={menu.place}
            className="popover devices-menu"
            role="dialog"
            aria-label="Devices"
            onKeyDown={onKey}
          >
            <h2 className="popover-title">Connect to a device</h2>
            <ul className="device-list" aria-label="Your devices">
              <DeviceRow device={mine} mine active={mine.id === activeId} onChoose={() => choose(mine)} />
              {others.map((d) => (
                <DeviceRow key={d.id} device={d} mine={false} active={d.id === activeId} onChoose={() => choose(d)} />
              ))}
            </ul>
            {others.length === 0 && (
              <p className="device-hint">Open Cadenza on another computer or phone to play there from here.</p>
            )}
            <form className="device-rename" onSubmit={rename}>
              <label className="field">
                Name of this browser
                <input
                  value={draft}
                  maxLength={NAME_MAX}
                  onChange={(e) => setDraft(e.target.value)}
                  placeholder={name}
                />
              </label>
              <button type="submit" className="button button-outline" disabled={draft.trim() === name}>
                Rename
              </button>
            </form>
          </div>,
          document.body,
        )}
    </>
  );
}

/** Another tab of this browser profile took this device over (connect-client.ts): this one is silent. */
export function useReplaced(): boolean {
  const player = usePlayerControls();
  return useSyncExternalStore(player.subscribe, () => player.devices.replaced);
}

/**
 * "Playing on Kitchen laptop": said under the bar while another device plays. A tab whose device
 * another tab of the same browser took says so instead, with the way to take it back.
 */
export function RemoteStrip() {
  const player = usePlayerControls();
  const device = useRemoteDevice();
  const replaced = useReplaced();
  if (replaced) {
    return (
      <div className="connect-strip" role="status" data-testid="replaced-strip">
        <DevicesIcon size={16} />
        Cadenza is playing in another tab
        <button type="button" className="connect-strip-action" onClick={() => player.devices.takeBack()}>
          Use this tab
        </button>
      </div>
    );
  }
  if (!device) return null;
  return (
    <div className="connect-strip" role="status" data-testid="remote-strip">
      <DevicesIcon size={16} />
      Playing on {device.name}
    </div>
  );
}
