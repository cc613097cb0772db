import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { importSitesCsv } from '../server/sites/register-csv.ts';
import { importSpeedSurveys } from '../server/sites/survey-import.ts';
import type { CliIo } from './io.ts';

async function readText(file: string, noun: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`Cannot read the ${noun} file ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, { cause: err });
  }
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

/** `roadsafe import sites FILE.csv` and `roadsafe import speed-survey FILE [--site REF]`. */
export function registerSiteCommands(_program: Command, importCommand: Command, io: CliIo): void {
  importCommand
    .command('sites')
    .description('Import the enforcement site register from CSV, upserting by reference, all or nothing; every change is recorded (actor "import:<file>")')
    .argument('<file>', 'CSV with the columns below (GET /api/sites?format=csv exports the same)')
    .addHelpText(
      'after',
      `
Columns (header names are case-insensitive; * = required):
  reference*                    stable id, e.g. LAN-0001 (re-imports match on it)
  category*                     mobile_route, community_concern, motorway or fixed_site
  road_number                   e.g. A584 (blank for unnumbered roads)
  road_name*                    e.g. Preston New Rd
  qualifier                     e.g. from Clifton Business Park to Blackpool Rd
  direction                     e.g. eastbound, both directions
  locality*                     e.g. Freckleton
  district_code                 ONS code; blank: the district holding most of the stretch
  highway_authority             e.g. Lancashire County Council
  speed_limit_mph*              20, 30, 40, 50, 60 or 70
  limit_kind                    limit (default) or zone
  stretch_wkt*                  LINESTRING(lon lat, lon lat, ...) in WGS84
  parking                       "lon lat direction/direction | description" separated by ";"
                                e.g. -2.9101 53.7512 eastbound | lay-by; -2.9012 53.7533 westbound
  risk_assessed_on              YYYY-MM-DD
  risk_assessment_expires_on    YYYY-MM-DD (the site cannot be scheduled after it)
  daylight_only, no_weekends, school_times_only   true/false (blank = false)
  time_windows                  local windows, e.g. 07:30-09:30;14:30-16:30
  suspensions                   "YYYY-MM-DD..YYYY-MM-DD reason" separated by ";"
  warning_signs                 true/false (blank = true)
  visibility_m                  metres the van is visible from
  notes                         free text
A literal ";" or "|" in a description or reason is written "\\;" or "\\|".

Example:
  roadsafe import sites lancashire-sites.csv`,
    )
    .action(async (file: string) => {
      const text = await readText(file, 'sites');
      const result = await io.withDb((db) => importSitesCsv(db.knex, file, text));
      io.stdout.write(`${path.basename(file)}: ${result.rows} sites — ${result.inserted} new, ${result.updated} changed, ${result.unchanged} unchanged\n`);
      if (result.ignoredColumns.length) io.stdout.write(`Ignored columns (not stored): ${result.ignoredColumns.join(', ')}\n`);
    });

  importCommand
    .command('speed-survey')
    .description('Import speed surveys (per-vehicle speeds or binned counts) and compute mean, 85th percentile and shares over the limit and threshold; re-importing a survey reference replaces it')
    .argument('<file>', 'CSV, per vehicle or binned (the shape is read from the header)')
    .option('--site <reference>', 'link every survey in the file to this register site (overrides site_reference)')
    .addHelpText(
      'after',
      `
Shapes (one survey_reference per survey; a file may hold several):
  per vehicle: survey_reference, site_reference, date, time, direction, speed_mph, speed_limit_mph
  binned:      survey_reference, site_reference, from_date, to_date, direction, speed_limit_mph, bin_from_mph, bin_to_mph, count

Method: per vehicle, the 85th percentile interpolates between the closest ranks ((n - 1) x 0.85);
binned, bins are [from, to) mph with vehicles spread evenly inside, and the 85th percentile and the
shares over a speed are interpolated within the bin. "Over the limit" is faster than the limit; "over
the threshold" is at or above limit x 1.1 + 2 (25, 35, 46, 57, 68, 79 mph; 20 mph rounding is the
threshold20Mph criteria setting).

Example:
  roadsafe import speed-survey atc-garstang-rd-2026-02.csv --site LAN-0042`,
    )
    .action(async (file: string, opts: { site?: string }) => {
      const text = await readText(file, 'speed survey');
      const result = await io.withDb((db) => importSpeedSurveys(db.knex, file, text, { siteReference: opts.site }));
      io.stdout.write(`${path.basename(file)}: ${result.rows} rows (${result.shape === 'binned' ? 'binned counts' : 'per vehicle'}), ${result.surveys.length} survey${result.surveys.length === 1 ? '' : 's'}\n`);
      for (const s of result.surveys) {
        io.stdout.write(
          `  ${s.reference}${s.siteReference ? ` (site ${s.siteReference})` : ''} ${s.surveyedFrom}..${s.surveyedTo}: ${s.vehicles} vehicles, mean ${s.meanMph.toFixed(1)} mph, ` +
            `85th percentile ${s.p85Mph.toFixed(1)} mph, ${pct(s.shareOverLimit)} over ${s.speedLimitMph}, ${pct(s.shareOverThreshold)} at or over ${s.thresholdMph}` +
            `${s.replaced ? ' (replaced)' : ''}\n`,
        );
      }
      if (result.unlinkedSiteReferences.length) {
        io.stdout.write(`Not in the register yet (kept; linked when the site is added): ${result.unlinkedSiteReferences.join(', ')}\n`);
      }
    });
}
