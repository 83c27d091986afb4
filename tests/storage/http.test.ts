/**
 * The HTTP rules of resumable downloads (src/storage/http.ts): Content-Range parsing, resume headers with If-Range,
 * the file size a response reports, and whether a response is the recorded version of the file.
 */
import { describe, expect, it } from 'vitest';
import {
  compareVersion,
  isRetryableStatus,
  parseContentRange,
  readValidators,
  reportedFileSize,
  resumeHeaders,
  spanHeaders,
} from '../../src/storage/http.js';

const response = (status: number, headers: Record<string, string>): Response => new Response(null, { status, headers });

describe('parseContentRange', () => {
  it('reads start, inclusive end and total', () => {
    expect(parseContentRange('bytes 65536-99999/100000')).toEqual({ start: 65536, end: 99999, total: 100000 });
    expect(parseContentRange('BYTES 0-0/1')).toEqual({ start: 0, end: 0, total: 1 });
    expect(parseContentRange('bytes 10-20/*')).toEqual({ start: 10, end: 20 });
  });

  it('rejects malformed or unsatisfied ranges', () => {
    for (const header of [null, '', 'bytes */1000', 'bytes 5-4/10', 'items 0-1/2', 'bytes 1-2', 'bytes -1-2/3']) {
      expect(parseContentRange(header), String(header)).toBeUndefined();
    }
  });
});

describe('resume headers', () => {
  it('asks for the bytes from the offset on, conditional on a strong ETag, else on Last-Modified', () => {
    const lastModified = 'Thu, 01 Jan 2026 00:00:00 GMT';
    expect(resumeHeaders(131072, { etag: '"abc"', lastModified })).toEqual({
      Range: 'bytes=131072-',
      'If-Range': '"abc"',
    });
    expect(resumeHeaders(5, { etag: 'W/"weak"', lastModified })).toEqual({
      Range: 'bytes=5-',
      'If-Range': lastModified,
    });
    expect(resumeHeaders(5, { etag: 'W/"weak"' })).toEqual({ Range: 'bytes=5-' });
    expect(resumeHeaders(5, {})).toEqual({ Range: 'bytes=5-' });
  });

  it('asks for one inclusive span', () => {
    expect(spanHeaders(64, 128, { etag: '"e"' })).toEqual({ Range: 'bytes=64-127', 'If-Range': '"e"' });
  });
});

describe('reportedFileSize', () => {
  it('takes the complete length of a 206 and the Content-Length of a 200', () => {
    expect(reportedFileSize(response(206, { 'Content-Range': 'bytes 100-199/1000', 'Content-Length': '100' }))).toBe(
      1000,
    );
    expect(reportedFileSize(response(206, { 'Content-Range': 'bytes 100-199/*' }))).toBeUndefined();
    expect(reportedFileSize(response(200, { 'Content-Length': '4096' }))).toBe(4096);
    expect(reportedFileSize(response(200, {}))).toBeUndefined();
  });

  it('does not trust Content-Length of a content-encoded body', () => {
    expect(reportedFileSize(response(200, { 'Content-Length': '10', 'Content-Encoding': 'gzip' }))).toBeUndefined();
    expect(reportedFileSize(response(200, { 'Content-Length': '10', 'Content-Encoding': 'identity' }))).toBe(10);
  });
});

describe('compareVersion', () => {
  const recorded = { bytes: 1000, etag: '"v1"', lastModified: 'Thu, 01 Jan 2026 00:00:00 GMT' };

  it('compares ETags first, then Last-Modified, and any reported size', () => {
    expect(compareVersion(recorded, response(206, { ETag: '"v1"', 'Content-Range': 'bytes 10-999/1000' }))).toBe(
      'same',
    );
    expect(compareVersion(recorded, response(200, { ETag: '"v2"', 'Content-Length': '1000' }))).toBe('different');
    expect(compareVersion(recorded, response(200, { ETag: '"v1"', 'Content-Length': '1001' }))).toBe('different');
    expect(compareVersion(recorded, response(200, { 'Last-Modified': 'Thu, 01 Jan 2026 00:00:00 GMT' }))).toBe('same');
    expect(compareVersion(recorded, response(200, { 'Last-Modified': 'Fri, 02 Jan 2026 00:00:00 GMT' }))).toBe(
      'different',
    );
  });

  it('says unknown when there is nothing to compare', () => {
    expect(compareVersion({ bytes: 1000 }, response(200, { ETag: '"v1"', 'Content-Length': '1000' }))).toBe('unknown');
    expect(compareVersion(recorded, response(206, { 'Content-Range': 'bytes 10-999/1000' }))).toBe('unknown');
  });

  it('reads validators from headers', () => {
    expect(readValidators(new Headers({ ETag: '"x"' }))).toEqual({ etag: '"x"' });
    expect(readValidators(new Headers())).toEqual({});
  });
});

describe('isRetryableStatus', () => {
  it('retries busy and failing servers, not refusals', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 416].some(isRetryableStatus)).toBe(false);
  });
});
