// Browser widgets for the storefront (bundled by webpack).

function showGreeting() {
  const params = new URLSearchParams(window.location.search);
  const name = params.get('name');
  document.getElementById('greeting').innerHTML = 'Hello ' + name; // expect: xss
  document.getElementById('greeting2').textContent = 'Hello ' + name; // safe: xss
}

function showBanner() {
  const msg = decodeURIComponent(window.location.hash.slice(1));
  document.write('<div class="banner">' + msg + '</div>'); // expect: xss
}

function renderComment(comment) {
  const el = document.createElement('li');
  el.insertAdjacentHTML('beforeend', `<b>${comment.author}</b>: ${comment.text}`); // expect: xss
  document.getElementById('comments').appendChild(el);
}

function renderCommentSafe(comment) {
  const el = document.createElement('li');
  const b = document.createElement('b');
  b.textContent = comment.author;
  el.append(b, ': ', comment.text); // safe: xss
  document.getElementById('comments').appendChild(el);
}

function followNext() {
  const next = new URLSearchParams(location.search).get('next');
  window.location.href = next; // expect: open-redirect
}

function followNextSafe() {
  const next = new URLSearchParams(location.search).get('next');
  if (next && /^\/(?![\/\\])/.test(next)) window.location.href = next; // safe: open-redirect
}

function openLink(url) {
  const a = document.getElementById('external');
  a.setAttribute('href', url); // expect: xss
}

function receiveMessage() {
  window.addEventListener('message', (event) => {
    eval(event.data.code); // expect: code-injection
  });
}

function receiveMessageSafe() {
  window.addEventListener('message', (event) => {
    if (event.origin !== 'https://shop.example.com') return;
    document.getElementById('status').textContent = String(event.data.status); // safe: xss
  });
}

function rememberToken(token) {
  document.cookie = 'token=' + token + '; path=/'; // expect: insecure-cookie
  document.cookie = 'token=' + token + '; path=/; Secure; SameSite=Strict'; // safe: insecure-cookie
}

function sessionId() {
  return 'sess-' + Math.random().toString(16).slice(2); // expect: insecure-random
}

function sessionIdSafe() {
  return 'sess-' + crypto.randomUUID(); // safe: insecure-random
}
