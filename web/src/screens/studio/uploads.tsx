import { type FormEvent, useRef, useState } from 'react';
import { seg, upload } from '../../api/client.js';
import type { StudioAlbum } from '../../api/types.js';
import { Icon } from '../../ui/icons.js';

interface Upload {
  key: number;
  name: string;
  progress: number;
  error: string | null;
}

const AUDIO_ACCEPT = '.mp3,.flac,.ogg,.opus,.m4a,.aac,.wav,.aif,.aiff,audio/*';

/**
 * Track upload: a file and an optional title (the file name otherwise). Each upload shows its own
 * progress bar; several may run at once. `onUploaded` receives the album as the server now has it.
 */
export function TrackUploader({ albumId, onUploaded }: { albumId: string; onUploaded: (a: StudioAlbum) => void }) {
  const [title, setTitle] = useState('');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const nextKey = useRef(1);

  const change = (key: number, patch: Partial<Upload>) =>
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...patch } : u)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const files = [...(fileInput.current?.files ?? [])];
    if (files.length === 0) return;
    // A title applies to a single file; several files are named after themselves.
    const named = files.length === 1 ? title.trim() : '';
    setTitle('');
    if (fileInput.current) fileInput.current.value = '';
    await Promise.all(
      files.map(async (file) => {
        const key = nextKey.current++;
        setUploads((list) => [...list, { key, name: named || file.name, progress: 0, error: null }]);
        const form = new FormData();
        if (named) form.append('title', named);
        form.append('file', file);
        try {
          const album = await upload<StudioAlbum>('POST', `/v1/studio/albums/${seg(albumId)}/tracks`, form, (p) =>
            change(key, { progress: p }),
          );
          setUploads((list) => list.filter((u) => u.key !== key));
          onUploaded(album);
        } catch (err) {
          change(key, { error: (err as Error).message });
        }
      }),
    );
  };

  return (
    <div className="panel">
      <form className="form form-inline" onSubmit={submit} aria-label="Upload tracks">
        <label className="field field-grow">
          <span>Track title (optional)</span>
          <input
            name="title"
            maxLength={200}
            placeholder="From the file name"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </label>
        <label className="field field-grow">
          <span>Audio file</span>
          <input
            ref={fileInput}
            name="file"
            type="file"
            accept={AUDIO_ACCEPT}
            multiple
            required
            className="file-input"
          />
        </label>
        <button type="submit" className="button button-primary">
          <Icon name="upload" size={18} /> Upload track
        </button>
      </form>
      {uploads.length > 0 && (
        <ul className="uploads" aria-label="Uploads in progress">
          {uploads.map((u) => (
            <li key={u.key} className={`upload${u.error ? ' is-failed' : ''}`}>
              <span className="upload-name">{u.name}</span>
              {u.error ? (
                <>
                  <span className="upload-error" role="alert">
                    {u.error}
                  </span>
                  <button
                    type="button"
                    className="icon-button small"
                    aria-label={`Dismiss ${u.name}`}
                    onClick={() => setUploads((list) => list.filter((x) => x.key !== u.key))}
                  >
                    <Icon name="close" size={16} />
                  </button>
                </>
              ) : (
                <>
                  <progress
                    className="progress"
                    max={1}
                    value={u.progress}
                    aria-label={`Uploading ${u.name}`}
                    data-testid="upload-progress"
                  />
                  <span className="upload-pct">{Math.round(u.progress * 100)}%</span>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Artwork upload through a styled file input; the picture is sent as soon as it is chosen. */
export function ArtworkUploader({ albumId, onUploaded }: { albumId: string; onUploaded: (a: StudioAlbum) => void }) {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async (file: File) => {
    setError(null);
    setProgress(0);
    const form = new FormData();
    form.append('file', file);
    try {
      onUploaded(await upload<StudioAlbum>('PUT', `/v1/studio/albums/${seg(albumId)}/image`, form, setProgress));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setProgress(null);
    }
  };
  return (
    <div className="artwork-upload">
      <label className="button button-outline file-button">
        <Icon name="image" size={18} />
        {progress === null ? 'Upload artwork' : `Uploading ${Math.round(progress * 100)}%`}
        <input
          type="file"
          accept="image/jpeg,image/png,image/webp"
          className="visually-hidden"
          aria-label="Upload artwork"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void send(file);
          }}
        />
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
