// Files: in comments (images inline, opened large in a viewer; other files as download links)
// and in the composer (a tray of uploads under one Zendesk upload token, sent with the reply or
// the internal note as `comment.uploads`).
import { T } from './strings.js';
import { $, h, showError } from './ui.js';
import { session } from './api.js';
import { errorFrom } from './errors.js';
import { retryAfterSeconds } from '../shared/errors.js';

var viewer = $('viewer'), viewerImg = $('viewer-img'), viewerOpen = $('viewer-open');
$('viewer-close').addEventListener('click', function () { viewer.close(); });

function view(a) {
  viewerImg.src = a.content_url;
  viewerImg.alt = a.file_name;
  viewerOpen.href = a.content_url;
  viewer.showModal();
}

/** Shows a comment's `attachments` under its body. */
export function renderFiles(el, list) {
  if (!list || !list.length) return;
  var box = h('div', { class: 'files' });
  list.forEach(function (a) {
    if (!a.content_url) { box.appendChild(h('span', { class: 'file', text: a.file_name })); return; }
    if (/^image\//.test(a.content_type)) {
      box.appendChild(h('button', { type: 'button', class: 'thumb', 'aria-label': T.viewImage(a.file_name), onclick: function () { view(a); } },
        [h('img', { src: a.content_url, alt: a.file_name, loading: 'lazy' })]));
    } else {
      box.appendChild(h('a', { class: 'file', href: a.content_url, download: a.file_name, 'aria-label': T.download(a.file_name), text: a.file_name }));
    }
  });
  el.appendChild(box);
}

// ---- The composer's tray
var tray = $('tray'), input = $('attach-input');
var staged = []; // {file, li, bar, done}
var token = null; // the upload token the staged files share

$('attach').addEventListener('click', function () { input.click(); });
input.addEventListener('change', function () { Array.prototype.forEach.call(input.files, stage); input.value = ''; });
$('reply').addEventListener('paste', function (e) {
  var files = e.clipboardData && e.clipboardData.files;
  if (files && files.length) { e.preventDefault(); Array.prototype.forEach.call(files, stage); }
});
$('composer').addEventListener('dragover', function (e) { e.preventDefault(); });
$('composer').addEventListener('drop', function (e) {
  e.preventDefault();
  Array.prototype.forEach.call((e.dataTransfer && e.dataTransfer.files) || [], stage);
});

function stage(file) {
  var f = { file: file, done: false };
  var preview = /^image\//.test(file.type) ? URL.createObjectURL(file) : null;
  f.bar = h('progress', { max: '100', value: '0', 'aria-label': T.uploading(file.name) });
  f.li = h('li', {}, [
    preview ? h('img', { src: preview, alt: '' }) : null,
    h('span', { text: file.name }), f.bar,
    h('button', { type: 'button', class: 'ghost small', text: '✕', 'aria-label': T.removeFile(file.name), onclick: function () {
      if (f.xhr) f.xhr.abort();
      staged.splice(staged.indexOf(f), 1);
      f.li.remove();
      if (preview) URL.revokeObjectURL(preview);
    } })
  ]);
  staged.push(f);
  tray.appendChild(f.li);
  upload(f);
}

// One after another, so the first answer's token carries the rest.
var queue = Promise.resolve();
function upload(f) {
  f.li.classList.remove('bad');
  queue = queue.then(function () {
    return new Promise(function (done) {
      var xhr = f.xhr = new XMLHttpRequest();
      var path = '/api/v2/uploads.json?filename=' + encodeURIComponent(f.file.name) + (token ? '&token=' + encodeURIComponent(token) : '');
      xhr.open('POST', path);
      xhr.setRequestHeader('Authorization', (session.auth && session.auth.header) || '');
      xhr.setRequestHeader('Content-Type', 'application/binary');
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) f.bar.value = Math.round(e.loaded * 100 / e.total); };
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 201 && data && data.upload) {
          token = data.upload.token;
          f.done = true;
          f.bar.hidden = true;
        } else {
          failed(f, errorFrom(xhr.status, data, retryAfterSeconds(xhr.getResponseHeader('retry-after'))));
        }
        done();
      };
      xhr.onerror = function () { failed(f, errorFrom(0, null)); done(); };
      xhr.send(f.file);
    });
  });
}

// Why the upload failed, in the workspace's words beside the file (a file too large, of a
// type the server refuses, a lost connection), and a button to try again.
function failed(f, err) {
  f.li.classList.add('bad');
  f.bar.hidden = true;
  var why = h('span', { class: 'why', role: 'alert' });
  showError(why, err);
  f.li.appendChild(why);
  f.li.appendChild(h('button', { type: 'button', class: 'ghost small', text: T.retry, title: T.uploadFailed, onclick: function (e) {
    e.target.remove(); why.remove(); f.bar.hidden = false; upload(f);
  } }));
}

/** What the next comment carries: `{uploads: [token]}`, `{busy: true}` while files upload, or `{}`. */
export function pendingUploads() {
  if (staged.some(function (f) { return !f.done && !f.li.classList.contains('bad'); })) return { busy: true };
  return staged.some(function (f) { return f.done; }) && token ? { uploads: [token] } : {};
}

/** The comment went out: the tray starts afresh with a new token. */
export function clearUploads() {
  staged = [];
  token = null;
  tray.textContent = '';
}
