// The passkey page: register a passkey with an access token, sign in with it, sign out.
// Served by the service itself (no CDN, no inline script) under the docs' strict CSP.
(function () {
  "use strict";
  var API = "/api/v1/auth";
  var $ = function (id) { return document.getElementById(id); };
  var show = function (text) { $("result").textContent = text; };

  function call(method, path, body, token) {
    var headers = {"Content-Type": "application/json"};
    if (token) { headers.Authorization = "Bearer " + token; }
    return fetch(API + path, {method: method, headers: headers,
                              body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (response) {
        return response.status === 204 ? {} : response.json().then(function (json) {
          if (!response.ok) { throw new Error(response.status + ": " + json.message); }
          return json;
        });
      });
  }

  function register() {
    var token = $("token").value.trim();
    return call("POST", "/passkeys/registration", undefined, token).then(function (started) {
      var publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(started.options);
      return navigator.credentials.create({publicKey: publicKey}).then(function (credential) {
        return call("POST", "/passkeys", {ceremony: started.ceremony, credential: credential.toJSON(),
                                          name: $("name").value}, token);
      });
    }).then(function (passkey) { show("Passkey registered: " + passkey.name); });
  }

  function signIn() {
    return call("POST", "/passkeys/authentication").then(function (started) {
      var publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(started.options);
      return navigator.credentials.get({publicKey: publicKey}).then(function (credential) {
        return call("POST", "/passkeys/login", {ceremony: started.ceremony,
                                                credential: credential.toJSON()});
      });
    }).then(function (login) {
      $("token").value = login.access_token;
      return call("GET", "/user", undefined, login.access_token);
    }).then(function (user) { show("Signed in as " + user.email); });
  }

  function signOut() {
    var token = $("token").value.trim();
    return call("POST", "/logout", undefined, token).then(function () {
      $("token").value = "";
      show("Signed out");
    });
  }

  function run(action) {
    return function () { action().catch(function (error) { show("Failed: " + error.message); }); };
  }

  $("register").addEventListener("click", run(register));
  $("sign-in").addEventListener("click", run(signIn));
  $("sign-out").addEventListener("click", run(signOut));
}());
