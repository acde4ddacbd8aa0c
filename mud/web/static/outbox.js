/* Commands sent but not yet acknowledged, so none is lost silently in a dead link.
 *
 * A socket can die half-open: the browser still says OPEN while nothing reaches the server.
 * Each command goes out with an `id`; the server answers {"type": "ack", "id": N} as soon as
 * it arrives (docs/protocol.md). What is not acknowledged stays here (bounded). If an ack is
 * overdue the link is taken for dead (onStall: client.js drops the socket and reconnects).
 * After the resume, each waiting command is sent once more with its own id (the server runs
 * an id it has already seen no second time, so one that did arrive is not done twice),
 * except `quit` and `password ...`, which are listed to the player as not delivered, as is
 * anything that was already sent twice. Ids start at a random number per page so that two
 * pages of one character do not reuse each other's.
 *
 * client.js creates one: window.MudOutbox.create({send, notify, secret, onStall}).
 */
(() => {
  'use strict';

  const LIMIT = 50;            // unacknowledged commands kept; the oldest is given up past it
  const ACK_TIMEOUT = 8000;    // ms without the ack of a sent command: the link is dead

  /** `quit` (or a prefix of it) is never sent again by itself: leaving must be deliberate. */
  function isQuit(text) {
    const word = text.trim().split(/\s+/, 1)[0].toLowerCase();
    return word.length > 0 && 'quit'.startsWith(word);
  }

  function create(options) {
    const send = options.send;            // (frame) => true if it went out
    const notify = options.notify;        // (text) => shown to the player
    const secret = options.secret;        // (text) => true for "password old new"
    const onStall = options.onStall;      // () => the link is dead: drop and reconnect
    const waiting = new Map();            // id -> {text, shown, who, tries, at}
    let nextId = 1 + Math.floor(Math.random() * 2 ** 40);
    let timer = 0;

    const shownOf = (text) => (secret(text) ? text.trim().split(/\s+/, 1)[0] + ' ********' : text);

    function transmit(entry, id) {
      entry.tries += 1;
      entry.at = Date.now();
      const sent = send({ type: 'command', text: entry.text, id });
      if (sent) arm();
      return sent;
    }

    /** Send a command typed by `who`; false if the socket was not open (nothing kept). */
    function sendCommand(text, who) {
      const id = nextId;
      nextId += 1;
      const entry = { text, shown: shownOf(text), who, tries: 0, at: 0 };
      if (!transmit(entry, id)) return false;
      waiting.set(id, entry);
      if (waiting.size > LIMIT) {
        const [oldest, lost] = waiting.entries().next().value;
        waiting.delete(oldest);
        notify(`Not delivered (no answer from the server): ${lost.shown}`);
      }
      return true;
    }

    function ack(id) {
      if (typeof id !== 'number') return;
      waiting.delete(id);
      if (waiting.size === 0) disarm();
    }

    function arm() {
      if (!timer) timer = setTimeout(check, ACK_TIMEOUT);
    }

    function disarm() {
      clearTimeout(timer);
      timer = 0;
    }

    function check() {
      timer = 0;
      const now = Date.now();
      let overdue = false;
      let next = Infinity;
      for (const entry of waiting.values()) {
        const due = entry.at + ACK_TIMEOUT;
        if (due <= now) overdue = true;
        else next = Math.min(next, due);
      }
      if (overdue) {
        onStall();   // the entries stay: they are dealt with after the resume
        return;
      }
      if (next !== Infinity) timer = setTimeout(check, next - now);
    }

    /** Logged in again (as `who`) on a new socket: send the waiting commands once more. */
    function resumed(who) {
      disarm();
      const again = [];
      const lost = [];
      for (const [id, entry] of [...waiting]) {
        if (entry.who !== who || entry.tries >= 2 || isQuit(entry.text) || secret(entry.text)) {
          waiting.delete(id);
          lost.push(entry.shown);
        } else if (transmit(entry, id)) {
          again.push(entry.shown);
        }
      }
      if (again.length) {
        notify(`The connection dropped before the server confirmed ${again.length === 1
          ? 'this' : 'these'}; sent again: ${again.join(' | ')}`);
      }
      if (lost.length) {
        notify(`Not delivered (the connection dropped; type ${lost.length === 1 ? 'it' : 'them'}`
          + ` again if you still want to): ${lost.join(' | ')}`);
      }
    }

    /** The session is over (quit, taken over, logged out): report what never arrived. */
    function abandon() {
      disarm();
      if (waiting.size === 0) return;
      const lost = [...waiting.values()].map((entry) => entry.shown);
      waiting.clear();
      notify(`Not delivered (the connection dropped): ${lost.join(' | ')}`);
    }

    return {
      send: sendCommand, ack, resumed, abandon,
      get size() { return waiting.size; },
    };
  }

  window.MudOutbox = { create, LIMIT, ACK_TIMEOUT };
})();
