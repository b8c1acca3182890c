import { Fragment, type KeyboardEvent, type ReactNode, useRef, useState } from 'react';
import type { AlbumSummary, SimplifiedTrack, Track } from '../api/types.js';
import { duration } from '../format.js';
import { usePlayerControls, usePlayerSelect } from '../player-context.js';
import { queueItem, queueItems } from '../queue-items.js';
import { Link } from '../router.js';
import { Artwork } from './artwork.js';
import { Icon } from './icons.js';
import { TrackActions } from './track-actions.js';

/** One line of a track table, whatever it was built from (catalog track or queue entry). */
export interface TrackRow {
  key: string;
  id: string;
  title: string;
  artists: { id?: string; name: string }[];
  album?: { id?: string; name: string };
  image?: string;
  durationMs: number;
  number: number;
  explicit?: boolean;
}

/**
 * A table of tracks with one tab stop: the active row. Up/Down/Home/End move between rows, Tab
 * reaches the active row's links, Enter or a double click plays from a row (`onPlay`). `current`
 * marks the row the player is on.
 */
export function TrackTable({
  rows,
  label,
  onPlay,
  onPrepare,
  current = -1,
  playing = false,
  showAlbum = false,
  showArt = false,
  actions,
}: {
  rows: TrackRow[];
  label: string;
  onPlay: (index: number) => void;
  /** A play from this row is likely (hovered or focused): fetch ahead what it needs. */
  onPrepare?: (index: number) => void;
  current?: number;
  playing?: boolean;
  showAlbum?: boolean;
  showArt?: boolean;
  /** Buttons at the end of a row; `tabIndex` keeps them in the table's single tab stop. */
  actions?: (index: number, row: TrackRow, tabIndex: number) => ReactNode;
}) {
  const player = usePlayerControls();
  const [active, setActive] = useState(0);
  const body = useRef<HTMLTableSectionElement>(null);
  const focusRow = (index: number) => {
    const target = Math.max(0, Math.min(rows.length - 1, index));
    setActive(target);
    (body.current?.children[target] as HTMLElement | undefined)?.focus();
  };
  const onKey = (e: KeyboardEvent<HTMLTableRowElement>, index: number) => {
    if (e.target !== e.currentTarget || e.altKey || e.ctrlKey || e.metaKey) return;
    const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: rows.length - 1 };
    if (e.key === 'Enter') onPlay(index);
    else if (e.key in moves) focusRow(moves[e.key]!);
    else return;
    e.preventDefault();
  };
  const tab = (i: number) => (i === Math.min(active, rows.length - 1) ? 0 : -1);
  const columns = `track-table${showAlbum ? ' with-album' : ''}${actions ? ' with-actions' : ''}`;
  return (
    <table className={columns} aria-label={label}>
      <colgroup>
        <col className="col-num" />
        <col />
        {showAlbum && <col className="col-album track-album" />}
        <col className="col-time" />
        {actions && <col className="col-actions" />}
      </colgroup>
      <thead className="track-head">
        <tr className="track-row">
          <th scope="col" className="track-num">
            #
          </th>
          <th scope="col">Title</th>
          {showAlbum && (
            <th scope="col" className="track-album">
              Album
            </th>
          )}
          <th scope="col" className="track-time">
            <Icon name="clock" size={16} />
            <span className="visually-hidden">Duration</span>
          </th>
          {actions && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody ref={body}>
        {rows.map((row, i) => {
          const isCurrent = i === current;
          return (
            <tr
              key={row.key}
              tabIndex={tab(i)}
              onFocus={() => {
                setActive(i);
                onPrepare?.(i);
              }}
              onPointerEnter={() => onPrepare?.(i)}
              className={`track-row${isCurrent ? ' is-current' : ''}`}
              aria-current={isCurrent ? 'true' : undefined}
              data-track-id={row.id}
              onDoubleClick={() => onPlay(i)}
              onKeyDown={(e) => onKey(e, i)}
            >
              <td className="track-num">
                <span className="track-index">
                  {isCurrent && playing ? <span className="eq" role="img" aria-label="Playing" /> : row.number}
                </span>
                <button
                  type="button"
                  className="track-play"
                  tabIndex={-1}
                  aria-label={`${isCurrent && playing ? 'Pause' : 'Play'} ${row.title}`}
                  onClick={() => (isCurrent && playing ? void player.pause() : onPlay(i))}
                >
                  <Icon name={isCurrent && playing ? 'pause' : 'play'} size={16} />
                </button>
              </td>
              <td>
                <div className="track-main">
                  {showArt && (
                    <Artwork src={row.image} size={40} seed={row.album?.id ?? row.id} className="track-art" />
                  )}
                  <div className="track-text">
                    <Link to={`/track/${row.id}`} className="track-title" tabIndex={tab(i)}>
                      {row.title}
                    </Link>
                    <span className="track-artists">
                      {row.explicit && (
                        <span className="explicit" title="Explicit" role="img" aria-label="Explicit">
                          E
                        </span>
                      )}
                      {row.artists.map((a, j) => (
                        <Fragment key={a.id ?? a.name}>
                          {j > 0 && ', '}
                          {a.id ? (
                            <Link to={`/artist/${a.id}`} tabIndex={tab(i)}>
                              {a.name}
                            </Link>
                          ) : (
                            a.name
                          )}
                        </Fragment>
                      ))}
                    </span>
                  </div>
                </div>
              </td>
              {showAlbum && (
                <td className="track-album">
                  {row.album?.id ? (
                    <Link to={`/album/${row.album.id}`} tabIndex={tab(i)}>
                      {row.album.name}
                    </Link>
                  ) : (
                    row.album?.name
                  )}
                </td>
              )}
              <td className="track-time">{duration(row.durationMs)}</td>
              {actions && <td className="track-actions">{actions(i, row, tab(i))}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Rows for catalog tracks; `album` fills in artwork and album for tracks listed without one. */
export function catalogRows(tracks: (SimplifiedTrack | Track)[], album?: AlbumSummary, numbered = false): TrackRow[] {
  const items = queueItems(tracks, album);
  return tracks.map((t, i) => ({
    key: `${t.id}-${i}`,
    id: t.id,
    title: t.name,
    artists: t.artists,
    album: items[i]!.albumId ? { id: items[i]!.albumId, name: items[i]!.album ?? '' } : undefined,
    image: items[i]!.image,
    durationMs: t.duration_ms,
    number: numbered ? t.track_number : i + 1,
    explicit: t.explicit,
  }));
}

/** A track table over catalog tracks that plays them as a queue started from `context`. */
export function CatalogTracks({
  tracks,
  album,
  context,
  contextName = null,
  label,
  numbered = false,
  showAlbum = false,
  showArt = false,
  actions,
}: {
  tracks: (SimplifiedTrack | Track)[];
  album?: AlbumSummary;
  context: string;
  /** The queue's name while it plays, when it has one of its own (a radio's). */
  contextName?: string | null;
  label: string;
  numbered?: boolean;
  showAlbum?: boolean;
  showArt?: boolean;
  /** The end of each row, in place of the usual save / add to playlist / "…" actions. */
  actions?: (index: number, row: TrackRow, tabIndex: number) => ReactNode;
}) {
  const player = usePlayerControls();
  // Only what the rows show: the table re-renders when the current track or play/pause changes, not
  // on every tick of the play head.
  const currentId = usePlayerSelect((s, p) => (p.context === context ? s.queue[s.index]?.id : undefined));
  const playing = usePlayerSelect((s) => s.status === 'playing' || s.status === 'loading');
  const current = currentId ? tracks.findIndex((t) => t.id === currentId) : -1;
  return (
    <TrackTable
      rows={catalogRows(tracks, album, numbered)}
      label={label}
      current={current}
      playing={playing}
      showAlbum={showAlbum}
      showArt={showArt}
      onPlay={(i) => void player.playQueue(queueItems(tracks, album), i, context, contextName)}
      onPrepare={(i) => player.prepare(queueItem(tracks[i]!, album))}
      actions={
        actions ??
        ((i, row, tabIndex) => (
          <TrackActions id={row.id} title={row.title} item={queueItem(tracks[i]!, album)} tabIndex={tabIndex} />
        ))
      }
    />
  );
}
