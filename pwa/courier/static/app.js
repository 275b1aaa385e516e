/* The courier app's page script (every page of /courier/).
 *
 * - Actions: a form with [data-queue] (statuses, cash and card payments, starting the route) is not sent
 *   by the browser: its fields become a queue item in IndexedDB (KladovkaQueue, scope "courier") with the
 *   form's client UUID, and the queue is sent oldest first, one at a time, as JSON to the form's action.
 *   The server applies each UUID once (mark_stop, take_payment), so a double tap, a reload mid-send or a
 *   replay after the network returns changes nothing twice. No network: the item stays
 *   («Ожидают отправки: N»), survives a reload, and is sent on `online`, on start, on a timer and on the
 *   worker's background sync. A refusal (4xx) is kept on the device and shown until the courier hides it.
 *   After the queue is sent the page is read again (it shows the server's state). Money to give back at
 *   the door (the answer's "refunds" after goods were handed back) is said after the last message, and a
 *   stop page it was sent from stays open (it shows «Верните покупателю …» in big letters).
 * - Offline: the route page asks the worker to keep itself and every stop page (and this app's files);
 *   a stop page keeps itself. Queued statuses show on the chips of the pages as kept.
 * - Position: with the toggle on (remembered on the phone), navigator.geolocation is read once a minute
 *   while a page of the app is open and POSTed to /courier/position.
 * - Live: the courier's own channel over Server-Sent Events: a route the manager published or changed is
 *   re-read and swapped in with «Маршрут изменён» (polling only while the stream is not connected).
 * - Cash: the change is computed as the courier types what the customer hands over (the server computes
 *   it again and says it after the payment). SBP needs the network: its buttons say so while offline.
 */
(function () {
  'use strict';

  var SCOPE = 'courier';
  var GEO_KEY = 'kladovka-courier-geo';
  var SAID_KEY = 'kladovka-courier-said';
  var POSITION_EVERY_MS = 60000;
  var RETRY_MS = [1000, 2000, 5000, 10000, 30000];
  var SEND_TIMEOUT_MS = 15000;
  var sending = false;
  var retries = 0;
  var retryTimer = null;
  var geoTimer = null;
  var memory = [];
  var queuing = {};
  var Q = window.KladovkaQueue;

  function box() { return document.querySelector('[data-courier-queue]'); }

  function text(name, values, el) {
    var holder = el || box();
    var t = (holder && holder.getAttribute('data-text-' + name)) || '';
    Object.keys(values || {}).forEach(function (k) { t = t.replace('{' + k + '}', values[k]); });
    return t;
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function csrf() { // the cookie first: a page kept for offline may be older than the token
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    var b = box();
    return m ? decodeURIComponent(m[1]) : (b && b.getAttribute('data-csrf')) || '';
  }

  // ---- the queue ------------------------------------------------------------------------------------
  function items() { return Q ? Q.items(SCOPE) : Promise.resolve(memory.slice()); }
  function add(item) {
    if (Q) return Q.add(SCOPE, item);
    item.seq = memory.length + 1;
    memory.push(item);
    return Promise.resolve(item);
  }
  function remove(item) {
    if (Q) return Q.remove(item.seq);
    memory = memory.filter(function (x) { return x !== item; });
    return Promise.resolve();
  }
  function refusals() { return Q ? Q.conflicts(SCOPE) : Promise.resolve([]); }

  function say(kind, message) {
    var flash = document.getElementById('flash');
    if (!flash || !message) return;
    var div = document.createElement('div');
    div.className = 'flash flash-' + kind;
    div.setAttribute('data-testid', 'flash');
    div.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    var p = document.createElement('p');
    p.textContent = message;
    div.appendChild(p);
    flash.innerHTML = '';
    flash.appendChild(div);
  }

  function showQueue() {
    return Promise.all([items(), refusals()]).then(function (both) {
      var rows = both[0];
      var refused = both[1];
      var b = box();
      if (!b) return;
      var pending = b.querySelector('[data-testid=pending-count]');
      pending.hidden = rows.length === 0;
      pending.textContent = text('pending', { count: rows.length });
      var list = b.querySelector('[data-refusal-list]');
      list.innerHTML = '';
      refused.forEach(function (r) {
        var li = document.createElement('li');
        li.setAttribute('data-testid', 'refusal');
        li.textContent = (r.label ? r.label + ': ' : '') + text('refused', { message: r.message || text('failed') });
        list.appendChild(li);
      });
      b.querySelector('[data-testid=refusals]').hidden = refused.length === 0;
      markQueued(rows);
    });
  }

  /** The pages as kept show the server's state of when they were kept: a queued status shows on its chip. */
  function markQueued(rows) {
    rows.forEach(function (item) {
      if (!item.stop_id) return;
      var selector = '[data-stop-id="' + String(item.stop_id).replace(/[^0-9]/g, '') + '"] [data-testid=stop-status]';
      var page = document.querySelector('[data-stop-page][data-stop-id="' + String(item.stop_id).replace(/[^0-9]/g, '') + '"]');
      var chips = document.querySelectorAll(selector);
      if (page) chips = [page.querySelector('[data-testid=stop-status]')];
      var payment = page && item.kind === 'pay' && page.querySelector('[data-testid=payment]');
      if (payment && !payment.querySelector('[data-uuid-queued="' + item.uuid + '"]')) {
        var note = document.createElement('p');
        note.className = 'pay-queued';
        note.setAttribute('data-testid', 'pay-queued');
        note.setAttribute('data-uuid-queued', item.uuid);
        note.textContent = item.label + ': ' + text('pay-queued');
        payment.insertBefore(note, payment.children[1] || null);
      }
      Array.prototype.forEach.call(chips, function (chip) {
        if (!chip || item.kind !== 'status') return;
        chip.textContent = item.label + ' — ' + text('chip-queued');
        chip.setAttribute('data-queued', item.body.action || '');
      });
    });
  }

  function post(item) {
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort && setTimeout(function () { abort.abort(); }, SEND_TIMEOUT_MS);
    return fetch(item.url, {
      method: 'POST', credentials: 'same-origin', signal: abort ? abort.signal : undefined,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf() },
      body: JSON.stringify(item.body),
    }).then(function (r) { clearTimeout(timer); return r; }, function (err) { clearTimeout(timer); throw err; });
  }

  function flush() {
    if (sending) return Promise.resolve();
    sending = true;
    var sent = 0;
    var last = null;
    var leave = false; // a stop finished from its own page: back to the route
    var notes = []; // money to give back at the door (a partial delivery of paid goods): said whatever came after
    var stay = false; // ...and then the stop page stays, it says so in big letters
    function next() {
      return items().then(function (rows) {
        if (!rows.length) return null;
        var item = rows[0];
        return post(item).then(function (response) {
          // not an answer of the app (a captive portal, a sign-in page): keep the action and try again later
          if (response.status >= 500 || response.status === 401 || response.status === 403 || response.redirected ||
              !/json/.test(response.headers.get('content-type') || '')) throw new Error('not now');
          return response.json().catch(function () { return {}; }).then(function (data) {
            sent += 1;
            if (response.ok) {
              last = { kind: 'ok', message: data.message || text('sent') };
              var here = location.pathname === '/courier/stop/' + item.stop_id;
              if (data.refunds && data.refunds.length) {
                notes = notes.concat(data.refunds);
                if (here) stay = true;
              }
              if (item.kind === 'status' && /^(delivered|failed|partial)$/.test(item.body.action || '') && here) leave = true;
              return remove(item).then(next);
            }
            var message = data.detail || data.title || text('failed');
            last = { kind: 'error', message: message };
            var conflict = { label: item.label, message: message, stop_id: item.stop_id, uuid: item.uuid, url: item.url };
            return (Q ? Q.addConflict(SCOPE, conflict) : Promise.resolve()).then(function () { return remove(item); })
              .then(function () { renewUuid(item.uuid); }).then(next);
          });
        });
      });
    }
    return next().then(function () {
      sending = false;
      retries = 0;
      if (sent) {
        notes.forEach(function (note) {
          if (last.message.indexOf(note) < 0) last.message += ' ' + note;
        });
        try { sessionStorage.setItem(SAID_KEY, JSON.stringify(last)); } catch (e) { /* private mode */ }
        if (leave && !stay) location.assign('/courier/');
        else location.reload();
      }
    }, function () {
      sending = false;
      retryLater();
    }).then(showQueue);
  }

  function retryLater() {
    if (retryTimer) clearTimeout(retryTimer);
    var wait = RETRY_MS[Math.min(retries, RETRY_MS.length - 1)];
    retries += 1;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, wait);
  }

  /** A refused action's form gets a new UUID: sending it again (corrected) is a new action. */
  function renewUuid(old) {
    Array.prototype.forEach.call(document.querySelectorAll('input[data-uuid]'), function (input) {
      if (input.value === old) input.value = newUuid();
    });
  }

  /** Background Sync: the worker tells the open pages to send when the network is back (where supported). */
  function askForSync() {
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) return reg.sync.register('kladovka-courier');
      return undefined;
    }).catch(function () { return undefined; });
  }

  function fieldsOf(form) {
    var body = {};
    new FormData(form).forEach(function (value, key) {
      if (key === '_csrf_token') return;
      body[key] = typeof value === 'string' ? value : '';
    });
    return body;
  }

  document.addEventListener('submit', function (event) {
    var form = event.target && event.target.closest && event.target.closest('form[data-queue]');
    if (!form) return;
    event.preventDefault();
    event.stopPropagation();
    if (form.checkValidity && !form.checkValidity()) { form.reportValidity(); return; }
    var body = fieldsOf(form);
    if (!body.uuid) body.uuid = newUuid();
    body.at = new Date().toISOString();
    var item = { uuid: body.uuid, url: new URL(form.getAttribute('action'), location.href).pathname, body: body, // not form.action: an input may be named so
                 kind: form.getAttribute('data-queue'), stop_id: form.getAttribute('data-stop-id') || '',
                 label: form.getAttribute('data-label') || '', page: location.pathname };
    if (queuing[item.uuid]) return; // a double tap while the first one is being stored
    queuing[item.uuid] = true;
    items().then(function (rows) {
      if (rows.some(function (r) { return r.uuid === item.uuid; })) return null; // a double tap: queued already
      return add(item);
    }).then(function () {
      delete queuing[item.uuid];
      if (navigator.onLine === false) {
        say('warn', text('queued'));
        askForSync();
      }
      return showQueue();
    }).then(flush);
  }, true);

  document.addEventListener('click', function (event) {
    var button = event.target && event.target.closest && event.target.closest('[data-clear-refusals]');
    if (!button || !Q) return;
    Q.clearConflicts(SCOPE).then(showQueue);
  });

  // ---- offline: the worker keeps the route and its stops -----------------------------------------------
  function keepForOffline() {
    if (!('serviceWorker' in navigator)) return;
    var urls = [location.pathname];
    var route = document.querySelector('[data-route-page]');
    if (route) {
      urls = ['/courier/'];
      (route.getAttribute('data-stop-urls') || '').split(' ').forEach(function (u) { if (u) urls.push(u); });
    }
    Array.prototype.forEach.call(document.querySelectorAll('script[src], link[rel=stylesheet][href]'),
      function (el) { urls.push(el.src || el.href); });
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage({ type: 'keep', urls: urls });
    }).catch(function () { return undefined; });
  }

  // ---- position ------------------------------------------------------------------------------------------
  function geoOn() { try { return localStorage.getItem(GEO_KEY) === '1'; } catch (e) { return false; } }

  function geoState(name, values) {
    var p = document.querySelector('[data-geo-state]');
    if (!p) return;
    p.hidden = false;
    p.textContent = text(name, values, p);
  }

  function sendPosition() {
    if (!geoOn() || !navigator.geolocation || navigator.onLine === false) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      fetch('/courier/position', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf() },
        body: JSON.stringify({ lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy,
                               at: new Date(pos.timestamp || Date.now()).toISOString() }),
      }).then(function (r) {
        if (r.ok) geoState('on', { time: new Date().toLocaleTimeString().slice(0, 5) });
      }).catch(function () { /* offline: the next minute tries again */ });
    }, function () { geoState('denied'); }, { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 });
  }

  function startGeo() {
    if (geoTimer) clearInterval(geoTimer);
    geoTimer = null;
    if (!geoOn()) return;
    sendPosition();
    geoTimer = setInterval(sendPosition, POSITION_EVERY_MS);
  }

  document.addEventListener('change', function (event) {
    var toggle = event.target && event.target.closest && event.target.closest('[data-geo-toggle]');
    if (!toggle) return;
    try { localStorage.setItem(GEO_KEY, toggle.checked ? '1' : '0'); } catch (e) { /* private mode */ }
    startGeo();
  });

  // ---- cash: the change as the courier types -----------------------------------------------------------
  function kopecks(raw) {
    var t = String(raw || '').replace(/[\s\u00a0₽]/g, '').replace(',', '.');
    if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
    var parts = t.split('.');
    return parseInt(parts[0], 10) * 100 + (parts[1] ? parseInt((parts[1] + '0').slice(0, 2), 10) : 0);
  }

  function rub(k) {
    var s = (Math.abs(k) / 100).toFixed(2).replace('.', ',');
    return s.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f') + '\u00a0₽';
  }

  document.addEventListener('input', function (event) {
    var input = event.target && event.target.closest && event.target.closest('[data-tendered]');
    if (!input) return;
    var form = input.form;
    var out = form.querySelector('[data-change]');
    var amount = kopecks(form.querySelector('[data-amount]').value);
    var tendered = kopecks(input.value);
    if (amount === null || tendered === null) { out.textContent = ''; return; }
    var change = tendered - amount;
    out.textContent = change >= 0 ? text('change', { amount: rub(change) }, out) : text('short', { amount: rub(-change) }, out);
    out.setAttribute('data-kopecks', String(change));
  });

  // ---- SBP needs the network ------------------------------------------------------------------------------
  function networkButtons() {
    var offline = navigator.onLine === false;
    Array.prototype.forEach.call(document.querySelectorAll('[data-needs-network] button'), function (button) {
      button.disabled = offline;
      button.textContent = button.getAttribute(offline ? 'data-text-offline' : 'data-text-online') || button.textContent;
    });
  }

  // ---- live: the manager changed the route ----------------------------------------------------------------
  // An EventSource on the queue box's data-live-url (GET /courier/live/<courier id>, the courier's own
  // channel) hears «route_published» / «route_changed»; the route page then re-reads /courier/ and swaps its
  // block in when the route is not the same any more (data-route-sig: the stops, their order, statuses and
  // ETAs), and says «Маршрут изменён»; a stop page says it with a link to the route. While the stream is not
  // connected (no EventSource, the server away, a proxy that buffers) the route is re-read every
  // ROUTE_POLL_MS instead, and a stream the server refused (an error status: EventSource gives up, CLOSED)
  // is opened again on each of those reads (one that only dropped reconnects by itself); offline neither
  // runs (the pages kept on the phone stay as they are).
  var ROUTE_POLL_MS = 60000;
  var live = { source: null, url: null, connections: 0, poll: null, reading: false };

  function liveUrl() { var b = box(); return (b && b.getAttribute('data-live-url')) || ''; }

  function notice(name) {
    var b = box();
    var p = b && b.querySelector('[data-testid=route-changed]');
    if (!p) return;
    p.textContent = text(name);
    if (name === 'route-changed-stop') {
      var a = document.createElement('a');
      a.href = '/courier/';
      a.className = 'button';
      a.setAttribute('data-testid', 'route-changed-open');
      a.textContent = document.querySelector('[data-testid=back-to-route]') ?
        document.querySelector('[data-testid=back-to-route]').textContent : '→';
      p.appendChild(document.createTextNode(' '));
      p.appendChild(a);
    }
    p.hidden = false;
  }

  /** Re-reads the route page; swaps its block in (and says so) when the route changed. A stop page only
   *  says so, and only when the server told (`told`): polling and reconnecting there have nothing to compare. */
  function refreshRoute(told) {
    var current = document.querySelector('[data-route-page]');
    if (!current) {
      if (told && document.querySelector('[data-stop-page]')) notice('route-changed-stop');
      return Promise.resolve();
    }
    if (live.reading || navigator.onLine === false) return Promise.resolve();
    live.reading = true;
    return fetch('/courier/', { credentials: 'same-origin', headers: { Accept: 'text/html' }, cache: 'no-store' })
      .then(function (r) {
        if (!r.ok || r.redirected) return null; // signed out meanwhile: the next navigation says so
        return r.text();
      }).then(function (html) {
        live.reading = false;
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, 'text/html').querySelector('[data-route-page]');
        var now = document.querySelector('[data-route-page]');
        if (!fresh || !now || fresh.getAttribute('data-route-sig') === now.getAttribute('data-route-sig')) return;
        var node = document.importNode(fresh, true);
        node.setAttribute('data-ready', '1');
        now.replaceWith(node);
        if (window.htmx && htmx.process) htmx.process(node);
        var toggle = node.querySelector('[data-geo-toggle]');
        if (toggle) toggle.checked = geoOn();
        notice('route-changed');
        keepForOffline();
        showQueue();
      }, function () { live.reading = false; });
  }

  function startPolling() {
    if (live.poll) return;
    if (!document.querySelector('[data-route-page]')) return; // only the route page has something to compare
    live.poll = setInterval(function () {
      if (navigator.onLine === false) return;
      if (!live.source) openLive(); // a stream the server refused (CLOSED: a 502 mid-deploy) is tried again
      refreshRoute(false);
    }, ROUTE_POLL_MS);
  }

  function stopPolling() {
    if (live.poll) clearInterval(live.poll);
    live.poll = null;
  }

  function closeLive() {
    if (live.source) live.source.close();
    live.source = null;
    live.url = null;
  }

  function openLive() {
    var url = liveUrl();
    if (!url || navigator.onLine === false) { closeLive(); stopPolling(); return; }
    if (!window.EventSource) { startPolling(); return; }
    if (live.source && live.url === url && live.source.readyState !== 2) return; // 2: CLOSED
    closeLive();
    var source = new EventSource(url);
    live.source = source;
    live.url = url;
    source.addEventListener('ready', function () {
      live.connections += 1;
      stopPolling();
      if (live.connections > 1) refreshRoute(false); // news may have been missed while away
    });
    source.addEventListener('route', function (event) {
      var m = {};
      try { m = JSON.parse(event.data) || {}; } catch (e) { /* not ours: re-read anyway */ }
      if (m.change === 'started') return; // the courier's own start: the page reloads after sending it
      refreshRoute(true);
    });
    source.addEventListener('error', function () {
      // reconnecting by itself (the server sends retry), or given up (CLOSED: a refusal): poll meanwhile
      if (navigator.onLine === false) return;
      startPolling();
      if (source.readyState === 2 && live.source === source) live.source = null;
    });
  }

  // ---- start ----------------------------------------------------------------------------------------------
  function start() {
    try {
      var said = sessionStorage.getItem(SAID_KEY);
      if (said) {
        sessionStorage.removeItem(SAID_KEY);
        var s = JSON.parse(said);
        if (s && s.message) say(s.kind, s.message);
      }
    } catch (e) { /* private mode */ }
    var toggle = document.querySelector('[data-geo-toggle]');
    if (toggle) toggle.checked = geoOn();
    networkButtons();
    keepForOffline();
    showQueue().then(function () {
      var root = document.querySelector('[data-route-page], [data-stop-page]');
      if (root) root.setAttribute('data-ready', '1');
      return flush();
    });
  }

  window.addEventListener('online', function () {
    retries = 0;
    networkButtons();
    flush();
    openLive();
  });
  window.addEventListener('offline', function () {
    networkButtons();
    closeLive();
    stopPolling();
  });
  window.addEventListener('pagehide', closeLive);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', function (event) {
      if (event.data && event.data.type === 'sync') flush();
    });
  }
  document.addEventListener('htmx:afterSettle', function (event) {
    if (event.detail && event.detail.target && event.detail.target.tagName === 'BODY') { start(); openLive(); }
  });
  window.KladovkaCourier = { items: items, refusals: refusals, flush: flush, refreshRoute: refreshRoute, state: function () {
    return items().then(function (rows) {
      return { pending: rows.length, sending: sending, live: !!(live.source && live.source.readyState === 1),
               polling: !!live.poll };
    });
  } };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { start(); startGeo(); openLive(); });
  else { start(); startGeo(); openLive(); }
})();
