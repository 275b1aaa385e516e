/* Camera scanning for phones without a hardware scanner. Loaded only when the picker taps «Камера»
 * (app.js), so the pages stay light.
 *
 * getUserMedia({video: {facingMode: 'environment'}}) into a <video>; each frame is read by the browser's
 * BarcodeDetector where it exists (Android Chrome, macOS), else by zxing-wasm, which is loaded on first use
 * from /static/common/vendor/ (its wasm too — nothing from a CDN; the service worker keeps them once used).
 * EAN-13/8, UPC-A, Code 128, QR and (GS1) DataMatrix; zxing reads in "Plain" text mode, so a DataMatrix
 * keeps its group separators. A code found goes to KladovkaScanner.deliver(code, 'camera'); the same code
 * is not delivered again within REPEAT_MS.
 *
 *   KladovkaCamera.open() / close() / toggle()
 */
(function () {
  'use strict';

  var NATIVE_FORMATS = ['ean_13', 'ean_8', 'upc_a', 'code_128', 'qr_code', 'data_matrix'];
  var ZXING_FORMATS = ['EAN13', 'EAN8', 'UPCA', 'Code128', 'QRCode', 'DataMatrix'];
  var VENDOR = '/static/common/vendor/';
  var REPEAT_MS = 1500;
  var FRAME_MS = 120;

  var box = null;
  var video = null;
  var stream = null;
  var running = false;
  var decoder = null;
  var canvas = null;
  var last = { code: '', at: 0 };
  var zxing = null;

  function text(key, fallback) {
    var el = document.querySelector('[data-camera]');
    return (el && el.getAttribute('data-text-' + key)) || fallback;
  }

  function status(message) {
    var el = box && box.querySelector('[data-testid=camera-status]');
    if (el) el.textContent = message;
  }

  function loadZxing() {
    if (zxing) return zxing;
    zxing = new Promise(function (resolve, reject) {
      if (window.ZXingWASM) { resolve(); return; }
      var script = document.createElement('script');
      script.src = VENDOR + 'zxing-reader.js';
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error('zxing-wasm not loaded')); };
      document.head.appendChild(script);
    }).then(function () {
      window.ZXingWASM.prepareZXingModule({
        overrides: { locateFile: function (path, prefix) { return path.endsWith('.wasm') ? VENDOR + path : prefix + path; } },
      });
    });
    zxing.catch(function () { zxing = null; });
    return zxing;
  }

  function nativeDecoder() {
    if (!('BarcodeDetector' in window)) return Promise.resolve(null);
    var Detector = window.BarcodeDetector;
    var supported = Detector.getSupportedFormats ? Detector.getSupportedFormats() : Promise.resolve(NATIVE_FORMATS);
    return Promise.resolve(supported).then(function (formats) {
      var wanted = NATIVE_FORMATS.filter(function (f) { return formats.indexOf(f) >= 0; });
      if (!wanted.length) return null;
      var detector = new Detector({ formats: wanted });
      return function (source) {
        return detector.detect(source).then(function (found) {
          return found.map(function (b) { return b.rawValue; });
        });
      };
    }).catch(function () { return null; });
  }

  function zxingDecoder() {
    return loadZxing().then(function () {
      canvas = canvas || document.createElement('canvas');
      var ctx = canvas.getContext('2d', { willReadFrequently: true });
      return function (source) {
        var w = source.videoWidth;
        var h = source.videoHeight;
        if (!w || !h) return Promise.resolve([]);
        canvas.width = w;
        canvas.height = h;
        ctx.drawImage(source, 0, 0, w, h);
        return window.ZXingWASM.readBarcodes(ctx.getImageData(0, 0, w, h), {
          formats: ZXING_FORMATS, tryHarder: true, maxNumberOfSymbols: 1, textMode: 'Plain',
        }).then(function (found) {
          return found.filter(function (r) { return r.isValid && r.text; }).map(function (r) { return r.text; });
        });
      };
    });
  }

  function makeDecoder() {
    return nativeDecoder().then(function (native) {
      if (native) {
        box.setAttribute('data-decoder', 'native');
        return native;
      }
      box.setAttribute('data-decoder', 'zxing');
      return zxingDecoder();
    });
  }

  function found(codes) {
    var now = performance.now();
    codes.forEach(function (code) {
      if (code === last.code && now - last.at < REPEAT_MS) return;
      last = { code: code, at: now };
      status(code.replace(/\x1d/g, '␝'));
      if (window.KladovkaScanner) window.KladovkaScanner.deliver(code, 'camera');
    });
  }

  function tick() {
    if (!running) return;
    var ready = video && video.readyState >= 2 && decoder;
    var job = ready ? decoder(video).then(found) : Promise.resolve();
    job.catch(function () { return undefined; }).then(function () {
      if (running) setTimeout(tick, FRAME_MS);
    });
  }

  function build() {
    box = document.createElement('div');
    box.className = 'camera-box';
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-label', text('title', 'Camera'));
    box.setAttribute('data-testid', 'camera');
    video = document.createElement('video');
    video.setAttribute('playsinline', '');
    video.muted = true;
    video.autoplay = true;
    video.setAttribute('data-testid', 'camera-video');
    var note = document.createElement('p');
    note.className = 'camera-status';
    note.setAttribute('data-testid', 'camera-status');
    note.setAttribute('aria-live', 'polite');
    var close = document.createElement('button');
    close.type = 'button';
    close.className = 'camera-close';
    close.textContent = text('close', 'Close');
    close.setAttribute('data-testid', 'camera-close');
    close.addEventListener('click', closeCamera);
    box.appendChild(video);
    box.appendChild(note);
    box.appendChild(close);
    document.body.appendChild(box);
  }

  function open() {
    if (running) return Promise.resolve();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      if (window.KladovkaScanner) window.KladovkaScanner.feedback('error', text('unavailable', 'No camera'));
      return Promise.resolve();
    }
    build();
    running = true;
    status(text('starting', '…'));
    return navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }).then(function (s) {
      if (!running) {
        s.getTracks().forEach(function (t) { t.stop(); });
        return undefined;
      }
      stream = s;
      video.srcObject = s;
      var playing = video.play();
      return Promise.all([makeDecoder(), playing]).then(function (got) {
        decoder = got[0];
        status(text('aim', ''));
        box.setAttribute('data-state', 'scanning');
        tick();
      });
    }).catch(function () {
      closeCamera();
      if (window.KladovkaScanner) window.KladovkaScanner.feedback('error', text('unavailable', 'No camera'));
    });
  }

  function closeCamera() {
    running = false;
    decoder = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    if (box) box.remove();
    box = null;
    video = null;
  }

  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && running) closeCamera();
  });
  document.addEventListener('htmx:beforeSwap', function () { if (running) closeCamera(); });

  window.KladovkaCamera = { open: open, close: closeCamera, toggle: function () { return running ? closeCamera() : open(); },
    isOpen: function () { return running; } };
})();
