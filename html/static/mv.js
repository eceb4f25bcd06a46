/* Meine Versorgung – small client script (CSP script-src 'self': no inline code, no eval).
   1. Inactivity dialogs (handbook §1.3): warning before, notice after the server's idle logout.
   2. Closing open menus/info toggles on Escape or outside click; clickable table rows.
   3. Forms that ask first ("Benutzer sperren"): the question as a modal dialog on the page.
   4. Show/hide toggles of password fields (handbook §1.2); without script the fields stay hidden text. */
'use strict';
(function () {
  const KEY = 'mv-letzte-anfrage'; // shared with other tabs of the same session

  /* ---- Menus, info toggles, table rows (always active) ---------------- */
  const popups = 'details.user-menu[open], details.info[open]';
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') return;
    document.querySelectorAll(popups).forEach(function (d) {
      const hadFocus = d.contains(document.activeElement);
      d.open = false;
      if (hadFocus) d.querySelector('summary').focus();
    });
  });
  document.addEventListener('click', function (e) {
    document.querySelectorAll(popups).forEach(function (d) {
      if (!d.contains(e.target)) d.open = false;
    });
  });
  // A click anywhere in a list row follows the row's first link (the link itself stays the keyboard path).
  document.querySelectorAll('table.list tbody tr').forEach(function (tr) {
    const a = tr.querySelector('td:first-child a[href]');
    if (!a) return;
    tr.classList.add('row-link');
    tr.addEventListener('click', function (e) {
      if (e.target.closest('a, button, input, select, textarea, label, summary')) return;
      if (String(window.getSelection())) return; // the user is selecting text
      a.click();
    });
  });
  // A dialog rendered with [open] by the server (e.g. "ANLAGE ERFOLGREICH") becomes a real modal.
  document.querySelectorAll('dialog.modal[open]').forEach(function (d) {
    if (typeof d.showModal === 'function') { d.close(); d.showModal(); }
  });

  /* ---- Inactivity ---------------------------------------------------- */
  const timeout = parseInt(document.body.dataset.idleTimeout, 10) * 1000;
  const warning = parseInt(document.body.dataset.idleWarning, 10) * 1000;
  const dlgWarn = document.getElementById('dlg-warnung');
  const dlgGone = document.getElementById('dlg-abgelaufen');
  if (!(timeout > 0) || !(warning > 0) || !dlgWarn || !dlgGone) return; // logged out
  if (!document.getElementById('btn-noch-hier') || !document.getElementById('btn-abgelaufen-ok')) return;

  let start = Date.now();   // the server's idle clock restarted with the request for this page
  let state = 'idle';       // 'idle' | 'warning' | 'expired'
  let timer = 0;
  let pending = false;
  let returnFocus = null;

  function readShared() { try { return Number(localStorage.getItem(KEY)) || 0; } catch (e) { return 0; } }
  function writeShared() { try { localStorage.setItem(KEY, String(start)); } catch (e) { /* ignore */ } }
  function open(d) { if (typeof d.showModal === 'function') d.showModal(); else d.setAttribute('open', ''); }
  function close(d) { if (typeof d.close === 'function') d.close(); else d.removeAttribute('open'); }

  // Decide what to show from the elapsed time; reschedule for the next deadline.
  // Computing from Date.now() survives throttled timers in background tabs and sleep.
  function check() {
    if (state === 'expired') return;
    start = Math.max(start, readShared()); // another tab may have made a request
    const elapsed = Date.now() - start;
    clearTimeout(timer);
    if (elapsed >= timeout) return expire();
    if (elapsed >= warning) {
      if (state !== 'warning') {
        state = 'warning';
        returnFocus = document.activeElement;
        open(dlgWarn);
      }
      timer = setTimeout(check, timeout - elapsed);
    } else {
      if (state === 'warning') { state = 'idle'; close(dlgWarn); restoreFocus(); }
      timer = setTimeout(check, warning - elapsed);
    }
  }

  function restoreFocus() {
    if (returnFocus && returnFocus.isConnected && typeof returnFocus.focus === 'function') returnFocus.focus();
    returnFocus = null;
  }

  function expire() {
    state = 'expired';
    clearTimeout(timer);
    if (dlgWarn.open) close(dlgWarn);
    open(dlgGone);
  }

  // "Ich bin noch hier": one request to the server restarts its idle clock.
  function keepAlive() {
    if (state !== 'warning' || pending) return;
    pending = true;
    const meta = document.querySelector('meta[name="csrf"]');
    fetch('/sitzung/verlaengern', {
      method: 'POST',
      headers: { 'X-CSRF-Token': meta ? meta.content : '', 'Accept': 'application/json' },
      credentials: 'same-origin'
    }).then(function (res) {
      if (res.status === 200) {
        start = Date.now();
        writeShared();
        check(); // closes the warning and restores focus
      } else if (res.status === 401 || res.status === 403) {
        expire();
      } // other errors (e.g. 503): keep the warning open; the next activity tries again
    }).catch(function () { /* network error: same as above */ })
      .then(function () { pending = false; });
  }

  // While the warning is open, any click, real mouse movement or key press counts as activity.
  function onActivity(e) {
    if (state !== 'warning' || !e.isTrusted) return;
    if (e.type === 'mousemove' && !e.movementX && !e.movementY) return; // synthetic moves after layout changes
    keepAlive();
  }
  ['click', 'mousemove', 'keydown'].forEach(function (t) { document.addEventListener(t, onActivity, true); });
  document.getElementById('btn-noch-hier').addEventListener('click', keepAlive);

  // Escape must not silently close the warning: it counts as activity (keydown) instead.
  dlgWarn.addEventListener('cancel', function (e) { e.preventDefault(); });

  function toLogin() { window.location.assign('/anmelden?grund=inaktiv'); }
  document.getElementById('btn-abgelaufen-ok').addEventListener('click', toLogin);
  dlgGone.addEventListener('cancel', function (e) { e.preventDefault(); toLogin(); });

  window.addEventListener('storage', function (e) { if (e.key === KEY) check(); });
  document.addEventListener('visibilitychange', function () { if (!document.hidden) check(); });
  window.addEventListener('pageshow', function (e) { if (e.persisted) check(); }); // back/forward cache

  writeShared();
  check();
})();

// Show/hide toggle beside every password field (handbook §1.2): a real button (Tab, Enter, Space) named
// "Passwort anzeigen" whose aria-pressed tells whether the text is shown; before a form is sent, its
// fields are hidden again (the browser does not keep them as ordinary text).
(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  function icon(paths) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    paths.forEach(function (d) {
      const p = document.createElementNS(SVG, 'path');
      p.setAttribute('d', d);
      p.setAttribute('fill', 'none');
      p.setAttribute('stroke', 'currentColor');
      p.setAttribute('stroke-width', '2');
      p.setAttribute('stroke-linecap', 'round');
      svg.appendChild(p);
    });
    return svg;
  }
  const eye = ['M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z', 'M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z'];
  document.querySelectorAll('input[type="password"][id]').forEach(function (input) {
    const wrap = document.createElement('div');
    wrap.className = 'pw-field';
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'pw-toggle';
    btn.setAttribute('aria-label', 'Passwort anzeigen');
    btn.setAttribute('aria-pressed', 'false');
    btn.setAttribute('aria-controls', input.id);
    const open = icon(eye), shut = icon(eye.concat(['M4 4l16 16'])); // the one shown follows aria-pressed (CSS)
    open.classList.add('eye-open');
    shut.classList.add('eye-shut');
    btn.append(open, shut);
    input.parentNode.insertBefore(wrap, input);
    wrap.append(input, btn);
    btn.addEventListener('click', function () {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      btn.setAttribute('aria-pressed', show ? 'true' : 'false');
    });
  });
  document.addEventListener('submit', function (e) {
    e.target.querySelectorAll('.pw-toggle[aria-pressed="true"]').forEach(function (b) { b.click(); });
  }, true);
})();

// A form that comes back with errors: move the focus to the error summary (its links lead to
// the fields), so keyboard and screen-reader users start where the problem is.
(function () {
  var summary = document.getElementById('fehler-zusammenfassung');
  if (summary) summary.focus();
})();

// A form with data-dialog="ID" asks first: its submit opens the <dialog id="ID"> as a modal (the
// focus moves into it; Escape or "Abbrechen" closes it and the focus returns to the button).
// Without JavaScript the form's own request leads to a confirmation page instead.
(function () {
  document.querySelectorAll('form[data-dialog]').forEach(function (form) {
    var dlg = document.getElementById(form.getAttribute('data-dialog'));
    if (!dlg || typeof dlg.showModal !== 'function') return;
    var back = null;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      back = e.submitter || form.querySelector('button');
      dlg.showModal();
    });
    dlg.addEventListener('close', function () {
      if (back && back.isConnected) back.focus();
      back = null;
    });
  });
})();
