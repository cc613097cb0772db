/**
 * The words of Operation Snap: offence types, how the submitter was travelling, the eligibility
 * questions with the plain message for each refusal and where to go instead, the section 9
 * declaration, and the messages the submission checks give. Pure (no imports), so the public pages
 * can import it as it is and show the same words the API answers with.
 */

/** Offence types a submission may report (the API's `incident.offenceType`). */
export const OFFENCE_TYPES = [
  'careless_driving',
  'dangerous_driving',
  'close_pass',
  'mobile_phone',
  'red_light',
  'solid_white_lines',
  'seat_belt',
  'not_in_proper_control',
  'other',
] as const;
export type OffenceType = (typeof OFFENCE_TYPES)[number];

export const OFFENCE_TYPE_LABEL: Record<OffenceType, string> = {
  careless_driving: 'Careless or inconsiderate driving',
  dangerous_driving: 'Dangerous driving',
  close_pass: 'Close pass of a cyclist, horse rider or pedestrian',
  mobile_phone: 'Using a hand-held phone while driving',
  red_light: 'Going through a red light',
  solid_white_lines: 'Crossing or straddling solid white lines',
  seat_belt: 'Not wearing a seat belt',
  not_in_proper_control: 'Not in proper control of the vehicle',
  other: 'Something else (describe it)',
};

/** How the submitter was travelling (the API's `incident.reporterRoadUser`). */
export const REPORTER_ROAD_USERS = ['pedestrian', 'cyclist', 'horse_rider', 'motorcyclist', 'driver', 'passenger', 'other'] as const;
export type ReporterRoadUser = (typeof REPORTER_ROAD_USERS)[number];

export const REPORTER_ROAD_USER_LABEL: Record<ReporterRoadUser, string> = {
  pedestrian: 'On foot',
  cyclist: 'Cycling',
  horse_rider: 'Riding or leading a horse',
  motorcyclist: 'Riding a motorcycle',
  driver: 'Driving a car, van, lorry or bus',
  passenger: 'As a passenger',
  other: 'Another way',
};

/** The eligibility answers of the API's `eligibility` object. */
export const ELIGIBILITY_KEYS = ['inArea', 'collisionOrInjury', 'parkingOnly', 'speedOnly', 'over18', 'witnessed', 'willingToAttendCourt'] as const;
export type EligibilityKey = (typeof ELIGIBILITY_KEYS)[number];

export interface EligibilityQuestion {
  /** The question as the form asks it (one per page). */
  question: string;
  /** The answer that lets the submitter carry on; the other answer is refused. */
  continuesWhen: boolean;
  /** Stable code of the refusal (the API's `errors[].code`). */
  refusalCode: string;
  /** The plain message of the refusal, ending with where to go instead. */
  refusal: string;
}

/**
 * Asked first, in this order; each answer either continues or routes the submitter elsewhere.
 * Where to go instead: 999 when someone is in danger now, 101 or the online crime report for a
 * collision, injury, threat or assault, the council for parking, a community concern for speeding.
 */
export const ELIGIBILITY_QUESTIONS: Record<EligibilityKey, EligibilityQuestion> = {
  inArea: {
    question: 'Did it happen in our force area?',
    continuesWhen: true,
    refusalCode: 'outside_area',
    refusal:
      'We can only deal with driving that happened in our force area. Send your footage to the police force for the place where it happened: ' +
      'find it by postcode at police.uk.',
  },
  collisionOrInjury: {
    question: 'Was there a collision, was anyone hurt, or were you threatened or assaulted?',
    continuesWhen: false,
    refusalCode: 'collision_or_injury',
    refusal:
      'This service is not for collisions, injuries, threats or assaults. If anyone is hurt or in danger now, call 999. ' +
      'Otherwise call 101 or report it online as a crime or a road traffic collision, and tell them you have footage.',
  },
  parkingOnly: {
    question: 'Is it only about parking?',
    continuesWhen: false,
    refusalCode: 'parking',
    refusal:
      'Parking is dealt with by the local council, not the police. Report it to the council for the area (find it at gov.uk/find-local-council). ' +
      'If a parked vehicle is dangerous or blocking the road now, call 101.',
  },
  speedOnly: {
    question: 'Is it only about speed?',
    continuesWhen: false,
    refusalCode: 'speed_only',
    refusal:
      'We cannot act on speed alone from camera footage: speed has to be measured with an approved, calibrated device. ' +
      'If drivers often speed in a place, report it as a community concern so we can consider enforcement there.',
  },
  over18: {
    question: 'Are you 18 or over?',
    continuesWhen: true,
    refusalCode: 'under_18',
    refusal: 'You must be 18 or over to make a witness statement through this service. Ask a parent or guardian to call 101 about what you saw.',
  },
  witnessed: {
    question: 'Did you see it happen yourself?',
    continuesWhen: true,
    refusalCode: 'not_a_witness',
    refusal:
      'The statement must come from the person who saw it happen. Ask them to send the footage with their own statement; ' +
      'you cannot make the statement for someone else.',
  },
  willingToAttendCourt: {
    question: 'Will you sign a witness statement and go to court if you are asked to?',
    continuesWhen: true,
    refusalCode: 'not_willing_to_attend_court',
    refusal:
      'We can only act on footage when the person who recorded it signs a witness statement and will give evidence in court if needed. ' +
      'If you would still like us to know about this driving, call 101 and pass it on as information.',
  },
};

/**
 * The declaration of a witness statement under section 9 of the Criminal Justice Act 1967 (the
 * standard MG11 wording). The printed form's "(consisting of N pages each signed by me)" is left
 * out: the statement is one electronic document signed once with the typed name.
 */
export const SECTION_9_DECLARATION =
  'This statement is true to the best of my knowledge and belief and I make it knowing that, if it is tendered in evidence, ' +
  'I shall be liable to prosecution if I have wilfully stated in it anything which I know to be false, or do not believe to be true.';

/** What a statement should say; the footage supports it but cannot replace it. */
export const STATEMENT_GUIDANCE =
  'Describe what happened in your own words: where you were and which way you were going, what the other vehicle did, ' +
  'how close it came or what danger it caused, what you had to do to avoid it, and how it made you feel. ' +
  'The footage supports your statement but cannot replace it.';

/** Shortest and longest statement. Own words are counted after taking out references to the video. */
export const NARRATIVE_LIMITS = {
  /** Fewest words of the submitter's own account. */
  minOwnWords: 20,
  /** Longest statement, characters. */
  maxChars: 10_000,
} as const;

/** The plain messages of the submission checks, by error code (codes are stable; words may change). */
export const MESSAGES = {
  required: 'Answer this question.',
  body_invalid: 'Send the submission as a JSON object with eligibility, incident, statement and submitter.',
  section_missing: 'This part of the submission is missing: send eligibility, incident, statement and submitter, each as an object.',
  // incident
  date_invalid: 'Enter the date it happened as a real date, for example 2026-11-18.',
  date_in_future: 'The date it happened cannot be in the future. Check the date, and the camera clock if you copied it from the footage.',
  time_approximate_invalid: 'Say whether the time is approximate: true or false.',
  time_invalid: 'Enter the time it happened on the 24-hour clock, for example 17:45.',
  camera_clock_offset_invalid:
    'Enter how far the camera clock was out as a whole number of minutes: positive if the camera was ahead, negative if it was behind, 0 if it was right.',
  location_required: 'Describe where it happened, for example the road and the nearest junction, town or landmark.',
  location_too_long: 'Describe where it happened in at most 300 characters.',
  pin_invalid: 'The map pin must be a longitude and a latitude in degrees (WGS84), for example -2.7037 and 53.7794.',
  pin_incomplete: 'Give both the longitude and the latitude of the map pin, or neither.',
  pin_outside_area: 'The map pin is outside our force area. Move the pin to where it happened, or report it to the force for that place (see police.uk).',
  offence_type_invalid: 'Choose what the driver did from the list.',
  offence_description_required: 'You chose "something else": describe what the driver did.',
  offence_description_too_long: 'Describe what the driver did in at most 500 characters.',
  reporter_road_user_invalid: 'Choose how you were travelling from the list.',
  vrm_required:
    'Enter the vehicle registration. Without a readable number plate we cannot take any action, so check the footage for it.',
  vrm_invalid: 'Enter the registration as it appears on the number plate, for example AB12 CDE. Letters and numbers only.',
  vehicle_detail_too_long: 'Keep this to at most 60 characters, or leave it blank if you do not know.',
  direction_too_long: 'Keep the direction to at most 200 characters.',
  // statement
  narrative_required: `Write your statement. ${STATEMENT_GUIDANCE}`,
  narrative_refers_to_video: `"See video" is not a statement. ${STATEMENT_GUIDANCE}`,
  narrative_too_short: `Your statement is too short to be used as evidence. ${STATEMENT_GUIDANCE}`,
  narrative_too_long: `Keep your statement to at most ${NARRATIVE_LIMITS.maxChars.toLocaleString('en-GB')} characters.`,
  declaration_required: 'Tick the declaration to confirm your statement is true. We cannot use a statement without it.',
  signature_required: 'Type your full name to sign the statement.',
  signature_too_long: 'Type your full name in at most 200 characters.',
  signature_mismatch: 'Type your full name exactly as you gave it in your details to sign the statement.',
  // submitter
  full_name_required: 'Enter your full name.',
  full_name_too_long: 'Enter your full name in at most 200 characters.',
  date_of_birth_invalid: 'Enter your date of birth as a real date, for example 1980-05-01.',
  date_of_birth_in_future: 'Your date of birth cannot be in the future.',
  under_18: 'You must have been 18 or over on the day it happened to make a witness statement through this service. Ask a parent or guardian to call 101.',
  address_required: 'Enter your address (house number or name and street, town).',
  address_too_long: 'Enter your address in at most 500 characters.',
  postcode_invalid: 'Enter a UK postcode, for example PR1 2AB.',
  email_required: 'Enter your email address. We send a code to it before you upload.',
  email_invalid: 'Enter an email address, for example name@example.org. We send a code to it before you upload.',
  phone_invalid: 'Enter a UK phone number, for example 07700 900123 or +44 7700 900123, or leave it blank.',
} as const;
export type MessageCode = keyof typeof MESSAGES;

/** Refusal and warning about the submission window (see deadlines.ts for the arithmetic). */
export function windowRefusedMessage(daysAgo: number, warnUntilDays: number): string {
  return (
    `This happened ${daysAgo} days ago. We can only accept footage within ${warnUntilDays} days, because the law gives us ` +
    '14 days to tell the registered keeper that we intend to prosecute, and reviewing footage takes time. ' +
    'If this driving is a continuing problem in one place, report it as a community concern; if you are worried about a driver, call 101.'
  );
}

export function windowWarningMessage(daysAgo: number, windowDays: number, postBy: string | null): string {
  const late =
    `This happened ${daysAgo} days ago, later than the ${windowDays} days we ask for. You can still send it, ` +
    'but we may not be able to review it in time to act.';
  return postBy ? `${late} The last day we can post a notice to the registered keeper is ${postBy}.` : late;
}

/** The same, once the last posting date for the notice has already gone. */
export function windowPastPostingMessage(daysAgo: number, postBy: string): string {
  return (
    `This happened ${daysAgo} days ago and the last day we could post a notice of intended prosecution was ${postBy}, ` +
    'so we will probably not be able to prosecute. You can still send it: we may still be able to send the registered keeper a warning letter.'
  );
}
