/* socialdash: when a page update fails on the server side, tell the user in one sentence.

   Wraps window.fetch for the Dash callback endpoint (/_dash-update-component):
   - 401 (signed out or the sign-in expired): back to the sign-in page, then to this page;
   - 5xx with {"error": sentence} (a worker died during a job, Redis is down): that sentence;
   - other 5xx or no answer at all (the server restarted mid-request): a generic "try again" sentence.
   The banner is plain text (textContent) in a dismissible alert at the top of the page. */
(function () {
  "use strict";
  if (!window.fetch || window.__socialdashResilience) { return; }
  window.__socialdashResilience = true;
  var ENDPOINT = "/_dash-update-component";
  var INTERRUPTED = "The connection to the server was interrupted, so your last step did not finish. " +
    "Please try again.";
  var SERVER_ERROR = "The server could not finish your last step. Please try again.";

  function banner(message) {
    var box = document.getElementById("socialdash-service-alert");
    if (!box) {
      box = document.createElement("div");
      box.id = "socialdash-service-alert";
      box.className = "alert alert-warning alert-dismissible shadow";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;top:1rem;left:50%;transform:translateX(-50%);z-index:2000;" +
        "max-width:40rem;width:calc(100% - 2rem)";
      var text = document.createElement("span");
      text.className = "socialdash-service-text";
      var close = document.createElement("button");
      close.type = "button";
      close.className = "btn-close";
      close.setAttribute("aria-label", "Close");
      close.addEventListener("click", function () { box.remove(); });
      box.appendChild(text);
      box.appendChild(close);
      document.body.appendChild(box);
    }
    box.querySelector(".socialdash-service-text").textContent = message;
  }

  function isCallback(input) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    return url.indexOf(ENDPOINT) !== -1;
  }

  var original = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var promise = original(input, init);
    if (!isCallback(input)) { return promise; }
    return promise.then(function (response) {
      if (response.status === 401) {
        var here = window.location.pathname + window.location.search;
        response.clone().json().then(function (body) {
          if (body && body.login) { window.location.assign(body.login + "?next=" + encodeURIComponent(here)); }
          else { banner((body && body.error) || SERVER_ERROR); }
        }).catch(function () { banner(SERVER_ERROR); });
      } else if (response.status >= 500) {
        response.clone().json().then(function (body) {
          banner((body && typeof body.error === "string" && body.error) || SERVER_ERROR);
        }).catch(function () { banner(SERVER_ERROR); });
      }
      return response;
    }, function (err) {
      banner(INTERRUPTED);
      throw err;
    });
  };
  window.socialdashBanner = banner;  // tests and other scripts
})();
