// Loaded between require.js and the ipywidgets HTML manager (embed-amd.js)
// on pages with widgets (see nb_ipywidgets_js in _config.yml).
(function () {
  // 1. Map the manager's AMD module to the copy in this site's
  //    _static/vendor/, so that the fonts and modules it loads relative to
  //    itself come from this site, whatever the depth of the page.
  var here = document.currentScript.src.split("?")[0];
  var root = here.slice(0, here.lastIndexOf("/") + 1);
  require.config({
    paths: { "@jupyter-widgets/html-manager/dist": root + "vendor/html-manager" }
  });

  // 2. The manager typesets widget labels with the MathJax 2 API
  //    (MathJax.Hub.Queue); this site loads MathJax 3. Once MathJax 3 has
  //    loaded (a deferred script, so before DOMContentLoaded), give it the
  //    one MathJax 2 call the manager makes.
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (!mj || mj.Hub || !mj.typesetPromise) {
      return;
    }
    mj.Hub = {
      Queue: function (command) {
        var element = command && command[2];
        mj.startup.promise.then(function () {
          return mj.typesetPromise(element ? [element] : undefined);
        });
      }
    };
  });
})();
