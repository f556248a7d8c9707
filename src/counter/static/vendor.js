// The stall screen: live payments, spoken "Đã nhận 35.000 đồng" for each QR payment, today's totals,
// recording a cash sale, and the stall's QR full screen. The server rendered the figures up to
// sequence number `after`; every event after it is added here exactly once (counter-live.js).
(() => {
  const block = document.getElementById('vendor-data');
  if (!block || !window.CounterLive) return;
  const d = JSON.parse(block.textContent);
  const m = d.messages;
  const $ = (id) => document.getElementById(id);
  const vnd = new Intl.NumberFormat(d.locale, {
    style: 'currency',
    currency: 'VND',
    maximumFractionDigits: 0,
  });
  const num = new Intl.NumberFormat(d.locale, { maximumFractionDigits: 0 });
  const spoken = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
  const clock = new Intl.DateTimeFormat(d.locale, {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'Asia/Ho_Chi_Minh',
  });
  const vnDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' });
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, k) => (k in values ? values[k] : all));

  // ---- Today's totals ----------------------------------------------------------------------------
  const totals = {
    qr: d.cashless.value,
    qrCount: d.cashless.count,
    cash: d.cash.value,
    cashCount: d.cash.count,
  };
  function showTotals() {
    $('qr-value').textContent = vnd.format(totals.qr);
    $('qr-value').dataset.value = String(totals.qr);
    $('qr-count').textContent = num.format(totals.qrCount);
    $('cash-value').textContent = vnd.format(totals.cash);
    $('cash-value').dataset.value = String(totals.cash);
    $('cash-count').textContent = num.format(totals.cashCount);
    $('all-value').textContent = vnd.format(totals.qr + totals.cash);
  }
  // A new day (Asia/Ho_Chi_Minh) starts from zero: the server renders it.
  setInterval(() => {
    if (vnDay.format(new Date()) > d.today) location.reload();
  }, 60000);

  // ---- The list ----------------------------------------------------------------------------------
  const channelName = (c) => m[`channel_${c}`] || m.channel_transfer;
  function payerOf(e) {
    const r = e.paymentRequest;
    if (!r) return '';
    return [r.payerName || r.payerRef || r.reference, r.payerGroup].filter(Boolean).join(' · ');
  }
  function addToList(e) {
    const li = document.createElement('li');
    li.dataset.seq = String(e.seq);
    li.dataset.channel = e.channel;
    if (e.refundDue) li.className = 'refund';
    li.classList.add('new');
    const time = document.createElement('time');
    time.dateTime = e.at;
    time.textContent = clock.format(new Date(e.at));
    const what = document.createElement('span');
    what.className = 'what';
    what.textContent = channelName(e.channel);
    const amount = document.createElement('span');
    amount.className = 'amount';
    amount.textContent = vnd.format(e.amount);
    li.append(time, what, amount);
    const who = [payerOf(e), e.refundDue ? m.refundDue : ''].filter(Boolean).join(' · ');
    if (who) {
      const span = document.createElement('span');
      span.className = 'who';
      span.textContent = who;
      li.append(span);
    }
    const feed = $('feed');
    feed.prepend(li);
    while (feed.children.length > d.liveItems) feed.lastElementChild.remove();
    $('feed-empty').hidden = true;
  }

  // ---- Speech ------------------------------------------------------------------------------------
  const synth = window.speechSynthesis;
  const canSpeak = !!(synth && typeof window.SpeechSynthesisUtterance === 'function');
  const banner = $('speech');
  function showBanner(text, withButton) {
    $('speech-msg').textContent = text;
    $('speech-on').hidden = !withButton;
    banner.hidden = false;
    banner.dataset.state = withButton ? 'ask' : 'info';
  }
  function vietnameseVoice() {
    for (const v of synth.getVoices() || []) if (/^vi([-_]|$)/i.test(v.lang)) return v;
    return null;
  }
  function checkVoices() {
    const voices = synth.getVoices() || [];
    if (voices.length > 0 && !vietnameseVoice()) showBanner(m.speechNoVoice, false);
  }
  function say(text) {
    const u = new SpeechSynthesisUtterance(text);
    u.lang = 'vi-VN';
    try {
      const voice = vietnameseVoice();
      if (voice) u.voice = voice;
    } catch {}
    u.onerror = (ev) => {
      // Chrome refuses speech until the page has been tapped once.
      if (ev.error === 'not-allowed') showBanner(m.speechBlocked, true);
      else if (ev.error !== 'interrupted' && ev.error !== 'canceled') showBanner(m.speechUnavailable, false);
    };
    synth.speak(u);
  }
  if (!canSpeak) showBanner(m.speechUnavailable, false);
  else {
    if (!navigator.userActivation?.hasBeenActive) showBanner(m.speechAsk, true);
    if (typeof synth.addEventListener === 'function') synth.addEventListener('voiceschanged', checkVoices);
    setTimeout(checkVoices, 1500);
  }
  let wakeLock = null;
  function keepAwake() {
    if (!navigator.wakeLock || wakeLock) return;
    navigator.wakeLock
      .request('screen')
      .then((lock) => {
        wakeLock = lock;
        lock.addEventListener('release', () => {
          wakeLock = null;
        });
      })
      .catch(() => {});
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && banner.dataset.state !== 'ask') keepAwake();
  });
  $('speech-on').addEventListener('click', () => {
    keepAwake();
    if (!canSpeak) return;
    synth.cancel();
    say(m.speechTest);
    showBanner(m.speechOn, false);
    setTimeout(() => {
      if (banner.dataset.state === 'info' && $('speech-msg').textContent === m.speechOn) banner.hidden = true;
    }, 4000);
  });

  // Payments that arrive together (a stream resumed after a dropped connection) are announced as one
  // sentence when there are more than three, not one after another for a minute.
  let burst = [];
  let burstTimer = null;
  function announce(e) {
    burst.push(e);
    clearTimeout(burstTimer);
    burstTimer = setTimeout(() => {
      const list = burst;
      burst = [];
      if (!canSpeak) return;
      if (list.length <= 3) {
        for (const x of list) say(`Đã nhận ${spoken.format(x.amount)} đồng`);
      } else {
        const sum = list.reduce((s, x) => s + x.amount, 0);
        say(`Đã nhận ${list.length} khoản, tổng cộng ${spoken.format(sum)} đồng`);
      }
    }, 120);
  }
  let flashTimer = null;
  function flash(e) {
    const el = $('flash');
    el.textContent = `+${vnd.format(e.amount)}`;
    el.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      el.hidden = true;
    }, 4000);
    try {
      navigator.vibrate?.(200);
    } catch {}
  }

  // ---- Live --------------------------------------------------------------------------------------
  const live = $('live');
  const liveText = { connecting: m.liveConnecting, on: m.liveOn, off: m.liveOff, expired: m.liveExpired };
  function onPayment(e) {
    if (e.day > d.today) {
      location.reload();
      return;
    }
    addToList(e);
    if (e.day === d.today && !e.refundDue) {
      if (e.channel === 'cash') {
        totals.cash += e.amount;
        totals.cashCount += e.saleCount;
      } else {
        totals.qr += e.amount;
        totals.qrCount += 1;
      }
      showTotals();
    }
    if (e.channel !== 'cash') {
      flash(e);
      announce(e);
    }
  }
  window.CounterLive.connect({
    url: d.streamUrl,
    after: d.after,
    checkUrl: `/v1/payees/${d.payeeId}`,
    onPayment,
    onState(s) {
      live.dataset.state = s;
      live.textContent = liveText[s];
    },
  });

  // ---- Cash sale ---------------------------------------------------------------------------------
  const form = $('cash-form');
  const input = $('cash-amount');
  const msg = $('cash-msg');
  const openButton = $('open-cash');
  let idempotencyKey = null;
  let keyFor = null;
  const newKey = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  function toggleForm(show) {
    form.hidden = !show;
    openButton.setAttribute('aria-expanded', String(show));
    if (show) {
      msg.textContent = '';
      input.focus();
    }
  }
  openButton.addEventListener('click', () => toggleForm(form.hidden));
  $('cash-cancel').addEventListener('click', () => {
    toggleForm(false);
    openButton.focus();
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = input.value.replace(/[\s.,₫đ]/gi, '');
    const amount = /^\d{1,9}$/.test(text) ? Number(text) : 0;
    if (!(amount > 0 && amount <= 500000000)) {
      msg.textContent = m.cashInvalid;
      msg.className = 'error';
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    input.removeAttribute('aria-invalid');
    // One key per sale: pressing again after a timeout cannot record it twice.
    if (keyFor !== amount) {
      idempotencyKey = newKey();
      keyFor = amount;
    }
    const save = $('cash-save');
    save.disabled = true;
    msg.className = '';
    msg.textContent = m.cashSaving;
    try {
      const res = await fetch(d.cashUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify({ amount, category: 'market' }),
      });
      if (res.status === 201) {
        msg.textContent = fill(m.cashSaved, { amount: vnd.format(amount) });
        // The form stays open for the next sale; "Hủy" closes it.
        input.value = '';
        input.focus();
        keyFor = null;
      } else {
        const body = await res.json().catch(() => null);
        msg.textContent = body?.error?.message || m.cashFailed;
        msg.className = 'error';
      }
    } catch {
      msg.textContent = m.cashFailed;
      msg.className = 'error';
    } finally {
      save.disabled = false;
    }
  });

  // ---- The QR, full screen -----------------------------------------------------------------------
  const qr = $('qr-screen');
  const showQr = $('show-qr');
  function openQr() {
    qr.hidden = false;
    document.body.classList.add('qr-open');
    keepAwake();
    qr.requestFullscreen?.().catch(() => {});
    $('qr-close').focus();
  }
  function closeQr() {
    if (qr.hidden) return;
    qr.hidden = true;
    document.body.classList.remove('qr-open');
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    showQr.focus();
  }
  showQr.addEventListener('click', openQr);
  $('qr-close').addEventListener('click', closeQr);
  qr.addEventListener('click', (ev) => {
    if (ev.target === qr) closeQr();
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') closeQr();
  });
  document.addEventListener('fullscreenchange', () => {
    if (!document.fullscreenElement && !qr.hidden) closeQr();
  });
})();
