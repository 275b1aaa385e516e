"""Route minimisation by an ejection pool, in pure Python (after Nagata & Bräysy 2009, simplified).

Seeded with a complete answer (every stop placed) on a homogeneous fleet without locked stops: take one route
away and put its stops into the pool; take stops out of the pool one by one (last in, first out) and insert
each at its cheapest feasible place; when it fits nowhere, raise its penalty and insert it anyway, ejecting at
most KMAX stops from one route so that the route is feasible again — the set with the smallest penalty sum
(stops that were hard to place before are rarely ejected), then a few random feasible relocations to move
the search elsewhere. When the pool is empty the answer has one route fewer; then the next route.

Feasibility is tested in O(1) per insertion place with forward earliest-start and backward latest-start
arrays per route (times include the service of the stop left, as in ormodel.Instance.time). Every route the
procedure returns was rebuilt from the matrices and checked, so the answer is always feasible.
"""

from __future__ import annotations

import random
import time

from server.routing.ormodel import Instance

KMAX = 2                 # stops ejected at most for one insertion
PERTURB = 30             # random feasible relocations after each ejection
NEVER = -(10 ** 15)      # a latest start no arrival meets


class Pool:
    def __init__(self, inst: Instance, routes: list[list[int]], seed: int = 1) -> None:
        p = inst.problem
        veh = p.vehicles[0]
        self.S, self.E = inst.depot_node[veh.start_node], inst.depot_node[veh.end_node]
        self.lo, self.hi = veh.shift
        self.cap = veh.capacity
        n = len(inst.dist)
        self.ready, self.due = [self.lo] * n, [self.hi] * n
        for node, vi in enumerate(inst.visits):
            self.ready[node], self.due[node] = p.visits[vi].window
        ncap = len(self.cap)
        self.q = [tuple(inst.demand[k][node] for k in range(ncap)) for node in range(n)]
        self.T, self.D = inst.time, inst.dist
        self.rng = random.Random(seed)
        self.pen = [1] * n
        self.steps = 0                             # stops taken out of the pool, all attempts
        self.seq: list[list[int]] = []
        self.fwd: list[list[int]] = []
        self.bwd: list[list[int]] = []
        self.load: list[tuple[int, ...]] = []
        for r in routes:
            if r:
                self.seq.append([self.S, *r, self.E])
                self.fwd.append([])
                self.bwd.append([])
                self.load.append(())
                self._update(len(self.seq) - 1)

    # --- route bookkeeping -------------------------------------------------------------------------------
    def _update(self, r: int) -> None:
        seq, T, ready, due = self.seq[r], self.T, self.ready, self.due
        f = [self.lo] * len(seq)
        for i in range(1, len(seq)):
            t = f[i - 1] + T[seq[i - 1]][seq[i]]
            f[i] = t if t > ready[seq[i]] else ready[seq[i]]
        b = [self.hi] * len(seq)
        for i in range(len(seq) - 2, -1, -1):
            t = b[i + 1] - T[seq[i]][seq[i + 1]]
            b[i] = t if t < due[seq[i]] else due[seq[i]]
        self.fwd[r], self.bwd[r] = f, b
        load = [0] * len(self.cap)
        for node in seq[1:-1]:
            for k, x in enumerate(self.q[node]):
                load[k] += x
        self.load[r] = tuple(load)

    def feasible_seq(self, seq: list[int]) -> bool:
        """Full check of one route from the matrices: windows, end of shift, capacity."""
        T, ready, due = self.T, self.ready, self.due
        t = self.lo
        for a, c in zip(seq, seq[1:], strict=False):
            t = max(t + T[a][c], ready[c])
            if t > due[c]:
                return False
        load = [sum(self.q[x][k] for x in seq[1:-1]) for k in range(len(self.cap))]
        return t <= self.hi and all(x <= c for x, c in zip(load, self.cap, strict=True))

    def _fits(self, load: tuple[int, ...], extra: tuple[int, ...]) -> bool:
        return all(a + b <= c for a, b, c in zip(load, extra, self.cap, strict=True))

    def distance(self) -> int:
        D = self.D
        return sum(D[a][c] for seq in self.seq for a, c in zip(seq, seq[1:], strict=False))

    def routes(self) -> list[list[int]]:
        return [seq[1:-1] for seq in self.seq if len(seq) > 2]

    # --- moves ---------------------------------------------------------------------------------------------
    def insertions(self, v: int, r: int) -> list[tuple[int, int]]:
        """(cost, position) of every feasible place for v in route r (v goes before seq[position])."""
        if not self._fits(self.load[r], self.q[v]):
            return []
        seq, f, b, T, D = self.seq[r], self.fwd[r], self.bwd[r], self.T, self.D
        ev, lv, Tv, Dv = self.ready[v], self.due[v], T[v], D[v]
        out = []
        for i in range(len(seq) - 1):
            a, c = seq[i], seq[i + 1]
            t = f[i] + T[a][v]
            if t > lv:
                continue
            if t < ev:
                t = ev
            if t + Tv[c] <= b[i + 1]:
                out.append((D[a][v] + Dv[c] - D[a][c], i + 1))
        return out

    def best_insertion(self, v: int, skip: int = -1) -> tuple[int, int, int] | None:
        best = None
        for r in range(len(self.seq)):
            if r == skip:
                continue
            for cost, pos in self.insertions(v, r):
                if best is None or cost < best[0]:
                    best = (cost, r, pos)
        return best

    def insert(self, v: int, r: int, pos: int) -> None:
        self.seq[r].insert(pos, v)
        self._update(r)

    def best_ejection(self, v: int, kmax: int) -> tuple[int, list[int], list[int]] | None:
        """(route, its new sequence with v, the ejected stops) with the smallest penalty sum (the first found
        among equals; routes are searched in random order)."""
        T, ready, due, pen, cap, q = self.T, self.ready, self.due, self.pen, self.cap, self.q
        best: list = [None]          # (psum, r, seq, ejected)
        bound = [10 ** 18]
        ncap = len(cap)
        s2: list[int] = []
        z: list[int] = []
        last = 0

        def dfs(idx: int, t: int, prev: int, ejected: list[int], psum: int, need: list[int]) -> None:
            node = s2[idx]
            bt = t + T[prev][node]
            if bt < ready[node]:
                bt = ready[node]
            if bt <= z[idx] and all(x <= 0 for x in need):
                if ejected and psum < bound[0]:
                    best[0] = (psum, r, [x for x in s2 if x not in ejected], list(ejected))
                    bound[0] = psum
                return
            # nothing more may be ejected (the limit, or any ejection would cost as much as the best found):
            # the rest cannot be served
            if idx == last or len(ejected) >= kmax or psum + 1 >= bound[0]:
                return
            if bt <= due[node]:
                dfs(idx + 1, bt, node, ejected, psum, need)
            if node != v and psum + pen[node] < bound[0]:
                ejected.append(node)
                dfs(idx + 1, t, prev, ejected, psum + pen[node], [a - b for a, b in zip(need, q[node], strict=True)])
                ejected.pop()

        order = list(range(len(self.seq)))
        self.rng.shuffle(order)
        for r in order:
            seq = self.seq[r]
            over = [self.load[r][k] + q[v][k] - cap[k] for k in range(ncap)]   # > 0: must eject this much
            braw = self.bwd[r]
            n = len(seq)
            for pos in range(1, n):
                # cheap bounds first: v is served after one of the kmax + 1 stops before it and before one of the
                # kmax + 1 after it (the others ejected), each begun no earlier than its window opens
                early = min((ready[seq[j]] if j else self.lo) + T[seq[j]][v] for j in range(max(0, pos - 1 - kmax), pos))
                if early < ready[v]:
                    early = ready[v]
                if early > due[v] or all(early + T[v][seq[j]] > due[seq[j]] for j in range(pos, min(n, pos + 1 + kmax))):
                    continue
                s2 = seq[:pos] + [v] + seq[pos:]
                z = [0] * pos + [0] + braw[pos:]
                z[pos] = min(due[v], braw[pos] - T[v][seq[pos]])
                if z[pos] < ready[v]:   # the rest cannot follow v unchanged, whenever it starts (ejections can help)
                    z[pos] = NEVER
                for i in range(pos - 1, -1, -1):
                    t = z[i + 1] - T[s2[i]][s2[i + 1]]
                    z[i] = t if t < due[s2[i]] else due[s2[i]]
                    if z[i] < ready[s2[i]]:   # latest start before the earliest: no start time serves the rest
                        z[i] = NEVER
                last = len(s2) - 1
                dfs(1, self.lo, self.S, [], 0, over)
        if best[0] is None:
            return None
        _, r, out, ejected = best[0]
        return r, out, ejected

    def perturb(self, tries: int) -> None:
        """Random feasible relocations of one stop to another route (never emptying a route)."""
        rng, R = self.rng, len(self.seq)
        if R < 2:
            return
        for _ in range(tries):
            r1 = rng.randrange(R)
            s1 = self.seq[r1]
            if len(s1) <= 3:
                continue
            i = rng.randrange(1, len(s1) - 1)
            u = s1[i]
            r2 = rng.randrange(R - 1)
            r2 += r2 >= r1
            places = self.insertions(u, r2)
            if not places:
                continue
            rest = s1[:i] + s1[i + 1:]
            if not self.feasible_seq(rest):
                continue
            _, pos = rng.choice(places)
            self.seq[r1] = rest
            self._update(r1)
            self.insert(u, r2, pos)

    # --- route elimination -----------------------------------------------------------------------------------
    def stuck(self, r: int) -> int:
        """How many stops of route r fit nowhere else as things are."""
        return sum(1 for v in self.seq[r][1:-1] if self.best_insertion(v, skip=r) is None)

    def eliminate(self, r: int, deadline: float) -> bool:
        """Take route r away and place its stops elsewhere; True when every stop is placed by the deadline.
        On failure the routes are left as they were before."""
        saved = [s[:] for s in self.seq]
        pool = self.seq[r][1:-1]
        del self.seq[r], self.fwd[r], self.bwd[r], self.load[r]
        pool.sort(key=lambda x: self.due[x] - self.ready[x], reverse=True)   # tightest window popped first
        while pool:
            self.steps += 1
            if time.time() > deadline:
                break
            v = pool.pop()
            ins = self.best_insertion(v)
            if ins is not None:
                self.insert(v, ins[1], ins[2])
                continue
            self.pen[v] += 1
            ej = self.best_ejection(v, KMAX)
            if ej is None:
                pool.insert(0, v)
                self.perturb(PERTURB)
                continue
            rr, out, ejected = ej
            self.seq[rr] = out
            self._update(rr)
            pool.extend(ejected)
            self.perturb(PERTURB)
        if pool:
            self._restore(saved)
            return False
        return True

    def _restore(self, saved: list[list[int]]) -> None:
        self.seq = saved
        self.fwd, self.bwd, self.load = [[]] * len(saved), [[]] * len(saved), [()] * len(saved)
        for r in range(len(saved)):
            self._update(r)


def minimise(inst: Instance, routes: list[list[int]], deadline: float, *, seed: int = 1,
             notes: list[str] | None = None, patience: int = 0) -> list[list[int]]:
    """Fewest routes found by the deadline, starting from routes (every stop placed); each route feasible.
    patience > 0: stop after that many failed attempts in all (an attempt at one route fewer that fails
    usually means the count is as low as this pool gets; the rest of the time is then left to distance)."""
    pool = Pool(inst, routes, seed)
    best = pool.routes()
    tried: set[tuple[int, frozenset[int]]] = set()
    failures = 0
    while time.time() < deadline and len(pool.seq) > 1 and not (patience and failures >= patience):
        order = sorted(range(len(pool.seq)), key=lambda r: (pool.stuck(r), len(pool.seq[r])))
        order = [r for r in order if (len(pool.seq), frozenset(pool.seq[r])) not in tried]
        if not order:
            break
        r = order[0]
        tried.add((len(pool.seq), frozenset(pool.seq[r])))
        left = deadline - time.time()
        # the most promising route gets most of the time left; the others share the rest
        ok = pool.eliminate(r, time.time() + max(left * 0.6, min(left, 0.5)))
        if notes is not None:
            notes.append(f"ejection pool: to {len(pool.seq) if ok else len(pool.seq) - 1} routes "
                         f"{'ok' if ok else 'failed'} ({pool.steps} steps so far)")
        if ok:
            best = pool.routes()
        else:
            failures += 1
    if not all(pool.feasible_seq([pool.S, *r, pool.E]) for r in best):   # never expected: keep the seed
        if notes is not None:
            notes.append("ejection pool: an answer failed the final check; the seed is kept")
        return [r for r in routes if r]
    return best


def applicable(inst: Instance) -> bool:
    """One kind of vehicle, no locked stops, no per-visit vehicle lists."""
    p = inst.problem
    if inst.fixed or not p.vehicles or any(v.allowed_vehicles for v in p.visits):
        return False
    first = p.vehicles[0]
    return all((v.capacity, v.start_node, v.end_node, v.shift) == (first.capacity, first.start_node,
               first.end_node, first.shift) for v in p.vehicles)
