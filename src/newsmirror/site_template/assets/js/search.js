/* newsmirror search: vanilla JS for a static host.
 *
 * assets/search/index.json (written by newsmirror) lists monthly shards, newest first:
 *   {"version": 1, "fields": ["title", "source", "date", "url", "text"],
 *    "total": N, "sources": [...], "shards": [{"id": "2022-10", "file": "2022-10.json",
 *    "count": 123, "v": "<hash>"}, ...]}
 * Each shard: {"items": [[title, source, date, url, text], ...]} newest first.
 * A query is split on white space; an item matches when every term is a substring of
 * its title, source or text (case- and width-insensitive: NFKC + lower case), so
 * Chinese and Japanese queries work without word segmentation. Shards are fetched
 * lazily, only until a page of results is full.
 */
(function () {
  "use strict";
  var cfgEl = document.getElementById("search-config");
  if (!cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var PAGE = 50;
  var qEl = document.getElementById("search-q");
  var srcEl = document.getElementById("search-source");
  var statusEl = document.getElementById("search-status");
  var listEl = document.getElementById("search-results");
  var moreEl = document.getElementById("search-more");
  var indexUrl = cfg.index;
  var baseDir = indexUrl.replace(/[^\/]*$/, "");
  var manifest = null;
  var shards = {};       // id -> Promise of items (each item with a cached search key)
  var run = 0;           // id of the current search; older ones stop early
  var cursor = null;     // where the current search continues: {shard, item}

  function norm(s) {
    s = String(s == null ? "" : s);
    if (s.normalize) s = s.normalize("NFKC");
    return s.toLowerCase();
  }

  function loadManifest() {
    if (!manifest) {
      manifest = fetch(indexUrl, { cache: "no-cache" }).then(function (r) {
        if (!r.ok) throw new Error("search index: HTTP " + r.status);
        return r.json();
      });
    }
    return manifest;
  }

  function loadShard(shard) {
    if (!shards[shard.id]) {
      var url = baseDir + shard.file + (shard.v ? "?v=" + encodeURIComponent(shard.v) : "");
      shards[shard.id] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error("search shard " + shard.id + ": HTTP " + r.status);
        return r.json();
      }).then(function (data) {
        return data.items.map(function (it) {
          return { title: it[0], source: it[1], date: it[2], url: it[3], text: it[4],
                   key: norm(it[0] + "\n" + it[1] + "\n" + it[4]) };
        });
      });
    }
    return shards[shard.id];
  }

  function terms(q) {
    return norm(q).split(/\s+/).filter(function (t) { return t.length > 0; });
  }

  function matches(item, ts, source) {
    if (source && item.source !== source) return false;
    for (var i = 0; i < ts.length; i++) if (item.key.indexOf(ts[i]) < 0) return false;
    return true;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function snippet(text, ts) {
    // Show the text around the first term found, so the match is visible.
    var n = norm(text), at = -1;
    for (var i = 0; i < ts.length && at < 0; i++) at = n.indexOf(ts[i]);
    if (at <= 40) return text;
    return "…" + text.slice(at - 30);
  }

  function highlighted(cls, tag, text, ts) {
    // Wrap each query term in <mark> (only when NFKC keeps the text's length, so that
    // positions in the normalised text are positions in the original).
    var e = el(tag, cls), n = norm(text);
    if (n.length !== text.length) { e.textContent = text; return e; }
    var marks = [];
    ts.forEach(function (t) {
      var at = n.indexOf(t);
      while (at >= 0) { marks.push([at, at + t.length]); at = n.indexOf(t, at + t.length); }
    });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    marks.forEach(function (m) {
      if (m[0] < pos) return;
      e.appendChild(document.createTextNode(text.slice(pos, m[0])));
      e.appendChild(el("mark", null, text.slice(m[0], m[1])));
      pos = m[1];
    });
    e.appendChild(document.createTextNode(text.slice(pos)));
    return e;
  }

  function render(item, ts) {
    var li = el("li", "search-hit");
    var a = highlighted("post-link", "a", item.title, ts);
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
    if (item.text) li.appendChild(highlighted("post-excerpt", "p", snippet(item.text, ts), ts));
    return li;
  }

  function search(more) {
    var q = qEl.value, source = srcEl.value, ts = terms(q);
    var my = ++run;
    if (!more) {
      listEl.textContent = "";
      cursor = { shard: 0, item: 0, found: 0 };
    }
    moreEl.hidden = true;
    if (!ts.length && !source) { statusEl.textContent = ""; return Promise.resolve(); }
    statusEl.textContent = "…";
    var shown = 0;
    return loadManifest().then(function (m) {
      function step() {
        if (my !== run) return;
        if (cursor.shard >= m.shards.length) {
          statusEl.textContent = cursor.found
            ? cursor.found + " " + (cursor.found === 1 ? cfg.result : cfg.results) : cfg.noResults;
          return;
        }
        return loadShard(m.shards[cursor.shard]).then(function (items) {
          if (my !== run) return;
          for (; cursor.item < items.length; cursor.item++) {
            if (!matches(items[cursor.item], ts, source)) continue;
            listEl.appendChild(render(items[cursor.item], ts));
            cursor.found++; shown++;
            if (shown >= PAGE) {
              cursor.item++;
              statusEl.textContent = cursor.found + "+ " + cfg.results;
              moreEl.hidden = false;
              return;
            }
          }
          cursor.shard++; cursor.item = 0;
          return step();
        });
      }
      return step();
    }).catch(function (err) {
      statusEl.textContent = String(err.message || err);
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
