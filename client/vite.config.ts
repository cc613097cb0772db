import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

// Multi-page build: the public map (index.html), the public hotspot, report and status pages, and the staff pages.
export default defineConfig({
  root,
  base: '/',
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    // MapLibre alone is about 1.1 MB minified (300 kB gzipped); splitting it would not make the map appear sooner.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: {
        map: path.join(root, 'index.html'),
        hotspot: path.join(root, 'hotspot.html'),
        report: path.join(root, 'report.html'),
        concern: path.join(root, 'concern.html'),
        staffLogin: path.join(root, 'staff/login.html'),
        staff: path.join(root, 'staff/index.html'),
        staffHotspots: path.join(root, 'staff/hotspots.html'),
        staffConcerns: path.join(root, 'staff/concerns.html'),
        enforcementSites: path.join(root, 'enforcement-sites.html'),
        staffSites: path.join(root, 'staff/sites.html'),
        staffPlans: path.join(root, 'staff/plans.html'),
      },
    },
  },
});
