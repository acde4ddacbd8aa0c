/* The web map's memory: each character's map, kept in this browser's localStorage.
 *
 * One entry per world and character, `mud.map.v1:<world>:<name>` (both URI-encoded, the name
 * lower-cased), and an index of those entries, most recent first. The storage is bounded: at
 * most MAX_MAPS characters are remembered (the least recently used map goes), and at most
 * MAX_ROOMS rooms per map (the least recently seen go). When the browser's storage is full,
 * the more recently seen half of a map is kept. Whatever is stored was written by a page, but
 * may be damaged or from elsewhere: what cannot be read is dropped rather than trusted.
 *
 * map.js draws the map and uses this: window.MudMapStore (keyFor, load, save, remember,
 * prune, and the checks it shares: cleanExits, text, isNum, cellKey, local).
 */
(() => {
  'use strict';

  const KEY_PREFIX = 'mud.map.v1:';        // + world + ':' + character, one map each
  const INDEX_KEY = 'mud.map.v1.index';    // the stored maps, most recent first
  const MAX_MAPS = 8;                      // characters remembered per browser
  const MAX_ROOMS = 500;                   // rooms per map; the least recently seen go
  const MAX_TEXT = 80;                     // characters kept of a room or area name
  const MAX_EXITS = 20;                    // exits kept per room
  const MAX_COORD = 100000;

  // localStorage may be missing, full or forbidden (private mode, a blocked site): never throw.
  const local = {
    get(key) { try { return localStorage.getItem(key); } catch (_) { return null; } },
    set(key, value) {
      try { localStorage.setItem(key, value); return true; } catch (_) { return false; }
    },
    del(key) { try { localStorage.removeItem(key); } catch (_) { /* ignore */ } },
  };

  const isNum = (v) => Number.isSafeInteger(v);
  const isCoord = (v) => Number.isSafeInteger(v) && Math.abs(v) <= MAX_COORD;
  const text = (v) => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : '');
  const cellKey = (x, y, z) => `${x},${y},${z}`;

  /** The storage key of one character's map in one world. */
  function keyFor(world, character) {
    return KEY_PREFIX + encodeURIComponent(world) + ':' +
      encodeURIComponent(character.toLowerCase());
  }

  /** Direction -> room num, from a frame or from storage; anything else is dropped. A room's
   *  exits have no prototype, so every name (even "__proto__") is an exit of its own, and
   *  they are read with Object.entries and Object.hasOwn only. */
  function cleanExits(value) {
    const exits = Object.create(null);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return exits;
    let count = 0;
    for (const [dir, num] of Object.entries(value)) {
      if (count >= MAX_EXITS) break;
      if (typeof dir !== 'string' || !dir || dir.length > 40 || !isNum(num)) continue;
      exits[dir] = num;
      count += 1;
    }
    return exits;
  }

  /** The map stored under `key`: {rooms: num -> room, cells: "x,y,z" -> num, current, tick}.
   *  Empty if there is none; a damaged entry is deleted, and damaged rooms are skipped. */
  function load(key) {
    const rooms = new Map();
    const cells = new Map();
    let current = null;
    let tick = 0;
    const result = () => ({ rooms, cells, current, tick });
    const raw = local.get(key);
    if (!raw) return result();
    let data;
    try { data = JSON.parse(raw); } catch (_) { local.del(key); return result(); }
    if (!data || typeof data !== 'object' || !Array.isArray(data.rooms)) {
      local.del(key);
      return result();
    }
    for (const r of data.rooms.slice(0, MAX_ROOMS)) {
      if (!r || typeof r !== 'object' || !isNum(r.num) || rooms.has(r.num)) continue;
      if (!isCoord(r.x) || !isCoord(r.y) || !isCoord(r.z)) continue;
      const room = { num: r.num, name: text(r.name), area: text(r.area), x: r.x, y: r.y,
                     z: r.z, exits: cleanExits(r.exits), seen: isNum(r.seen) ? r.seen : 0 };
      const where = cellKey(room.x, room.y, room.z);
      if (cells.has(where)) continue;   // two rooms in one cell: stored data is not ours
      rooms.set(room.num, room);
      cells.set(where, room.num);
      tick = Math.max(tick, room.seen);
    }
    if (isNum(data.here) && rooms.has(data.here)) current = data.here;
    return result();
  }

  /** Store a map under `key` (nothing without a key). If storage is full, `rooms` and `cells`
   *  are cut down in place to the more recently seen half, which is stored if it fits. */
  function save(key, rooms, cells, current) {
    if (!key) return;
    const list = [...rooms.values()];
    const data = JSON.stringify({ v: 1, here: current, rooms: list });
    if (!local.set(key, data)) {
      // Storage full: keep the more recent half, and give up quietly if even that fails.
      list.sort((a, b) => b.seen - a.seen);
      const half = list.slice(0, Math.max(1, Math.floor(list.length / 2)));
      rooms.clear();
      cells.clear();
      for (const r of half) {
        rooms.set(r.num, r);
        cells.set(cellKey(r.x, r.y, r.z), r.num);
      }
      local.set(key, JSON.stringify({ v: 1, here: current, rooms: half }));
    }
    remember(key);
  }

  /** Keep the index of stored maps most-recent-first, and forget those past MAX_MAPS. */
  function remember(key) {
    let index = [];
    try {
      const parsed = JSON.parse(local.get(INDEX_KEY) || '[]');
      if (Array.isArray(parsed)) index = parsed.filter((k) => typeof k === 'string');
    } catch (_) { /* a damaged index is rebuilt */ }
    index = [key, ...index.filter((k) => k !== key && k.startsWith(KEY_PREFIX))];
    for (const old of index.slice(MAX_MAPS)) local.del(old);
    local.set(INDEX_KEY, JSON.stringify(index.slice(0, MAX_MAPS)));
  }

  /** Past MAX_ROOMS, drop the least recently seen rooms (never the current one), in place. */
  function prune(rooms, cells, current) {
    if (rooms.size <= MAX_ROOMS) return;
    const oldest = [...rooms.values()].filter((r) => r.num !== current)
      .sort((a, b) => a.seen - b.seen).slice(0, rooms.size - MAX_ROOMS);
    for (const r of oldest) {
      rooms.delete(r.num);
      cells.delete(cellKey(r.x, r.y, r.z));
    }
  }

  window.MudMapStore = {
    keyFor, load, save, remember, prune, cleanExits, text, isNum, cellKey, local,
    MAX_MAPS, MAX_ROOMS,
  };
})();
