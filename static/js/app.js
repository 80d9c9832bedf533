/*
 * Progressive enhancement only: every page works without this file.
 * Loaded from <head> without `defer` so the `js` class is set before first paint
 * (the CSS folds the phone menu only when that class is present).
 *  - .nav-toggle button opens/closes #site-nav on small screens
 *  - data-confirm="question" on a <form> or a submit <button> asks before submitting
 *  - [data-back] links go back in history when there is somewhere to go back to
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

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
