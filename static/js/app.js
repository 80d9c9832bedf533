/*
 * Progressive enhancement only: every page works without this file.
 * Loaded from <head> without `defer` so the `js` class is set before first paint
 * (the CSS folds the phone menu only when that class is present).
 *  - .nav-toggle button opens/closes #site-nav on small screens
 *  - data-confirm="question" on a <form> or a submit <button> asks before submitting
 *  - [data-back] links go back in history when there is somewhere to go back to
 *  - details.filter-fold (filters folded behind one button on phones) opens on wide screens
 *  - a .table-wrap whose table is wider than the screen can take keyboard focus, so it can
 *    be scrolled without a mouse (browsers that do this themselves are unaffected)
 */
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function init() {
    var toggle = document.querySelector('.nav-toggle');
    var nav = document.getElementById('site-nav');
    if (toggle && nav) {
      toggle.addEventListener('click', function () {
        var open = nav.classList.toggle('is-open');
        toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      });
      document.addEventListener('keydown', function (e) {
        if (e.key === 'Escape' && nav.classList.contains('is-open')) {
          nav.classList.remove('is-open');
          toggle.setAttribute('aria-expanded', 'false');
          toggle.focus();
        }
      });
    }

    document.addEventListener('submit', function (e) {
      var form = e.target;
      var button = e.submitter;
      var question = (button && button.getAttribute('data-confirm')) ||
        (form && form.getAttribute && form.getAttribute('data-confirm'));
      if (question && !window.confirm(question)) {
        e.preventDefault();
      }
    }, true);

    if (window.matchMedia && window.matchMedia('(min-width: 769px)').matches) {
      var folds = document.querySelectorAll('details.filter-fold');
      for (var f = 0; f < folds.length; f++) {
        folds[f].open = true;
      }
    }

    markScrollers();
    window.addEventListener('resize', markScrollers);

    var backs = document.querySelectorAll('[data-back]');
    for (var i = 0; i < backs.length; i++) {
      backs[i].addEventListener('click', function (e) {
        if (window.history.length > 1 && document.referrer) {
          e.preventDefault();
          window.history.back();
        }
      });
    }
  }

  // Marks only what scrolls now (and unmarks it when the window grows), so wide screens
  // get no extra tab stops. The region is named after the table's caption or its section's
  // heading, so a screen reader says what the focused box holds.
  function markScrollers() {
    var wraps = document.querySelectorAll('.table-wrap');
    for (var i = 0; i < wraps.length; i++) {
      var w = wraps[i];
      var scrolls = w.scrollWidth > w.clientWidth + 1;
      if (scrolls && !w.hasAttribute('tabindex')) {
        w.setAttribute('tabindex', '0');
        w.setAttribute('data-scroller', '');
        if (!w.hasAttribute('role')) {
          var caption = w.querySelector('caption');
          var section = w.closest('section[aria-labelledby]');
          if (caption && caption.textContent.trim()) {
            w.setAttribute('role', 'region');
            w.setAttribute('aria-label', caption.textContent.trim());
          } else if (section) {
            w.setAttribute('role', 'region');
            w.setAttribute('aria-labelledby', section.getAttribute('aria-labelledby'));
          }
        }
      } else if (!scrolls && w.hasAttribute('data-scroller')) {
        w.removeAttribute('tabindex');
        w.removeAttribute('data-scroller');
        if (w.getAttribute('role') === 'region') {
          w.removeAttribute('role');
          w.removeAttribute('aria-label');
          w.removeAttribute('aria-labelledby');
        }
      }
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
