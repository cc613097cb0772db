import path from 'node:path';
import { Option, type Command } from 'commander';
import { importConcerns } from '../server/concerns/import.ts';
import { SOURCES, type Source } from '../server/concerns/model.ts';
import type { CliIo } from './io.ts';

/** `roadsafe import concerns FILE.csv [--source community_survey]`. */
export function registerConcernCommands(_program: Command, importCommand: Command, io: CliIo): void {
  importCommand
    .command('concerns')
    .description(
      'Import community concerns from a CSV (a survey export, a parish council list…), all or nothing; re-importing updates rows by (source, reference)',
    )
    .argument('<file>', 'CSV with a header: reference, date, category, description, and longitude+latitude, easting+northing, wkt or geojson; optional when/days/times, location_text, email, name')
    .addOption(
      new Option('--source <source>', 'where the rows came from (part of the key that makes re-imports idempotent)')
        .choices(SOURCES.filter((s) => s !== 'public_form'))
        .default('community_survey'),
    )
    .addHelpText(
      'after',
      `
Columns (header names are case-insensitive; alternatives in brackets):
  reference (external_id, id)   the source's own id for the row             required
  date (reported_on)            YYYY-MM-DD or DD/MM/YYYY                     required
  category                      speeding, antisocial_driving, drink_driving, dangerous_driving, parking, other (or their labels)
  description (details)         what happens                                 required
  longitude, latitude           a point, WGS84                               one location per row
  easting, northing             a point, British National Grid metres
  wkt                           POINT(lon lat) or LINESTRING(lon lat, …)
  geojson                       a GeoJSON Point or LineString
  when / days / times           e.g. "weekdays; morning 15:00-16:00"        optional
  location_text, email, name                                                  optional (email and name stay private)

Example:
  roadsafe import concerns parish-survey-2026.csv --source parish_council`,
    )
    .action(async (file: string, opts: { source: Source }) => {
      const result = await io.withDb((db) => importConcerns(db.knex, file, { source: opts.source }));
      io.stdout.write(
        `${path.basename(file)}: ${result.rows} concerns (source ${result.source}) — ${result.inserted} new, ${result.updated} changed, ${result.unchanged} unchanged\n`,
      );
      if (result.ignoredColumns.length) io.stdout.write(`Ignored columns (not stored): ${result.ignoredColumns.join(', ')}\n`);
    });
}
