// Upload progress, as progressive enhancement only: without this file (or without JavaScript) a form
// with files posts as any form does. With it, a form marked data-upload-progress that has files
// chosen is sent by XMLHttpRequest, with a <progress> bar under it while the files go up (a phone
// on a slow connection). The answer then replaces the page as the browser would have shown it: the
// page the redirect leads to (with its message), or the refused form with what was typed, its
// uploads kept and the reasons. If the connection fails, the form is posted the ordinary way.
(function () {
  'use strict';
  if (!window.XMLHttpRequest || !window.FormData) return;

  function hasFiles(form) {
    var inputs = form.querySelectorAll('input[type=file]');
    for (var i = 0; i < inputs.length; i++) if (inputs[i].files && inputs[i].files.length) return true;
    return false;
  }

  function show(html, url, pushed) {
    document.open();
    document.write(html);
    document.close();
    if (url && url !== window.location.href && window.history && window.history.pushState) {
      if (pushed) window.history.pushState(null, '', url);
      else window.history.replaceState(null, '', url);
    }
  }

  // on the document, in the bubbling phase: a form's own handlers (a confirmation) have run by then
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (e.defaultPrevented || !(form instanceof window.HTMLFormElement) || !form.hasAttribute('data-upload-progress')) return;
    if (form.getAttribute('aria-busy') === 'true') {
      e.preventDefault(); // already sending
      return;
    }
    if (!hasFiles(form)) return; // nothing to wait for: the ordinary post
    e.preventDefault();

    var data = new window.FormData(form);
    var status = document.createElement('p');
    status.className = 'upload-status';
    status.setAttribute('role', 'status');
    var label = document.createElement('label');
    label.textContent = form.getAttribute('data-upload-progress') + ' ';
    var bar = document.createElement('progress');
    bar.max = 100;
    label.appendChild(bar);
    status.appendChild(label);
    var button = form.querySelector('[type=submit]');
    form.insertBefore(status, button);
    if (button) button.disabled = true;
    form.setAttribute('aria-busy', 'true');

    var xhr = new window.XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.responseType = 'text';
    xhr.upload.addEventListener('progress', function (p) {
      if (p.lengthComputable) bar.value = Math.round((100 * p.loaded) / p.total);
    });
    xhr.addEventListener('load', function () {
      var type = xhr.getResponseHeader('Content-Type') || '';
      if (type.indexOf('text/html') < 0) return fallback();
      bar.value = 100;
      // followed a redirect (303 after an accepted form): the new page, as a new history entry
      var redirected = xhr.responseURL && xhr.responseURL.split('#')[0] !== form.action.split('#')[0];
      show(xhr.responseText, redirected ? xhr.responseURL : null, true);
    });
    xhr.addEventListener('error', fallback);
    xhr.addEventListener('abort', fallback);

    function fallback() {
      label.textContent = form.getAttribute('data-upload-failed') || '';
      form.removeAttribute('aria-busy');
      if (button) button.disabled = false;
      window.HTMLFormElement.prototype.submit.call(form); // no submit event: the ordinary post
    }

    xhr.send(data);
  });
})();
