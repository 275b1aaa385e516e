/* The count screen (/warehouse/counts/<id>): every scan goes to the server in order, through the device's queue.
 *
 * A `kladovka:scan` (scanner.js: wedge, manual entry) is put in the IndexedDB queue (offline-queue.js, scope
 * "count:<id>") with a client UUID and the moment it was scanned, then the queue is sent one by one (POST
 * /warehouse/counts/<id>/scans). The server decides everything — a bin address opens that bin, goods add to
 * it, unknown codes are refused — and its answer is shown and heard (KladovkaScanner.feedback); then the
 * panel (current bin, its goods, the bins) is read again as an HTMX fragment. Offline, or with the server
 * unreachable, scans wait in the queue with a counter and are sent, in the order scanned, on `online`, on
 * start and on a timer; each is removed only once the server answered (the server counts a UUID once, so a
 * second sending is harmless). There is no local verdict: the count is blind and the device knows no stock.
 * Offline reload: on mounting, the screen asks the service worker to keep it and its scripts (its first load
 * may have come before the worker controlled it), and again a moment after the panel changed, so a reload
 * with the network gone opens the screen as last seen, with its queue.
 */
(function () {
  'use strict';

  var RETRY_MS = [1000, 2000, 5000, 10000, 30000];
  var KEEP_AFTER_MS = 2000; // the kept copy follows the panel once a burst of scans has been answered
  var st = null;

  function fill(text, params) {
    return String(text || '').replace(/%\((\w+)\)s/g, function (m, key) {
      return params && params[key] !== undefined && params[key] !== null ? String(params[key]) : m;
    });
  }

  function T(name, params) {
    return fill(st.root.getAttribute('data-text-' + name) || name, params);
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function device() {
    try {
      var id = localStorage.getItem('kladovka-device');
      if (!id) {
        id = 'wh-' + newUuid().slice(0, 8);
        localStorage.setItem('kladovka-device', id);
      }
      return id;
    } catch (err) {
      return 'wh-unknown';
    }
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : st.root.getAttribute('data-csrf') || '';
  }

  function flash(kind, text) {
    if (window.KladovkaScanner) window.KladovkaScanner.feedback(kind, text);
    var el = document.getElementById('scan-feedback');
    if (el && text) {
      el.textContent = text;
      el.setAttribute('data-kind', kind);
    }
  }

  function renderPending() {
    var el = st.root.querySelector('[data-testid=pending-count]');
    if (!el) return;
    var waiting = st.pending.length;
    el.hidden = waiting === 0 || (navigator.onLine && !st.stalled);
    el.textContent = T('pending', { count: waiting });
  }

  // ---- a scan --------------------------------------------------------------------------------------------
  function onScan(code) {
    if (!st.ready) {
      st.early.push(code);
      return;
    }
    var item = { uuid: newUuid(), body: { code: code, device: device(), scanned_at: new Date().toISOString() } };
    item.body.uuid = item.uuid;
    st.pending.push(item);
    if (!navigator.onLine) flash('warn', T('queued', { code: code }));
    renderPending();
    window.KladovkaQueue.add(st.scope, item).then(function (row) {
      item.seq = row.seq;
      drain();
    });
  }

  function send(item) {
    return fetch(st.base + '/scans', {
      method: 'POST', credentials: 'same-origin', redirect: 'manual', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf() },
      body: JSON.stringify(item.body),
    }).then(function (res) {
      if (res.type === 'opaqueredirect' || res.status === 401) return { retry: true, notice: 'signed-out' };
      if (res.status === 0 || res.status === 403 || res.status === 408 || res.status === 429 || res.status >= 500) {
        return { retry: true };
      }
      if ((res.headers.get('content-type') || '').indexOf('json') < 0) return { retry: true };
      return res.json().then(function (body) {
        return res.ok ? { outcome: body } : { drop: body.detail || body.title || String(res.status) };
      }, function () { return { retry: true }; });
    }, function () { return { retry: true }; });
  }

  function retryLater() {
    if (st.timer) clearTimeout(st.timer);
    var wait = RETRY_MS[Math.min(st.retries, RETRY_MS.length - 1)];
    st.retries += 1;
    st.timer = setTimeout(function () { st.timer = null; drain(); }, wait);
  }

  function drain() {
    if (!st) return Promise.resolve();
    if (st.draining) {
      st.again = true;
      return st.draining;
    }
    var screen = st;
    screen.draining = (async function () {
      var answered = 0;
      do {
        screen.again = false;
        while (screen.pending.length && screen === st && navigator.onLine) {
          var item = screen.pending[0];
          if (item.seq === undefined) break; // not stored yet: its add() drains again
          var answer = await send(item);
          if (answer.retry) {
            screen.stalled = true;
            if (answer.notice) flash('warn', T(answer.notice));
            retryLater();
            break;
          }
          screen.stalled = false;
          screen.retries = 0;
          screen.pending.shift();
          await window.KladovkaQueue.remove(item.seq);
          answered += 1;
          if (answer.outcome) flash(answer.outcome.kind, answer.outcome.message);
          else flash('error', T('failed', { message: answer.drop }));
          renderPending();
        }
      } while (screen.again && screen === st);
      if (answered && screen === st && !screen.pending.length) await refreshPanel();
    })();
    return screen.draining.finally(function () {
      screen.draining = null;
      if (screen === st) {
        renderPending();
        st.root.setAttribute('data-idle', st.pending.length ? '0' : '1');
        // a scan stored between the loop's end and here asked in vain (draining was still set): go again,
        // unless a retry is already planned
        if (screen.again && !screen.timer) drain();
      }
    });
  }

  // Every swap of the panel (a refresh here, or an HTMX form: a typed quantity, «bin counted») bumps this;
  // a refresh that comes back after another swap is older than what is shown and is dropped (under load a
  // refresh asked for before «bin counted» could otherwise answer after it and show the bin open again).
  var panelVersion = 0;

  function refreshPanel() {
    var panel = document.getElementById('count-panel');
    if (!panel) return Promise.resolve();
    var asked = panelVersion;
    return fetch(st.base, { credentials: 'same-origin', cache: 'no-store', redirect: 'manual',
      headers: { 'HX-Request': 'true', Accept: 'text/html' } }).then(function (res) {
      if (!res.ok) return undefined;
      return res.text().then(function (html) {
        if (panelVersion !== asked) return;
        panelVersion += 1;
        panel.innerHTML = html;
        if (window.htmx) window.htmx.process(panel);
        keepSoon();
      });
    }).catch(function () { return undefined; });
  }

  // ---- offline reload: the worker keeps this page (and its scripts) ----------------------------------------
  function keepForOffline(withFiles) {
    if (!('serviceWorker' in navigator) || !st) return;
    var urls = [st.base];
    if (withFiles) {
      Array.prototype.forEach.call(document.querySelectorAll('script[src], link[rel=stylesheet][href]'),
        function (el) { urls.push(el.src || el.href); });
    }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage({ type: 'keep', urls: urls });
    }).catch(function () { return undefined; });
  }

  function keepSoon() {
    var screen = st;
    if (screen.keepTimer) clearTimeout(screen.keepTimer);
    screen.keepTimer = setTimeout(function () {
      screen.keepTimer = null;
      if (screen === st) keepForOffline(false);
    }, KEEP_AFTER_MS);
  }

  // ---- mounting ------------------------------------------------------------------------------------------
  function mount(root) {
    if (!root || root.kladovkaCount) return;
    root.kladovkaCount = true;
    var id = root.getAttribute('data-count-id');
    st = { root: root, id: id, scope: 'count:' + id, base: '/warehouse/counts/' + id, pending: [], early: [],
      ready: false, retries: 0, timer: null, draining: null, again: false, stalled: false, keepTimer: null };
    var screen = st;
    keepForOffline(true);
    window.KladovkaQueue.items(screen.scope).then(function (rows) {
      if (screen === st) st.pending = rows;
    }).catch(function () { return undefined; }).then(function () {
      if (screen !== st) return;
      st.ready = true;
      root.setAttribute('data-ready', '1');
      st.early.splice(0).forEach(onScan);
      renderPending();
      drain();
    });
  }

  document.addEventListener('kladovka:scan', function (event) {
    if (!st || !document.body.contains(st.root)) return;
    if (st.root.getAttribute('data-status') !== 'open') return;
    event.preventDefault();
    onScan(event.detail.code);
  });

  function wake(event) {
    if (st && document.body.contains(st.root)) {
      if (event && event.type === 'online') {
        st.retries = 0; // the network is back: try now, and soon again if it is not quite there yet
        if (st.timer) clearTimeout(st.timer);
        st.timer = null;
      }
      renderPending();
      drain();
    }
  }

  window.addEventListener('online', wake);
  window.addEventListener('offline', function () { if (st) renderPending(); });
  document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'visible') wake(); });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', function (event) {
      if (event.data && event.data.type === 'sync') wake();
    });
  }

  function boot() {
    mount(document.querySelector('[data-count-screen]'));
  }

  document.addEventListener('htmx:afterSettle', boot);
  document.addEventListener('htmx:beforeRequest', function (event) { // a form of the panel is on its way
    if (st && event.target && st.root.contains(event.target)) panelVersion += 1;
  });
  document.addEventListener('htmx:afterSwap', function (event) { // a typed quantity, a bin closed or reopened
    if (st && event.target && st.root.contains(event.target)) {
      panelVersion += 1;
      keepSoon();
    }
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();

  window.KladovkaCount = { drain: drain, state: function () { return st; } };
})();
