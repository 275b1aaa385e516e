/* The pick screen's verdict on a scan, given on the device (offline too): the server's rules
 * (server/domain/picking/scanning.py `_decide`) against the list's snapshot plus the scans not yet answered.
 *
 *   KladovkaPickCheck.decide(screen, code, serial) → {result, kind: ok|warn|error, key, params, takes, mark, bin}
 *     result: ok, bin, needs_serial, not_on_list, other_variant, over, wrong_bin, marking_*, serial_reused,
 *     order_cancelled, order_packed, list_closed; key names the sentence (pick texts) and params fill it;
 *     takes = [[line id, units]…] what would be counted; mark = the КИ or "<variant>:<serial>" taken.
 *   KladovkaPickCheck.index(screen)  — rebuilds the lookups after the snapshot changed
 *   KladovkaPickCheck.pendingUnits(screen, onlyWaiting) → {line id: units counted by queued scans}
 *   KladovkaPickCheck.eff(line, pendingUnits) → {picked, left, extra}: the line with the queue counted in
 *
 * `screen` is pick.js's state: {snap, pending, bin (location-first: the bin scanned last), lineById, bins,
 * used}. A barcode or SKU is looked up in snap.codes (upper case) with its multiplier; a marking code
 * (gs1.js) by its GTIN; another variant of the same product by snap.other_codes.
 */
(function () {
  'use strict';

  var st = null; // the screen being checked (set by decide)

  function cleanScan(code) {
    return String(code || '').trim().replace(/^\x1d+|\x1d+$/g, '').trim();
  }

  function isLive(line) {
    return line.order_status === 'picking';
  }

  function byId(id) {
    return st.lineById[id];
  }

  function sum(takes) {
    return (takes || []).reduce(function (n, t) { return n + t[1]; }, 0);
  }

  function index(screen) {
    var snap = screen.snap;
    screen.lineById = {};
    snap.lines.forEach(function (l) { screen.lineById[l.id] = l; });
    screen.bins = {};
    (snap.bins || []).forEach(function (b) { screen.bins[String(b).toUpperCase()] = b; });
    screen.used = {};
    (snap.used_codes || []).forEach(function (k) { screen.used[k] = true; });
  }

  function pendingUnits(screen, onlyWaiting) {
    var by = {};
    screen.pending.forEach(function (item) {
      if (onlyWaiting && item.state !== 'waiting') return;
      ((item.local && item.local.takes) || []).forEach(function (t) { by[t[0]] = (by[t[0]] || 0) + t[1]; });
    });
    return by;
  }

  function pendingKeys() {
    var keys = {};
    st.pending.forEach(function (item) {
      if (item.local && item.local.key && sum(item.local.takes) > 0) keys[item.local.key] = true;
    });
    return keys;
  }

  function eff(line, pu) {
    var extra = pu[line.id] || 0;
    var picked = line.picked + extra;
    return { picked: picked, left: Math.max(line.qty - picked - line.short, 0), extra: extra };
  }

  function refuse(result, key, params) {
    return { result: result, kind: 'error', key: key || result, params: params || {}, takes: [] };
  }

  function variantByGtin(gtin) {
    var cands = window.KladovkaGS1.gtinCandidates(gtin);
    var best = null;
    cands.forEach(function (c) {
      var hit = st.snap.codes[c];
      if (hit && !hit.sku && (best === null || hit.multiplier < best.multiplier)) best = hit;
    });
    if (best) return best.variant_id;
    var line = st.snap.lines.filter(function (l) { return (l.gtins || []).indexOf(gtin) >= 0; })[0];
    return line ? line.variant_id : null;
  }

  function spread(lines, units, pu) {
    var takes = [];
    var left = units;
    for (var i = 0; i < lines.length; i++) {
      var take = Math.min(left, eff(lines[i], pu).left);
      if (take > 0) {
        takes.push([lines[i].id, take]);
        left -= take;
      }
      if (left === 0) return takes;
    }
    return null;
  }

  function over(live, name, units, pu) {
    var qty = live.reduce(function (n, l) { return n + l.qty; }, 0);
    var left = live.reduce(function (n, l) { return n + eff(l, pu).left; }, 0);
    if (left === 0) return refuse('over', 'over_all', { qty: qty, name: name });
    return refuse('over', 'over_package', { units: units, left: left, name: name });
  }

  function byBin(cands, name, pu) {
    if (st.snap.mode !== 'location') return cands;
    if (!st.bin) {
      var withBin = cands.filter(function (l) { return l.bin && eff(l, pu).left > 0; });
      return withBin.length ? refuse('wrong_bin', 'wrong_bin_first', { name: name, bin: withBin[0].bin }) : cands;
    }
    var here = cands.filter(function (l) { return !l.bin || l.bin.toUpperCase() === st.bin.toUpperCase(); });
    if (!here.some(function (l) { return eff(l, pu).left > 0; })) {
      var elsewhere = cands.filter(function (l) { return eff(l, pu).left > 0 && l.bin; })[0];
      if (elsewhere) return refuse('wrong_bin', 'wrong_bin', { name: name, bin: elsewhere.bin, scanned: st.bin });
    }
    return here;
  }

  function decide(screen, code, serial) {
    st = screen;
    var snap = st.snap;
    var pu = pendingUnits(st, false);
    var G = window.KladovkaGS1;
    if (snap.status !== 'open') return refuse('list_closed', 'list_closed', { number: snap.number });
    var marked = G.looksLikeMarking(code);
    var text = marked ? String(code).replace(/^[\r\n\t ]+|[\r\n\t ]+$/g, '') : cleanScan(code);
    var up = text.toUpperCase();
    var bin = st.bins[up];
    if (bin !== undefined && !snap.codes[up] && !(snap.other_codes || {})[up]) {
      var here = snap.lines.filter(function (l) { return l.bin === bin && isLive(l) && eff(l, pu).left > 0; });
      return { result: 'bin', kind: 'ok', key: 'bin', params: { bin: bin, count: here.length }, takes: [], bin: bin };
    }
    var variant;
    var units = 1;
    var marking = null;
    if (marked) {
      try {
        marking = G.parse(code);
      } catch (err) {
        return refuse('marking_invalid', err.key || 'not_marking', err.params);
      }
      variant = variantByGtin(marking.gtin);
      if (variant === null) return refuse('marking_gtin', 'marking_gtin', { gtin: marking.gtin });
    } else {
      var hit = snap.codes[up];
      if (!hit) {
        var other = (snap.other_codes || {})[up];
        var wanted = other && snap.lines.filter(function (l) { return l.product_id === other.product_id; })[0];
        if (wanted) return refuse('other_variant', 'other_variant', { got: other.name, want: wanted.name });
        return refuse('not_on_list', 'not_on_list', { code: text.slice(0, 64) });
      }
      variant = hit.variant_id;
      units = hit.multiplier;
    }
    var all = snap.lines.filter(function (l) { return l.variant_id === variant; });
    if (!all.length) return refuse('not_on_list', 'not_on_list', { code: text.slice(0, 64) });
    var name = all[0].name;
    var live = all.filter(isLive);
    if (!live.length) {
      var gone = all[0];
      var key = gone.order_status === 'cancelled' ? 'order_cancelled' : 'order_packed';
      return refuse(key, key, { number: gone.order_number, name: name });
    }
    var first = live[0];
    if (first.marking_required && !marking) return refuse('marking_needed', 'marking_needed', { name: name });
    if (marking && !marking.complete) return refuse('marking_incomplete', 'marking_incomplete', { serial: marking.serial });
    var ser = marking ? marking.serial : String(serial || '').trim();
    if (first.serial_tracked && !ser) {
      return { result: 'needs_serial', kind: 'warn', key: 'needs_serial', params: { name: name }, takes: [] };
    }
    var markKey = marking ? marking.ki : (first.serial_tracked ? variant + ':' + ser : '');
    if (markKey && (st.used[markKey] || pendingKeys()[markKey])) {
      return marking ? refuse('marking_reused', 'marking_reused') :
        refuse('serial_reused', 'serial_reused', { serial: ser, name: name });
    }
    var open = live.filter(function (l) { return eff(l, pu).left > 0; });
    var cands = byBin(open.length ? open : live, name, pu);
    if (!Array.isArray(cands)) return cands;
    var takes = spread(cands.filter(function (l) { return eff(l, pu).left > 0; }), units, pu);
    if (takes === null) return over(live, name, units, pu);
    var last = takes[takes.length - 1];
    var line = byId(last[0]);
    return { result: 'ok', kind: 'ok', key: 'ok', takes: takes, mark: markKey,
      params: { name: name, picked: eff(line, pu).picked + last[1], qty: line.qty } };
  }

  window.KladovkaPickCheck = { decide: decide, index: index, pendingUnits: pendingUnits, eff: eff, isLive: isLive,
    cleanScan: cleanScan, sum: sum };
})();
