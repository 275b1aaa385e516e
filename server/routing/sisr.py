"""SISR ruin & recreate in C: fewer routes (sisr_fleet.c) and distance (sisr.c), for any fleet; a stop that
allows only some vehicles goes on their routes only, locked stops stay first on their vehicle's route.

OR-Tools' iterated local search does ~50 ruin-and-recreate iterations a second on 100 stops (each followed by
its full local search); SISR without local search needs hundreds of thousands, which plain C does in a few
seconds. The C source is compiled on first use with the machine's C compiler into a cache directory
(KLADOVKA_CACHE_DIR, else ~/.cache/kladovka, else the temp directory) and loaded with ctypes; without a
compiler `available()` is False and the solver keeps OR-Tools' ILS for distance. Every answer is checked
again here (every stop once, locks, allowed vehicles, windows, shift, capacity) before it is used.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from server.routing.ormodel import Instance

HERE = Path(__file__).parent
SOURCES = [HERE / "sisr.c", HERE / "sisr_fleet.c"]
HEADERS = [HERE / "sisr_core.h"]
LL = ctypes.c_longlong


def _cache_dir() -> Path:
    env = os.environ.get("KLADOVKA_CACHE_DIR")
    if env:
        return Path(env)
    home = Path.home() / ".cache" / "kladovka"
    try:
        home.mkdir(parents=True, exist_ok=True)
        if os.access(home, os.W_OK):
            return home
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / "kladovka"


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL | None:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc or not all(f.exists() for f in SOURCES + HEADERS):
        return None
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in SOURCES + HEADERS)).hexdigest()[:16]
    folder = _cache_dir()
    target = folder / f"sisr-{digest}.so"
    try:
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(suffix=".so", dir=folder)
            os.close(fd)
            try:
                subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", tmp, *map(str, SOURCES), "-lm"], check=True,
                               capture_output=True, timeout=120)
                os.replace(tmp, target)   # atomic: two processes compiling at once both end with one library
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        lib = ctypes.CDLL(str(target))
    except (OSError, subprocess.SubprocessError):
        return None
    P, INT = ctypes.POINTER, ctypes.c_int
    problem = [INT, INT, P(LL), P(LL), P(LL), P(LL), INT, P(LL), P(LL), P(LL), P(LL), P(INT), P(INT), INT, P(INT),
               ctypes.c_char_p, P(INT)]
    lib.sisr_solve.argtypes = [*problem, ctypes.c_double, ctypes.c_long, ctypes.c_double, ctypes.c_double,
                               ctypes.c_ulonglong, INT, INT, ctypes.c_double, P(INT), P(ctypes.c_long), P(LL)]
    lib.sisr_fleet.argtypes = [*problem, ctypes.c_double, ctypes.c_long, ctypes.c_ulonglong, INT, INT, INT,
                               ctypes.c_double, P(INT), P(ctypes.c_long)]
    lib.sisr_solve.restype = lib.sisr_fleet.restype = INT
    return lib


def available() -> bool:
    return _library() is not None


def applicable(inst: Instance) -> bool:
    """Any fleet with up to four capacity components. Per-visit vehicle lists are kept (a stop only goes on a
    route of a vehicle it allows); locked stops stay first on their vehicle's route, in their order."""
    p = inst.problem
    return bool(p.vehicles) and len(p.vehicles[0].capacity) <= 4


def shift_end(inst: Instance, k: int) -> int:
    """By when vehicle k must be back: its shift end, or later when its locked stops alone bring it back later
    (they may be served late; OR-Tools makes that end soft with a cost above any dropped stop)."""
    p = inst.problem
    veh = p.vehicles[k]
    if k not in inst.fixed:
        return veh.shift[1]
    T = inst.time
    t, at = veh.shift[0], inst.depot_node[veh.start_node]
    for node in inst.fixed[k]:
        t = max(t + T[at][node], p.visits[inst.visits[node]].window[0])
        at = node
    return max(veh.shift[1], t + T[at][inst.depot_node[veh.end_node]])


def feasible(inst: Instance, k: int, route: list[int]) -> bool:
    """Route of routing nodes on problem vehicle k, from the matrices: its locked stops first, the vehicles each
    stop allows, windows (a locked stop may be late), end of shift, capacity."""
    p = inst.problem
    locked = inst.fixed.get(k, [])
    if route[:len(locked)] != locked or any(node in inst.fixed_nodes for node in route[len(locked):]):
        return False
    if any(inst.allowed[node] is not None and k not in inst.allowed[node] for node in route[len(locked):]):
        return False
    veh = p.vehicles[k]
    T = inst.time
    t, at = veh.shift[0], inst.depot_node[veh.start_node]
    for i, node in enumerate(route):
        ready, due = p.visits[inst.visits[node]].window
        t = max(t + T[at][node], ready)
        if t > due and i >= len(locked):
            return False
        at = node
    if t + T[at][inst.depot_node[veh.end_node]] > shift_end(inst, k):
        return False
    return all(sum(inst.demand[c][x] for x in route) <= cap for c, cap in enumerate(veh.capacity))


def _problem_args(inst: Instance, vehicles: list[int], routes: list[list[int]]) -> tuple | None:
    """The C arguments describing the problem and the start (routes[i] on problem vehicle vehicles[i]), up to
    and including keep; None when the routes do not place every stop once, each vehicle's locked stops first,
    and every other stop on a vehicle it allows."""
    p = inst.problem
    m, n = len(inst.visits), len(inst.dist)
    ready = [0] * n
    due = [0] * n
    for node, vi in enumerate(inst.visits):
        ready[node], due[node] = p.visits[vi].window
    ncap = len(p.vehicles[0].capacity)
    fleet = [p.vehicles[k] for k in vehicles]
    R = len(fleet)
    flat = [-1] * (m + R)
    w = 0
    for r in routes:
        for node in r:
            flat[w] = node
            w += 1
        w += 1
    if sorted(x for x in flat if x >= 0) != list(range(m)):
        return None
    keep = None
    if inst.fixed:
        locked = [inst.fixed.get(k, []) for k in vehicles]
        if any(r[:len(chain)] != chain for chain, r in zip(locked, routes, strict=True)):
            return None
        keep = (ctypes.c_int * R)(*[len(chain) for chain in locked])
    allow = None
    if any(a is not None for a in inst.allowed[:m]):
        if any(inst.allowed[node] is not None and k not in inst.allowed[node] and node not in inst.fixed_nodes
               for k, r in zip(vehicles, routes, strict=True) for node in r):
            return None
        allow = bytes(1 if inst.allowed[node] is None or k in inst.allowed[node] else 0
                      for node in range(m) for k in vehicles)
    ints = ctypes.c_int * R
    return (n, m, (LL * (n * n))(*[x for row in inst.dist for x in row]),
            (LL * (n * n))(*[x for row in inst.time for x in row]), (LL * n)(*ready), (LL * n)(*due), ncap,
            (LL * max(1, ncap * n))(*[x for row in inst.demand for x in row]),
            (LL * max(1, ncap * R))(*[c for v in fleet for c in v.capacity]),
            (LL * R)(*[v.shift[0] for v in fleet]), (LL * R)(*[shift_end(inst, k) for k in vehicles]),
            ints(*[inst.depot_node[v.start_node] for v in fleet]),
            ints(*[inst.depot_node[v.end_node] for v in fleet]), R, (ctypes.c_int * len(flat))(*flat), allow,
            keep)


def _answer(inst: Instance, vehicles: list[int], routes: list[list[int]], out, rc: int) -> list[list[int]] | None:
    """The C answer (R routes each ended by -1) as one route per vehicle, or None when it fails the check."""
    R, m = len(vehicles), len(inst.visits)
    answer: list[list[int]] = []
    cur: list[int] = []
    for x in out:
        if len(answer) == R:
            break
        if x < 0:
            answer.append(cur)
            cur = []
        else:
            cur.append(x)
    ok = (rc >= 0 and len(answer) == R and sum(1 for r in answer if r) == rc <= sum(1 for r in routes if r)
          and sorted(x for r in answer for x in r) == list(range(m))
          and all(feasible(inst, k, r) for k, r in zip(vehicles, answer, strict=True)))
    return answer if ok else None


def _prepare(inst: Instance, vehicles: list[int], routes: list[list[int]], deadline: float | None,
             iterations: int) -> tuple | None:
    """(library, problem arguments, seconds — 0: no time limit —, the output buffer) for a C search, or None
    when the library is missing, the instance does not apply, the start is bad or there is no limit at all
    or no time left."""
    lib = _library()
    if lib is None or not applicable(inst) or not routes or len(routes) != len(vehicles):
        return None
    seconds = 0.0 if deadline is None else deadline - time.time()
    if (deadline is None and not iterations) or (deadline is not None and seconds <= 0):
        return None
    args = _problem_args(inst, vehicles, routes)
    if args is None:
        return None
    return lib, args, seconds, (ctypes.c_int * (len(inst.visits) + len(vehicles)))()


def improve(inst: Instance, vehicles: list[int], routes: list[list[int]], deadline: float | None, *, seed: int = 1,
            iterations: int = 0, t0: float = 1.0, tf: float = 0.001, avg_removed: int = 10,
            max_string: int = 10, blink: float = 0.01,
            notes: list[str] | None = None) -> list[list[int]] | None:
    """Shorter routes from routes of routing nodes (routes[i] on problem vehicle vehicles[i]), every stop
    placed, the same vehicles or fewer, by the deadline (wall clock; None: none) or after `iterations` (0: no
    such limit; with no deadline, the same seed and iterations give the same answer).
    The answer: one route per vehicle (some may be empty). Simulated-annealing temperatures t0 → tf are in
    mean arcs (1 → 1/1000 measured best on Solomon R2/RC2: 0.1 gave 1.9 %, 0.3 1.2 %, 1.0 0.7 %, 3.0 1.2 %).
    None when the library is missing, the instance does not apply or the answer fails the check."""
    ready = _prepare(inst, vehicles, routes, deadline, iterations)
    if ready is None:
        return None
    lib, args, seconds, out = ready
    iters, best = ctypes.c_long(0), LL(0)
    rc = lib.sisr_solve(*args, seconds, iterations, t0 * inst.mean_arc, tf * inst.mean_arc, seed, avg_removed,
                        max_string, blink, out, ctypes.byref(iters), ctypes.byref(best))
    answer = _answer(inst, vehicles, routes, out, rc)
    if notes is not None:
        notes.append(f"SISR: {iters.value} iterations, {rc} routes, {best.value}"
                     + ("" if answer is not None else " — failed the check, not used"))
    return answer


def minimise(inst: Instance, vehicles: list[int], routes: list[list[int]], deadline: float | None, *,
             seed: int = 1, iterations: int = 0, min_routes: int = 0, avg_removed: int = 10, max_string: int = 10,
             blink: float = 0.01, notes: list[str] | None = None) -> list[list[int]] | None:
    """Fewer routes (sisr_fleet.c: close the smallest route, place its stops back by ruin & recreate with
    absence counters) from routes of routing nodes on vehicles, every stop placed, by the deadline or after
    `iterations`; stops early at min_routes (a lower bound). One route per vehicle (emptied ones []); None
    when the library is missing, the instance does not apply or the answer fails the check."""
    ready = _prepare(inst, vehicles, routes, deadline, iterations)
    if ready is None:
        return None
    lib, args, seconds, out = ready
    iters = ctypes.c_long(0)
    rc = lib.sisr_fleet(*args, seconds, iterations, seed, min_routes, avg_removed, max_string, blink, out,
                        ctypes.byref(iters))
    answer = _answer(inst, vehicles, routes, out, rc)
    if notes is not None:
        notes.append(f"SISR fleet: {iters.value} iterations, {sum(1 for r in routes if r)} → {rc} routes"
                     + ("" if answer is not None else " — failed the check, not used"))
    return answer
