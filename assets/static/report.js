// Snap-report on a phone: photos are shown as they are chosen and shrunk in the browser
// (longest side 1600 px, JPEG) before upload, so an 18 MB camera photo costs a few hundred
// kilobytes; the send button is disabled while sending and shows the upload's progress.
// Without JavaScript (or without canvas) the form posts as a plain multipart form.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !window.FormData || !window.XMLHttpRequest || !document.createElement("canvas").toBlob) { return; }
  var input = form.querySelector("input[type=file][name=photos]");
  var preview = document.getElementById("photo-preview");
  var button = form.querySelector("button[type=submit]");
  var progress = document.getElementById("upload-progress");
  var MAX_SIDE = 1600, QUALITY = 0.85;
  var shrunk = [];

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\//.test(file.type)) { resolve(file); return; }
      var url = URL.createObjectURL(file), img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        if (scale === 1 && file.size < 1500000) { URL.revokeObjectURL(url); resolve(file); return; }
        var c = document.createElement("canvas");
        c.width = Math.round(img.naturalWidth * scale);
        c.height = Math.round(img.naturalHeight * scale);
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        c.toBlob(function (blob) {
          resolve(blob ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", QUALITY);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  if (input) {
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      var max = parseInt(input.getAttribute("data-max") || "6", 10);
      files = files.slice(0, max);
      preview.textContent = "";
      shrunk = [];
      files.forEach(function (f) {
        // Loaded off the page first: a file that is no picture shows a note instead of a
        // broken image (the server will say why it refuses it).
        var img = new Image(), url = URL.createObjectURL(f);
        img.alt = "";
        img.onload = function () { preview.appendChild(img); };
        img.onerror = function () {
          URL.revokeObjectURL(url);
          var note = document.createElement("span");
          note.className = "unreadable";
          note.textContent = preview.getAttribute("data-unreadable") || "?";
          preview.appendChild(note);
        };
        img.src = url;
      });
      Promise.all(files.map(shrink)).then(function (list) { shrunk = list; });
    });
  }

  // Move the refusal's messages from the answered page into this form, beside their fields.
  // False when the answer is not the form (an error page): then it is shown whole.
  function showRefusal(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("report-form");
    if (!fresh) { return false; }
    Array.prototype.forEach.call(form.querySelectorAll("[data-error]"), function (el) { el.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    var first = null;
    Array.prototype.forEach.call(fresh.querySelectorAll("[data-error]"), function (msg) {
      var field = msg.getAttribute("data-for");
      var anchor = field && field !== "form" ? form.querySelector("[data-field=" + field + "]") : null;
      var el = document.importNode(msg, true);
      if (anchor) {
        anchor.insertAdjacentElement("afterend", el);
        var input = anchor.matches("fieldset") ? null : anchor.querySelector("input, select, textarea");
        if (input) {
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", el.id);
        }
      } else {
        form.insertBefore(el, form.firstChild);
      }
      first = first || el;
    });
    if (first) { first.scrollIntoView({ block: "center" }); }
    return !!first;
  }

  form.addEventListener("submit", function (e) {
    if (!form.checkValidity()) { return; }
    e.preventDefault();
    button.disabled = true;
    var label = button.textContent;
    button.textContent = button.getAttribute("data-sending") || label;
    var pick = input && input.files && input.files.length ? Promise.all(Array.prototype.slice.call(input.files).map(shrink)) : Promise.resolve([]);
    (shrunk.length ? Promise.resolve(shrunk) : pick).then(function (photos) {
      var data = new FormData(form);
      data.delete("photos");
      photos.forEach(function (p) { data.append("photos", p, p.name); });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.onprogress = function (ev) {
        if (ev.lengthComputable && progress) {
          progress.hidden = false;
          progress.value = Math.round(100 * ev.loaded / ev.total);
        }
      };
      xhr.onload = function () {
        // Followed redirects end on the tracking page; a refusal comes back as the form with
        // the reason beside the field: show the reasons on this page, so what was typed and
        // the photos chosen stay as they are.
        var to = xhr.responseURL ? new URL(xhr.responseURL) : null;
        if (xhr.status < 400 && to && /^\/r\/[^/]+$/.test(to.pathname)) {
          location.assign(to.pathname + to.search);
          return;
        }
        if (!showRefusal(xhr.responseText)) {
          document.open();
          document.write(xhr.responseText);
          document.close();
          return;
        }
        button.disabled = false;
        button.textContent = label;
        if (progress) { progress.hidden = true; }
      };
      xhr.onerror = function () {
        button.disabled = false;
        button.textContent = label;
        if (progress) { progress.hidden = true; }
        var msg = document.getElementById("upload-failed");
        if (msg) { msg.hidden = false; }
      };
      xhr.send(data);
    });
  });
})();
