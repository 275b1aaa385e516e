/* The receiving screen (/warehouse/receiving/<id>): every scan goes to the server, in order, once.
 *
 * - A `kladovka:scan` (scanner.js: wedge, camera, manual entry) becomes a queue item with a fresh UUID in
 *   KladovkaQueue, scope "receive:<id>", and the queue is sent oldest first. The server applies each UUID
 *   once, so a queue sent twice (a reload mid-send, the network back) counts nothing twice.
 * - No network: the item stays queued ("waiting to be sent: N") and is sent on `online`, on start and after
 *   the next scan. Counting is the server's: offline scans are not verified on the device.
 * - A bin scanned answers "bin": its address is the put-away bin sent with the following goods (kept in
 *   sessionStorage for the receipt). A "−1" button takes one unit of its line back (its own UUID).
 * - After each answer the lines are re-read (an HTMX-style GET of the screen answers the fragment).
 */
(function () {
  'use strict';

  var root = document.querySelector('[data-receiving-screen]');
  if (!root || root.getAttribute('data-status') !== 'draft') return;
  var id = root.getAttribute('data-id');
  var scope = 'receive:' + id;
  var base = '/warehouse/receiving/' + id;
  var binKey = 'kladovka-receive-bin-' + id;
  var Q = window.KladovkaQueue;
  var sending = false;
  var memoryQueue = [];

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

  function refresh() {
    return fetch(base, { headers: { 'HX-Request': 'true' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var box = document.getElementById('receiving-lines');
        if (html !== null && box) box.innerHTML = html;
      })
      .catch(function () { /* offline: the lines stay as they were */ });
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json',
                 'X-CSRFToken': root.getAttribute('data-csrf') || '' },
      body: JSON.stringify(body)
    });
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

  function flush() {
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
    return next().then(function () { sending = false; return refresh(); }, function () {
      sending = false;
      feedback('warn', text('offline'));
    }).then(showPending);
  }

  function enqueue(item) {
    item.uuid = newUuid();
    item.scanned_at = new Date().toISOString();
    return add(item).then(showPending).then(flush);
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

  window.addEventListener('online', flush);
  showBin();
  showPending().then(flush);
})();
