-- What `cadenza import` keeps of a library (issue 15): enough about each file to re-scan 100,000 files
-- with a stat each, to group two formats of one recording under one track and fall back from one to the
-- other without reading either again, and the tags that later features (lyrics, MusicBrainz) need.

-- The folder of each file: scans and the watcher work folder by folder.
alter table library_files add column folder text generated always as (regexp_replace(path, '/[^/]*$', '')) stored;
create index library_files_folder_idx on library_files (folder);
-- Prefix searches (`path like '/music/jazz/%'`) under a collation other than C.
create index library_files_path_prefix_idx on library_files (path text_pattern_ops);
-- The files of a track: its sources, best first.
create index library_files_track_idx on library_files (track_id) where track_id is not null;

-- The source's facts as the importer read them: its fingerprint (lazy.ts `sourceFingerprint`, the
-- lazy media version), its rank as a source (lossless first, then bitrate), its duration, and the
-- normalisation gain its ReplayGain tags suggest. Null for files imported before this migration.
alter table library_files
  add column fingerprint text,
  add column lossless boolean,
  add column bitrate int,
  add column duration_ms int,
  add column gain_db double precision;

-- Another copy of a recording is looked for on its album by disc and track number
-- (tracks_album_idx) or by title.
create index tracks_album_title_idx on tracks (album_id, lower(name));

-- MusicBrainz identifiers when the tags carry them, and embedded lyrics for the lyrics service.
alter table tracks
  add column musicbrainz_recording_id text,
  add column musicbrainz_track_id text,
  add column lyrics text;
alter table albums
  add column musicbrainz_release_id text,
  add column musicbrainz_release_group_id text;
alter table artists add column musicbrainz_artist_id text;
