import { Type } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import type { StoredFeatures } from '../../core/features/types.js';
import { uri } from '../../core/ids.js';
import type { App } from '../server.js';
import { baseUrl } from '../shapes.js';

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Spotify's audio-features object. Cadenza has no audio-analysis endpoint, so `analysis_url` names
 * this object itself (docs/audio-features.md).
 */
function shape(base: string, f: StoredFeatures) {
  return {
    acousticness: round(f.acousticness),
    analysis_url: `${base}/v1/audio-features/${f.trackId}`,
    danceability: round(f.danceability),
    duration_ms: f.durationMs,
    energy: round(f.energy),
    id: f.trackId,
    instrumentalness: round(f.instrumentalness),
    key: f.key,
    liveness: round(f.liveness),
    loudness: round(f.loudness),
    mode: f.mode,
    speechiness: round(f.speechiness),
    tempo: round(f.tempo),
    time_signature: f.timeSignature,
    track_href: `${base}/v1/tracks/${f.trackId}`,
    type: 'audio_features' as const,
    uri: uri('track', f.trackId),
    valence: round(f.valence),
  };
}

export function registerAudioFeatureRoutes(app: App, { audioFeatures, config }: Services): void {
  const tags = ['audio-features'];

  app.get(
    '/v1/audio-features/:id',
    { config: { access: 'user' }, schema: { tags, params: Type.Object({ id: Type.String() }) } },
    async (request) => shape(baseUrl(request, config.publicUrl), await audioFeatures.one(request.params.id)),
  );

  app.get(
    '/v1/audio-features',
    {
      config: { access: 'user' },
      schema: { tags, querystring: Type.Object({ ids: Type.String() }, { additionalProperties: false }) },
    },
    async (request) => {
      const base = baseUrl(request, config.publicUrl);
      const found = await audioFeatures.several(request.query.ids.split(','));
      return { audio_features: found.map((f) => (f ? shape(base, f) : null)) };
    },
  );
}
