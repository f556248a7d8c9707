/**
 * VietQR payloads, built and read offline: NAPAS's profile of the EMVCo merchant-presented QR code.
 *
 * A payload is a run of TLV fields: a two-digit tag, a two-digit length (01–99, counted in characters)
 * and the value. Tags 38 and 62 (and 38/01 inside 38) are templates whose value is itself such a run.
 *
 *   00 payload format indicator "01"            53 currency, ISO 4217 numeric: "704" (VND)
 *   01 point of initiation: 11 static, 12 dynamic 54 amount (a dynamic code's fixed amount)
 *   38 VietQR merchant account information       58 country, ISO 3166-1 alpha-2: "VN"
 *      00 GUID "A000000727" (NAPAS)              62 additional data
 *      01 beneficiary: 00 acquirer BIN,             01 bill number, 08 purpose of transaction
 *         01 account or card number             63 CRC-16/CCITT-FALSE over everything before it,
 *      02 service: QRIBFTTA account, QRIBFTTC card     including its own "6304"
 *
 * EMVCo fixes only that 00 comes first and 63 last; we write every template in ascending tag order,
 * which is what NAPAS's examples and the common generators do, so a decoded payload in that order
 * re-encodes to the identical string (see `encodeDecoded`).
 */
import { crc16CcittFalse } from './crc.js';
import { foldVietnamese } from './fold.js';

/** NAPAS's application identifier, the GUID in tag 38/00 that makes a code a VietQR. */
export const NAPAS_GUID = 'A000000727';
/** EMVCo gives tag 62's sub-fields (bill number, purpose, …) at most 25 characters. */
export const PURPOSE_MAX_LENGTH = 25;
export const BILL_NUMBER_MAX_LENGTH = 25;
/** EMVCo tag 54 holds at most 13 characters. */
export const AMOUNT_MAX_DIGITS = 13;
/** A Vietnamese account number is at most 19 characters (a card number 16–19 digits). */
export const ACCOUNT_MAX_LENGTH = 19;

const SERVICE_CODES = { account: 'QRIBFTTA', card: 'QRIBFTTC' } as const;
type Service = keyof typeof SERVICE_CODES;

export type VietQrInput = {
  bin: string;
  account: string;
  amount?: number;
  purpose?: string;
  billNumber?: string;
  service?: 'account' | 'card';
};

export type DecodedVietQr = {
  static: boolean;
  dynamic: boolean;
  bin: string;
  account: string;
  service: 'account' | 'card';
  amount?: string;
  purpose?: string;
  billNumber?: string;
  currency: '704';
  country: 'VN';
  crc: string;
  /**
   * Fields we do not interpret, kept verbatim so the payload can be re-encoded: keyed by tag path,
   * e.g. "52" (merchant category code), "80" (unreserved), "62.05" (reference label), "38.03".
   */
  extra: Record<string, string>;
};

export type DecodeResult = { ok: true; value: DecodedVietQr } | { ok: false; reason: string };

/** An input the encoder refuses: which field, and why. Nothing is ever silently cut or dropped. */
export class VietQrEncodeError extends Error {
  override readonly name = 'VietQrEncodeError';
  constructor(
    readonly field: keyof VietQrInput | 'extra' | 'static',
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** A field to write; `field` names the input it came from, for the error if it does not fit. */
type Tlv = readonly [tag: string, value: string, field?: VietQrEncodeError['field']];

/** Everything a payload carries, already validated. */
type Fields = {
  dynamic: boolean;
  bin: string;
  account: string;
  service: Service;
  amount?: string | undefined;
  purpose?: string | undefined;
  billNumber?: string | undefined;
};

function tlv(tag: string, value: string, field: VietQrEncodeError['field']): string {
  const n = value.length;
  if (n === 0 || n > 99) {
    throw new VietQrEncodeError(field, `tag ${tag} would hold ${n} characters; a field holds 1 to 99`);
  }
  return tag + (n < 10 ? `0${n}` : String(n)) + value;
}

/** A template's fields in ascending tag order, with any extra (preserved) fields merged in. */
function assemble(known: Tlv[], extra: Tlv[] | undefined): string {
  const all = extra?.length ? [...known, ...extra].sort((a, b) => (a[0] < b[0] ? -1 : 1)) : known;
  let out = '';
  for (const [tag, value, field] of all) out += tlv(tag, value, field ?? 'extra');
  return out;
}

function build(f: Fields, extra?: ReadonlyMap<string, Tlv[]>): string {
  const beneficiary = assemble(
    [
      ['00', f.bin, 'bin'],
      ['01', f.account, 'account'],
    ],
    extra?.get('38.01'),
  );
  const merchant = assemble(
    [
      ['00', NAPAS_GUID],
      ['01', beneficiary, 'account'],
      ['02', SERVICE_CODES[f.service], 'service'],
    ],
    extra?.get('38'),
  );
  const additional: Tlv[] = [];
  if (f.billNumber !== undefined) additional.push(['01', f.billNumber, 'billNumber']);
  if (f.purpose !== undefined) additional.push(['08', f.purpose, 'purpose']);
  const additionalData = assemble(additional, extra?.get('62'));

  const top: Tlv[] = [
    ['00', '01'],
    ['01', f.dynamic ? '12' : '11'],
    ['38', merchant, 'account'],
    ['53', '704'],
  ];
  if (f.amount !== undefined) top.push(['54', f.amount, 'amount']);
  top.push(['58', 'VN']);
  if (additionalData) top.push(['62', additionalData, 'purpose']);
  const body = `${assemble(top, extra?.get(''))}6304`;
  return body + crc16CcittFalse(body);
}

const BIN = /^\d{6}$/;
const ACCOUNT = /^[A-Za-z0-9]{1,19}$/;
const CARD = /^\d{1,19}$/;
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/u;

function memoText(field: 'purpose' | 'billNumber', value: unknown, max: number): string {
  if (typeof value !== 'string') throw new VietQrEncodeError(field, 'must be a string');
  const folded = foldVietnamese(value);
  if (folded.length === 0) throw new VietQrEncodeError(field, 'must not be empty (leave it out instead)');
  const bad = NOT_PRINTABLE_ASCII.exec(folded);
  if (bad) {
    const cp = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new VietQrEncodeError(
      field,
      `contains ${JSON.stringify(bad[0])} (U+${cp}); only printable ASCII is allowed once Vietnamese diacritics are folded`,
    );
  }
  if (folded.length > max) {
    throw new VietQrEncodeError(
      field,
      `is ${folded.length} characters once diacritics are folded ("${folded}"); at most ${max} fit, and it is never cut`,
    );
  }
  return folded;
}

/**
 * Build a VietQR payload: static (01=11) without an amount, for a stall's printed code; dynamic
 * (01=12) with one, for a bill. The purpose and bill number are folded to ASCII (đ→d, accents
 * dropped): EMVCo's tag 62 sub-fields are "ans", its common character set, and banks strip the
 * diacritics from transfer content anyway. Throws `VietQrEncodeError` on any input outside the limits.
 */
export function encodeVietQr(input: VietQrInput): string {
  const service = input.service ?? 'account';
  if (service !== 'account' && service !== 'card') {
    throw new VietQrEncodeError('service', `must be "account" or "card", not ${JSON.stringify(service)}`);
  }
  if (typeof input.bin !== 'string' || !BIN.test(input.bin)) {
    throw new VietQrEncodeError('bin', `must be exactly 6 digits, got ${JSON.stringify(input.bin)}`);
  }
  const accountRule = service === 'card' ? CARD : ACCOUNT;
  if (typeof input.account !== 'string' || !accountRule.test(input.account)) {
    throw new VietQrEncodeError(
      'account',
      service === 'card'
        ? `a card number must be 1–${ACCOUNT_MAX_LENGTH} digits, got ${JSON.stringify(input.account)}`
        : `must be 1–${ACCOUNT_MAX_LENGTH} letters or digits (A–Z, a–z, 0–9), got ${JSON.stringify(input.account)}`,
    );
  }
  let amount: string | undefined;
  if (input.amount !== undefined) {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
      throw new VietQrEncodeError('amount', `must be a positive whole number of VND, got ${input.amount}`);
    }
    amount = String(input.amount);
    if (amount.length > AMOUNT_MAX_DIGITS) {
      throw new VietQrEncodeError(
        'amount',
        `has ${amount.length} digits; tag 54 holds at most ${AMOUNT_MAX_DIGITS}`,
      );
    }
  }
  return build({
    dynamic: amount !== undefined,
    bin: input.bin,
    account: input.account,
    service,
    amount,
    purpose: input.purpose === undefined ? undefined : memoText('purpose', input.purpose, PURPOSE_MAX_LENGTH),
    billNumber:
      input.billNumber === undefined
        ? undefined
        : memoText('billNumber', input.billNumber, BILL_NUMBER_MAX_LENGTH),
  });
}

/** The templates `build` writes (by tag path, '' for the top level) and the fields it fills in each. */
const KNOWN_TAGS: Record<string, ReadonlySet<string>> = {
  '': new Set(['00', '01', '38', '53', '54', '58', '62', '63']),
  '38': new Set(['00', '01', '02']),
  '38.01': new Set(['00', '01']),
  '62': new Set(['01', '08']),
};

/**
 * Re-encode a decoded payload, extra fields included, with a fresh CRC. Values are written as they
 * were read (a foreign purpose is not re-folded), so `encodeDecoded(decodeVietQr(p).value) === p` for
 * any valid payload in ascending tag order with an upper-case CRC; any other comes back in that form.
 */
export function encodeDecoded(decoded: DecodedVietQr): string {
  if (decoded.static === decoded.dynamic) {
    throw new VietQrEncodeError('static', 'exactly one of static and dynamic must be true');
  }
  const extra = new Map<string, Tlv[]>();
  for (const [path, value] of Object.entries(decoded.extra)) {
    const m = /^(?:(.+)\.)?(\d\d)$/.exec(path);
    const parent = m?.[1] ?? '';
    const tag = m?.[2];
    const known = KNOWN_TAGS[parent];
    if (!tag || !known) {
      throw new VietQrEncodeError(
        'extra',
        `"${path}" is not a tag path inside a template this encoder writes`,
      );
    }
    if (known.has(tag)) {
      throw new VietQrEncodeError('extra', `"${path}" is a field the encoder writes itself`);
    }
    extra.set(parent, [...(extra.get(parent) ?? []), [tag, value]]);
  }
  return build(
    {
      dynamic: decoded.dynamic,
      bin: decoded.bin,
      account: decoded.account,
      service: decoded.service,
      amount: decoded.amount,
      purpose: decoded.purpose,
      billNumber: decoded.billNumber,
    },
    extra,
  );
}

// ---------------------------------------------------------------------------------------------
// Decoding

const NAMES: Record<string, string> = {
  '00': 'payload format indicator',
  '01': 'point of initiation method',
  '38': 'VietQR merchant account information',
  '38.00': 'GUID',
  '38.01': 'beneficiary organization',
  '38.01.00': 'acquirer BIN',
  '38.01.01': 'account or card number',
  '38.02': 'service code',
  '52': 'merchant category code',
  '53': 'transaction currency',
  '54': 'transaction amount',
  '58': 'country code',
  '59': 'merchant name',
  '60': 'merchant city',
  '62': 'additional data',
  '62.01': 'bill number',
  '62.05': 'reference label',
  '62.08': 'purpose of transaction',
  '63': 'CRC',
};

function label(path: string): string {
  const name = NAMES[path];
  return name ? `tag ${path} (${name})` : `tag ${path}`;
}

/** Shape checks made while reading, so an overrunning length is caught at the field it corrupts. */
const SHAPES: Record<string, [RegExp, string]> = {
  '00': [/^\d\d$/, 'two digits'],
  '01': [/^\d\d$/, 'two digits'],
  '38.01.00': [/^\d{6}$/, 'six digits'],
  '53': [/^\d{3}$/, 'three digits'],
  '54': [/^(?=.{1,13}$)\d+(?:\.\d*)?$/, 'a decimal number of at most 13 characters'],
  '58': [/^[A-Za-z]{2}$/, 'two letters'],
  '63': [/^[0-9A-Fa-f]{4}$/, 'four hex digits'],
};

/** Whether the payload ends with "6304" and four hex digits, where its CRC field must be. */
function endsWithCrcField(payload: string): boolean {
  const n = payload.length;
  return n >= 8 && payload.startsWith('6304', n - 8) && /^[0-9A-Fa-f]{4}$/.test(payload.slice(n - 4));
}

/** The templates we read into, the ones we write; any other (64, 80–99, …) stays an opaque value. */
const TEMPLATES = new Set(Object.keys(KNOWN_TAGS).filter((path) => path !== ''));

type Field = { tag: string; value: string; offset: number; children: Map<string, Field> | undefined };

function isDigit(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c >= 48 && c <= 57;
}

class DecodeFailure {
  constructor(readonly reason: string) {}
}

/**
 * Read a run of TLV fields: the payload (`path` '') or a template's value (`path` its tag path, `base`
 * its offset in the payload, both only for the messages). Throws `DecodeFailure` at the first fault.
 */
function parse(text: string, path: string, base: number): Map<string, Field> {
  const fields = new Map<string, Field>();
  const inside = () => (path ? ` inside ${label(path)}` : '');
  let i = 0;
  while (i < text.length) {
    const at = base + i;
    if (text.length - i < 4) {
      throw new DecodeFailure(
        `truncated field at offset ${at}${inside()}: ${JSON.stringify(text.slice(i))} is too short to hold a tag and a length`,
      );
    }
    const tag = text.slice(i, i + 2);
    if (!isDigit(text, i) || !isDigit(text, i + 1)) {
      throw new DecodeFailure(
        `invalid tag ${JSON.stringify(tag)} at offset ${at}${inside()}: a tag is two digits`,
      );
    }
    const id = path ? `${path}.${tag}` : tag;
    const lengthText = text.slice(i + 2, i + 4);
    if (!isDigit(text, i + 2) || !isDigit(text, i + 3)) {
      throw new DecodeFailure(
        `non-numeric length ${JSON.stringify(lengthText)} for ${label(id)} at offset ${at}`,
      );
    }
    const length = (text.charCodeAt(i + 2) - 48) * 10 + (text.charCodeAt(i + 3) - 48);
    const remaining = text.length - i - 4;
    if (length === 0) throw new DecodeFailure(`zero length for ${label(id)} at offset ${at}`);
    if (length > remaining) {
      throw new DecodeFailure(
        `length overrun: ${label(id)} at offset ${at} declares ${length} characters but only ${remaining} remain${inside()}`,
      );
    }
    if (fields.has(tag)) throw new DecodeFailure(`duplicate ${label(id)} at offset ${at}`);
    const value = text.slice(i + 4, i + 4 + length);
    const shape = SHAPES[id];
    if (shape && !shape[0].test(value)) {
      throw new DecodeFailure(
        `invalid ${label(id)} at offset ${at}: ${JSON.stringify(value)} is not ${shape[1]} (is its length ${lengthText} wrong?)`,
      );
    }
    fields.set(tag, {
      tag,
      value,
      offset: at,
      children: TEMPLATES.has(id) ? parse(value, id, at + 4) : undefined,
    });
    i += 4 + length;
  }
  return fields;
}

function required(fields: Map<string, Field>, path: string, tag: string): Field {
  const field = fields.get(tag);
  const id = path ? `${path}.${tag}` : tag;
  if (!field) throw new DecodeFailure(`missing required ${label(id)}`);
  return field;
}

function collectExtra(fields: Map<string, Field>, path: string, into: Record<string, string>): void {
  const known = KNOWN_TAGS[path]!;
  for (const [tag, field] of fields) {
    if (!known.has(tag)) into[path ? `${path}.${tag}` : tag] = field.value;
  }
}

function read(payload: string): DecodedVietQr {
  if (!endsWithCrcField(payload)) {
    throw new DecodeFailure(
      'missing CRC: the payload does not end with tag 63 ("6304" and four hex digits); was it cut short?',
    );
  }
  const top = parse(payload, '', 0);
  const crcField = top.get('63');
  if (!crcField || crcField.offset !== payload.length - 8) {
    throw new DecodeFailure(
      `tag 63 (CRC) is not the last field${crcField ? ` (found at offset ${crcField.offset})` : ''}: "6304${payload.slice(-4)}" at the end is inside another field`,
    );
  }
  const computed = crc16CcittFalse(payload.slice(0, crcField.offset + 4));
  if (crcField.value.toUpperCase() !== computed) {
    throw new DecodeFailure(`CRC mismatch: tag 63 says ${crcField.value}, the payload's CRC is ${computed}`);
  }

  const format = required(top, '', '00');
  if (top.keys().next().value !== '00') {
    throw new DecodeFailure(
      `tag 00 (payload format indicator) at offset ${format.offset} is not the first field`,
    );
  }
  if (format.value !== '01') {
    throw new DecodeFailure(
      `unsupported payload format indicator ${JSON.stringify(format.value)} in tag 00 (expected "01")`,
    );
  }
  const initiation = required(top, '', '01').value;
  if (initiation !== '11' && initiation !== '12') {
    throw new DecodeFailure(
      `invalid point of initiation method ${JSON.stringify(initiation)} in tag 01 (expected 11 static or 12 dynamic)`,
    );
  }

  const merchant = required(top, '', '38').children!;
  const guid = required(merchant, '38', '00').value;
  if (guid.toUpperCase() !== NAPAS_GUID) {
    throw new DecodeFailure(
      `wrong GUID ${JSON.stringify(guid)} in tag 38.00 (expected ${NAPAS_GUID}, NAPAS VietQR)`,
    );
  }
  const beneficiary = required(merchant, '38', '01').children!;
  const bin = required(beneficiary, '38.01', '00').value;
  const account = required(beneficiary, '38.01', '01').value;
  if (!ACCOUNT.test(account)) {
    throw new DecodeFailure(
      `invalid account ${JSON.stringify(account)} in tag 38.01.01 (expected 1–19 letters or digits)`,
    );
  }
  const serviceCode = required(merchant, '38', '02').value;
  const service =
    serviceCode === SERVICE_CODES.account ? 'account' : serviceCode === SERVICE_CODES.card ? 'card' : null;
  if (!service) {
    throw new DecodeFailure(
      `unsupported service code ${JSON.stringify(serviceCode)} in tag 38.02 (expected QRIBFTTA or QRIBFTTC)`,
    );
  }

  const currency = required(top, '', '53').value;
  if (currency !== '704') {
    throw new DecodeFailure(`wrong currency ${JSON.stringify(currency)} in tag 53 (expected 704, VND)`);
  }
  const country = required(top, '', '58').value;
  if (country !== 'VN')
    throw new DecodeFailure(`wrong country ${JSON.stringify(country)} in tag 58 (expected VN)`);

  const decoded: DecodedVietQr = {
    static: initiation === '11',
    dynamic: initiation === '12',
    bin,
    account,
    service,
    currency: '704',
    country: 'VN',
    crc: crcField.value,
    extra: {},
  };
  const amount = top.get('54');
  if (amount) decoded.amount = amount.value;
  const additional = top.get('62')?.children;
  const billNumber = additional?.get('01');
  if (billNumber) decoded.billNumber = billNumber.value;
  const purpose = additional?.get('08');
  if (purpose) decoded.purpose = purpose.value;

  collectExtra(top, '', decoded.extra);
  collectExtra(merchant, '38', decoded.extra);
  collectExtra(beneficiary, '38.01', decoded.extra);
  if (additional) collectExtra(additional, '62', decoded.extra);
  return decoded;
}

/**
 * Read a VietQR payload. Never throws: a payload we cannot trust comes back as `{ ok: false }` with
 * the first problem found, in this order: a CRC field at the end at all; the structure (tags,
 * lengths, field shapes, so a wrong length is blamed on the field it corrupts rather than on the
 * CRC it breaks); the CRC's value; then the fields VietQR requires and their values.
 */
export function decodeVietQr(payload: string): DecodeResult {
  if (typeof payload !== 'string' || payload.length === 0) return { ok: false, reason: 'empty payload' };
  try {
    return { ok: true, value: read(payload) };
  } catch (error) {
    if (error instanceof DecodeFailure) return { ok: false, reason: error.reason };
    throw error;
  }
}
