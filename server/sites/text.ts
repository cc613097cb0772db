/**
 * The line a partnership publishes for a site, built from the register record. Pure (no imports), so
 * the client imports it as it is.
 *
 * Format: `<road number> <road name>, <qualifier>, <direction> (<limit>mph), <locality>`; absent parts
 * and their commas are left out, and a zone reads `(20mph zone)`. Example:
 * `A584 Preston New Rd, from Clifton Business Park to Blackpool Rd, eastbound (50mph), Freckleton`.
 */
export interface PublishedSiteFields {
  roadNumber?: string | null;
  roadName?: string | null;
  qualifier?: string | null;
  direction?: string | null;
  speedLimitMph?: number | null;
  limitKind?: 'limit' | 'zone' | string | null;
  locality?: string | null;
}

/** Trimmed text with runs of spaces collapsed; '' for absent. */
function clean(value: string | null | undefined): string {
  return (value ?? '').replace(/\s+/g, ' ').trim();
}

export function publishedSiteText(site: PublishedSiteFields): string {
  const road = [clean(site.roadNumber), clean(site.roadName)].filter(Boolean).join(' ');
  const limit = site.speedLimitMph ? `(${site.speedLimitMph}mph${site.limitKind === 'zone' ? ' zone' : ''})` : '';
  // The limit rides on the direction when there is one ("eastbound (50mph)"), else on the part before it.
  const parts = [road, clean(site.qualifier), clean(site.direction)].filter(Boolean);
  if (limit) {
    if (parts.length) parts[parts.length - 1] = `${parts[parts.length - 1]} ${limit}`;
    else parts.push(limit);
  }
  const locality = clean(site.locality);
  if (locality) parts.push(locality);
  return parts.join(', ');
}
