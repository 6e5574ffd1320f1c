extension UploaderAssets {
    /// The uploader's one page: markup only (the Content-Security-Policy allows no inline script or style).
    static let page = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Silo uploader</title>
<link rel="stylesheet" href="app.css">
<script type="module" src="uploader.js"></script>
</head>
<body>
<header><h1>Silo uploader</h1><p>Photos go straight to storage with a short-lived token.</p></header>
<main>
<section aria-labelledby="settings-title">
  <h2 id="settings-title">Settings</h2>
  <div class="grid">
    <label for="app-server">App server</label><input id="app-server" type="url" autocomplete="off">
    <label for="endpoint">Storage endpoint</label><input id="endpoint" type="url" autocomplete="off">
    <label for="bucket">Bucket</label><input id="bucket" type="text" autocomplete="off">
    <label for="region">Region</label><input id="region" type="text" autocomplete="off">
  </div>
</section>

<section id="signed-out" aria-labelledby="auth-title">
  <h2 id="auth-title">Sign in</h2>
  <form id="auth-form">
    <div class="grid">
      <label for="username">Username</label><input id="username" type="text" autocomplete="username" required>
      <label for="password">Password</label><input id="password" type="password" autocomplete="current-password" required>
    </div>
    <div class="buttons">
      <button id="sign-in" type="button">Sign in</button>
      <button id="register" type="button" class="secondary">Register</button>
    </div>
  </form>
</section>
<p id="auth-status" role="status" aria-live="polite"></p>

<div id="signed-in" hidden>
  <section aria-labelledby="upload-title">
    <h2 id="upload-title">Upload</h2>
    <p>Signed in as <strong id="who"></strong>; your objects go under <code id="prefix"></code>. The token is good until
      <span id="token-expiry"></span> and renews itself.</p>
    <form id="upload-form">
      <div class="grid">
        <label for="file">Photo</label><input id="file" type="file" accept="image/*" capture="environment">
        <label for="object-name">Object name</label><input id="object-name" type="text" autocomplete="off">
      </div>
      <div class="buttons">
        <button id="upload-button" type="submit">Upload</button>
        <button id="sign-out" type="button" class="secondary">Sign out</button>
      </div>
    </form>
    <label for="progress">Progress</label>
    <progress id="progress" max="1" value="0"></progress> <span id="progress-text"></span>
    <p id="upload-status" role="status" aria-live="polite"></p>
    <h3>Callback answer</h3>
    <pre id="callback-answer" aria-label="Callback answer"></pre>
  </section>

  <section aria-labelledby="uploads-title">
    <h2 id="uploads-title">Your uploads</h2>
    <button id="refresh" type="button" class="secondary">Refresh</button>
    <p id="uploads-empty">Nothing uploaded yet.</p>
    <ul id="uploads"></ul>
  </section>
</div>
</main>
</body>
</html>
"""#
}
