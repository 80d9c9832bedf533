/* Verifies a draw in the browser, the same way as `zhongjie verify-draw` (the
 * encoding is documented in src/domain/draw.rs). Plain JavaScript, no libraries, and its own
 * SHA-256 so it also works on plain-HTTP intranet pages where crypto.subtle is missing.
 *
 * Markup, one block per draw:
 *   <div class="draw-proof" data-proof='{…Proof JSON…}' data-published-commitment="<hex>"
 *        data-ok="✓ …" data-fail="✗ …: {step}"
 *        data-step-seed="…" data-step-input="…" data-step-winner="…" data-step-ranking="…">
 *     <button type="button" class="verify-draw">…</button>
 *     <output class="verify-result"></output>
 *   </div>
 * All data-ok/-fail/-step-* attributes are optional (bilingual defaults below). On the
 * block, data-verified becomes "ok" or the failing step ("seed", "input", "winner",
 * "ranking", "proof"). */
(function () {
  "use strict";

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];

  /* SHA-256 of a Uint8Array; returns a Uint8Array of 32 bytes. */
  function sha256(msg) {
    var len = msg.length;
    var total = ((len + 9 + 63) >> 6) << 6;
    var buf = new Uint8Array(total);
    buf.set(msg);
    buf[len] = 0x80;
    var bits = len * 8;
    var dv = new DataView(buf.buffer);
    dv.setUint32(total - 8, Math.floor(bits / 0x100000000));
    dv.setUint32(total - 4, bits >>> 0);
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var w = new Array(64);
    for (var off = 0; off < total; off += 64) {
      for (var i = 0; i < 16; i++) w[i] = dv.getUint32(off + i * 4);
      for (i = 16; i < 64; i++) {
        var x = w[i - 15], y = w[i - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var ch = (e & f) ^ (~e & g);
        var t1 = (k + S1 + ch + K[i] + w[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    var out = new Uint8Array(32);
    var odv = new DataView(out.buffer);
    for (i = 0; i < 8; i++) odv.setUint32(i * 4, h[i] >>> 0);
    return out;
  }

  function hex(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }

  /* 64 hex digits (either case) → 32 bytes, or null. */
  function unhex32(s) {
    if (typeof s !== "string" || !/^[0-9a-fA-F]{64}$/.test(s)) return null;
    var b = new Uint8Array(32);
    for (var i = 0; i < 32; i++) b[i] = parseInt(s.substr(i * 2, 2), 16);
    return b;
  }

  function utf8(s) {
    if (typeof TextEncoder !== "undefined") return new TextEncoder().encode(s);
    var bin = unescape(encodeURIComponent(s)), b = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
    return b;
  }

  /* v_c: first 8 bytes of SHA-256(input ‖ c as 8 bytes big-endian), as a BigInt. */
  function value(input, counter) {
    var m = new Uint8Array(40);
    m.set(input);
    var c = BigInt(counter);
    for (var i = 7; i >= 0; i--) { m[32 + i] = Number(c & 0xffn); c >>= 8n; }
    var d = sha256(m), v = 0n;
    for (i = 0; i < 8; i++) v = (v << 8n) | BigInt(d[i]);
    return v;
  }

  /* Like pick_ordered_with_counters: [[id, counter], …] over candidates ascending. */
  function pickOrdered(input, candidates) {
    var remaining = candidates.slice(), out = [], next = 0n, space = 1n << 64n;
    while (remaining.length > 0) {
      var n = BigInt(remaining.length), limit = space - (space % n), c = next, v;
      for (;;) {
        v = value(input, c);
        if (v < limit) break;
        c += 1n;
      }
      var idx = Number(v % n);
      out.push([remaining.splice(idx, 1)[0], c]);
      next = c + 1n;
    }
    return out;
  }

  /* Recomputes every step; returns {ok: true} or {ok: false, step, detail}. */
  function verify(proof, published) {
    var fail = function (step, detail) { return { ok: false, step: step, detail: detail }; };
    if (!proof || typeof proof !== "object") return fail("proof", "no proof");
    var seed = unhex32(proof.seed);
    if (!seed) return fail("seed", "seed is not 64 hex digits");
    var commitment = String(proof.seed_commitment || "").toLowerCase();
    if (published && String(published).toLowerCase() !== commitment)
      return fail("seed", "seed commitment is not the published one");
    if (hex(sha256(seed)) !== commitment) return fail("seed", "SHA-256(seed) ≠ seed commitment");
    var cs = proof.commitments || [], ids = proof.candidates || [];
    for (var i = 0; i < cs.length; i++) {
      if (!unhex32(cs[i]) || cs[i] !== cs[i].toLowerCase()) return fail("input", "commitment " + i);
      if (i > 0 && cs[i - 1] > cs[i]) return fail("input", "commitments not sorted");
    }
    if (ids.length === 0) return fail("input", "no candidates");
    var big = [];
    for (i = 0; i < ids.length; i++) {
      if (typeof ids[i] !== "number" || !Number.isSafeInteger(ids[i])) return fail("input", "candidate " + i);
      if (i > 0 && ids[i - 1] >= ids[i]) return fail("input", "candidates not ascending");
      big.push(ids[i]);
    }
    var lines = ["zhongjie-draw-v1", "seed " + hex(seed), "commitments " + cs.length];
    lines = lines.concat(cs, ["candidates " + ids.length], ids.map(String));
    var input = sha256(utf8(lines.join("\n")));
    if (hex(input) !== String(proof.input || "").toLowerCase()) return fail("input", "input recomputes to " + hex(input));
    var order = pickOrdered(input, big);
    if (String(order[0][1]) !== String(proof.counter)) return fail("winner", "counter recomputes to " + order[0][1]);
    if (order[0][0] !== proof.winner) return fail("winner", "winner recomputes to " + order[0][0]);
    var ranking = order.map(function (p) { return p[0]; });
    if (JSON.stringify(ranking) !== JSON.stringify(proof.ranking)) return fail("ranking", "ranking recomputes to " + ranking.join(", "));
    return { ok: true };
  }

  var STEPS = {
    seed: "种子承诺 seed commitment",
    input: "摇号输入 draw input",
    winner: "中选者 winner",
    ranking: "排序 ranking",
    proof: "证明数据 proof data"
  };

  function run(block) {
    var out = block.querySelector(".verify-result");
    var r;
    try {
      r = verify(JSON.parse(block.getAttribute("data-proof") || "null"),
                 block.getAttribute("data-published-commitment"));
    } catch (e) {
      r = { ok: false, step: "proof", detail: String(e) };
    }
    block.setAttribute("data-verified", r.ok ? "ok" : r.step);
    if (!out) return;
    if (r.ok) {
      out.textContent = block.getAttribute("data-ok") || "✓ 摇号验证通过 / Draw verified";
    } else {
      var step = block.getAttribute("data-step-" + r.step) || STEPS[r.step] || r.step;
      var text = block.getAttribute("data-fail") || "✗ 验证未通过 / Verification failed: {step}";
      out.textContent = text.replace("{step}", step);
      out.title = r.detail;
    }
  }

  function init() {
    var blocks = document.querySelectorAll(".draw-proof");
    Array.prototype.forEach.call(blocks, function (block) {
      var btn = block.querySelector(".verify-draw");
      if (btn) btn.addEventListener("click", function () { run(block); });
    });
  }

  window.zhongjieVerifyDraw = { sha256: sha256, verify: verify };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
