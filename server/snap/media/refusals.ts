/**
 * Why a file of footage was refused, with the plain message the submitter sees. Each message says
 * what is wrong and what to do; none uses technical words (codec, container, moov). The code is
 * stable (API responses, tests, statistics); `detail` is technical and only for staff and logs.
 */

export type RefusalCode =
  /** 0 bytes */
  | 'empty'
  /** not a video at all: text, a document, random bytes */
  | 'not_video'
  /** a still picture (PNG, JPEG, HEIC, GIF…), whatever its name says */
  | 'picture'
  /** sound only, no picture */
  | 'audio_only'
  /** a video, but not in one of the containers we accept */
  | 'unsupported_format'
  /** a video that is cut short or corrupt and cannot be played to its end */
  | 'damaged'
  | 'too_short'
  | 'too_long';

export interface Refusal {
  code: RefusalCode;
  /** Plain words for the submitter, saying how to put it right. */
  message: string;
  /** Technical detail for staff logs (e.g. ffprobe's error); never shown to the submitter. */
  detail?: string;
}

/** "4 seconds", "1 minute 30 seconds", "less than a second". */
export function durationInWords(seconds: number): string {
  if (seconds < 1) return 'less than a second';
  const whole = Math.floor(seconds);
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (minutes === 0) return unit(rest, 'second');
  return rest === 0 ? unit(minutes, 'minute') : `${unit(minutes, 'minute')} ${unit(rest, 'second')}`;
}

const ORIGINAL_FILE = 'the original video file from your camera';

export function refusal(code: 'too_short', detail: string | undefined, limits: { durationS: number; minDurationS: number }): Refusal;
export function refusal(code: 'too_long', detail: string | undefined, limits: { durationS: number; maxDurationS: number }): Refusal;
export function refusal(code: Exclude<RefusalCode, 'too_short' | 'too_long'>, detail?: string): Refusal;
export function refusal(
  code: RefusalCode,
  detail?: string,
  limits?: { durationS: number; minDurationS?: number; maxDurationS?: number },
): Refusal {
  const message = ((): string => {
    switch (code) {
      case 'empty':
        return `This file is empty (it has no content). Please upload ${ORIGINAL_FILE} again. If it is still empty, copy it from the camera or memory card again first.`;
      case 'not_video':
        return `This file is not a video we can open. Please upload ${ORIGINAL_FILE}, for example an MP4, MOV, MKV, WebM, AVI or TS file.`;
      case 'picture':
        return `This file is a picture, not a video. Please upload ${ORIGINAL_FILE} rather than a photo or screenshot.`;
      case 'audio_only':
        return `This file has sound but no picture. Please upload ${ORIGINAL_FILE}, which shows what happened.`;
      case 'unsupported_format':
        return `We cannot accept videos in this format. Please upload ${ORIGINAL_FILE} as MP4, MOV, MKV, WebM, AVI or TS. If your camera only makes this format, contact us.`;
      case 'damaged':
        return `This video is damaged or incomplete and cannot be played to the end; perhaps the copy or upload stopped part-way. Please copy ${ORIGINAL_FILE} again and upload it.`;
      case 'too_short':
        return `This video is ${limits!.durationS < 1 ? '' : 'only '}${durationInWords(limits!.durationS)} long. Please upload a clip of at least ${durationInWords(limits!.minDurationS!)}, with some time before and after the incident.`;
      case 'too_long':
        return `This video is ${durationInWords(limits!.durationS)} long, and the most we can accept is ${durationInWords(limits!.maxDurationS!)}. Please upload the camera's recording that contains the incident (dashcams usually save recordings of 1 to 3 minutes).`;
    }
  })();
  return detail === undefined ? { code, message } : { code, message, detail };
}
