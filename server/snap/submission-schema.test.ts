import { describe, expect, it } from 'vitest';
import { offenceDeadlineConfig } from './deadlines.ts';
import { ELIGIBILITY_KEYS, ELIGIBILITY_QUESTIONS, MESSAGES, SECTION_9_DECLARATION, STATEMENT_GUIDANCE } from './messages.ts';
import {
  ageOn,
  narrativeProblem,
  normalisePostcode,
  normaliseUkPhone,
  parseVrm,
  sameName,
  statementText,
  submissionBodySchema,
  validateSubmission,
  type SubmissionIssue,
  type ValidationOptions,
} from './submission-schema.ts';

// Lancashire, roughly (WGS84 degrees).
const LANCASHIRE = { west: -3.1, south: 53.45, east: -2.0, north: 54.25 };
const OPTIONS: ValidationOptions = { today: '2026-11-20', area: LANCASHIRE };

const NARRATIVE =
  'I was cycling north on Garstang Road in the primary position when the blue Ford overtook me at the Blackpool Road junction, ' +
  'passing within half a metre of my right elbow. I had to brake hard and swerve towards the kerb to avoid being hit.';

/** The issue's example body, with a statement long enough to be one. */
function exampleBody(): Record<string, Record<string, unknown>> {
  return {
    eligibility: { inArea: true, collisionOrInjury: false, parkingOnly: false, speedOnly: false, over18: true, witnessed: true, willingToAttendCourt: true },
    incident: {
      date: '2026-11-18',
      time: '17:45',
      timeApproximate: false,
      cameraClockOffsetMinutes: 0,
      location: 'A6 Garstang Road at the junction with Blackpool Road, Preston',
      lon: -2.7037,
      lat: 53.7794,
      offenceType: 'close_pass',
      reporterRoadUser: 'cyclist',
      vrm: 'AB12 CDE',
      vehicleMake: 'Ford',
      vehicleColour: 'Blue',
    },
    statement: { narrative: NARRATIVE, declaration: true, signatureName: 'Jane Smith' },
    submitter: { fullName: 'Jane Smith', dateOfBirth: '1980-05-01', address: '1 High Street, Preston', postcode: 'PR1 2AB', email: 'jane@example.org', phone: '+447700900123' },
  };
}

function errorsOf(body: unknown, options: ValidationOptions = OPTIONS): SubmissionIssue[] {
  const result = validateSubmission(body, options);
  if (result.ok) throw new Error('expected the submission to be refused');
  return result.errors;
}

/** The body with one field changed (undefined removes it). */
function withField(section: string, field: string, value: unknown) {
  const body = exampleBody();
  if (value === undefined) delete body[section]![field];
  else body[section]![field] = value;
  return body;
}

describe('a valid submission', () => {
  it('accepts the issue’s example, normalising the registration, postcode and phone, with its deadlines', () => {
    const result = validateSubmission(exampleBody(), OPTIONS);
    expect(result).toMatchObject({
      ok: true,
      warnings: [],
      deadlines: { noticeBy: '2026-12-02', postBy: '2026-11-30', submitBy: '2026-11-25' },
      value: { incident: { vrm: 'AB12CDE', offenceType: 'close_pass', vehicleMake: 'Ford' }, submitter: { postcode: 'PR1 2AB', phone: '+447700900123' } },
    });
  });

  it('accepts extra fields and drops them', () => {
    const body: Record<string, unknown> = { ...exampleBody(), website: '', altcha: 'x' };
    (body.incident as Record<string, unknown>).someAppField = 42;
    const result = validateSubmission(body, OPTIONS);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.incident).not.toHaveProperty('someAppField');
  });

  it('treats a missing map pin, phone and "not known" vehicle details as not given', () => {
    const body = exampleBody();
    delete body.incident!.lon;
    delete body.incident!.lat;
    delete body.submitter!.phone;
    body.incident!.vehicleMake = 'not known';
    body.incident!.vehicleColour = '';
    const result = validateSubmission(body, OPTIONS);
    expect(result).toMatchObject({ ok: true, value: { incident: { vehicleMake: null, vehicleColour: null }, submitter: { phone: null } } });
  });

  it('is described by one zod schema for the OpenAPI document', () => {
    expect(Object.keys(submissionBodySchema.shape)).toEqual(['eligibility', 'incident', 'statement', 'submitter']);
  });
});

describe('eligibility refusals', () => {
  const refusing: Record<string, boolean> = { inArea: false, collisionOrInjury: true, parkingOnly: true, speedOnly: true, over18: false, witnessed: false, willingToAttendCourt: false };

  for (const key of ELIGIBILITY_KEYS) {
    it(`refuses ${key} = ${refusing[key]} with its message and where to go instead`, () => {
      const errors = errorsOf(withField('eligibility', key, refusing[key]));
      expect(errors).toEqual([{ field: `eligibility.${key}`, code: ELIGIBILITY_QUESTIONS[key].refusalCode, message: ELIGIBILITY_QUESTIONS[key].refusal }]);
    });
  }

  it('sends collisions and injuries to 999 or 101, parking to the council, speed to a community concern', () => {
    expect(ELIGIBILITY_QUESTIONS.collisionOrInjury.refusal).toContain('call 999');
    expect(ELIGIBILITY_QUESTIONS.collisionOrInjury.refusal).toContain('call 101');
    expect(ELIGIBILITY_QUESTIONS.parkingOnly.refusal).toContain('local council');
    expect(ELIGIBILITY_QUESTIONS.speedOnly.refusal).toContain('community concern');
    expect(ELIGIBILITY_QUESTIONS.inArea.refusal).toContain('police.uk');
  });

  it('asks for an answer that is missing', () => {
    expect(errorsOf(withField('eligibility', 'witnessed', undefined))).toEqual([{ field: 'eligibility.witnessed', code: 'required', message: MESSAGES.required }]);
    expect(errorsOf(withField('eligibility', 'witnessed', 'yes'))[0]?.code).toBe('required');
  });
});

describe('the incident', () => {
  it('refuses a date in the future', () => {
    expect(errorsOf(withField('incident', 'date', '2026-11-21'))).toEqual([{ field: 'incident.date', code: 'date_in_future', message: MESSAGES.date_in_future }]);
  });

  it('refuses a date that is not a calendar date', () => {
    expect(errorsOf(withField('incident', 'date', '2026-02-30'))).toEqual([{ field: 'incident.date', code: 'date_invalid', message: MESSAGES.date_invalid }]);
    expect(errorsOf(withField('incident', 'date', '18/11/2026'))[0]?.code).toBe('date_invalid');
  });

  it('warns about a date 8 to 10 days ago and refuses one older', () => {
    const late = validateSubmission(exampleBody(), { ...OPTIONS, today: '2026-11-27' });
    expect(late).toMatchObject({ ok: true, warnings: [{ field: 'incident.date', code: 'late' }] });
    const tooLate = errorsOf(exampleBody(), { ...OPTIONS, today: '2026-11-29' });
    expect(tooLate).toEqual([{ field: 'incident.date', code: 'too_late', message: expect.stringContaining('This happened 11 days ago') }]);
  });

  it('uses the offence configuration for the window', () => {
    const options = { ...OPTIONS, today: '2026-11-23', offenceConfig: offenceDeadlineConfig({ close_pass: { windowDays: 3, warnUntilDays: 4 } }) };
    expect(errorsOf(exampleBody(), options)[0]?.code).toBe('too_late');
  });

  it('refuses a time that is not HH:MM on the 24-hour clock', () => {
    expect(errorsOf(withField('incident', 'time', '5:45pm'))).toEqual([{ field: 'incident.time', code: 'time_invalid', message: MESSAGES.time_invalid }]);
    expect(errorsOf(withField('incident', 'time', '24:00'))[0]?.code).toBe('time_invalid');
  });

  it('refuses a camera clock offset that is not whole minutes', () => {
    expect(errorsOf(withField('incident', 'cameraClockOffsetMinutes', 2.5))[0]).toMatchObject({ field: 'incident.cameraClockOffsetMinutes', code: 'camera_clock_offset_invalid' });
  });

  it('needs the location in words', () => {
    expect(errorsOf(withField('incident', 'location', '   '))).toEqual([{ field: 'incident.location', code: 'location_required', message: MESSAGES.location_required }]);
    expect(errorsOf(withField('incident', 'location', 'x'.repeat(301)))[0]?.code).toBe('location_too_long');
  });

  it('refuses a map pin outside the force area, or half a pin', () => {
    expect(errorsOf(withField('incident', 'lon', -0.1276))).toEqual([{ field: 'incident.lon', code: 'pin_outside_area', message: MESSAGES.pin_outside_area }]);
    expect(errorsOf(withField('incident', 'lat', undefined))).toEqual([{ field: 'incident.lat', code: 'pin_incomplete', message: MESSAGES.pin_incomplete }]);
    expect(errorsOf(withField('incident', 'lat', 'north'))[0]?.code).toBe('pin_invalid');
  });

  it('refuses an offence type or way of travelling not on the list', () => {
    expect(errorsOf(withField('incident', 'offenceType', 'speeding'))).toEqual([{ field: 'incident.offenceType', code: 'offence_type_invalid', message: MESSAGES.offence_type_invalid }]);
    expect(errorsOf(withField('incident', 'reporterRoadUser', 'tram'))[0]?.code).toBe('reporter_road_user_invalid');
  });

  it('needs a description for "other"', () => {
    expect(errorsOf(withField('incident', 'offenceType', 'other'))).toEqual([
      { field: 'incident.offenceDescription', code: 'offence_description_required', message: MESSAGES.offence_description_required },
    ]);
    const body = withField('incident', 'offenceType', 'other');
    body.incident!.offenceDescription = 'Drove along the pavement to pass queuing traffic';
    expect(validateSubmission(body, OPTIONS).ok).toBe(true);
  });

  it('needs a registration that fits a UK format', () => {
    expect(errorsOf(withField('incident', 'vrm', ''))).toEqual([{ field: 'incident.vrm', code: 'vrm_required', message: MESSAGES.vrm_required }]);
    expect(errorsOf(withField('incident', 'vrm', undefined))[0]?.code).toBe('vrm_required');
    expect(errorsOf(withField('incident', 'vrm', 'AB12 CD!'))).toEqual([{ field: 'incident.vrm', code: 'vrm_invalid', message: MESSAGES.vrm_invalid }]);
  });
});

describe('registration numbers', () => {
  it('reads the current, prefix, suffix and dateless formats, however typed', () => {
    expect(parseVrm('ab12 cde')).toEqual({ vrm: 'AB12CDE', display: 'AB12 CDE', format: 'current' });
    expect(parseVrm('A123 BCD')).toEqual({ vrm: 'A123BCD', display: 'A123 BCD', format: 'prefix' });
    expect(parseVrm('P7 ABC')).toEqual({ vrm: 'P7ABC', display: 'P7 ABC', format: 'prefix' });
    expect(parseVrm('ABC-123D')).toEqual({ vrm: 'ABC123D', display: 'ABC 123D', format: 'suffix' });
    expect(parseVrm('ABC 123')).toEqual({ vrm: 'ABC123', display: 'ABC 123', format: 'dateless' });
    expect(parseVrm('1234 AB')).toEqual({ vrm: '1234AB', display: '1234 AB', format: 'dateless' });
    expect(parseVrm('AIZ 1234')).toEqual({ vrm: 'AIZ1234', display: 'AIZ 1234', format: 'dateless' }); // Northern Ireland
  });

  it('refuses what no plate can show', () => {
    for (const input of ['', 'AB12CDEF', '12345', 'ABCD', 'AB 12 CD 34', 'AB12-CD€']) expect(parseVrm(input), input).toBeNull();
  });
});

describe('the statement', () => {
  it('refuses "see video" with a message saying what to include', () => {
    for (const narrative of ['See video', 'please see attached footage', 'Watch the clip, it speaks for itself.', 'Dashcam video attached.']) {
      expect(narrativeProblem(narrative), narrative).toBe('narrative_refers_to_video');
    }
    const errors = errorsOf(withField('statement', 'narrative', 'See video.'));
    expect(errors).toEqual([{ field: 'statement.narrative', code: 'narrative_refers_to_video', message: MESSAGES.narrative_refers_to_video }]);
    expect(errors[0]!.message).toBe(`"See video" is not a statement. ${STATEMENT_GUIDANCE}`);
    expect(STATEMENT_GUIDANCE).toContain('what the other vehicle did');
  });

  it('refuses a statement too short to be evidence', () => {
    expect(errorsOf(withField('statement', 'narrative', 'A car cut me up.'))[0]).toMatchObject({ code: 'narrative_too_short', message: MESSAGES.narrative_too_short });
    expect(errorsOf(withField('statement', 'narrative', '   '))[0]?.code).toBe('narrative_required');
  });

  it('accepts a full account that also mentions the footage', () => {
    expect(narrativeProblem(`${NARRATIVE} As shown in the video, the driver did not slow down.`)).toBeNull();
  });

  it('does not count "see video" towards the words of the account', () => {
    const padded = 'See the video. See the footage. Watch the clip. Check the recording. View the dashcam footage. Please see attached video. It is all on the camera.';
    expect(narrativeProblem(padded)).toBe('narrative_refers_to_video');
  });

  it('needs the declaration ticked', () => {
    expect(errorsOf(withField('statement', 'declaration', false))).toEqual([{ field: 'statement.declaration', code: 'declaration_required', message: MESSAGES.declaration_required }]);
  });

  it('carries the standard section 9 declaration', () => {
    expect(SECTION_9_DECLARATION).toBe(
      'This statement is true to the best of my knowledge and belief and I make it knowing that, if it is tendered in evidence, ' +
        'I shall be liable to prosecution if I have wilfully stated in it anything which I know to be false, or do not believe to be true.',
    );
    expect(statementText({ narrative: 'N', signatureName: 'Jane Smith' }, '2026-11-20T10:00:00Z')).toBe(
      `${SECTION_9_DECLARATION}\n\nN\n\nSigned: Jane Smith\nAt: 2026-11-20T10:00:00Z\n`,
    );
  });

  it('needs the signature to match the full name, ignoring case and spaces', () => {
    expect(validateSubmission(withField('statement', 'signatureName', '  jane   SMITH '), OPTIONS).ok).toBe(true);
    expect(validateSubmission(withField('statement', 'signatureName', 'JaneSmith'), OPTIONS).ok).toBe(true);
    expect(errorsOf(withField('statement', 'signatureName', 'J Smith'))).toEqual([
      { field: 'statement.signatureName', code: 'signature_mismatch', message: MESSAGES.signature_mismatch },
    ]);
    expect(errorsOf(withField('statement', 'signatureName', ''))[0]?.code).toBe('signature_required');
    expect(sameName('Siobhán O’Brien', "siobhán o'brien")).toBe(true);
  });
});

describe('the submitter', () => {
  it('must be 18 or over on the incident date', () => {
    // 18 on 2026-11-19, the day after the incident.
    expect(errorsOf(withField('submitter', 'dateOfBirth', '2008-11-19'))).toEqual([{ field: 'submitter.dateOfBirth', code: 'under_18', message: MESSAGES.under_18 }]);
    expect(validateSubmission(withField('submitter', 'dateOfBirth', '2008-11-18'), OPTIONS).ok).toBe(true);
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
  });

  it('refuses a date of birth that is not a date or is in the future', () => {
    expect(errorsOf(withField('submitter', 'dateOfBirth', '1980-13-01'))[0]?.code).toBe('date_of_birth_invalid');
    expect(errorsOf(withField('submitter', 'dateOfBirth', '2027-01-01'))[0]?.code).toBe('date_of_birth_in_future');
  });

  it('needs a UK postcode, stored in the standard form', () => {
    expect(normalisePostcode('pr12ab')).toBe('PR1 2AB');
    expect(normalisePostcode('SW1A 1AA')).toBe('SW1A 1AA');
    expect(normalisePostcode('m1 1ae')).toBe('M1 1AE');
    expect(normalisePostcode('PR1 2CB')).toBeNull(); // C is never an inward letter
    expect(errorsOf(withField('submitter', 'postcode', '12345'))).toEqual([{ field: 'submitter.postcode', code: 'postcode_invalid', message: MESSAGES.postcode_invalid }]);
  });

  it('needs an email address', () => {
    expect(errorsOf(withField('submitter', 'email', 'jane at example')))
      .toEqual([{ field: 'submitter.email', code: 'email_invalid', message: MESSAGES.email_invalid }]);
    expect(errorsOf(withField('submitter', 'email', undefined))[0]?.code).toBe('email_required');
  });

  it('takes an optional UK phone number in the +44 or 0 forms', () => {
    expect(normaliseUkPhone('07700 900123')).toBe('+447700900123');
    expect(normaliseUkPhone('+44 (0)7700 900123')).toBe('+447700900123');
    expect(normaliseUkPhone('0044 1772 123456')).toBe('+441772123456');
    expect(normaliseUkPhone('+33 6 12 34 56 78')).toBeNull();
    expect(errorsOf(withField('submitter', 'phone', '12345'))).toEqual([{ field: 'submitter.phone', code: 'phone_invalid', message: MESSAGES.phone_invalid }]);
  });

  it('needs a name and an address', () => {
    expect(errorsOf(withField('submitter', 'address', ''))[0]).toMatchObject({ field: 'submitter.address', code: 'address_required' });
    const errors = errorsOf(withField('submitter', 'fullName', undefined));
    expect(errors.map((e) => e.code)).toEqual(['full_name_required']);
  });
});

describe('length limits and flags', () => {
  const cases: Array<[section: string, field: string, value: unknown, code: string]> = [
    ['incident', 'timeApproximate', 'roughly', 'time_approximate_invalid'],
    ['incident', 'direction', 'x'.repeat(201), 'direction_too_long'],
    ['incident', 'offenceDescription', 'x'.repeat(501), 'offence_description_too_long'],
    ['incident', 'vehicleMake', 'x'.repeat(61), 'vehicle_detail_too_long'],
    ['incident', 'vehicleColour', 'x'.repeat(61), 'vehicle_detail_too_long'],
    ['statement', 'narrative', `${NARRATIVE} `.repeat(50), 'narrative_too_long'],
    ['statement', 'signatureName', 'x'.repeat(201), 'signature_too_long'],
    ['submitter', 'fullName', 'x'.repeat(201), 'full_name_too_long'],
    ['submitter', 'address', 'x'.repeat(501), 'address_too_long'],
  ];
  for (const [section, field, value, code] of cases) {
    it(`refuses ${section}.${field} with ${code}`, () => {
      const errors = errorsOf(withField(section, field, value));
      expect(errors[0]).toEqual({ field: `${section}.${field}`, code, message: MESSAGES[code as keyof typeof MESSAGES] });
    });
  }
});

describe('the body as a whole', () => {
  it('reports every problem at once, with the issue’s field paths', () => {
    const body = exampleBody();
    body.eligibility!.speedOnly = true;
    body.incident!.vrm = '';
    body.submitter!.postcode = 'nowhere';
    expect(errorsOf(body).map((e) => e.field)).toEqual(['eligibility.speedOnly', 'incident.vrm', 'submitter.postcode']);
  });

  it('names a missing part, and refuses a body that is not an object', () => {
    const body: Record<string, unknown> = exampleBody();
    delete body.statement;
    expect(errorsOf(body)).toEqual([{ field: 'statement', code: 'section_missing', message: MESSAGES.section_missing }]);
    expect(errorsOf([1, 2])).toEqual([{ field: 'body', code: 'body_invalid', message: MESSAGES.body_invalid }]);
  });

  it('gives every message its own code', () => {
    const messages = Object.values(MESSAGES);
    expect(new Set(messages).size).toBe(messages.length);
  });
});
