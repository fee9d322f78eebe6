/* newsmirror search: full text, vanilla JS, for a static host.
 *
 * The index (written by newsmirror, site/_search.py) is in assets/search/:
 *   index.json  {"version": 3, "total": N, "sources": [...], "buckets": B,
 *                "recent": R, "perFolder": 1000, "v": "<version>"}
 *   t/NNN.json  {term: [post numbers, delta-encoded]} for the terms whose CRC-32 is
 *               NNN (in base 4) modulo B. Terms: CJK characters and character pairs,
 *               other words whole, NFKC + lower case; "\u0000" + source lists a
 *               source's posts.
 *   r/NNN.json  the same, modulo R, for the newest posts (the recent segment, R = 0:
 *               none), all numbered after those of t/.
 *   d/K/N.json  [title, source, date, url, text, digest] of post N (numbered in the
 *               order the index got the posts, dated order when written whole).
 * A query fetches the buckets of its terms (at most MAX_TERMS of them, one in each
 * segment), intersects
 * their lists (newest first), then fetches the posts of one page of results and keeps
 * those that really contain every part of the query (CJK pairs found apart are not a
 * match), showing a snippet around the first match with the matches marked.
 */
(function () {
  "use strict";
  var cfgEl = document.getElementById("search-config");
  if (!cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var PAGE = 20;          // results per page
  var CHECK = 2 * PAGE;   // post files fetched per page at most (candidates may not match)
  var MAX_TERMS = 8;      // bucket files per query, whatever its length
  var BEFORE = 40, AFTER = 160;  // snippet: characters around the first match
  var qEl = document.getElementById("search-q");
  var srcEl = document.getElementById("search-source");
  var statusEl = document.getElementById("search-status");
  var listEl = document.getElementById("search-results");
  var moreEl = document.getElementById("search-more");
  var baseDir = cfg.index.replace(/[^\/]*$/, "");
  var CJK = "\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uac00-\\ud7af" +
            "\\u{20000}-\\u{2ffff}";
  var TOKEN = new RegExp("([" + CJK + "]+)|((?:(?![" + CJK + "])[\\p{L}\\p{N}_])+)", "gu");
  var MAX_WORD = 32;
  var manifest = null, files = {}, run = 0, state = null;

  var CRC = (function () {
    var t = [];
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t.push(c >>> 0);
    }
    return t;
  })();

  function crc32(s) {
    var bytes = new TextEncoder().encode(s), c = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) c = CRC[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  }

  function fold(s) {
    s = String(s == null ? "" : s);
    if (s.normalize) s = s.normalize("NFKC");
    return s.toLowerCase();
  }

  // The query's parts (CJK runs, words) and the index terms to look up (as in Python's
  // site/_search.py query_terms).
  function parse(q) {
    var parts = [], terms = [], m;
    q = fold(q);
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(q))) {
      if (m[1]) {
        var run = Array.from(m[1]);
        parts.push(m[1]);
        if (run.length === 1) terms.push(m[1]);
        for (var i = 0; i + 1 < run.length; i++) terms.push(run[i] + run[i + 1]);
      } else {
        var word = Array.from(m[2]).slice(0, MAX_WORD).join("");
        parts.push(m[2]);
        terms.push(word);
      }
    }
    terms = terms.filter(function (t, i) { return terms.indexOf(t) === i; });
    if (terms.length > MAX_TERMS) {  // spread over the query; the check below is exact
      var picked = [];
      for (var j = 0; j < MAX_TERMS; j++)
        picked.push(terms[Math.round(j * (terms.length - 1) / (MAX_TERMS - 1))]);
      terms = picked.filter(function (t, i) { return picked.indexOf(t) === i; });
    }
    return { parts: parts, terms: terms };
  }

  function get(path) {
    if (!files[path]) {
      files[path] = fetch(baseDir + path + "?v=" + encodeURIComponent(manifest.v))
        .then(function (r) {
          if (!r.ok) throw new Error("search index " + path + ": HTTP " + r.status);
          return r.json();
        });
    }
    return files[path];
  }

  function loadManifest() {
    if (!manifest) {
      manifest = fetch(cfg.index, { cache: "no-cache" }).then(function (r) {
        if (!r.ok) throw new Error("search index: HTTP " + r.status);
        return r.json();
      }).then(function (m) {
        if (m.version !== 3) throw new Error("search index: version " + m.version);
        manifest = m;
        return m;
      });
      return manifest;
    }
    return Promise.resolve(manifest);
  }

  // bucket b of a segment of `buckets`: base 4, as many digits as the count needs
  function bucketFile(seg, term, buckets) {
    var width = Math.max(1, Math.ceil(Math.log2(buckets) / 2));
    var name = (crc32(term) & (buckets - 1)).toString(4);
    while (name.length < width) name = "0" + name;
    return get(seg + "/" + name + ".json").then(function (bucket) {
      var deltas = Object.prototype.hasOwnProperty.call(bucket, term) ? bucket[term] : [];
      var ids = new Array(deltas.length), n = 0;
      for (var i = 0; i < deltas.length; i++) { n += deltas[i]; ids[i] = n; }
      return ids;
    });
  }

  // a term's posts, in order: the main buckets', then the recent segment's (higher)
  function postings(term) {
    var lists = [bucketFile("t", term, manifest.buckets)];
    if (manifest.recent) lists.push(bucketFile("r", term, manifest.recent));
    return Promise.all(lists).then(function (l) { return l.length > 1 ? l[0].concat(l[1]) : l[0]; });
  }

  function intersect(lists) {
    lists.sort(function (a, b) { return a.length - b.length; });
    var out = lists[0];
    for (var i = 1; i < lists.length && out.length; i++) {
      var other = lists[i], next = [], j = 0;
      for (var k = 0; k < out.length; k++) {
        while (j < other.length && other[j] < out[k]) j++;
        if (j < other.length && other[j] === out[k]) next.push(out[k]);
      }
      out = next;
    }
    return out;
  }

  function doc(n) {
    return get("d/" + Math.floor(n / manifest.perFolder) + "/" + n + ".json").then(function (d) {
      return { title: d[0], source: d[1], date: d[2], url: d[3], text: d[4] };
    });
  }

  function contains(item, parts) {
    var key = fold(item.title + "\n" + item.text);
    for (var i = 0; i < parts.length; i++) if (key.indexOf(parts[i]) < 0) return false;
    return true;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // text folded character by character, with where each folded character came from,
  // so that a match found in the folded text is marked in the original
  function folded(text) {
    var chars = Array.from(text), out = "", from = [], at = 0;
    for (var i = 0; i < chars.length; i++) {
      var f = fold(chars[i]);
      for (var k = 0; k < f.length; k++) from.push(at);
      out += f;
      at += chars[i].length;
    }
    from.push(at);
    return { text: out, from: from };
  }

  function marked(tag, cls, text, parts, snippet) {
    var e = el(tag, cls), f = folded(text), spans = [];
    parts.forEach(function (p) {
      var at = f.text.indexOf(p);
      while (at >= 0) {
        spans.push([f.from[at], f.from[at + p.length]]);
        at = f.text.indexOf(p, at + p.length);
      }
    });
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var start = 0, end = text.length;
    if (snippet) {
      var first = spans.length ? spans[0][0] : 0;
      start = Math.max(0, first - BEFORE);
      end = Math.min(text.length, first + AFTER);
      if (start > 0) e.appendChild(document.createTextNode("…"));
    }
    var pos = start;
    spans.forEach(function (s) {
      if (s[0] < pos || s[1] > end) return;
      e.appendChild(document.createTextNode(text.slice(pos, s[0])));
      e.appendChild(el("mark", null, text.slice(s[0], s[1])));
      pos = s[1];
    });
    e.appendChild(document.createTextNode(text.slice(pos, end)));
    if (end < text.length) e.appendChild(document.createTextNode("…"));
    return e;
  }

  function render(item, parts) {
    var li = el("li", "search-hit");
    var a = marked("a", "post-link", item.title, parts, false);
    a.href = cfg.base.replace(/\/$/, "") + item.url;
    var h = el("h2", "search-hit-title");
    h.appendChild(a);
    li.appendChild(h);
    var meta = el("p", "post-meta");
    meta.appendChild(el("span", "post-source", item.source));
    meta.appendChild(document.createTextNode(" · "));
    var t = el("time", null, item.date.slice(0, 16).replace("T", " "));
    t.setAttribute("datetime", item.date);
    meta.appendChild(t);
    li.appendChild(meta);
    if (item.text) li.appendChild(marked("p", "post-excerpt search-snippet", item.text, parts, true));
    return li;
  }

  // The posts holding every term (and of the source, when one is chosen), newest first.
  function candidates(query, source) {
    var lookups = query.terms.map(postings);
    if (source) lookups.push(postings("\u0000" + source));
    return Promise.all(lookups).then(function (lists) { return intersect(lists).reverse(); });
  }

  function search(more) {
    var my = ++run;
    moreEl.hidden = true;
    if (!more) {
      listEl.textContent = "";
      var query = parse(qEl.value), source = srcEl.value;
      if (!query.terms.length && !source) { statusEl.textContent = ""; state = null; return Promise.resolve(); }
      state = { query: query, source: source, ids: null, next: 0, found: 0 };
    }
    var st = state;
    statusEl.textContent = "…";
    return loadManifest().then(function () {
      return st.ids || candidates(st.query, st.source);
    }).then(function (ids) {
      st.ids = ids;
      var shown = 0, checked = 0;
      function page() {
        if (my !== run) return;
        if (st.next >= ids.length) {
          statusEl.textContent = st.found
            ? st.found + " " + (st.found === 1 ? cfg.result : cfg.results) : cfg.noResults;
          return;
        }
        var batch = ids.slice(st.next, st.next + Math.min(PAGE - shown, CHECK - checked));
        st.next += batch.length;
        checked += batch.length;
        return Promise.all(batch.map(doc)).then(function (items) {
          if (my !== run) return;
          items.forEach(function (item) {
            if (!contains(item, st.query.parts)) return;
            listEl.appendChild(render(item, st.query.parts));
            st.found++; shown++;
          });
          if ((shown >= PAGE || checked >= CHECK) && st.next < ids.length) {
            statusEl.textContent = st.found + "+ " + cfg.results;
            moreEl.hidden = false;
            return;
          }
          return page();
        });
      }
      return page();
    }).catch(function (err) {
      if (my === run) statusEl.textContent = String(err.message || err);
    });
  }

  function syncUrl() {
    var p = new URLSearchParams();
    if (qEl.value) p.set("q", qEl.value);
    if (srcEl.value) p.set("source", srcEl.value);
    var s = p.toString();
    history.replaceState(null, "", location.pathname + (s ? "?" + s : ""));
  }

  var timer = null;
  function onInput() {
    clearTimeout(timer);
    timer = setTimeout(function () { syncUrl(); search(false); }, 200);
  }

  qEl.addEventListener("input", onInput);
  srcEl.addEventListener("change", onInput);
  qEl.form.addEventListener("submit", function (e) { e.preventDefault(); syncUrl(); search(false); });
  moreEl.addEventListener("click", function () { search(true); });

  var params = new URLSearchParams(location.search);
  loadManifest().then(function (m) {
    (m.sources || []).forEach(function (s) {
      var o = el("option", null, s); o.value = s; srcEl.appendChild(o);
    });
    if (params.get("source")) srcEl.value = params.get("source");
    if (params.get("q")) qEl.value = params.get("q");
    if (qEl.value || srcEl.value) search(false);
  }).catch(function (err) { statusEl.textContent = String(err.message || err); });
})();
