import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createKey, createPayee } from '../../support/factories.js';
import { cardIds, getBytes, scanPng } from './helpers.js';

let app: TestApp;
let here: Awaited<ReturnType<typeof createCommune>>;
let mine: Awaited<ReturnType<typeof createPayee>>;
let neighbour: Awaited<ReturnType<typeof createPayee>>;
let elsewhere: Awaited<ReturnType<typeof createPayee>>;
let keys: { payee: string; staff: string; otherStaff: string; provinceStaff: string };

beforeAll(async () => {
  app = await startTestApp();
  here = await createCommune(app);
  const there = await createCommune(app);
  mine = await createPayee(app, here.hamlets[0]!);
  neighbour = await createPayee(app, here.hamlets[0]!);
  elsewhere = await createPayee(app, there.hamlets[0]!);
  keys = {
    payee: await createKey(app, { role: 'payee', payeeId: mine.id }),
    staff: await createKey(app, { role: 'staff', unitCode: here.commune }),
    otherStaff: await createKey(app, { role: 'staff', unitCode: there.commune }),
    provinceStaff: await createKey(app, { role: 'staff', unitCode: here.province }),
  };
});
afterAll(() => app?.close());

const paths = (id: string) => [`/v1/payees/${id}/qr.png`, `/v1/payees/${id}/qr.svg`, `/v1/payees/${id}/card`];

describe('a payee key', () => {
  it('gets its own QR and card', async () => {
    const png = await getBytes(app, `/v1/payees/${mine.id}/qr.png`, keys.payee);
    expect(png.status).toBe(200);
    expect(scanPng(png.body)).toBe(mine.staticQr.payload);
    for (const path of paths(mine.id))
      expect((await app.api('GET', path, undefined, keys.payee)).status).toBe(200);
  });

  it('gets 404 for another stall’s QR and card, even in the same market', async () => {
    for (const path of [...paths(neighbour.id), ...paths(elsewhere.id)]) {
      const res = await app.api('GET', path, undefined, keys.payee);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('prints a sheet with only its own card', async () => {
    const res = await app.api('GET', `/v1/payees/cards?unitCode=${here.hamlets[0]}`, undefined, keys.payee);
    expect(res.status).toBe(200);
    expect(cardIds(res.body)).toEqual([mine.id]);
  });
});

describe('staff keys', () => {
  it('see the QR and cards of their commune and the province above it', async () => {
    for (const key of [keys.staff, keys.provinceStaff]) {
      for (const path of paths(neighbour.id))
        expect((await app.api('GET', path, undefined, key)).status).toBe(200);
    }
  });

  it('of another commune get 404 for its payees and its units', async () => {
    for (const path of paths(mine.id)) {
      const res = await app.api('GET', path, undefined, keys.otherStaff);
      expect(res.status, path).toBe(404);
    }
    const sheet = await app.api(
      'GET',
      `/v1/payees/cards?unitCode=${here.commune}`,
      undefined,
      keys.otherStaff,
    );
    expect(sheet.status).toBe(404);
  });

  it('print their own commune without a unit code, and nothing of the other', async () => {
    const res = await app.api('GET', '/v1/payees/cards', undefined, keys.staff);
    expect(res.status).toBe(200);
    expect(cardIds(res.body).sort()).toEqual([mine.id, neighbour.id].sort());
  });
});

describe('without a key', () => {
  it('401 for every QR and card route', async () => {
    for (const path of [...paths(mine.id), '/v1/payees/cards']) {
      const res = await app.api('GET', path, undefined, null);
      expect(res.status, path).toBe(401);
    }
  });

  it('a 304 needs the key too: an ETag does not open the image', async () => {
    const etag = (await getBytes(app, `/v1/payees/${mine.id}/qr.png`, keys.payee)).headers.get('etag')!;
    const res = await getBytes(app, `/v1/payees/${elsewhere.id}/qr.png`, keys.payee, {
      'if-none-match': etag,
    });
    expect(res.status).toBe(404);
    expect(
      (await getBytes(app, `/v1/payees/${mine.id}/qr.png`, null, { 'if-none-match': etag })).status,
    ).toBe(401);
  });
});
