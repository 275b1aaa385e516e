/* The pick screen (/warehouse/pick/<id>): renders the list from its snapshot, verifies every scan on the
 * device, sends it, and keeps working with the network gone.
 *
 * The snapshot (server/domain/picking/queries.py: lines, codes with multipliers, GTINs of marked goods,
 * marking codes taken, bins) rides in the page (#pick-data) and is kept in IndexedDB (offline-queue.js);
 * the newer of the two is used, so a reload offline shows what was last known.
 *
 * A scan (`kladovka:scan` from scanner.js: wedge, manual entry, camera):
 * 1. is checked here against the snapshot plus the scans not yet answered — barcode/SKU (upper case) →
 *    variant and multiplier, what is left, another variant of the same product, marked goods need a whole
 *    DataMatrix (gs1.js) of one of the line's GTINs not used before, serial-tracked goods ask for the
 *    serial, location-first mode needs the bin first — and the picker hears and sees the verdict at once;
 * 2. goes into the queue (IndexedDB, in order, with a client UUID) and the queue is sent one by one
 *    (POST /warehouse/pick/<id>/scans). The server's answer is the truth: it replaces the line's counts
 *    (and its message the local one). Refused scans are sent too (the picker report counts them).
 * Offline (or the server unreachable) the scans wait in the queue — counted on their lines as "waiting
 * to sync", with a counter — and are sent in order on `online`, on start, when the worker says 'sync',
 * and on a timer. Each is removed only once the server answered; a scan counted here but refused on
 * replay (the order was cancelled meanwhile, someone else picked the goods) goes to the conflicts list
 * with the server's words. 5xx and network errors stop the replay until later; the server counts a
 * UUID once, so sending twice is safe.
 */
(function () {
  'use strict';

  var RETRY_MS = [2000, 5000, 15000, 30000];
  var REFRESH_RESULTS = ['order_cancelled', 'order_packed', 'list_closed', 'over', 'marking_reused', 'serial_reused'];
  var C = window.KladovkaPickCheck; // pick-check.js: the verdict
  var V = window.KladovkaPickView; // pick-view.js: the picture
  var st = null; // the mounted screen

  // ---- small helpers -------------------------------------------------------------------------------
  function fill(text, params) {
    return String(text).replace(/%\((\w+)\)s/g, function (m, key) {
      return params && params[key] !== undefined && params[key] !== null ? String(params[key]) : m;
    });
  }

  function T(key, params) {
    return fill((st && st.texts[key]) || key, params);
  }

  function render() {
    if (st) V.render(st, T);
  }

  function byId(id) {
    return st.lineById[id];
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b); // plain http on a LAN has no randomUUID, but has this
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function device() {
    var key = 'kladovka-device';
    try {
      var id = localStorage.getItem(key);
      if (!id) {
        id = 'wh-' + newUuid().slice(0, 8);
        localStorage.setItem(key, id);
      }
      return id;
    } catch (err) {
      return 'wh-unknown';
    }
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : (st && st.root.getAttribute('data-csrf')) || '';
  }

  // ---- feedback ----------------------------------------------------------------------------------------
  function flash(kind, text) {
    if (window.KladovkaScanner) window.KladovkaScanner.feedback(kind, text);
    say(kind, text);
  }

  function say(kind, text) {
    var el = document.getElementById('scan-feedback');
    if (!el || !text) return;
    el.textContent = text;
    el.setAttribute('data-kind', kind);
  }

  // ---- a scan ------------------------------------------------------------------------------------------
  function onScan(code) {
    if (!st.ready) {
      st.early.push(code);
      return;
    }
    if (st.serialAsk) {
      var asGoods = st.snap.codes[C.cleanScan(code).toUpperCase()] || window.KladovkaGS1.looksLikeMarking(code);
      if (!asGoods) {
        serialGiven(code);
        return;
      }
      closeSerial();
    }
    scan(code, '');
  }

  function scan(code, serial) {
    var d = C.decide(st, code, serial);
    if (d.result === 'needs_serial') {
      askSerial(code, d.params.name);
      flash('warn', T('needs_serial', d.params));
      return;
    }
    if (d.result === 'bin') st.bin = d.bin;
    var online = navigator.onLine;
    var message = T(d.key, d.params);
    flash(d.kind, online || d.kind !== 'ok' ? message : T('queued', { message: message }));
    var item = {
      uuid: newUuid(),
      body: { uuid: null, code: code, serial: serial || '', bin: st.snap.mode === 'location' ? st.bin : '',
        device: device(), scanned_at: new Date().toISOString() },
      local: { result: d.result, kind: d.kind, takes: d.takes, key: d.mark || '',
        label: (d.params && d.params.name) || C.cleanScan(code) },
      state: online ? 'sending' : 'waiting',
      fresh: online,
    };
    item.body.uuid = item.uuid;
    st.pending.push(item);
    render();
    if (!online) askBackgroundSync();
    window.KladovkaQueue.add(st.scope, stored(item)).then(function (row) {
      item.seq = row.seq;
      drain();
    });
  }

  function stored(item) {
    return { uuid: item.uuid, body: item.body, local: item.local, state: 'waiting' };
  }

  // ---- serial numbers ------------------------------------------------------------------------------------
  function askSerial(code, name) {
    var form = document.getElementById('serial-form');
    st.serialAsk = { code: code };
    if (!form) return;
    form.hidden = false;
    var label = form.querySelector('[data-f=label]');
    if (label) label.textContent = T('serial_for', { name: name });
    var input = form.querySelector('input');
    input.value = '';
    input.focus();
  }

  function closeSerial() {
    st.serialAsk = null;
    var form = document.getElementById('serial-form');
    if (form) form.hidden = true;
  }

  function serialGiven(serial) {
    var ask = st.serialAsk;
    closeSerial();
    serial = String(serial || '').trim();
    if (ask && serial) scan(ask.code, serial);
  }

  // ---- the queue -----------------------------------------------------------------------------------------
  function send(item) {
    return fetch(st.base + '/scans', {
      method: 'POST', credentials: 'same-origin', redirect: 'manual', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf() },
      body: JSON.stringify(item.body),
    }).then(function (res) {
      if (res.type === 'opaqueredirect' || res.status === 401) return { retry: true, notice: 'signed_out' };
      if (res.status === 403) return { retry: true, notice: 'forbidden' };
      if (res.status === 0 || res.status === 408 || res.status === 429 || res.status >= 500) return { retry: true };
      if ((res.headers.get('content-type') || '').indexOf('json') < 0) return { retry: true };
      return res.json().then(function (body) {
        return res.ok ? { outcome: body } : { drop: body.detail || body.title || String(res.status) };
      }, function () { return { retry: true }; });
    }, function () { return { retry: true }; });
  }

  function markWaiting() {
    var changed = false;
    st.pending.forEach(function (item) {
      if (item.state !== 'waiting') {
        item.state = 'waiting';
        item.fresh = false;
        changed = true;
      }
    });
    if (changed) askBackgroundSync();
  }

  function scheduleRetry() {
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
      do {
        screen.again = false;
        while (screen.pending.length && screen === st) {
          if (!navigator.onLine) {
            markWaiting();
            break;
          }
          var item = screen.pending[0];
          if (item.seq === undefined) break; // not stored yet: its add() drains again
          var answer = await send(item);
          if (answer.retry) {
            markWaiting();
            screen.notice = answer.notice || '';
            scheduleRetry();
            break;
          }
          screen.notice = '';
          screen.retries = 0;
          screen.pending.shift();
          await window.KladovkaQueue.remove(item.seq);
          if (answer.outcome) applyOutcome(item, answer.outcome);
          else await addConflict(item, T('send_failed', { message: answer.drop }));
          render();
        }
      } while (screen.again && screen === st);
    })();
    return screen.draining.finally(function () {
      screen.draining = null;
      if (screen !== st) return;
      render();
      saveSnapshot();
      // a scan stored between the loop's end and here asked in vain (draining was still set): go again,
      // unless a retry is already planned
      if (screen.again && !screen.timer) {
        drain();
        return;
      }
      if (!st.pending.length && st.needRefresh && navigator.onLine) refresh();
    });
  }

  function applyOutcome(item, o) {
    st.answers += 1;
    // what the device knows is as fresh as this answer: a page kept earlier must not win over it
    if (o.answered_at && newer({ generated_at: o.answered_at }, st.snap) > 0) st.snap.generated_at = o.answered_at;
    var line = o.line_id ? byId(o.line_id) : null;
    if (line) {
      line.picked = o.picked;
      line.left = Math.max(line.qty - line.picked - line.short, 0);
      line.done = line.left === 0;
    }
    if (o.accepted && item.local.key && !st.used[item.local.key]) {
      st.used[item.local.key] = true;
      st.snap.used_codes = (st.snap.used_codes || []).concat([item.local.key]);
    }
    var localUnits = C.sum(item.local.takes);
    var takes = item.local.takes || [];
    var sameLine = takes.length === 1 && takes[0][0] === o.line_id;
    var agree = o.units === localUnits && (o.units === 0 || sameLine) && o.kind === item.local.kind;
    if ((o.units > 0 && !sameLine) || !agree || REFRESH_RESULTS.indexOf(o.result) >= 0) st.needRefresh = true;
    if (item.fresh) {
      if (o.result === 'needs_serial') askSerial(item.body.code, (o.params && o.params.name) || '');
      if (agree) say(o.kind, o.message);
      else flash(o.kind, o.message); // the server knew better: say it out loud
    } else if (localUnits > 0 && !o.accepted) {
      addConflict(item, o.message);
    }
  }

  function addConflict(item, message) {
    var conflict = { uuid: item.uuid, label: item.local.label, message: message };
    st.conflicts.push(conflict);
    return window.KladovkaQueue.addConflict(st.scope, conflict);
  }

  function askBackgroundSync() {
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      return reg.sync && reg.sync.register('kladovka-scans');
    }).catch(function () { return undefined; });
  }

  // ---- the snapshot ------------------------------------------------------------------------------------
  function newer(a, b) {
    return Date.parse((a && a.generated_at) || 0) - Date.parse((b && b.generated_at) || 0);
  }

  function saveSnapshot() {
    if (st) window.KladovkaQueue.saveSnapshot(st.scope, st.snap);
  }

  function refresh() {
    var screen = st;
    var seen = screen.answers; // a scan answered while this was on its way makes it stale
    return fetch(screen.base + '/data', { credentials: 'same-origin', redirect: 'manual', cache: 'no-store',
      headers: { Accept: 'application/json' } }).then(function (res) {
      if (!res.ok || (res.headers.get('content-type') || '').indexOf('json') < 0) return;
      return res.json().then(function (data) {
        if (screen !== st || !data || !data.lines) return;
        if (screen.answers !== seen) {
          screen.needRefresh = true; // read again once the queue is empty
          return;
        }
        if (newer(data, st.snap) <= 0) return; // the worker's copy, kept offline
        st.snap = data;
        st.needRefresh = false;
        C.index(st);
        saveSnapshot();
        render();
      });
    }).catch(function () { return undefined; });
  }

  function keepForOffline() {
    if (!('serviceWorker' in navigator)) return;
    var urls = [location.pathname, st.base + '/data'];
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage({ type: 'keep', urls: urls });
    }).catch(function () { return undefined; });
  }

  // ---- completion ------------------------------------------------------------------------------------------
  function complete(event) {
    event.preventDefault();
    if (st.completing) return; // a double tap
    if (!navigator.onLine) {
      flash('error', T('offline_complete'));
      return;
    }
    var form = event.target;
    st.completing = true;
    render();
    var wait = st.pending.length ? (say('warn', T('complete_wait')), drain()) : Promise.resolve();
    wait.then(function () {
      if (st.pending.length) {
        flash('error', T('offline_complete'));
        return undefined;
      }
      return fetch(form.action, { method: 'POST', credentials: 'same-origin', redirect: 'manual',
        headers: { Accept: 'application/json', 'X-CSRFToken': csrf() } }).then(function (res) {
        return res.json().then(function (body) {
          if (res.ok) {
            flash(body.packed && body.packed.length || body.already ? 'ok' : 'warn', body.message);
            return refresh();
          }
          var details = (body.errors || []).map(function (e) { return e.detail; }).filter(function (d) {
            return d && d !== body.detail;
          });
          flash('error', [body.detail].concat(details).join('. '));
          return refresh();
        });
      });
    }).catch(function () {
      flash('error', T('offline_complete'));
    }).then(function () {
      st.completing = false;
      render();
      if (st.snap.status !== 'open') finished();
    });
  }

  function finished() {
    ['.pick-tools', '#complete-form', '.pick-settings', '[data-testid=bin-prompt]', '#serial-form'].forEach(function (s) {
      var el = st.root.querySelector(s);
      if (el) el.hidden = true;
    });
  }

  // ---- mounting ------------------------------------------------------------------------------------------
  function readJson(id) {
    var el = document.getElementById(id);
    try {
      return el ? JSON.parse(el.textContent) : null;
    } catch (err) {
      return null;
    }
  }

  function mount(root) {
    if (!root || root.kladovkaPick) return;
    var snap = readJson('pick-data');
    if (!snap) return;
    root.kladovkaPick = true;
    var id = root.getAttribute('data-pick-id');
    st = { root: root, id: id, scope: 'pick:' + id, base: '/warehouse/pick/' + id, snap: snap,
      texts: readJson('pick-texts') || {}, pending: [], conflicts: [], lineEls: {}, bin: '', serialAsk: null,
      ready: false, early: [], retries: 0, answers: 0, timer: null, notice: '', needRefresh: false, draining: null };
    ['pick-lines', 'pick-cancelled', 'pick-done'].forEach(function (box) {
      var el = document.getElementById(box);
      if (el) el.textContent = '';
    });
    C.index(st);
    render();
    var screen = st;
    var Q = window.KladovkaQueue;
    Promise.all([Q.snapshot(screen.scope), Q.items(screen.scope), Q.conflicts(screen.scope)]).then(function (got) {
      if (screen !== st) return;
      var saved = got[0];
      if (saved && saved.data && saved.data.lines && newer(saved.data, snap) >= 0) st.snap = saved.data;
      else Q.saveSnapshot(st.scope, snap);
      st.pending = got[1].map(function (item) { item.state = 'waiting'; item.fresh = false; return item; });
      st.conflicts = got[2];
      C.index(st);
    }).catch(function () { return undefined; }).then(function () {
      if (screen !== st) return;
      st.ready = true;
      render();
      if (st.snap.status !== 'open') finished();
      var early = st.early.splice(0);
      early.forEach(onScan);
      keepForOffline();
      drain().then(function () { if (navigator.onLine && screen === st) refresh(); });
    });
    var serial = document.getElementById('serial-form');
    if (serial) {
      serial.addEventListener('submit', function (event) {
        event.preventDefault();
        serialGiven(serial.querySelector('input').value);
      });
      serial.querySelector('[data-cancel]').addEventListener('click', closeSerial);
    }
    var form = document.getElementById('complete-form');
    if (form) form.addEventListener('submit', complete);
    var dismiss = root.querySelector('[data-dismiss-conflicts]');
    if (dismiss) {
      dismiss.addEventListener('click', function () {
        st.conflicts = [];
        window.KladovkaQueue.clearConflicts(st.scope);
        render();
      });
    }
  }

  document.addEventListener('kladovka:scan', function (event) {
    if (!st || !document.body.contains(st.root)) return; // the screen is gone (an HTMX navigation)
    event.preventDefault();
    onScan(event.detail.code);
  });

  function wake() {
    if (st && document.body.contains(st.root)) {
      render();
      drain();
    }
  }

  window.addEventListener('online', wake);
  window.addEventListener('offline', function () { if (st) { markWaiting(); render(); } });
  document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'visible') wake(); });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', function (event) {
      if (event.data && event.data.type === 'sync') wake();
    });
  }

  function boot() {
    mount(document.querySelector('[data-pick-screen]'));
  }

  document.addEventListener('htmx:afterSettle', boot);
  document.addEventListener('htmx:historyRestore', boot); // back to the screen from an HTMX page
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();

  window.KladovkaPick = { mount: mount, drain: drain, refresh: refresh, state: function () { return st; } };
})();
