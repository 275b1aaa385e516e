/* Live order lists (loaded with `defer` by the manager's and the warehouse's _base.html): the manager's
 * order board, the pickers' queue of orders to pick.
 *
 * A page with an element [data-live-orders="<SSE url>"] (the board's results, #order-results) gets an
 * EventSource on that url; leaving the board (an HTMX-boosted navigation swaps the body) closes it.
 * - event "ready": the server subscribed us. The indicator (data-live-indicator selector) gets
 *   data-live-state="on"; after a reconnect the rows are re-read, since messages may have been missed.
 * - event "order" ({"kind": "created"|"status", "order_id", "number", "status", "from"}): the rows are
 *   re-read with the board's current filters (the page's own URL, as an HTMX request: the server answers
 *   the rows only), a short moment after the last message, and the rows of those orders are marked
 *   (class live-new / live-status) and announced in the polite status element (data-live-note).
 * - an error: the indicator goes "off"; the browser reconnects by itself (the server sends `retry`).
 */
(function () {
  'use strict';

  var DEBOUNCE_MS = 250;
  var source = null;
  var sourceUrl = null;
  var connections = 0;
  var pending = {};
  var timer = null;

  function board() {
    return document.querySelector('[data-live-orders]');
  }

  function setState(state) {
    var el = board();
    var indicator = el && document.querySelector(el.getAttribute('data-live-indicator') || '');
    if (indicator) indicator.setAttribute('data-live-state', state);
  }

  function close() {
    if (source) source.close();
    source = null;
    sourceUrl = null;
    pending = {};
    if (timer) clearTimeout(timer);
    timer = null;
  }

  function open(url) {
    close();
    if (!window.EventSource) return;
    sourceUrl = url;
    connections = 0;
    source = new EventSource(url);
    source.addEventListener('ready', function () {
      connections += 1;
      setState('on');
      if (connections > 1) schedule(null);
    });
    source.addEventListener('order', function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      schedule(message);
    });
    source.addEventListener('error', function () {
      setState('off');
    });
  }

  function schedule(message) {
    if (message && message.order_id) pending[message.order_id] = message;
    if (timer) clearTimeout(timer);
    timer = setTimeout(refresh, DEBOUNCE_MS);
  }

  function announce(el, changed) {
    var note = document.querySelector(el.getAttribute('data-live-note') || '');
    if (!note) return;
    var texts = Object.keys(changed).map(function (id) {
      var m = changed[id];
      var template = el.getAttribute(m.kind === 'created' ? 'data-text-new' : 'data-text-changed') || '{number}';
      return template.replace('{number}', m.number || '');
    });
    note.textContent = texts.join('. ');
  }

  function mark(el, changed) {
    Object.keys(changed).forEach(function (id) {
      var row = el.querySelector('[data-order-id="' + String(id).replace(/[^0-9]/g, '') + '"]');
      if (row) row.classList.add(changed[id].kind === 'created' ? 'live-new' : 'live-status');
    });
  }

  function refresh() {
    timer = null;
    var el = board();
    if (!el || !window.htmx) return;
    var changed = pending;
    pending = {};
    window.htmx.ajax('GET', window.location.pathname + window.location.search, {
      source: el, target: el, swap: 'innerHTML',
    }).then(function () {
      mark(el, changed);
      announce(el, changed);
    });
  }

  /** Opens or closes the stream so that it matches the page on screen. */
  function sync() {
    var el = board();
    var wanted = el ? el.getAttribute('data-live-orders') : null;
    if (wanted !== sourceUrl) {
      if (wanted) open(wanted);
      else close();
    } else if (wanted && source && source.readyState === 1) {
      setState('on'); // the board was swapped in again (history): keep the open stream
    }
  }

  document.addEventListener('DOMContentLoaded', sync);
  document.addEventListener('htmx:afterSettle', sync);
  window.addEventListener('pagehide', close);
  window.addEventListener('pageshow', sync);
  if (document.readyState !== 'loading') sync();
})();
