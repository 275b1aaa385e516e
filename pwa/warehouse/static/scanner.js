/* The warehouse app's scanner: every way a code arrives, one event out, and feedback a picker notices.
 *
 * Sources
 * - Keyboard wedge, keystroke mode (Urovo, Zebra, Mertech TSDs; USB/Bluetooth guns): a burst of keys
 *   less than MAX_GAP_MS apart ending with Enter or Tab. It is caught wherever focus is: the keys of the
 *   burst are taken back out of whatever field they landed in (its value before the burst is restored)
 *   and the code is delivered as a scan, never left typed into a random field. A person typing is slower
 *   and passes through untouched. GS (ASCII 29) inside a code is kept: scanners send it as the character
 *   itself, as Ctrl+] or as the "GroupSeparator" key; the server also repairs codes whose GS was dropped.
 * - Keyboard wedge, "send as string" mode (intent/IME injection): the whole code in ONE beforeinput/input
 *   event with no keydowns; taken before it lands in the field. A trailing Enter is swallowed. Not in a
 *   textarea or under [data-no-scan] (a phone keyboard commits whole words there), nor an autocorrection.
 * - Camera (camera.js) and manual entry ([data-manual-scan] forms) call KladovkaScanner.deliver().
 *
 * Delivery: a `kladovka:scan` CustomEvent on document, detail {code, source}. A page script that handles
 * it calls event.preventDefault(); otherwise, when the page has an element [data-scan-target] (an input
 * in a form), the code goes into it and its form is submitted as Enter would (HTMX forms answer).
 *
 * Feedback: KladovkaScanner.feedback('ok' | 'error' | 'warn', text) — a full-screen colour flash (class on
 * <html>), a tone by Web Audio (a short high beep for right, a long low double buzz for wrong) and a
 * vibration pattern, different for right and wrong. Audio starts on the first key or touch (browsers
 * allow sound only after a gesture).
 */
(function () {
  'use strict';

  var MAX_GAP_MS = 45; // between two keys of one scan; people type slower
  var MIN_LENGTH = 4; // shorter bursts are people (or a stray key)
  var ENTER_GUARD_MS = 300;
  var GS = '\x1d';

  // ---- keystroke bursts --------------------------------------------------------------------------
  var burst = null; // {code, last, fast, target, before}

  function editable(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === 'TEXTAREA') return true;
    if (el.tagName !== 'INPUT') return false;
    var type = (el.getAttribute('type') || 'text').toLowerCase();
    return ['text', 'search', 'number', 'tel', 'url', 'email', 'password'].indexOf(type) >= 0;
  }

  function snapshot(el) {
    if (!editable(el) || el.isContentEditable) return null;
    return { el: el, value: el.value };
  }

  function charOf(event) {
    if (event.key === 'GroupSeparator' || event.key === GS) return GS;
    if (event.ctrlKey && !event.altKey && (event.key === ']' || event.code === 'BracketRight')) return GS;
    if (event.ctrlKey || event.altKey || event.metaKey) return null;
    return event.key && event.key.length === 1 ? event.key : null;
  }

  document.addEventListener('keydown', function (event) {
    if (event.isComposing) return;
    var now = event.timeStamp || performance.now();
    var terminator = event.key === 'Enter' || event.key === 'Tab';
    if (burst && now - burst.last > MAX_GAP_MS) {
      burst = null; // too slow: that was a person
    }
    if (terminator) {
      var done = burst;
      burst = null;
      if (done && done.fast && done.code.length >= MIN_LENGTH) {
        event.preventDefault();
        event.stopPropagation();
        if (done.before && done.before.el.value !== done.before.value) done.before.el.value = done.before.value;
        deliver(done.code, 'wedge');
      }
      return;
    }
    var ch = charOf(event);
    if (ch === null) {
      if (event.key !== 'Shift' && event.key !== 'Control' && event.key !== 'Alt') burst = null;
      return;
    }
    if (ch === GS) event.preventDefault(); // never type a control character into a field
    if (!burst) {
      burst = { code: '', last: now, fast: true, before: snapshot(document.activeElement) };
    }
    burst.code += ch;
    burst.last = now;
  }, true);

  // ---- "send as string" mode -----------------------------------------------------------------------
  var lastStringScan = 0;

  // Where people write words (a comment, a note): a textarea, an editable block, or a field inside
  // [data-no-scan]. A string there is typing, not a scan; keystroke bursts are still caught everywhere.
  function writesProse(el) {
    if (!el || !el.closest) return false;
    return el.tagName === 'TEXTAREA' || el.isContentEditable || !!el.closest('[data-no-scan]');
  }

  document.addEventListener('beforeinput', function (event) {
    var data = event.data || '';
    if (event.inputType !== 'insertText') return; // not insertReplacementText: that is a keyboard's autocorrect
    if (burst && data === GS) {
      // a GS that came as text without a key of its own (some wedges; Playwright's keyboard.type into a
      // field does the same): it belongs to the burst, not to the field
      event.preventDefault();
      burst.code += GS;
      burst.last = event.timeStamp || performance.now();
      return;
    }
    var code = data.replace(/[\r\n\t]+$/, '');
    var now = event.timeStamp || performance.now();
    if (burst && now - burst.last > MAX_GAP_MS) burst = null; // the keys before were a person's, long done
    if (code.length < MIN_LENGTH || burst) return; // keystroke mode types one character per event
    if (writesProse(event.target)) return; // a phone keyboard may commit a whole word at once there
    event.preventDefault();
    lastStringScan = performance.now();
    deliver(code, 'wedge');
  }, true);

  document.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && performance.now() - lastStringScan < ENTER_GUARD_MS) {
      event.preventDefault();
      event.stopPropagation();
      lastStringScan = 0;
    }
  }, true);

  // ---- delivery ------------------------------------------------------------------------------------
  function submitForm(field) {
    var form = field.form;
    if (!form) return;
    if (typeof form.requestSubmit === 'function') form.requestSubmit();
    else form.submit();
  }

  function deliver(code, source) {
    code = String(code || '').replace(/^[\r\n\t ]+|[\r\n\t ]+$/g, '');
    if (!code) return false;
    var event = new CustomEvent('kladovka:scan', { bubbles: true, cancelable: true,
      detail: { code: code, source: source || 'manual' } });
    if (!document.dispatchEvent(event)) return true; // a page script took it
    var field = document.querySelector('[data-scan-target]');
    if (!field || field.disabled) return false;
    field.value = code;
    submitForm(field);
    return true;
  }

  // Manual entry: a form marked [data-manual-scan] with one text input sends its value as a scan.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-manual-scan')) return;
    event.preventDefault();
    var input = form.querySelector('input[type=text], input[type=search], input:not([type])');
    if (!input || !input.value.trim()) return;
    var code = input.value;
    input.value = '';
    deliver(code, 'manual');
  }, true);

  // ---- feedback ------------------------------------------------------------------------------------
  var audio = null;

  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!audio) {
      try { audio = new Ctx(); } catch (err) { audio = null; return; }
    }
    if (audio.state === 'suspended') audio.resume().catch(function () { return undefined; });
  }
  ['keydown', 'pointerdown', 'touchstart'].forEach(function (type) {
    document.addEventListener(type, unlockAudio, { capture: true, passive: true });
  });

  function tone(freq, start, length, wave, volume) {
    if (!audio) return;
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = wave;
    osc.frequency.value = freq;
    var t = audio.currentTime + start;
    gain.gain.setValueAtTime(volume, t);
    gain.gain.exponentialRampToValueAtTime(0.001, t + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + length + 0.02);
  }

  var SOUNDS = {
    ok: function () { tone(1760, 0, 0.09, 'sine', 0.4); },
    warn: function () { tone(880, 0, 0.15, 'triangle', 0.5); tone(880, 0.2, 0.15, 'triangle', 0.5); },
    error: function () { tone(220, 0, 0.3, 'sawtooth', 0.7); tone(180, 0.38, 0.45, 'sawtooth', 0.7); },
  };
  var VIBRATION = { ok: 40, warn: [80, 60, 80], error: [250, 100, 250, 100, 250] };
  var flashTimer = null;

  function feedback(kind, text) {
    kind = SOUNDS[kind] ? kind : 'error';
    var root = document.documentElement;
    root.classList.remove('scan-ok', 'scan-warn', 'scan-error');
    void root.offsetWidth; // restart the animation when the same kind repeats
    root.classList.add('scan-' + kind);
    root.setAttribute('data-last-feedback', kind);
    if (flashTimer) clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { root.classList.remove('scan-' + kind); }, kind === 'error' ? 1200 : 500);
    try { SOUNDS[kind](); } catch (err) { /* no audio device */ }
    if (navigator.vibrate) {
      try { navigator.vibrate(VIBRATION[kind]); } catch (err) { /* not allowed */ }
    }
    var live = document.getElementById('scan-feedback');
    if (live && text) {
      live.textContent = text;
      live.setAttribute('data-kind', kind);
    }
  }

  window.KladovkaScanner = { deliver: deliver, feedback: feedback, GS: GS, MAX_GAP_MS: MAX_GAP_MS };
})();
