import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web player is built into web/dist, which the server serves at `/` (src/http/web-app.ts).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      // ws: the live gateway (/v1/live) is a WebSocket.
      '/v1': { target: 'http://localhost:4533', ws: true },
      '/api': 'http://localhost:4533',
      '/audio': 'http://localhost:4533',
      '/images': 'http://localhost:4533',
    },
  },
});
