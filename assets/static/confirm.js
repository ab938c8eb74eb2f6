// Forms that ask before they do something hard to undo: <form data-confirm="question">.
// A file, not an inline onsubmit: the Content-Security-Policy allows scripts from /static only.
document.addEventListener('submit', function (e) {
  var q = e.target && e.target.dataset && e.target.dataset.confirm;
  if (q && !window.confirm(q)) { e.preventDefault(); }
}, true);
