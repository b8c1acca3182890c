import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api, seg } from '../../api/client.js';
import type { StudioAlbum, StudioTrack } from '../../api/types.js';
import { albumType, plural, year } from '../../format.js';
import { Link } from '../../router.js';
import { Artwork } from '../../ui/artwork.js';
import { Icon } from '../../ui/icons.js';
import { Loading, Section, Title } from '../../ui/page.js';
import { toast } from '../../ui/toasts.js';
import { useBusy } from '../../ui/use-busy.js';
import { AlbumFields, StatusBadge } from './studio-home.js';
import { isBusy, StudioTracks } from './studio-tracks.js';
import { ArtworkUploader, TrackUploader } from './uploads.js';

const POLL_MS = 1000;

/** The album as the server has it, re-read every second while any of its tracks is being ingested. */
function useStudioAlbum(id: string) {
  const [album, setAlbum] = useState<StudioAlbum | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const path = `/v1/studio/albums/${seg(id)}`;
  const reload = useCallback(
    (signal?: AbortSignal) =>
      api.get<StudioAlbum>(path, signal).then(setAlbum, (err: Error) => {
        if (!signal?.aborted) setError(err);
      }),
    [path],
  );
  useEffect(() => {
    const controller = new AbortController();
    void reload(controller.signal);
    return () => controller.abort();
  }, [reload]);
  const polling = album?.tracks.some(isBusy) ?? false;
  useEffect(() => {
    if (!polling) return;
    const controller = new AbortController();
    const timer = setInterval(() => void reload(controller.signal), POLL_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [polling, reload]);
  return { album, setAlbum, error, polling };
}

function DetailsForm({ album, onSaved }: { album: StudioAlbum; onSaved: (a: StudioAlbum) => void }) {
  const [name, setName] = useState(album.name);
  const [kind, setKind] = useState(album.album_type);
  const [date, setDate] = useState(album.release_date ?? '');
  const [busy, run] = useBusy();
  const changed = name !== album.name || kind !== album.album_type || date !== (album.release_date ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      onSaved(
        await api.patch<StudioAlbum>(`/v1/studio/albums/${seg(album.id)}`, {
          name: name.trim(),
          album_type: kind,
          // An emptied date clears the stored one (left out, the server would keep it).
          release_date: date || null,
        }),
      );
      toast('Details saved');
    });
  };
  return (
    <form className="panel form form-inline" onSubmit={submit} aria-label="Album details">
      <AlbumFields name={name} kind={kind} date={date} onName={setName} onKind={setKind} onDate={setDate} />
      <button type="submit" className="button button-outline" disabled={busy || !changed || !name.trim()}>
        Save details
      </button>
    </form>
  );
}

/** `/studio/album/{id}`: artwork, details, track uploads with ingest progress, order, publishing. */
export function StudioAlbumScreen({ id }: { id: string }) {
  const { album, setAlbum, error, polling } = useStudioAlbum(id);
  const [busy, run] = useBusy();
  const live = album?.tracks.filter((t) => t.status !== 'retired') ?? [];

  const move = async (index: number, by: -1 | 1) => {
    if (!album) return;
    const order = [...live];
    const [moved] = order.splice(index, 1);
    order.splice(index + by, 0, moved!);
    const before = album;
    setAlbum({ ...album, tracks: order });
    try {
      setAlbum(
        await api.put<StudioAlbum>(`/v1/studio/albums/${seg(id)}/tracks`, { track_ids: order.map((t) => t.id) }),
      );
    } catch (err) {
      setAlbum(before);
      toast((err as Error).message, 'error');
    }
  };

  const remove = async (track: StudioTrack) => {
    if (!album || !confirm(`Delete “${track.name}” from this album?`)) return;
    try {
      await api.delete(`/v1/studio/tracks/${seg(track.id)}`);
      setAlbum({ ...album, tracks: album.tracks.filter((t) => t.id !== track.id) });
      toast(`Deleted “${track.name}”`);
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  };

  const setPublished = (publish: boolean) =>
    run(async () => {
      setAlbum(await api.post<StudioAlbum>(`/v1/studio/albums/${seg(id)}/${publish ? 'publish' : 'unpublish'}`));
      toast(publish ? 'Published: listeners can find it now' : 'Unpublished: back to draft');
    });

  const load = album
    ? { data: album, error: null, loading: false as const }
    : { data: null, error, loading: error === null };

  return (
    <Loading load={load}>
      {(a) => (
        <div className="page studio-page">
          <Link to="/studio" className="back-link">
            <Icon name="back" size={16} /> Studio
          </Link>
          <header className="studio-head">
            <Artwork images={a.images} size={180} seed={a.id} className="studio-art" />
            <div className="studio-head-text">
              <span className="hero-kind">
                {albumType(a.album_type)} <StatusBadge status={a.status} />
              </span>
              <Title className="studio-title">{a.name}</Title>
              <p className="muted">
                {[year(a.release_date), plural(live.length, 'track'), polling ? 'processing…' : '']
                  .filter(Boolean)
                  .join(' • ')}
              </p>
              <div className="studio-head-actions">
                <ArtworkUploader albumId={a.id} onUploaded={setAlbum} />
                {a.status === 'draft' ? (
                  <button
                    type="button"
                    className="button button-primary"
                    disabled={busy}
                    onClick={() => void setPublished(true)}
                  >
                    Publish
                  </button>
                ) : (
                  <>
                    <button
                      type="button"
                      className="button button-outline"
                      disabled={busy}
                      onClick={() => void setPublished(false)}
                    >
                      Unpublish
                    </button>
                    <Link to={`/album/${a.id}`} className="button button-outline">
                      View as listener
                    </Link>
                  </>
                )}
              </div>
            </div>
          </header>
          <Section title="Details">
            <DetailsForm key={`${a.name}|${a.album_type}|${a.release_date}`} album={a} onSaved={setAlbum} />
          </Section>
          <Section title="Upload tracks">
            <TrackUploader albumId={a.id} onUploaded={setAlbum} />
          </Section>
          <Section title="Tracks">
            <StudioTracks tracks={live} onMove={(i, by) => void move(i, by)} onDelete={(t) => void remove(t)} />
          </Section>
        </div>
      )}
    </Loading>
  );
}
