/* The pick screen's picture of the list: the lines in walking order (the current one highlighted, picked
 * ones collapsed to the bottom, those of cancelled orders struck out), what waits in the device's queue,
 * the bin prompt of location-first mode, the progress, the orders (packed ones with their packing slip),
 * the conflicts of a replay, and whether «Завершить сборку» may be pressed.
 *
 *   KladovkaPickView.render(screen, T) — screen is pick.js's state, T(key, params) its sentences
 *
 * Lines are copies of the page's <template id="pick-line-template"> (the server's markup, filled by the
 * data-f names), made once per line and moved between the three lists as they change.
 */
(function () {
  'use strict';

  var C = window.KladovkaPickCheck;
  var st = null;
  var T = null;
  var eff = C.eff;
  var isLive = C.isLive;

  function setText(el, field, text) {
    var f = el.querySelector('[data-f=' + field + ']');
    if (f && f.textContent !== String(text)) f.textContent = text;
    return f;
  }

  function show(el, field, visible) {
    var f = el.querySelector('[data-f=' + field + ']');
    if (f) f.hidden = !visible;
    return f;
  }

  function lineElement(l) {
    var el = st.lineEls[l.id];
    if (el) return el;
    var tpl = document.getElementById('pick-line-template');
    el = tpl.content.firstElementChild.cloneNode(true);
    el.setAttribute('data-line-id', l.id);
    el.setAttribute('data-sku', l.sku);
    var chars = Object.keys(l.characteristics || {}).map(function (k) { return k + ': ' + l.characteristics[k]; });
    setText(el, 'bin', l.bin || st.texts.no_bin || '—');
    setText(el, 'name', l.name);
    setText(el, 'chars', chars.join(' · '));
    setText(el, 'sku', l.sku);
    setText(el, 'order', l.order_number);
    setText(el, 'tote', l.position);
    setText(el, 'qty', l.qty);
    show(el, 'tote', st.snap.orders.length > 1);
    show(el, 'marking', l.marking_required);
    show(el, 'serial', l.serial_tracked);
    var img = el.querySelector('[data-f=image]');
    if (img && l.image) {
      img.src = l.image;
      img.hidden = false;
    }
    var short = el.querySelector('[data-f=short]');
    if (short) short.href = st.base + '/lines/' + l.id + '/short';
    st.lineEls[l.id] = el;
    return el;
  }

  function renderLines(pu, waiting) {
    var todo = [];
    var cancelled = [];
    var done = [];
    st.snap.lines.forEach(function (l) {
      var e = eff(l, pu);
      if (l.order_status === 'cancelled') cancelled.push(l);
      else if (!isLive(l) || e.left === 0) done.push(l);
      else todo.push(l);
    });
    var current = null;
    if (st.snap.status === 'open' && todo.length) {
      current = (st.snap.mode === 'location' && st.bin && todo.filter(function (l) {
        return (l.bin || '').toUpperCase() === st.bin.toUpperCase();
      })[0]) || todo[0];
    }
    [['pick-lines', todo], ['pick-cancelled', cancelled], ['pick-done', done]].forEach(function (pair) {
      var box = document.getElementById(pair[0]);
      if (!box) return;
      pair[1].forEach(function (l, n) {
        var el = lineElement(l);
        var e = eff(l, pu);
        var state = pair[0] === 'pick-lines' ? 'todo' : pair[0] === 'pick-done' ? 'done' : 'cancelled';
        el.setAttribute('data-state', state);
        el.classList.toggle('current', l === current);
        if (l === current) el.setAttribute('aria-current', 'step');
        else el.removeAttribute('aria-current');
        setText(el, 'picked', e.picked);
        var w = waiting[l.id] || 0;
        var pending = show(el, 'pending', w > 0);
        if (pending && w > 0) pending.textContent = T('line_pending', { count: w });
        var status = state === 'cancelled' ? T(e.picked > 0 ? 'cancelled_return' : 'cancelled_skip') :
          l.short > 0 ? T('short', { count: l.short }) : '';
        var sf = show(el, 'status', !!status);
        if (sf) sf.textContent = status;
        show(el, 'short', state === 'todo');
        if (box.children[n] !== el) box.insertBefore(el, box.children[n] || null);
      });
      while (box.children.length > pair[1].length) box.removeChild(box.lastElementChild); // lines gone
    });
    var doneBox = document.getElementById('pick-done-box');
    if (doneBox) setText(doneBox, 'count', done.length);
    if (current && current !== st.current) {
      var el = st.lineEls[current.id];
      if (el && el.scrollIntoView && st.rendered) el.scrollIntoView({ block: 'nearest' });
    }
    st.current = current;
    return { todo: todo, current: current };
  }

  function renderOrders() {
    st.snap.orders.forEach(function (o) {
      var el = st.root.querySelector('[data-testid=pick-order][data-order-id="' + o.id + '"]');
      if (!el) return;
      var state = o.status === 'cancelled' ? 'cancelled' : o.packed ? 'packed' : 'picking';
      el.setAttribute('data-state', state);
      setText(el, 'status', T(state === 'cancelled' ? 'order_cancelled_label' : state === 'packed' ?
        'order_packed_label' : 'order_picking'));
      show(el, 'slip', o.packed);
    });
  }

  function render(screen, texts) {
    st = screen;
    T = texts;
    if (!st || !document.body.contains(st.root)) return;
    var pu = C.pendingUnits(st, false);
    var waiting = C.pendingUnits(st, true);
    var lines = renderLines(pu, waiting);
    var snap = st.snap;
    var picked = snap.lines.reduce(function (n, l) { return n + (l.order_status === 'cancelled' ? 0 : eff(l, pu).picked); }, 0);
    var units = snap.lines.reduce(function (n, l) { return n + (l.order_status === 'cancelled' ? 0 : l.qty); }, 0);
    var progress = st.root.querySelector('[data-testid=pick-progress]');
    if (progress) progress.textContent = T('progress', { picked: picked, units: units });
    var prompt = st.root.querySelector('[data-testid=bin-prompt]');
    if (prompt) {
      var cur = lines.current;
      var need = snap.mode === 'location' && cur && cur.bin && (st.bin || '').toUpperCase() !== cur.bin.toUpperCase();
      prompt.hidden = snap.mode !== 'location' || snap.status !== 'open';
      prompt.textContent = need ? T('scan_bin', { bin: cur.bin }) : st.bin ? T('at_bin', { bin: st.bin }) : '';
      prompt.setAttribute('data-need', need ? 'bin' : '');
    }
    var counter = st.root.querySelector('[data-testid=pending-count]');
    var waitingCount = st.pending.filter(function (i) { return i.state === 'waiting'; }).length;
    if (counter) {
      counter.hidden = waitingCount === 0 && !st.notice;
      counter.textContent = (waitingCount ? T('pending_count', { count: waitingCount }) : '') +
        (st.notice ? (waitingCount ? '. ' : '') + T(st.notice) : '');
      counter.setAttribute('data-count', String(waitingCount));
    }
    var complete = st.root.querySelector('[data-testid=complete]');
    if (complete) {
      var ready = snap.status === 'open' && snap.lines.filter(isLive).every(function (l) { return eff(l, pu).left === 0; });
      complete.disabled = !ready || !!st.completing;
    }
    renderConflicts();
    renderOrders();
    st.root.setAttribute('data-status', snap.status);
    st.root.setAttribute('data-ready', st.ready ? '1' : '0');
    st.rendered = true;
  }

  function renderConflicts() {
    var box = document.getElementById('pick-conflicts');
    if (!box) return;
    var list = box.querySelector('[data-f=list]');
    box.hidden = !st.conflicts.length;
    list.textContent = '';
    st.conflicts.forEach(function (c) {
      var li = document.createElement('li');
      li.setAttribute('data-testid', 'conflict');
      li.textContent = T('conflict', { code: c.label, message: c.message });
      list.appendChild(li);
    });
  }

  window.KladovkaPickView = { render: render };
})();
