/**
 * The HTTP rules of resumable downloads: parsing `Content-Range`, reading a response's validators (ETag,
 * Last-Modified) and total size, building the `Range` / `If-Range` headers of a resume, and telling whether a
 * response is still the file whose first bytes are stored.
 */

/** What identifies one version of a file on the server. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

export interface ContentRange {
  start: number;
  /** Inclusive, as in the header. */
  end: number;
  /** Complete length, absent when the server sent `*`. */
  total?: number;
}

/** Parses `bytes start-end/total` (or `/*`); undefined for anything else, e.g. `bytes *\/total` of a 416. */
export function parseContentRange(header: string | null): ContentRange | undefined {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) return undefined;
  return match[3] === '*' ? { start, end } : { start, end, total: Number(match[3]) };
}

export function readValidators(headers: Headers): Validators {
  const validators: Validators = {};
  const etag = headers.get('ETag');
  const lastModified = headers.get('Last-Modified');
  if (etag) validators.etag = etag;
  if (lastModified) validators.lastModified = lastModified;
  return validators;
}

/** Weak ETags (`W/"…"`) may not be used in If-Range (RFC 9110 §13.1.5). */
function isStrongEtag(etag: string): boolean {
  return !etag.startsWith('W/');
}

/**
 * Headers asking for the bytes from `offset` on, of the version described by `validators` only: with `If-Range`,
 * a server that has a different version answers 200 with the whole new file instead of 206.
 */
export function resumeHeaders(offset: number, validators: Validators): Record<string, string> {
  const headers: Record<string, string> = { Range: `bytes=${offset}-` };
  if (validators.etag && isStrongEtag(validators.etag)) headers['If-Range'] = validators.etag;
  else if (validators.lastModified) headers['If-Range'] = validators.lastModified;
  return headers;
}

/** Headers asking for bytes [start, end) of that version only. */
export function spanHeaders(start: number, end: number, validators: Validators): Record<string, string> {
  return { ...resumeHeaders(start, validators), Range: `bytes=${start}-${end - 1}` };
}

/**
 * Size of the whole file as a response reports it: Content-Range's complete length for a 206, Content-Length for a
 * 200 (unless the body is content-encoded, when Content-Length counts compressed bytes); undefined when unknown.
 */
export function reportedFileSize(response: Response): number | undefined {
  if (response.status === 206) return parseContentRange(response.headers.get('Content-Range'))?.total;
  const encoding = response.headers.get('Content-Encoding');
  if (encoding && encoding.toLowerCase() !== 'identity') return undefined;
  const length = response.headers.get('Content-Length');
  return length !== null && /^\d+$/.test(length.trim()) ? Number(length) : undefined;
}

export type VersionMatch = 'same' | 'different' | 'unknown';

/**
 * Whether a response serves the version of the file that was recorded: 'different' when the sizes differ or the
 * ETags (else the Last-Modified dates) differ, 'same' when they are equal, 'unknown' when neither side pair exists
 * (the size, if reported, matched but proves little).
 */
export function compareVersion(recorded: Validators & { bytes: number }, response: Response): VersionMatch {
  const size = reportedFileSize(response);
  if (size !== undefined && size !== recorded.bytes) return 'different';
  const current = readValidators(response.headers);
  if (recorded.etag && current.etag) return recorded.etag === current.etag ? 'same' : 'different';
  if (recorded.lastModified && current.lastModified) {
    return recorded.lastModified === current.lastModified ? 'same' : 'different';
  }
  return 'unknown';
}

/** Statuses worth retrying after a pause: the server is busy or briefly failing, not refusing. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}
