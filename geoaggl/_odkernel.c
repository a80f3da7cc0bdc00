/*
 * geoaggl OD kernel: many-to-many shortest distances on a precomputed core (private).
 *
 * Plain C (no Python API), loaded with ctypes by geoaggl/_odkernel.py, which releases the GIL
 * for each call: source blocks run on several threads.  Built at install time by
 * hatch_build.py; when it is absent geoaggl uses the scipy/numpy path, with the same results.
 *
 * The graph is a CSR over all nodes.  For the source searches, the upward graph: the upward
 * arcs of an eliminated node, the core arcs of a core node.  For the target climbs, the reversed
 * upward arcs (core nodes have none).  d(s, t) = min over x of d_up(s, x) + f_t(x), where f_t is
 * t's climb distance to x (the bucket form of a contraction-hierarchy query).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define GK_VERSION 4

typedef struct {
    double key;
    int64_t node;
} item;

typedef struct {
    item *a;
    int64_t size, cap;
    double *dist;
    int64_t *touched;
} work;

int gk_version(void) { return GK_VERSION; }

static int work_init(work *ws, int64_t n) {
    ws->cap = 1024;
    ws->size = 0;
    ws->a = (item *)malloc((size_t)ws->cap * sizeof(item));
    ws->dist = (double *)malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    ws->touched = (int64_t *)malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (!ws->a || !ws->dist || !ws->touched) return -1;
    for (int64_t i = 0; i < n; i++) ws->dist[i] = INFINITY;
    return 0;
}

static void work_free(work *ws) {
    free(ws->a);
    free(ws->dist);
    free(ws->touched);
}

static int push(work *ws, double key, int64_t node) {
    if (ws->size == ws->cap) {
        int64_t cap = ws->cap * 2;
        item *a = (item *)realloc(ws->a, (size_t)cap * sizeof(item));
        if (!a) return -1;
        ws->a = a;
        ws->cap = cap;
    }
    item *h = ws->a;
    int64_t i = ws->size++;
    while (i > 0) {
        int64_t p = (i - 1) / 2;
        if (h[p].key <= key) break;
        h[i] = h[p];
        i = p;
    }
    h[i].key = key;
    h[i].node = node;
    return 0;
}

static item pop(work *ws) {
    item *h = ws->a;
    item top = h[0];
    item last = h[--ws->size];
    int64_t n = ws->size, i = 0;
    if (n == 0) return top;
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && h[c + 1].key < h[c].key) c++;
        if (h[c].key >= last.key) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
    return top;
}

/* Dijkstra from s over the CSR (ptr, idx, w); fills ws->dist and ws->touched; returns the
 * number of nodes reached, -1 when out of memory.  inf or NaN weights are never taken. */
static int64_t sssp(const int64_t *ptr, const int64_t *idx, const double *w, int64_t s, work *ws) {
    double *dist = ws->dist;
    int64_t nt = 0;
    ws->size = 0;
    dist[s] = 0.0;
    ws->touched[nt++] = s;
    if (push(ws, 0.0, s)) return -1;
    while (ws->size) {
        item it = pop(ws);
        int64_t v = it.node;
        if (it.key > dist[v]) continue;
        for (int64_t e = ptr[v]; e < ptr[v + 1]; e++) {
            double nd = it.key + w[e];
            int64_t u = idx[e];
            if (nd < dist[u]) {
                if (dist[u] == INFINITY) ws->touched[nt++] = u;
                dist[u] = nd;
                if (push(ws, nd, u)) return -1;
            }
        }
    }
    return nt;
}

static void reset(work *ws, int64_t nt) {
    for (int64_t i = 0; i < nt; i++) ws->dist[ws->touched[i]] = INFINITY;
}

/* Each target's climb (search space): with bptr NULL, counts[i] = its size; otherwise writes the
 * nodes and climb distances of target i at bnode/bf[bptr[i]:bptr[i+1]].  Returns 0, or -1. */
int gk_climb(int64_t n, const int64_t *ptr, const int64_t *idx, const double *w, int64_t nt,
             const int64_t *tgt, int64_t *counts, const int64_t *bptr, int64_t *bnode, double *bf) {
    work ws = {0};
    if (work_init(&ws, n)) {
        work_free(&ws);
        return -1;
    }
    for (int64_t i = 0; i < nt; i++) {
        int64_t m = sssp(ptr, idx, w, tgt[i], &ws);
        if (m < 0) {
            work_free(&ws);
            return -1;
        }
        counts[i] = m;
        if (bptr) {
            for (int64_t k = 0; k < m; k++) {
                int64_t x = ws.touched[k];
                bnode[bptr[i] + k] = x;
                bf[bptr[i] + k] = ws.dist[x];
            }
        }
        reset(&ws, m);
    }
    work_free(&ws);
    return 0;
}

/* Distances from sources src[0:ns] to the targets' buckets; out row i, column j gets the
 * distance to bucket group tcol[j] (float64, or float32 when is32).  Returns 0, or -1. */
int gk_many(int64_t n, const int64_t *ptr, const int64_t *idx, const double *w, int64_t ns,
            const int64_t *src, int64_t ng, const int64_t *bptr, const int64_t *bnode,
            const double *bf, int64_t ncol, const int64_t *tcol, void *out, int64_t stride,
            int is32) {
    work ws = {0};
    double *best = (double *)malloc((size_t)(ng > 0 ? ng : 1) * sizeof(double));
    if (!best || work_init(&ws, n)) {
        free(best);
        work_free(&ws);
        return -1;
    }
    const double *dist = ws.dist;
    for (int64_t i = 0; i < ns; i++) {
        int64_t m = sssp(ptr, idx, w, src[i], &ws);
        if (m < 0) {
            free(best);
            work_free(&ws);
            return -1;
        }
        for (int64_t g = 0; g < ng; g++) {
            double b = INFINITY;
            for (int64_t e = bptr[g]; e < bptr[g + 1]; e++) {
                double v = dist[bnode[e]] + bf[e];
                if (v < b) b = v;
            }
            best[g] = b;
        }
        if (is32) {
            float *row = (float *)out + i * stride;
            for (int64_t j = 0; j < ncol; j++) row[j] = (float)best[tcol[j]];
        } else {
            double *row = (double *)out + i * stride;
            for (int64_t j = 0; j < ncol; j++) row[j] = best[tcol[j]];
        }
        reset(&ws, m);
    }
    free(best);
    work_free(&ws);
    return 0;
}

/* Nearest node of each point on a uniform grid (GridIndex in _roadgraph.py, same rule): the
 * 3 x 3 block of cells around the point's cell, squared Euclidean distance, ties to the lower
 * node position; best[i] = -1 when nothing lies within one cell (the caller searches those). */
void gk_nearest(const double *x, const double *y, const int64_t *order, const int64_t *ptr,
                int64_t nx, int64_t ny, double x0, double y0, double cell, int64_t m,
                const double *px, const double *py, int64_t *best) {
    double lim = cell * cell;
    for (int64_t k = 0; k < m; k++) {
        double qx = px[k], qy = py[k];
        int64_t b = -1;
        double bd = INFINITY;
        if (isfinite(qx) && isfinite(qy)) {
            double fi = floor((qx - x0) / cell), fj = floor((qy - y0) / cell);
            if (fi >= -1.0 && fi <= (double)nx && fj >= -1.0 && fj <= (double)ny) {
                int64_t ci = (int64_t)fi, cj = (int64_t)fj;
                for (int64_t i = ci - 1; i <= ci + 1; i++) {
                    if (i < 0 || i >= nx) continue;
                    for (int64_t j = cj - 1; j <= cj + 1; j++) {
                        if (j < 0 || j >= ny) continue;
                        int64_t c = i * ny + j;
                        for (int64_t e = ptr[c]; e < ptr[c + 1]; e++) {
                            int64_t v = order[e];
                            double dx = x[v] - qx, dy = y[v] - qy;
                            double d = dx * dx + dy * dy;
                            if (d < bd || (d == bd && v < b)) {
                                bd = d;
                                b = v;
                            }
                        }
                    }
                }
            }
        }
        best[k] = (bd <= lim) ? b : -1;
    }
}

/* Nearest of n points (x, y, z) to each query by squared Euclidean distance, ties to the lower
 * position; -1 for a query with a non-finite coordinate (brute force: O(n m)). */
void gk_nearest_brute(int64_t n, const double *x, const double *y, const double *z, int64_t m,
                      const double *px, const double *py, const double *pz, int64_t *best) {
    for (int64_t k = 0; k < m; k++) {
        double qx = px[k], qy = py[k], qz = pz[k];
        int64_t b = -1;
        if (isfinite(qx) && isfinite(qy) && isfinite(qz)) {
            double bd = INFINITY;
            for (int64_t v = 0; v < n; v++) {
                double dx = x[v] - qx, dy = y[v] - qy, dz = z[v] - qz;
                double d = dx * dx + dy * dy + dz * dz;
                if (d < bd) {
                    bd = d;
                    b = v;
                }
            }
        }
        best[k] = b;
    }
}

/* ---------------------------------------------------------------- replaying the contraction */
typedef struct {
    const int64_t *up_ptr, *up_idx, *rank, *cpos, *cptr, *cidx;
    double *up_out, *up_in, *cw;
} rctx;

/* The weight slot of arc a -> b in the contracted structure: an upward arc of whichever end was
 * eliminated first (rank >= 0, smaller first; core nodes have rank -1), or a core arc. */
static double *slot(const rctx *c, int64_t a, int64_t b) {
    int64_t ra = c->rank[a], rb = c->rank[b];
    if (ra < 0 && rb < 0) {
        int64_t r = c->cpos[a], t = c->cpos[b];
        int64_t lo = c->cptr[r], hi = c->cptr[r + 1], end = hi;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (c->cidx[mid] < t) lo = mid + 1;
            else hi = mid;
        }
        return (lo < end && c->cidx[lo] == t) ? &c->cw[lo] : NULL;
    }
    int a_low = (ra >= 0) && (rb < 0 || ra < rb);
    int64_t v = a_low ? a : b, x = a_low ? b : a;
    for (int64_t p = c->up_ptr[v]; p < c->up_ptr[v + 1]; p++)
        if (c->up_idx[p] == x) return a_low ? &c->up_out[p] : &c->up_in[p];
    return NULL;
}

/* New weights on a contracted structure: the arcs (tail, head, w) set their slots (lightest
 * parallel arc), then each eliminated node, in an order where it precedes all its upper
 * neighbours, adds x_i -> v -> x_j to the slot of x_i -> x_j (the min-plus elimination of
 * _roadgraph.contract, whose shortcut sums it reproduces exactly).  Returns 0, -1 for an arc
 * with no slot, -2 for a shortcut with no slot (a structure that does not fit the graph). */
int gk_replay(int64_t n, const int64_t *up_ptr, const int64_t *up_idx, int64_t n_order,
              const int64_t *order, const int64_t *rank, const int64_t *cpos, const int64_t *cptr,
              const int64_t *cidx, int64_t m, const int64_t *tail, const int64_t *head,
              const double *w, double *up_out, double *up_in, double *cw, int64_t ncw) {
    rctx c = {up_ptr, up_idx, rank, cpos, cptr, cidx, up_out, up_in, cw};
    for (int64_t p = 0; p < up_ptr[n]; p++) up_out[p] = up_in[p] = INFINITY;
    for (int64_t p = 0; p < ncw; p++) cw[p] = INFINITY;
    for (int64_t e = 0; e < m; e++) {
        if (tail[e] == head[e]) continue;
        double *d = slot(&c, tail[e], head[e]);
        if (!d) return -1;
        if (w[e] < *d) *d = w[e];
    }
    for (int64_t k = 0; k < n_order; k++) {
        int64_t v = order[k], lo = up_ptr[v], hi = up_ptr[v + 1];
        for (int64_t i = lo; i < hi; i++) {
            double wi = up_in[i];
            if (!(wi < INFINITY)) continue;
            for (int64_t j = lo; j < hi; j++) {
                if (j == i) continue;
                double s = wi + up_out[j];
                if (!(s < INFINITY)) continue;
                double *d = slot(&c, up_idx[i], up_idx[j]);
                if (!d) return -2;
                if (s < *d) *d = s;
            }
        }
    }
    return 0;
}
