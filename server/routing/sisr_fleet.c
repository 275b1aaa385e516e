/* SISR for fewer routes (Kladovka, issue #5): the fleet minimisation of Christiaens & Vanden Berghe (2020).
 *
 * From a complete answer, close the route with the fewest stops: its stops become absent. Each step ruins a few
 * strings as the distance search does and puts back the removed stops and the absent ones; what fits nowhere
 * stays absent. A step is kept when fewer stops are absent, or when the absent ones have been absent less
 * often (each stop counts the steps it spent absent): the stops that are hard to place get placed first, the
 * easy ones wait. When none is absent the answer has one route fewer, and the next smallest route is closed.
 * Distance plays no part here; sisr.c shortens the answer afterwards. The shared part: sisr_core.h.
 */
#include "sisr_core.h"

/* whether every stop of route r may go on another open route */
static int movable(const Sol *x, const char *closed, int r) {
    if (!x->allow) return 1;
    const int *s = x->seq + (size_t)r * x->stride;
    for (int i = 1; i < x->len[r] - 1; i++) {
        int ok = 0;
        for (int q = 0; q < x->R && !ok; q++) ok = q != r && !closed[q] && x->allow[(size_t)s[i] * x->R + q];
        if (!ok) return 0;
    }
    return 1;
}

/* close the open route with the fewest stops (ties at random), none of them locked and each allowed elsewhere:
 * they become absent; -1 when there is none */
static int close_smallest(Sol *x, char *closed, char *absent, int *alist, int *na, Rng *g) {
    int pick = -1, ties = 0;
    for (int r = 0; r < x->R; r++) {
        if (closed[r] || x->len[r] <= 2 || (x->keep && x->keep[r]) || !movable(x, closed, r)) continue;
        if (pick < 0 || x->len[r] < x->len[pick]) { pick = r; ties = 1; }
        else if (x->len[r] == x->len[pick] && rint_(g, ++ties) == 0) pick = r;
    }
    if (pick < 0) return -1;
    const int *s = x->seq + (size_t)pick * x->stride;
    for (int i = 1; i < x->len[pick] - 1; i++) { absent[s[i]] = 1; alist[(*na)++] = s[i]; }
    x->len[pick] = 2;
    x->seq[(size_t)pick * x->stride + 1] = x->E[pick];
    update_route(x, pick);
    closed[pick] = 1;
    return pick;
}

/* Same arguments as sisr_solve (no temperatures); init must place every stop. min_routes: stop there (a lower
 * bound, e.g. by capacity; 0: none). out: the complete answer with the fewest routes found. Returns its routes
 * used, or -1 on bad input. */
int sisr_fleet(int n, int m, const ll *dist, const ll *tim, const ll *ready, const ll *due, int ncap,
               const ll *demand, const ll *cap, const ll *lo, const ll *hi, const int *S, const int *E, int R,
               const int *init, const char *allow, const int *keep, double seconds, long max_iters,
               unsigned long long seed, int min_routes, int avg_removed, int max_string, double blink, int *out,
               long *iters_out) {
    char *closed = calloc(R, 1), *absent = calloc(m, 1);
    int *alist = malloc(m * sizeof(int)), *alist_w = malloc(m * sizeof(int));
    ll *count = calloc(m, sizeof(ll));
    Search x;
    int rc = -1, na = 0;
    int ok = search_start(&x, n, m, dist, tim, ready, due, ncap, demand, cap, lo, hi, S, E, R, init, allow,
                          keep, closed);
    if (!ok || !closed || !absent || !alist || !alist_w || !count) goto done;
    Sol *cur = &x.cur, *work = &x.work, *best = &x.best;
    Step *st = &x.st;
    for (int r = 0; r < R; r++) closed[r] = cur->len[r] <= 2;   /* a vehicle not used stays unused */
    Rng g = {seed * 0x2545F4914F6CDD1DULL + 7};
    int best_u = used_routes(cur);
    double start = now_s(), limit = seconds > 0 ? seconds : 1e18;
    long it = 0;
    double cbar = avg_removed > 0 ? avg_removed : 10, lmax = max_string > 0 ? max_string : 10;
    for (;;) {
        if (na == 0) {   /* complete: the best so far; then one route fewer */
            int u = used_routes(cur);
            if (u < best_u) {
                best_u = u;
                for (int r = 0; r < R; r++) copy_route(best, cur, r);
            }
            if (u <= 1 || u <= min_routes) break;
            int r = close_smallest(cur, closed, absent, alist, &na, &g);
            if (r < 0) break;
            copy_route(work, cur, r);
        }
        if (max_iters > 0 && it >= max_iters) break;
        if ((it & 31) == 0 && now_s() - start >= limit) break;
        it++;
        st->nrem = 0; st->ntouched = 0;
        st->absent = absent;
        ruin(work, st, &g, cbar, lmax);
        for (int i = 0; i < na; i++) st->removed[st->nrem++] = alist[i];
        order_removed(work, st, &g);
        int na_w = 0;
        ll sum_w = 0, sum = 0;
        for (int i = 0; i < st->nrem; i++) {
            int v = st->removed[i];
            if (!recreate_one(work, st, &g, v, blink)) { alist_w[na_w++] = v; sum_w += count[v]; }
        }
        for (int i = 0; i < na; i++) sum += count[alist[i]];
        if (na_w < na || sum_w < sum) {
            for (int k = 0; k < st->ntouched; k++) copy_route(cur, work, st->tlist[k]);
            for (int i = 0; i < na; i++) absent[alist[i]] = 0;
            for (int i = 0; i < na_w; i++) { absent[alist_w[i]] = 1; alist[i] = alist_w[i]; }
            na = na_w;
        } else {
            for (int k = 0; k < st->ntouched; k++) copy_route(work, cur, st->tlist[k]);
        }
        for (int k = 0; k < st->ntouched; k++) st->touched[st->tlist[k]] = 0;
        for (int i = 0; i < na; i++) count[alist[i]]++;
    }
    write_routes(best, out);
    rc = best_u;
    if (iters_out) *iters_out = it;
done:
    search_free(&x);
    free(closed); free(absent); free(alist); free(alist_w); free(count);
    return rc;
}
