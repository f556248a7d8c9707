// The bursar's class list: filter and search without a reload, print who still owes, and payments
// arriving live. A payment re-reads its student from the server (GET /bursar/student), so a row shows
// what the database says however often or late an event arrives.
(() => {
  const block = document.getElementById('bursar-data');
  if (!block) return;
  const d = JSON.parse(block.textContent);
  const m = d.messages;
  const $ = (id) => document.getElementById(id);
  const vnd = new Intl.NumberFormat(d.locale, {
    style: 'currency',
    currency: 'VND',
    maximumFractionDigits: 0,
  });
  const num = new Intl.NumberFormat(d.locale, { maximumFractionDigits: 0 });
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, k) => (k in values ? values[k] : all));
  const fold = (text) =>
    text
      .replace(/đ/g, 'd')
      .replace(/Đ/g, 'D')
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .trim();

  const table = $('students');
  const form = $('filters');
  const fClass = $('f-class');
  const fStatus = $('f-status');
  const fQ = $('f-q');
  const studentRows = (tbody) => Array.from(tbody.rows).filter((tr) => tr.dataset.key !== undefined);

  // ---- Filter and search -------------------------------------------------------------------------
  function rowMatches(tr, group, status, q) {
    if (group && tr.parentElement.dataset.group !== group) return false;
    const s = tr.dataset.status;
    if (status === 'owing' ? s === 'paid' : status !== 'all' && s !== status) return false;
    return q === '' || tr.dataset.search.includes(q);
  }
  function apply() {
    if (!table) return;
    const group = fClass.value;
    const status = fStatus.value;
    const q = fold(fQ.value);
    let any = false;
    for (const tbody of table.tBodies) {
      let shown = 0;
      for (const tr of studentRows(tbody)) {
        const ok = rowMatches(tr, group, status, q);
        tr.hidden = !ok;
        if (ok) shown++;
      }
      tbody.hidden = shown === 0;
      any ||= shown > 0;
    }
    $('none').hidden = any;
    // The address, the CSV link and a later print follow the filter.
    const params = new URLSearchParams(location.search);
    const set = (k, v) => (v ? params.set(k, v) : params.delete(k));
    set('class', group);
    set('status', status === 'all' ? '' : status);
    set('q', fQ.value.trim());
    const qs = params.toString();
    history.replaceState(null, '', `${location.pathname}${qs ? `?${qs}` : ''}`);
    $('csv').href = `/bursar.csv${qs ? `?${qs}` : ''}`;
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    apply();
  });
  fClass.addEventListener('change', apply);
  fStatus.addEventListener('change', apply);
  fQ.addEventListener('input', apply);
  $('print-owing').addEventListener('click', () => {
    fStatus.value = 'owing';
    apply();
    const title = $('print-title');
    const cls = fClass.value ? ` · ${fClass.options[fClass.selectedIndex].text}` : '';
    title.textContent = `${fStatus.options[fStatus.selectedIndex].text}${cls}`;
    window.print();
  });

  // ---- Totals ------------------------------------------------------------------------------------
  function tallyOf(rows) {
    const t = { students: 0, paid: 0, partial: 0, unpaid: 0, collected: 0, owing: 0 };
    for (const tr of rows) {
      t.students++;
      t[tr.dataset.status]++;
      t.collected += Number(tr.dataset.paid);
      t.owing += Number(tr.dataset.owing);
    }
    return t;
  }
  function recount() {
    const all = [];
    for (const tbody of table.tBodies) {
      const rows = studentRows(tbody);
      all.push(...rows);
      const t = tallyOf(rows);
      tbody.querySelector('.class-summary').textContent = fill(m.classSummary, {
        paid: num.format(t.paid),
        total: num.format(t.students),
        owing: vnd.format(t.owing),
      });
    }
    const t = tallyOf(all);
    $('sum-students').textContent = num.format(t.students);
    $('sum-paid').textContent = num.format(t.paid);
    $('sum-partial').textContent = num.format(t.partial);
    $('sum-unpaid').textContent = num.format(t.unpaid);
    $('sum-collected').textContent = vnd.format(t.collected);
    $('sum-outstanding').textContent = vnd.format(t.owing);
  }

  // ---- Live --------------------------------------------------------------------------------------
  let toastTimer = null;
  function toast(text) {
    const el = $('toast');
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      el.hidden = true;
    }, 6000);
  }
  async function refresh(e) {
    const r = e.paymentRequest;
    if (!r || !table) return;
    const key = r.payerRef || `request:${r.id}`;
    const tr = table.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
    if (!tr) {
      toast(m.reloadForNew);
      return;
    }
    const sep = d.studentUrl.includes('?') ? '&' : '?';
    const which = r.payerRef
      ? `ref=${encodeURIComponent(r.payerRef)}`
      : `request=${encodeURIComponent(r.id)}`;
    const res = await fetch(`${d.studentUrl}${sep}${which}`, {
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (!res.ok) return;
    const s = await res.json();
    tr.dataset.status = s.status;
    tr.dataset.due = String(s.due);
    tr.dataset.paid = String(s.paid);
    tr.dataset.owing = String(s.owing);
    tr.querySelector('.due').textContent = vnd.format(s.due);
    tr.querySelector('.paid').textContent = vnd.format(s.paid);
    tr.querySelector('.owing').textContent = vnd.format(s.owing);
    tr.querySelector('.state').textContent = s.statusLabel;
    tr.classList.remove('just-paid');
    void tr.offsetWidth;
    tr.classList.add('just-paid');
    recount();
    apply();
    toast(
      fill(m.toastPaid, { amount: vnd.format(e.amount), who: s.group ? `${s.name} (${s.group})` : s.name }),
    );
  }
  // One at a time, in order: two payments of one student end with the later state.
  let chain = Promise.resolve();
  const live = $('live');
  const liveText = { connecting: m.liveConnecting, on: m.liveOn, off: m.liveOff, expired: m.liveExpired };
  window.CounterLive?.connect({
    url: d.streamUrl,
    after: d.after,
    checkUrl: `/v1/payees/${d.payeeId}`,
    onPayment(e) {
      chain = chain.then(() => refresh(e)).catch(() => {});
    },
    onState(s) {
      live.dataset.state = s;
      live.textContent = liveText[s];
    },
  });
})();
