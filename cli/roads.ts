import path from 'node:path';
import type { Command } from 'commander';
import { importRoadNetwork, type RoadImportProgress, type RoadImportResult } from '../server/roads/import.ts';
import type { CliIo } from './io.ts';
import { FileProgress, type OutputStream } from './progress.ts';

const PASS_LABEL: Record<string, string> = { ways: 'pass 1: ways ', nodes: 'pass 2: nodes' };

/** A file size for people: "40 KB", "3.0 MB". */
export function fileSize(bytes: number): string {
  return bytes < 1e6 ? `${Math.ceil(bytes / 1e3)} KB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Road import progress on stderr: a cli-progress bar per pass over the file (% of bytes, MB) on a
 * terminal, otherwise a line every 10 % of the file; one line per storing step either way.
 */
export class RoadImportProgressBar {
  /** The pass over the file under way (ways, nodes); undefined in the storing steps. */
  private pass: FileProgress | undefined;
  private phase: string | undefined;
  private lastDetail = '';

  constructor(private readonly out: OutputStream) {}

  update(p: RoadImportProgress): void {
    if (p.phase !== this.phase) {
      this.pass?.finish();
      this.phase = p.phase;
      this.pass =
        p.phase === 'ways' || p.phase === 'nodes'
          ? new FileProgress(this.out, p.totalBytes, `${PASS_LABEL[p.phase]} [{bar}] {percentage}% of ${fileSize(p.totalBytes)} | {detail} | {duration_formatted}`, {
              detail: p.detail,
            })
          : undefined;
    }
    if (this.pass) {
      this.pass.update(p.bytesRead, { detail: p.detail }, (percent) => `${PASS_LABEL[p.phase]?.trim()}: ${Math.floor(percent)}% of ${fileSize(p.totalBytes)} read, ${p.detail}`);
      return;
    }
    if (p.detail !== this.lastDetail) this.out.write(`${p.phase}: ${p.detail}\n`);
    this.lastDetail = p.detail;
  }

  stop(): void {
    this.pass?.finish();
  }
}

/** The counts an import prints. */
export function summarizeRoadImport(r: RoadImportResult): string {
  const lines = [
    `Road network from ${path.basename(r.file)} (${r.format === 'pbf' ? 'OSM PBF' : 'OSM XML'}):`,
    `  ways       ${r.ways}`,
    `  nodes      ${r.nodes} (${r.junctions} junctions)`,
    `  edges      ${r.edges} (${r.urbanEdges} urban)`,
    `  segments   ${r.segments}`,
    `  length     ${r.lengthKm.toFixed(1)} km`,
  ];
  if (r.missingNodeRefs) lines.push(`Note: ${r.missingNodeRefs} way positions refer to nodes the file does not hold (roads leaving the extract); the ways are cut there.`);
  if (r.unparsedMaxspeeds) lines.push(`Note: ${r.unparsedMaxspeeds} ways have a maxspeed that could not be read; they are stored without a limit.`);
  lines.push(`Import ${r.importId} finished in ${(r.durationMs / 1000).toFixed(1)} s; it replaced the previous road network.`);
  return `${lines.join('\n')}\n`;
}

/** `roadsafe import roads FILE`. */
export function registerRoadCommands(_program: Command, importCommand: Command, io: CliIo): void {
  importCommand
    .command('roads')
    .description('Import an OpenStreetMap extract (.osm.pbf, .osm or .osm.gz) as the road network, replacing the stored one in one transaction')
    .argument('<file>', 'OpenStreetMap extract, e.g. lancashire-latest.osm.pbf')
    .option('--include-service', 'also keep highway=service (access roads, car parks, driveways)')
    .option('--include-paths', 'also keep footways, cycleways, paths, tracks, pedestrian streets, bridleways and steps')
    .addHelpText(
      'after',
      `
Keeps highway ways from motorway down to residential, unclassified and living_street, with their ref,
name, class, maxspeed (mph) and one-way, as a routable graph and scoring segments (≤ 100 m urban,
≤ 200 m rural) in EPSG:27700. The file is read twice (ways, then only their nodes); memory grows with
the road network, not the file.`,
    )
    .action(async (file: string, opts: { includeService?: boolean; includePaths?: boolean }) => {
      const progress = new RoadImportProgressBar(io.stderr);
      const result = await io.withDb((db) =>
        importRoadNetwork(db.knex, file, {
          includeService: opts.includeService,
          includePaths: opts.includePaths,
          startedBy: 'cli',
          onProgress: (p) => progress.update(p),
        }).finally(() => progress.stop()),
      );
      io.stdout.write(summarizeRoadImport(result));
    });
}
