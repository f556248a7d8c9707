/**
 * The VietQR vectors the tests run: shared/vietqr/vectors.json (copied into fixtures/ so a clean
 * clone has it; a test checks the copy against the original where shared/ is present) and the
 * real-world ones found while building this module (fixtures/found-vectors.json, each with its source).
 */
import { readFileSync } from 'node:fs';

export type Vector = {
  payload: string;
  valid: boolean;
  expect?: {
    bin?: string;
    account?: string;
    amount?: string;
    purpose?: string;
    billNumber?: string;
    static?: boolean;
    dynamic?: boolean;
  };
  /** Why an invalid vector is invalid, in words. */
  why?: string;
  /** For found invalid vectors: a fragment the decoder's reason must contain. */
  reason?: string;
  /** For a valid vector whose fields are not in ascending tag order: what it re-encodes to. */
  canonical?: string;
  source: string;
};

export const sharedOriginalPath = new URL('../../../shared/vietqr/vectors.json', import.meta.url);

function load(url: URL): Vector[] {
  return JSON.parse(readFileSync(url, 'utf8')) as Vector[];
}

export const sharedVectors = load(new URL('./fixtures/shared-vectors.json', import.meta.url));
export const foundVectors = load(new URL('./fixtures/found-vectors.json', import.meta.url));
export const allVectors = [...sharedVectors, ...foundVectors];
