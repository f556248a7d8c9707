/**
 * The commune the HTTP scenarios run against, created through the API as an operator would: a province,
 * a commune with four hamlets, `stalls` market stalls, a school and a water utility, API keys (staff of
 * the commune; a few keys of the school, as several cashiers' machines would have), and payment
 * requests of the school made with one batch call.
 */
import { randomBytes } from 'node:crypto';

export type Api = (
  method: string,
  path: string,
  body?: unknown,
  key?: string,
) => // biome-ignore lint/suspicious/noExplicitAny: JSON answers of our own API, read by the seeding code
Promise<{ status: number; body: any }>;

export function apiClient(base: string, adminKey: string): Api {
  return async (method, path, body, key = adminKey) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed };
  };
}

async function must(api: Api, method: string, path: string, body?: unknown, key?: string) {
  const res = await api(method, path, body, key);
  if (res.status < 200 || res.status > 299) {
    throw new Error(`seed: ${method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  return res.body;
}

export type Commune = {
  tag: string;
  commune: string;
  hamlets: string[];
  stalls: { id: string; accountNumber: string }[];
  school: { id: string; accountNumber: string };
  staffKey: string;
  schoolKeys: string[];
};

export async function seedCommune(
  api: Api,
  options: { stalls: number; schoolKeys: number },
): Promise<Commune> {
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const province = `P${tag}`;
  const commune = `C${tag}`;
  const hamlets = [1, 2, 3, 4].map((n) => `${commune}-H${n}`);
  await must(api, 'POST', '/v1/units', { code: province, name: `Tỉnh ${tag}`, level: 'province' });
  await must(api, 'POST', '/v1/units', {
    code: commune,
    name: `Xã ${tag}`,
    level: 'commune',
    parentCode: province,
  });
  for (const [i, h] of hamlets.entries()) {
    await must(api, 'POST', '/v1/units', {
      code: h,
      name: `Thôn ${i + 1}`,
      level: 'hamlet',
      parentCode: commune,
    });
  }
  const digits = String(Number.parseInt(tag, 16)).padStart(8, '0').slice(-8);
  const stalls: Commune['stalls'] = [];
  const make = async (i: number) => {
    const p = await must(api, 'POST', '/v1/payees', {
      kind: 'market_vendor',
      name: `Sạp ${i + 1}`,
      unitCode: hamlets[i % hamlets.length],
      bankBin: '970436',
      accountNumber: `1${digits}${String(i).padStart(4, '0')}`,
      accountName: 'NGUYEN VAN A',
      stallNo: `A${i + 1}`,
    });
    stalls.push({ id: p.id, accountNumber: p.accountNumber });
  };
  for (let i = 0; i < options.stalls; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, options.stalls - i) }, (_, k) => make(i + k)));
  }
  const school = await must(api, 'POST', '/v1/payees', {
    kind: 'school',
    name: `Trường THCS ${tag}`,
    unitCode: commune,
    bankBin: '970415',
    accountNumber: `2${digits}0001`,
    accountName: 'TRUONG THCS',
  });
  await must(api, 'POST', '/v1/payees', {
    kind: 'utility',
    name: `Cấp nước ${tag}`,
    unitCode: commune,
    bankBin: '970405',
    accountNumber: `3${digits}0001`,
    accountName: 'CAP NUOC',
  });
  const staff = await must(api, 'POST', '/v1/api-keys', {
    role: 'staff',
    unitCode: commune,
    label: 'bench staff',
  });
  const schoolKeys: string[] = [];
  for (let i = 0; i < options.schoolKeys; i++) {
    const k = await must(api, 'POST', '/v1/api-keys', {
      role: 'payee',
      payeeId: school.id,
      label: `bench cashier ${i + 1}`,
    });
    schoolKeys.push(k.key);
  }
  return {
    tag,
    commune,
    hamlets,
    stalls,
    school: { id: school.id, accountNumber: school.accountNumber },
    staffKey: staff.key,
    schoolKeys,
  };
}

/** `count` open requests of the school, by batch calls of up to 5,000 items: their ids. */
export async function seedRequests(api: Api, c: Commune, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 5000) {
    const n = Math.min(5000, count - start);
    const body = await must(
      api,
      'POST',
      '/v1/payment-requests/batch',
      {
        payeeId: c.school.id,
        category: 'school_fee',
        items: Array.from({ length: n }, (_, i) => ({
          amount: 150_000 + ((start + i) % 20) * 10_000,
          purpose: 'Hoc phi thang 9',
          payerRef: `HS${start + i}`,
          payerGroup: `${6 + ((start + i) % 4)}A`,
          externalId: `seed-${c.tag}-${start + i}`,
        })),
      },
      c.schoolKeys[0],
    );
    for (const r of body.results as { id?: string }[]) if (r.id) ids.push(r.id);
  }
  return ids;
}
