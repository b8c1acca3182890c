import { useEffect, useState } from 'react';
import { api, seg } from '../api/client.js';
import { type Collaborator, type Playlist, userName } from '../api/playlist-types.js';
import { useApi } from '../api/use-api.js';
import { longDuration, plural } from '../format.js';
import { playlistsChanged } from '../library/playlists.js';
import { type SyncStatus, useLivePlaylist } from '../library/use-live-playlist.js';
import { useTrackDetails } from '../library/use-tracks.js';
import { useMe } from '../me.js';
import { usePlayerControls, usePlayingContext } from '../player-context.js';
import { queueItem } from '../queue-items.js';
import { Artwork } from '../ui/artwork.js';
import { Icon } from '../ui/icons.js';
import { MoreMenu, radioAction } from '../ui/more-menu.js';
import { Empty, Hero, Loading } from '../ui/page.js';
import { PlayButton } from '../ui/play-button.js';
import { toast } from '../ui/toasts.js';
import { useBusy } from '../ui/use-busy.js';
import { PlaylistRecommendations } from './playlist-recommendations.js';
import { PlaylistSettings } from './playlist-settings.js';
import { PlaylistTracks } from './playlist-tracks.js';

const KIND = (p: Playlist) =>
  p.collaborative ? 'Collaborative playlist' : p.public ? 'Public playlist' : 'Private playlist';

function statusText(s: SyncStatus): string {
  switch (s.kind) {
    case 'connecting':
      return 'Connecting…';
    case 'live':
      return 'Live';
    case 'offline':
      return 'Offline — edits wait and are sent when the connection is back';
    case 'saving':
      return `Saving ${plural(s.pending, 'change')}…`;
    case 'saved':
      return `Saved · version ${s.version}`;
    case 'rejected':
      return `Not saved: ${s.message}`;
    case 'error':
      return s.message;
    case 'revoked':
      return 'You no longer have access to this playlist';
  }
}

/** A playlist: its header, live track list, and for its owner the details, visibility, collaborators and share. */
export function PlaylistScreen({ id }: { id: string }) {
  const [version, setVersion] = useState(0);
  const load = useApi<Playlist>(`/v1/playlists/${seg(id)}`, version);
  const collaborators = useApi<{ items: Collaborator[] }>(`/v1/playlists/${seg(id)}/collaborators`, version);
  const me = useMe();
  const live = useLivePlaylist(id, me.id);
  const seed = load.data?.tracks.items.map((it) => it.track) ?? [];
  const tracks = useTrackDetails(live.items?.map((it) => it.trackId) ?? [], seed);
  const [editing, setEditing] = useState(false);

  useEffect(() => {
    if (live.remote) toast('The playlist was changed by another editor');
  }, [live.remote]);
  // A refused edit or a dropped subscription means this listener's rights changed: read the playlist
  // again (it answers "not found" when the listener may no longer read it).
  useEffect(() => {
    if (live.status.kind !== 'rejected' && live.status.kind !== 'revoked') return;
    toast(statusText(live.status), 'error');
    setVersion((v) => v + 1);
  }, [live.status]);

  return (
    <Loading load={load}>
      {(p) => {
        const isOwner = p.owner.id === me.id;
        const isCollaborator = collaborators.data?.items.some((c) => c.user.id === me.id) ?? false;
        const canEdit = isOwner || (p.collaborative && isCollaborator);
        const items = live.items ?? [];
        const total = items.reduce((sum, it) => sum + (tracks.get(it.trackId)?.duration_ms ?? 0), 0);
        return (
          <div className="page page-hero">
            <Hero
              seed={p.id}
              kind={KIND(p)}
              title={p.name}
              art={<Artwork images={p.images} size={232} seed={p.id} />}
              meta={
                <>
                  {p.description && <p className="hero-description">{p.description}</p>}
                  <span className="hero-owner">{userName(p.owner)}</span>
                  {p.followers.total > 0 && <span className="muted"> • {plural(p.followers.total, 'save')}</span>}
                  <span className="muted">
                    {' '}
                    • {plural(items.length, 'song')}
                    {total > 0 && `, ${longDuration(total)}`}
                  </span>
                </>
              }
            />
            <PlaylistActions
              playlist={p}
              isOwner={isOwner}
              editing={editing}
              onEdit={() => setEditing(!editing)}
              queue={() =>
                items.flatMap((it) => {
                  const t = tracks.get(it.trackId);
                  return t ? [queueItem(t)] : [];
                })
              }
            />
            <p className="sync-status" role="status" data-testid="sync-status" data-kind={live.status.kind}>
              {statusText(live.status)}
            </p>
            <div className="page-body">
              {editing && isOwner && (
                <PlaylistSettings
                  playlist={p}
                  collaborators={collaborators.data?.items ?? []}
                  onChanged={() => {
                    setVersion((v) => v + 1);
                    playlistsChanged();
                  }}
                  onClose={() => setEditing(false)}
                />
              )}
              {live.status.kind === 'revoked' ? (
                <Empty title="No longer available">{statusText(live.status)}</Empty>
              ) : live.items === null ? (
                <div className="page-loading" role="status" aria-label="Loading tracks">
                  <span className="spinner" />
                </div>
              ) : (
                <PlaylistTracks
                  playlistId={p.id}
                  name={p.name}
                  items={items}
                  tracks={tracks}
                  canEdit={canEdit}
                  edit={live.edit}
                />
              )}
              {canEdit && items.length > 0 && live.status.kind !== 'revoked' && (
                <PlaylistRecommendations
                  playlistId={p.id}
                  name={p.name}
                  inPlaylist={new Set(items.map((it) => it.trackId))}
                  add={(trackId) => live.edit({ type: 'add', trackIds: [trackId] })}
                />
              )}
            </div>
          </div>
        );
      }}
    </Loading>
  );
}

function PlaylistActions({
  playlist,
  isOwner,
  editing,
  onEdit,
  queue,
}: {
  playlist: Playlist;
  isOwner: boolean;
  editing: boolean;
  onEdit: () => void;
  /** The playable tracks in order, read when play is pressed. */
  queue: () => ReturnType<typeof queueItem>[];
}) {
  const player = usePlayerControls();
  const context = `playlist:${playlist.id}`;
  const playing = usePlayingContext(context);
  const [busy, run] = useBusy();
  const share = () =>
    run(async () => {
      const { url } = await api.post<{ url: string }>(`/v1/playlists/${seg(playlist.id)}/share`);
      await navigator.clipboard?.writeText(url).catch(() => undefined);
      toast(`Share link copied: ${url}`);
    });
  return (
    <div className="action-bar">
      <PlayButton
        label={playlist.name}
        playing={playing}
        onPlay={() => void player.playQueue(queue(), 0, context)}
        onPause={() => void player.pause()}
      />
      {!isOwner && <FollowPlaylist id={playlist.id} name={playlist.name} />}
      {isOwner && (
        <button type="button" className="button button-outline" aria-expanded={editing} onClick={onEdit}>
          <Icon name="edit" size={16} /> Edit details
        </button>
      )}
      {isOwner && (
        <button
          type="button"
          className="button button-outline"
          disabled={busy || !playlist.public}
          title={playlist.public ? 'Copy a link anyone can open' : 'Only a public playlist can be shared'}
          onClick={() => void share()}
        >
          <Icon name="link" size={16} /> Copy share link
        </button>
      )}
      <MoreMenu
        label={playlist.name}
        size={28}
        className="icon-button more-large"
        actions={[radioAction('Go to playlist radio', `cadenza:playlist:${playlist.id}`)]}
      />
    </div>
  );
}

function FollowPlaylist({ id, name }: { id: string; name: string }) {
  const me = useMe();
  const [version, setVersion] = useState(0);
  const load = useApi<boolean[]>(`/v1/playlists/${seg(id)}/followers/contains?ids=${seg(me.id)}`, version);
  const following = load.data?.[0] === true;
  const [busy, run] = useBusy();
  const toggle = () =>
    run(async () => {
      if (following) await api.delete(`/v1/playlists/${seg(id)}/followers`);
      else await api.put(`/v1/playlists/${seg(id)}/followers`);
      setVersion((v) => v + 1);
      playlistsChanged();
      toast(following ? `Removed ${name} from Your Library` : `Saved ${name} to Your Library`);
    });
  return (
    <button
      type="button"
      className="button button-outline"
      aria-pressed={following}
      disabled={busy || load.loading}
      onClick={() => void toggle()}
    >
      {following ? 'Saved' : 'Save to Your Library'}
    </button>
  );
}
