import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import type { SearchResults, Track } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { duration, plural } from '../format.js';
import { jamSession } from '../jam/session.js';
import type { Jam, JamPreview, JamSettings } from '../jam/types.js';
import { useJam } from '../jam/use-jam.js';
import { navigate } from '../router.js';
import { Artwork } from '../ui/artwork.js';
import { Empty, Section, Title } from '../ui/page.js';
import { toast } from '../ui/toasts.js';
import { useBusy } from '../ui/use-busy.js';
import '../jam/jam.css';

/**
 * Jam: `/jam` starts one (or shows the one the listener is in), `/jam/<code>` is the join link. In a
 * Jam: who is in it, what plays, the shared queue and adding to it; the host's settings and end.
 */
export function JamScreen({ code }: { code?: string }) {
  const { jam, loaded, following, isHost } = useJam();
  if (!loaded)
    return (
      <div className="page-loading" role="status" aria-label="Loading">
        <span className="spinner" />
      </div>
    );
  if (jam && (!code || jam.code === code.toUpperCase()))
    return <JamPanel jam={jam} following={following} isHost={isHost} />;
  if (code) return <JoinJam code={code.toUpperCase()} inOther={!!jam} />;
  return <StartJam />;
}

function StartJam() {
  const [busy, run] = useBusy();
  const [settings, setSettings] = useState<JamSettings>({
    anyone_with_link: true,
    guests_can_add: true,
    on_host_leave: 'hand_off',
  });
  return (
    <div className="page jam">
      <Title>Start a Jam</Title>
      <p className="jam-lead">
        Listen together: everyone who joins hears what you play, at the same moment, and can add to the queue.
      </p>
      <SettingsForm settings={settings} onChange={(change) => setSettings({ ...settings, ...change })} />
      <div className="jam-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={busy}
          onClick={() => void run(() => jamSession.create(settings))}
        >
          Start a Jam
        </button>
      </div>
    </div>
  );
}

function JoinJam({ code, inOther }: { code: string; inOther: boolean }) {
  const load = useApi<JamPreview>(`/v1/jams/${encodeURIComponent(code)}`);
  const [busy, run] = useBusy();
  if (load.error)
    return (
      <div className="page jam">
        <Empty title="This Jam is not on">It has ended, or the code {code} is not one.</Empty>
      </div>
    );
  const preview = load.data;
  if (!preview)
    return (
      <div className="page-loading" role="status" aria-label="Loading">
        <span className="spinner" />
      </div>
    );
  return (
    <div className="page jam">
      <Title>{preview.host.display_name}’s Jam</Title>
      <p className="jam-lead">
        {plural(preview.member_count, 'listener')} in it. Join to hear what {preview.host.display_name} plays, in sync,
        and add songs to the queue.
      </p>
      {!preview.can_join && (
        <p className="form-error">Only listeners {preview.host.display_name} follows can join this Jam.</p>
      )}
      {inOther && <p className="muted">Joining takes you out of the Jam you are in.</p>}
      <div className="jam-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={busy || !preview.can_join}
          onClick={() =>
            void run(async () => {
              if (inOther) await jamSession.leave();
              await jamSession.join(code);
            })
          }
        >
          Join Jam
        </button>
      </div>
    </div>
  );
}

function JamPanel({ jam, following, isHost }: { jam: Jam; following: boolean; isHost: boolean }) {
  const [busy, run] = useBusy();
  const track = jam.playback.track;
  const canAdd = isHost || jam.settings.guests_can_add;
  const copy = () => {
    const url = `${location.origin}${jam.link}`;
    navigator.clipboard.writeText(url).then(
      () => toast('Link copied'),
      () => toast(`Share this link: ${url}`),
    );
  };
  /** Who added an entry, while they are in the Jam (the host's own context tracks have no one). */
  const addedBy = (id: string | null) => (id ? jam.members.find((m) => m.id === id)?.display_name : undefined);
  return (
    <div className="page jam" data-testid="jam">
      <Title>{jam.host.display_name}’s Jam</Title>
      <div className="jam-code">
        <span>
          Code <strong data-testid="jam-code">{jam.code}</strong>
        </span>
        <button type="button" className="button button-outline" onClick={copy}>
          Copy link
        </button>
        {!isHost && !following && (
          <button type="button" className="button button-primary" onClick={() => jamSession.playAlong()}>
            Play along
          </button>
        )}
        {isHost ? (
          <button
            type="button"
            className="button button-outline"
            disabled={busy}
            onClick={() => void run(() => jamSession.end()).then(() => navigate('/'))}
          >
            End Jam
          </button>
        ) : (
          <button
            type="button"
            className="button button-outline"
            disabled={busy}
            onClick={() => void run(() => jamSession.leave()).then(() => navigate('/'))}
          >
            Leave Jam
          </button>
        )}
      </div>

      <Section title="Now playing">
        {track ? (
          <div className="jam-now" data-status={jam.playback.is_playing ? 'playing' : 'paused'}>
            <Artwork images={track.album?.images} size={56} seed={track.id} />
            <div>
              <div className="jam-track-name">{track.name}</div>
              <div className="muted">
                {track.artists.map((a) => a.name).join(', ')} · {jam.playback.is_playing ? 'Playing' : 'Paused'}
              </div>
            </div>
          </div>
        ) : (
          <p className="muted">
            Nothing yet: {isHost ? 'play something' : `${jam.host.display_name} picks the music`}.
          </p>
        )}
      </Section>

      <Section title="Up next">
        {jam.queue.length === 0 ? (
          <p className="muted">The queue is empty.</p>
        ) : (
          <ol className="jam-list" aria-label="Jam queue">
            {jam.queue.map((t, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a song may be queued twice; entries have no ids of their own
              <li key={`${t.id}-${i}`}>
                <Artwork images={t.album?.images} size={40} seed={t.id} />
                <span className="jam-track-name">{t.name}</span>
                <span className="muted">
                  {t.artists.map((a) => a.name).join(', ')}
                  {addedBy(t.added_by) && ` · Added by ${addedBy(t.added_by)}`}
                </span>
                <span className="muted jam-duration">{duration(t.duration_ms)}</span>
              </li>
            ))}
          </ol>
        )}
        {canAdd ? <AddToJam /> : <p className="muted">Only {jam.host.display_name} adds songs to this Jam.</p>}
      </Section>

      <Section title="In this Jam">
        <ul className="jam-list" aria-label="Jam members">
          {jam.members.map((m) => (
            <li key={m.id}>
              <span className="jam-avatar" aria-hidden="true">
                {m.display_name.slice(0, 1).toUpperCase()}
              </span>
              <span className="jam-track-name">{m.display_name}</span>
              {m.is_host && <span className="jam-badge">Host</span>}
            </li>
          ))}
        </ul>
      </Section>

      {isHost && (
        <Section title="Settings">
          <SettingsForm
            settings={jam.settings}
            onChange={(change) => void run(() => jamSession.updateSettings(change))}
          />
        </Section>
      )}
    </div>
  );
}

/** Finds songs by name and adds them to the shared queue. */
function AddToJam() {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Track[]>([]);
  const [busy, run] = useBusy();
  useEffect(() => {
    const text = q.trim();
    if (!text) {
      setFound([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.get<SearchResults>(`/v1/search?q=${encodeURIComponent(text)}&type=track&limit=5`, controller.signal).then(
        (r) => setFound(r.tracks?.items ?? []),
        () => undefined,
      );
    }, 150);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [q]);
  return (
    <div className="jam-add">
      <div className="field">
        <input
          type="search"
          placeholder="Add songs"
          aria-label="Search songs to add to the Jam"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
      </div>
      {found.length > 0 && (
        <ul className="jam-list" aria-label="Songs to add">
          {found.map((t) => (
            <li key={t.id}>
              <Artwork images={t.album?.images} size={40} seed={t.id} />
              <span className="jam-track-name">{t.name}</span>
              <span className="muted">{t.artists.map((a) => a.name).join(', ')}</span>
              <button
                type="button"
                className="button button-outline"
                disabled={busy}
                aria-label={`Add ${t.name} to the Jam`}
                onClick={() => void run(() => jamSession.add([t.id]))}
              >
                Add
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function SettingsForm({
  settings,
  onChange,
}: {
  settings: JamSettings;
  onChange: (change: Partial<JamSettings>) => void;
}) {
  const toggle = (key: 'anyone_with_link' | 'guests_can_add', label: string, hint: string) => (
    <div className="setting">
      <label className="setting setting-row">
        <span className="setting-name">{label}</span>
        <input
          type="checkbox"
          role="switch"
          aria-checked={settings[key]}
          className="switch"
          aria-label={label}
          checked={settings[key]}
          onChange={(e) => onChange({ [key]: e.target.checked })}
        />
      </label>
      <p className="setting-hint">{hint}</p>
    </div>
  );
  return (
    <div className="jam-settings">
      {toggle(
        'anyone_with_link',
        'Anyone with the link can join',
        'Off: only listeners you follow can join with the link or code.',
      )}
      {toggle('guests_can_add', 'Guests can add songs', 'Off: only you add to the queue.')}
      <label className="setting setting-row">
        <span className="setting-name">When you leave</span>
        <select
          className="select"
          value={settings.on_host_leave}
          onChange={(e) => onChange({ on_host_leave: e.target.value as JamSettings['on_host_leave'] })}
        >
          <option value="hand_off">Hand the Jam to the next listener</option>
          <option value="end">End the Jam</option>
        </select>
      </label>
    </div>
  );
}
