/* Browser client for the MUD: speaks the JSON WebSocket protocol of docs/protocol.md.
 *
 * Everything the server sends (names, speech, descriptions, exits...) is untrusted: it only
 * ever reaches the page through textContent, dataset and createElement -- never as HTML.
 * The page is served with a strict CSP (no inline script or style), so this file and
 * client.css hold all of the code and styling.
 */
(() => {
  'use strict';

  // -- settings -----------------------------------------------------------------------------------

  const MAX_LINES = 2000;          // output entries kept; the oldest are dropped
  const MAX_HISTORY = 100;         // command history entries
  const WHO_INTERVAL = 15000;      // GET /api/who every 15 s while in the game
  const PING_INTERVAL = 25000;     // application-level ping while connected
  const SILENCE_LIMIT = 70000;     // nothing heard (not even pong) for this long: drop and retry
  const BACKOFF_FIRST = 1000;      // 1 s, 2 s, 4 s ... capped at BACKOFF_MAX
  const BACKOFF_MAX = 30000;
  const STABLE_AFTER = 10000;      // a socket open this long resets the backoff
  const QUIT_WINDOW = 30000;       // a goodbye this soon after typing "quit" is that quit
  const MAX_HELD = 20;             // commands typed while a resume is in flight
  const STICK_SLACK = 24;          // px from the bottom that still counts as "at the bottom"
  const TOKEN_KEY = 'mud.token';
  const NAME_KEY = 'mud.name';
  const TAKEOVER_RE = /another connection|logged in as your character/i;

  // -- elements -----------------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);
  const el = {
    world: $('world'),
    player: $('player'),
    status: $('status'),
    statusAnnounce: $('status-announce'),
    reconnect: $('reconnect'),
    loginView: $('login-view'),
    welcome: $('welcome'),
    loginForm: $('login-form'),
    loginInfo: $('login-info'),
    name: $('name'),
    password: $('password'),
    loginButton: $('login-button'),
    registerButton: $('register-button'),
    loginError: $('login-error'),
    game: $('game'),
    roomName: $('room-name'),
    roomArea: $('room-area'),
    roomDescription: $('room-description'),
    exits: $('exits'),
    roomCharacters: $('room-characters'),
    roomCharactersRow: $('room-characters-row'),
    roomNpcs: $('room-npcs'),
    roomNpcsRow: $('room-npcs-row'),
    roomItems: $('room-items'),
    roomItemsRow: $('room-items-row'),
    output: $('output'),
    scrollBottom: $('scroll-bottom'),
    who: $('who'),
    whoCount: $('who-count'),
    commandForm: $('command-form'),
    command: $('command'),
  };

  // sessionStorage can throw (privacy modes, storage disabled): treat that as "nothing stored".
  const store = {
    get(key) { try { return sessionStorage.getItem(key); } catch (_) { return null; } },
    set(key, value) { try { sessionStorage.setItem(key, value); } catch (_) { /* ignore */ } },
    del(key) { try { sessionStorage.removeItem(key); } catch (_) { /* ignore */ } },
  };

  /** A server value as display text: strings as they are, anything else as '' (or its name). */
  const str = (value) => (typeof value === 'string' ? value : '');
  const label = (value) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (value && typeof value === 'object' && typeof value.name === 'string') return value.name;
    return '';
  };
  const list = (value) => (Array.isArray(value) ? value : []);

  // -- state --------------------------------------------------------------------------------------

  let ws = null;             // the current WebSocket (null while waiting to reconnect)
  let attempt = 0;           // reconnect attempts since the last good connection
  let reconnectTimer = 0;
  let countdownTimer = 0;
  let reconnectAt = 0;
  let stableTimer = 0;
  let pingTimer = 0;
  let lastHeard = 0;
  let pendingAuth = null;    // a login/register frame to send once the socket is open
  let authInFlight = false;  // login/register/resume sent, no answer yet
  let authed = false;        // login_ok seen on the current socket
  let goodbyeKind = null;    // 'quit' | 'takeover' | 'idle' | 'login_timeout' | 'server'
  let quitAt = 0;            // when the player last sent quit (the whole word: 'q' is not quit)
  let held = [];             // commands typed while a resume is in flight
  let gameShown = false;
  let whoTimer = 0;
  let whoFetching = false;
  let myName = store.get(NAME_KEY) || '';

  // =================================================================================================
  // Output pane
  // =================================================================================================

  let pending = [];          // line elements not yet in the document (appended once per frame)
  let flushScheduled = false;
  let lineCount = 0;
  let stick = true;          // keep the pane scrolled to the bottom

  /** Show one line in the output; returns its element (for a frame's extra markers).
   *  `msg`: the frame it shows, if any. */
  function addLine(type, text, own, msg) {
    const line = document.createElement('div');
    line.className = 'line';
    line.setAttribute('data-type', type);
    if (own) line.setAttribute('data-own', 'true');
    line.textContent = text;
    pending.push(line);
    // What is read aloud, and how much, is a11y.js's business.
    document.dispatchEvent(new CustomEvent('mud:line', { detail: { type, text, own: !!own } }));
    // The channel tabs (channels.js) sort each line into its tab.
    document.dispatchEvent(new CustomEvent('mud:shown', {
      detail: { line, type, text, own: !!own, msg: msg || null } }));
    if (pending.length > MAX_LINES) pending = pending.slice(pending.length - MAX_LINES);
    scheduleFlush();
    return line;
  }

  function scheduleFlush() {
    if (flushScheduled) return;
    flushScheduled = true;
    // rAF batches a burst of events into one layout; hidden tabs get no frames, so use a timer.
    if (document.hidden) setTimeout(flush, 100);
    else requestAnimationFrame(flush);
  }

  function flush() {
    flushScheduled = false;
    if (pending.length === 0) return;
    const frag = document.createDocumentFragment();
    for (const line of pending) frag.appendChild(line);
    lineCount += pending.length;
    pending = [];
    el.output.appendChild(frag);
    let excess = lineCount - MAX_LINES;
    if (excess > 0) {
      lineCount -= excess;
      if (excess >= el.output.childElementCount) {
        el.output.replaceChildren();
        lineCount = 0;
      } else {
        const range = document.createRange();
        range.setStartBefore(el.output.firstChild);
        range.setEndBefore(el.output.children[excess]);
        range.deleteContents();
      }
    }
    if (stick) scrollToBottom();
    else el.scrollBottom.hidden = false;
  }

  function scrollToBottom() {
    el.output.scrollTop = el.output.scrollHeight;
  }

  el.output.addEventListener('scroll', () => {
    const o = el.output;
    stick = o.scrollHeight - o.scrollTop - o.clientHeight <= STICK_SLACK;
    if (stick) el.scrollBottom.hidden = true;
  }, { passive: true });

  if (typeof ResizeObserver === 'function') {
    // The pane shrinks when a phone keyboard opens: stay at the bottom if we were there.
    new ResizeObserver(() => { if (stick) scrollToBottom(); }).observe(el.output);
  }

  el.scrollBottom.addEventListener('click', () => {
    stick = true;
    scrollToBottom();
    el.scrollBottom.hidden = true;
    focusCommand();
  });

  // =================================================================================================
  // Connection
  // =================================================================================================

  function wsUrl() {
    return (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws';
  }

  function connect() {
    clearReconnect();
    if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) return;
    let sock;
    try {
      sock = new WebSocket(wsUrl());
    } catch (_) {
      ws = null;
      scheduleReconnect();
      return;
    }
    ws = sock;
    authed = false;
    authInFlight = false;
    goodbyeKind = null;
    setStatus('connecting');
    sock.onopen = () => { if (ws === sock) onOpen(); };
    sock.onmessage = (event) => { if (ws === sock) onMessage(event.data); };
    sock.onclose = (event) => { if (ws === sock) onClose(event); };
    sock.onerror = () => { /* a close event follows */ };
  }

  function send(frame) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function onOpen() {
    lastHeard = Date.now();
    setStatus('connected');
    clearTimeout(stableTimer);
    stableTimer = setTimeout(() => { attempt = 0; }, STABLE_AFTER);
    clearInterval(pingTimer);
    pingTimer = setInterval(keepAlive, PING_INTERVAL);
    if (pendingAuth) {
      const frame = pendingAuth;
      pendingAuth = null;
      sendAuth(frame);
      return;
    }
    const token = store.get(TOKEN_KEY);
    if (token) sendAuth({ type: 'resume', token });
  }

  function sendAuth(frame) {
    if (send(frame)) {
      authInFlight = true;
      setFormBusy(true);
    }
  }

  function keepAlive() {
    if (Date.now() - lastHeard > SILENCE_LIMIT) {
      dropSocket();   // a half-open connection: the browser may not notice for minutes
      return;
    }
    send({ type: 'ping' });
  }

  /** Give up on the current socket at once, without waiting for a closing handshake. */
  function dropSocket() {
    const sock = ws;
    if (!sock) return;
    sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
    try { sock.close(); } catch (_) { /* ignore */ }
    onClose({ code: 4000, reason: 'no answer from the server' });
  }

  function onClose() {
    clearTimeout(stableTimer);
    clearInterval(pingTimer);
    ws = null;
    const lostLogin = authInFlight && !authed;
    authed = false;
    authInFlight = false;
    setFormBusy(false);
    const why = goodbyeKind;
    goodbyeKind = null;
    held = [];
    if (why && why !== 'server') outbox.abandon();   // no resume follows: say what was lost

    if (why === 'quit') {
      // The player left on purpose: forget the session and do not come back by ourselves.
      store.del(TOKEN_KEY);
      pendingAuth = null;
      setStatus('disconnected');
      showLogin('You have left the game. Log in to play again.');
      return;
    }
    if (why === 'takeover') {
      // Someone logged in as this character elsewhere. Reconnecting by ourselves would take the
      // body back and start a tug of war; the Reconnect button does it if the player wants.
      setStatus('disconnected');
      return;
    }
    if (why === 'idle' || why === 'login_timeout') {
      // Coming straight back would defeat the server's timeout. The Reconnect button (which
      // resumes the saved session) or the next login brings the player back.
      setStatus('disconnected');
      return;
    }
    if (lostLogin && !gameShown) showLoginError('The connection was lost. Please try again.');
    scheduleReconnect();
  }

  function scheduleReconnect() {
    clearReconnect();
    const base = Math.min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** attempt);
    const jitter = base * 0.2 * Math.random();
    const delay = Math.round(base < BACKOFF_MAX ? base + jitter : base - jitter);
    attempt = Math.min(attempt + 1, 16);
    reconnectAt = Date.now() + delay;
    reconnectTimer = setTimeout(connect, delay);
    updateCountdown();
    countdownTimer = setInterval(updateCountdown, 250);
  }

  function clearReconnect() {
    clearTimeout(reconnectTimer);
    clearInterval(countdownTimer);
    reconnectTimer = 0;
    countdownTimer = 0;
  }

  function updateCountdown() {
    const seconds = Math.max(0, Math.ceil((reconnectAt - Date.now()) / 1000));
    setStatus('reconnecting', `Reconnecting in ${seconds}s`);
  }

  const STATUS_TEXT = {
    connecting: 'Connecting…',
    connected: 'Connected',
    disconnected: 'Disconnected',
  };

  function setStatus(state, text) {
    const shown = text || STATUS_TEXT[state] || state;
    if (el.status.textContent !== shown) el.status.textContent = shown;
    if (el.status.dataset.state !== state) {
      el.status.dataset.state = state;
      // Screen readers hear the change of state, not every tick of the countdown.
      el.statusAnnounce.textContent = state === 'reconnecting' ? 'Reconnecting' : shown;
    }
    el.reconnect.hidden = !(state === 'reconnecting' || state === 'disconnected');
  }

  el.reconnect.addEventListener('click', () => {
    attempt = 0;
    connect();
  });

  // Back online, or back to a tab that is waiting: no need to sit out the rest of the backoff.
  window.addEventListener('online', () => { if (reconnectTimer) connect(); });

  // =================================================================================================
  // Incoming frames
  // =================================================================================================

  function onMessage(data) {
    lastHeard = Date.now();
    if (typeof data !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (_) {
      return;
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg) || typeof msg.type !== 'string') return;
    handle(msg);
  }

  function handle(msg) {
    const type = msg.type;
    const text = str(msg.text);
    // The map (map.js), Tab completion (completion.js), the vitals bars and the equipment
    // panel (vitals.js) follow the frames from here.
    document.dispatchEvent(new CustomEvent('mud:frame', { detail: msg }));
    switch (type) {
      case 'ack':      // a command arrived (outbox.js)
        outbox.ack(msg.id);
        return;
      case 'pong':
      case 'prompt':   // the web protocol has its own input line; prompts are telnet's business
        return;
      case 'hello':
        onHello(msg);
        // Someone coming back (a reload, a dropped link: a stored token to resume with) is no
        // stranger: the login screen's greeting stays out of the game's log; login_ok greets.
        if (store.get(TOKEN_KEY) || gameShown) return;
        break;
      case 'login_ok':
        onLoginOk(msg);
        break;
      case 'error':
        if (onError(msg)) return;   // shown next to the login form instead
        break;
      case 'room':
        showRoom(msg);
        break;
      case 'who':
        if (Array.isArray(msg.players)) renderWho(msg.players);
        break;
      case 'goodbye':
        onGoodbye(text, str(msg.reason));
        break;
      case 'link':
      case 'arrive':
      case 'depart':
        // Someone came into the room or left it (walking, or entering or leaving the game),
        // or lost or took back their link: the room's people change, and the Online list
        // soon after.
        onPeople(type, msg);
        if (msg.npc === true) break;   // an NPC is not on the Online list
        clearTimeout(whoSoon);
        whoSoon = setTimeout(fetchWho, 250);
        break;
      default:
        break;
    }
    // A silent frame is data only (vitals, equipment after a change: vitals.js shows it):
    // its text is for a simple client that prints everything, never for our log.
    if (!text || msg.silent === true) return;
    const line = addLine(type, text, msg.own === true, msg);
    if (type === 'combat') {
      // Whose blow it is (attacker: the player's own, victim: at the player, room: others')
      // and what happened: client.css colours them.
      line.setAttribute('data-role', str(msg.role));
      line.setAttribute('data-action', str(msg.action));
    }
  }

  function onHello(msg) {
    const world = str(msg.world);
    if (world) {
      el.world.textContent = world;
      document.title = world;
    }
    const welcome = str(msg.welcome);
    if (welcome) {
      el.welcome.textContent = welcome;
      el.welcome.hidden = false;
    }
  }

  function onLoginOk(msg) {
    authed = true;
    authInFlight = false;
    pendingAuth = null;
    attempt = 0;
    setFormBusy(false);
    const token = str(msg.token);
    if (token) store.set(TOKEN_KEY, token);
    const name = str(msg.name);
    if (name) {
      myName = name;
      store.set(NAME_KEY, name);
    }
    el.password.value = '';
    showLoginError('');
    showGame();
    fetchWho();   // a list asked for before a resume shows our own body link-dead
    const queued = held;
    held = [];
    outbox.resumed(myName);   // what the last socket swallowed, once more (or reported)
    for (const text of queued) outbox.send(text, myName);
  }

  /** Returns true when the error was shown next to the login form (not in the output). */
  function onError(msg) {
    const code = str(msg.code);
    const message = str(msg.message) || str(msg.text) || 'Something went wrong.';
    if (code === 'bad_token') {
      store.del(TOKEN_KEY);
      authInFlight = false;
      held = [];
      outbox.abandon();
      setFormBusy(false);
      showLogin();
      showLoginError(message);
      return true;
    }
    if (authInFlight && !authed && code !== 'busy' && code !== 'refused') {
      // The answer to our login/register/resume: it failed.
      authInFlight = false;
      held = [];
      setFormBusy(false);
      if (gameShown) showLogin();
      showLoginError(message);
      return true;
    }
    if (!gameShown) {
      showLoginError(message);
      return true;
    }
    return false;
  }

  function onGoodbye(text, reason) {
    // The server says why; older servers did not, so fall back to what we know.
    if (['quit', 'takeover', 'idle', 'login_timeout'].includes(reason)) goodbyeKind = reason;
    else if (reason) goodbyeKind = 'server';
    else if (quitAt && Date.now() - quitAt < QUIT_WINDOW) goodbyeKind = 'quit';
    else if (TAKEOVER_RE.test(text)) goodbyeKind = 'takeover';
    else goodbyeKind = 'server';   // shutdown (or anything else): come back with backoff
    if (goodbyeKind === 'quit' && text) {
      el.loginInfo.textContent = text;
    }
  }

  // =================================================================================================
  // Room panel
  // =================================================================================================

  function showRoom(msg) {
    el.roomName.textContent = str(msg.name);
    const area = str(msg.area_name) || str(msg.area);   // the area's name, not its id
    el.roomArea.textContent = area;
    el.roomArea.hidden = !area;
    el.roomDescription.textContent = str(msg.description);

    const frag = document.createDocumentFragment();
    // Exit name -> {name, closed, locked} for exits with a door (untrusted: checked here).
    const doors = msg.doors && typeof msg.doors === 'object' ? msg.doors : {};
    for (const exit of list(msg.exits)) {
      const name = label(exit);
      if (!name) continue;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'exit';
      button.setAttribute('data-exit', name);
      button.textContent = name;
      const door = Object.prototype.hasOwnProperty.call(doors, name) ? doors[name] : null;
      if (door && typeof door === 'object' && door.closed === true) {
        // A closed door keeps its button (clicking says it is closed) but shows a marker,
        // and screen readers hear "north (closed door)".
        const locked = door.locked === true;
        button.classList.add('closed');
        button.textContent = name + (locked ? ' \u{1F512}' : ' \u{1F6AA}');
        button.setAttribute('aria-label', name + (locked ? ' (locked door)' : ' (closed door)'));
        button.title = str(door.name) + (locked ? ' (locked)' : ' (closed)');
      }
      frag.appendChild(button);
    }
    if (!frag.firstChild) {
      const none = document.createElement('span');
      none.className = 'none';
      none.textContent = 'none';
      frag.appendChild(none);
    }
    el.exits.replaceChildren(frag);

    // Names come bare; `linkdead` says whose connection died (their bodies wait here).
    people = list(msg.characters).map(label).filter(Boolean);
    linkdeadHere = new Set(list(msg.linkdead).map(label));
    showPeople();
    npcsHere = list(msg.npcs).map(label).filter(Boolean);
    fillList(el.roomNpcs, el.roomNpcsRow, npcsHere);
    // Identical things come once with a count: show how the group reads ("two red apples").
    fillList(el.roomItems, el.roomItemsRow,
             list(msg.items).map((item) => (item && typeof item.label === 'string' ? item.label : item)));
  }

  // The other players here and whose link is dead: from the room frame, then kept up to date
  // by `link` frames (someone's connection died, or they took their body back).
  let people = [];
  let linkdeadHere = new Set();
  // The NPCs here: they wander in and out too (`npc: true` on arrive and depart).
  let npcsHere = [];

  function showPeople() {
    fillList(el.roomCharacters, el.roomCharactersRow, people.map(
      (name) => (linkdeadHere.has(name) ? `${name} (link-dead)` : name)));
  }

  /** An `arrive`, `depart` or `link` frame: only the room it happens in hears it. */
  function onPeople(type, msg) {
    const name = str(msg.name);
    if (!name || name === myName) return;
    if (msg.npc === true) {
      if (type === 'depart') {
        const at = npcsHere.indexOf(name);   // one of two cats may leave
        if (at >= 0) npcsHere.splice(at, 1);
      } else if (type === 'arrive') {
        npcsHere.push(name);
      }
      fillList(el.roomNpcs, el.roomNpcsRow, npcsHere);
      return;
    }
    if (type === 'depart') {
      people = people.filter((who) => who !== name);
      linkdeadHere.delete(name);
    } else {
      if (!people.includes(name)) people.push(name);
      if (type === 'link' && msg.linkdead === true) linkdeadHere.add(name);
      else linkdeadHere.delete(name);
    }
    showPeople();
  }

  function fillList(ul, row, values) {
    const frag = document.createDocumentFragment();
    for (const value of list(values)) {
      const text = label(value);
      if (!text) continue;
      const li = document.createElement('li');
      li.textContent = text;
      frag.appendChild(li);
    }
    row.hidden = !frag.firstChild;
    ul.replaceChildren(frag);
  }

  el.exits.addEventListener('click', (event) => {
    const target = event.target;
    const button = target instanceof Element ? target.closest('button.exit') : null;
    if (!button || !el.exits.contains(button)) return;
    const exit = button.getAttribute('data-exit');
    if (exit) sendCommand('go ' + exit);
    if (!touchInput) focusCommand();
  });

  // =================================================================================================
  // Who is online
  // =================================================================================================

  function formatIdle(seconds) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 60) return '';
    if (seconds < 3600) return `idle ${Math.floor(seconds / 60)}m`;
    return `idle ${Math.floor(seconds / 3600)}h`;
  }

  // The same list from /api/who and from the `who` command: link-dead players (a body whose
  // connection died, waiting for its player) are listed last, greyed, and not counted online.
  // On a server linked to other realms, their players (a `realm` field) come after this
  // realm's under an "In realm <name>" heading, as telnet's `who` shows them (link-dead:
  // name@realm); only a player of this realm with our name is us. "afk" marks those away,
  // their message as its tooltip.
  function renderWho(players) {
    const frag = document.createDocumentFragment();
    const dead = document.createDocumentFragment();
    let count = 0;
    let heading = '';
    for (const player of players) {
      if (!player || typeof player !== 'object') continue;
      const name = str(player.name);
      if (!name) continue;
      const realm = str(player.realm);
      const linkdead = player.linkdead === true;
      const li = document.createElement('li');
      li.setAttribute('data-name', name);
      if (realm) li.setAttribute('data-realm', realm);
      if (name === myName && !realm) li.classList.add('me');
      const nameSpan = document.createElement('span');
      nameSpan.className = 'who-name';
      nameSpan.textContent = linkdead && realm ? `${name}@${realm}` : name;
      li.appendChild(nameSpan);
      if (linkdead) {
        li.classList.add('linkdead');
        const status = document.createElement('span');
        status.className = 'who-status';
        status.textContent = '(link-dead)';
        li.appendChild(status);
        dead.appendChild(li);
        continue;
      }
      if (realm && realm !== heading) {
        heading = realm;
        const head = document.createElement('li');
        head.className = 'who-realm';
        head.textContent = `In realm ${realm}`;
        frag.appendChild(head);
      }
      const via = str(player.via);
      if (via) {
        const viaSpan = document.createElement('span');
        viaSpan.className = 'who-via';
        viaSpan.setAttribute('data-via', via);
        viaSpan.textContent = via;
        li.appendChild(viaSpan);
      }
      const idle = formatIdle(player.idle);
      if (idle) {
        const idleSpan = document.createElement('span');
        idleSpan.className = 'who-idle';
        idleSpan.textContent = idle;
        li.appendChild(idleSpan);
      }
      if (typeof player.afk === 'string') {
        li.classList.add('afk');
        const afk = document.createElement('span');
        afk.className = 'who-afk';
        afk.textContent = 'afk';
        if (player.afk) afk.title = player.afk.slice(0, 200);
        li.appendChild(afk);
      }
      frag.appendChild(li);
      count += 1;
    }
    frag.appendChild(dead);
    el.who.replaceChildren(frag);
    el.whoCount.textContent = `(${count})`;
  }

  let whoSoon = 0;

  let whoAgain = false;

  async function fetchWho() {
    if (whoFetching) {
      whoAgain = true;   // the answer on its way may be stale (asked before our resume): ask again
      return;
    }
    whoFetching = true;
    try {
      const response = await fetch('/api/who', {
        cache: 'no-store',
        headers: { Accept: 'application/json' },
      });
      if (!response.ok) return;
      const players = await response.json();
      if (gameShown && Array.isArray(players)) renderWho(players);
    } catch (_) {
      // Offline or server restarting: keep the last list; the next poll will try again.
    } finally {
      whoFetching = false;
      if (whoAgain) {
        whoAgain = false;
        fetchWho();
      }
    }
  }

  function startWho() {
    stopWho();
    fetchWho();
    whoTimer = setInterval(fetchWho, WHO_INTERVAL);
  }

  function stopWho() {
    clearInterval(whoTimer);
    whoTimer = 0;
  }

  // =================================================================================================
  // Views: login form and game
  // =================================================================================================

  function showLogin(info) {
    gameShown = false;
    stopWho();
    el.game.hidden = true;
    el.loginView.hidden = false;
    el.player.hidden = true;
    if (info) {
      if (!el.loginInfo.textContent) el.loginInfo.textContent = info;
      el.loginInfo.hidden = false;
    }
    if (!el.name.value && myName) el.name.value = myName;
    (el.name.value ? el.password : el.name).focus({ preventScroll: true });
  }

  function showGame() {
    el.player.textContent = myName;
    el.player.hidden = !myName;
    el.loginInfo.textContent = '';
    el.loginInfo.hidden = true;
    if (!gameShown) {
      gameShown = true;
      el.loginView.hidden = true;
      el.game.hidden = false;
      startWho();
      stick = true;
      el.scrollBottom.hidden = true;
      requestAnimationFrame(scrollToBottom);
    }
    focusCommand();
  }

  function showLoginError(message) {
    el.loginError.textContent = message;
  }

  function setFormBusy(busy) {
    el.loginButton.disabled = busy;
    el.registerButton.disabled = busy;
    el.loginForm.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  function submitAuth(kind) {
    if (authInFlight) return;
    const name = el.name.value.trim();
    const password = el.password.value;
    if (!name) {
      showLoginError('Please enter a name.');
      el.name.focus();
      return;
    }
    if (!password) {
      showLoginError('Please enter a password.');
      el.password.focus();
      return;
    }
    showLoginError('');
    el.loginInfo.textContent = '';
    el.loginInfo.hidden = true;
    const frame = { type: kind, name, password };
    if (ws && ws.readyState === WebSocket.OPEN) {
      sendAuth(frame);
    } else {
      pendingAuth = frame;   // sent as soon as the socket opens
      attempt = 0;
      connect();
    }
  }

  el.loginForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitAuth('login');
  });
  el.registerButton.addEventListener('click', () => submitAuth('register'));

  // =================================================================================================
  // Command line
  // =================================================================================================

  const history = [];
  let historyPos = 0;     // == history.length: editing a new line
  let draft = '';         // the new line, kept while walking the history

  function firstWord(text) {
    return text.trim().split(/\s+/, 1)[0].toLowerCase();
  }

  /** "password old new" must not be echoed or remembered as typed. */
  function isSecret(text) {
    const word = firstWord(text);
    return word.length > 0 && 'password'.startsWith(word) && text.trim().includes(' ');
  }

  /** Send a command (echoed in the output). */
  function sendCommand(text) {
    const secret = isSecret(text);
    const shown = secret ? firstWord(text) + ' ********' : text;
    const connected = ws && ws.readyState === WebSocket.OPEN;
    if (connected && authed) {
      outbox.send(text, myName);
    } else if (connected && authInFlight && held.length < MAX_HELD) {
      held.push(text);   // sent right after login_ok
    } else {
      addLine('client', 'Not connected: that was not sent. (It is still in the input line.)');
      return false;
    }
    addLine('command', shown);
    const word = firstWord(text);
    quitAt = word === 'quit' ? Date.now() : 0;
    return true;
  }

  function remember(text) {
    if (!text.trim() || isSecret(text)) return;
    if (history[history.length - 1] !== text) history.push(text);
    if (history.length > MAX_HISTORY) history.splice(0, history.length - MAX_HISTORY);
  }

  function setInput(value) {
    el.command.value = value;
    const end = value.length;
    el.command.setSelectionRange(end, end);
  }

  el.command.addEventListener('keydown', (event) => {
    if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (historyPos === history.length) draft = el.command.value;
      if (historyPos > 0) {
        historyPos -= 1;
        setInput(history[historyPos]);
      }
    } else if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (historyPos < history.length) {
        historyPos += 1;
        setInput(historyPos === history.length ? draft : history[historyPos]);
      }
    }
  });

  el.commandForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = el.command.value;
    // A channel's tab makes "hello" "ooc hello" (channels.js): the history keeps what was
    // typed, unless what goes out is a secret ("/password old new").
    const ask = { text };
    document.dispatchEvent(new CustomEvent('mud:submit', { detail: ask }));
    const wire = typeof ask.text === 'string' ? ask.text : text;
    if (text.trim() && sendCommand(wire)) {
      if (!isSecret(wire)) remember(text);
      el.command.value = '';
    }
    historyPos = history.length;
    draft = '';
    stick = true;   // the player acted: show the answer
    focusCommand();
  });

  // A command from another part of the client.
  document.addEventListener('mud:command', (event) => {
    const detail = event.detail;
    if (detail && typeof detail.text === 'string' && detail.text.trim()) {
      detail.sent = sendCommand(detail.text);
    }
  });

  // A request for data (channels.js: a tab's history): a `request` frame, which is no
  // command (it does not end the player's afk); sent only if it can go now.
  document.addEventListener('mud:request', (event) => {
    const detail = event.detail;
    if (!detail || typeof detail.what !== 'string' || typeof detail.channel !== 'string') return;
    detail.sent = authed && send({ type: 'request', what: detail.what, channel: detail.channel });
  });

  // -- focus: keep it on the command line, but let the player select text in the output ---------

  let touchInput = false;   // phones: do not pop the keyboard up on every tap
  document.addEventListener('pointerdown', (event) => {
    touchInput = event.pointerType === 'touch' || event.pointerType === 'pen';
  }, { capture: true, passive: true });

  function hasSelection() {
    const selection = window.getSelection();
    return !!selection && !selection.isCollapsed && selection.toString() !== '';
  }

  function focusCommand() {
    if (el.game.hidden || document.activeElement === el.command) return;
    el.command.focus({ preventScroll: true });
  }

  // Typing while focus is elsewhere (say, after selecting text in the output) goes to the input.
  document.addEventListener('keydown', (event) => {
    if (el.game.hidden || event.defaultPrevented || event.isComposing) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
    const active = document.activeElement;
    if (active instanceof Element) {
      if (active.closest('input, textarea, select, [contenteditable]')) return;
      if (event.key === ' ' && active.closest('button')) return;
    }
    focusCommand();
  });

  el.game.addEventListener('mouseup', (event) => {
    if (touchInput || event.button !== 0) return;
    const target = event.target;
    if (target instanceof Element && target.closest('input, textarea, select, a[href]')) return;
    if (hasSelection()) return;
    // After click handlers have run and the selection has settled.
    setTimeout(() => { if (!hasSelection()) focusCommand(); }, 0);
  });

  // =================================================================================================
  // Start
  // =================================================================================================

  // Commands sent but not acknowledged yet (outbox.js): an overdue ack means a dead link.
  const outbox = window.MudOutbox.create({
    send,
    notify: (text) => addLine('client', text),
    secret: isSecret,
    onStall: () => {
      addLine('client', 'No answer from the server; reconnecting…');
      dropSocket();
    },
  });

  setFormBusy(false);
  if (store.get(TOKEN_KEY)) {
    showGame();   // resume right away; a bad_token brings the form back
  } else {
    showLogin();
  }
  connect();
})();
