/// The console's pages as Mustache templates (rendered server-side; `{{ }}` escapes HTML, and no template uses the
/// unescaped form except the layout's `{{{body}}}`, which is a page already rendered by these templates).
enum ConsoleTemplates {
    static let all: [String: String] = [
        "layout": layout, "signin": signIn, "buckets": buckets, "bucket": bucket, "object": object, "denied": denied,
        "failure": failure, "settings": settings, "ram": ram, "user": user, "role": role, "attachments": attachments, "key": key, "simulate": simulate, "health": health, "share": share, "uploads": uploads,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Silo console</title>
        <link rel="stylesheet" href="/static/console.css">
        <script type="module" src="/static/console.js"></script>
        </head>
        <body>
        <header>
          <a class="brand" href="/buckets">Silo console</a>
          {{#user}}
          <nav aria-label="Main">
            <a href="/buckets">Buckets</a> <a href="/uploads">Uploads</a> <a href="/ram">RAM</a> <a href="/ram/simulate">Simulator</a> <a href="/health">Health</a>
          </nav>
          <form method="post" action="/signout" class="signout">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <span class="who">{{user}}</span> <button type="submit" class="secondary">Sign out</button>
          </form>
          {{/user}}
        </header>
        <main>
        <h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        <form method="post" action="/signin" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <p>Sign in with an access key: the account's root key, or a RAM user's. You see and change only what its
          policies allow.</p>
          <label for="accessKeyId">AccessKey ID</label>
          <input id="accessKeyId" name="accessKeyId" autocomplete="username" required value="{{accessKeyId}}">
          <label for="accessKeySecret">AccessKey secret</label>
          <input id="accessKeySecret" name="accessKeySecret" type="password" autocomplete="current-password" required>
          {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
          <button type="submit">Sign in</button>
        </form>
        """

    static let buckets = """
        <table>
          <caption>Buckets</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Objects</th><th scope="col">Used</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
          {{#buckets}}
          <tr>
            <td><a href="/b/{{urlName}}">{{name}}</a></td><td>{{objects}}</td><td>{{used}}</td><td>{{created}}</td>
            <td>
              <form method="post" action="/b/{{urlName}}/delete" class="inline">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <label><input type="checkbox" name="confirm" value="yes" required> sure</label>
                <button type="submit" class="danger">Delete {{name}}</button>
              </form>
            </td>
          </tr>
          {{/buckets}}
          {{^buckets}}<tr><td colspan="5">No buckets.</td></tr>{{/buckets}}
          </tbody>
        </table>
        <form method="post" action="/buckets" class="card">
          <h2>Create a bucket</h2>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="name">Name</label>
          <input id="name" name="name" required pattern="[a-z0-9][a-z0-9-]{1,61}[a-z0-9]" aria-describedby="name-help">
          <p id="name-help" class="help">3 to 63 characters: lower-case letters, digits and hyphens.</p>
          <label for="acl">ACL</label>
          <select id="acl" name="acl"><option value="private">private</option><option value="public-read">public-read</option></select>
          <button type="submit">Create</button>
        </form>
        """

    static let bucket = """
        <nav aria-label="Folders" class="crumbs">
          {{#crumbs}}<a href="{{href}}">{{label}}</a> / {{/crumbs}}
        </nav>
        <section class="card" aria-labelledby="upload-title">
          <h2 id="upload-title">Upload to {{bucketName}}/{{prefix}}</h2>
          <form id="upload" data-action="{{uploadURL}}" data-fields="{{uploadFields}}" data-prefix="{{prefix}}"
                data-multipart="{{multipart}}" data-threshold="{{threshold}}" data-csrf="{{csrf}}">
            <div id="drop-zone" class="drop-zone" tabindex="0" aria-describedby="drop-help">Drop files or folders here</div>
            <p id="drop-help" class="help">Straight to storage (PostObject, signed for this folder for an hour).</p>
            <label for="upload-files">Files</label> <input id="upload-files" type="file" multiple>
            <label for="upload-folder">A folder</label> <input id="upload-folder" type="file" webkitdirectory>
            <p id="upload-status" role="status" aria-live="polite"></p>
            <progress id="upload-progress" value="0" max="1" aria-label="Upload progress"></progress>
          </form>
          {{#needsCORS}}
          <form method="post" action="/b/{{bucketURL}}/settings/console-cors">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <p class="help">Files over 16 MB go in one request, without progress, unless this bucket's CORS lets this
            console send parts to storage.</p>
            <button type="submit" class="secondary">Allow large uploads in parts</button>
          </form>
          {{/needsCORS}}
        </section>
        <p>
          <a href="{{sortHref}}">Sort by name, {{sortLabel}}</a> · <a href="/b/{{bucketURL}}/settings">Bucket settings</a>
        </p>
        <table id="objects">
          <caption>Objects in {{bucketName}}/{{prefix}}</caption>
          <thead><tr><th scope="col"><span class="visually-hidden">Preview</span></th><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Last modified</th></tr></thead>
          <tbody>
          {{#folders}}<tr class="folder"><td></td><td><a href="{{href}}">{{label}}</a></td><td>folder</td><td></td></tr>{{/folders}}
          {{#objects}}<tr><td>{{#thumbnail}}<img src="{{thumbnail}}" alt="" width="48" height="48" loading="lazy">{{/thumbnail}}</td><td><a href="{{href}}">{{label}}</a></td><td>{{size}}</td><td>{{modified}}</td></tr>{{/objects}}
          {{^folders}}{{^objects}}<tr><td colspan="4">Nothing here yet.</td></tr>{{/objects}}{{/folders}}
          </tbody>
        </table>
        {{#next}}<p><a href="{{next}}" rel="next">Next page</a></p>{{/next}}
        {{#prefix}}
        <form method="post" action="/b/{{bucketURL}}/delete-prefix" class="card">
          <h2>Delete this folder</h2>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="prefix" value="{{prefix}}">
          <label><input type="checkbox" name="confirm" value="yes" required> Delete every object under {{prefix}}</label>
          <button type="submit" class="danger">Delete folder</button>
        </form>
        {{/prefix}}
        """

    static let settings = """
        <p><a href="/b/{{bucketURL}}">Back to the objects</a></p>
        {{#canACL}}
        <form method="post" action="/b/{{bucketURL}}/settings/acl" class="card">
          <h2>Access control</h2>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="acl">ACL</label>
          <select id="acl" name="acl">{{#acls}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/acls}}</select>
          <button type="submit">Save ACL</button>
        </form>
        {{/canACL}}
        {{#cors}}
        <form method="post" action="/b/{{bucketURL}}/settings/cors" class="card">
          <h2>CORS</h2>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="cors">CORSConfiguration (XML, as PutBucketCors takes it; empty turns CORS off)</label>
          <textarea id="cors" name="cors" rows="8">{{cors}}</textarea>
          <button type="submit">Save CORS</button>
        </form>
        {{/cors}}
        <form method="post" action="/b/{{bucketURL}}/settings/policy" class="card">
          <h2>Bucket policy</h2>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="policy">Policy (JSON; empty removes it)</label>
          <textarea id="policy" name="policy" rows="10">{{policy}}</textarea>
          <button type="submit">Save policy</button>
        </form>
        <section class="card" aria-labelledby="styles-title">
          <h2 id="styles-title">Image styles</h2>
          <ul>{{#styles}}<li><code>{{name}}</code>: <code>{{content}}</code>
            <form method="post" action="/b/{{bucketURL}}/settings/delete-style" class="inline">
              <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="name" value="{{name}}">
              <button type="submit" class="secondary">Delete {{name}}</button>
            </form></li>{{/styles}}</ul>
          <form method="post" action="/b/{{bucketURL}}/settings/style">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="style-name">Style name</label> <input id="style-name" name="name" required>
            <label for="style-content">Process</label> <input id="style-content" name="content" required value="image/resize,w_200">
            <button type="submit">Save style</button>
          </form>
        </section>
        """

    static let object = """
        <nav aria-label="Folders" class="crumbs">{{#crumbs}}<a href="{{href}}">{{label}}</a> / {{/crumbs}}</nav>
        {{#preview}}<p><img class="preview" src="{{preview}}" alt="Preview of {{key}}"></p>{{/preview}}
        <dl class="details">
          <dt>Key</dt><dd>{{key}}</dd>
          <dt>Size</dt><dd>{{size}} ({{bytes}} bytes)</dd>
          <dt>Type</dt><dd>{{contentType}}</dd>
          <dt>ETag</dt><dd><code>{{etag}}</code></dd>
          <dt>CRC-64</dt><dd><code>{{crc64}}</code></dd>
          <dt>ACL</dt><dd>{{acl}}</dd>
          <dt>Storage class</dt><dd>{{storageClass}}</dd>
          <dt>Last modified</dt><dd>{{modified}}</dd>
          {{#metadata}}<dt>x-oss-meta-{{name}}</dt><dd>{{value}}</dd>{{/metadata}}
        </dl>
        <p><a href="{{download}}" download>Download</a></p>
        {{#hasStyles}}<h2>Image styles</h2><ul>{{#styles}}<li><a href="{{url}}">{{name}}</a> <code>{{content}}</code>
          <button type="button" class="secondary" data-copy="{{url}}">Copy the URL of {{name}}</button></li>{{/styles}}</ul>{{/hasStyles}}
        <form method="post" action="/b/{{bucketURL}}/share" class="card">
          <h2>Share link</h2>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="key" value="{{key}}">
          <label for="expires">Valid for</label>
          <select id="expires" name="expires">
            <option value="3600">1 hour</option><option value="86400">1 day</option><option value="604800">7 days</option>
          </select>
          <button type="submit">Make link</button>
        </form>
        <form method="post" action="/b/{{bucketURL}}/delete-object" class="card">
          <h2>Delete</h2>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="key" value="{{key}}">
          <label><input type="checkbox" name="confirm" value="yes" required> Delete {{key}}</label>
          <button type="submit" class="danger">Delete object</button>
        </form>
        """

    static let share = """
        <p>Anyone with this link can read <strong>{{key}}</strong> until {{until}}. It is signed with your access key
        {{accessKeyId}}, which outlives it; deleting or disabling that key revokes it.</p>
        <label for="share-link">Link</label>
        <input id="share-link" readonly value="{{url}}">
        <button type="button" class="secondary" data-copy="{{url}}">Copy the link</button>
        <p><a href="{{url}}">Open the link</a> · <a href="{{back}}">Back to the object</a></p>
        """

    static let denied = """
        <div class="card denied" role="alert">
          <p>You may not do this{{#action}}: <code>{{action}}</code>{{/action}}{{#resource}} on <code>{{resource}}</code>{{/resource}}.</p>
          <h2>Why</h2>
          <p class="explanation">{{explanation}}</p>
          <p><a href="/buckets">Back to the buckets</a></p>
        </div>
        """

    static let failure = """
        <div class="card" role="alert">
          <p class="error">{{message}}</p>
          {{#code}}<p>Code: <code>{{code}}</code></p>{{/code}}
          <p><a href="/buckets">Back to the buckets</a></p>
        </div>
        """

    static let ram = """
        <section aria-labelledby="users-title">
        <h2 id="users-title">Users</h2>
        <table><caption class="visually-hidden">RAM users</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Display name</th><th scope="col">Created</th></tr></thead>
          <tbody>{{#users}}<tr><td><a href="/ram/users/{{urlName}}">{{name}}</a></td><td>{{displayName}}</td><td>{{createdAt}}</td></tr>{{/users}}</tbody>
        </table>
        <form method="post" action="/ram/users" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="user-name">New user</label> <input id="user-name" name="name" required>
          <button type="submit">Create user</button>
        </form>
        </section>
        <section aria-labelledby="policies-title">
        <h2 id="policies-title">Policies</h2>
        <table><caption class="visually-hidden">Policies</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Document</th></tr></thead>
          <tbody>{{#policies}}<tr><td>{{name}}</td><td><pre>{{document}}</pre></td></tr>{{/policies}}</tbody>
        </table>
        <form method="post" action="/ram/policies" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="policy-name">New policy</label> <input id="policy-name" name="name" required>
          <label for="policy-document">Document (JSON)</label>
          <textarea id="policy-document" name="document" rows="10" required>{{draft}}</textarea>
          <button type="submit">Create policy</button>
        </form>
        </section>
        <section aria-labelledby="roles-title">
        <h2 id="roles-title">Roles</h2>
        <table><caption class="visually-hidden">Roles</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">ARN</th><th scope="col">Trust policy</th></tr></thead>
          <tbody>{{#roles}}<tr><td><a href="/ram/roles/{{urlName}}">{{name}}</a></td><td><code>{{arn}}</code></td><td><pre>{{trustPolicy}}</pre></td></tr>{{/roles}}</tbody>
        </table>
        <form method="post" action="/ram/roles" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="role-name">New role</label> <input id="role-name" name="name" required>
          <label for="role-trust">Trust policy (JSON; empty: this account may assume it)</label>
          <textarea id="role-trust" name="trustPolicy" rows="6"></textarea>
          <label for="role-description">Description</label> <input id="role-description" name="description">
          <button type="submit">Create role</button>
        </form>
        </section>
        """

    static let user = """
        <h2>Access keys</h2>
        <table><caption class="visually-hidden">Access keys</caption>
          <thead><tr><th scope="col">AccessKey ID</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
          <tbody>{{#keys}}<tr><td><code>{{accessKeyId}}</code></td><td>{{status}}</td><td>{{createdAt}}</td></tr>{{/keys}}</tbody>
        </table>
        <form method="post" action="/ram/users/{{urlName}}/keys" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit">Create an access key</button>
        </form>
        {{> attachments}}
        """

    /// A user's or a role's policies, with forms to detach each and attach another (`holderPath` is the page's own).
    static let attachments = """
        <h2>Attached policies</h2>
        <ul>{{#attached}}<li>{{name}}
          <form method="post" action="{{holderPath}}/detach" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="policy" value="{{name}}">
            <button type="submit" class="secondary">Detach {{name}}</button>
          </form></li>{{/attached}}</ul>
        <form method="post" action="{{holderPath}}/attach" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="attach-policy">Attach a policy</label>
          <select id="attach-policy" name="policy">{{#policies}}<option>{{name}}</option>{{/policies}}</select>
          <button type="submit">Attach</button>
        </form>
        """

    static let role = """
        <dl class="details">
          <dt>ARN</dt><dd><code>{{arn}}</code></dd>
          <dt>Longest session</dt><dd>{{maxSessionDuration}} s</dd>
          <dt>Description</dt><dd>{{description}}</dd>
        </dl>
        <h2>Trust policy</h2>
        <form method="post" action="/ram/roles/{{urlName}}/update" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="trust-policy">Who may assume this role (JSON, checked when saved)</label>
          <textarea id="trust-policy" name="trustPolicy" rows="10" required>{{trustPolicy}}</textarea>
          <label for="session-duration">Longest session, 3600 to 43200 seconds</label>
          <input id="session-duration" name="maxSessionDuration" inputmode="numeric" value="{{maxSessionDuration}}" required>
          <label for="role-description">Description</label>
          <input id="role-description" name="description" value="{{description}}">
          <button type="submit">Save the role</button>
          <p class="help">Sessions already issued keep their rights until they expire.</p>
        </form>
        {{> attachments}}
        <form method="post" action="/ram/roles/{{urlName}}/delete" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label><input type="checkbox" name="confirm" value="yes" required> Delete this role (its sessions end)</label>
          <button type="submit" class="danger">Delete role</button>
        </form>
        """

    static let key = """
        <div class="card" role="alert">
          <p>The new key of {{user}}. The secret is shown this once: copy it now.</p>
          <label for="new-key-id">AccessKey ID</label> <input id="new-key-id" readonly value="{{accessKeyId}}">
          <label for="new-key-secret">AccessKey secret</label> <input id="new-key-secret" readonly value="{{accessKeySecret}}">
          <p><a href="/ram/users/{{urlName}}">Back to {{user}}</a></p>
        </div>
        """

    static let simulate = """
        <form method="post" action="/ram/simulate" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <p>Why would a principal be allowed or denied an action on a resource? The same policy engine answers.</p>
          <label for="principal">Principal</label>
          <input id="principal" name="principal" required value="{{principal}}" aria-describedby="principal-help">
          <p id="principal-help" class="help"><code>user/NAME</code>, <code>role/NAME</code>, <code>root</code> or <code>anonymous</code>.</p>
          <label for="action">Action</label> <input id="action" name="action" required value="{{action}}">
          <label for="resource">Resource</label> <input id="resource" name="resource" required value="{{resource}}">
          <button type="submit">Simulate</button>
        </form>
        {{#result}}
        <div class="card result" role="status">
          <p class="{{verdictClass}}"><strong>{{verdict}}</strong></p>
          <p class="explanation">{{decision}}</p>
          {{#decidedBy}}<p>Decided by {{policy}}, statement {{statement}}{{#sid}} ({{sid}}){{/sid}}: {{effect}}.</p>{{/decidedBy}}
        </div>
        {{/result}}
        """

    static let uploads = """
        {{#disabled}}<p>This console reads no app server catalog: start <code>silo server</code> with
        <code>--console-app-catalog PATH</code> (the app server's <code>database</code> file).</p>{{/disabled}}
        {{^disabled}}
        <form method="get" action="/uploads" class="inline">
          <label for="user">User</label> <input id="user" name="user" value="{{user}}">
          <button type="submit">Search</button>
        </form>
        <table>
          <caption>Uploads recorded by the app server, newest first</caption>
          <thead><tr><th scope="col">User</th><th scope="col">Object</th><th scope="col">Size</th><th scope="col">Image</th><th scope="col">Renditions</th><th scope="col">Uploaded</th></tr></thead>
          <tbody>
          {{#uploads}}<tr><td>{{user}}</td><td><a href="{{href}}">{{bucket}}/{{key}}</a></td><td>{{size}}</td><td>{{image}}</td><td>{{renditions}}</td><td>{{when}}</td></tr>{{/uploads}}
          {{^uploads}}<tr><td colspan="6">No uploads{{#user}} by a user matching {{user}}{{/user}}.</td></tr>{{/uploads}}
          </tbody>
        </table>
        {{/disabled}}
        """

    static let health = """
        <dl class="details">
          <dt>Version</dt><dd>{{version}}</dd>
          <dt>Up for</dt><dd>{{uptime}}</dd>
          <dt>Buckets</dt><dd>{{buckets}}</dd>
          <dt>Objects</dt><dd>{{objects}}</dd>
          <dt>Storage used</dt><dd>{{used}}</dd>
          <dt>Requests in flight</dt><dd>{{inFlight}} (peak {{peak}}, {{served}} served)</dd>
          <dt>Image workers</dt><dd>{{imageWorkers}}</dd>
          <dt>Media workers</dt><dd>{{mediaWorkers}}</dd>
          <dt>Event webhooks given up</dt><dd>{{deadEvents}}</dd>
        </dl>
        <h2>Upload callbacks failed in the last hour</h2>
        <table><caption class="visually-hidden">Failed upload callbacks</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Object</th><th scope="col">Why</th></tr></thead>
          <tbody>
          {{#callbackFailures}}<tr><td>{{time}}</td><td>{{object}}</td><td>{{reason}}</td></tr>{{/callbackFailures}}
          {{^callbackFailures}}<tr><td colspan="3">None.</td></tr>{{/callbackFailures}}
          </tbody>
        </table>
        """
}
