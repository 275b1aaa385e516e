/* The warehouse device's own storage (IndexedDB "kladovka-warehouse"): writes waiting for the network, the
 * last data a screen saw, and what the server refused on replay. Used by pick.js; any screen can use it
 * with its own scope string (a pick list is "pick:<id>").
 *
 *   KladovkaQueue.add(scope, item)       → the item with its `seq` (kept in the order added)
 *   KladovkaQueue.items(scope)           → that scope's items, oldest first
 *   KladovkaQueue.update(item) / remove(seq) / count(scope)
 *   KladovkaQueue.saveSnapshot(scope, data) / snapshot(scope) → {scope, data, saved_at} | null
 *   KladovkaQueue.addConflict(scope, c) / conflicts(scope) / clearConflicts(scope)
 *
 * An item is removed only once the server has answered it (the caller decides). Without IndexedDB (some
 * private modes) everything is kept in memory for the life of the page.
 */
(function () {
  'use strict';

  var DB_NAME = 'kladovka-warehouse';
  var VERSION = 1;
  var dbPromise = null;
  var memory = { queue: [], snapshots: {}, conflicts: [], seq: 0 };

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(null); return; }
      var request;
      try {
        request = indexedDB.open(DB_NAME, VERSION);
      } catch (err) {
        resolve(null);
        return;
      }
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains('queue')) {
          db.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true }).createIndex('scope', 'scope');
        }
        if (!db.objectStoreNames.contains('snapshots')) db.createObjectStore('snapshots', { keyPath: 'scope' });
        if (!db.objectStoreNames.contains('conflicts')) {
          db.createObjectStore('conflicts', { keyPath: 'id', autoIncrement: true }).createIndex('scope', 'scope');
        }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { resolve(null); };
      request.onblocked = function () { resolve(null); };
    });
    return dbPromise;
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      if (!db) return work(null);
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var store = tx.objectStore(storeName);
        var result;
        Promise.resolve(work(store, function (value) { result = value; })).catch(reject);
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function req(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function byScope(storeName, scope) {
    return run(storeName, 'readonly', function (store, done) {
      if (!store) {
        var list = storeName === 'queue' ? memory.queue : memory.conflicts;
        return list.filter(function (x) { return x.scope === scope; });
      }
      return req(store.index('scope').getAll(scope)).then(function (rows) {
        rows.sort(function (a, b) { return (a.seq || a.id) - (b.seq || b.id); });
        done(rows);
      });
    });
  }

  var Q = {
    add: function (scope, item) {
      var row = Object.assign({}, item, { scope: scope, added_at: new Date().toISOString() });
      delete row.seq;
      return run('queue', 'readwrite', function (store, done) {
        if (!store) {
          row.seq = ++memory.seq;
          memory.queue.push(row);
          return row;
        }
        return req(store.add(row)).then(function (seq) { row.seq = seq; done(row); });
      });
    },
    update: function (item) {
      return run('queue', 'readwrite', function (store) {
        if (!store) return item;
        return req(store.put(item));
      });
    },
    items: function (scope) { return byScope('queue', scope); },
    count: function (scope) { return Q.items(scope).then(function (rows) { return rows.length; }); },
    remove: function (seq) {
      return run('queue', 'readwrite', function (store) {
        if (!store) {
          memory.queue = memory.queue.filter(function (x) { return x.seq !== seq; });
          return undefined;
        }
        return req(store.delete(seq));
      });
    },
    saveSnapshot: function (scope, data) {
      var row = { scope: scope, data: data, saved_at: new Date().toISOString() };
      return run('snapshots', 'readwrite', function (store) {
        if (!store) { memory.snapshots[scope] = row; return row; }
        return req(store.put(row));
      });
    },
    snapshot: function (scope) {
      return run('snapshots', 'readonly', function (store, done) {
        if (!store) return memory.snapshots[scope] || null;
        return req(store.get(scope)).then(function (row) { done(row || null); });
      });
    },
    addConflict: function (scope, conflict) {
      var row = Object.assign({}, conflict, { scope: scope, at: new Date().toISOString() });
      return run('conflicts', 'readwrite', function (store) {
        if (!store) { memory.conflicts.push(row); return row; }
        return req(store.add(row));
      });
    },
    conflicts: function (scope) { return byScope('conflicts', scope); },
    clearConflicts: function (scope) {
      return Q.conflicts(scope).then(function (rows) {
        return run('conflicts', 'readwrite', function (store) {
          if (!store) {
            memory.conflicts = memory.conflicts.filter(function (x) { return x.scope !== scope; });
            return undefined;
          }
          return Promise.all(rows.map(function (r) { return req(store.delete(r.id)); }));
        });
      });
    },
  };

  window.KladovkaQueue = Q;
})();
