/* SISR ruin & recreate with simulated annealing for a VRPTW without locked stops (Kladovka, issue #5).
 *
 * After Christiaens & Vanden Berghe, "Slack Induction by String Removals for Vehicle Routing Problems"
 * (Transportation Science 2020): remove a few strings of stops close to a random seed stop, put them back one
 * by one at their cheapest feasible place (each place skipped with a small "blink" probability), accept the
 * answer by simulated annealing on the distance. No local search: the speed (~10^5 iterations a second on
 * 100 stops) does the work. Compiled on first use by server/routing/sisr.py and called through ctypes;
 * the answer is checked again in Python before it is used.
 *
 * Nodes 0..m-1 are stops, the others depots. Route r is vehicle r (its own capacity, shift, start and end
 * depot). tim[a*n+b] is the service at a plus the travel a→b; a stop is served no earlier than ready and
 * begun no later than due; a route leaves its start at its shift start or later and reaches its end by the
 * shift end. Feasibility of an insertion is O(1): earliest start forward, latest start
 * backward per route position.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef long long ll;

#define MAXCAP 4

typedef struct {
    int n, m, ncap, R, stride;
    const ll *dist, *tim, *ready, *due, *dem, *cap;   /* cap[r*ncap + k]: route r's vehicle */
    const ll *lo, *hi;                               /* route r's shift */
    const int *S, *E;                                /* route r's start and end nodes */
    /* one solution: R routes, each seq[r*stride + 0..len-1] with S first and E last */
    int *seq, *len;
    ll *fwd, *bwd, *load; /* load[r*MAXCAP + k] */
    int *route_of, *pos_of;
} Sol;

typedef struct { unsigned long long s; } Rng;

static unsigned long long rnext(Rng *g) { /* splitmix64 */
    unsigned long long z = (g->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static double runif(Rng *g) { return (rnext(g) >> 11) * (1.0 / 9007199254740992.0); }
static int rint_(Rng *g, int k) { return k <= 1 ? 0 : (int)(rnext(g) % (unsigned long long)k); }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int alloc_sol(Sol *x, const Sol *shape) {
    *x = *shape;
    size_t cells = (size_t)shape->R * shape->stride;
    x->seq = malloc(cells * sizeof(int));
    x->len = malloc(shape->R * sizeof(int));
    x->fwd = malloc(cells * sizeof(ll));
    x->bwd = malloc(cells * sizeof(ll));
    x->load = calloc((size_t)shape->R * MAXCAP, sizeof(ll));
    x->route_of = malloc(shape->n * sizeof(int));
    x->pos_of = malloc(shape->n * sizeof(int));
    return x->seq && x->len && x->fwd && x->bwd && x->load && x->route_of && x->pos_of;
}

static void free_sol(Sol *x) {
    free(x->seq); free(x->len); free(x->fwd); free(x->bwd); free(x->load); free(x->route_of); free(x->pos_of);
}

static void update_route(Sol *x, int r) {
    int *s = x->seq + (size_t)r * x->stride, L = x->len[r], n = x->n;
    ll *f = x->fwd + (size_t)r * x->stride, *b = x->bwd + (size_t)r * x->stride;
    ll lo = x->lo[r], hi = x->hi[r];
    f[0] = lo;
    for (int i = 1; i < L; i++) {
        ll t = f[i - 1] + x->tim[(size_t)s[i - 1] * n + s[i]];
        ll e = s[i] < x->m ? x->ready[s[i]] : lo;
        f[i] = t > e ? t : e;
    }
    b[L - 1] = hi;
    for (int i = L - 2; i >= 0; i--) {
        ll t = b[i + 1] - x->tim[(size_t)s[i] * n + s[i + 1]];
        ll d = s[i] < x->m ? x->due[s[i]] : hi;
        b[i] = t < d ? t : d;
    }
    ll *ld = x->load + (size_t)r * MAXCAP;
    for (int k = 0; k < x->ncap; k++) ld[k] = 0;
    for (int i = 1; i < L - 1; i++) {
        x->route_of[s[i]] = r;
        x->pos_of[s[i]] = i;
        for (int k = 0; k < x->ncap; k++) ld[k] += x->dem[(size_t)k * x->n + s[i]];
    }
}

static void copy_route(Sol *to, const Sol *from, int r) {
    size_t o = (size_t)r * from->stride;
    int L = from->len[r];
    memcpy(to->seq + o, from->seq + o, L * sizeof(int));
    memcpy(to->fwd + o, from->fwd + o, L * sizeof(ll));
    memcpy(to->bwd + o, from->bwd + o, L * sizeof(ll));
    memcpy(to->load + (size_t)r * MAXCAP, from->load + (size_t)r * MAXCAP, MAXCAP * sizeof(ll));
    to->len[r] = L;
    for (int i = 1; i < L - 1; i++) {
        to->route_of[from->seq[o + i]] = r;
        to->pos_of[from->seq[o + i]] = i;
    }
}

static ll route_dist(const Sol *x, int r) {
    const int *s = x->seq + (size_t)r * x->stride;
    ll d = 0;
    if (x->len[r] <= 2) return 0;
    for (int i = 0; i + 1 < x->len[r]; i++) d += x->dist[(size_t)s[i] * x->n + s[i + 1]];
    return d;
}

static int used_routes(const Sol *x) {
    int u = 0;
    for (int r = 0; r < x->R; r++) u += x->len[r] > 2;
    return u;
}

static ll sol_dist(const Sol *x) {
    ll d = 0;
    for (int r = 0; r < x->R; r++) d += route_dist(x, r);
    return d;
}

/* remove the stops seq[a..b] (inclusive positions) from route r, keeping seq[keep_a..keep_b] inside it */
static void remove_span(Sol *x, int r, int a, int b, int keep_a, int keep_b, int *removed, int *nrem) {
    int *s = x->seq + (size_t)r * x->stride, L = x->len[r], w = a;
    for (int i = a; i <= b; i++) {
        if (i >= keep_a && i <= keep_b) s[w++] = s[i];
        else removed[(*nrem)++] = s[i];
    }
    for (int i = b + 1; i < L; i++) s[w++] = s[i];
    x->len[r] = w;
}

/* sort the elements of a (values indexing key) by key, ascending or descending: Shell sort, no globals, so
 * that two searches may run at once in one process */
static void sort_by(int *a, int k, const ll *key, int desc) {
    static const int gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (int gi = 0; gi < 8; gi++) {
        int gap = gaps[gi];
        for (int i = gap; i < k; i++) {
            int v = a[i], j = i;
            ll kv = key[v];
            while (j >= gap && (desc ? key[a[j - gap]] < kv : key[a[j - gap]] > kv)) { a[j] = a[j - gap]; j -= gap; }
            a[j] = v;
        }
    }
}

/* cheapest feasible insertion of v; returns 0 when it fits nowhere */
static int best_insert(Sol *x, int v, double blink, Rng *g, int *br, int *bp, ll *bcost) {
    const ll *T = x->tim, *D = x->dist;
    int n = x->n, found = 0;
    ll ev = x->ready[v], lv = x->due[v];
    for (int r = 0; r < x->R; r++) {
        int L = x->len[r];
        const ll *ld = x->load + (size_t)r * MAXCAP, *cap = x->cap + (size_t)r * x->ncap;
        int ok = 1;
        for (int k = 0; k < x->ncap; k++)
            if (ld[k] + x->dem[(size_t)k * n + v] > cap[k]) { ok = 0; break; }
        if (!ok) continue;
        const int *s = x->seq + (size_t)r * x->stride;
        const ll *f = x->fwd + (size_t)r * x->stride, *b = x->bwd + (size_t)r * x->stride;
        for (int i = 0; i + 1 < L; i++) {
            int a = s[i], c = s[i + 1];
            ll t = f[i] + T[(size_t)a * n + v];
            if (t > lv) continue;
            if (t < ev) t = ev;
            if (t + T[(size_t)v * n + c] > b[i + 1]) continue;
            ll cost = D[(size_t)a * n + v] + D[(size_t)v * n + c] - D[(size_t)a * n + c];
            if ((!found || cost < *bcost) && (blink <= 0 || runif(g) >= blink)) {
                found = 1; *bcost = cost; *br = r; *bp = i + 1;
            }
        }
    }
    return found;
}

static void insert_at(Sol *x, int v, int r, int p) {
    int *s = x->seq + (size_t)r * x->stride;
    memmove(s + p + 1, s + p, (x->len[r] - p) * sizeof(int));
    s[p] = v;
    x->len[r]++;
    update_route(x, r);
}

/* The search. Route r is vehicle r: capacity cap[r*ncap..], shift lo[r]..hi[r], from node S[r] to E[r].
 * init: the routes' stops, each route ended by -1 (R routes, empty ones allowed). out: the best answer in the
 * same form (room for m + R). Returns the routes used in the best answer, or -1 on bad input. */
int sisr_solve(int n, int m, const ll *dist, const ll *tim, const ll *ready, const ll *due, int ncap,
               const ll *demand, const ll *cap, const ll *lo, const ll *hi, const int *S, const int *E, int R,
               const int *init,
               double seconds, long max_iters, double t0, double tf, unsigned long long seed,
               int avg_removed, int max_string, double blink, int *out, long *iters_out, ll *dist_out) {
    if (ncap > MAXCAP || ncap < 0 || R <= 0 || m <= 0) return -1;
    for (int r = 0; r < R; r++)
        if (S[r] < m || E[r] < m || S[r] >= n || E[r] >= n) return -1;
    Sol shape = {0};
    shape.n = n; shape.m = m; shape.ncap = ncap; shape.S = S; shape.E = E; shape.R = R; shape.stride = m + 2;
    shape.dist = dist; shape.tim = tim; shape.ready = ready; shape.due = due; shape.dem = demand; shape.cap = cap;
    shape.lo = lo; shape.hi = hi;
    Sol cur, work, best;
    if (!alloc_sol(&cur, &shape) || !alloc_sol(&work, &shape) || !alloc_sol(&best, &shape)) return -1;
    int *seen = calloc(m, sizeof(int));
    int *removed = malloc(m * sizeof(int));
    int *adj = malloc((size_t)m * m * sizeof(int));
    int *touched = calloc(R, sizeof(int));
    int *tlist = malloc(R * sizeof(int));
    ll *key = malloc(m * sizeof(ll));
    int rc = -1;
    if (!seen || !removed || !adj || !touched || !tlist || !key) goto done;
    {   /* the initial routes */
        int r = 0, i = 0, count = 0;
        for (int k = 0; k < R; k++) { cur.seq[(size_t)k * cur.stride] = S[k]; cur.len[k] = 1; }
        while (r < R) {
            int v = init[i++];
            if (v < 0) { cur.seq[(size_t)r * cur.stride + cur.len[r]++] = E[r]; r++; continue; }
            if (v >= m || seen[v]) goto done;
            seen[v] = 1; count++;
            cur.seq[(size_t)r * cur.stride + cur.len[r]++] = v;
        }
        if (count != m) goto done;
        for (int k = 0; k < R; k++) update_route(&cur, k);
        for (int k = 0; k < R; k++) { copy_route(&work, &cur, k); copy_route(&best, &cur, k); }
    }
    for (int c = 0; c < m; c++) {   /* neighbours by distance, the stop itself first */
        int *row = adj + (size_t)c * m;
        for (int j = 0; j < m; j++) row[j] = j;
        sort_by(row, m, dist + (size_t)c * n, 0);
        for (int j = 0; j < m; j++) if (row[j] == c) { row[j] = row[0]; row[0] = c; break; }
    }
    Rng g = {seed * 0x2545F4914F6CDD1DULL + 1};
    ll cur_d = sol_dist(&cur), best_d = cur_d;
    int best_u = used_routes(&cur);
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
        /* ruin */
        int used = 0, ntouched = 0, nrem = 0;
        for (int r = 0; r < R; r++) if (work.len[r] > 2) used++;
        double avg_len = used ? (double)m / used : m;
        double ls_max = lmax < avg_len ? lmax : avg_len;
        double ks_max = 4.0 * cbar / (1.0 + ls_max) - 1.0;
        int ks = (int)(runif(&g) * ks_max) + 1;
        int seed_c = rint_(&g, m);
        const int *row = adj + (size_t)seed_c * m;
        for (int j = 0; j < m && ntouched < ks; j++) {
            int c = row[j];
            int r = work.route_of[c];
            if (touched[r] || work.len[r] <= 2) continue;
            /* c may have been removed already from an earlier string: route_of is then stale but touched */
            int card = work.len[r] - 2;
            double lt_max = card < ls_max ? card : ls_max;
            int l = (int)(runif(&g) * lt_max) + 1;
            int p = work.pos_of[c];
            touched[r] = 1; tlist[ntouched++] = r;
            if (l < card && runif(&g) < 0.5) {   /* split string: keep mm stops in the middle */
                int mm = 1;
                while (l + mm < card && runif(&g) > 0.5) mm++;
                int span = l + mm;
                int lo_a = p - span + 1 > 1 ? p - span + 1 : 1;
                int hi_a = p < card - span + 1 ? p : card - span + 1;
                int a = lo_a + rint_(&g, hi_a - lo_a + 1);
                int ka = a + rint_(&g, l + 1);
                remove_span(&work, r, a, a + span - 1, ka, ka + mm - 1, removed, &nrem);
            } else {
                int lo_a = p - l + 1 > 1 ? p - l + 1 : 1;
                int hi_a = p < card - l + 1 ? p : card - l + 1;
                int a = lo_a + rint_(&g, hi_a - lo_a + 1);
                remove_span(&work, r, a, a + l - 1, 1 << 30, -1, removed, &nrem);
            }
            update_route(&work, r);
        }
        /* recreate: random / most demand / farthest / closest first (weights 4, 4, 2, 1) */
        int order = rint_(&g, 11);
        if (order < 4) {
            for (int i = nrem - 1; i > 0; i--) { int j = rint_(&g, i + 1), t = removed[i]; removed[i] = removed[j]; removed[j] = t; }
        } else {
            for (int i = 0; i < nrem; i++) {
                int v = removed[i];
                key[v] = order < 8 ? (ncap ? demand[v] : 0) : order < 10 ? dist[(size_t)S[0] * n + v] : -dist[(size_t)S[0] * n + v];
            }
            sort_by(removed, nrem, key, 1);
        }
        int failed = 0;
        for (int i = 0; i < nrem; i++) {
            int v = removed[i], br = -1, bp = -1;
            ll bc = 0;
            if (!best_insert(&work, v, blink, &g, &br, &bp, &bc) && !best_insert(&work, v, 0, &g, &br, &bp, &bc)) {
                failed = 1;
                break;
            }
            insert_at(&work, v, br, bp);
            if (!touched[br]) { touched[br] = 1; tlist[ntouched++] = br; }
        }
        ll new_d = 0;
        int accept = 0;
        if (!failed) {
            new_d = cur_d;
            for (int k = 0; k < ntouched; k++) new_d += route_dist(&work, tlist[k]) - route_dist(&cur, tlist[k]);
            accept = (double)new_d < (double)cur_d - temp * log(runif(&g) + 1e-300);
        }
        if (accept) {
            for (int k = 0; k < ntouched; k++) copy_route(&cur, &work, tlist[k]);
            cur_d = new_d;
            int u = used_routes(&cur);
            if (u < best_u || (u == best_u && cur_d < best_d)) {
                best_u = u; best_d = cur_d;
                for (int r = 0; r < R; r++) copy_route(&best, &cur, r);
            }
        } else {
            for (int k = 0; k < ntouched; k++) copy_route(&work, &cur, tlist[k]);
        }
        for (int k = 0; k < ntouched; k++) touched[tlist[k]] = 0;
    }
    {
        int w = 0;
        for (int r = 0; r < R; r++) {
            for (int i = 1; i < best.len[r] - 1; i++) out[w++] = best.seq[(size_t)r * best.stride + i];
            out[w++] = -1;
        }
        rc = best_u;
        if (iters_out) *iters_out = it;
        if (dist_out) *dist_out = best_d;
    }
done:
    free_sol(&cur); free_sol(&work); free_sol(&best);
    free(seen); free(removed); free(adj); free(touched); free(tlist); free(key);
    return rc;
}
