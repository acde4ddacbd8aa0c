/* The web client's map: the rooms this character has seen, drawn as an SVG grid.
 *
 * It follows the `room` frames that client.js re-dispatches as `mud:frame` events: each
 * frame's `num` and `exit_nums` (direction -> room num, docs/protocol.md) place rooms on
 * a grid, north up. Compass exits put a neighbour one cell away; up and down start another
 * level (only the current level is drawn; the rooms carry up/down markers); a named exit
 * ("gate", "trapdoor") puts its room in the nearest free cell. A room is placed once, when
 * first seen, so the picture does not jump about; a cell that is taken sends the newcomer to
 * the nearest free one. The map is kept per world and character in localStorage, bounded,
 * and anything unreadable there is dropped rather than trusted: map_store.js, loaded first.
 *
 * Server text only ever reaches the page as textContent or attribute values.
 */
(() => {
  'use strict';

  const SHOWN_KEY = 'mud.map.shown';       // '1' or '0': the player's show/hide choice
  const VIEW_RADIUS_X = 4;                 // cells shown either side of the current room
  const VIEW_RADIUS_Y = 3;
  const MAX_RADIUS_X = 12;                 // ... east and west on a wide map (over the output)
  const CELL = 40;                         // SVG units per grid cell
  const BOX = 24;                          // a room's square
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const NARROW = '(max-width: 700px)';

  // Maps, not plain objects: an exit may be called anything a builder likes, "constructor"
  // or "__proto__" too, and OFFSETS[dir] would find Object.prototype's property for those.
  const OFFSETS = new Map([
    ['north', [0, -1]], ['south', [0, 1]], ['east', [1, 0]], ['west', [-1, 0]],
    ['northeast', [1, -1]], ['northwest', [-1, -1]], ['southeast', [1, 1]], ['southwest', [-1, 1]],
  ]);
  const LEVELS = new Map([['up', 1], ['down', -1]]);

  const $ = (id) => document.getElementById(id);
  const panel = $('map-panel');
  const toggle = $('map-toggle');
  const body = $('map-body');
  const svg = $('map');
  const here = $('map-here');
  const store = window.MudMapStore;
  if (!panel || !toggle || !body || !svg || !here || !store) return;
  const { local, isNum, text, cellKey, cleanExits } = store;

  // -- state --------------------------------------------------------------------------------------

  let world = '';            // from hello
  let storeKey = '';         // the stored map in use: set by login_ok
  let rooms = new Map();     // num -> {num, name, area, x, y, z, exits: {dir: num}, seen}
  let cells = new Map();     // "x,y,z" -> num
  let current = null;        // num of the room the character is in
  let tick = 0;              // a counter: which rooms were seen most recently
  let drawnRadius = VIEW_RADIUS_X;   // cells east and west in the picture drawn last

  const hasExit = (room, dir) => Object.hasOwn(room.exits, dir);

  // -- storage (map_store.js) ---------------------------------------------------------------------

  function load() {
    ({ rooms, cells, current, tick } = store.load(storeKey));
  }

  function save() {
    store.save(storeKey, rooms, cells, current);
  }

  // -- placing rooms ------------------------------------------------------------------------------

  /** The free cell nearest (x, y) on level z: the cell itself, else ring by ring outwards. */
  function nearestFree(x, y, z) {
    if (!cells.has(cellKey(x, y, z))) return [x, y];
    for (let r = 1; r <= 64; r += 1) {
      let best = null;
      let bestDistance = Infinity;
      for (let dx = -r; dx <= r; dx += 1) {
        for (let dy = -r; dy <= r; dy += 1) {
          if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) continue;
          if (cells.has(cellKey(x + dx, y + dy, z))) continue;
          const distance = dx * dx + dy * dy;
          if (distance < bestDistance) {
            best = [x + dx, y + dy];
            bestDistance = distance;
          }
        }
      }
      if (best) return best;
    }
    return [x + 65, y];
  }

  /** Where a room reached from `from` by exit `dir` wants to be: [x, y, z]. */
  function stepFrom(from, dir) {
    const step = OFFSETS.get(dir);
    if (step) return [from.x + step[0], from.y + step[1], from.z];
    if (LEVELS.has(dir)) return [from.x, from.y, from.z + LEVELS.get(dir)];
    return [from.x, from.y, from.z];   // a named exit: beside it, in the nearest free cell
  }

  /** Where a new room goes: beside a room we know that leads to it, or one it leads to. */
  function placeFor(num, exits) {
    const previous = current !== null ? rooms.get(current) : null;
    const sources = previous ? [previous, ...rooms.values()] : [...rooms.values()];
    // A named exit only if no compass or level exit leads here.
    for (const named of [false, true]) {
      for (const from of sources) {
        for (const [dir, to] of Object.entries(from.exits)) {
          const compass = OFFSETS.has(dir) || LEVELS.has(dir);
          if (to === num && compass !== named) return stepFrom(from, dir);
        }
      }
    }
    // No known room leads here; maybe it leads to one (we came by a one-way way).
    for (const [dir, to] of Object.entries(exits)) {
      const target = rooms.get(to);
      if (!target) continue;
      const step = OFFSETS.get(dir);
      if (step) return [target.x - step[0], target.y - step[1], target.z];
      if (LEVELS.has(dir)) return [target.x, target.y, target.z - LEVELS.get(dir)];
    }
    // Somewhere unconnected (a teleport, or the very first room): start a new patch.
    if (rooms.size === 0) return [0, 0, 0];
    let maxX = -Infinity;
    for (const r of rooms.values()) maxX = Math.max(maxX, r.x);
    return [maxX + 2, previous ? previous.y : 0, previous ? previous.z : 0];
  }

  function visit(frame) {
    const num = frame.num;
    if (!isNum(num)) return;
    const exits = cleanExits(frame.exit_nums);
    let room = rooms.get(num);
    if (!room) {
      const [wantX, wantY, z] = placeFor(num, exits);
      const [x, y] = nearestFree(wantX, wantY, z);
      room = { num, name: '', area: '', x, y, z, exits: Object.create(null), seen: 0 };
      rooms.set(num, room);
      cells.set(cellKey(x, y, z), num);
    }
    room.name = text(frame.name);
    room.area = text(frame.area_name) || text(frame.area);
    room.exits = exits;
    tick += 1;
    room.seen = tick;
    current = num;
    store.prune(rooms, cells, current);
    save();
    render();
  }

  // -- drawing ------------------------------------------------------------------------------------

  function node(name, attrs, parent) {
    const element = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
    if (parent) parent.appendChild(element);
    return element;
  }

  const centre = (r) => [r.x * CELL, r.y * CELL];

  function levelWords(z) {
    if (z === 0) return '';
    const n = Math.abs(z);
    return `${n} level${n === 1 ? '' : 's'} ${z > 0 ? 'up' : 'down'}`;
  }

  function render() {
    const room = current !== null ? rooms.get(current) : null;
    svg.replaceChildren();
    if (!room) {
      svg.setAttribute('aria-label', 'Map: no rooms seen yet');
      svg.setAttribute('viewBox', `${-CELL} ${-CELL} ${2 * CELL} ${2 * CELL}`);
      here.textContent = 'No rooms mapped yet.';
      return;
    }
    const z = room.z;
    const radiusX = wideRadius();
    drawnRadius = radiusX;
    const inView = (r) => r.z === z && Math.abs(r.x - room.x) <= radiusX &&
      Math.abs(r.y - room.y) <= VIEW_RADIUS_Y;
    const shown = [...rooms.values()].filter(inView);
    // The view: the rooms on this level near the current one, at least 3 cells each way.
    let minX = room.x - 1; let maxX = room.x + 1; let minY = room.y - 1; let maxY = room.y + 1;
    for (const r of shown) {
      minX = Math.min(minX, r.x); maxX = Math.max(maxX, r.x);
      minY = Math.min(minY, r.y); maxY = Math.max(maxY, r.y);
    }
    const half = CELL / 2;
    svg.setAttribute('viewBox', `${minX * CELL - half} ${minY * CELL - half} ` +
      `${(maxX - minX + 1) * CELL} ${(maxY - minY + 1) * CELL}`);

    const links = node('g', { class: 'map-links' }, svg);
    const drawn = new Set();
    for (const r of shown) {
      const [x1, y1] = centre(r);
      for (const [dir, to] of Object.entries(r.exits)) {
        const target = rooms.get(to);
        if (target && target.z === z) {
          const pair = r.num < to ? `${r.num}-${to}` : `${to}-${r.num}`;
          if (drawn.has(pair)) continue;
          drawn.add(pair);
          const [x2, y2] = centre(target);
          // A link that is not one compass step (a named exit, or a room moved aside) dashes.
          const step = OFFSETS.get(dir);
          const straight = step && target.x === r.x + step[0] && target.y === r.y + step[1];
          node('line', { x1, y1, x2, y2, class: straight ? 'map-link' : 'map-link map-link-far' },
            links);
        } else if (!target && OFFSETS.has(dir)) {
          // An exit to a room not yet seen: a short stub from the room's edge.
          const [dx, dy] = OFFSETS.get(dir);
          node('line', { x1: x1 + dx * BOX / 2, y1: y1 + dy * BOX / 2,
                         x2: x1 + dx * CELL * 0.55, y2: y1 + dy * CELL * 0.55,
                         class: 'map-stub' }, links);
        }
      }
    }

    const near = new Map();   // room num -> exit to take from here
    for (const [dir, to] of Object.entries(room.exits)) if (!near.has(to)) near.set(to, dir);

    const boxes = node('g', { class: 'map-rooms' }, svg);
    for (const r of shown) {
      const [cx, cy] = centre(r);
      const isHere = r.num === room.num;
      const g = node('g', { class: 'map-room', 'data-num': r.num }, boxes);
      if (isHere) g.setAttribute('data-here', 'true');
      const exit = near.get(r.num);
      if (!isHere && exit !== undefined) {
        g.setAttribute('data-exit', exit);
        g.classList.add('map-near');
      }
      node('title', {}, g).textContent = isHere ? `${r.name} (you are here)` : r.name;
      node('rect', { x: cx - BOX / 2, y: cy - BOX / 2, width: BOX, height: BOX, rx: 4,
                     class: 'map-box' }, g);
      if (isHere) {
        // Marked by shape as well as colour: a ring and a dot in the middle.
        node('rect', { x: cx - BOX / 2 - 4, y: cy - BOX / 2 - 4, width: BOX + 8,
                       height: BOX + 8, rx: 6, class: 'map-here-ring' }, g);
        node('circle', { cx, cy, r: 5, class: 'map-here-dot' }, g);
      }
      if (hasExit(r, 'up')) {
        node('path', { d: `M${cx + 4} ${cy - 4}h8l-4 -7z`, class: 'map-level' }, g);
      }
      if (hasExit(r, 'down')) {
        node('path', { d: `M${cx + 4} ${cy + 4}h8l-4 7z`, class: 'map-level' }, g);
      }
    }

    const level = levelWords(z);
    const count = rooms.size;
    const mapped = `${count} room${count === 1 ? '' : 's'} mapped`;
    const where = room.name || 'an unnamed room';
    svg.setAttribute('aria-label',
      `Map of the rooms you have seen: ${mapped}. You are in ${where}` +
      `${level ? `, ${level}` : ''}.`);
    const ways = [];
    if (hasExit(room, 'up')) ways.push('up');
    if (hasExit(room, 'down')) ways.push('down');
    here.textContent = `You are here: ${where}${room.area ? ` (${room.area})` : ''}` +
      `${level ? `, ${level}` : ''}. ${mapped}` +
      `${ways.length ? `; stairs lead ${ways.join(' and ')}` : ''}.`;
  }

  /** Cells shown east and west: more when the map is wider than it is tall, so a wide map
   *  (a desktop's, over the output) shows more of the world rather than empty sides. */
  function wideRadius() {
    const width = svg.clientWidth;
    const height = svg.clientHeight;
    if (!width || !height) return VIEW_RADIUS_X;
    const across = Math.floor((width / height) * (2 * VIEW_RADIUS_Y + 1));
    return Math.max(VIEW_RADIUS_X, Math.min(MAX_RADIUS_X, Math.floor((across - 1) / 2)));
  }

  // A change of shape (a window resized, a phone turned) may show more or fewer rooms.
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => {
      const radius = wideRadius();
      if (radius !== drawnRadius) render();
    }).observe(svg);
  }

  // Clicking a neighbouring room walks there, through the room panel's own exit button.
  svg.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('.map-near') : null;
    if (!target) return;
    const exit = target.getAttribute('data-exit');
    if (!exit) return;
    for (const button of document.querySelectorAll('#exits button.exit')) {
      if (button.getAttribute('data-exit') === exit) {
        button.click();
        return;
      }
    }
  });

  // -- show / hide --------------------------------------------------------------------------------

  function setShown(shown, rememberChoice) {
    toggle.setAttribute('aria-expanded', shown ? 'true' : 'false');
    body.hidden = !shown;
    panel.setAttribute('data-shown', shown ? 'true' : 'false');
    if (rememberChoice) local.set(SHOWN_KEY, shown ? '1' : '0');
  }

  toggle.addEventListener('click', () => {
    setShown(toggle.getAttribute('aria-expanded') !== 'true', true);
  });

  // The player's choice if they made one; else shown, except on a phone, where the output
  // needs the room.
  const stored = local.get(SHOWN_KEY);
  const narrow = typeof matchMedia === 'function' && matchMedia(NARROW).matches;
  setShown(stored === '1' || (stored !== '0' && !narrow), false);

  // -- frames -------------------------------------------------------------------------------------

  function useMap(newWorld, newCharacter) {
    const key = store.keyFor(newWorld, newCharacter);
    if (key === storeKey) return;
    storeKey = key;
    load();
    store.remember(key);
    render();
  }

  document.addEventListener('mud:frame', (event) => {
    const msg = event.detail;
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'hello' && typeof msg.world === 'string' && msg.world) {
      world = msg.world;
    } else if (msg.type === 'login_ok' && typeof msg.name === 'string' && msg.name) {
      useMap(world || 'MUD', msg.name);
    } else if (msg.type === 'room' && storeKey) {
      visit(msg);
    }
  });

  render();
})();
