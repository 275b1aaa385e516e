/* The manager app's page script (loaded with `defer` by pwa/manager/templates/_base.html, after
 * /static/common/pwa.js which registers the worker, shows the offline banner and forgets pages on sign-out).
 *
 * Barcode scanners acting as a keyboard ("keyboard wedge") put the code into the page's scan field
 * (the element with [data-scan-target]) and do what Enter in that field would (the form's first
 * submit button is clicked, so e.g. an "Add" button with hx-post answers, not "Save"):
 * - keystroke mode with no input focused: keys arriving < 50 ms apart and ending with Enter;
 * - "send as string" mode: the whole code arrives as ONE input event in the scan field (no keydown).
 * With the scan field focused in keystroke mode the browser itself types and submits.
 */
(function () {
  'use strict';

  var MAX_GAP_MS = 50; // a person types slower than this; a scanner faster
  var MIN_CODE_LENGTH = 3;
  var SUBMIT_GUARD_MS = 300; // after a string-mode scan, the scanner's own Enter must not submit twice

  // ---- 4. keyboard-wedge scanners ------------------------------------------------------------
  function scanTarget() {
    var el = document.querySelector('[data-scan-target]');
    return el && !el.disabled ? el : null;
  }

  function isEditable(el) {
    if (!el || el === document.body || el === document.documentElement) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
    if (tag !== 'INPUT') return false;
    var type = (el.getAttribute('type') || 'text').toLowerCase();
    return ['button', 'submit', 'reset', 'checkbox', 'radio', 'image', 'file', 'range', 'color'].indexOf(type) < 0;
  }

  var lastStringScan = { field: null, at: 0 };

  /** The button Enter in a field of `form` would press: its first submit button, in tree order. */
  function defaultButton(form) {
    var elements = form.elements;
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      var type = (el.type || '').toLowerCase();
      if ((el.tagName === 'BUTTON' && type === 'submit') || (el.tagName === 'INPUT' && (type === 'submit' || type === 'image'))) {
        return el;
      }
    }
    return null;
  }

  /** Does what Enter in the scan field would do (HTML "implicit submission"): click the form's default
   * button (so its name/value, formaction and hx-* attributes apply), or submit a form that has none. */
  function submitScan(field) {
    var form = field.form;
    if (form) {
      var button = defaultButton(form);
      if (button) {
        if (!button.disabled) button.click();
      } else if (typeof form.requestSubmit === 'function') {
        form.requestSubmit();
      } else {
        form.submit();
      }
      return;
    }
    // No form: let the field's own handlers (e.g. hx-trigger="keyup[key=='Enter']") react.
    ['keydown', 'keyup'].forEach(function (type) {
      field.dispatchEvent(new KeyboardEvent(type, { key: 'Enter', code: 'Enter', bubbles: true }));
    });
  }

  function deliverScan(code) {
    var field = scanTarget();
    if (!field) return false;
    field.value = code;
    field.dispatchEvent(new CustomEvent('kladovka:scan', { bubbles: true, detail: { code: code } }));
    submitScan(field);
    return true;
  }

  // Keystroke mode with nothing focused: collect fast keys; Enter ends the code.
  var buffer = '';
  var lastKeyAt = 0;

  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (isEditable(document.activeElement)) {
      buffer = '';
      return;
    }
    var now = event.timeStamp || performance.now();
    var fast = now - lastKeyAt < MAX_GAP_MS;
    lastKeyAt = now;
    if (event.key === 'Enter') {
      var code = fast ? buffer : '';
      buffer = '';
      if (code.length >= MIN_CODE_LENGTH && deliverScan(code)) event.preventDefault();
      return;
    }
    if (event.key.length !== 1) {
      if (event.key !== 'Shift') buffer = '';
      return;
    }
    buffer = fast ? buffer + event.key : event.key;
  }, true);

  // "Send as string" mode: the whole code lands in the scan field as one input event.
  document.addEventListener('input', function (event) {
    var field = event.target;
    if (!field || !field.hasAttribute || !field.hasAttribute('data-scan-target')) return;
    var data = event.data || '';
    if (event.inputType !== 'insertText' || data.replace(/[\r\n]+$/, '').length < MIN_CODE_LENGTH) return;
    field.value = field.value.replace(/[\r\n]+/g, '');
    lastStringScan = { field: field, at: performance.now() };
    submitScan(field);
  }, true);

  // A scanner in string mode may still send Enter after the string: that one must not submit again.
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Enter' || event.target !== lastStringScan.field) return;
    if (performance.now() - lastStringScan.at < SUBMIT_GUARD_MS) event.preventDefault();
    lastStringScan = { field: null, at: 0 };
  }, true);
})();
