// A counter screen's live payments: one EventSource on /v1/payees/{id}/events that resumes where it left
// off. Every event carries the payee's sequence number (1, 2, 3 … in commit order), so an event seen
// twice (a resumed stream) is dropped here and none is skipped: on a dropped connection the browser
// reconnects by itself with Last-Event-ID; after going offline, or an HTTP error, this script opens a
// new stream with ?after=<last seen>.
(() => {
  /**
   * opts: { url, after, onPayment(event), onState('connecting' | 'on' | 'off' | 'expired'), checkUrl }
   * `checkUrl` is a cheap GET with the same login: 401 there means the login has expired.
   */
  function connect(opts) {
    let lastSeq = opts.after;
    let source = null;
    let timer = null;
    let backoff = 1000;
    let expired = false;

    const state = (s) => opts.onState?.(s);

    function close() {
      if (source) {
        source.close();
        source = null;
      }
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(open, backoff);
      backoff = Math.min(backoff * 2, 30000);
    }

    function open() {
      clearTimeout(timer);
      timer = null;
      close();
      if (expired) return;
      if (navigator.onLine === false) {
        state('off');
        return;
      }
      state('connecting');
      const es = new EventSource(`${opts.url}?after=${lastSeq}`);
      source = es;
      es.addEventListener('ready', () => {
        backoff = 1000;
        state('on');
      });
      es.addEventListener('payment', (message) => {
        let event;
        try {
          event = JSON.parse(message.data);
        } catch {
          return;
        }
        if (typeof event.seq !== 'number' || event.seq <= lastSeq) return;
        lastSeq = event.seq;
        opts.onPayment(event);
      });
      es.addEventListener('error', () => {
        if (source !== es) return;
        // CONNECTING: the browser tries again by itself (with Last-Event-ID) after the server's `retry`.
        if (es.readyState === EventSource.CONNECTING) {
          state('off');
          return;
        }
        // CLOSED: the server answered with an error (401 after a revoked login, 503 when busy).
        close();
        state('off');
        fetch(opts.checkUrl, { credentials: 'same-origin', cache: 'no-store' })
          .then((res) => {
            if (res.status === 401) {
              expired = true;
              state('expired');
            } else later();
          })
          .catch(later);
      });
    }

    window.addEventListener('offline', () => {
      close();
      state('off');
    });
    window.addEventListener('online', () => {
      backoff = 1000;
      open();
    });
    open();
    return {
      get lastSeq() {
        return lastSeq;
      },
    };
  }

  window.CounterLive = { connect };
})();
