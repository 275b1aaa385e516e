/* The receiving screen (/warehouse/receiving/<id>): every scan goes to the server, in order, once.
 *
 * - A `kladovka:scan` (scanner.js: wedge, camera, manual entry) becomes a queue item with a fresh UUID in
 *   KladovkaQueue, scope "receive:<id>", and the queue is sent oldest first. The server applies each UUID
 *   once, so a queue sent twice (a reload mid-send, the network back) counts nothing twice.
 * - No network: the item stays queued ("waiting to be sent: N") and is sent on `online`, on start, after
 *   the next scan and on a timer (1 s, 2 s, 5 s … 30 s: a Wi-Fi can be "up" and still reach nothing).
 *   Counting is the server's: offline scans are not verified on the device.
 * - A bin scanned answers "bin": its address is the put-away bin sent with the following goods (kept in
 *   sessionStorage for the receipt). A "−1" button takes one unit of its line back (its own UUID).
 * - After each answer the lines are re-read (an HTMX-style GET of the screen answers the fragment).
 * - Offline reload: on start the page asks the service worker to keep it and its scripts (its first load
 *   may have come before the worker controlled it), and again a moment after the lines changed, so a reload
 *   with the network gone opens the screen as last seen, with its queue.
 */
(function () {
  'use strict';

  var root = document.querySelector('[data-receiving-screen]');
  if (!root) return;
  if (root.getAttribute('data-status') !== 'draft') {
    keepForOffline(true); // a posted receipt: its kept copy must not stay the draft
    return;
  }
  var id = root.getAttribute('data-id');
  var scope = 'receive:' + id;
  var base = '/warehouse/receiving/' + id;
  var binKey = 'kladovka-receive-bin-' + id;
  var Q = window.KladovkaQueue;
  var sending = false;
  var memoryQueue = [];
  var KEEP_AFTER_MS = 2000; // the kept copy follows the lines once a burst of scans has been answered
  var RETRY_MS = [1000, 2000, 5000, 10000, 30000];
  var SEND_TIMEOUT_MS = 10000; // the server answers a scan in milliseconds; the UUID makes a resend harmless
  var keepTimer = null;
  var retryTimer = null;
  var retries = 0;

  function text(name, values) {
    var t = root.getAttribute('data-text-' + name) || '';
    Object.keys(values || {}).forEach(function (k) { t = t.replace('{' + k + '}', values[k]); });
    return t;
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  function feedback(kind, message) {
    if (window.KladovkaScanner) { window.KladovkaScanner.feedback(kind, message); return; }
    var live = document.getElementById('scan-feedback');
    if (live) { live.textContent = message; live.setAttribute('data-kind', kind); }
  }

  function currentBin() { try { return sessionStorage.getItem(binKey) || ''; } catch (e) { return ''; } }
  function setBin(address) {
    try { sessionStorage.setItem(binKey, address); } catch (e) { /* private mode */ }
    showBin();
  }
  function showBin() {
    var box = root.querySelector('[data-current-bin]');
    var bin = currentBin();
    if (box && bin) { box.textContent = text('bin', { bin: bin }); box.setAttribute('data-bin', bin); }
  }

  // ---- the queue (IndexedDB through KladovkaQueue; memory when it is missing) --------------------------
  function add(item) { return Q ? Q.add(scope, item) : Promise.resolve(memoryQueue.push(item) && item); }
  function items() { return Q ? Q.items(scope) : Promise.resolve(memoryQueue.slice()); }
  function remove(item) {
    if (Q) return Q.remove(item.seq);
    memoryQueue = memoryQueue.filter(function (x) { return x !== item; });
    return Promise.resolve();
  }

  function showPending() {
    return items().then(function (rows) {
      var box = root.querySelector('[data-testid=pending-count]');
      if (!box) return;
      box.hidden = rows.length === 0;
      box.textContent = text('pending', { count: rows.length });
    });
  }

  // ---- offline reload: the worker keeps this page (and its scripts) --------------------------------------
  function keepForOffline(withFiles) {
    if (!('serviceWorker' in navigator)) return;
    var urls = [location.pathname];
    if (withFiles) {
      Array.prototype.forEach.call(document.querySelectorAll('script[src], link[rel=stylesheet][href]'),
        function (el) { urls.push(el.src || el.href); });
    }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage({ type: 'keep', urls: urls });
    }).catch(function () { return undefined; });
  }

  function keepSoon() {
    if (keepTimer) clearTimeout(keepTimer);
    keepTimer = setTimeout(function () { keepTimer = null; keepForOffline(false); }, KEEP_AFTER_MS);
  }

  function refresh() {
    return fetch(base, { headers: { 'HX-Request': 'true' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var box = document.getElementById('receiving-lines');
        if (html !== null && box) {
          box.innerHTML = html;
          keepSoon();
        }
      })
      .catch(function () { /* offline: the lines stay as they were */ });
  }

  function csrf() { // the cookie first: a page kept for offline may be older than the token
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : root.getAttribute('data-csrf') || '';
  }

  function post(url, body) { // a Wi-Fi with no way out can hold a request for minutes: give up, send again later
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort && setTimeout(function () { abort.abort(); }, SEND_TIMEOUT_MS);
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', signal: abort ? abort.signal : undefined,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json',
                 'X-CSRFToken': csrf() },
      body: JSON.stringify(body)
    }).then(function (response) { clearTimeout(timer); return response; },
      function (err) { clearTimeout(timer); throw err; });
  }

  function answer(item, response) {
    return response.json().catch(function () { return {}; }).then(function (data) {
      if (!response.ok) {
        feedback('error', data.detail || data.title || text('failed'));
        return;
      }
      if (data.result === 'bin' && data.bin_address) setBin(data.bin_address);
      feedback(data.kind || (data.accepted ? 'ok' : 'error'), data.message || '');
    });
  }

  function flush(quiet) { // quiet: a retry says nothing (no beep every few seconds), only the counter
    if (sending) return Promise.resolve();
    sending = true;
    function next() {
      return items().then(function (rows) {
        if (!rows.length) return null;
        var item = rows[0];
        var body = item.undo ? { uuid: item.uuid, variant_id: item.variant_id }
          : { uuid: item.uuid, code: item.code, bin: currentBin(), scanned_at: item.scanned_at };
        return post(base + (item.undo ? '/undo' : '/scans'), body).then(function (response) {
          if (response.status >= 500 || response.status === 401) throw new Error('not now');
          return answer(item, response).then(function () { return remove(item); }).then(next);
        });
      });
    }
    return next().then(function () { sending = false; retries = 0; return refresh(); }, function () {
      sending = false;
      if (quiet !== true) feedback('warn', text('offline'));
      retryLater();
    }).then(showPending);
  }

  // Not sent (no network, or a Wi-Fi that says it is up): try again later, then less and less often.
  function retryLater() {
    if (retryTimer) clearTimeout(retryTimer);
    var wait = RETRY_MS[Math.min(retries, RETRY_MS.length - 1)];
    retries += 1;
    retryTimer = setTimeout(function () { retryTimer = null; flush(true); }, wait);
  }

  function online() {
    retries = 0; // the network is back: try now, and soon again if it is not quite there yet
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    flush(true);
  }

  function enqueue(item) {
    item.uuid = newUuid();
    item.scanned_at = new Date().toISOString();
    // offline while a send is on its way: this scan's flush waits for it, say now that it is kept
    if (sending && navigator.onLine === false) feedback('warn', text('offline'));
    return add(item).then(showPending).then(function () { return flush(); });
  }

  document.addEventListener('kladovka:scan', function (event) {
    event.preventDefault();
    enqueue({ code: event.detail.code });
  });

  root.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-undo]');
    if (!button) return;
    event.preventDefault();
    enqueue({ undo: true, variant_id: parseInt(button.getAttribute('data-variant'), 10) });
  });

  window.addEventListener('online', online);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', function (event) {
      if (event.data && event.data.type === 'sync') flush(true);
    });
  }
  showBin();
  keepForOffline(true);
  showPending().then(function () { return flush(); });
})();
