// The HTML report's page: the rows are arrays in #recon-rows (columns as
// html.go's col constants), the counts in #recon-summary. Money stays exact:
// amounts are decimal strings, summed as BigInt units, never a Number.
(function () {
  "use strict";
  var LINE = 0, ACCOUNT = 1, ORDER = 2, KIND = 3, REFUND = 4, VERDICT = 5, SEVERITY = 6, ACTION = 7,
    LSTATUS = 8, LAMOUNT = 9, CURRENCY = 10, PSTATUS = 11, RAW = 12, PAMOUNT = 13, TRADE = 14, PAID = 15,
    DETAIL = 16, RANKC = 17, FINDING = 18, HAY = 19;
  var WORDS = [ACCOUNT, KIND, VERDICT, SEVERITY, ACTION, LSTATUS, CURRENCY, PSTATUS, RAW];
  var RANK = { info: 0, warn: 1, critical: 2 };
  // Lines from 2^48 on are rows only a provider's statement has (recon.StatementLines);
  // the detail names the statement's file and line.
  var STATEMENT_LINES = 281474976710656;
  var PAGE = 100;
  var S = JSON.parse(document.getElementById("recon-summary").textContent);
  var rows = JSON.parse(document.getElementById("recon-rows").textContent);
  var dict = S.dict || [];
  var failRank = S.fail_on in RANK ? RANK[S.fail_on] : -1;
  var below = {}, nBelow = 0;
  for (var i = 0; i < rows.length; i++) {
    var r = rows[i];
    for (var j = 0; j < WORDS.length; j++) {
      if (typeof r[WORDS[j]] === "number") r[WORDS[j]] = dict[r[WORDS[j]]];
    }
    r[RANKC] = r[SEVERITY] in RANK ? RANK[r[SEVERITY]] : -1;
    r[FINDING] = r[RANKC] >= 0 && r[RANKC] >= failRank;
    if (!r[FINDING]) { below[r[VERDICT]] = (below[r[VERDICT]] || 0) + 1; nBelow++; }
  }

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function group(digits) { return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function fmtInt(n) { return group(String(n)); }
  // fmtAmount groups a decimal string's whole part: "1234567.80" -> "1,234,567.80".
  function fmtAmount(s) {
    var m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
    return m ? m[1] + group(m[2]) + (m[3] || "") : s;
  }
  // cmpDec orders decimal strings by value with string operations only.
  function cmpDec(a, b) {
    var ma = /^(\d+)(?:\.(\d+))?$/.exec(a), mb = /^(\d+)(?:\.(\d+))?$/.exec(b);
    if (!ma || !mb) return ma ? 1 : mb ? -1 : a < b ? -1 : a > b ? 1 : 0;
    var wa = ma[1].replace(/^0+(?=\d)/, ""), wb = mb[1].replace(/^0+(?=\d)/, "");
    if (wa.length !== wb.length) return wa.length - wb.length;
    if (wa !== wb) return wa < wb ? -1 : 1;
    var fa = ma[2] || "", fb = mb[2] || "", n = Math.max(fa.length, fb.length);
    while (fa.length < n) fa += "0";
    while (fb.length < n) fb += "0";
    return fa < fb ? -1 : fa > fb ? 1 : 0;
  }
  // Sums: currency -> {u: BigInt units of 10^-s, s: scale}. An amount with
  // more decimals than its currency has (an INVALID row's "12.345" CNY), or
  // of a currency the report does not know, is not summed: as the summary.
  function addDec(sums, cur, amount) {
    var m = /^(\d+)(?:\.(\d+))?$/.exec(amount || "");
    var digits = (S.digits || {})[cur];
    if (!m || !cur || digits === undefined || (m[2] || "").length > digits) return false;
    var frac = m[2] || "", u = BigInt(m[1] + frac), s = frac.length, t = sums[cur];
    if (!t) { sums[cur] = { u: u, s: s }; return true; }
    if (s > t.s) { t.u *= 10n ** BigInt(s - t.s); t.s = s; } else if (s < t.s) { u *= 10n ** BigInt(t.s - s); }
    t.u += u;
    return true;
  }
  function fmtDec(t) {
    var d = t.u.toString();
    if (t.s === 0) return group(d);
    while (d.length <= t.s) d = "0" + d;
    return group(d.slice(0, d.length - t.s)) + "." + d.slice(d.length - t.s);
  }
  function money(m) {
    var cs = Object.keys(m && m.sums || {}).sort();
    return cs.map(function (c) { return c + " " + fmtAmount(m.sums[c]); }).join(" · ");
  }
  function byCount(obj) {
    return Object.keys(obj || {}).sort(function (a, b) { return obj[b] - obj[a] || (a < b ? -1 : 1); });
  }

  // The state is also the URL's hash, so a filtered view is a link.
  var defaults = { verdict: S.findings > 0 ? "findings" : "all", severity: "", account: "", q: "", sort: "", dir: "", page: "1" };
  var state = {};
  function readHash() {
    var p = new URLSearchParams(location.hash.slice(1));
    Object.keys(defaults).forEach(function (k) { state[k] = p.has(k) ? p.get(k) : defaults[k]; });
  }
  function writeHash() {
    var p = new URLSearchParams();
    Object.keys(defaults).forEach(function (k) { if (state[k] !== defaults[k]) p.set(k, state[k]); });
    var h = p.toString();
    history.replaceState(null, "", h ? "#" + h : location.pathname + location.search);
  }

  function summary() {
    var sev = S.severities || {}, out = [];
    out.push('<div class="cards">');
    out.push('<div class="card"><span class="n" id="sum-rows">' + fmtInt(S.rows) + '</span><span class="l">rows</span></div>');
    out.push('<div class="card ' + (S.findings ? "crit" : "") + '"><span class="n" id="sum-findings">' + fmtInt(S.findings) +
      '</span><span class="l">findings (severity ≥ ' + esc(S.fail_on || "info") + ")</span></div>");
    out.push('<div class="card crit"><span class="n">' + fmtInt(sev.critical || 0) + '</span><span class="l">critical</span></div>');
    out.push('<div class="card warn"><span class="n">' + fmtInt(sev.warn || 0) + '</span><span class="l">warn</span></div>');
    var risk = S.at_risk || {}, cs = Object.keys(risk.sums || {}).sort();
    cs.forEach(function (c) {
      out.push('<div class="card money"><span class="n" data-currency="' + esc(c) + '">' + esc(c) + " " + esc(fmtAmount(risk.sums[c])) +
        '</span><span class="l">at risk in ' + esc(c) + "</span></div>");
    });
    if (!cs.length) out.push('<div class="card money"><span class="n">none</span><span class="l">money at risk</span></div>');
    out.push("</div>");
    if (risk.unpriced) out.push('<p class="shown">' + fmtInt(risk.unpriced) + " findings have no readable ledger amount and are not in the sums.</p>");
    out.push('<p class="shown">Money at risk: the ledger amounts of the findings, per currency. Click a line below to filter the rows.</p>');
    out.push('<div class="grid">');
    out.push('<table class="sum" id="by-severity"><tr><th>severity</th><th class="num">rows</th></tr>');
    ["critical", "warn", "info"].forEach(function (s) {
      if (sev[s]) out.push('<tr class="pick" data-severity="' + s + '"><td>' + s + '</td><td class="num">' + fmtInt(sev[s]) + "</td></tr>");
    });
    out.push("</table>");
    out.push('<table class="sum" id="by-verdict"><tr><th>verdict</th><th class="num">rows</th></tr>');
    byCount(S.verdicts).forEach(function (v) {
      out.push('<tr class="pick" data-verdict="' + esc(v) + '"><td>' + esc(v) + '</td><td class="num">' + fmtInt(S.verdicts[v]) + "</td></tr>");
    });
    out.push("</table>");
    out.push('<table class="sum" id="by-account"><tr><th>account</th><th class="num">rows</th><th class="num">findings</th><th class="num">critical</th><th class="num">warn</th><th>at risk</th></tr>');
    Object.keys(S.accounts || {}).sort().forEach(function (a) {
      var x = S.accounts[a], s = x.severities || {};
      out.push('<tr class="pick" data-account="' + esc(a) + '"><td>' + esc(a) + '</td><td class="num">' + fmtInt(x.rows) +
        '</td><td class="num">' + fmtInt(x.findings) + '</td><td class="num">' + fmtInt(s.critical || 0) + '</td><td class="num">' +
        fmtInt(s.warn || 0) + "</td><td>" + esc(money(x.at_risk)) + "</td></tr>");
    });
    out.push("</table></div>");
    $("summary").innerHTML = out.join("");
    $("summary").addEventListener("click", function (e) {
      var tr = e.target.closest("tr.pick");
      if (!tr) return;
      if (tr.dataset.verdict) { state.verdict = tr.dataset.verdict; }
      if (tr.dataset.severity) { state.severity = tr.dataset.severity; if (state.verdict === "findings") state.verdict = "all"; }
      if (tr.dataset.account !== undefined) state.account = tr.dataset.account;
      state.page = "1";
      update();
      $("results").scrollIntoView();
    });
  }

  function options(sel, list) {
    sel.innerHTML = list.map(function (o) { return '<option value="' + esc(o[0]) + '">' + esc(o[1]) + "</option>"; }).join("");
  }
  function filters() {
    var v = [["findings", "findings (≥ " + (S.fail_on || "info") + ") — " + fmtInt(S.findings)], ["all", "all rows — " + fmtInt(S.rows)]];
    byCount(S.verdicts).forEach(function (k) { v.push([k, k + " — " + fmtInt(S.verdicts[k])]); });
    options($("f-verdict"), v);
    options($("f-severity"), [["", "any"], ["critical", "critical"], ["warn", "warn"], ["info", "info"]]);
    var a = [["", "any"]];
    Object.keys(S.accounts || {}).sort().forEach(function (k) { a.push([k, k + " — " + fmtInt(S.accounts[k].rows)]); });
    options($("f-account"), a);
    ["verdict", "severity", "account"].forEach(function (k) {
      $("f-" + k).addEventListener("change", function (e) { state[k] = e.target.value; state.page = "1"; update(); });
    });
    var timer;
    $("f-search").addEventListener("input", function (e) {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = e.target.value; state.page = "1"; update(); }, 120);
    });
    $("f-reset").addEventListener("click", function () { state = Object.assign({}, defaults); update(); });
    document.querySelectorAll("#rows th[data-sort]").forEach(function (th) {
      th.addEventListener("click", function () {
        var k = th.dataset.sort;
        state.dir = state.sort === k && state.dir === "asc" ? "desc" : "asc";
        state.sort = k;
        state.page = "1";
        update();
      });
    });
    $("pager").addEventListener("click", function (e) {
      var b = e.target.closest("button[data-page]");
      if (b) { state.page = b.dataset.page; render(); writeHash(); }
    });
    $("collapsed").addEventListener("click", function (e) {
      if (e.target.closest("button")) { state.verdict = "all"; state.page = "1"; update(); }
    });
  }

  function hay(r) {
    if (r[HAY] === undefined) {
      r[HAY] = [r[ACCOUNT], r[ORDER], r[REFUND], r[TRADE], r[DETAIL], r[VERDICT], r[RAW], r[LAMOUNT]].join("\u0001").toLowerCase();
    }
    return r[HAY];
  }
  function str(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  var CMP = {
    line: function (a, b) { return a[LINE] - b[LINE]; },
    account: function (a, b) { return str(a[ACCOUNT], b[ACCOUNT]); },
    order: function (a, b) { return str(a[ORDER], b[ORDER]) || str(a[REFUND], b[REFUND]); },
    verdict: function (a, b) { return str(a[VERDICT], b[VERDICT]); },
    severity: function (a, b) { return a[RANKC] - b[RANKC]; },
    action: function (a, b) { return str(a[ACTION], b[ACTION]); },
    ledger: function (a, b) { return str(a[LSTATUS], b[LSTATUS]); },
    amount: function (a, b) { return str(a[CURRENCY], b[CURRENCY]) || cmpDec(a[LAMOUNT], b[LAMOUNT]); },
    provider: function (a, b) { return str(a[PSTATUS], b[PSTATUS]); },
    detail: function (a, b) { return str(a[DETAIL], b[DETAIL]); }
  };
  // The default order: findings first, the gravest first, then line order.
  function firstFindings(a, b) { return (b[FINDING] - a[FINDING]) || (b[RANKC] - a[RANKC]) || (a[LINE] - b[LINE]); }

  var view = [];
  function filter() {
    var v = state.verdict, sev = state.severity, acc = state.account, q = state.q.trim().toLowerCase();
    view = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (v === "findings" ? !r[FINDING] : v !== "all" && r[VERDICT] !== v) continue;
      if (sev && r[SEVERITY] !== sev) continue;
      if (acc && r[ACCOUNT] !== acc) continue;
      if (q && hay(r).indexOf(q) < 0) continue;
      view.push(r);
    }
    var c = CMP[state.sort], d = state.dir === "desc" ? -1 : 1;
    view.sort(c ? function (a, b) { return d * c(a, b) || a[LINE] - b[LINE]; } : firstFindings);
  }

  function cell(s, cls) { return "<td" + (cls ? ' class="' + cls + '"' : "") + ">" + esc(s) + "</td>"; }
  function render() {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    var page = Math.min(Math.max(1, parseInt(state.page, 10) || 1), pages);
    state.page = String(page);
    var from = (page - 1) * PAGE, to = Math.min(view.length, from + PAGE), html = [];
    for (var i = from; i < to; i++) {
      var r = view[i], order = r[ORDER] + (r[REFUND] ? " refund " + r[REFUND] : "");
      html.push('<tr class="' + esc(r[SEVERITY]) + '" data-line="' + r[LINE] + '">' + cell(r[LINE] >= STATEMENT_LINES ? "statement" : r[LINE], "num") + cell(r[ACCOUNT]) +
        cell(order) + cell(r[VERDICT], "verdict") + cell(r[SEVERITY]) + cell(r[ACTION]) + cell(r[LSTATUS]) +
        cell(r[LAMOUNT] ? fmtAmount(r[LAMOUNT]) + " " + r[CURRENCY] : "", "amount") +
        '<td title="' + esc(r[TRADE] ? "trade no " + r[TRADE] + (r[PAID] ? ", paid " + r[PAID] : "") : "") + '">' +
        esc(r[PSTATUS] ? r[PSTATUS] + (r[RAW] && r[RAW] !== r[PSTATUS] ? " (" + r[RAW] + ")" : "") +
          (r[PAMOUNT] && r[PAMOUNT] !== r[LAMOUNT] ? " " + fmtAmount(r[PAMOUNT]) : "") : "—") + "</td>" + cell(r[DETAIL]) + "</tr>");
    }
    $("rows").tBodies[0].innerHTML = html.join("");
    var sums = {};
    for (var k = 0; k < view.length; k++) addDec(sums, view[k][CURRENCY], view[k][LAMOUNT]);
    var amounts = Object.keys(sums).sort().map(function (c) { return c + " " + fmtDec(sums[c]); }).join(" · ");
    $("shown").innerHTML = (view.length ? "rows " + fmtInt(from + 1) + "–" + fmtInt(to) + " of " : "") +
      '<b id="shown-count">' + fmtInt(view.length) + "</b> shown" + (amounts ? " · ledger amounts " + esc(amounts) : "");
    var b = function (p, label, off) { return '<button type="button" data-page="' + p + '"' + (off ? " disabled" : "") + ">" + label + "</button>"; };
    $("pager").innerHTML = pages > 1 ? b(1, "« first", page === 1) + b(page - 1, "‹ prev", page === 1) +
      '<span id="page">page ' + fmtInt(page) + " of " + fmtInt(pages) + "</span>" + b(page + 1, "next ›", page === pages) +
      b(pages, "last »", page === pages) : "";
    var note = "";
    if (state.verdict === "findings" && nBelow) {
      note = fmtInt(nBelow) + " rows below " + esc(S.fail_on) + " are collapsed (" +
        byCount(below).map(function (v) { return esc(v) + " " + fmtInt(below[v]); }).join(" · ") +
        ') <button type="button">show them</button>';
    }
    $("collapsed").innerHTML = note;
    document.querySelectorAll("#rows th[data-sort]").forEach(function (th) {
      th.className = th.dataset.sort === state.sort ? state.dir || "asc" : "";
    });
  }

  function update() {
    $("f-verdict").value = state.verdict;
    $("f-severity").value = state.severity;
    $("f-account").value = state.account;
    if ($("f-search").value !== state.q) $("f-search").value = state.q;
    filter();
    render();
    writeHash();
  }

  summary();
  filters();
  readHash();
  window.addEventListener("hashchange", function () { readHash(); update(); });
  update();
  window.reconRenderMs = performance.now();
  document.body.setAttribute("data-ready", "1");
})();
