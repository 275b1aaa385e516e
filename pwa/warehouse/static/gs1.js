/* Честный ЗНАК marking codes (GS1 DataMatrix) on the device: the same algorithm as the server's
 * server/domain/marking/gs1.py, so that a code is checked the same way offline (a browser test runs both
 * on every code of tests/fixtures/marking/synthetic_codes.json and compares them).
 *
 * A code: 01 + GTIN (14 digits), 21 + serial (ended by GS), then 91 + key id (4) and 92 + signature (44 or
 * 88), or 93 + a 4-character check; other AIs may follow. Tobacco packs: 29 characters without AIs.
 * Wedge scanners damage codes: GS dropped or sent as ^ ~ <GS>, a symbology identifier (]d2) in front, the
 * leading FNC1 as GS, the code cut at the first GS. parse() repairs that; a code cut after the serial
 * parses with complete = false.
 *
 *   KladovkaGS1.looksLikeMarking(raw) → bool
 *   KladovkaGS1.parse(raw) → {gtin, serial, keyId, signature, check, extra: [[ai, value]…], tobacco, repaired,
 *                             ki, km, complete}; throws {key, msgid, params} (a MarkingError) when not a code
 *   KladovkaGS1.gtinCandidates(gtin) → the catalog barcodes a GTIN-14 may be stored as
 *
 * Python's `\d` is any Unicode decimal digit (\p{Nd}) and its lengths count code points; codes are ASCII
 * in practice, and the regular expressions below follow Python's meaning where it differs from JS.
 */
(function () {
  'use strict';

  var GS = '\x1d';
  var GS_SUBSTITUTES = ['<GS>', '<gs>', '{GS}', '\\x1d', '\\u001d', '^', '~', '\u241d', '\u2194'];
  var SYMBOLOGY = /^\][A-Za-z][0-9A-Za-z]/;
  var CHARSET_82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$/;
  var BASE64 = /^[A-Za-z0-9+/=]+$/;
  var SERIAL_LENGTHS = [13, 6, 7, 20, 8, 11, 12, 10, 9, 14, 15, 16, 17, 18, 19, 5, 4, 3, 2, 1];
  // AI → its fixed lengths (none: variable, up to GS or the end), in the server's order
  var TAIL_AIS = [['91', [4]], ['92', [88, 44]], ['93', [4]], ['3103', [6]], ['3353', [6]], ['8005', [6]],
    ['17', [6]], ['11', [6]], ['7003', [10]], ['10', []]];
  var TAIL_LENGTHS = {};
  TAIL_AIS.forEach(function (p) { TAIL_LENGTHS[p[0]] = p[1]; });
  // sorted(_TAIL_AIS, key=len, reverse=True): longest first, stable
  var AIS_LONGEST_FIRST = TAIL_AIS.map(function (p) { return p[0]; }).sort(function (a, b) { return b.length - a.length; });
  var MAX_SERIAL = 20;
  var DIGITS = /^\p{Nd}+$/u; // Python str.isdigit() for the decimal digits codes carry
  var STARTS_01_21 = /^01\p{Nd}{14}21/u;

  var MESSAGES = {
    empty_marking: 'The marking code is empty',
    gtin_check: 'Marking code %(code)s: the GTIN %(gtin)s has a wrong check digit',
    not_marking: '%(code)s is not a marking code (Честный ЗНАК): it must start with 01, the GTIN and 21',
    unreadable: 'Marking code %(code)s cannot be read: the serial number and the verification part are not ' +
      'where they should be',
    serial_chars: 'Marking code %(code)s: the serial number has characters a marking code cannot hold',
  };

  function MarkingError(key, params) {
    this.key = key;
    this.msgid = MESSAGES[key];
    this.params = params || {};
    this.message = this.msgid;
  }

  function isAsciiDigits(text) {
    return /^[0-9]+$/.test(text);
  }

  function checkDigit(body) {
    var total = 0;
    for (var i = 0; i < body.length; i++) {
      var d = Number(body.charAt(body.length - 1 - i));
      total += d * (i % 2 === 0 ? 3 : 1);
    }
    return String((10 - (total % 10)) % 10);
  }

  function gtinCheckOk(gtin) {
    return gtin.length === 14 && isAsciiDigits(gtin) && checkDigit(gtin.slice(0, -1)) === gtin.charAt(13);
  }

  function gtinCandidates(gtin) {
    var found = [gtin];
    if (gtin.indexOf('0') === 0) found.push(gtin.slice(1));
    if (gtin.indexOf('00') === 0) found.push(gtin.slice(2));
    if (gtin.indexOf('000000') === 0) found.push(gtin.slice(6));
    return found;
  }

  function stripEnds(text) {
    return text.replace(/^[\r\n\t ]+/, '').replace(/[\r\n\t ]+$/, '');
  }

  function clean(raw) {
    var text = stripEnds(raw || '');
    var repaired = false;
    var match = SYMBOLOGY.exec(text);
    if (match) {
      text = text.slice(match[0].length);
      repaired = true;
    }
    GS_SUBSTITUTES.forEach(function (sub) {
      if (text.indexOf(sub) >= 0) {
        text = text.split(sub).join(GS);
        repaired = true;
      }
    });
    if (text.charAt(0) === GS) {
      text = text.replace(/^\x1d+/, '');
      repaired = true;
    }
    return { text: text, repaired: repaired };
  }

  function looksLikeMarking(raw) {
    var text = clean(raw).text;
    if (STARTS_01_21.test(text) && text.length > 18) return true;
    return text.length === 29 && DIGITS.test(text.slice(0, 14)) && gtinCheckOk(text.slice(0, 14));
  }

  function startsAi(text, pos) {
    return TAIL_AIS.some(function (p) { return text.startsWith(p[0], pos); });
  }

  /** The AIs after the serial, GS-separated or not, as [[ai, value]…]; null when not a valid tail. */
  function parseTail(text) {
    var found = [];
    var seen = {};
    var pos = 0;
    while (pos < text.length) {
      if (text.charAt(pos) === GS) {
        pos += 1;
        continue;
      }
      var ai = null;
      for (var i = 0; i < AIS_LONGEST_FIRST.length; i++) {
        if (text.startsWith(AIS_LONGEST_FIRST[i], pos)) { ai = AIS_LONGEST_FIRST[i]; break; }
      }
      if (ai === null || seen[ai]) return null;
      pos += ai.length;
      var lengths = TAIL_LENGTHS[ai];
      var end = text.indexOf(GS, pos);
      end = end < 0 ? text.length : end;
      var value = null;
      if (!lengths.length) {
        value = text.slice(pos, end);
      } else {
        for (var j = 0; j < lengths.length; j++) {
          var n = lengths[j];
          if (pos + n <= text.length && (pos + n === text.length || text.charAt(pos + n) === GS || startsAi(text, pos + n))) {
            value = text.slice(pos, pos + n);
            break;
          }
        }
        if (value === null) return null;
      }
      if (!value || (ai === '92' && !BASE64.test(value))) return null;
      seen[ai] = true;
      found.push([ai, value]);
      pos += value.length;
    }
    return found;
  }

  function tailHas(tail, ai) {
    return tail.some(function (p) { return p[0] === ai; });
  }

  function tailGet(tail, ai) {
    var hit = tail.filter(function (p) { return p[0] === ai; })[0];
    return hit ? hit[1] : '';
  }

  function hasTailShape(flat) {
    // Python: re.search(r"(91.{4}92|93.{4}$)", flat) — "." is anything but \n, "$" also before a final \n
    return /91[^\n]{4}92/.test(flat) || /93[^\n]{4}(?:$|(?=\n$))/.test(flat);
  }

  /** rest = what follows 01+GTIN+21 → {serial, tail, repaired} or null. */
  function splitSerial(rest) {
    var gsAt = rest.indexOf(GS);
    if (gsAt >= 0) {
      var serial = rest.slice(0, gsAt);
      var tail = parseTail(rest.slice(gsAt + 1));
      if (serial && serial.length <= MAX_SERIAL && tail !== null) return { serial: serial, tail: tail, repaired: false };
    }
    var hadGs = gsAt >= 0; // a GS that is really there ends the serial: never glue it into one
    var flat = rest.split(GS).join('');
    if (!hadGs && flat.length <= MAX_SERIAL && (SERIAL_LENGTHS.slice(0, 3).indexOf(flat.length) >= 0 || !hasTailShape(flat))) {
      return { serial: flat, tail: [], repaired: false };
    }
    for (var i = 0; i < SERIAL_LENGTHS.length; i++) {
      var n = SERIAL_LENGTHS[i];
      if (n >= flat.length) continue;
      var t = parseTail(flat.slice(n));
      if (t !== null && (tailHas(t, '92') || tailHas(t, '93') || tailHas(t, '91'))) {
        return { serial: flat.slice(0, n), tail: t, repaired: true };
      }
    }
    if (!hadGs && flat.length <= MAX_SERIAL) return { serial: flat, tail: [], repaired: false };
    return null;
  }

  function code(fields) {
    var c = {
      raw: fields.raw, gtin: fields.gtin, serial: fields.serial, keyId: fields.keyId || '',
      signature: fields.signature || '', check: fields.check || '', extra: fields.extra || [],
      tobacco: !!fields.tobacco, repaired: !!fields.repaired,
    };
    c.ki = c.tobacco ? c.gtin + c.serial : '01' + c.gtin + '21' + c.serial;
    c.complete = c.tobacco || !!c.check || !!(c.keyId && c.signature);
    if (c.tobacco) {
      c.km = c.gtin + c.serial + c.check;
    } else {
      var parts = [c.ki];
      if (c.keyId) parts.push('91' + c.keyId);
      if (c.signature) parts.push('92' + c.signature);
      if (c.check) parts.push('93' + c.check);
      c.extra.forEach(function (p) { parts.push(p[0] + p[1]); });
      c.km = parts.join(GS);
    }
    return c;
  }

  function parse(raw) {
    var cleaned = clean(raw);
    var text = cleaned.text;
    var repaired = cleaned.repaired;
    if (!text) throw new MarkingError('empty_marking');
    var head = text.slice(0, 40);
    if (text.length === 29 && text.indexOf(GS) < 0 && DIGITS.test(text.slice(0, 14)) && text.indexOf('01') !== 0) {
      if (!gtinCheckOk(text.slice(0, 14))) throw new MarkingError('gtin_check', { code: head, gtin: text.slice(0, 14) });
      return code({ raw: raw, gtin: text.slice(0, 14), serial: text.slice(14, 21), check: text.slice(21),
        tobacco: true, repaired: repaired });
    }
    if (!STARTS_01_21.test(text)) throw new MarkingError('not_marking', { code: head });
    var gtin = text.slice(2, 16);
    if (!gtinCheckOk(gtin)) throw new MarkingError('gtin_check', { code: head, gtin: gtin });
    var split = splitSerial(text.slice(18));
    if (split === null) throw new MarkingError('unreadable', { code: head });
    if (!split.serial || !CHARSET_82.test(split.serial)) throw new MarkingError('serial_chars', { code: head });
    var extra = split.tail.filter(function (p) { return ['91', '92', '93'].indexOf(p[0]) < 0; });
    return code({ raw: raw, gtin: gtin, serial: split.serial, keyId: tailGet(split.tail, '91'),
      signature: tailGet(split.tail, '92'), check: tailGet(split.tail, '93'), extra: extra,
      repaired: repaired || split.repaired });
  }

  window.KladovkaGS1 = { GS: GS, parse: parse, looksLikeMarking: looksLikeMarking, gtinCandidates: gtinCandidates,
    gtinCheckOk: gtinCheckOk, MarkingError: MarkingError };
})();
