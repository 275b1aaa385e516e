/* The shared part of SISR (sisr.c: distance; sisr_fleet.c: fewer routes), after Christiaens & Vanden Berghe,
 * "Slack Induction by String Removals for Vehicle Routing Problems" (Transportation Science 2020).
 *
 * Nodes 0..m-1 are stops, the others depots. Route r is vehicle r (its own capacity, shift, start and end
 * depot). tim[a*n+b] is the service at a plus the travel a→b; a stop is served no earlier than ready and
 * begun no later than due (a locked stop may be late: nothing is ever inserted before it); a route leaves its start at its shift start or later and reaches its end by the
 * shift end. Feasibility of an insertion is O(1): earliest start forward, latest start backward per route
 * position. No globals: two searches may run at once in one process.
 */
#ifndef KLADOVKA_SISR_CORE_H
#define KLADOVKA_SISR_CORE_H
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef long long ll;

#define MAXCAP 4

typedef struct {
    int n, m, ncap, R, stride;
    const char *closed;                              /* closed[r]: no stop goes into route r (NULL: none) */
    const char *allow;                               /* allow[v*R + r]: v may go on route r (NULL: all may) */
    const int *keep;                                 /* keep[r]: route r's first stops are locked (NULL: none) */
    const ll *dist, *tim, *ready, *due, *dem, *cap;   /* cap[r*ncap + k]: route r's vehicle */
    const ll *lo, *hi;                               /* route r's shift */
    const int *S, *E;                                /* route r's start and end nodes */
    /* one solution: R routes, each seq[r*stride + 0..len-1] with S first and E last */
    int *seq, *len;
    ll *fwd, *bwd, *load; /* load[r*MAXCAP + k] */
    int *route_of, *pos_of;
} Sol;

typedef struct { unsigned long long s; } Rng;

static inline unsigned long long rnext(Rng *g) { /* splitmix64 */
    unsigned long long z = (g->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static inline double runif(Rng *g) { return (rnext(g) >> 11) * (1.0 / 9007199254740992.0); }
static inline int rint_(Rng *g, int k) { return k <= 1 ? 0 : (int)(rnext(g) % (unsigned long long)k); }

static inline double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline int alloc_sol(Sol *x, const Sol *shape) {
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

static inline void free_sol(Sol *x) {
    free(x->seq); free(x->len); free(x->fwd); free(x->bwd); free(x->load); free(x->route_of); free(x->pos_of);
}

static inline void update_route(Sol *x, int r) {
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

static inline void copy_route(Sol *to, const Sol *from, int r) {
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

static inline ll route_dist(const Sol *x, int r) {
    const int *s = x->seq + (size_t)r * x->stride;
    ll d = 0;
    if (x->len[r] <= 2) return 0;
    for (int i = 0; i + 1 < x->len[r]; i++) d += x->dist[(size_t)s[i] * x->n + s[i + 1]];
    return d;
}

static inline int used_routes(const Sol *x) {
    int u = 0;
    for (int r = 0; r < x->R; r++) u += x->len[r] > 2;
    return u;
}

static inline ll sol_dist(const Sol *x) {
    ll d = 0;
    for (int r = 0; r < x->R; r++) d += route_dist(x, r);
    return d;
}

/* remove the stops seq[a..b] (inclusive positions) from route r, keeping seq[keep_a..keep_b] inside it */
static inline void remove_span(Sol *x, int r, int a, int b, int keep_a, int keep_b, int *removed, int *nrem) {
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
static inline void sort_by(int *a, int k, const ll *key, int desc) {
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
static inline int best_insert(Sol *x, int v, double blink, Rng *g, int *br, int *bp, ll *bcost) {
    const ll *T = x->tim, *D = x->dist;
    int n = x->n, found = 0;
    ll ev = x->ready[v], lv = x->due[v];
    for (int r = 0; r < x->R; r++) {
        if ((x->closed && x->closed[r]) || (x->allow && !x->allow[(size_t)v * x->R + r])) continue;
        int L = x->len[r];
        const ll *ld = x->load + (size_t)r * MAXCAP, *cap = x->cap + (size_t)r * x->ncap;
        int ok = 1;
        for (int k = 0; k < x->ncap; k++)
            if (ld[k] + x->dem[(size_t)k * n + v] > cap[k]) { ok = 0; break; }
        if (!ok) continue;
        const int *s = x->seq + (size_t)r * x->stride;
        const ll *f = x->fwd + (size_t)r * x->stride, *b = x->bwd + (size_t)r * x->stride;
        for (int i = x->keep ? x->keep[r] : 0; i + 1 < L; i++) {   /* never before or among locked stops */
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

static inline void insert_at(Sol *x, int v, int r, int p) {
    int *s = x->seq + (size_t)r * x->stride;
    memmove(s + p + 1, s + p, (x->len[r] - p) * sizeof(int));
    s[p] = v;
    x->len[r]++;
    update_route(x, r);
}

/* What one ruin & recreate step works with: the neighbours by distance and the step's scratch lists. */
typedef struct {
    const int *adj;          /* adj[c*m ..]: stops by distance from c, c first */
    int *removed, nrem;      /* the stops out of their routes in this step */
    int *touched, *tlist, ntouched;
    ll *key;
    const char *absent;      /* absent[c]: c is on no route (NULL: every stop is on one) */
} Step;

static inline int *neighbours(int m, int n, const ll *dist) {
    int *adj = malloc((size_t)m * m * sizeof(int));
    if (!adj) return NULL;
    for (int c = 0; c < m; c++) {
        int *row = adj + (size_t)c * m;
        for (int j = 0; j < m; j++) row[j] = j;
        sort_by(row, m, dist + (size_t)c * n, 0);
        for (int j = 0; j < m; j++) if (row[j] == c) { row[j] = row[0]; row[0] = c; break; }
    }
    return adj;
}

static inline void touch(Step *st, int r) {
    if (!st->touched[r]) { st->touched[r] = 1; st->tlist[st->ntouched++] = r; }
}

/* ruin: a few strings (or split strings) of stops from the routes nearest a random seed stop */
static inline void ruin(Sol *w, Step *st, Rng *g, double cbar, double lmax) {
    int used = 0, m = w->m;
    for (int r = 0; r < w->R; r++) if (w->len[r] > 2) used++;
    double avg_len = used ? (double)m / used : m;
    double ls_max = lmax < avg_len ? lmax : avg_len;
    double ks_max = 4.0 * cbar / (1.0 + ls_max) - 1.0;
    int ks = (int)(runif(g) * ks_max) + 1, routes = 0;
    const int *row = st->adj + (size_t)rint_(g, m) * m;
    for (int j = 0; j < m && routes < ks; j++) {
        int c = row[j];
        if (st->absent && st->absent[c]) continue;
        int r = w->route_of[c];
        /* c may have been removed already from an earlier string: route_of is then stale but touched */
        int k0 = w->keep ? w->keep[r] : 0;   /* locked stops (positions 1..k0) are never removed */
        if (st->touched[r] || w->len[r] - 2 <= k0 || w->pos_of[c] <= k0) continue;
        int card = w->len[r] - 2 - k0;
        double lt_max = card < ls_max ? card : ls_max;
        int l = (int)(runif(g) * lt_max) + 1;
        int p = w->pos_of[c] - k0;
        touch(st, r);
        routes++;
        if (l < card && runif(g) < 0.5) {   /* split string: keep mm stops in the middle */
            int mm = 1;
            while (l + mm < card && runif(g) > 0.5) mm++;
            int span = l + mm;
            int lo_a = p - span + 1 > 1 ? p - span + 1 : 1;
            int hi_a = p < card - span + 1 ? p : card - span + 1;
            int a = k0 + lo_a + rint_(g, hi_a - lo_a + 1);
            int ka = a + rint_(g, l + 1);
            remove_span(w, r, a, a + span - 1, ka, ka + mm - 1, st->removed, &st->nrem);
        } else {
            int lo_a = p - l + 1 > 1 ? p - l + 1 : 1;
            int hi_a = p < card - l + 1 ? p : card - l + 1;
            int a = k0 + lo_a + rint_(g, hi_a - lo_a + 1);
            remove_span(w, r, a, a + l - 1, 1 << 30, -1, st->removed, &st->nrem);
        }
        update_route(w, r);
    }
}

/* the order stops go back in: random / most demand / farthest / closest first (weights 4, 4, 2, 1) */
static inline void order_removed(const Sol *w, Step *st, Rng *g) {
    int order = rint_(g, 11), nrem = st->nrem, *rem = st->removed;
    if (order < 4) {
        for (int i = nrem - 1; i > 0; i--) { int j = rint_(g, i + 1), t = rem[i]; rem[i] = rem[j]; rem[j] = t; }
        return;
    }
    const ll *d0 = w->dist + (size_t)w->S[0] * w->n;
    for (int i = 0; i < nrem; i++) {
        int v = rem[i];
        st->key[v] = order < 8 ? (w->ncap ? w->dem[v] : 0) : order < 10 ? d0[v] : -d0[v];
    }
    sort_by(rem, nrem, st->key, 1);
}

/* put v back at its cheapest place (blinks first, then without); 0 when it fits nowhere */
static inline int recreate_one(Sol *w, Step *st, Rng *g, int v, double blink) {
    int br = -1, bp = -1;
    ll bc = 0;
    if (!best_insert(w, v, blink, g, &br, &bp, &bc) && !best_insert(w, v, 0, g, &br, &bp, &bc)) return 0;
    insert_at(w, v, br, bp);
    touch(st, br);
    return 1;
}

/* the routes given (each ended by -1, R of them, every stop once) into x; 0 on bad input */
static inline int load_routes(Sol *x, const int *init) {
    int r = 0, i = 0, count = 0, m = x->m, ok = 1;
    char *seen = calloc(m, 1);
    if (!seen) return 0;
    for (int k = 0; k < x->R; k++) { x->seq[(size_t)k * x->stride] = x->S[k]; x->len[k] = 1; }
    while (r < x->R) {
        int v = init[i++];
        if (v < 0) { x->seq[(size_t)r * x->stride + x->len[r]++] = x->E[r]; r++; continue; }
        if (v >= m || seen[v]) { ok = 0; break; }
        seen[v] = 1; count++;
        x->seq[(size_t)r * x->stride + x->len[r]++] = v;
    }
    if (ok && count != m) ok = 0;
    if (ok) for (int k = 0; k < x->R; k++) update_route(x, k);
    free(seen);
    return ok;
}

/* the answer out: R routes, each ended by -1 */
static inline void write_routes(const Sol *x, int *out) {
    int w = 0;
    for (int r = 0; r < x->R; r++) {
        for (int i = 1; i < x->len[r] - 1; i++) out[w++] = x->seq[(size_t)r * x->stride + i];
        out[w++] = -1;
    }
}

static inline int check_fleet(int n, int m, int ncap, int R, const int *S, const int *E) {
    if (ncap > MAXCAP || ncap < 0 || R <= 0 || m <= 0) return 0;
    for (int r = 0; r < R; r++)
        if (S[r] < m || E[r] < m || S[r] >= n || E[r] >= n) return 0;
    return 1;
}

/* A search: the current answer, the one a step works on, the best; the step's lists. */
typedef struct { Sol cur, work, best; Step st; } Search;

/* The problem (route r is vehicle r: capacity cap[r*ncap..], shift lo[r]..hi[r], from node S[r] to E[r]; allow,
 * keep and closed may be NULL) with the start init (each route ended by -1, route r first with its keep[r]
 * locked stops) loaded into all three answers; 0 on bad input or no memory — search_free all the same. */
static inline int search_start(Search *x, int n, int m, const ll *dist, const ll *tim, const ll *ready,
                               const ll *due, int ncap, const ll *demand, const ll *cap, const ll *lo,
                               const ll *hi, const int *S, const int *E, int R, const int *init,
                               const char *allow, const int *keep, const char *closed) {
    memset(x, 0, sizeof *x);
    if (!check_fleet(n, m, ncap, R, S, E)) return 0;
    Sol shape = {0};
    shape.n = n; shape.m = m; shape.ncap = ncap; shape.S = S; shape.E = E; shape.R = R; shape.stride = m + 2;
    shape.dist = dist; shape.tim = tim; shape.ready = ready; shape.due = due; shape.dem = demand; shape.cap = cap;
    shape.lo = lo; shape.hi = hi; shape.closed = closed; shape.allow = allow;
    shape.keep = keep;
    int ok = alloc_sol(&x->cur, &shape) & alloc_sol(&x->work, &shape) & alloc_sol(&x->best, &shape);
    Step *st = &x->st;
    st->removed = malloc(m * sizeof(int));
    st->adj = neighbours(m, n, dist);
    st->touched = calloc(R, sizeof(int));
    st->tlist = malloc(R * sizeof(int));
    st->key = malloc(m * sizeof(ll));
    if (!ok || !st->removed || !st->adj || !st->touched || !st->tlist || !st->key) return 0;
    if (!load_routes(&x->cur, init)) return 0;
    for (int r = 0; r < R; r++) { copy_route(&x->work, &x->cur, r); copy_route(&x->best, &x->cur, r); }
    return 1;
}

static inline void search_free(Search *x) {
    free_sol(&x->cur); free_sol(&x->work); free_sol(&x->best);
    free(x->st.removed); free((void *)x->st.adj); free(x->st.touched); free(x->st.tlist); free(x->st.key);
}

#endif
