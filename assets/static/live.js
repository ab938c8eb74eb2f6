// Live parts of a page, for people who are waiting (a resident at the till, a cashier).
// An element with an id and data-live="<ms>" is fetched again from the same URL every <ms>
// (plain GET polling: works through any proxy) and replaced when its data-live-key changed.
// An element with data-seconds counts down to zero as m:ss.
(function () {
  "use strict";
  var parts = document.querySelectorAll("[data-live][id]");
  Array.prototype.forEach.call(parts, function (el) {
    var id = el.id, every = parseInt(el.getAttribute("data-live"), 10) || 2000, busy = false;
    setInterval(function () {
      if (busy) { return; }
      busy = true;
      fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
          var current = document.getElementById(id);
          if (fresh && current && fresh.getAttribute("data-live-key") !== current.getAttribute("data-live-key")) {
            current.replaceWith(document.importNode(fresh, true));
          }
        })
        .catch(function () { /* offline for a moment: try again at the next tick */ })
        .then(function () { busy = false; });
    }, every);
  });
  function tick() {
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll("[data-seconds]"), function (el) {
      if (!el.hasAttribute("data-until")) {
        el.setAttribute("data-until", String(now + 1000 * parseInt(el.getAttribute("data-seconds"), 10)));
      }
      var left = Math.max(0, Math.round((parseInt(el.getAttribute("data-until"), 10) - now) / 1000));
      el.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    });
  }
  tick();
  setInterval(tick, 1000);
  // "Go back" on an error page: back to the form, whose fields the browser keeps.
  Array.prototype.forEach.call(document.querySelectorAll("[data-back]"), function (b) {
    b.addEventListener("click", function () { history.back(); });
  });
})();
