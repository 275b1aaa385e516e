/* The warehouse app's page script: what the pages of /warehouse/ share besides the scanner.
 *
 * - The queue of orders to pick (home): «Собрать» is for one ticked order, «Собрать волной» for several;
 *   the ticks survive the queue re-reading itself live (live-orders.js swaps it).
 * - The pick screen's scripts are loaded when an HTMX navigation brings the screen in (a full load has
 *   them in its <head>).
 * - «Камера» ([data-camera]): camera.js (and zxing-wasm, if the browser has no BarcodeDetector) is loaded
 *   on the first tap only.
 */
(function () {
  'use strict';

  var PICK_SCRIPTS = ['/static/warehouse/offline-queue.js', '/static/warehouse/gs1.js', '/static/warehouse/pick-check.js',
    '/static/warehouse/pick-view.js', '/static/warehouse/pick.js'];
  var loading = {};

  function load(src) {
    if (!loading[src]) {
      loading[src] = new Promise(function (resolve, reject) {
        var script = document.createElement('script');
        script.src = src;
        script.async = false; // in the order asked
        script.onload = function () { resolve(); };
        script.onerror = function () { delete loading[src]; reject(new Error(src)); };
        document.head.appendChild(script);
      });
    }
    return loading[src];
  }

  // ---- the queue: one order or a wave -----------------------------------------------------------------
  function ticked(form) {
    return form.querySelectorAll('input[name=order]:checked').length;
  }

  function updateChoice() {
    var form = document.querySelector('[data-pick-form]');
    if (!form) return;
    var n = ticked(form);
    form.querySelectorAll('[data-needs]').forEach(function (button) {
      var need = button.getAttribute('data-needs');
      button.disabled = need === 'one' ? n !== 1 : n < 2;
    });
    var hint = form.querySelector('[data-selection-hint]');
    if (hint && n) hint.textContent = (hint.getAttribute('data-text') || '{count}').replace('{count}', n);
  }

  var keptTicks = null;
  document.addEventListener('change', function (event) {
    if (event.target && event.target.name === 'order') updateChoice();
  });
  document.addEventListener('htmx:beforeSwap', function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === 'pick-queue') {
      keptTicks = Array.prototype.map.call(target.querySelectorAll('input[name=order]:checked'), function (i) {
        return i.value;
      });
    }
  });
  document.addEventListener('htmx:afterSwap', function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === 'pick-queue' && keptTicks) {
      keptTicks.forEach(function (value) {
        var box = target.querySelector('input[name=order][value="' + value.replace(/[^0-9]/g, '') + '"]');
        if (box && !box.disabled) box.checked = true;
      });
      keptTicks = null;
    }
    updateChoice();
  });

  // ---- the pick screen after an HTMX navigation ----------------------------------------------------------
  function pickScreen() {
    var root = document.querySelector('[data-pick-screen]');
    if (!root) return;
    if (window.KladovkaPick) {
      window.KladovkaPick.mount(root);
      return;
    }
    if (document.querySelector('script[src="/static/warehouse/pick.js"]')) return; // it mounts itself
    PICK_SCRIPTS.reduce(function (p, src) { return p.then(function () { return load(src); }); }, Promise.resolve())
      .then(function () { if (window.KladovkaPick) window.KladovkaPick.mount(document.querySelector('[data-pick-screen]')); })
      .catch(function (err) { console.warn('[kladovka] pick screen scripts', err); });
  }

  // ---- camera -------------------------------------------------------------------------------------------
  document.addEventListener('click', function (event) {
    var button = event.target && event.target.closest && event.target.closest('[data-camera]');
    if (!button) return;
    event.preventDefault();
    load('/static/warehouse/camera.js').then(function () {
      window.KladovkaCamera.toggle();
    }).catch(function () {
      if (window.KladovkaScanner) {
        window.KladovkaScanner.feedback('error', button.getAttribute('data-text-unavailable') || '');
      }
    });
  });

  function start() {
    updateChoice();
    pickScreen();
  }

  document.addEventListener('htmx:afterSettle', start);
  document.addEventListener('htmx:historyRestore', start);
  // after the page's own deferred scripts (pick.js on the pick screen) have run
  if (document.readyState === 'complete') start();
  else document.addEventListener('DOMContentLoaded', start);
})();
