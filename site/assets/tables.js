// casebook: filter and sort for the tables the generator marks with
// <div class="cb-table-tools" data-cb-table></div> just before them. No library, no network.
(function () {
  "use strict";

  function value(row, i) {
    var cell = row.cells[i];
    if (!cell) return "";
    // A date is written in words (2 November 2026) and sorted by its ISO value.
    var time = cell.querySelector("time[datetime]");
    return time ? time.getAttribute("datetime") : cell.textContent.trim();
  }

  var collator = new Intl.Collator("en-GB", { numeric: true, sensitivity: "base" });

  function compare(a, b) {
    // "—" (nothing) sorts last in both directions' natural reading.
    if (a === b) return 0;
    if (a === "—") return 1;
    if (b === "—") return -1;
    return collator.compare(a, b);
  }

  function setup(marker) {
    if (marker.getAttribute("data-cb-ready")) return;
    var next = marker.nextElementSibling;
    var table = next && (next.tagName === "TABLE" ? next : next.querySelector("table"));
    if (!table || !table.tBodies.length || !table.tHead) return;
    marker.setAttribute("data-cb-ready", "1");

    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Filter rows";
    input.setAttribute("aria-label", "Filter the rows of this table");
    var count = document.createElement("span");
    count.className = "cb-count";
    count.setAttribute("aria-live", "polite");
    marker.appendChild(input);
    marker.appendChild(count);

    function filter() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var ok = terms.every(function (t) { return text.indexOf(t) !== -1; });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown + " of " + rows.length + " rows";
    }
    input.addEventListener("input", filter);
    filter();

    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    heads.forEach(function (th, i) {
      th.classList.add("cb-sortable");
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      function sort() {
        var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", dir);
        var sign = dir === "ascending" ? 1 : -1;
        var sorted = rows.slice().sort(function (a, b) {
          var va = value(a, i), vb = value(b, i);
          if (va === "—" || vb === "—") return compare(va, vb);
          return sign * compare(va, vb);
        });
        sorted.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
  }

  // A table wider than the screen scrolls inside its box (Material's .md-typeset__scrollwrap),
  // not the page (WCAG 1.4.10). A box that scrolls must be reachable by keyboard to scroll it
  // (WCAG 2.1.1): it becomes a named region in the Tab order, only while it overflows.
  function heading(wrap) {
    for (var el = wrap.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) return el.textContent.trim();
    }
    var h1 = document.querySelector("article h1");
    return h1 ? h1.textContent.trim() : "";
  }

  function scrollable(wrap) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      if (wrap.getAttribute("tabindex") !== "0") {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        var name = heading(wrap);
        wrap.setAttribute("aria-label", (name ? name + ": " : "") + "table, scrolls sideways");
      }
    } else if (wrap.getAttribute("tabindex") === "0") {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  }

  function scrollboxes() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(scrollable);
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(scrollboxes, 100);
  });

  // What takes focus in a table (a heading, a link, the scroll box itself) is scrolled wholly
  // into view, not left half off the screen (WCAG 2.4.11): browsers only scroll what is
  // entirely hidden, and a table scrolled sideways hides part of its first column.
  document.addEventListener("focusin", function (e) {
    var el = e.target;
    if (el && el.closest && el.closest(".md-typeset__scrollwrap")) {
      el.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  });

  // Material's header buttons for the navigation drawer and the search box are <label>s, which
  // the keyboard cannot reach: on a narrow screen the navigation and search were out of reach
  // of a keyboard (WCAG 2.1.1). They become buttons that Enter and Space press.
  function headerButtons() {
    var names = { __drawer: "Open the navigation", __search: "Open search" };
    Object.keys(names).forEach(function (id) {
      var box = document.getElementById(id);
      document.querySelectorAll('label.md-header__button[for="' + id + '"]').forEach(function (label) {
        if (label.getAttribute("role") === "button") return;
        label.setAttribute("role", "button");
        label.setAttribute("tabindex", "0");
        label.setAttribute("aria-label", names[id]);
        label.addEventListener("keydown", function (e) {
          if (e.key !== "Enter" && e.key !== " ") return;
          e.preventDefault();
          label.click();
          if (id === "__search" && box && box.checked) {
            var input = document.querySelector(".md-search__input");
            if (input) setTimeout(function () { input.focus(); }, 0);
          }
        });
      });
    });
  }

  // The closed search box of a narrow screen is hidden (casebook.css) so that Tab skips it;
  // Material's shortcuts ("/", "s", "f") could not focus it, so they are handled here first.
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.altKey || e.metaKey || ["/", "s", "f"].indexOf(e.key) === -1) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.getElementById("__search");
    var input = document.querySelector(".md-search__input");
    if (box && input && !box.checked) {
      box.checked = true;
      box.dispatchEvent(new Event("change"));
      input.focus();
      input.select();
      e.preventDefault();  // the key opens search; it is not typed into the box
    }
  }, true);

  function init() {
    document.querySelectorAll("[data-cb-table]").forEach(setup);
    scrollboxes();
    headerButtons();
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(init);
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
