import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

// Multi-page build: the public map (index.html) and the staff pages.
export default defineConfig({
  root,
  base: '/',
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    rollupOptions: {
      input: {
        map: path.join(root, 'index.html'),
      },
    },
  },
});
