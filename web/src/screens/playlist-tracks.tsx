import { type DragEvent, type KeyboardEvent, useEffect, useRef } from 'react';
import type { ReplicaItem } from '../../../src/core/playlists/replica.js';
import type { ItemEdit } from '../../../src/core/playlists/types.js';
import type { Track } from '../api/types.js';
import { usePlayerControls, usePlayerSelect } from '../player-context.js';
import { queueItem } from '../queue-items.js';
import { Icon } from '../ui/icons.js';
import { Empty } from '../ui/page.js';
import { SaveButton } from '../ui/save-button.js';
import { TrackMenu } from '../ui/track-actions.js';
import { catalogRows, type TrackRow, TrackTable } from '../ui/track-table.js';

/** The rows of a live playlist: catalog rows where the track is known, a stand-in where it is not. */
function rowsOf(items: ReplicaItem[], tracks: Map<string, Track | null>): TrackRow[] {
  return items.map((item, i) => {
    const track = tracks.get(item.trackId);
    const row: TrackRow = track
      ? catalogRows([track])[0]!
      : {
          key: '',
          id: item.trackId,
          title: track === null ? 'Unavailable track' : 'Loading…',
          artists: [],
          durationMs: 0,
          number: 0,
        };
    return { ...row, key: item.itemId, number: i + 1 };
  });
}

/**
 * A playlist's tracks as the live replica holds them. Editors get move up / move down / remove on
 * every row; each button sends one edit against the replica's version.
 */
export function PlaylistTracks({
  playlistId,
  name,
  items,
  tracks,
  canEdit,
  edit,
}: {
  playlistId: string;
  name: string;
  items: ReplicaItem[];
  tracks: Map<string, Track | null>;
  canEdit: boolean;
  edit: (edit: ItemEdit) => void;
}) {
  const player = usePlayerControls();
  const context = `playlist:${playlistId}`;
  // Only what the rows show, so the table does not re-render on every tick of the play head.
  const currentId = usePlayerSelect((s, p) => (p.context === context ? s.queue[s.index]?.id : undefined));
  const playing = usePlayerSelect((s) => s.status === 'playing' || s.status === 'loading');
  const wrap = useRef<HTMLDivElement>(null);
  // The item moved with Alt+arrow keeps keyboard focus once the server's answer has moved it.
  const follow = useRef<string | null>(null);
  useEffect(() => {
    const at = follow.current ? items.findIndex((it) => it.itemId === follow.current) : -1;
    if (at < 0) return;
    follow.current = null;
    wrap.current?.querySelectorAll<HTMLElement>('tbody tr')[at]?.focus();
  }, [items]);
  // Editors drag rows to reorder them (the table is shared with other screens: set it on its rows here).
  const dragFrom = useRef<number | null>(null);
  useEffect(() => {
    for (const tr of wrap.current?.querySelectorAll<HTMLElement>('tbody tr') ?? []) tr.draggable = canEdit;
  });
  const rows = rowsOf(items, tracks);
  const playable = items.map((it) => tracks.get(it.trackId)).filter((t): t is Track => !!t);
  if (items.length === 0)
    return (
      <Empty title="This playlist is empty">
        {canEdit ? 'Add songs with the “Add to playlist” button on any track.' : 'Nothing here yet.'}
      </Empty>
    );

  const play = (index: number) => {
    const track = tracks.get(items[index]!.trackId);
    if (!track) return;
    void player.playQueue(
      playable.map((t) => queueItem(t)),
      playable.indexOf(track),
      context,
    );
  };
  const itemAt = (index: number) => {
    const t = tracks.get(items[index]!.trackId);
    return t ? queueItem(t) : undefined;
  };
  const move = (from: number, to: number) => edit({ type: 'move', rangeStart: from, rangeLength: 1, insertBefore: to });
  /** Alt+Up / Alt+Down on a focused row moves it (the table's own keys move focus between rows). */
  const onKey = (e: KeyboardEvent) => {
    const row = e.target as HTMLElement;
    if (!canEdit || !e.altKey || row.tagName !== 'TR' || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    const at = [...(row.parentElement?.children ?? [])].indexOf(row);
    const up = e.key === 'ArrowUp';
    if (at < 0 || (up && at === 0) || (!up && at === items.length - 1)) return;
    e.preventDefault();
    follow.current = items[at]!.itemId;
    move(at, up ? at - 1 : at + 2);
  };

  const rowOf = (e: DragEvent) => (e.target as HTMLElement).closest<HTMLElement>('tbody tr');
  const indexOf = (row: HTMLElement | null) => (row ? [...(row.parentElement?.children ?? [])].indexOf(row) : -1);
  const mark = (row: HTMLElement | null) => {
    for (const tr of wrap.current?.querySelectorAll('.is-drop-target') ?? []) tr.classList.remove('is-drop-target');
    row?.classList.add('is-drop-target');
  };
  const drag = {
    onDragStart: (e: DragEvent) => {
      const at = indexOf(rowOf(e));
      if (!canEdit || at < 0) return;
      dragFrom.current = at;
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', rows[at]!.title);
    },
    onDragOver: (e: DragEvent) => {
      if (dragFrom.current === null) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      mark(rowOf(e));
    },
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      const from = dragFrom.current;
      const to = indexOf(rowOf(e));
      dragFrom.current = null;
      mark(null);
      // Dropped on a row: the dragged one takes that row's place.
      if (from !== null && to >= 0 && to !== from) move(from, to > from ? to + 1 : to);
    },
    onDragEnd: () => {
      dragFrom.current = null;
      mark(null);
    },
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Alt+arrow keys and dragging reorder the rows
    <div ref={wrap} className={canEdit ? 'playlist-tracks is-editable' : 'playlist-tracks'} onKeyDown={onKey} {...drag}>
      <TrackTable
        rows={rows}
        label={`${name} tracks`}
        showAlbum
        showArt
        current={currentId ? items.findIndex((it) => it.trackId === currentId) : -1}
        playing={playing}
        onPlay={play}
        onPrepare={(i) => {
          const t = tracks.get(items[i]!.trackId);
          if (t) player.prepare(queueItem(t));
        }}
        actions={(i, row, tabIndex) => (
          <div className="row-actions">
            <SaveButton kind="track" id={row.id} name={row.title} tabIndex={tabIndex} />
            <TrackMenu id={row.id} title={row.title} item={itemAt(i)} tabIndex={tabIndex} />
            {canEdit && (
              <>
                <button
                  type="button"
                  className="icon-button small"
                  aria-label={`Move ${row.title} up`}
                  title="Move up (Alt+Up)"
                  tabIndex={tabIndex}
                  disabled={i === 0}
                  onClick={() => move(i, i - 1)}
                >
                  <Icon name="up" size={16} />
                </button>
                <button
                  type="button"
                  className="icon-button small"
                  aria-label={`Move ${row.title} down`}
                  title="Move down (Alt+Down)"
                  tabIndex={tabIndex}
                  disabled={i === items.length - 1}
                  onClick={() => move(i, i + 2)}
                >
                  <Icon name="down" size={16} />
                </button>
                <button
                  type="button"
                  className="icon-button small danger"
                  aria-label={`Remove ${row.title} from this playlist`}
                  title="Remove from this playlist"
                  tabIndex={tabIndex}
                  onClick={() => edit({ type: 'remove', tracks: [{ trackId: row.id, positions: [i] }] })}
                >
                  <Icon name="trash" size={16} />
                </button>
              </>
            )}
          </div>
        )}
      />
    </div>
  );
}
