-- Audio features of each track (issue 16), computed in the background from its audio
-- (docs/audio-features.md). One row per track, for the media version it was computed from: a new
-- version is analysed again. A version that could not be analysed keeps its reason in `error`, with
-- no features, so it is not tried again.
create table audio_features (
  track_id text primary key references tracks (id) on delete cascade,
  media_version text not null,
  error text,
  danceability real,
  energy real,
  key smallint,
  loudness real,
  mode smallint,
  speechiness real,
  acousticness real,
  instrumentalness real,
  liveness real,
  valence real,
  tempo real,
  time_signature smallint,
  spectral_centroid real,
  spectral_rolloff real,
  spectral_flatness real,
  key_confidence real,
  tempo_confidence real,
  -- Which part of the track was analysed (the middle 90 s of a longer one).
  analysed_from_ms int,
  analysed_ms int,
  computed_at timestamptz not null default now(),
  check ((error is null) = (tempo is not null))
);
