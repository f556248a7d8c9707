import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmacHex(algorithm: 'sha256' | 'sha512', key: string, message: string): string {
  return createHmac(algorithm, key).update(message, 'utf8').digest('hex');
}

/**
 * The secrets a setting holds. During a rotation it may hold two (or more), comma-separated: the new one
 * and the one the provider still signs with; a request signed with any of them verifies.
 */
export function secretList(value: string | undefined): string[] {
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

/** Constant-time comparison of two strings (a length mismatch still costs one compare of equal length). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** Hex digests compared case-insensitively and in constant time. */
export function safeEqualHex(expected: string, received: string): boolean {
  return safeEqual(expected.toLowerCase(), received.trim().toLowerCase());
}

/** Parses a `t=<timestamp>,v1=<hex>` header (Stripe-style, used by our generic format and by Casso). */
export function parseTimestampedSignature(
  header: string | undefined,
): { t: string; v1: string[] } | undefined {
  if (!header) return undefined;
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't') t = v;
    else if (k === 'v1') v1.push(v);
  }
  if (!t || !/^\d{1,16}$/.test(t) || v1.length === 0) return undefined;
  return { t, v1 };
}

/** Is a signed timestamp (seconds) within `toleranceS` of now? */
export function withinWindow(seconds: number, now: Date, toleranceS: number): boolean {
  return Math.abs(now.getTime() / 1000 - seconds) <= toleranceS;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * "YYYY-MM-DD HH:mm[:ss]" in Vietnam local time → ISO instant. Asia/Ho_Chi_Minh is UTC+7 all year
 * (no daylight saving since 1975), so a fixed offset is exact.
 */
export function vietnamLocalToIso(value: string): string | undefined {
  const m = LOCAL_DATE_TIME.exec(value.trim());
  if (!m) {
    // Some providers send a full ISO instant instead.
    const d = new Date(value);
    return /\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
  }
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}+07:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
