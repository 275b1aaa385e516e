/* SISR for distance (Kladovka, issue #5): ruin & recreate with simulated annealing for a VRPTW (locked stops and
 * per-stop vehicle lists kept: sisr_core.h). Remove a few strings of stops close to a random seed stop, put them back one by one at their cheapest
 * feasible place (each place skipped with a small "blink" probability), accept the answer by simulated
 * annealing on the distance. No local search: the speed (~10^5 iterations a second on 100 stops) does the
 * work. Compiled on first use by server/routing/sisr.py with sisr_fleet.c and called through ctypes; the
 * answer is checked again in Python before it is used. The shared part: sisr_core.h.
 */
#include "sisr_core.h"

/* The search. Route r is vehicle r: capacity cap[r*ncap..], shift lo[r]..hi[r], from node S[r] to E[r].
 * init: the routes' stops, each route ended by -1 (R routes, empty ones allowed); allow[v*R + r]: stop v may go
 * on route r (NULL: any stop on any route); keep[r]: route r starts with that many locked stops, never moved
 * (NULL: none). out: the best answer in the same form (room for m + R). Returns the routes used in the best
 * answer, or -1 on bad input. */
int sisr_solve(int n, int m, const ll *dist, const ll *tim, const ll *ready, const ll *due, int ncap,
               const ll *demand, const ll *cap, const ll *lo, const ll *hi, const int *S, const int *E, int R,
               const int *init, const char *allow, const int *keep,
               double seconds, long max_iters, double t0, double tf, unsigned long long seed,
               int avg_removed, int max_string, double blink, int *out, long *iters_out, ll *dist_out) {
    Search x;
    int rc = -1;
    if (!search_start(&x, n, m, dist, tim, ready, due, ncap, demand, cap, lo, hi, S, E, R, init, allow, keep, NULL))
        goto done;
    Sol *cur = &x.cur, *work = &x.work, *best = &x.best;
    Step *st = &x.st;
    Rng g = {seed * 0x2545F4914F6CDD1DULL + 1};
    ll cur_d = sol_dist(cur), best_d = cur_d;
    int best_u = used_routes(cur);
    double start = now_s(), limit = seconds > 0 ? seconds : 1e18;
    long it = 0;
    double cbar = avg_removed > 0 ? avg_removed : 10, lmax = max_string > 0 ? max_string : 10;
    double frac = 0;
    for (;;) {
        if (max_iters > 0 && it >= max_iters) break;
        if ((it & 31) == 0) {   /* the clock is read every 32 iterations */
            double el = now_s() - start;
            if (el >= limit) break;
            frac = seconds > 0 ? el / limit : 0;
        }
        if (max_iters > 0 && (double)it / max_iters > frac) frac = (double)it / max_iters;
        it++;
        double temp = t0 * pow(tf / t0, frac);
        st->nrem = 0; st->ntouched = 0;
        ruin(work, st, &g, cbar, lmax);
        order_removed(work, st, &g);
        int failed = 0;
        for (int i = 0; i < st->nrem && !failed; i++) failed = !recreate_one(work, st, &g, st->removed[i], blink);
        ll new_d = 0;
        int accept = 0;
        if (!failed) {
            new_d = cur_d;
            for (int k = 0; k < st->ntouched; k++)
                new_d += route_dist(work, st->tlist[k]) - route_dist(cur, st->tlist[k]);
            accept = (double)new_d < (double)cur_d - temp * log(runif(&g) + 1e-300);
        }
        if (accept) {
            for (int k = 0; k < st->ntouched; k++) copy_route(cur, work, st->tlist[k]);
            cur_d = new_d;
            int u = used_routes(cur);
            if (u < best_u || (u == best_u && cur_d < best_d)) {
                best_u = u; best_d = cur_d;
                for (int r = 0; r < R; r++) copy_route(best, cur, r);
            }
        } else {
            for (int k = 0; k < st->ntouched; k++) copy_route(work, cur, st->tlist[k]);
        }
        for (int k = 0; k < st->ntouched; k++) st->touched[st->tlist[k]] = 0;
    }
    write_routes(best, out);
    rc = best_u;
    if (iters_out) *iters_out = it;
    if (dist_out) *dist_out = best_d;
done:
    search_free(&x);
    return rc;
}
