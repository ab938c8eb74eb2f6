// The report form's helpers: category suggestions while typing, and "use my location".
// A file, not an inline script: the Content-Security-Policy allows scripts from /static only.
// Translated words come from data- attributes on the elements.
(function () {
  var d = document.getElementById('description'), box = document.getElementById('suggestions'), sel = document.getElementById('category'), timer;
  if (d && box && sel) {
    d.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (d.value.trim().length < 2) { box.textContent = ''; return; }
        fetch('/report/suggest?text=' + encodeURIComponent(d.value)).then(function (r) { return r.json(); }).then(function (list) {
          box.textContent = '';
          list.forEach(function (k) {
            var b = document.createElement('button'); b.type = 'button'; b.className = 'chip'; b.textContent = k.name;
            b.addEventListener('click', function () { sel.value = k.code; });
            box.appendChild(b);
          });
        }).catch(function () {});
      }, 300);
    });
  }
  var btn = document.getElementById('locate');
  if (btn && navigator.geolocation) {
    btn.addEventListener('click', function () {
      var st = document.getElementById('locate-status');
      st.textContent = btn.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById('lon').value = p.coords.longitude.toFixed(6);
        document.getElementById('lat').value = p.coords.latitude.toFixed(6);
        st.textContent = btn.dataset.located + ' (±' + Math.round(p.coords.accuracy) + ' m)';
      }, function () { st.textContent = btn.dataset.failed; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  } else if (btn) { btn.hidden = true; }
})();
