import { type FormEvent, useState } from 'react';
import { api } from '../../api/client.js';
import type { StudioAlbum } from '../../api/types.js';
import { useApi } from '../../api/use-api.js';
import { albumType, plural, year } from '../../format.js';
import { canUseStudio, useMe } from '../../me.js';
import { Link, navigate } from '../../router.js';
import { Artwork } from '../../ui/artwork.js';
import { Empty, Loading, Section, Title } from '../../ui/page.js';

type AlbumKind = StudioAlbum['album_type'];

/** The fields of a draft album: name, type, release date. */
export function AlbumFields({
  name,
  kind,
  date,
  onName,
  onKind,
  onDate,
}: {
  name: string;
  kind: AlbumKind;
  date: string;
  onName: (v: string) => void;
  onKind: (v: AlbumKind) => void;
  onDate: (v: string) => void;
}) {
  return (
    <>
      <label className="field field-grow">
        <span>Name</span>
        <input name="name" required maxLength={200} value={name} onChange={(e) => onName(e.target.value)} />
      </label>
      <label className="field">
        <span>Type</span>
        <select className="select" name="album_type" value={kind} onChange={(e) => onKind(e.target.value as AlbumKind)}>
          <option value="album">Album</option>
          <option value="single">Single</option>
          <option value="compilation">Compilation</option>
        </select>
      </label>
      <label className="field">
        <span>Release date</span>
        <input name="release_date" type="date" value={date} onChange={(e) => onDate(e.target.value)} />
      </label>
      {date && (
        // A date input is hard to empty by hand (each part separately); undated is a real choice.
        <button type="button" className="button button-outline" onClick={() => onDate('')}>
          Clear date
        </button>
      )}
    </>
  );
}

function NewAlbumForm() {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<AlbumKind>('album');
  const [date, setDate] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const album = await api.post<StudioAlbum>('/v1/studio/albums', {
        name: name.trim(),
        album_type: kind,
        release_date: date || undefined,
      });
      navigate(`/studio/album/${album.id}`, { focus: true });
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <form className="panel form form-inline" onSubmit={submit} aria-label="New album">
      <AlbumFields name={name} kind={kind} date={date} onName={setName} onKind={setKind} onDate={setDate} />
      <button type="submit" className="button button-primary" disabled={busy || !name.trim()}>
        Create draft
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function StatusBadge({ status }: { status: StudioAlbum['status'] }) {
  return <span className={`badge badge-${status}`}>{status === 'published' ? 'Published' : 'Draft'}</span>;
}

/** `/studio`: the artist's albums (drafts and published) and a form for a new draft. */
export function StudioHome() {
  const me = useMe();
  const load = useApi<{ items: StudioAlbum[] }>(canUseStudio(me) ? '/v1/studio/albums' : null);
  if (!canUseStudio(me))
    return (
      <div className="page">
        <Title>Studio</Title>
        <Empty title="The studio is for artist accounts">Ask an admin to make your account an artist account.</Empty>
      </div>
    );
  return (
    <div className="page">
      <Title>Studio</Title>
      <p className="lead">Upload your music, build albums and publish them to listeners.</p>
      <Section title="New album">
        <NewAlbumForm />
      </Section>
      <Section title="Your releases">
        <Loading load={load}>
          {(data) =>
            data.items.length === 0 ? (
              <Empty title="No releases yet">Create a draft above, then upload its tracks.</Empty>
            ) : (
              <ul className="studio-albums" aria-label="Your releases">
                {data.items.map((a) => {
                  const live = a.tracks.filter((t) => t.status !== 'retired');
                  const busy = live.some((t) => t.status === 'processing');
                  const failed = live.filter((t) => t.status === 'failed').length;
                  return (
                    <li key={a.id} className="studio-album">
                      <Artwork images={a.images} size={64} seed={a.id} className="studio-album-art" />
                      <div className="studio-album-text">
                        <Link to={`/studio/album/${a.id}`} className="studio-album-name card-link">
                          {a.name}
                        </Link>
                        <span className="muted">
                          {[albumType(a.album_type), year(a.release_date), plural(live.length, 'track')]
                            .filter(Boolean)
                            .join(' • ')}
                          {busy && ' • processing…'}
                          {failed > 0 && ` • ${failed} failed`}
                        </span>
                      </div>
                      <StatusBadge status={a.status} />
                    </li>
                  );
                })}
              </ul>
            )
          }
        </Loading>
      </Section>
    </div>
  );
}
