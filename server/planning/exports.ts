import ical, { type ICalCalendar } from 'ical-generator';
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { AREA_ZONE, localClock } from '../../geo/calendar/time.ts';
import { csvLine } from '../collisions/csv.ts';
import { notFound } from '../http/errors.ts';
import type { InputsSnapshot, SiteDetail } from './inputs.ts';
import { planSessions, sessionReturns, type PlanRow, type SessionRow } from './store.ts';

/**
 * What crews and managers take away from a plan: the sessions as CSV, an iCalendar file per van,
 * the printable daily tasking sheet per crew, and after the month the delivery report (planned
 * vs delivered hours, detections by offence, sessions still without a return).
 */

const hours = (s: { arrive: Date; depart: Date }) => (s.depart.getTime() - s.arrive.getTime()) / 3_600_000;
const round2 = (v: number) => Math.round(v * 100) / 100;

function siteText(inputs: InputsSnapshot | null, siteId: number): string {
  return inputs?.siteDetails[siteId]?.text ?? `site ${siteId}`;
}

/** The plan's sessions as CSV (one line per session, cancelled ones included with their status). */
export async function sessionsCsv(knex: Knex, plan: PlanRow): Promise<string> {
  const rows = await planSessions(knex, plan.id);
  const inputs = plan.inputs;
  const header = ['plan_id', 'version', 'month', 'session_id', 'date', 'van', 'crew', 'shift', 'order', 'arrive', 'depart', 'hours', 'site_id', 'site_reference', 'site', 'district_code', 'fallback_site_ids', 'status', 'reason'];
  const iso = (d: Date) => DateTime.fromJSDate(d, { zone: AREA_ZONE }).toISO({ suppressMilliseconds: true });
  return [
    csvLine(header),
    ...rows.map((r) =>
      csvLine([
        plan.id,
        plan.version,
        plan.month,
        r.id,
        r.date,
        inputs?.vanDetails[r.van_id]?.callSign ?? r.van_id,
        inputs?.vanDetails[r.van_id]?.crew ?? '',
        r.shift,
        r.seq,
        iso(r.arrive),
        iso(r.depart),
        round2(hours(r)),
        r.site_id,
        inputs?.siteDetails[r.site_id]?.reference ?? '',
        siteText(inputs, r.site_id),
        inputs?.siteDetails[r.site_id]?.districtCode ?? '',
        r.fallback_site_ids.join(' '),
        r.status,
        r.reason,
      ]),
    ),
  ].join('');
}

/** Europe/London as a VTIMEZONE (the UK rule since 1996: BST from the last Sunday of March 01:00 UTC to the last Sunday of October). */
const EUROPE_LONDON_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/London',
  'X-LIC-LOCATION:Europe/London',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0000',
  'TZOFFSETTO:+0100',
  'TZNAME:BST',
  'DTSTART:19700329T010000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0000',
  'TZNAME:GMT',
  'DTSTART:19701025T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
].join('\r\n');

function parkingLines(site: SiteDetail | undefined): string[] {
  return (site?.parkingPositions ?? []).map(
    (p, i) => `Parking ${i + 1}: ${p.description || 'position'} (${p.lat.toFixed(5)}, ${p.lon.toFixed(5)})${p.directions.length ? `, enforce ${p.directions.join(', ')}` : ''}`,
  );
}

/** One van's planned sessions as an iCalendar file (Europe/London local times). */
export async function vanCalendar(knex: Knex, plan: PlanRow, vanId: number): Promise<ICalCalendar> {
  const van = plan.inputs?.vanDetails[vanId];
  if (!van) throw notFound(`Plan ${plan.id} has no van ${vanId}: its vans are ${Object.values(plan.inputs?.vanDetails ?? {}).map((v) => `${v.id} (${v.callSign})`).join(', ') || 'none'}.`);
  const rows = (await planSessions(knex, plan.id, { vanId })).filter((r) => r.status === 'planned');
  const calendar = ical({ name: `${van.callSign} ${plan.month} (plan ${plan.id} v${plan.version})`, prodId: { company: 'roadsafe', product: 'van-plan' } });
  calendar.timezone({ name: AREA_ZONE, generator: (tz) => (tz === AREA_ZONE ? EUROPE_LONDON_VTIMEZONE : null) });
  for (const r of rows) {
    const site = plan.inputs?.siteDetails[r.site_id];
    const fallbacks = r.fallback_site_ids.map((id) => `Fallback: ${siteText(plan.inputs, id)}`);
    calendar.createEvent({
      id: `plan-${plan.id}-session-${r.id}@roadsafe`,
      start: DateTime.fromJSDate(r.arrive).setZone(AREA_ZONE),
      end: DateTime.fromJSDate(r.depart).setZone(AREA_ZONE),
      timezone: AREA_ZONE,
      summary: `${van.callSign} ${r.shift} #${r.seq}: ${siteText(plan.inputs, r.site_id)}`,
      location: site ? `${site.text} (${site.lat.toFixed(5)}, ${site.lon.toFixed(5)})` : undefined,
      description: [siteText(plan.inputs, r.site_id), ...parkingLines(site), ...fallbacks, r.reason ? `Why: ${r.reason}` : ''].filter(Boolean).join('\n'),
    });
  }
  return calendar;
}

const escapeHtml = (s: unknown) =>
  String(s ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');

/** The printable tasking sheet of a date: one page per van shift, ordered sessions with travel, parking and fallbacks. */
export async function taskingSheet(knex: Knex, plan: PlanRow, date: string, vanId?: number): Promise<string> {
  const inputs = plan.inputs;
  const rows = (await planSessions(knex, plan.id, { date, vanId })).filter((r) => r.status === 'planned');
  const legQuery = knex('plan_legs').where({ plan_id: plan.id, date }).select('van_id', 'shift', 'seq', 'seconds', 'metres');
  if (vanId !== undefined) legQuery.where({ van_id: vanId });
  const legs = (await legQuery) as Array<{ van_id: number; shift: string; seq: number; seconds: number; metres: number }>;
  const legOf = (van: number, shift: string, seq: number) => legs.find((l) => l.van_id === van && l.shift === shift && l.seq === seq);
  const groups = new Map<string, SessionRow[]>();
  for (const r of rows) {
    const key = `${r.van_id}|${r.shift}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const minutes = (seconds: number | undefined) => (seconds === undefined ? '–' : `${Math.round(Number(seconds) / 60)} min`);
  const km = (metres: number | undefined) => (metres === undefined ? '' : ` (${(Number(metres) / 1000).toFixed(1)} km)`);
  const pages = [...groups.values()]
    .sort((a, b) => a[0]!.arrive.getTime() - b[0]!.arrive.getTime() || a[0]!.van_id - b[0]!.van_id)
    .map((list) => {
      list.sort((a, b) => a.seq - b.seq);
      const first = list[0]!;
      const van = inputs?.vanDetails[first.van_id];
      const shift = inputs?.shifts.find((s) => s.code === first.shift);
      const back = legOf(first.van_id, first.shift, list.length + 1);
      const items = list
        .map((r) => {
          const site = inputs?.siteDetails[r.site_id];
          const leg = legOf(r.van_id, r.shift, r.seq);
          const parking = (site?.parkingPositions ?? [])
            .map(
              (p) =>
                `<li>${escapeHtml(p.description || 'Parking position')} — ${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}${p.directions.length ? `; enforce ${escapeHtml(p.directions.join(', '))}` : ''}</li>`,
            )
            .join('');
          const fallbacks = r.fallback_site_ids.map((id) => `<li>${escapeHtml(siteText(inputs, id))}</li>`).join('');
          return `<li class="session">
  <p class="travel">Travel ${r.seq === 1 ? 'from base' : 'from the previous site'}: ${minutes(leg?.seconds)}${km(leg?.metres)}</p>
  <h3><span class="time">${localClock(r.arrive.getTime())}–${localClock(r.depart.getTime())}</span> ${escapeHtml(siteText(inputs, r.site_id))}</h3>
  <p class="ref">Site ${r.site_id}${site ? ` (${escapeHtml(site.reference)})` : ''}</p>
  ${parking ? `<h4>Parking positions</h4><ul>${parking}</ul>` : ''}
  ${fallbacks ? `<h4>Fallback sites</h4><ul>${fallbacks}</ul>` : ''}
</li>`;
        })
        .join('\n');
      return `<section class="sheet">
<h1>${escapeHtml(van?.callSign ?? `Van ${first.van_id}`)} — ${escapeHtml(date)} — ${escapeHtml(shift?.name ?? first.shift)}${shift ? ` ${shift.starts}–${shift.ends}` : ''}</h1>
<p class="crew">Crew: ${escapeHtml(van?.crew ?? '—')} · Base: ${escapeHtml(van?.baseName ?? '—')} · Plan ${plan.id} v${plan.version} (${escapeHtml(plan.status)})</p>
<ol class="sessions">
${items}
</ol>
<p class="travel">Travel back to base: ${minutes(back?.seconds)}${km(back?.metres)}</p>
<p class="return">Return after each session: hours delivered, vehicles checked, detections (speeding, seat belt, mobile phone, not in proper control), fallback used.</p>
</section>`;
    });
  const body = pages.length ? pages.join('\n') : `<p>No sessions on ${escapeHtml(date)}${vanId !== undefined ? ` for van ${vanId}` : ''} in plan ${plan.id}.</p>`;
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Tasking ${escapeHtml(date)} — plan ${plan.id}</title>
<style>
body { font: 11pt/1.4 system-ui, sans-serif; margin: 1.5cm; color: #000; }
h1 { font-size: 15pt; margin: 0 0 .3em; }
h3 { font-size: 12pt; margin: .2em 0; }
h4 { font-size: 10pt; margin: .4em 0 .1em; }
.time { font-variant-numeric: tabular-nums; margin-right: .5em; }
.travel, .ref, .crew { color: #333; margin: .1em 0; }
.session { margin-bottom: .8em; break-inside: avoid; }
.sheet + .sheet { margin-top: 2em; }
@media print {
  body { margin: 0; }
  .sheet { break-after: page; }
  .sheet:last-child { break-after: auto; }
}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Planned vs delivered hours per site and district, detections by offence, and sessions without a return. */
export async function deliveryReport(knex: Knex, plan: PlanRow, now: Date = new Date()) {
  const rows = (await planSessions(knex, plan.id)).filter((r) => r.status === 'planned');
  const returns = await sessionReturns(
    knex,
    rows.map((r) => r.id),
  );
  const inputs = plan.inputs;
  const zero = () => ({ speeding: 0, seatBelt: 0, mobilePhone: 0, notInProperControl: 0 });
  type Tally = { plannedSessions: number; plannedHours: number; returnedSessions: number; deliveredHours: number; vehiclesChecked: number; detections: ReturnType<typeof zero> };
  const tally = (): Tally => ({ plannedSessions: 0, plannedHours: 0, returnedSessions: 0, deliveredHours: 0, vehiclesChecked: 0, detections: zero() });
  const bySite = new Map<number, Tally>();
  const byDistrict = new Map<string, Tally>();
  const total = tally();
  const districtOf = (siteId: number) => inputs?.siteDetails[siteId]?.districtCode ?? '';
  const at = <K>(map: Map<K, Tally>, key: K) => map.get(key) ?? map.set(key, tally()).get(key)!;
  const missing: Array<{ sessionId: number; date: string; vanId: number; callSign: string | null; shift: string; siteId: number; siteText: string; overdue: boolean }> = [];
  for (const r of rows) {
    for (const t of [at(bySite, r.site_id), at(byDistrict, districtOf(r.site_id)), total]) {
      t.plannedSessions += 1;
      t.plannedHours += hours(r);
    }
    const ret = returns.get(r.id);
    if (!ret) {
      missing.push({
        sessionId: r.id,
        date: r.date,
        vanId: r.van_id,
        callSign: inputs?.vanDetails[r.van_id]?.callSign ?? null,
        shift: r.shift,
        siteId: r.site_id,
        siteText: siteText(inputs, r.site_id),
        overdue: r.depart.getTime() < now.getTime(),
      });
      continue;
    }
    // Delivered hours count where the van actually was (a fallback site when one was used).
    const actual = ret.actualSiteId ?? r.site_id;
    for (const t of [at(bySite, actual), at(byDistrict, districtOf(actual)), total]) {
      t.returnedSessions += 1;
      t.deliveredHours += ret.hoursDelivered;
      t.vehiclesChecked += ret.vehiclesChecked;
      for (const k of Object.keys(t.detections) as Array<keyof Tally['detections']>) t.detections[k] += ret.detections[k];
    }
  }
  const shown = (t: Tally) => ({ ...t, plannedHours: round2(t.plannedHours), deliveredHours: round2(t.deliveredHours) });
  const districtNames = new Map(
    ((await knex('districts').whereIn('code', [...byDistrict.keys()].filter(Boolean)).select('code', 'name')) as Array<{ code: string; name: string }>).map((d) => [d.code, d.name]),
  );
  return {
    planId: plan.id,
    month: plan.month,
    version: plan.version,
    status: plan.status,
    totals: shown(total),
    byOffence: total.detections,
    bySite: [...bySite]
      .map(([siteId, t]) => ({ siteId, siteText: siteText(inputs, siteId), districtCode: districtOf(siteId) || null, ...shown(t) }))
      .sort((a, b) => b.plannedHours - a.plannedHours || a.siteId - b.siteId),
    byDistrict: [...byDistrict]
      .map(([code, t]) => ({ districtCode: code || null, districtName: districtNames.get(code) ?? null, ...shown(t) }))
      .sort((a, b) => (a.districtCode ?? '').localeCompare(b.districtCode ?? '')),
    sessionsWithoutReturn: missing,
  };
}
